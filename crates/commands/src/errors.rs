//! Redis's error strings, spelled once.

pub const SYNTAX: &str = "ERR syntax error";
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const NOT_INT: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const DB_INDEX: &str = "ERR DB index is out of range";
pub const INVALID_EXPIRE: &str = "ERR invalid expire time in '{}' command";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/// `ERR wrong number of arguments for '<name>' command`.
pub fn arity(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

/// Redis's reply to a command with subcommands given an unknown one (its
/// first 128 bytes quoted, line breaks as spaces), or a container given
/// none (an arity error).
pub fn unknown_subcommand(parent: &str, sub: Option<&[u8]>) -> String {
    match sub {
        None => arity(parent),
        Some(sub) => format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            quoted(sub, 128),
            parent.to_ascii_uppercase()
        ),
    }
}

/// At most `max` bytes of a client's argument as Redis quotes it in an
/// error: lossy UTF-8, line breaks as spaces (an error is one line).
pub fn quoted(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).replace(['\r', '\n'], " ")
}

/// `ERR invalid expire time in '<name>' command`.
pub fn invalid_expire(name: &str) -> String {
    format!("ERR invalid expire time in '{name}' command")
}

/// RENAME-like commands whose source and destination are the same key in the same database.
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
/// A SCAN-family cursor that is not an unsigned 64-bit number.
pub const INVALID_CURSOR: &str = "ERR invalid cursor";

/// `ERR value is out of range, value must between <min> and <max>`, Redis's
/// reply when an integer parses but does not fit the argument's range (its
/// grammar included).
pub fn out_of_range(min: i64, max: i64) -> String {
    format!("ERR value is out of range, value must between {min} and {max}")
}
