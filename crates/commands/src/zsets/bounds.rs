//! Parsing of the sorted-set family's numeric and range arguments with the
//! exact acceptance rules of Redis 7.0, which uses C's `strtod` in three
//! different ways (scores, range bounds, timeouts). Pure functions over
//! bytes: no keyspace, no replies.

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// What `strtod` made of a byte string.
struct Strtod {
    value: f64,
    /// Bytes consumed (0 when no number was recognised).
    used: usize,
    /// The numeral was finite but its value overflowed to an infinity, or
    /// was non-zero but underflowed to zero (`ERANGE` with those results).
    range_error: bool,
}

/// C's `strtod` over `s` (which the callers cut at the first NUL byte, as C
/// would see it): leading white space, a sign, then `inf`/`infinity`, `nan`
/// with an optional `(chars)`, a hexadecimal float (`0x1.8p3`), or a decimal
/// one.
fn strtod(s: &[u8]) -> Strtod {
    let none = Strtod {
        value: 0.0,
        used: 0,
        range_error: false,
    };
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let sign = |v: f64| if neg { -v } else { v };
    let rest = &s[i..];
    let starts = |word: &str| {
        rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    };
    if starts("infinity") {
        return Strtod {
            value: sign(f64::INFINITY),
            used: i + 8,
            range_error: false,
        };
    }
    if starts("inf") {
        return Strtod {
            value: sign(f64::INFINITY),
            used: i + 3,
            range_error: false,
        };
    }
    if starts("nan") {
        let mut used = i + 3;
        if s.get(used) == Some(&b'(') {
            let mut j = used + 1;
            while j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
                j += 1;
            }
            if s.get(j) == Some(&b')') {
                used = j + 1;
            }
        }
        return Strtod {
            value: f64::NAN,
            used,
            range_error: false,
        };
    }
    if rest.len() > 2
        && rest[0] == b'0'
        && (rest[1] | 0x20) == b'x'
        && (rest[2].is_ascii_hexdigit()
            || (rest[2] == b'.' && rest.get(3).is_some_and(u8::is_ascii_hexdigit)))
    {
        let (v, used, nonzero) = hex_float(&rest[2..]);
        let value = sign(v);
        return Strtod {
            value,
            used: i + 2 + used,
            range_error: value.is_infinite() || (value == 0.0 && nonzero),
        };
    }
    // Decimal: digits, an optional fraction, an optional exponent that only
    // counts when at least one digit follows it.
    let mut j = 0;
    let mut digits = 0;
    let mut nonzero = false;
    while j < rest.len() && rest[j].is_ascii_digit() {
        nonzero |= rest[j] != b'0';
        j += 1;
        digits += 1;
    }
    if j < rest.len() && rest[j] == b'.' {
        j += 1;
        while j < rest.len() && rest[j].is_ascii_digit() {
            nonzero |= rest[j] != b'0';
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return none;
    }
    if j < rest.len() && (rest[j] | 0x20) == b'e' {
        let mut k = j + 1;
        if k < rest.len() && (rest[k] == b'+' || rest[k] == b'-') {
            k += 1;
        }
        if k < rest.len() && rest[k].is_ascii_digit() {
            while k < rest.len() && rest[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    // The recognised text is ASCII digits, '.', 'e' and signs, which Rust's
    // parser accepts and rounds correctly, like glibc.
    let text = std::str::from_utf8(&rest[..j]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let value = sign(v);
    Strtod {
        value,
        used: i + j,
        range_error: value.is_infinite() || (value == 0.0 && nonzero),
    }
}

/// The value of hexadecimal float digits (after `0x`): the value, bytes
/// used, and whether any mantissa digit was non-zero.
fn hex_float(s: &[u8]) -> (f64, usize, bool) {
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut j = 0;
    let mut nonzero = false;
    let mut seen_dot = false;
    while j < s.len() {
        let c = s[j];
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            nonzero |= d != 0;
            // Keep 60 bits of mantissa; further digits only scale it (the
            // lost bits are below double precision anyway).
            if mant >> 56 == 0 {
                mant = mant << 4 | d as u64;
                if seen_dot {
                    exp -= 4;
                }
            } else if !seen_dot {
                exp += 4;
            }
        } else {
            break;
        }
        j += 1;
    }
    if j < s.len() && (s[j] | 0x20) == b'p' {
        let mut k = j + 1;
        let eneg = match s.get(k) {
            Some(b'-') => {
                k += 1;
                true
            }
            Some(b'+') => {
                k += 1;
                false
            }
            _ => false,
        };
        if k < s.len() && s[k].is_ascii_digit() {
            let mut e: i64 = 0;
            while k < s.len() && s[k].is_ascii_digit() {
                e = (e * 10 + (s[k] - b'0') as i64).min(1 << 20);
                k += 1;
            }
            exp += if eneg { -e } else { e };
            j = k;
        }
    }
    let exp = exp.clamp(-4000, 4000) as i32;
    // Scale in two steps so intermediate powers of two stay representable.
    let half = exp / 2;
    let v = mant as f64 * 2f64.powi(half) * 2f64.powi(exp - half);
    (v, j, nonzero)
}

/// A score, increment or weight as Redis's `getDoubleFromObject` accepts
/// it: the whole argument must be a number, with no leading space, not NaN,
/// and not out of the double range.
pub fn score(arg: &[u8]) -> Option<f64> {
    if let Some(v) = small_integer(arg) {
        return Some(v);
    }
    if arg.is_empty() || is_space(arg[0]) {
        return None;
    }
    let r = strtod(arg);
    if r.used != arg.len() || r.range_error || r.value.is_nan() {
        return None;
    }
    Some(r.value)
}

/// The common score, a plain decimal integer (an optional `-`, then 1 to 15
/// digits), without the general parser. Such a number is below 10^15 <
/// 2^53, so it converts to `f64` exactly, and `strtod` gives the same value
/// (`-0` included, as the negation of 0.0). Anything else is `None` and goes
/// the long way.
fn small_integer(arg: &[u8]) -> Option<f64> {
    let (neg, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, arg),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + d as u64;
    }
    let v = n as f64;
    Some(if neg { -v } else { v })
}

/// The argument as C sees it: cut at the first NUL byte.
fn c_str(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&b| b == 0) {
        Some(n) => &arg[..n],
        None => arg,
    }
}

/// A score range as ZRANGEBYSCORE and friends take it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    /// Whether a score sorts below the range's start.
    pub fn below_min(&self, s: f64) -> bool {
        if self.minex {
            s <= self.min
        } else {
            s < self.min
        }
    }

    /// Whether a score is at most the range's end.
    pub fn within_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }
}

