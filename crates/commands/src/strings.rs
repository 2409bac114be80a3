//! String commands: GET, SET and friends, counters, ranges, MGET/MSET and LCS,
//! plus the string-access helpers the bitmap family shares. Handlers touch
//! only the keyspace in their `Ctx`; they never reach another shard.
//!
//! Every non-string value must give WRONGTYPE: the helpers [`str_of`] and
//! [`raw_mut`] are the one place that decides what a string is, so new
//! `Value` variants need no change here.

pub(crate) mod ldouble;

use crate::spec::{
    flags::*, kflags, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec, Merge,
};
use crate::{errors, notify, parse, Ctx};
use ldouble::LongDouble;
use std::borrow::Cow;
use tessera_resp::Arg;
use tessera_resp::Out;
use tessera_storage::{Db, Ms, RawStr, Value};

// ---------------------------------------------------------------------------
// String access shared with the bitmap family.
// ---------------------------------------------------------------------------

/// The bytes of a string value (integers formatted on the fly), or `None`
/// when the value is of another type.
pub(crate) fn str_of(v: &Value) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Int(n) => Some(Cow::Owned(n.to_string().into_bytes())),
        Value::Str(s) => Some(Cow::Borrowed(s.as_bytes())),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The string of a value for in-place changes: an integer-encoded value is
