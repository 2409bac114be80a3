//! List commands: pushes and pops at both ends, index and range access,
//! LTRIM/LREM/LINSERT/LPOS, moves between lists, LMPOP, and the blocking
//! forms. Handlers touch only the keyspace in their `Ctx`; they never reach
//! another shard and never wait: a blocking command that finds nothing to
//! serve sets `ctx.block` and leaves the waiting to the runtime.
//!
//! Every write counts in `ctx.dirty` as Redis's `server.dirty` does (pushes
//! and pops by elements, LTRIM by elements trimmed, LREM by elements removed,
//! the others by one) and raises Redis's keyspace events: `lpush`/`rpush`,
//! `lpop`/`rpop`, `lset`, `ltrim`, `lrem`, `linsert`, and a generic `del` when
//! a list becomes empty, which deletes its key (Redis stores no empty list).
//! A move raises the push event on the destination, then the pop event on
//! the source, in Redis's order.

use crate::spec::{flags::*, kflags, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec};
use crate::strings::ldouble::{self, LongDouble};
use crate::{errors, notify, parse, Ctx};
use tessera_resp::Arg;
use tessera_resp::Out;
use tessera_storage::list::{Elem, End, Needle};
use tessera_storage::{Db, List, Ms, Value};

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------
// Access helpers.
// ---------------------------------------------------------------------------

/// The key holds another type.
struct WrongType;

/// The list at `key` for reading (counts a keyspace hit or miss, as Redis's
/// `lookupKeyRead`): `Ok(None)` when the key is missing.
fn read<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<Option<&'d List>, WrongType> {
    match db.get(key, now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(WrongType),
    }
}

/// The list at `key` for writing: `Ok(None)` when the key is missing.
fn write<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<Option<&'d mut List>, WrongType> {
    match db.get_mut(key, now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(WrongType),
    }
}

/// The selected database and the reply buffer, borrowed together.
fn parts<'c>(ctx: &'c mut Ctx<'_>) -> (&'c mut Db, &'c mut Out, Ms) {
    let now = ctx.now;
    (ctx.ks.db(ctx.db), &mut *ctx.out, now)
}

fn reply_elem(out: &mut Out, e: Elem<'_>) {
    match e {
        Elem::Int(n) => out.bulk_int(n),
        Elem::Bytes(b) => out.bulk(b),
    }
}

fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// Redis's `getListPositionFromObjectOrReply`: LEFT or RIGHT.
fn parse_end(arg: &[u8]) -> Option<End> {
    if parse::is(arg, "left") {
        Some(End::Head)
    } else if parse::is(arg, "right") {
        Some(End::Tail)
    } else {
        None
    }
}

/// After elements were removed from the list at `key`: raises the pop event,
/// deletes the key if the list is now empty (with a `del` event), and counts
/// the removed elements (Redis's `listElementsRemoved`).
/// `emptied` says whether the list is empty now: the caller just had it in
/// hand, so the common case needs no second lookup of the key.
fn elements_removed(ctx: &mut Ctx, key: &[u8], end: End, removed: usize, emptied: bool) {
    ctx.notify(notify::LIST, pop_event(end), key);
    if emptied {
        delete_if_empty(ctx, key);
    }
    ctx.dirty += removed as u64;
}

/// Deletes `key` if it holds an empty list, raising `del`.
fn delete_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let now = ctx.now;
    let empty = matches!(ctx.db().peek(key, now), Some(Value::List(l)) if l.is_empty());
    if empty {
        ctx.db().delete(key, now);
        ctx.notify(notify::GENERIC, "del", key);
    }
}

/// Replies with up to `count` elements taken from one end of `l` (in pop
/// order) and removes them; returns how many.
fn pop_range(out: &mut Out, l: &mut List, end: End, count: usize) -> usize {
    let n = count.min(l.len());
    out.array(n);
    match end {
        End::Head => l.iter().take(n).for_each(|e| reply_elem(out, e)),
        End::Tail => l.iter_rev().take(n).for_each(|e| reply_elem(out, e)),
    }
    l.drain_end(end, n);
    n
}

/// Resolves Redis's index convention (negative counts from the tail).
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { index + len } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

/// Parses a blocking command's timeout in seconds as Redis 7.0.15's
/// `getTimeoutFromObjectOrReply`: a long double (decimals, exponents, hex and
/// `inf` as `strtold` reads them) times 1000, rounded up to whole
/// milliseconds (`ceill`), so a positive timeout under a millisecond still
/// times out while a tiny negative one rounds to 0 (for ever). Infinities
/// and values beyond `i64` convert to `i64::MIN`, as the x87 conversion
/// does, and so are "negative".
fn parse_timeout(arg: &[u8]) -> Result<Ms, &'static str> {
    let v = ldouble::parse_redis(arg).ok_or("ERR timeout is not a float or out of range")?;
    let ms = long_double_ms(v);
    if ms < 0 {
        return Err("ERR timeout is negative");
    }
    Ok(ms)
}