/// One bound as Redis's `zslParseRange` reads it: an optional `(`, then
/// `strtod` must use up the C string (so an empty bound is 0 and leading
/// space is allowed); NaN is refused, overflow is not.
fn score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let s = c_str(arg);
    let (ex, s) = match s.first() {
        Some(b'(') => (true, &s[1..]),
        _ => (false, s),
    };
    let r = strtod(s);
    if r.used != s.len() || r.value.is_nan() {
        return None;
    }
    Some((r.value, ex))
}

/// Parses `min max`; the error is Redis's reply.
pub fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, &'static str> {
    const ERR: &str = "ERR min or max is not a float";
    let (min, minex) = score_bound(min).ok_or(ERR)?;
    let (max, maxex) = score_bound(max).ok_or(ERR)?;
    Ok(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// One end of a lexicographical range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lex<'a> {
    /// `-`: before every member.
    Min,
    /// `+`: after every member.
    Max,
    /// `[member`
    Incl(&'a [u8]),
    /// `(member`
    Excl(&'a [u8]),
}

fn lex_bound(arg: &[u8]) -> Option<Lex<'_>> {
    match arg.first()? {
        b'+' if c_str(arg).len() == 1 => Some(Lex::Max),
        b'-' if c_str(arg).len() == 1 => Some(Lex::Min),
        b'[' => Some(Lex::Incl(&arg[1..])),
        b'(' => Some(Lex::Excl(&arg[1..])),
        _ => None,
    }
}

/// A lexicographical range as ZRANGEBYLEX and friends take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange<'a> {
    pub min: Lex<'a>,
    pub max: Lex<'a>,
}

impl LexRange<'_> {
    /// Whether a member sorts below the range's start.
    pub fn below_min(&self, m: &[u8]) -> bool {
        match self.min {
            Lex::Min => false,
            Lex::Max => true,
            Lex::Incl(x) => m < x,
            Lex::Excl(x) => m <= x,
        }
    }

    /// Whether a member is at most the range's end.
    pub fn within_max(&self, m: &[u8]) -> bool {
        match self.max {
            Lex::Min => false,
            Lex::Max => true,
            Lex::Incl(x) => m <= x,
            Lex::Excl(x) => m < x,
        }
    }
}

/// Parses `min max`; the error is Redis's reply.
pub fn lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, &'static str> {
    const ERR: &str = "ERR min or max not valid string range item";
    Ok(LexRange {
        min: lex_bound(min).ok_or(ERR)?,
        max: lex_bound(max).ok_or(ERR)?,
    })
}