/// turned into its raw form first (as Redis's `dbUnshareStringValue`).
/// `None` when the value is of another type.
pub(crate) fn raw_mut(v: &mut Value) -> Option<&mut RawStr> {
    if let Value::Int(n) = v {
        let mut s = RawStr::from(n.to_string().into_bytes());
        // Touching the bytes marks the string as changed in place ("raw").
        s.bytes_mut();
        *v = Value::Str(s);
    }
    match v {
        Value::Str(s) => Some(s),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The selected database and the reply buffer, borrowed together.
pub(crate) fn parts<'c>(ctx: &'c mut Ctx<'_>) -> (&'c mut Db, &'c mut Out, Ms) {
    let now = ctx.now;
    (ctx.ks.db(ctx.db), &mut *ctx.out, now)
}

/// Replies with a string value as a bulk string, or WRONGTYPE. Returns false
/// on WRONGTYPE.
fn reply_value(out: &mut Out, v: &Value) -> bool {
    match v {
        Value::Int(n) => out.bulk_int(*n),
        Value::Str(s) => out.bulk(s.as_bytes()),
        #[allow(unreachable_patterns)]
        _ => {
            out.error(errors::WRONGTYPE);
            return false;
        }
    }
    true
}

/// Redis's `getGenericCommand`: replies with the value, null, or WRONGTYPE.
/// Returns false on WRONGTYPE (the caller must stop).
fn reply_get(db: &mut Db, out: &mut Out, key: &[u8], now: Ms) -> bool {
    match db.get(key, now) {
        None => {
            out.null();
            true
        }
        Some(v) => reply_value(out, v),
    }
}

/// The length of a string value, or `None` for another type.
fn str_len(v: &Value) -> Option<usize> {
    match v {
        Value::Int(n) => Some(n.to_string().len()),
        Value::Str(s) => Some(s.len()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Redis's `checkStringLength`: would a string of `size + append` bytes
/// exceed `proto-max-bulk-len`?
fn too_long(ctx_limit: u64, size: u64, append: u64) -> bool {
    size.checked_add(append).is_none_or(|t| t > ctx_limit)
}

// ---------------------------------------------------------------------------
// GET, SET and their variants.
// ---------------------------------------------------------------------------

/// GET key
fn get(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    reply_get(db, out, &argv[1], now);
}

/// The expiry given by an EX/PX/EXAT/PXAT option.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireKind {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// Options of SET and GETEX, as Redis's `parseExtendedStringArgumentsOrReply`.
#[derive(Default)]
struct ExtOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireKind, &'a [u8])>,
}

/// Parses SET (`for_set`) or GETEX options from `argv[from..]`. A repeated
/// option is accepted (the last expiry wins); conflicting ones, an option the
/// command does not take, or an expiry without its value is a syntax error.
fn parse_ext<'a>(
    argv: &'a [Arg<'_>],
    from: usize,
    for_set: bool,
) -> Result<ExtOpts<'a>, &'static str> {
    let mut o = ExtOpts::default();
    let mut j = from;
    while j < argv.len() {
        let a = &argv[j][..];
        let next = argv.get(j + 1);
        let kind = o.expire.map(|(k, _)| k);
        let other_expiry = |mine: ExpireKind| kind.is_some_and(|k| k != mine);
        if parse::is(a, "nx") && !o.xx && for_set {
            o.nx = true;
        } else if parse::is(a, "xx") && !o.nx && for_set {
            o.xx = true;
        } else if parse::is(a, "get") && for_set {
            o.get = true;
        } else if parse::is(a, "keepttl") && !o.persist && kind.is_none() && for_set {
            o.keepttl = true;
        } else if parse::is(a, "persist") && !for_set && kind.is_none() && !o.keepttl {
            o.persist = true;
        } else {
            let k = if parse::is(a, "ex") {
                ExpireKind::Ex
            } else if parse::is(a, "px") {
                ExpireKind::Px
            } else if parse::is(a, "exat") {
                ExpireKind::ExAt
            } else if parse::is(a, "pxat") {
                ExpireKind::PxAt
            } else {
                return Err(errors::SYNTAX);
            };
            match next {
                Some(v) if !o.keepttl && !o.persist && !other_expiry(k) => {
                    o.expire = Some((k, &v[..]));
                    j += 1;
                }
                _ => return Err(errors::SYNTAX),
            }
        }
        j += 1;
    }
    Ok(o)
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute expiry in Unix ms,
/// refusing non-positive values and overflow with "invalid expire time".
fn expire_at(now: Ms, kind: ExpireKind, arg: &[u8], cmd: &str) -> Result<Ms, String> {
    let n = parse::int(arg).ok_or_else(|| errors::NOT_INT.to_string())?;
    let seconds = matches!(kind, ExpireKind::Ex | ExpireKind::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(errors::invalid_expire(cmd));
    }
    let ms = if seconds { n * 1000 } else { n };
    let at = match kind {
        ExpireKind::Ex | ExpireKind::Px => ms.checked_add(now),
        ExpireKind::ExAt | ExpireKind::PxAt => Some(ms),
    };
    match at {
        Some(t) if t > 0 => Ok(t),
        _ => Err(errors::invalid_expire(cmd)),
    }
}

/// What SET-like commands reply when the value is stored or refused.
#[derive(Clone, Copy)]
enum SetReplies {
    /// `+OK` / null (SET, SETEX, PSETEX).
    OkNull,
    /// `:1` / `:0` (SETNX).
    OneZero,
}

/// The shared body of SET, SETNX, SETEX and PSETEX (Redis's `setGenericCommand`).
fn set_generic(ctx: &mut Ctx, cmd: &str, key: &[u8], val: &[u8], o: &ExtOpts, replies: SetReplies) {
    let (db, out, now) = parts(ctx);
    let at = match o.expire {
        None => None,
        Some((kind, arg)) => match expire_at(now, kind, arg, cmd) {
            Ok(t) => Some(t),
            Err(e) => return out.error(&e),
        },
    };
    if o.get && !reply_get(db, out, key, now) {
        return;
    }
    let found = db.contains(key, now);
    if (o.nx && found) || (o.xx && !found) {
        if !o.get {
            match replies {
                SetReplies::OkNull => out.null(),
                SetReplies::OneZero => out.int(0),
            }
        }
        return;
    }
    let value = Value::string(val);
    match at {
        // An expiry already in the past (EXAT/PXAT) leaves no key behind.
        Some(t) if t <= now => {
            db.remove(key, now);
        }
        Some(t) => db.set_with_expire(key, value, Some(t), now),
        None if o.keepttl => db.set_keep_ttl(key, value, now),
        None => db.set(key, value, now),
    }
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "set", key);
    if let Some(t) = at {
        ctx.notify(notify::GENERIC, "expire", key);
        // Redis stores the key and expires it right after; here it is
        // never stored, but listeners hear the same three events.
        if t <= now {
            ctx.notify(notify::EXPIRED, "expired", key);
        }
    }
    if !o.get {
        match replies {
            SetReplies::OkNull => ctx.out.ok(),
            SetReplies::OneZero => ctx.out.int(1),
        }
    }
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
///     EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
fn set(ctx: &mut Ctx, argv: &[Arg]) {
    match parse_ext(argv, 3, true) {
        Ok(o) => set_generic(ctx, "set", &argv[1], &argv[2], &o, SetReplies::OkNull),
        Err(e) => ctx.out.error(e),
    }
}

/// SETNX key value
fn setnx(ctx: &mut Ctx, argv: &[Arg]) {
    let o = ExtOpts {
        nx: true,
        ..ExtOpts::default()
    };
    set_generic(ctx, "setnx", &argv[1], &argv[2], &o, SetReplies::OneZero);
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx, argv: &[Arg]) {
    let o = ExtOpts {
        expire: Some((ExpireKind::Ex, &argv[2][..])),
        ..ExtOpts::default()
    };
    set_generic(ctx, "setex", &argv[1], &argv[3], &o, SetReplies::OkNull);
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx, argv: &[Arg]) {
    let o = ExtOpts {
        expire: Some((ExpireKind::Px, &argv[2][..])),
        ..ExtOpts::default()
    };
    set_generic(ctx, "psetex", &argv[1], &argv[3], &o, SetReplies::OkNull);
}

/// GETSET key value
fn getset(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    if !reply_get(db, out, &argv[1], now) {
        return;
    }
    db.set(&argv[1], Value::string(&argv[2]), now);
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "set", &argv[1]);
}

/// GETDEL key
fn getdel(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    match db.get(&argv[1], now) {
        None => out.null(),
        Some(v) => {
            if reply_value(out, v) {
                db.remove(&argv[1], now);
                ctx.dirty += 1;
                ctx.notify(notify::GENERIC, "del", &argv[1]);
            }
        }
    }
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
///     PXAT unix-time-milliseconds | PERSIST]
fn getex(ctx: &mut Ctx, argv: &[Arg]) {
    let o = match parse_ext(argv, 2, false) {
        Ok(o) => o,
        Err(e) => return ctx.out.error(e),
    };
    let (db, out, now) = parts(ctx);
    let key = &argv[1][..];
    let Some(v) = db.get(key, now) else {
        return out.null();
    };
    if str_of(v).is_none() {
        return out.error(errors::WRONGTYPE);
    }
    // The expiry is checked only once the key is known to hold a string.
    let at = match o.expire {
        None => None,
        Some((kind, arg)) => match expire_at(now, kind, arg, "getex") {
            Ok(t) => Some((kind, t)),
            Err(e) => return out.error(&e),
        },
    };
    reply_value(out, v);
    match at {
        Some((ExpireKind::ExAt | ExpireKind::PxAt, t)) if t <= now => {
            db.remove(key, now);
            ctx.dirty += 1;
            ctx.notify(notify::GENERIC, "del", key);
        }
        Some((_, t)) => {
            db.set_expire(key, Some(t));
            ctx.dirty += 1;
            ctx.notify(notify::GENERIC, "expire", key);
        }
        None if o.persist && db.get_expire(key).is_some() => {
            db.set_expire(key, None);
            ctx.dirty += 1;
            ctx.notify(notify::GENERIC, "persist", key);
        }
        None => {}
    }
}

/// MGET key [key ...]
///
/// Split across shards: `argv` holds the keys of one shard only, and the
/// reply has one element per key (null for a missing or non-string key).
fn mget(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    out.array(argv.len() - 1);
    for key in &argv[1..] {
        match db.get(key, now) {
            Some(v) if str_of(v).is_some() => {
                reply_value(out, v);
            }
            _ => out.null(),
        }
    }
}

/// MSET key value [key value ...]
///
/// Split across shards: `argv` holds the pairs of one shard only.
fn mset(ctx: &mut Ctx, argv: &[Arg]) {
    if argv.len().is_multiple_of(2) {
        return ctx.out.error(&errors::arity("mset"));
    }
    set_pairs(ctx, argv);
    ctx.out.ok();
}

/// Stores MSET's and MSETNX's pairs. Each key's `set` event follows its own
/// store, as in Redis, so a `new` event (raised by the store) comes right
/// before the `set` of the same key.
fn set_pairs(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    for pair in argv[1..].chunks(2) {
        ctx.db().set(&pair[0], Value::string(&pair[1]), now);
        ctx.notify(notify::STRING, "set", &pair[0]);
    }
    ctx.dirty += (argv.len() as u64 - 1) / 2;
}

/// MSETNX key value [key value ...]
fn msetnx(ctx: &mut Ctx, argv: &[Arg]) {
    if argv.len().is_multiple_of(2) {
        return ctx.out.error(&errors::arity("msetnx"));
    }
    let (db, _, now) = parts(ctx);
    if argv[1..].chunks(2).any(|pair| db.contains(&pair[0], now)) {
        return ctx.out.int(0);
    }
    set_pairs(ctx, argv);
    ctx.out.int(1);
}

/// APPEND key value
fn append(ctx: &mut Ctx, argv: &[Arg]) {
    let limit = ctx.config.proto_max_bulk_len;
    let (db, out, now) = parts(ctx);
    let (key, add) = (&argv[1][..], &argv[2][..]);
    let total = match db.get_mut(key, now) {
        None => {
            db.set(key, Value::string(add), now);
            add.len()
        }
        Some(v) => {
            let Some(cur) = str_len(v) else {
                return out.error(errors::WRONGTYPE);
            };
            if too_long(limit, cur as u64, add.len() as u64) {
                return out.error(errors::STRING_TOO_LONG);
            }
            let s = raw_mut(v).expect("checked to be a string");
            s.append(add);
            s.len()
        }
    };
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "append", key);
    ctx.out.int(total as i64);
}

/// STRLEN key
fn strlen(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    match db.get(&argv[1], now) {
        None => out.int(0),
        Some(v) => match str_len(v) {
            Some(n) => out.int(n as i64),
            None => out.error(errors::WRONGTYPE),
        },
    }
}

// ---------------------------------------------------------------------------
// Counters.
// ---------------------------------------------------------------------------

/// Adds `delta` to the integer at `argv[1]` (Redis's `incrDecrCommand`). The
/// key's TTL is kept.
fn incr_by(ctx: &mut Ctx, key: &[u8], delta: i64) {
    let (db, out, now) = parts(ctx);
    let cur = match db.get_mut(key, now) {
        None => 0,
        Some(Value::Int(n)) => *n,
        Some(Value::Str(s)) => match parse::int(s.as_bytes()) {
            Some(n) => n,
            None => return out.error(errors::NOT_INT),
        },
        #[allow(unreachable_patterns)]
        Some(_) => return out.error(errors::WRONGTYPE),
    };
    let Some(new) = cur.checked_add(delta) else {
        return out.error(errors::OVERFLOW);
    };
    match db.get_mut(key, now) {
        Some(v) => *v = Value::Int(new),
        None => db.set(key, Value::Int(new), now),
    }
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "incrby", key);
    ctx.out.int(new);
}

