//! Redis's glob-style pattern matching (`*`, `?`, `[...]`, `[^...]`, ranges,
//! backslash escapes), used by KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET.
//! It must give exactly the answers of Redis 7.0's `stringmatchlen`, quirks
//! included, and must never take exponential time or deep recursion.
//!
//! # The rules, as redis-server 7.0.15 applies them
//!
//! - Every element but `*` matches exactly one byte: `?` any byte, `\x` the
//!   byte `x` (a `\` at the very end is a literal backslash), a class `[...]`
//!   one byte from the class, anything else itself.
//! - A class ends at the first `]` that is not escaped and not the end of a
//!   range; with no `]` it runs to the end of the pattern (`[a` matches "a",
//!   `[` alone matches nothing, `[^` matches any byte). `[]` is an empty class.
//!   Inside a class, `\x` is `x` compared case-sensitively even with nocase,
//!   `a-z` is a range whose ends are swapped when reversed, and a range is
//!   compared on C's signed `char`, so a byte of 0x80 or above sorts below
//!   0 (`[a-\xff]` means -1..=97). With nocase, the range ends are lowercased
//!   after the swap (so `[Z-a]` matches nothing).
//! - nocase lowers ASCII letters only (C locale `tolower`).
//! - The empty string matches only the empty pattern (`*` does not match "";
//!   KEYS and SCAN special-case a lone `*` before calling the matcher).
//! - Redis recurses once per `*` and gives up beyond 1000 levels: a pattern
//!   whose 1001st run of stars is followed by anything matches nothing.
//!
//! # Why it cannot blow up
//!
//! Each element other than `*` consumes exactly one byte, so the classic
//! wildcard algorithm applies: match greedily and, on a mismatch, let the most
//! recent `*` swallow one more byte and retry from just after it. Earlier
//! stars never need revisiting: whatever they could absorb, the latest star
//! can absorb too. That bounds the work by pattern length times string length,
//! with no recursion and no allocation (Redis gets the same bound from its
//! `skipLongerMatches` flag).

/// Redis stops recursing (one level per run of `*`) past this depth.
const MAX_STAR_NESTING: usize = 1000;