/// `(long long) ceill(v * 1000.0)` in x87 extended precision: the product
/// is rounded to a 64-bit significand (ties to even), then rounded up to an
/// integer.
fn long_double_ms(v: LongDouble) -> i64 {
    let (neg, mant, exp) = match v {
        LongDouble::Inf { .. } => return i64::MIN,
        LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
    };
    let mut p = mant as u128 * 1000;
    let mut e = exp;
    let bits = 128 - p.leading_zeros() as i64;
    if bits > 64 {
        let shift = (bits - 64) as u32;
        let rem = p & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        p >>= shift;
        e += shift as i64;
        if rem > half || (rem == half && p & 1 == 1) {
            p += 1;
            if p == 1u128 << 64 {
                p >>= 1;
                e += 1;
            }
        }
    }
    // The integer part of |v * 1000| and whether a fraction is left over.
    let (whole, fraction): (u128, bool) = if p == 0 {
        (0, false)
    } else if e >= 0 {
        let bits = 128 - p.leading_zeros() as i64;
        if bits + e > 64 {
            return i64::MIN;
        }
        (p << e, false)
    } else if -e >= 128 {
        (0, true)
    } else {
        let whole = p >> (-e);
        (whole, whole << (-e) != p)
    };
    if neg {
        // Rounding up moves a negative value toward zero.
        if whole > 1u128 << 63 {
            return i64::MIN;
        }
        (whole as i128).wrapping_neg() as i64
    } else {
        let up = whole + fraction as u128;
        i64::try_from(up).unwrap_or(i64::MIN)
    }
}

/// Ends a blocking command that found nothing to serve: waits when it may
/// (no reply; the runtime runs it again when a key is written), otherwise
/// replies as Redis does for a client that cannot block.
fn block_or_reply(ctx: &mut Ctx, timeout: Ms, null_array: bool) {
    if ctx.may_block {
        ctx.block = Some(timeout);
    } else if null_array {
        ctx.out.null_array();
    } else {
        ctx.out.null();
    }
}

// ---------------------------------------------------------------------------
// Pushes.
// ---------------------------------------------------------------------------

/// The body of LPUSH/RPUSH/LPUSHX/RPUSHX: pushes every element in order and
/// replies with the new length. With `only_existing`, a missing key is left
/// missing and the reply is 0.
fn push_generic(ctx: &mut Ctx, argv: &[Arg], end: End, only_existing: bool) {
    let fill = ctx.config.list_max_listpack_size;
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let len = match write(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(Some(l)) => {
            for v in &argv[2..] {
                l.push(end, v, fill);
            }
            l.len()
        }
        Ok(None) if only_existing => return out.int(0),
        Ok(None) => {
            let mut l = List::new();
            for v in &argv[2..] {
                l.push(end, v, fill);
            }
            let len = l.len();
            db.set(key, Value::List(Box::new(l)), now);
            len
        }
    };
    out.int(len as i64);
    ctx.dirty += argv.len() as u64 - 2;
    ctx.notify(notify::LIST, push_event(end), key);
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx, argv: &[Arg]) {
    push_generic(ctx, argv, End::Head, false);
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx, argv: &[Arg]) {
    push_generic(ctx, argv, End::Tail, false);
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx, argv: &[Arg]) {
    push_generic(ctx, argv, End::Head, true);
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx, argv: &[Arg]) {
    push_generic(ctx, argv, End::Tail, true);
}

// ---------------------------------------------------------------------------
// Pops.
// ---------------------------------------------------------------------------

/// The body of LPOP/RPOP: one element as a bulk string, or with a count an
/// array (null array when the key is missing, empty array for count 0).
fn pop_generic(ctx: &mut Ctx, argv: &[Arg], end: End, name: &str) {
    if argv.len() > 3 {
        return ctx.out.error(&errors::arity(name));
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse::int(a).filter(|n| *n >= 0) {
            Some(n) => Some(n as usize),
            None => return ctx.out.error("ERR value is out of range, must be positive"),
        },
    };
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let l = match write(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) if count.is_some() => return out.null_array(),
        Ok(None) => return out.null(),
        Ok(Some(l)) => l,
    };
    let removed = match count {
        Some(0) => return out.array(0),
        Some(n) => pop_range(out, l, end, n),
        None => {
            l.pop_with(end, |e| reply_elem(out, e))
                .expect("stored lists are never empty");
            1
        }
    };
    let emptied = l.is_empty();
    elements_removed(ctx, key, end, removed, emptied);
}

/// LPOP key [count]
fn lpop(ctx: &mut Ctx, argv: &[Arg]) {
    pop_generic(ctx, argv, End::Head, "lpop");
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx, argv: &[Arg]) {
    pop_generic(ctx, argv, End::Tail, "rpop");
}

