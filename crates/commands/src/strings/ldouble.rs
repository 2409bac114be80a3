//! x87 80-bit extended precision ("long double") in software, just enough for
//! INCRBYFLOAT to give Redis's exact replies: parsing as glibc's `strtold`
//! under Redis's `string2ld` rules, correctly rounded addition, and `%.17Lf`
//! formatting with Redis's trailing-zero trimming.
//!
//! Redis keeps INCRBYFLOAT's running value as a decimal string and does the
//! arithmetic in `long double`, so `0.1 + 0.1 + 0.1` is `0.3` there, while
//! `f64` would give `0.30000000000000004`. Rust has no 80-bit float, hence
//! this module. It works on exact big integers: it is slow compared with
//! hardware floats and must not be used on a hot path other than INCRBYFLOAT.

use std::cmp::Ordering;

/// Bits in the significand of an x87 extended-precision number.
const MANT_BITS: u64 = 64;
/// Exponent of the least significant bit of the smallest denormal (2^-16445).
const MIN_LSB_EXP: i64 = -16445;
/// Exponent of the most significant bit of the largest finite value.
const MAX_MSB_EXP: i64 = 16383;
/// Redis refuses numbers of this many characters or more (`MAX_LONG_DOUBLE_CHARS`).
const MAX_CHARS: usize = 5 * 1024;

/// A long double: `mant * 2^exp` (finite), or an infinity. NaN never needs
/// to be represented: Redis rejects it on input and refuses to produce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongDouble {
    Finite { neg: bool, mant: u64, exp: i64 },
    Inf { neg: bool },
}

