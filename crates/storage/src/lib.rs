//! One shard's keyspace: values and their encodings, the expiry index, and
//! per-key access metadata.
//!
//! Storage never reads the clock (`now` is always an argument), starts no
//! threads and knows nothing about RESP or commands.

pub mod db;
pub mod dict;
pub mod glob;
pub mod hash;
pub mod list;
pub mod set;
pub mod value;
pub mod zset;

pub use db::{Db, Keyspace};
pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use value::{RawStr, Value};
pub use zset::ZSet;

/// Milliseconds since the Unix epoch.
pub type Ms = i64;