/// INCR key
fn incr(ctx: &mut Ctx, argv: &[Arg]) {
    incr_by(ctx, &argv[1], 1);
}

/// DECR key
fn decr(ctx: &mut Ctx, argv: &[Arg]) {
    incr_by(ctx, &argv[1], -1);
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx, argv: &[Arg]) {
    match parse::int(&argv[2]) {
        Some(d) => incr_by(ctx, &argv[1], d),
        None => ctx.out.error(errors::NOT_INT),
    }
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx, argv: &[Arg]) {
    match parse::int(&argv[2]) {
        // Negating i64::MIN would overflow before the addition is even tried.
        Some(i64::MIN) => ctx.out.error("ERR decrement would overflow"),
        Some(d) => incr_by(ctx, &argv[1], -d),
        None => ctx.out.error(errors::NOT_INT),
    }
}

/// INCRBYFLOAT key increment
///
/// The arithmetic is x87 long double, as in Redis, and the result is stored
/// as its `%.17Lf` text with trailing zeros removed (see `ldouble`).
fn incrbyfloat(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    let key = &argv[1][..];
    let cur = match db.get_mut(key, now) {
        None => LongDouble::from_i64(0),
        Some(Value::Int(n)) => LongDouble::from_i64(*n),
        Some(Value::Str(s)) => match ldouble::parse_redis(s.as_bytes()) {
            Some(v) => v,
            None => return out.error(errors::NOT_FLOAT),
        },
        #[allow(unreachable_patterns)]
        Some(_) => return out.error(errors::WRONGTYPE),
    };
    let Some(incr) = ldouble::parse_redis(&argv[2]) else {
        return out.error(errors::NOT_FLOAT);
    };
    let sum = match cur.add(incr) {
        Some(v) if v.is_finite() => v,
        _ => return out.error("ERR increment would produce NaN or Infinity"),
    };
    let text = sum.format_human();
    let value = Value::Str(RawStr::from(text.as_bytes()));
    match db.get_mut(key, now) {
        Some(v) => *v = value,
        None => db.set(key, value, now),
    }
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "incrbyfloat", key);
    ctx.out.bulk(text.as_bytes());
}