/// Pops one element from the first non-empty list among `keys`, replying
/// `[key, element]`. Returns false when every key is missing; an error reply
/// (WRONGTYPE on a key reached before a non-empty list) counts as served.
fn pop_first(ctx: &mut Ctx, keys: &[Arg], end: End) -> bool {
    for key in keys {
        let (db, out, now) = parts(ctx);
        match write(db, key, now) {
            Err(WrongType) => {
                out.error(errors::WRONGTYPE);
                return true;
            }
            Ok(None) => continue,
            Ok(Some(l)) => {
                let v = l.pop(end).expect("stored lists are never empty");
                out.array(2);
                out.bulk(key);
                out.bulk(&v);
                let emptied = l.is_empty();
                elements_removed(ctx, key, end, 1, emptied);
                return true;
            }
        }
    }
    false
}

/// Pops up to `count` elements from the first non-empty list among `keys`,
/// replying `[key, [elements]]` (LMPOP's reply). Returns false when every
/// key is missing; a WRONGTYPE reply counts as served.
fn mpop_first(ctx: &mut Ctx, keys: &[Arg], end: End, count: usize) -> bool {
    for key in keys {
        let (db, out, now) = parts(ctx);
        match write(db, key, now) {
            Err(WrongType) => {
                out.error(errors::WRONGTYPE);
                return true;
            }
            Ok(None) => continue,
            Ok(Some(l)) => {
                out.array(2);
                out.bulk(key);
                let n = pop_range(out, l, end, count);
                let emptied = l.is_empty();
                elements_removed(ctx, key, end, n, emptied);
                return true;
            }
        }
    }
    false
}

/// The parsed arguments of LMPOP and BLMPOP.
struct MpopArgs {
    first_key: usize,
    numkeys: usize,
    end: End,
    count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// `numkeys_idx`, in Redis's order and with its errors.
fn parse_mpop(argv: &[Arg], numkeys_idx: usize) -> Result<MpopArgs, &'static str> {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = parse::int(&argv[numkeys_idx])
        .filter(|n| *n >= 1)
        .ok_or(NUMKEYS)? as u64;
    let where_idx = (numkeys_idx as u64 + 1).saturating_add(numkeys);
    if where_idx >= argv.len() as u64 {
        return Err(errors::SYNTAX);
    }
    let where_idx = where_idx as usize;
    let end = parse_end(&argv[where_idx]).ok_or(errors::SYNTAX)?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if count.is_none() && parse::is(&argv[j], "count") && more > 0 {
            j += 1;
            let n = parse::int(&argv[j])
                .filter(|n| *n >= 1)
                .ok_or("ERR count should be greater than 0")?;
            count = Some(n as usize);
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(MpopArgs {
        first_key: numkeys_idx + 1,
        numkeys: numkeys as usize,
        end,
        count: count.unwrap_or(1),
    })
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx, argv: &[Arg]) {
    let a = match parse_mpop(argv, 1) {
        Ok(a) => a,
        Err(e) => return ctx.out.error(e),
    };
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    if !mpop_first(ctx, keys, a.end, a.count) {
        ctx.out.null_array();
    }
}

// ---------------------------------------------------------------------------
// Reads.
// ---------------------------------------------------------------------------

/// LLEN key
fn llen(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(WrongType) => out.error(errors::WRONGTYPE),
        Ok(None) => out.int(0),
        Ok(Some(l)) => out.int(l.len() as i64),
    }
}

/// LINDEX key index
fn lindex(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    let l = match read(db, &argv[1], now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.null(),
        Ok(Some(l)) => l,
    };
    let index = match parse::int(&argv[2]) {
        Some(i) => i,
        None => return out.error(errors::NOT_INT),
    };
    match resolve_index(index, l.len()).and_then(|i| l.get(i)) {
        Some(e) => reply_elem(out, e),
        None => out.null(),
    }
}

