//! SORT and SORT_RO: sorting the elements of a list, set or sorted set,
//! numerically or as strings, by the elements themselves or by keys named
//! through `BY` patterns, fetching `GET` patterns, and storing the result as
//! a list. Handlers read and write only the keyspace in their `Ctx`; they
//! never reach another shard.
//!
//! Pattern keys (`BY weight_*`, `GET data_*->field`) are not in the key
//! specs: which keys they name depends on the elements. On one shard the
//! handler simply looks them up. With several shards the runtime routes a
//! SORT that uses patterns through the coordinator, which locks every shard
//! and fills a scratch keyspace with the source key and every key the
//! patterns name; [`layout`] and [`pattern_keys`] are the two functions it
//! needs for that, so that the runtime holds no knowledge of SORT's syntax.
//!
//! Key specs. Redis 7.0 declares three specs for SORT: the source key, an
//! "unknown" spec for the BY/GET pattern keys, and an "unknown" spec for
//! the STORE destination, found by a custom key-extraction routine. Our
//! key-spec model has no "unknown" search, so SORT declares the source key
//! and a keyword spec (`STORE`, searched backwards from the end, as Redis's
//! routine takes the last STORE) for the destination; the pattern arguments
//! carry no key spec. COMMAND INFO/DOCS therefore differ from Redis in the
//! key-spec list and `key_spec_index` values, and SORT_RO does not report
//! `movablekeys`.

use crate::spec::{flags::*, kflags, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec};
use crate::{errors, notify, parse, Ctx};
use bytes::Bytes;
use tessera_resp::Arg;
use tessera_storage::{Db, List, Ms, Value};

#[cfg(test)]
mod tests;

/// The reply when a BY value or an element is not a number.
pub const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

// ---------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------

/// The parsed options of one SORT call.
#[derive(Debug)]
struct Opts<'a> {
    /// The BY pattern, if any (also kept when it has no `*`).
    by: Option<&'a [u8]>,
    /// BY with a pattern that has no `*`: keep the native order.
    dontsort: bool,
    limit_start: i64,
    limit_count: i64,
    gets: Vec<&'a [u8]>,
    desc: bool,
    alpha: bool,
    store: Option<&'a [u8]>,
}