// ---------------------------------------------------------------------------
// Ranges.
// ---------------------------------------------------------------------------

/// GETRANGE key start end
fn getrange(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    let (Some(start), Some(end)) = (parse::int(&argv[2]), parse::int(&argv[3])) else {
        return out.error(errors::NOT_INT);
    };
    let Some(v) = db.get(&argv[1], now) else {
        return out.bulk(b"");
    };
    let Some(s) = str_of(v) else {
        return out.error(errors::WRONGTYPE);
    };
    match clamp_range(start, end, s.len() as i64) {
        Some((a, b)) => out.bulk(&s[a as usize..=b as usize]),
        None => out.bulk(b""),
    }
}

/// Redis's range rules for GETRANGE (and BITCOUNT): negative indexes count
/// from the end, both ends are clamped into the string; `None` when the
/// range is empty.
pub(crate) fn clamp_range(start: i64, end: i64, len: i64) -> Option<(i64, i64)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    (start <= end && len > 0).then_some((start, end))
}

/// SETRANGE key offset value
fn setrange(ctx: &mut Ctx, argv: &[Arg]) {
    let limit = ctx.config.proto_max_bulk_len;
    let (db, out, now) = parts(ctx);
    let (key, val) = (&argv[1][..], &argv[3][..]);
    let Some(offset) = parse::int(&argv[2]) else {
        return out.error(errors::NOT_INT);
    };
    if offset < 0 {
        return out.error("ERR offset is out of range");
    }
    let offset = offset as u64;
    let len = match db.get_mut(key, now) {
        None => {
            if val.is_empty() {
                return out.int(0);
            }
            if too_long(limit, offset, val.len() as u64) {
                return out.error(errors::STRING_TOO_LONG);
            }
            let mut s = RawStr::default();
            write_at(&mut s, offset as usize, val);
            let n = s.len();
            db.set(key, Value::Str(s), now);
            n
        }
        Some(v) => {
            let Some(cur) = str_len(v) else {
                return out.error(errors::WRONGTYPE);
            };
            if val.is_empty() {
                return out.int(cur as i64);
            }
            if too_long(limit, offset, val.len() as u64) {
                return out.error(errors::STRING_TOO_LONG);
            }
            let s = raw_mut(v).expect("checked to be a string");
            write_at(s, offset as usize, val);
            s.len()
        }
    };
    ctx.dirty += 1;
    ctx.notify(notify::STRING, "setrange", key);
    ctx.out.int(len as i64);
}

