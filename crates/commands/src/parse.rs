//! Parsing of argument values with Redis's rules and error replies.

use crate::errors;

/// Parses a signed 64-bit integer as Redis's `string2ll`: no spaces, no '+',
/// no leading zeros.
pub fn int(arg: &[u8]) -> Option<i64> {
    // The protocol parser reads lengths by the same rule.
    tessera_resp::string2ll(arg)
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
    let named = |names: &[&str]| names.iter().any(|n| s.eq_ignore_ascii_case(n));
    let v: f64 = if named(&["inf", "+inf", "infinity", "+infinity"]) {
        f64::INFINITY
    } else if named(&["-inf", "-infinity"]) {
        f64::NEG_INFINITY
    } else {
        // Rust accepts forms C does not ("1_0" no, but "infinity" handled above);
        // reject anything with letters other than an exponent.
        if s.bytes()
            .any(|c| !(c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')))
        {
            return None;
        }
        s.parse().ok()?
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
    fn int_follows_string2ll() {
        // What the standard parser gives once Redis's extra rules (no '+',
        // no leading zero, no "-0") are applied, for comparison.
        fn reference(arg: &[u8]) -> Option<i64> {
            let s = std::str::from_utf8(arg).ok()?;
            let digits = s.strip_prefix('-').unwrap_or(s);
            if s.starts_with('+') || (digits.starts_with('0') && s != "0") {
                return None;
            }
            s.parse().ok()
        }
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "00",
            "01",
            "-01",
            "1",
            "-1",
            "+1",
            "",
            "-",
            "--1",
            "1-",
            " 1",
            "1 ",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "99999999999999999999",
            "1e3",
            "0x10",
            "12a",
            "\u{0}1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in [7i64, 42, 1000, -5, i64::MAX / 3, i64::MIN / 7] {
            cases.push(n.to_string());
        }
        for c in &cases {
            assert_eq!(int(c.as_bytes()), reference(c.as_bytes()), "{c:?}");
        }
        assert_eq!(int(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int(b"9223372036854775807"), Some(i64::MAX));
    }

    #[test]
    fn float_names_infinity_in_any_case_and_refuses_nan() {
        assert_eq!(float(b"INF"), Some(f64::INFINITY));
        assert_eq!(float(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(float(b"-inF"), Some(f64::NEG_INFINITY));
        assert_eq!(float(b"1.5e2"), Some(150.0));
        assert_eq!(float(b"-0"), Some(-0.0));
        for bad in [
            &b"nan"[..],
            b"NaN",
            b"",
            b" 1",
            b"1 ",
            b"1_0",
            b"inff",
            b"0x1p3",
        ] {
            assert_eq!(float(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

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