/// Parses `argv[2..]` as Redis's `sortCommandGeneric` does: options in any
/// order, repeated ones overwrite (GET ones add up), an option missing its
/// arguments or an unknown word is a syntax error, and SORT_RO knows no STORE.
fn parse_opts<'a>(argv: &'a [Arg<'_>], readonly: bool) -> Result<Opts<'a>, &'static str> {
    let mut o = Opts {
        by: None,
        dontsort: false,
        limit_start: 0,
        limit_count: -1,
        gets: Vec::new(),
        desc: false,
        alpha: false,
        store: None,
    };
    let mut j = 2;
    while j < argv.len() {
        let a = &argv[j][..];
        let left = argv.len() - j - 1;
        if parse::is(a, "asc") {
            o.desc = false;
        } else if parse::is(a, "desc") {
            o.desc = true;
        } else if parse::is(a, "alpha") {
            o.alpha = true;
        } else if parse::is(a, "limit") && left >= 2 {
            o.limit_start = parse::int_or_err(&argv[j + 1])?;
            o.limit_count = parse::int_or_err(&argv[j + 2])?;
            j += 2;
        } else if !readonly && parse::is(a, "store") && left >= 1 {
            o.store = Some(&argv[j + 1]);
            j += 1;
        } else if parse::is(a, "by") && left >= 1 {
            let p = &argv[j + 1][..];
            o.by = Some(p);
            // A pattern without `*` names no key: the elements keep their order.
            // (Redis never resets this flag, so a later BY with `*` keeps it.)
            if !cstr(p).contains(&b'*') {
                o.dontsort = true;
            }
            j += 1;
        } else if parse::is(a, "get") && left >= 1 {
            o.gets.push(&argv[j + 1]);
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// Whether the command is SORT_RO (which refuses STORE).
fn is_readonly(argv: &[Arg]) -> bool {
    parse::is(&argv[0], "sort_ro")
}

// ---------------------------------------------------------------------------
// Patterns.
// ---------------------------------------------------------------------------

/// The bytes up to the first NUL: what C's string functions see of an
/// argument. Redis finds `*`, `->` and `#` with them.
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// `GET #`: the element itself.
fn is_self(pattern: &[u8]) -> bool {
    cstr(pattern) == b"#"
}

/// Redis's `lookupKeyByPattern` substitution: the key named by `pattern`
/// for `elem` (the first `*` replaced by the element) and, for a
/// `key->field` pattern, the hash field. `None` when the pattern has no `*`.
/// The `->` counts only after the `*` and with a non-empty field after it.
fn substitute<'p>(pattern: &'p [u8], elem: &[u8]) -> Option<(Vec<u8>, Option<&'p [u8]>)> {
    let c = cstr(pattern);
    let star = c.iter().position(|&b| b == b'*')?;
    let arrow = c[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < c.len());
    let (postfix_end, field) = match arrow {
        Some(f) => (f, Some(&pattern[f + 2..])),
        None => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(star + elem.len() + postfix_end - star - 1);
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(&pattern[star + 1..postfix_end]);
    Some((key, field))
}

/// The value a BY or GET pattern yields for `elem`: the element itself for
/// `#`, a string key's value, or a hash field's value; `None` when the key
/// is missing, of another type, or the field is absent. Reads count as
/// lookups (hits, misses, access time), as in Redis.
fn by_pattern(db: &mut Db, pattern: &[u8], elem: &[u8], now: Ms) -> Option<Vec<u8>> {
    if is_self(pattern) {
        return Some(elem.to_vec());
    }
    let (key, field) = substitute(pattern, elem)?;
    match (db.get(&key, now)?, field) {
        (Value::Hash(h), Some(f)) => h.get(f).map(|v| v.to_vec()),
        (Value::Int(n), None) => Some(n.to_string().into_bytes()),
        (Value::Str(s), None) => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// What the runtime needs to run SORT across shards.
// ---------------------------------------------------------------------------

/// The keys a SORT call touches, as its handler will see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The key whose elements are sorted.
    pub source: Bytes,
    /// The STORE destination (the last one given), if any.
    pub store: Option<Bytes>,
    /// Whether BY or GET patterns may name other keys (a BY with `*`, or a
    /// GET other than `#`): then the command needs the whole keyspace.
    pub patterns: bool,
}

/// Whether `spec` is SORT or SORT_RO.
pub fn is_sort(spec: &CommandSpec) -> bool {
    matches!(spec.name, "sort" | "sort_ro")
}

/// The keys of a SORT/SORT_RO call, or `None` when its options do not
/// parse (the handler then replies an error without reading any key).
pub fn layout(argv: &[Arg]) -> Option<Layout> {
    if argv.len() < 2 {
        return None;
    }
    let o = parse_opts(argv, is_readonly(argv)).ok()?;
    let by_keys = o.by.is_some_and(|p| cstr(p).contains(&b'*')) && !o.dontsort;
    let get_keys = o
        .gets
        .iter()
        .any(|p| !is_self(p) && cstr(p).contains(&b'*'));
    Some(Layout {
        source: argv[1].to_bytes(),
        store: o.store.map(Bytes::copy_from_slice),
        patterns: by_keys || get_keys,
    })
}

/// Every key the BY and GET patterns of `argv` can name for the elements of
/// `source` (the source key's value), without duplicates. Empty when the
/// value is not a list, set or sorted set, or the options do not parse.
pub fn pattern_keys(argv: &[Arg], source: &Value) -> Vec<Bytes> {
    let Ok(o) = parse_opts(argv, is_readonly(argv)) else {
        return Vec::new();
    };
    let Some(elems) = all_elements(source) else {
        return Vec::new();
    };
    let mut patterns: Vec<&[u8]> = o.gets.iter().copied().filter(|p| !is_self(p)).collect();
    patterns.extend(o.by.filter(|_| !o.dontsort));
    let mut seen = std::collections::HashSet::new();
    let mut keys = Vec::new();
    for e in &elems {
        for p in &patterns {
            if let Some((k, _)) = substitute(p, e) {
                if seen.insert(k.clone()) {
                    keys.push(Bytes::from(k));
                }
            }
        }
    }
    keys
}

// ---------------------------------------------------------------------------
// Elements.
// ---------------------------------------------------------------------------

/// The source's type, as far as sorting cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
    ZSet,
}

/// Every element of a list (head to tail), set (iteration order) or sorted
/// set (ascending), or `None` for another type.
fn all_elements(v: &Value) -> Option<Vec<Vec<u8>>> {
    Some(match v {
        Value::List(l) => l.iter().map(|e| e.to_vec()).collect(),
        Value::Set(s) => s.iter().map(|m| m.to_vec()).collect(),
        Value::ZSet(z) => z.iter().map(|(m, _)| m.to_vec()).collect(),
        _ => return None,
    })
}

/// `n` elements of a list or sorted set in native order, starting at
/// position `from` counted from the head (or, with `desc`, from the tail).
/// Used for `BY nosort`, where only the LIMIT window is loaded.
fn window(v: &Value, from: usize, n: usize, desc: bool) -> Vec<Vec<u8>> {
    match v {
        Value::List(l) => {
            if desc {
                let i = l.len() - 1 - from;
                l.iter_rev_from(i).take(n).map(|e| e.to_vec()).collect()
            } else {
                l.iter_from(from).take(n).map(|e| e.to_vec()).collect()
            }
        }
        Value::ZSet(z) => {
            let rank = if desc { z.len() - 1 - from } else { from };
            z.iter_from(rank, desc)
                .take(n)
                .map(|(m, _)| m.to_vec())
                .collect()
        }
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Scores.
// ---------------------------------------------------------------------------

/// Reads a score as Redis's SORT does with C's `strtod`: the number must
/// use up the string as C sees it (up to the first NUL), leading white
/// space is skipped, hexadecimal and `inf`/`infinity` are accepted, NaN and
/// out-of-range values (overflow, and underflow to a subnormal or zero) are
/// refused. A string in which `strtod` finds no number at all is accepted
/// as 0 only when it is empty, because `strtod` then points at its start.
/// (Redis does not clear `errno` before the call, so after some earlier
/// range error it refuses every score; we follow the intended behaviour.)
fn score(b: &[u8]) -> Option<f64> {
    let s = cstr(b);
    match strtod(s) {
        None => s.is_empty().then_some(0.0),
        Some((v, used, range_err)) => (used == s.len() && !range_err && !v.is_nan()).then_some(v),
    }
}

/// C's `strtod` in the C locale: `(value, bytes used, ERANGE)`, or `None`
/// when no number starts the string.
fn strtod(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
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
    let sign = if neg { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    if starts(b"infinity") {
        return Some((sign * f64::INFINITY, i + 8, false));
    }
    if starts(b"inf") {
        return Some((sign * f64::INFINITY, i + 3, false));
    }
    if starts(b"nan") {
        return Some((f64::NAN, i + 3, false));
    }
    if rest.len() > 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, used, err)) = hex_float(&rest[2..]) {
            return Some((sign * v, i + 2 + used, err));
        }
    }
    decimal(rest).map(|(v, used, err)| (sign * v, i + used, err))
}

/// The digits of a decimal float (`digits[.digits][e[+-]digits]`, with at
/// least one mantissa digit): its correctly rounded value, bytes used, and
/// whether it over- or underflowed.
fn decimal(s: &[u8]) -> Option<(f64, usize, bool)> {
    let digits = |from: usize| s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(0);
    let mut end = int;
    let mut frac = 0;
    if s.get(end) == Some(&b'.') {
        frac = digits(end + 1);
        end += 1 + frac;
    }
    if int + frac == 0 {
        return None;
    }
    let mantissa_end = end;
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let mut k = end + 1;
        if matches!(s.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let n = digits(k);
        if n > 0 {
            end = k + n;
        }
    }
    let text = std::str::from_utf8(&s[..end]).ok()?;
    // Rust refuses a mantissa like "5." with an exponent, so rebuild it.
    let v: f64 = text
        .parse()
        .or_else(|_| {
            let (m, e) = text.split_at(mantissa_end);
            format!("{}0{e}", m).parse()
        })
        .ok()?;
    let nonzero = s[..mantissa_end].iter().any(|c| (b'1'..=b'9').contains(c));
    let range_err = v.is_infinite() || (nonzero && v.abs() < f64::MIN_POSITIVE);
    Some((v, end, range_err))
}

/// The part of a hexadecimal float after `0x` (`hex[.hex][p[+-]digits]`).
/// `None` when no hex digit follows, so that `0x` reads as `0`.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut i = 0;
    let mut m: u64 = 0;
    let mut exp: i64 = 0;
    let mut any = false;
    // Bits dropped from a mantissa too long for 64 bits make it inexact.
    let mut sticky = false;
    let mut push = |d: u32, frac: bool, exp: &mut i64| {
        if m >> 60 == 0 {
            m = m << 4 | d as u64;
            if frac {
                *exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !frac {
                *exp += 4;
            }
        }
    };
    while let Some(d) = s.get(i).and_then(|&c| hex(c)) {
        push(d, false, &mut exp);
        any = true;
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        let mut k = i + 1;
        while let Some(d) = s.get(k).and_then(|&c| hex(c)) {
            push(d, true, &mut exp);
            any = true;
            k += 1;
        }
        if any {
            i = k;
        }
    }
    if !any {
        return None;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut k = i + 1;
        let neg = match s.get(k) {
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
        let n = s[k..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            let e = s[k..k + n]
                .iter()
                .fold(0i64, |a, &c| (a * 10 + (c - b'0') as i64).min(1 << 20));
            exp += if neg { -e } else { e };
            i = k + n;
        }
    }
    if m == 0 {
        return Some((0.0, i, false));
    }
    // Scale in steps that stay exact while the value is normal.
    let mut v = m as f64;
    let exact_mantissa = !sticky && (64 - m.leading_zeros() - m.trailing_zeros()) <= 53;
    let mut e = exp;
    while e > 0 {
        let step = e.min(1000);
        v *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        v /= 2f64.powi(step as i32);
        e += step;
    }
    let tiny = v.abs() < f64::MIN_POSITIVE;
    let exact = exact_mantissa && v != 0.0 && {
        // A subnormal result is exact when scaling it back (by powers of
        // two, which is exact) gives the mantissa again.
        let mut back = v;
        let mut e = -exp;
        while e > 0 {
            let step = e.min(1000);
            back *= 2f64.powi(step as i32);
            e -= step;
        }
        back == m as f64
    };
    Some((v, i, v.is_infinite() || (tiny && !exact)))
}

// ---------------------------------------------------------------------------
// The command.
// ---------------------------------------------------------------------------

/// One element being sorted, with what it is compared by.
struct Item {
    elem: Vec<u8>,
    score: f64,
    /// The BY value for ALPHA with a BY pattern (`None`: the key was missing).
    by: Option<Vec<u8>>,
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
fn sort(ctx: &mut Ctx, argv: &[Arg]) {
    sort_generic(ctx, argv, false);
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
fn sort_ro(ctx: &mut Ctx, argv: &[Arg]) {
    sort_generic(ctx, argv, true);
}

/// What SORT does to its source once the options parsed, whatever happens
/// next: Redis 7.0 converts a sorted set to its skiplist form, and OBJECT
/// ENCODING shows it. Public because a SORT across shards runs over copies,
/// so the runtime applies this on the source's own shard. (`get_mut` only
/// refreshes the access time the source's lookup set; it counts no hit.)
pub fn prepare_source(db: &mut Db, key: &[u8], now: Ms) {
    if let Some(Value::ZSet(z)) = db.get_mut(key, now) {
        z.convert();
    }
}

/// Redis's `sortCommandGeneric`.
fn sort_generic(ctx: &mut Ctx, argv: &[Arg], readonly: bool) {
    let o = match parse_opts(argv, readonly) {
        Ok(o) => o,
        Err(e) => return ctx.out.error(e),
    };
    let now = ctx.now;
    let (kind, len) = match ctx.db().get(&argv[1], now) {
        None => (Kind::List, 0),
        Some(Value::List(l)) => (Kind::List, l.len()),
        Some(Value::Set(s)) => (Kind::Set, s.len()),
        Some(Value::ZSet(z)) => (Kind::ZSet, z.len()),
        Some(_) => return ctx.out.error(errors::WRONGTYPE),
    };
    if kind == Kind::ZSet {
        prepare_source(ctx.db(), &argv[1], now);
    }
    let (mut dontsort, mut alpha, mut by) = (o.dontsort, o.alpha, o.by);
    // A set has no order of its own: stored results are sorted as strings,
    // so that replicas and the AOF get the same list.
    if dontsort && kind == Kind::Set && o.store.is_some() {
        dontsort = false;
        alpha = true;
        by = None;
    }

    // LIMIT, clamped to the element count first so nothing overflows.
    let vl = len as i64;
    let mut start = o.limit_start.clamp(0, vl);
    let count = o.limit_count.clamp(-1, vl);
    let mut end = if count < 0 { vl - 1 } else { start + count - 1 };
    if start >= vl {
        start = vl - 1;
        end = vl - 2;
    }
    if end >= vl {
        end = vl - 1;
    }

    // Load the elements: only the window when a list or sorted set keeps
    // its own order, all of them otherwise.
    let elems: Vec<Vec<u8>> = match ctx.db().peek(&argv[1], now) {
        None => Vec::new(),
        Some(v) if dontsort && kind != Kind::Set => {
            if end >= start {
                let w = window(v, start as usize, (end - start + 1) as usize, o.desc);
                end -= start;
                start = 0;
                w
            } else {
                Vec::new()
            }
        }
        Some(v) => all_elements(v).unwrap_or_default(),
    };
    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            by: None,
        })
        .collect();

    let mut bad_score = false;
    if !dontsort {
        let db = ctx.ks.db(ctx.db);
        for it in items.iter_mut() {
            let val = match by {
                Some(p) => match by_pattern(db, p, &it.elem, now) {
                    Some(v) => v,
                    None => continue,
                },
                None => {
                    if alpha {
                        continue;
                    }
                    it.elem.clone()
                }
            };
            if alpha {
                it.by = Some(val);
            } else {
                match score(&val) {
                    Some(s) => it.score = s,
                    None => bad_score = true,
                }
            }
        }
        // After a bad score Redis still sorts, but only to reply an error.
        if !bad_score {
            let store = o.store.is_some();
            let by_pattern = by.is_some();
            items.sort_by(|a, b| {
                let c = compare(a, b, alpha, by_pattern, store);
                if o.desc {
                    c.reverse()
                } else {
                    c
                }
            });
        }
    }
    if bad_score {
        return ctx.out.error(NOT_DOUBLE);
    }

    let window_len = (end - start + 1).max(0) as usize;
    let first = start.max(0) as usize;
    let out_len = if o.gets.is_empty() {
        window_len
    } else {
        o.gets.len() * window_len
    };
    let chosen = items.iter().skip(first).take(window_len);
    match o.store {
        None => {
            ctx.out.array(out_len);
            let db = ctx.ks.db(ctx.db);
            for it in chosen {
                if o.gets.is_empty() {
                    ctx.out.bulk(&it.elem);
                }
                for p in &o.gets {
                    match by_pattern(db, p, &it.elem, now) {
                        Some(v) => ctx.out.bulk(&v),
                        None => ctx.out.null(),
                    }
                }
            }
        }
        Some(dst) => {
            let fill = ctx.config.list_max_listpack_size;
            let mut list = List::new();
            let db = ctx.ks.db(ctx.db);
            for it in chosen {
                if o.gets.is_empty() {
                    list.push_back(&it.elem, fill);
                }
                for p in &o.gets {
                    let v = by_pattern(db, p, &it.elem, now).unwrap_or_default();
                    list.push_back(&v, fill);
                }
            }
            if out_len > 0 {
                db.set(dst, Value::List(Box::new(list)), now);
                ctx.notify(notify::LIST, "sortstore", dst);
                ctx.dirty += out_len as u64;
            } else if db.delete(dst, now) {
                ctx.notify(notify::GENERIC, "del", dst);
                ctx.dirty += 1;
            }
            ctx.out.int(out_len as i64);
        }
    }
}

/// Redis's `sortCompare` before DESC is applied. Numbers tie-break on the
/// elements' bytes so the order is total. Strings compare as C's `strcoll`
/// in the C locale (bytes up to the first NUL) when the reply goes to the
/// client, and whole (binary) when stored. With ALPHA and BY, an element
/// whose BY key is missing sorts first.
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, store: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let strings = |x: &[u8], y: &[u8]| {
        if store {
            x.cmp(y)
        } else {
            cstr(x).cmp(cstr(y))
        }
    };
    if !alpha {
        if a.score > b.score {
            Greater
        } else if a.score < b.score {
            Less
        } else {
            a.elem.cmp(&b.elem)
        }
    } else if by_pattern {
        match (&a.by, &b.by) {
            (None, None) => Equal,
            (None, Some(_)) => Less,
            (Some(_), None) => Greater,
            (Some(x), Some(y)) => strings(x, y),
        }
    } else {
        strings(&a.elem, &b.elem)
    }
}

// ---------------------------------------------------------------------------
// Declarations.
// ---------------------------------------------------------------------------

const LIMIT: &[ArgSpec] = &[ArgSpec::integer("offset"), ArgSpec::integer("count")];
const ORDER: &[ArgSpec] = &[ArgSpec::token("asc", "ASC"), ArgSpec::token("desc", "DESC")];

const SORT_ARGS: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::pattern("pattern").with_token("BY").optional(),
    ArgSpec::block("offset_count", LIMIT)
        .with_token("LIMIT")
        .optional(),
    ArgSpec::pattern("pattern")
        .with_token("GET")
        .optional()
        .multiple()
        .multiple_token(),
    ArgSpec::oneof("order", ORDER).optional(),
    ArgSpec::token("sorting", "ALPHA").optional(),
    ArgSpec::key("destination", 1)
        .with_token("STORE")
        .optional(),
];

const SORT_RO_ARGS: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::pattern("pattern").with_token("BY").optional(),
    ArgSpec::block("offset_count", LIMIT)
        .with_token("LIMIT")
        .optional(),
    ArgSpec::pattern("pattern")
        .with_token("GET")
        .optional()
        .multiple()
        .multiple_token(),
    ArgSpec::oneof("order", ORDER).optional(),
    ArgSpec::token("sorting", "ALPHA").optional(),
];

const COMPLEXITY: &str = "O(N+M*log(M)) for N elements and M returned ones; O(N) when not sorting.";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sort",
        arity: -2,
        flags: WRITE | DENYOOM | MOVABLE_KEYS,
        acl: &["write", "set", "sortedset", "list", "slow", "dangerous"],
        keys: &[
            KeySpec::single(1, kflags::RO | kflags::ACCESS),
            // The last STORE names the destination.
            KeySpec {
                flags: kflags::OW | kflags::UPDATE,
                begin: BeginSearch::Keyword {
                    keyword: "STORE",
                    start_from: -2,
                },
                find: FindKeys::Range {
                    last_key: 0,
                    key_step: 1,
                    limit: 0,
                },
            },
        ],
        args: SORT_ARGS,
        summary: "Sorts a list, set or sorted set, optionally by other keys, and replies or stores the result.",
        since: "1.0.0",
        group: "generic",
        complexity: COMPLEXITY,
        exec: Exec::Keys(sort),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sort_ro",
        arity: -2,
        flags: READONLY,
        acl: &["read", "set", "sortedset", "list", "slow", "dangerous"],
        keys: &[KeySpec::single(1, kflags::RO | kflags::ACCESS)],
        args: SORT_RO_ARGS,
        summary: "Sorts a list, set or sorted set like SORT, without storing.",
        since: "7.0.0",
        group: "generic",
        complexity: COMPLEXITY,
        exec: Exec::Keys(sort_ro),
        ..CommandSpec::DEFAULT
    },
];