/// Copies `val` into `s` at `offset`, padding with zero bytes as needed.
fn write_at(s: &mut RawStr, offset: usize, val: &[u8]) {
    s.ensure_len(offset + val.len());
    s.bytes_mut()[offset..offset + val.len()].copy_from_slice(val);
}

// ---------------------------------------------------------------------------
// LCS.
// ---------------------------------------------------------------------------

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
fn lcs(ctx: &mut Ctx, argv: &[Arg]) {
    let limit = ctx.config.proto_max_bulk_len;
    let (db, out, now) = parts(ctx);
    let mut strs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for (i, key) in argv[1..3].iter().enumerate() {
        if let Some(v) = db.get(key, now) {
            match str_of(v) {
                Some(s) => strs[i] = s.into_owned(),
                None => return out.error("ERR The specified keys must contain string values"),
            }
        }
    }
    let (mut want_len, mut want_idx, mut with_len) = (false, false, false);
    let mut min_len: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let a = &argv[j][..];
        if parse::is(a, "idx") {
            want_idx = true;
        } else if parse::is(a, "len") {
            want_len = true;
        } else if parse::is(a, "withmatchlen") {
            with_len = true;
        } else if parse::is(a, "minmatchlen") && j + 1 < argv.len() {
            match parse::int(&argv[j + 1]) {
                Some(n) => min_len = n.max(0),
                None => return out.error(errors::NOT_INT),
            }
            j += 1;
        } else {
            return out.error(errors::SYNTAX);
        }
        j += 1;
    }
    if want_idx && want_len {
        return out.error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let (a, b) = (&strs[0][..], &strs[1][..]);
    if a.len() as u64 >= u32::MAX as u64 - 1 || b.len() as u64 >= u32::MAX as u64 - 1 {
        return out.error("ERR String too long for LCS");
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells.saturating_mul(4) > limit {
        return out
            .error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }
    let r = lcs_compute(a, b, want_idx || !want_len);
    if want_idx {
        out.map(2);
        out.bulk(b"matches");
        let kept: Vec<&LcsMatch> = r
            .matches
            .iter()
            .filter(|m| min_len == 0 || m.len() as i64 >= min_len)
            .collect();
        out.array(kept.len());
        for m in kept {
            out.array(if with_len { 3 } else { 2 });
            out.array(2);
            out.int(m.a.0 as i64);
            out.int(m.a.1 as i64);
            out.array(2);
            out.int(m.b.0 as i64);
            out.int(m.b.1 as i64);
            if with_len {
                out.int(m.len() as i64);
            }
        }
        out.bulk(b"len");
        out.int(r.len as i64);
    } else if want_len {
        out.int(r.len as i64);
    } else {
        out.bulk(&r.common);
    }
}

/// One run of the common subsequence: inclusive ranges in both strings.
struct LcsMatch {
    a: (usize, usize),
    b: (usize, usize),
}

impl LcsMatch {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

struct LcsResult {
    len: usize,
    common: Vec<u8>,
    /// The runs from the end of the strings backwards, as Redis lists them.
    matches: Vec<LcsMatch>,
}

/// The classic dynamic programme over prefixes, then a walk back from the
/// end. On a tie the walk moves in `b` first, which is what decides which of
/// several longest subsequences Redis reports, so it must stay that way.
fn lcs_compute(a: &[u8], b: &[u8], walk: bool) -> LcsResult {
    let w = b.len() + 1;
    let mut t = vec![0u32; (a.len() + 1) * w];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let len = t[a.len() * w + b.len()] as usize;
    let mut common = vec![0u8; if walk { len } else { 0 }];
    let mut matches = Vec::new();
    let (mut i, mut j, mut k) = (a.len(), b.len(), len);
    // The run being built, as (a_start, a_end, b_start, b_end).
    let mut run: Option<(usize, usize, usize, usize)> = None;
    while walk && i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            common[k - 1] = a[i - 1];
            run = Some(match run {
                Some((_, ae, _, be)) => (i - 1, ae, j - 1, be),
                None => (i - 1, i - 1, j - 1, j - 1),
            });
            i -= 1;
            j -= 1;
            k -= 1;
            if i == 0 || j == 0 {
                if let Some((as_, ae, bs, be)) = run.take() {
                    matches.push(LcsMatch {
                        a: (as_, ae),
                        b: (bs, be),
                    });
                }
            }
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if let Some((as_, ae, bs, be)) = run.take() {
                matches.push(LcsMatch {
                    a: (as_, ae),
                    b: (bs, be),
                });
            }
        }
    }
    LcsResult {
        len,
        common,
        matches,
    }
}

