//! Parsing of argument values with Redis's rules and error replies.

use crate::errors;

/// Parses a signed 64-bit integer as Redis's `string2ll`: no spaces, no '+',
/// no leading zeros.
pub fn int(arg: &[u8]) -> Option<i64> {
    if arg.is_empty() || arg.len() > 20 {
        return None;
    }
    if arg.len() > 1 && (arg[0] == b'0' || (arg[0] == b'-' && arg[1] == b'0')) {
        return None;
    }
    if arg[0] == b'+' {
        return None;
    }
    std::str::from_utf8(arg).ok()?.parse().ok()
}

/// Like [`int`] but yields Redis's error string.
pub fn int_or_err(arg: &[u8]) -> Result<i64, &'static str> {
    int(arg).ok_or(errors::NOT_INT)
}

/// Parses a double as Redis's `string2ld`/`strtold` would for scores and
/// increments: accepts `inf`, `-inf`, `+inf`; rejects NaN, spaces and empty input.
pub fn float(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || arg[0].is_ascii_whitespace() || arg[arg.len() - 1].is_ascii_whitespace() {
        return None;
    }
    let s = std::str::from_utf8(arg).ok()?;
    let v: f64 = match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            // Rust accepts forms C does not ("1_0" no, but "infinity" handled above);
            // reject anything with letters other than an exponent.
            if s.bytes()
                .any(|c| !(c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')))
            {
                return None;
            }
            s.parse().ok()?
        }
    };
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
pub fn is(arg: &[u8], kw: &str) -> bool {
    arg.eq_ignore_ascii_case(kw.as_bytes())
}