/// Clamps `start..=stop` (Redis's negative-from-the-end convention) to a
/// list of `len`: `None` when the range is empty.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut stop = if stop < 0 { len + stop } else { stop };
    if start < 0 {
        start = 0;
    }
    if start > stop || start >= len {
        return None;
    }
    if stop >= len {
        stop = len - 1;
    }
    Some((start as usize, stop as usize))
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    let (start, stop) = match (parse::int(&argv[2]), parse::int(&argv[3])) {
        (Some(a), Some(b)) => (a, b),
        _ => return out.error(errors::NOT_INT),
    };
    let l = match read(db, &argv[1], now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.array(0),
        Ok(Some(l)) => l,
    };
    match clamp_range(start, stop, l.len()) {
        None => out.array(0),
        Some((a, b)) => {
            out.array(b - a + 1);
            l.iter_from(a)
                .take(b - a + 1)
                .for_each(|e| reply_elem(out, e));
        }
    }
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx, argv: &[Arg]) {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j][..];
        if parse::is(opt, "rank") && more > 0 {
            j += 1;
            rank = match parse::int(&argv[j]) {
                Some(r) => r,
                None => return ctx.out.error(errors::NOT_INT),
            };
            if rank == 0 {
                return ctx.out.error(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                );
            }
        } else if parse::is(opt, "count") && more > 0 {
            j += 1;
            match parse::int(&argv[j]).filter(|n| *n >= 0) {
                Some(n) => count = Some(n),
                None => return ctx.out.error("ERR COUNT can't be negative"),
            }
        } else if parse::is(opt, "maxlen") && more > 0 {
            j += 1;
            match parse::int(&argv[j]).filter(|n| *n >= 0) {
                Some(n) => maxlen = n,
                None => return ctx.out.error("ERR MAXLEN can't be negative"),
            }
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        j += 1;
    }
    let (db, out, now) = parts(ctx);
    let l = match read(db, &argv[1], now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) if count.is_some() => return out.array(0),
        Ok(None) => return out.null(),
        Ok(Some(l)) => l,
    };
    // A negative rank searches from the tail. Redis negates it in C, so the
    // most negative rank stays negative and matches from the first hit; the
    // wrapping arithmetic below reproduces that.
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let needle = Needle::new(&argv[2]);
    let len = l.len() as i64;
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    let elems: Box<dyn Iterator<Item = Elem<'_>>> = if from_tail {
        Box::new(l.iter_rev())
    } else {
        Box::new(l.iter())
    };
    for (index, e) in elems.enumerate() {
        let index = index as i64;
        if maxlen != 0 && index >= maxlen {
            break;
        }
        if !e.matches(&needle) {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(if from_tail { len - index - 1 } else { index });
            match count {
                None => break,
                Some(c) => {
                    if c != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= c {
                        break;
                    }
                }
            }
        }
    }
    match count {
        Some(_) => {
            out.array(found.len());
            found.iter().for_each(|i| out.int(*i));
        }
        None => match found.first() {
            Some(i) => out.int(*i),
            None => out.null(),
        },
    }
}

// ---------------------------------------------------------------------------
// Changes in place.
// ---------------------------------------------------------------------------

/// LSET key index element
fn lset(ctx: &mut Ctx, argv: &[Arg]) {
    let fill = ctx.config.list_max_listpack_size;
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let l = match write(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.error(errors::NO_SUCH_KEY),
        Ok(Some(l)) => l,
    };
    let index = match parse::int(&argv[2]) {
        Some(i) => i,
        None => return out.error(errors::NOT_INT),
    };
    match resolve_index(index, l.len()) {
        None => out.error("ERR index out of range"),
        Some(i) => {
            l.set(i, &argv[3], fill);
            out.ok();
            ctx.notify(notify::LIST, "lset", key);
            ctx.dirty += 1;
        }
    }
}

/// LTRIM key start stop
fn ltrim(ctx: &mut Ctx, argv: &[Arg]) {
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let (start, stop) = match (parse::int(&argv[2]), parse::int(&argv[3])) {
        (Some(a), Some(b)) => (a, b),
        _ => return out.error(errors::NOT_INT),
    };
    let l = match write(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.ok(),
        Ok(Some(l)) => l,
    };
    let len = l.len();
    let trimmed = match clamp_range(start, stop, len) {
        None => {
            l.drain_end(End::Head, len);
            len
        }
        Some((a, b)) => {
            l.retain_range(a, b);
            len - (b - a + 1)
        }
    };
    out.ok();
    ctx.notify(notify::LIST, "ltrim", key);
    delete_if_empty(ctx, key);
    ctx.dirty += trimmed as u64;
}