// ---------------------------------------------------------------------------
// Declarations.
// ---------------------------------------------------------------------------

const KEY: &[ArgSpec] = &[ArgSpec::key("key", 0)];
const KEY_VALUE: &[ArgSpec] = &[ArgSpec::key("key", 0), ArgSpec::string("value")];
const KEY_START_END: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::integer("start"),
    ArgSpec::integer("end"),
];
const MULTI_PAIRS: &[ArgSpec] = &[ArgSpec::block("key_value", KEY_VALUE).multiple()];

const SET_ARGS: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::string("value"),
    ArgSpec::oneof(
        "condition",
        &[ArgSpec::token("nx", "NX"), ArgSpec::token("xx", "XX")],
    )
    .since("2.6.12")
    .optional(),
    ArgSpec::token("get", "GET").since("6.2.0").optional(),
    ArgSpec::oneof(
        "expiration",
        &[
            ArgSpec::integer("seconds").with_token("EX").since("2.6.12"),
            ArgSpec::integer("milliseconds")
                .with_token("PX")
                .since("2.6.12"),
            ArgSpec::unix_time("unix-time-seconds")
                .with_token("EXAT")
                .since("6.2.0"),
            ArgSpec::unix_time("unix-time-milliseconds")
                .with_token("PXAT")
                .since("6.2.0"),
            ArgSpec::token("keepttl", "KEEPTTL").since("6.0.0"),
        ],
    )
    .optional(),
];

const GETEX_ARGS: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::oneof(
        "expiration",
        &[
            ArgSpec::integer("seconds").with_token("EX"),
            ArgSpec::integer("milliseconds").with_token("PX"),
            ArgSpec::unix_time("unix-time-seconds").with_token("EXAT"),
            ArgSpec::unix_time("unix-time-milliseconds").with_token("PXAT"),
            ArgSpec::token("persist", "PERSIST"),
        ],
    )
    .optional(),
];