/// A blocking command's timeout in seconds (decimals allowed) as
/// milliseconds from now, 0 meaning for ever. Mirrors Redis 7.0: the
/// value is a long double scaled by 1000 and truncated to a C `long long`
/// (where x86 turns out-of-range values into the most negative one, hence
/// "negative" for huge or infinite timeouts).
pub fn timeout_ms(arg: &[u8]) -> Result<i64, &'static str> {
    const NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
    if arg.is_empty() || is_space(arg[0]) {
        return Err(NOT_FLOAT);
    }
    let r = strtod(arg);
    // A long double has room for values a double overflows on, so only
    // underflow to zero counts as a range error here.
    if r.used != arg.len() || r.value.is_nan() || (r.range_error && r.value == 0.0) {
        return Err(NOT_FLOAT);
    }
    let ms = r.value * 1000.0;
    // 2^63, exactly representable: the end of the `long long` range.
    let lim = i64::MAX as f64;
    let ms = if (-lim..lim).contains(&ms) {
        ms as i64
    } else {
        i64::MIN
    };
    if ms < 0 {
        return Err("ERR timeout is negative");
    }
    // Redis 7.0 has no upper check: a deadline past the clock's range just
    // never comes. The runtime gets the relative time, so nothing overflows.
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_get_double_from_object() {
        // Accepted and refused forms checked against Redis 7.0.15's ZADD.
        for (arg, want) in [
            ("1.5e3", Some(1500.0)),
            ("0x10", Some(16.0)),
            ("0x1p3", Some(8.0)),
            ("0X1A", Some(26.0)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("+5", Some(5.0)),
            ("1e+2", Some(100.0)),
            ("inf", Some(f64::INFINITY)),
            ("-INF", Some(f64::NEG_INFINITY)),
            ("Infinity", Some(f64::INFINITY)),
            ("1e-310", Some(1e-310)),
            ("1e400", None),
            ("1e-400", None),
            (" 1", None),
            ("1 ", None),
            ("1e", None),
            ("nan", None),
            ("1_0", None),
            ("", None),
            ("-", None),
            ("infinit", None),
            ("\u{0}1", None),
        ] {
            assert_eq!(score(arg.as_bytes()), want, "{arg:?}");
        }
    }

    #[test]
    fn small_integers_read_as_strtod_reads_them() {
        // The fast path must agree with the general parser bit for bit.
        let general = |a: &[u8]| {
            let r = strtod(a);
            (!a.is_empty() && r.used == a.len() && !r.range_error).then_some(r.value)
        };
        let mut args: Vec<String> = [
            "0",
            "-0",
            "00",
            "-",
            "",
            "007",
            "999999999999999",
            "-999999999999999",
            "1000000000000000",
            "9007199254740993",
            "12a",
            "1-",
            "--1",
            "+1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 18) as usize;
            let n = format!("{:018}", x % 1_000_000_000_000_000_000);
            let sign = if x & (1 << 40) != 0 { "-" } else { "" };
            args.push(format!("{sign}{}", &n[18 - digits..]));
        }
        for a in &args {
            let fast = small_integer(a.as_bytes());
            if let Some(v) = fast {
                let g = general(a.as_bytes()).expect(a);
                assert_eq!(v.to_bits(), g.to_bits(), "{a:?}");
            }
            let s = score(a.as_bytes());
            assert_eq!(
                s.map(f64::to_bits),
                general(a.as_bytes()).map(f64::to_bits),
                "{a:?}"
            );
        }
        assert_eq!(
            small_integer(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(small_integer(b"1000000000000000"), None);
    }

    #[test]
    fn bounds_follow_zsl_parse_range() {
        let r = score_range(b"(1", b"+inf").unwrap();
        assert!(r.minex && !r.maxex && r.min == 1.0 && r.max == f64::INFINITY);
        // strtod skips leading space, an empty bound is 0, and the C string
        // ends at a NUL byte.
        assert_eq!(score_range(b" 1", b"2").unwrap().min, 1.0);
        assert_eq!(score_range(b"", b"2").unwrap().min, 0.0);
        assert_eq!(score_range(b"\x001", b"2").unwrap().min, 0.0);
        assert_eq!(score_range(b"1e400", b"2").unwrap().min, f64::INFINITY);
        for bad in [&b"1 "[..], b"nan", b"(nan", b"x", b"[1"] {
            assert_eq!(
                score_range(bad, b"1"),
                Err("ERR min or max is not a float"),
                "{bad:?}"
            );
        }
        assert_eq!(lex_range(b"[", b"(").unwrap().min, Lex::Incl(b""));
        assert_eq!(lex_range(b"-", b"+").unwrap().max, Lex::Max);
        for bad in [&b"a"[..], b"+x", b"-x", b""] {
            assert!(lex_range(bad, b"+").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn timeouts_follow_redis() {
        assert_eq!(timeout_ms(b"0"), Ok(0));
        assert_eq!(timeout_ms(b"1.5"), Ok(1500));
        assert_eq!(timeout_ms(b"0x10"), Ok(16000));
        assert_eq!(timeout_ms(b"0.0001"), Ok(0));
        let neg = Err("ERR timeout is negative");
        assert_eq!(timeout_ms(b"-1"), neg);
        assert_eq!(timeout_ms(b"1e400"), neg);
        assert_eq!(timeout_ms(b"inf"), neg);
        let nf = Err("ERR timeout is not a float or out of range");
        assert_eq!(timeout_ms(b"x"), nf);
        assert_eq!(timeout_ms(b"  1"), nf);
        assert_eq!(timeout_ms(b"nan"), nf);
        assert_eq!(
            timeout_ms(b"9000000000000000"),
            Ok(9_000_000_000_000_000_000)
        );
    }
}
