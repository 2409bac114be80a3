//! One shard's keyspace: values and their encodings, the expiry index, and
//! per-key access metadata.
//!
//! Storage never reads the clock (`now` is always an argument), starts no
//! threads and knows nothing about RESP or commands.

pub mod db;
pub mod dict;
pub mod glob;
pub mod value;

pub use db::{Db, Keyspace};
pub use value::{RawStr, Value};

/// Milliseconds since the Unix epoch.
pub type Ms = i64;