const LCS_ARGS: &[ArgSpec] = &[
    ArgSpec::key("key1", 0),
    ArgSpec::key("key2", 0),
    ArgSpec::token("len", "LEN").optional(),
    ArgSpec::token("idx", "IDX").optional(),
    ArgSpec::integer("len").with_token("MINMATCHLEN").optional(),
    ArgSpec::token("withmatchlen", "WITHMATCHLEN").optional(),
];

const RO_ACCESS: u32 = kflags::RO | kflags::ACCESS;
const RW_ACCESS_UPDATE: u32 = kflags::RW | kflags::ACCESS | kflags::UPDATE;
const OW_UPDATE: u32 = kflags::OW | kflags::UPDATE;
const OW_INSERT: u32 = kflags::OW | kflags::INSERT;

/// The string group's defaults, filled in per command below.
const STRING: CommandSpec = CommandSpec {
    group: "string",
    complexity: "O(1)",
    ..CommandSpec::DEFAULT
};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["read", "string", "fast"],
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY,
        summary: "Returns the string value of a key.",
        since: "1.0.0",
        exec: Exec::Keys(get),
        ..STRING
    },
    CommandSpec {
        name: "set",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        // RW and ACCESS because of the optional GET argument.
        keys: &[KeySpec::single(
            1,
            RW_ACCESS_UPDATE | kflags::VARIABLE_FLAGS,
        )],
        args: SET_ARGS,
        summary: "Sets the string value of a key, ignoring its type, with optional expiry and conditions.",
        since: "1.0.0",
        exec: Exec::Keys(set),
        ..STRING
    },
    CommandSpec {
        name: "setnx",
        arity: 3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, OW_INSERT)],
        args: KEY_VALUE,
        summary: "Sets the string value of a key only when the key is absent.",
        since: "1.0.0",
        exec: Exec::Keys(setnx),
        ..STRING
    },
    CommandSpec {
        name: "setex",
        arity: 4,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        keys: &[KeySpec::single(1, OW_UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("seconds"),
            ArgSpec::string("value"),
        ],
        summary: "Sets the string value of a key with a time to live in seconds.",
        since: "2.0.0",
        exec: Exec::Keys(setex),
        ..STRING
    },
    CommandSpec {
        name: "psetex",
        arity: 4,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        keys: &[KeySpec::single(1, OW_UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("milliseconds"),
            ArgSpec::string("value"),
        ],
        summary: "Sets the string value of a key with a time to live in milliseconds.",
        since: "2.6.0",
        exec: Exec::Keys(psetex),
        ..STRING
    },
    CommandSpec {
        name: "getset",
        arity: 3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: KEY_VALUE,
        summary: "Sets a new string value and returns the previous one (superseded by SET ... GET).",
        since: "1.0.0",
        exec: Exec::Keys(getset),
        ..STRING
    },
    CommandSpec {
        name: "getdel",
        arity: 2,
        flags: WRITE | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(
            1,
            kflags::RW | kflags::ACCESS | kflags::DELETE,
        )],
        args: KEY,
        summary: "Returns the string value of a key and deletes the key.",
        since: "6.2.0",
        exec: Exec::Keys(getdel),
        ..STRING
    },
    CommandSpec {
        name: "getex",
        arity: -2,
        flags: WRITE | FAST,
        acl: &["write", "string", "fast"],
        // RW and UPDATE because it may change the TTL.
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: GETEX_ARGS,
        summary: "Returns the string value of a key and optionally sets or clears its expiry.",
        since: "6.2.0",
        exec: Exec::Keys(getex),
        ..STRING
    },
    CommandSpec {
        name: "mget",
        arity: -2,
        flags: READONLY | FAST,
        acl: &["read", "string", "fast"],
        keys: &[KeySpec::range_to_end(1, 1, RO_ACCESS)],
        args: &[ArgSpec::key("key", 0).multiple()],
        summary: "Returns the string values of several keys, null where a key is missing.",
        since: "1.0.0",
        complexity: "O(N) for N keys.",
        exec: Exec::Split(mget, Merge::KeyOrder),
        ..STRING
    },
    CommandSpec {
        name: "mset",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        keys: &[KeySpec::range_to_end(1, 2, OW_UPDATE)],
        args: MULTI_PAIRS,
        summary: "Sets several keys to string values at once.",
        since: "1.0.1",
        complexity: "O(N) for N keys.",
        exec: Exec::Split(mset, Merge::Ok),
        ..STRING
    },
    CommandSpec {
        name: "msetnx",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        keys: &[KeySpec::range_to_end(1, 2, OW_INSERT)],
        args: MULTI_PAIRS,
        summary: "Sets several keys to string values, only if none of them exists.",
        since: "1.0.1",
        complexity: "O(N) for N keys.",
        exec: Exec::Keys(msetnx),
        ..STRING
    },
    CommandSpec {
        name: "append",
        arity: 3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, kflags::RW | kflags::INSERT)],
        args: KEY_VALUE,
        summary: "Appends bytes to the string at a key, creating it if absent.",
        since: "2.0.0",
        complexity: "O(1) amortized, since the string's buffer grows geometrically.",
        exec: Exec::Keys(append),
        ..STRING
    },
    CommandSpec {
        name: "strlen",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["read", "string", "fast"],
        keys: &[KeySpec::single(1, kflags::RO)],
        args: KEY,
        summary: "Returns the length in bytes of the string at a key.",
        since: "2.2.0",
        exec: Exec::Keys(strlen),
        ..STRING
    },
    CommandSpec {
        name: "incr",
        arity: 2,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: KEY,
        summary: "Adds one to the integer at a key (missing keys count as 0).",
        since: "1.0.0",
        exec: Exec::Keys(incr),
        ..STRING
    },
    CommandSpec {
        name: "decr",
        arity: 2,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: KEY,
        summary: "Subtracts one from the integer at a key (missing keys count as 0).",
        since: "1.0.0",
        exec: Exec::Keys(decr),
        ..STRING
    },
    CommandSpec {
        name: "incrby",
        arity: 3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: &[ArgSpec::key("key", 0), ArgSpec::integer("increment")],
        summary: "Adds an integer to the integer at a key (missing keys count as 0).",
        since: "1.0.0",
        exec: Exec::Keys(incrby),
        ..STRING
    },
    CommandSpec {
        name: "decrby",
        arity: 3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: &[ArgSpec::key("key", 0), ArgSpec::integer("decrement")],
        summary: "Subtracts an integer from the integer at a key (missing keys count as 0).",
        since: "1.0.0",
        exec: Exec::Keys(decrby),
        ..STRING
    },
    CommandSpec {
        name: "incrbyfloat",
        arity: 3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "string", "fast"],
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: &[ArgSpec::key("key", 0), ArgSpec::double("increment")],
        summary: "Adds a floating-point number to the number at a key (missing keys count as 0).",
        since: "2.6.0",
        exec: Exec::Keys(incrbyfloat),
        ..STRING
    },
    CommandSpec {
        name: "getrange",
        arity: 4,
        flags: READONLY,
        acl: &["read", "string", "slow"],
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_START_END,
        summary: "Returns the bytes of a string between two offsets (negative ones count from the end).",
        since: "2.4.0",
        complexity: "O(N) for a result of N bytes.",
        exec: Exec::Keys(getrange),
        ..STRING
    },
    CommandSpec {
        name: "setrange",
        arity: 4,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        keys: &[KeySpec::single(1, kflags::RW | kflags::UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("offset"),
            ArgSpec::string("value"),
        ],
        summary: "Overwrites part of a string from an offset, padding with zero bytes if needed.",
        since: "2.2.0",
        complexity: "O(M) for a value of M bytes, plus any zero padding.",
        exec: Exec::Keys(setrange),
        ..STRING
    },
    CommandSpec {
        name: "substr",
        arity: 4,
        flags: READONLY,
        acl: &["read", "string", "slow"],
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_START_END,
        summary: "Returns the bytes of a string between two offsets (the old name of GETRANGE).",
        since: "1.0.0",
        complexity: "O(N) for a result of N bytes.",
        exec: Exec::Keys(getrange),
        ..STRING
    },
    CommandSpec {
        name: "lcs",
        arity: -3,
        flags: READONLY,
        acl: &["read", "string", "slow"],
        keys: &[KeySpec {
            flags: RO_ACCESS,
            begin: BeginSearch::Index(1),
            find: FindKeys::Range {
                last_key: 1,
                key_step: 1,
                limit: 0,
            },
        }],
        args: LCS_ARGS,
        summary: "Finds the longest common subsequence of the strings at two keys.",
        since: "7.0.0",
        complexity: "O(N*M) for strings of N and M bytes.",
        exec: Exec::Keys(lcs),
        ..STRING
    },
];

#[cfg(test)]
mod tests;
