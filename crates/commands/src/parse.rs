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

/// Parses an argument that must fit a C `int` (database indexes and the like),
/// with Redis's two error replies: not an integer, or outside the `int` range.
pub fn int32_or_err(arg: &[u8]) -> Result<i32, String> {
    let n = int(arg).ok_or_else(|| errors::NOT_INT.to_string())?;
    i32::try_from(n).map_err(|_| errors::out_of_range(i32::MIN as i64, i32::MAX as i64))
}

/// Parses a SCAN-family cursor as Redis 7.0 does with `strtoul`: an optional
/// sign then decimal digits, nothing else; an empty argument is cursor 0; a
/// leading space is refused; a minus sign wraps (`-1` is `u64::MAX`); a
/// number beyond `u64` is refused. The runtime routes SCAN with this too, so
/// that routing and the handler agree on every cursor.
pub fn scan_cursor(arg: &[u8]) -> Option<u64> {
    if arg.is_empty() {
        return Some(0);
    }
    let (neg, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursor_follows_strtoul() {
        assert_eq!(scan_cursor(b"0"), Some(0));
        assert_eq!(scan_cursor(b""), Some(0));
        assert_eq!(scan_cursor(b"+5"), Some(5));
        assert_eq!(scan_cursor(b"-0"), Some(0));
        assert_eq!(scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(scan_cursor(b"18446744073709551616"), None);
        assert_eq!(scan_cursor(b" 5"), None);
        assert_eq!(scan_cursor(b"5 "), None);
        assert_eq!(scan_cursor(b"5x"), None);
        assert_eq!(scan_cursor(b"+"), None);
        assert_eq!(scan_cursor(b"-"), None);
    }

    #[test]
    fn int32_reports_both_errors() {
        assert_eq!(int32_or_err(b"-7"), Ok(-7));
        assert_eq!(int32_or_err(b"abc").unwrap_err(), errors::NOT_INT);
        assert_eq!(
            int32_or_err(b"99999999999").unwrap_err(),
            "ERR value is out of range, value must between -2147483648 and 2147483647"
        );
    }
}
