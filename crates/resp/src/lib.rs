//! RESP2/RESP3 wire format: a check-then-parse command parser over a `BytesMut`
//! and a reply encoder that writes straight into an output buffer.
//!
//! This crate does no I/O and knows nothing about commands or the runtime, so it
//! can be fuzzed on its own.

mod encode;
mod parse;

pub use encode::{format_double, Out, Proto};
pub use parse::{parse_command, split_elements, CommandParser, Limits, ProtocolError};