/// Returns true if `s` matches `pattern`. With `nocase`, ASCII letters match
/// regardless of case.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    if s.is_empty() {
        return pattern.is_empty();
    }
    if beyond_star_nesting(pattern) {
        return false;
    }
    let mut pi = 0;
    let mut si = 0;
    // Where to retry after a mismatch: the pattern offset just past the
    // latest star run, and the string offset that star currently stops at.
    let mut retry: Option<(usize, usize)> = None;
    loop {
        if si == s.len() {
            // The string is used up; only stars may remain.
            return pattern[pi..].iter().all(|&c| c == b'*');
        }
        if pi < pattern.len() {
            let (tok, next) = token(pattern, pi);
            match tok {
                Tok::Star => {
                    retry = Some((next, si));
                    pi = next;
                    continue;
                }
                tok if tok.matches(pattern, s[si], nocase) => {
                    pi = next;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        }
        match retry {
            Some((after_star, from)) => {
                retry = Some((after_star, from + 1));
                pi = after_star;
                si = from + 1;
            }
            None => return false,
        }
    }
}

/// One pattern element.
#[derive(Clone, Copy, Debug)]
enum Tok {
    /// A run of one or more `*`.
    Star,
    /// `?`
    Any,
    /// A plain or escaped byte outside a class.
    Byte(u8),
    /// A class whose items are `pattern[start..end]`.
    Class {
        negate: bool,
        start: usize,
        end: usize,
    },
}

impl Tok {
    /// Whether this single-byte element matches `c`.
    fn matches(self, pattern: &[u8], c: u8, nocase: bool) -> bool {
        match self {
            Tok::Star | Tok::Any => true,
            Tok::Byte(b) => same(b, c, nocase),
            Tok::Class { negate, start, end } => {
                class_has(pattern, start, end, c, nocase) != negate
            }
        }
    }
}

/// Reads the element starting at `i` (which is inside `p`) and returns it
/// with the offset of the next element.
fn token(p: &[u8], i: usize) -> (Tok, usize) {
    let n = p.len();
    match p[i] {
        b'*' => {
            let mut j = i + 1;
            while j < n && p[j] == b'*' {
                j += 1;
            }
            (Tok::Star, j)
        }
        b'?' => (Tok::Any, i + 1),
        b'[' => {
            let mut j = i + 1;
            let negate = j < n && p[j] == b'^';
            if negate {
                j += 1;
            }
            let start = j;
            loop {
                if j >= n {
                    // Unterminated: the class runs to the end of the pattern.
                    return (
                        Tok::Class {
                            negate,
                            start,
                            end: n,
                        },
                        n,
                    );
                }
                if p[j] == b'\\' && n - j >= 2 {
                    j += 2;
                } else if p[j] == b']' {
                    return (
                        Tok::Class {
                            negate,
                            start,
                            end: j,
                        },
                        j + 1,
                    );
                } else if n - j >= 3 && p[j + 1] == b'-' {
                    j += 3;
                } else {
                    j += 1;
                }
            }
        }
        b'\\' if n - i >= 2 => (Tok::Byte(p[i + 1]), i + 2),
        b => (Tok::Byte(b), i + 1),
    }
}

/// Whether the class items `p[start..end]` contain `c`. The items are walked
/// with the same steps [`token`] used to find `end`, and "room left" is
/// measured to the end of the whole pattern, as Redis does (so `[a-]` is the
/// range from `a` to `]`).
fn class_has(p: &[u8], start: usize, end: usize, c: u8, nocase: bool) -> bool {
    let n = p.len();
    let mut j = start;
    let mut hit = false;
    while j < end {
        if p[j] == b'\\' && n - j >= 2 {
            // Escaped bytes compare exactly, even with nocase.
            hit |= p[j + 1] == c;
            j += 2;
        } else if n - j >= 3 && p[j + 1] == b'-' {
            let (mut lo, mut hi) = (signed(p[j]), signed(p[j + 2]));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            let mut ch = signed(c);
            if nocase {
                lo = c_tolower(lo);
                hi = c_tolower(hi);
                ch = c_tolower(ch);
            }
            hit |= ch >= lo && ch <= hi;
            j += 3;
        } else {
            hit |= same(p[j], c, nocase);
            j += 1;
        }
    }
    hit
}

/// A byte as C's signed `char` on the platforms Redis runs on.
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

/// C's `tolower` in the "C" locale, on an `int` that may be negative.
fn c_tolower(x: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&x) {
        x + 32
    } else {
        x
    }
}