/// An unsigned big integer, little-endian 32-bit limbs, no high zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut limbs = Vec::new();
        while v != 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Big(limbs)
    }

    fn trim(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(top) => (self.0.len() as u64 - 1) * 32 + (32 - top.leading_zeros() as u64),
        }
    }

    fn bit(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        limb < self.0.len() && self.0[limb] >> (i % 32) & 1 == 1
    }

    /// Whether any bit below position `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let full = ((i / 32) as usize).min(self.0.len());
        if self.0[..full].iter().any(|&l| l != 0) {
            return true;
        }
        let rest = i % 32;
        full < self.0.len() && rest > 0 && self.0[full] & ((1u32 << rest) - 1) != 0
    }

    fn shl(&self, n: u64) -> Big {
        if self.is_zero() {
            return Big(Vec::new());
        }
        let limbs = (n / 32) as usize;
        let bits = (n % 32) as u32;
        let mut out = vec![0u32; limbs];
        out.reserve(self.0.len() + 1);
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push(l << bits | carry);
                carry = l >> (32 - bits);
            }
        }
        if carry != 0 {
            out.push(carry);
        }
        Big(out)
    }

    fn shr(&self, n: u64) -> Big {
        let limbs = (n / 32) as usize;
        if limbs >= self.0.len() {
            return Big(Vec::new());
        }
        let bits = (n % 32) as u32;
        let src = &self.0[limbs..];
        let mut out = Vec::with_capacity(src.len());
        for i in 0..src.len() {
            let lo = src[i] >> bits;
            let hi = if bits == 0 {
                0
            } else {
                src.get(i + 1).map_or(0, |&h| h << (32 - bits))
            };
            out.push(lo | hi);
        }
        Big(out).trim()
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for l in self.0.iter_mut() {
            let v = *l as u64 * m as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = a as u64;
        for l in self.0.iter_mut() {
            if carry == 0 {
                return;
            }
            let v = *l as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn add(&self, o: &Big) -> Big {
        let (long, short) = if self.0.len() >= o.0.len() {
            (self, o)
        } else {
            (o, self)
        };
        let mut out = Vec::with_capacity(long.0.len() + 1);
        let mut carry = 0u64;
        for i in 0..long.0.len() {
            let v = long.0[i] as u64 + short.0.get(i).copied().unwrap_or(0) as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            out.push(carry as u32);
        }
        Big(out)
    }

    /// `self - o`; requires `self >= o`.
    fn sub(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v = self.0[i] as i64 - o.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            out.push(v as u32);
        }
        Big(out).trim()
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    /// The low 128 bits.
    fn low_u128(&self) -> u128 {
        self.0
            .iter()
            .take(4)
            .enumerate()
            .fold(0u128, |acc, (i, &l)| acc | (l as u128) << (32 * i))
    }

    fn pow10(n: u64) -> Big {
        let mut b = Big::from_u128(1);
        let mut left = n;
        while left >= 9 {
            b.mul_small(1_000_000_000);
            left -= 9;
        }
        b.mul_small(10u32.pow(left as u32));
        b
    }

    /// Decimal digits, most significant first ("0" for zero).
    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut chunks = Vec::new();
        let mut cur = self.0.clone();
        while !cur.is_empty() {
            let mut rem = 0u64;
            for l in cur.iter_mut().rev() {
                let v = rem << 32 | *l as u64;
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while cur.last() == Some(&0) {
                cur.pop();
            }
        }
        let mut s = chunks.pop().map(|c| c.to_string()).unwrap_or_default();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

/// Rounds `(q + f) * 2^k`, where `0 <= f < 1` is nonzero exactly when
/// `sticky`, to the nearest long double (ties to even), with denormals and
/// overflow to infinity.
fn round(q: &Big, k: i64, sticky: bool, neg: bool) -> LongDouble {
    let len = q.bit_len() as i64;
    if len == 0 {
        return LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        };
    }
    let target = (k + len - MANT_BITS as i64).max(MIN_LSB_EXP);
    let (mut mant, mut exp) = if target <= k {
        // Exact: every bit fits. Only the significand's position may change.
        debug_assert!(!sticky);
        (q.low_u128() as u64, k)
    } else {
        let shift = (target - k) as u64;
        let kept = q.shr(shift).low_u128() as u64;
        let half = q.bit(shift - 1);
        let rest = sticky || q.any_below(shift - 1);
        let mut m = kept as u128;
        if half && (rest || kept & 1 == 1) {
            m += 1;
        }
        if m >> MANT_BITS != 0 {
            (1u64 << 63, target + 1)
        } else {
            (m as u64, target)
        }
    };
    if mant == 0 {
        exp = 0;
    } else if exp + (64 - mant.leading_zeros() as i64) - 1 > MAX_MSB_EXP {
        return LongDouble::Inf { neg };
    }
    if mant != 0 && exp > MIN_LSB_EXP {
        // Keep a canonical form: strip trailing zero bits while the exponent allows.
        let tz = (mant.trailing_zeros() as i64).min(exp - MIN_LSB_EXP).max(0);
        if tz > 0 && tz < 64 {
            mant >>= tz;
            exp += tz;
        }
    }
    LongDouble::Finite { neg, mant, exp }
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ci(s: &[u8], p: &str) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}

impl LongDouble {
    pub fn from_i64(n: i64) -> LongDouble {
        LongDouble::Finite {
            neg: n < 0,
            mant: n.unsigned_abs(),
            exp: 0,
        }
    }

    pub fn is_finite(&self) -> bool {
        matches!(self, LongDouble::Finite { .. })
    }

    /// Parses as Redis's `string2ld`: the whole input must be one number in
    /// `strtold` syntax (decimal, hexadecimal with `p` exponent, `inf`,
    /// `infinity`), with no leading space; NaN, overflow and underflow to zero
    /// are refused. As in C, the input ends at its first NUL byte.
    pub fn parse(input: &[u8]) -> Option<LongDouble> {
        if input.is_empty() || input.len() >= MAX_CHARS {
            return None;
        }
        let s = match input.iter().position(|&c| c == 0) {
            Some(n) => &input[..n],
            None => input,
        };
        if s.first().is_none_or(|&c| is_c_space(c)) {
            return None;
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if starts_with_ci(body, "inf") {
            let rest = &body[3..];
            return (rest.is_empty() || rest.eq_ignore_ascii_case(b"inity"))
                .then_some(LongDouble::Inf { neg });
        }
        let hex = starts_with_ci(body, "0x")
            && match body.get(2) {
                Some(c) if c.is_ascii_hexdigit() => true,
                Some(b'.') => body.get(3).is_some_and(|c| c.is_ascii_hexdigit()),
                _ => false,
            };
        let v = if hex {
            parse_hex(&body[2..], neg)?
        } else {
            parse_dec(body, neg)?
        };
        match v {
            LongDouble::Inf { .. } => None,
            _ => Some(v),
        }
    }

    /// Correctly rounded addition. Infinities of opposite sign give `None` (NaN).
    pub fn add(self, o: LongDouble) -> Option<LongDouble> {
        match (self, o) {
            (LongDouble::Inf { neg: a }, LongDouble::Inf { neg: b }) => {
                (a == b).then_some(LongDouble::Inf { neg: a })
            }
            (LongDouble::Inf { .. }, _) => Some(self),
            (_, LongDouble::Inf { .. }) => Some(o),
            (
                LongDouble::Finite {
                    neg: an,
                    mant: am,
                    exp: ae,
                },
                LongDouble::Finite {
                    neg: bn,
                    mant: bm,
                    exp: be,
                },
            ) => {
                if am == 0 && bm == 0 {
                    // IEEE: -0 + -0 is -0; any other sum of zeros is +0.
                    return Some(LongDouble::Finite {
                        neg: an && bn,
                        mant: 0,
                        exp: 0,
                    });
                }
                if am == 0 {
                    return Some(o);
                }
                if bm == 0 {
                    return Some(self);
                }
                let k = ae.min(be);
                let a = Big::from_u128(am as u128).shl((ae - k) as u64);
                let b = Big::from_u128(bm as u128).shl((be - k) as u64);
                let (sum, neg) = if an == bn {
                    (a.add(&b), an)
                } else {
                    match a.cmp(&b) {
                        Ordering::Equal => (Big(Vec::new()), false),
                        Ordering::Greater => (a.sub(&b), an),
                        Ordering::Less => (b.sub(&a), bn),
                    }
                };
                Some(round(&sum, k, false, neg))
            }
        }
    }

    /// `printf("%.17Lf")`: exact decimal expansion rounded (ties to even) to
    /// 17 digits after the point. Infinities print as `inf` / `-inf`.
    pub fn format_fixed17(&self) -> String {
        let (neg, mant, exp) = match *self {
            LongDouble::Inf { neg } => return if neg { "-inf" } else { "inf" }.to_string(),
            LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
        };
        let mut scaled = Big::from_u128(mant as u128);
        let ten17 = Big::pow10(17);
        let q = if exp >= 0 {
            let mut v = scaled.shl(exp as u64);
            v = mul_big(&v, &ten17);
            v
        } else {
            scaled = mul_big(&scaled, &ten17);
            let shift = (-exp) as u64;
            let mut q = scaled.shr(shift);
            let half = scaled.bit(shift - 1);
            let rest = scaled.any_below(shift - 1);
            if half && (rest || q.bit(0)) {
                q.add_small(1);
            }
            q
        };
        let digits = q.to_decimal();
        let digits = if digits.len() < 18 {
            format!("{}{}", "0".repeat(18 - digits.len()), digits)
        } else {
            digits
        };
        let (int, frac) = digits.split_at(digits.len() - 17);
        format!("{}{}.{}", if neg { "-" } else { "" }, int, frac)
    }

    /// Redis's "human friendly" long double form (`ld2string` with
    /// `LD_STR_HUMAN`): `%.17Lf`, trailing zeros and a bare point removed,
    /// and `-0` written as `0`.
    pub fn format_human(&self) -> String {
        let mut s = self.format_fixed17();
        if s.contains('.') {
            let keep = s.trim_end_matches('0').len();
            s.truncate(keep);
            if s.ends_with('.') {
                s.pop();
            }
        }
        if s == "-0" {
            s = "0".to_string();
        }
        s
    }
}

fn mul_big(a: &Big, b: &Big) -> Big {
    let mut out = vec![0u32; a.0.len() + b.0.len()];
    for (i, &x) in a.0.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.0.iter().enumerate() {
            let v = out[i + j] as u64 + x as u64 * y as u64 + carry;
            out[i + j] = v as u32;
            carry = v >> 32;
        }
        let mut idx = i + b.0.len();
        while carry != 0 {
            let v = out[idx] as u64 + carry;
            out[idx] = v as u32;
            carry = v >> 32;
            idx += 1;
        }
    }
    Big(out).trim()
}

/// Reads an optional exponent (`e`/`p` already checked by the caller) as
/// `strtold` does: it is only part of the number if at least one digit follows
/// the optional sign. Returns the value (saturated) and the bytes consumed.
fn parse_exponent(s: &[u8]) -> (i64, usize) {
    let (neg, start) = match s.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let digits = s[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return (0, 0);
    }
    let mut v: i64 = 0;
    for &c in &s[start..start + digits] {
        v = (v * 10 + (c - b'0') as i64).min(1_000_000_000);
    }
    (if neg { -v } else { v }, start + digits)
}

/// Decimal `digits[.digits][e[+-]digits]`, all of the input.
fn parse_dec(s: &[u8], neg: bool) -> Option<LongDouble> {
    let mut i = 0;
    let mut mant = Vec::new();
    let mut point_shift: i64 = 0;
    let mut seen_digit = false;
    while i < s.len() && s[i].is_ascii_digit() {
        mant.push(s[i] - b'0');
        seen_digit = true;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            mant.push(s[i] - b'0');
            point_shift -= 1;
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    let mut exp10 = point_shift;
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let (e, used) = parse_exponent(&s[i + 1..]);
        if used > 0 {
            exp10 += e;
            i += 1 + used;
        }
    }
    if i != s.len() {
        return None;
    }
    // Normalize: drop leading zeros, fold trailing zeros into the exponent.
    let first = mant.iter().position(|&d| d != 0);
    let Some(first) = first else {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    };
    let last = mant.iter().rposition(|&d| d != 0).unwrap_or(first);
    exp10 += (mant.len() - 1 - last) as i64;
    let digits = &mant[first..=last];
    let n = digits.len() as i64;
    // The value lies in [10^(n-1+exp10), 10^(n+exp10)). The largest long
    // double is about 1.19e4932 and half the smallest denormal about 1.8e-4951.
    if n - 1 + exp10 >= 4933 {
        return Some(LongDouble::Inf { neg });
    }
    if n + exp10 <= -4952 {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    }
    let mut d = Big(Vec::new());
    for chunk in digits.chunks(9) {
        let mut v = 0u32;
        for &c in chunk {
            v = v * 10 + c as u32;
        }
        d.mul_small(10u32.pow(chunk.len() as u32));
        d.add_small(v);
    }
    if exp10 >= 0 {
        let v = mul_big(&d, &Big::pow10(exp10 as u64));
        return Some(round(&v, 0, false, neg));
    }
    // d / 10^-exp10: scale numerator or denominator by a power of two so
    // that the quotient has 66 or 67 bits, which leaves a round bit and a
    // sticky bit below the 64 kept ones and still fits a u128.
    let p = Big::pow10((-exp10) as u64);
    let shift = 66 - (d.bit_len() as i64 - p.bit_len() as i64);
    let (mut r, den) = if shift >= 0 {
        (d.shl(shift as u64), p)
    } else {
        (d, p.shl((-shift) as u64))
    };
    let qbits = r.bit_len() as i64 - den.bit_len() as i64 + 1;
    let mut q: u128 = 0;
    for bit in (0..qbits.max(0)).rev() {
        let t = den.shl(bit as u64);
        if r.cmp(&t) != Ordering::Less {
            r = r.sub(&t);
            q |= 1u128 << bit;
        }
    }
    Some(round(&Big::from_u128(q), -shift, !r.is_zero(), neg))
}

/// Hexadecimal after `0x`: `hex[.hex][p[+-]digits]`, all of the input.
fn parse_hex(s: &[u8], neg: bool) -> Option<LongDouble> {
    let mut i = 0;
    let mut h = Big(Vec::new());
    let mut exp2: i64 = 0;
    let mut seen_digit = false;
    let digit = |c: u8| (c as char).to_digit(16);
    while i < s.len() && s[i].is_ascii_hexdigit() {
        h = h.shl(4);
        h.add_small(digit(s[i])?);
        seen_digit = true;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            h = h.shl(4);
            h.add_small(digit(s[i])?);
            exp2 -= 4;
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    if i < s.len() && (s[i] == b'p' || s[i] == b'P') {
        let (e, used) = parse_exponent(&s[i + 1..]);
        if used > 0 {
            exp2 += e;
            i += 1 + used;
        }
    }
    if i != s.len() {
        return None;
    }
    let len = h.bit_len() as i64;
    if len == 0 {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    }
    if exp2 + len - 1 > MAX_MSB_EXP + 1 {
        return Some(LongDouble::Inf { neg });
    }
    if exp2 + len < MIN_LSB_EXP - 1 {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    }
    Some(round(&h, exp2, false, neg))
}

/// Redis's `string2ld` acceptance: also refuses results that underflowed to
/// zero from a nonzero input (glibc reports ERANGE with a zero result).
pub fn parse_redis(input: &[u8]) -> Option<LongDouble> {
    // Redis requires strtold to consume the whole length; a NUL byte (left
    // by SETRANGE or SETBIT padding) ends the C string early, so it fails.
    if input.contains(&0) {
        return None;
    }
    let v = LongDouble::parse(input)?;
    if let LongDouble::Finite { mant: 0, .. } = v {
        if !is_literal_zero(input) {
            return None;
        }
    }
    Some(v)
}

/// Whether the text of an accepted number has only zero digits in its
/// significand (so a zero result is exact, not an underflow).
fn is_literal_zero(s: &[u8]) -> bool {
    let s = match s.iter().position(|&c| c == 0) {
        Some(n) => &s[..n],
        None => s,
    };
    let body = s
        .strip_prefix(b"-")
        .or_else(|| s.strip_prefix(b"+"))
        .unwrap_or(s);
    let (body, hex) = if starts_with_ci(body, "0x") {
        (&body[2..], true)
    } else {
        (body, false)
    };
    let exp_mark: &[u8] = if hex { b"pP" } else { b"eE" };
    body.iter()
        .take_while(|c| !exp_mark.contains(c))
        .all(|&c| c == b'0' || c == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(s: &str) -> Option<String> {
        parse_redis(s.as_bytes()).map(|v| v.format_human())
    }

    fn sum(a: &str, b: &str) -> String {
        let x = parse_redis(a.as_bytes()).unwrap();
        let y = parse_redis(b.as_bytes()).unwrap();
        x.add(y).unwrap().format_human()
    }

    #[test]
    fn incrbyfloat_rejects_values_with_nul_padding() {
        assert_eq!(human("7\0-42"), None);
        assert_eq!(human("00\0\0"), None);
        assert_eq!(human("1.5\0"), None);
    }

    #[test]
    fn parses_like_strtold() {
        assert_eq!(human("0.1").as_deref(), Some("0.1"));
        assert_eq!(human("3.0").as_deref(), Some("3"));
        assert_eq!(human("0x10").as_deref(), Some("16"));
        assert_eq!(human("0x1p-3").as_deref(), Some("0.125"));
        assert_eq!(human("+1").as_deref(), Some("1"));
        assert_eq!(human(".5").as_deref(), Some("0.5"));
        assert_eq!(human("5.").as_deref(), Some("5"));
        assert_eq!(human("-0").as_deref(), Some("0"));
        assert_eq!(human("1.0e-4000").as_deref(), Some("0"));
        assert_eq!(human("1e-4940").as_deref(), Some("0"));
        for bad in [
            " 1", "1 ", "1e", "1e+", "0x", "", "1_0", "nan", "-nan", "1e4933", "1e-5000", ".", "-",
            "0x.p1", "infinit", "1.2.3", "++1",
        ] {
            assert_eq!(human(bad), None, "{bad:?}");
        }
        assert!(matches!(
            parse_redis(b"inf"),
            Some(LongDouble::Inf { neg: false })
        ));
        assert!(matches!(
            parse_redis(b"-Infinity"),
            Some(LongDouble::Inf { neg: true })
        ));
        // Redis checks that strtold consumed the whole length, so a NUL
        // inside the text makes it invalid (checked against Redis 7.0.15).
        assert_eq!(human("2\0junk"), None);
    }

    #[test]
    fn adds_in_extended_precision() {
        assert_eq!(sum("0.1", "0.1"), "0.2");
        assert_eq!(sum("0.2", "0.1"), "0.3");
        assert_eq!(sum("10.5", "0.1"), "10.6");
        assert_eq!(sum("5.0e3", "2.0e2"), "5200");
        assert_eq!(sum("1", "-1"), "0");
        assert_eq!(sum("0.1", "-0.3"), "-0.2");
        // Values Redis 7.0 printed for these sums.
        assert_eq!(sum("1e300", "1e400").len(), 401);
        assert_eq!(
            sum("1e308", "1e308"),
            "199999999999999999993371759311691291321120199694831134415594095989843469737676\
             123744200253843777078640893494450108026446304269499187921167194841628860392837\
             535918200039206381557326219209014213335878306791577877829121087126122536729803\
             237260434173178506889763247582601711514636284849020905456510092687857156096"
        );
    }

    #[test]
    fn overflow_and_nan() {
        let max = parse_redis(b"1.18e4932").unwrap();
        assert_eq!(max.add(max), Some(LongDouble::Inf { neg: false }));
        let inf = LongDouble::Inf { neg: false };
        let minf = LongDouble::Inf { neg: true };
        assert_eq!(inf.add(minf), None);
        assert!(!inf.add(LongDouble::from_i64(1)).unwrap().is_finite());
    }

    #[test]
    fn formats_fixed_with_ties_to_even() {
        // 2^-18 = 0.000003814697265625 has 18 decimals: a tie at the 17th.
        let v = parse_redis(b"0x1p-18").unwrap();
        assert_eq!(v.format_fixed17(), "0.00000381469726562");
        let v = parse_redis(b"0x3p-18").unwrap();
        assert_eq!(v.format_fixed17(), "0.00001144409179688");
        assert_eq!(
            LongDouble::from_i64(i64::MIN).format_human(),
            "-9223372036854775808"
        );
    }
}
