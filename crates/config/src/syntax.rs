//! Lexical rules shared by the config file, the command line and CONFIG SET:
//! argument splitting with quotes, quoting for output, strict integers, memory
//! sizes with units, and glob matching. Pure functions; no knowledge of
//! individual directives.

/// Splits one config line into arguments the way redis.conf lines are split.
///
/// Whitespace separates arguments. A `"` starts a double-quoted span in which
/// `\xHH` (two hex digits), `\n`, `\r`, `\t`, `\b` and `\a` are escapes and a
/// backslash before any other character yields that character. A `'` starts a
/// single-quoted span in which only `\'` is an escape. A closing quote must be
/// followed by whitespace or the end of the line. A quote may also open in the
/// middle of a bare word (`a"b c"` is one argument `ab c`), as Redis allows.
/// Returns `None` for unbalanced quotes or a quote glued to the next word.
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return Some(out);
        }
        let mut cur: Vec<u8> = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            if in_double {
                let &c = bytes.get(i)?;
                if c == b'\\' && i + 3 < bytes.len() && bytes[i + 1] == b'x' {
                    if let (Some(h), Some(l)) = (hex(bytes[i + 2]), hex(bytes[i + 3])) {
                        cur.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && i + 1 < bytes.len() {
                    cur.push(match bytes[i + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    // The closing quote must end the argument.
                    if i + 1 < bytes.len() && !bytes[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                }
                cur.push(c);
                i += 1;
            } else if in_single {
                let &c = bytes.get(i)?;
                if c == b'\\' && bytes.get(i + 1) == Some(&b'\'') {
                    cur.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if i + 1 < bytes.len() && !bytes[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                }
                cur.push(c);
                i += 1;
            } else {
                match bytes.get(i) {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => in_double = true,
                    Some(b'\'') => in_single = true,
                    Some(&c) => cur.push(c),
                }
                i += 1;
            }
        }
        // Escapes can produce bytes that are not UTF-8; such bytes are kept
        // as replacement characters because every directive value is text.
        out.push(String::from_utf8_lossy(&cur).into_owned());
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Quotes a value so that [`split_args`] reads it back as one argument:
/// always in double quotes, with backslash escapes for quotes, backslashes,
/// control characters and non-ASCII bytes (the form Redis uses when it turns
/// command-line values into config lines).
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for &b in value.as_bytes() {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// Quotes a value for a config file only when it needs it, so that plain
/// values stay readable (`port 6379`, but `logfile ""`).
pub fn quote_if_needed(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'\\');
    if plain {
        value.to_string()
    } else {
        quote(value)
    }
}

/// Parses a signed 64-bit integer in the strict form Redis accepts: an
/// optional `-`, then digits with no leading zero (except `0` itself), no `+`,
/// no spaces and no `-0`.
pub fn parse_strict_i64(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    if s == "-0" {
        return None;
    }
    s.parse().ok()
}

/// Parses a memory size: digits followed by an optional unit, case
/// insensitive: `b`, `k` (1000), `kb` (1024), `m`, `mb`, `g`, `gb`. An empty
/// string is 0, as in Redis. Signs, fractions, spaces and overflow are errors.
pub fn parse_memory(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() {
        // "" means zero; a unit with no number ("kb") is not a size.
        return if unit.is_empty() { Some(0) } else { None };
    }
    digits.parse::<u64>().ok()?.checked_mul(mul)
}

/// Case-insensitive glob match with `*`, `?`, `[set]`, `[^set]`, `[a-z]` and
/// `\` escapes: the pattern language of CONFIG GET.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<u8> = pattern.bytes().map(|b| b.to_ascii_lowercase()).collect();
    let t: Vec<u8> = text.bytes().map(|b| b.to_ascii_lowercase()).collect();
    glob_bytes(&p, &t)
}

fn glob_bytes(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    // Position to resume from after the most recent `*`: pattern index after
    // the star and the text index it is currently assumed to cover up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class_match(p, pi, t[ti]) {
                        if matched {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == b'[' {
                        // An unclosed `[` matches itself literally.
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == t[ti] {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if c == t[ti] {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the character class starting at `p[start] == b'['`.
/// Returns whether it matched and the index just past the class, or `None`
/// when the class is not closed.
fn class_match(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = p.get(i) == Some(&b'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *p.get(i)?;
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if b == b'\\' && i + 1 < p.len() {
            matched |= p[i + 1] == c;
            i += 2;
        } else if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&e| e != b']') {
            let (lo, hi) = (b.min(p[i + 2]), b.max(p[i + 2]));
            matched |= (lo..=hi).contains(&c);
            i += 3;
        } else {
            matched |= b == c;
            i += 1;
        }
    }
}

/// True when a CONFIG GET argument is a pattern rather than one exact name.
pub fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s)
    }

    fn v(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn split_plain_words() {
        assert_eq!(split("  port   6379 \t"), v(&["port", "6379"]));
        assert_eq!(split(""), v(&[]));
    }

    #[test]
    fn split_double_quotes_and_escapes() {
        assert_eq!(split(r#"echo a"b c""#), v(&["echo", "ab c"]));
        assert_eq!(
            split(r#"echo "x\x41\x4g\n\\q""#),
            v(&["echo", "xAx4g\n\\q"])
        );
        assert_eq!(split(r#"save """#), v(&["save", ""]));
        assert_eq!(split(r#"a "\"q\"""#), v(&["a", "\"q\""]));
    }

    #[test]
    fn split_single_quotes() {
        assert_eq!(split(r"echo 'it\'s' "), v(&["echo", "it's"]));
        assert_eq!(split(r"echo 'a\nb'"), v(&["echo", "a\\nb"]));
        assert_eq!(split("save ''"), v(&["save", ""]));
    }

    #[test]
    fn split_rejects_bad_quotes() {
        assert_eq!(split(r#"echo "a"b"#), None);
        assert_eq!(split(r#"echo "un"#), None);
        assert_eq!(split("echo 'un"), None);
        assert_eq!(split("echo 'a'b"), None);
    }

    #[test]
    fn quote_round_trips() {
        for s in ["", "plain", "a b", "q\"uo\\te", "nl\nx\t\r\x07\x08", "é"] {
            let line = format!("k {}", quote(s));
            assert_eq!(split(&line), v(&["k", s]), "{line}");
            let line = format!("k {}", quote_if_needed(s));
            assert_eq!(split(&line), v(&["k", s]), "{line}");
        }
        assert_eq!(quote_if_needed("6379"), "6379");
        assert_eq!(quote_if_needed(""), "\"\"");
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_strict_i64("0"), Some(0));
        assert_eq!(parse_strict_i64("-12"), Some(-12));
        assert_eq!(parse_strict_i64("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_strict_i64("-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "+5",
            " 5",
            "5 ",
            "05",
            "-0",
            "1e3",
            "1k",
            "-",
            "9223372036854775808",
        ] {
            assert_eq!(parse_strict_i64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn memory_units() {
        let cases = [
            ("", 0),
            ("5", 5),
            ("5b", 5),
            ("5B", 5),
            ("1k", 1000),
            ("1K", 1000),
            ("1kb", 1024),
            ("1kB", 1024),
            ("100k", 100_000),
            ("1m", 1_000_000),
            ("512mb", 512 * 1024 * 1024),
            ("1g", 1_000_000_000),
            ("1gb", 1 << 30),
            ("1GB", 1 << 30),
            ("18446744073709551615", u64::MAX),
        ];
        for (s, n) in cases {
            assert_eq!(parse_memory(s), Some(n), "{s:?}");
        }
        for bad in [
            "-1",
            "+5",
            "1.5",
            " 5",
            "5 ",
            "0x10",
            "1zb",
            "kb",
            "1tb",
            "18446744073709551615kb",
        ] {
            assert_eq!(parse_memory(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("*", "port"));
        assert!(glob_match("PORT", "port"));
        assert!(glob_match("max*", "maxmemory-policy"));
        assert!(glob_match("*-max-*-entries", "hash-max-listpack-entries"));
        assert!(glob_match("p?rt", "port"));
        assert!(!glob_match("p?rt", "prt"));
        assert!(glob_match("[pq]ort", "port"));
        assert!(!glob_match("[^p]ort", "port"));
        assert!(glob_match("[a-q]ort", "port"));
        assert!(glob_match("h\\z", "hz"));
        assert!(!glob_match("max*", "hz"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxx"));
        assert!(is_pattern("max*") && is_pattern("p?rt") && !is_pattern("port"));
    }
}