fn same(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Whether Redis would give up on this pattern for every non-empty string:
/// its star run number `MAX_STAR_NESTING + 1` is followed by more pattern.
fn beyond_star_nesting(p: &[u8]) -> bool {
    // Such a pattern needs that many star runs, each followed by an element.
    if p.len() <= 2 * MAX_STAR_NESTING {
        return false;
    }
    let mut runs = 0;
    let mut i = 0;
    while i < p.len() {
        let (tok, next) = token(p, i);
        if let Tok::Star = tok {
            runs += 1;
            if runs > MAX_STAR_NESTING {
                return next < p.len();
            }
        }
        i = next;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn basics() {
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
        assert!(glob_match(b"h\\*llo", b"h*llo", false));
        assert!(!glob_match(b"h\\*llo", b"hello", false));
        assert!(glob_match(b"user:*", b"user:1", false));
        assert!(glob_match(b"USER:*", b"user:1", true));
        assert!(!glob_match(b"USER:*", b"user:1", false));
        assert!(glob_match(b"*a*b*c", b"xxaxxbxxc", false));
        assert!(!glob_match(b"*a*b*c", b"xxaxxbxxcx", false));
        assert!(glob_match(b"a*", b"a", false));
        assert!(glob_match(b"a**", b"abc", false));
        assert!(!glob_match(b"a*?", b"a", false));
        assert!(glob_match(b"", b"", false));
        assert!(!glob_match(b"", b"a", false));
    }

    /// Keys and KEYS patterns sent to redis-server 7.0.15; `want` lists the
    /// keys it returned (KEYS special-cases a lone `*`, so that row is left
    /// out, and `**` shows what the matcher itself says about "").
    #[test]
    fn keys_like_redis() {
        let keys: &[&[u8]] = &[
            b"", b"a", b"b", b"\xfe", b"\xff", b"0", b"]", b"[", b"\\", b"^", b"-", b"Z", b"z",
            b"A", b"ab", b"aZ",
        ];
        let all_single: &[&[u8]] = &[
            b"-", b"0", b"A", b"Z", b"[", b"\\", b"]", b"^", b"a", b"b", b"z", b"\xfe", b"\xff",
        ];
        let rows: Vec<(&[u8], Vec<&[u8]>)> = vec![
            (b"**", [all_single, &[b"ab".as_slice(), b"aZ"]].concat()),
            (b"?", all_single.to_vec()),
            (
                b"[a-\xff]",
                vec![
                    b"-", b"0", b"A", b"Z", b"[", b"\\", b"]", b"^", b"a", b"\xff",
                ],
            ),
            (b"[", vec![]),
            (b"[^", all_single.to_vec()),
            (b"[a", vec![b"a"]),
            (b"[\\]", vec![b"]"]),
            (b"[a-]", vec![b"]", b"^", b"a"]),
            (b"[Z-a]", vec![b"Z", b"[", b"\\", b"]", b"^", b"a"]),
            (b"\\", vec![b"\\"]),
            (b"[\\", vec![b"\\"]),
            (b"a[", vec![]),
            (b"[]]", vec![]),
            (b"[]", vec![]),
            (b"[^]", all_single.to_vec()),
            (b"[!a]", vec![b"a"]),
        ];
        for (pattern, want) in rows {
            let mut got: Vec<&[u8]> = keys
                .iter()
                .copied()
                .filter(|k| glob_match(pattern, k, false))
                .collect();
            got.sort();
            let mut want = want;
            want.sort();
            assert_eq!(
                got,
                want,
                "pattern {:?}",
                pattern.escape_ascii().to_string()
            );
        }
    }

    /// CONFIG GET matches with nocase; these were checked against
    /// redis-server 7.0.15 with the parameter name "maxmemory".
    #[test]
    fn nocase_like_redis() {
        let name = b"maxmemory";
        assert!(!glob_match(b"[N-z]axmemory", name, true));
        assert!(glob_match(b"[L-n]axmemory", name, true));
        assert!(!glob_match(b"[\\M]axmemory", name, true));
        assert!(glob_match(b"[M]axmemory", name, true));
        assert!(!glob_match(b"[^M]axmemory", name, true));
        assert!(glob_match(b"\\Maxmemor?", name, true));
        assert!(glob_match(b"MAXMEMOR?", name, true));
        // Bytes above 0x7f are not letters in the C locale.
        assert!(!glob_match(b"\xc9", b"\xe9", true));
    }

    /// redis-server 7.0.15 matched `*a` x1000 against a 1000-byte key but
    /// not `*a` x1001; `a*` x1001 still matched (its last star run ends the
    /// pattern) and `a*` x1002 did not.
    #[test]
    fn star_nesting_limit_like_redis() {
        for (n, want) in [(999, true), (1000, true), (1001, false), (1500, false)] {
            let pattern = b"*a".repeat(n);
            assert_eq!(
                glob_match(&pattern, &b"a".repeat(n), false),
                want,
                "*a x{n}"
            );
            assert_eq!(
                glob_match(&pattern, &b"a".repeat(n + 5), false),
                want,
                "*a x{n}"
            );
        }
        for (n, want) in [(1000, true), (1001, true), (1002, false)] {
            let pattern = b"a*".repeat(n);
            assert_eq!(
                glob_match(&pattern, &b"a".repeat(n), false),
                want,
                "a* x{n}"
            );
            assert_eq!(
                glob_match(&pattern, &b"a".repeat(n + 5), false),
                want,
                "a* x{n}"
            );
        }
    }

    #[test]
    fn pathological_patterns_finish_fast() {
        let s = vec![b'a'; 20_000];
        let pattern = [b"*a".repeat(30), b"b".to_vec()].concat();
        let start = std::time::Instant::now();
        assert!(!glob_match(&pattern, &s, false));
        let pattern = b"a*".repeat(900);
        assert!(glob_match(&pattern, &s, false));
        let pattern = [b"*".repeat(5000), b"?".repeat(1_999), b"b".to_vec()].concat();
        assert!(!glob_match(&pattern, &s, false));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
