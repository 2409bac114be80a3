//! RESP2/RESP3 wire format: a check-then-parse command parser over a `BytesMut`
//! and a reply encoder that writes straight into an output buffer.
//!
//! This crate does no I/O and knows nothing about commands or the runtime, so it
//! can be fuzzed on its own.

mod arg;
mod encode;
mod parse;

/// Invariant checks for the fuzz target and the corpus replay test; not for
/// production use (they panic when the parser breaks a promise).
#[doc(hidden)]
pub mod fuzzing;

pub use arg::{recycle, Arg, Batch};
pub use encode::{format_double, Out, Proto};
pub use parse::{
    element_end, parse_command, split_elements, string2ll, CommandParser, Limits, ProtocolError,
};