/// LREM key count element
fn lrem(ctx: &mut Ctx, argv: &[Arg]) {
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let count = match parse::int(&argv[2]) {
        Some(c) => c,
        None => return out.error(errors::NOT_INT),
    };
    let l = match write(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.int(0),
        Ok(Some(l)) => l,
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = l.remove_matching(&Needle::new(&argv[3]), limit, count < 0);
    out.int(removed as i64);
    if removed > 0 {
        ctx.notify(notify::LIST, "lrem", key);
        ctx.dirty += removed as u64;
    }
    delete_if_empty(ctx, key);
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut Ctx, argv: &[Arg]) {
    let after = if parse::is(&argv[2], "after") {
        true
    } else if parse::is(&argv[2], "before") {
        false
    } else {
        return ctx.out.error(errors::SYNTAX);
    };
    let fill = ctx.config.list_max_listpack_size;
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let l = match write(db, key, now) {
        Err(WrongType) => return out.error(errors::WRONGTYPE),
        Ok(None) => return out.int(0),
        Ok(Some(l)) => l,
    };
    match l.position(&Needle::new(&argv[3])) {
        None => out.int(-1),
        Some(i) => {
            l.insert(i + after as usize, &argv[4], fill);
            out.int(l.len() as i64);
            ctx.notify(notify::LIST, "linsert", key);
            ctx.dirty += 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Moves.
// ---------------------------------------------------------------------------

/// Moves one element from an end of `src` to an end of `dst` (they may be
/// the same list) and replies with it. Returns false, with no reply, when
/// `src` is missing; WRONGTYPE on either key is replied and counts as done.
fn move_one(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> bool {
    let fill = ctx.config.list_max_listpack_size;
    let (db, out, now) = parts(ctx);
    match write(db, src, now) {
        Err(WrongType) => {
            out.error(errors::WRONGTYPE);
            return true;
        }
        Ok(None) => return false,
        Ok(Some(_)) => {}
    }
    if write(db, dst, now).is_err() {
        out.error(errors::WRONGTYPE);
        return true;
    }
    let value = match write(db, src, now) {
        Ok(Some(l)) => l.pop(from).expect("stored lists are never empty"),
        _ => unreachable!("the source was checked to be a list above"),
    };
    // When source and destination are the same key the list may be empty
    // for a moment here; it is still stored, so the push lands in it.
    match write(db, dst, now) {
        Ok(Some(l)) => l.push(to, &value, fill),
        _ => {
            let mut l = List::new();
            l.push(to, &value, fill);
            db.set(dst, Value::List(Box::new(l)), now);
        }
    }
    out.bulk(&value);
    ctx.notify(notify::LIST, push_event(to), dst);
    ctx.notify(notify::LIST, pop_event(from), src);
    delete_if_empty(ctx, src);
    ctx.dirty += 1;
    true
}

/// RPOPLPUSH source destination
fn rpoplpush(ctx: &mut Ctx, argv: &[Arg]) {
    if !move_one(ctx, &argv[1], &argv[2], End::Tail, End::Head) {
        ctx.out.null();
    }
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx, argv: &[Arg]) {
    let (from, to) = match (parse_end(&argv[3]), parse_end(&argv[4])) {
        (Some(f), Some(t)) => (f, t),
        _ => return ctx.out.error(errors::SYNTAX),
    };
    if !move_one(ctx, &argv[1], &argv[2], from, to) {
        ctx.out.null();
    }
}

// ---------------------------------------------------------------------------
// Blocking forms.
// ---------------------------------------------------------------------------

/// The body of BLPOP/BRPOP: `key [key ...] timeout`.
fn bpop_generic(ctx: &mut Ctx, argv: &[Arg], end: End) {
    let last = argv.len() - 1;
    let timeout = match parse_timeout(&argv[last]) {
        Ok(t) => t,
        Err(e) => return ctx.out.error(e),
    };
    if !pop_first(ctx, &argv[1..last], end) {
        block_or_reply(ctx, timeout, true);
    }
}

/// BLPOP key [key ...] timeout
fn blpop(ctx: &mut Ctx, argv: &[Arg]) {
    bpop_generic(ctx, argv, End::Head);
}

/// BRPOP key [key ...] timeout
fn brpop(ctx: &mut Ctx, argv: &[Arg]) {
    bpop_generic(ctx, argv, End::Tail);
}

/// The body of BRPOPLPUSH/BLMOVE once the arguments are parsed. As in Redis,
/// the destination's type is only checked when there is something to move.
fn bmove_generic(ctx: &mut Ctx, argv: &[Arg], from: End, to: End, timeout: Ms) {
    if !move_one(ctx, &argv[1], &argv[2], from, to) {
        block_or_reply(ctx, timeout, false);
    }
}

/// BRPOPLPUSH source destination timeout
fn brpoplpush(ctx: &mut Ctx, argv: &[Arg]) {
    match parse_timeout(&argv[3]) {
        Ok(t) => bmove_generic(ctx, argv, End::Tail, End::Head, t),
        Err(e) => ctx.out.error(e),
    }
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
fn blmove(ctx: &mut Ctx, argv: &[Arg]) {
    let (from, to) = match (parse_end(&argv[3]), parse_end(&argv[4])) {
        (Some(f), Some(t)) => (f, t),
        _ => return ctx.out.error(errors::SYNTAX),
    };
    match parse_timeout(&argv[5]) {
        Ok(t) => bmove_generic(ctx, argv, from, to, t),
        Err(e) => ctx.out.error(e),
    }
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn blmpop(ctx: &mut Ctx, argv: &[Arg]) {
    // Redis parses numkeys, the direction and COUNT before the timeout.
    let a = match parse_mpop(argv, 2) {
        Ok(a) => a,
        Err(e) => return ctx.out.error(e),
    };
    let timeout = match parse_timeout(&argv[1]) {
        Ok(t) => t,
        Err(e) => return ctx.out.error(e),
    };
    let keys = &argv[a.first_key..a.first_key + a.numkeys];
    if !mpop_first(ctx, keys, a.end, a.count) {
        block_or_reply(ctx, timeout, true);
    }
}

// ---------------------------------------------------------------------------
// Declarations.
// ---------------------------------------------------------------------------

const KEY: &[ArgSpec] = &[ArgSpec::key("key", 0)];
const KEY_ELEMENTS: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::string("element").multiple(),
];
const KEY_COUNT: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::integer("count").since("6.2.0").optional(),
];
const KEY_START_STOP: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::integer("start"),
    ArgSpec::integer("stop"),
];
const LEFT_RIGHT: &[ArgSpec] = &[
    ArgSpec::token("left", "LEFT"),
    ArgSpec::token("right", "RIGHT"),
];
const SRC_DST: &[ArgSpec] = &[ArgSpec::key("source", 0), ArgSpec::key("destination", 1)];
const LMOVE_ARGS: &[ArgSpec] = &[
    ArgSpec::key("source", 0),
    ArgSpec::key("destination", 1),
    ArgSpec::oneof("wherefrom", LEFT_RIGHT),
    ArgSpec::oneof("whereto", LEFT_RIGHT),
];
const MPOP_TAIL: [ArgSpec; 4] = [
    ArgSpec::integer("numkeys"),
    ArgSpec::key("key", 0).multiple(),
    ArgSpec::oneof("where", LEFT_RIGHT),
    ArgSpec::integer("count").with_token("COUNT").optional(),
];

const RW_INSERT: u32 = kflags::RW | kflags::INSERT;
const RW_ACCESS_DELETE: u32 = kflags::RW | kflags::ACCESS | kflags::DELETE;
const RO_ACCESS: u32 = kflags::RO | kflags::ACCESS;

/// Source then destination, as every move declares them.
const MOVE_KEYS: &[KeySpec] = &[
    KeySpec::single(1, RW_ACCESS_DELETE),
    KeySpec::single(2, RW_INSERT),
];

/// LMPOP-style keys: a count at `begin`, the keys right after it.
const fn mpop_keys(begin: i32) -> KeySpec {
    KeySpec {
        flags: RW_ACCESS_DELETE,
        begin: BeginSearch::Index(begin),
        find: FindKeys::Keynum {
            keynum_idx: 0,
            first_key: 1,
            key_step: 1,
        },
    }
}

/// BLPOP-style keys: every argument but the last (the timeout).
const BPOP_KEYS: &[KeySpec] = &[KeySpec {
    flags: RW_ACCESS_DELETE,
    begin: BeginSearch::Index(1),
    find: FindKeys::Range {
        last_key: -2,
        key_step: 1,
        limit: 0,
    },
}];
const BPOP_ARGS: &[ArgSpec] = &[
    ArgSpec::key("key", 0).multiple(),
    ArgSpec::double("timeout"),
];

/// The list group's defaults, filled in per command below.
const LIST: CommandSpec = CommandSpec {
    group: "list",
    complexity: "O(1)",
    ..CommandSpec::DEFAULT
};

const PUSH_COMPLEXITY: &str = "O(1) per element pushed.";
const ACL_WRITE_FAST: &[&str] = &["write", "list", "fast"];
const ACL_WRITE_SLOW: &[&str] = &["write", "list", "slow"];
const ACL_READ_SLOW: &[&str] = &["read", "list", "slow"];
const ACL_BLOCKING: &[&str] = &["write", "list", "slow", "blocking"];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "lpush",
        arity: -3,
        flags: WRITE | DENYOOM | FAST,
        acl: ACL_WRITE_FAST,
        keys: &[KeySpec::single(1, RW_INSERT)],
        args: KEY_ELEMENTS,
        summary: "Adds elements at the head of a list, creating it if needed; later arguments end up nearer the head.",
        since: "1.0.0",
        complexity: PUSH_COMPLEXITY,
        exec: Exec::Keys(lpush),
        ..LIST
    },
    CommandSpec {
        name: "rpush",
        arity: -3,
        flags: WRITE | DENYOOM | FAST,
        acl: ACL_WRITE_FAST,
        keys: &[KeySpec::single(1, RW_INSERT)],
        args: KEY_ELEMENTS,
        summary: "Adds elements at the tail of a list, creating it if needed.",
        since: "1.0.0",
        complexity: PUSH_COMPLEXITY,
        exec: Exec::Keys(rpush),
        ..LIST
    },
    CommandSpec {
        name: "lpushx",
        arity: -3,
        flags: WRITE | DENYOOM | FAST,
        acl: ACL_WRITE_FAST,
        keys: &[KeySpec::single(1, RW_INSERT)],
        args: KEY_ELEMENTS,
        summary: "Adds elements at the head of a list only if the list already exists.",
        since: "2.2.0",
        complexity: PUSH_COMPLEXITY,
        exec: Exec::Keys(lpushx),
        ..LIST
    },
    CommandSpec {
        name: "rpushx",
        arity: -3,
        flags: WRITE | DENYOOM | FAST,
        acl: ACL_WRITE_FAST,
        keys: &[KeySpec::single(1, RW_INSERT)],
        args: KEY_ELEMENTS,
        summary: "Adds elements at the tail of a list only if the list already exists.",
        since: "2.2.0",
        complexity: PUSH_COMPLEXITY,
        exec: Exec::Keys(rpushx),
        ..LIST
    },
    CommandSpec {
        name: "lpop",
        arity: -2,
        flags: WRITE | FAST,
        acl: ACL_WRITE_FAST,
        keys: &[KeySpec::single(1, RW_ACCESS_DELETE)],
        args: KEY_COUNT,
        summary: "Removes and returns the first element of a list, or the first few with a count.",
        since: "1.0.0",
        complexity: "O(N) in the number of elements returned.",
        exec: Exec::Keys(lpop),
        ..LIST
    },
    CommandSpec {
        name: "rpop",
        arity: -2,
        flags: WRITE | FAST,
        acl: ACL_WRITE_FAST,
        keys: &[KeySpec::single(1, RW_ACCESS_DELETE)],
        args: KEY_COUNT,
        summary: "Removes and returns the last element of a list, or the last few with a count.",
        since: "1.0.0",
        complexity: "O(N) in the number of elements returned.",
        exec: Exec::Keys(rpop),
        ..LIST
    },
    CommandSpec {
        name: "llen",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["read", "list", "fast"],
        keys: &[KeySpec::single(1, kflags::RO)],
        args: KEY,
        summary: "Returns the number of elements in a list (0 for a missing key).",
        since: "1.0.0",
        exec: Exec::Keys(llen),
        ..LIST
    },
    CommandSpec {
        name: "lindex",
        arity: 3,
        flags: READONLY,
        acl: ACL_READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[ArgSpec::key("key", 0), ArgSpec::integer("index")],
        summary: "Returns the element at an index of a list; negative indexes count from the tail.",
        since: "1.0.0",
        complexity: "O(N) in the distance from the nearer end of the list.",
        exec: Exec::Keys(lindex),
        ..LIST
    },
    CommandSpec {
        name: "lset",
        arity: 4,
        flags: WRITE | DENYOOM,
        acl: ACL_WRITE_SLOW,
        keys: &[KeySpec::single(1, kflags::RW | kflags::UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("index"),
            ArgSpec::string("element"),
        ],
        summary: "Replaces the element at an index of a list.",
        since: "1.0.0",
        complexity: "O(N) in the distance from the nearer end of the list.",
        exec: Exec::Keys(lset),
        ..LIST
    },
    CommandSpec {
        name: "lrange",
        arity: 4,
        flags: READONLY,
        acl: ACL_READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_START_STOP,
        summary: "Returns the elements between two indexes of a list, both included.",
        since: "1.0.0",
        complexity: "O(S+N): S to reach the start from the nearer end, N elements returned.",
        exec: Exec::Keys(lrange),
        ..LIST
    },
    CommandSpec {
        name: "ltrim",
        arity: 4,
        flags: WRITE,
        acl: ACL_WRITE_SLOW,
        keys: &[KeySpec::single(1, kflags::RW | kflags::DELETE)],
        args: KEY_START_STOP,
        summary: "Keeps only the elements between two indexes of a list, deleting the rest.",
        since: "1.0.0",
        complexity: "O(N) in the number of elements removed.",
        exec: Exec::Keys(ltrim),
        ..LIST
    },
    CommandSpec {
        name: "lrem",
        arity: 4,
        flags: WRITE,
        acl: ACL_WRITE_SLOW,
        keys: &[KeySpec::single(1, kflags::RW | kflags::DELETE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("count"),
            ArgSpec::string("element"),
        ],
        summary: "Removes elements equal to a value: count from the head, -count from the tail, or all for 0.",
        since: "1.0.0",
        complexity: "O(N+M): N the list length, M the elements removed.",
        exec: Exec::Keys(lrem),
        ..LIST
    },
    CommandSpec {
        name: "linsert",
        arity: 5,
        flags: WRITE | DENYOOM,
        acl: ACL_WRITE_SLOW,
        keys: &[KeySpec::single(1, RW_INSERT)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::oneof(
                "where",
                &[
                    ArgSpec::token("before", "BEFORE"),
                    ArgSpec::token("after", "AFTER"),
                ],
            ),
            ArgSpec::string("pivot"),
            ArgSpec::string("element"),
        ],
        summary: "Inserts an element before or after the first occurrence of a pivot value.",
        since: "2.2.0",
        complexity: "O(N) in the elements passed before the pivot is found.",
        exec: Exec::Keys(linsert),
        ..LIST
    },
    CommandSpec {
        name: "lpos",
        arity: -3,
        flags: READONLY,
        acl: ACL_READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("element"),
            ArgSpec::integer("rank").with_token("RANK").optional(),
            ArgSpec::integer("num-matches").with_token("COUNT").optional(),
            ArgSpec::integer("len").with_token("MAXLEN").optional(),
        ],
        summary: "Finds the indexes of elements equal to a value, from either end, optionally several.",
        since: "6.0.6",
        complexity: "O(N) in the elements scanned (bounded by MAXLEN).",
        exec: Exec::Keys(lpos),
        ..LIST
    },
    CommandSpec {
        name: "rpoplpush",
        arity: 3,
        flags: WRITE | DENYOOM,
        acl: ACL_WRITE_SLOW,
        keys: MOVE_KEYS,
        args: SRC_DST,
        summary: "Moves the last element of a list to the head of another (superseded by LMOVE).",
        since: "1.2.0",
        exec: Exec::Keys(rpoplpush),
        ..LIST
    },
    CommandSpec {
        name: "lmove",
        arity: 5,
        flags: WRITE | DENYOOM,
        acl: ACL_WRITE_SLOW,
        keys: MOVE_KEYS,
        args: LMOVE_ARGS,
        summary: "Moves an element from either end of a list to either end of another (or the same) list.",
        since: "6.2.0",
        exec: Exec::Keys(lmove),
        ..LIST
    },
    CommandSpec {
        name: "lmpop",
        arity: -4,
        flags: WRITE,
        acl: ACL_WRITE_SLOW,
        keys: &[mpop_keys(1)],
        args: &MPOP_TAIL,
        summary: "Pops one or more elements from the first non-empty list among the keys given.",
        since: "7.0.0",
        complexity: "O(N+M): N keys given, M elements returned.",
        exec: Exec::Keys(lmpop),
        ..LIST
    },
    CommandSpec {
        name: "blpop",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING,
        acl: ACL_BLOCKING,
        keys: BPOP_KEYS,
        args: BPOP_ARGS,
        summary: "Pops the first element of the first non-empty list among the keys, waiting for one if all are empty.",
        since: "2.0.0",
        complexity: "O(N) in the number of keys.",
        exec: Exec::Keys(blpop),
        ..LIST
    },
    CommandSpec {
        name: "brpop",
        arity: -3,
        flags: WRITE | NOSCRIPT | BLOCKING,
        acl: ACL_BLOCKING,
        keys: BPOP_KEYS,
        args: BPOP_ARGS,
        summary: "Pops the last element of the first non-empty list among the keys, waiting for one if all are empty.",
        since: "2.0.0",
        complexity: "O(N) in the number of keys.",
        exec: Exec::Keys(brpop),
        ..LIST
    },
    CommandSpec {
        name: "brpoplpush",
        arity: 4,
        flags: WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        acl: ACL_BLOCKING,
        keys: MOVE_KEYS,
        args: &[
            ArgSpec::key("source", 0),
            ArgSpec::key("destination", 1),
            ArgSpec::double("timeout"),
        ],
        summary: "Like RPOPLPUSH, but waits for the source to get an element (superseded by BLMOVE).",
        since: "2.2.0",
        exec: Exec::Keys(brpoplpush),
        ..LIST
    },
    CommandSpec {
        name: "blmove",
        arity: 6,
        flags: WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        acl: ACL_BLOCKING,
        keys: MOVE_KEYS,
        args: &[
            ArgSpec::key("source", 0),
            ArgSpec::key("destination", 1),
            ArgSpec::oneof("wherefrom", LEFT_RIGHT),
            ArgSpec::oneof("whereto", LEFT_RIGHT),
            ArgSpec::double("timeout"),
        ],
        summary: "Like LMOVE, but waits for the source to get an element.",
        since: "6.2.0",
        exec: Exec::Keys(blmove),
        ..LIST
    },
    CommandSpec {
        name: "blmpop",
        arity: -5,
        flags: WRITE | BLOCKING,
        acl: ACL_BLOCKING,
        keys: &[mpop_keys(2)],
        args: &[
            ArgSpec::double("timeout"),
            MPOP_TAIL[0],
            MPOP_TAIL[1],
            MPOP_TAIL[2],
            MPOP_TAIL[3],
        ],
        summary: "Like LMPOP, but waits for one of the lists to get elements.",
        since: "7.0.0",
        complexity: "O(N+M): N keys given, M elements returned.",
        exec: Exec::Keys(blmpop),
        ..LIST
    },
];
