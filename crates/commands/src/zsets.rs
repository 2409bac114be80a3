//! Sorted-set commands (ZADD ... ZSCAN, the ZUNION/ZINTER/ZDIFF family and
//! the blocking pops) over `tessera_storage::ZSet`. Handlers touch only the
//! keyspace in their `Ctx`; they never reach another shard, and they leave
//! encodings to the storage type (thresholds come from `ctx.config`).
//!
//! Replies follow Redis 7.0.15 byte for byte, including error order: every
//! argument error that Redis detects before looking the key up is detected
//! here before the lookup too.

mod bounds;
mod decl;
#[cfg(test)]
mod tests;

pub use decl::COMMANDS;

use crate::strings::parts;
use crate::{errors, notify, parse, Ctx};
use bounds::{LexRange, ScoreRange};
use rand::Rng;
use tessera_config::Config;
use tessera_resp::Arg;
use tessera_resp::{format_double, Out};
use tessera_storage::glob::glob_match;
use tessera_storage::zset::{Limits, Upsert};
use tessera_storage::{Db, Ms, Value, ZSet};

const NAN_SCORE: &str = "ERR resulting score is not a number (NaN)";

/// The conversion thresholds from the configuration.
fn limits(config: &Config) -> Limits {
    Limits {
        entries: usize::try_from(config.zset_max_listpack_entries).unwrap_or(usize::MAX),
        value: usize::try_from(config.zset_max_listpack_value).unwrap_or(usize::MAX),
    }
}

/// The sorted set at `key` for reading (counts a hit or miss). `Err` when
/// the key holds another type.
fn read<'a>(db: &'a mut Db, key: &[u8], now: Ms) -> Result<Option<&'a ZSet>, ()> {
    match db.get(key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(()),
    }
}

/// The sorted set at `key` for writing. `Err` when the key holds another type.
fn write<'a>(db: &'a mut Db, key: &[u8], now: Ms) -> Result<Option<&'a mut ZSet>, ()> {
    match db.get_mut(key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(()),
    }
}

/// Deletes `key` if its sorted set became empty, raising `del` as Redis does.
fn delete_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let now = ctx.now;
    let empty = matches!(ctx.db().peek(key, now), Some(Value::ZSet(z)) if z.is_empty());
    if empty {
        ctx.db().delete(key, now);
        ctx.notify(notify::GENERIC, "del", key);
    }
}

/// Replies with members, and their scores when `withscores`: a flat array
/// in RESP2, an array of `[member, double]` pairs in RESP3.
fn reply_elements<'m>(
    out: &mut Out,
    items: impl ExactSizeIterator<Item = (&'m [u8], f64)>,
    withscores: bool,
) {
    let n = items.len();
    if withscores && !out.is_resp3() {
        out.array(2 * n);
    } else {
        out.array(n);
    }
    for (m, s) in items {
        if withscores && out.is_resp3() {
            out.array(2);
        }
        out.bulk(m);
        if withscores {
            out.double(s);
        }
    }
}

/// Replies with pairs as ZMPOP does: `[member, score]` arrays in both protocols.
fn reply_pairs(out: &mut Out, items: &[(Vec<u8>, f64)]) {
    out.array(items.len());
    for (m, s) in items {
        out.array(2);
        out.bulk(m);
        out.double(*s);
    }
}

// ---------------------------------------------------------------------------
// ZADD and ZINCRBY.
// ---------------------------------------------------------------------------

/// ZADD's flags.
#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
fn zadd(ctx: &mut Ctx, argv: &[Arg]) {
    let mut f = AddFlags::default();
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i][..];
        if parse::is(a, "nx") {
            f.nx = true;
        } else if parse::is(a, "xx") {
            f.xx = true;
        } else if parse::is(a, "gt") {
            f.gt = true;
        } else if parse::is(a, "lt") {
            f.lt = true;
        } else if parse::is(a, "ch") {
            f.ch = true;
        } else if parse::is(a, "incr") {
            f.incr = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = argv.len() - i;
    if elements == 0 || !elements.is_multiple_of(2) {
        return ctx.out.error(errors::SYNTAX);
    }
    if f.nx && f.xx {
        return ctx
            .out
            .error("ERR XX and NX options at the same time are not compatible");
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return ctx
            .out
            .error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && elements > 2 {
        return ctx
            .out
            .error("ERR INCR option supports a single increment-element pair");
    }
    // One pair (the usual ZADD) is parsed onto the stack: no Vec per call.
    if elements == 2 {
        let Some(s) = bounds::score(&argv[i]) else {
            return ctx.out.error(errors::NOT_FLOAT);
        };
        return add_generic(ctx, &argv[1], &[(s, &argv[i + 1][..])], f);
    }
    let mut pairs = Vec::with_capacity(elements / 2);
    for p in argv[i..].chunks(2) {
        match bounds::score(&p[0]) {
            Some(s) => pairs.push((s, &p[1][..])),
            None => return ctx.out.error(errors::NOT_FLOAT),
        }
    }
    add_generic(ctx, &argv[1], &pairs, f);
}

/// ZINCRBY key increment member
fn zincrby(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(incr) = bounds::score(&argv[2]) else {
        return ctx.out.error(errors::NOT_FLOAT);
    };
    let f = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    add_generic(ctx, &argv[1], &[(incr, &argv[3][..])], f);
}

/// What ZADD's pairs did to a sorted set.
#[derive(Default)]
struct AddOutcome {
    added: i64,
    updated: i64,
    processed: usize,
    /// The last score written (ZADD INCR's reply).
    last: f64,
    /// An increment made a NaN score; the pairs after it were not applied.
    nan: bool,
}

/// The body of ZADD and ZINCRBY once the arguments are parsed.
fn add_generic(ctx: &mut Ctx, key: &[u8], pairs: &[(f64, &[u8])], f: AddFlags) {
    let lim = limits(ctx.config);
    let (db, out, now) = parts(ctx);
    // One lookup of the key: an existing set is updated in place, a new one
    // is filled before it goes into the keyspace.
    let o = match write(db, key, now) {
        Err(()) => return out.error(errors::WRONGTYPE),
        Ok(Some(z)) => apply_pairs(z, pairs, f, lim),
        Ok(None) => {
            if f.xx {
                if f.incr {
                    out.null();
                } else {
                    out.int(0);
                }
                return;
            }
            let longest = pairs.iter().map(|p| p.1.len()).max().unwrap_or(0);
            let mut z = ZSet::with_hints(pairs.len(), longest, lim);
            let o = apply_pairs(&mut z, pairs, f, lim);
            db.set(key, Value::ZSet(z), now);
            o
        }
    };
    if o.nan {
        out.error(NAN_SCORE);
    } else if f.incr {
        if o.processed > 0 {
            out.double(o.last);
        } else {
            out.null();
        }
    } else {
        out.int(if f.ch { o.added + o.updated } else { o.added });
    }
    if o.added + o.updated > 0 {
        ctx.dirty += (o.added + o.updated) as u64;
        ctx.notify(notify::ZSET, if f.incr { "zincr" } else { "zadd" }, key);
    }
}

/// Applies ZADD's pairs to `z` under the flags `f`.
fn apply_pairs(z: &mut ZSet, pairs: &[(f64, &[u8])], f: AddFlags, lim: Limits) -> AddOutcome {
    let mut o = AddOutcome::default();
    let plain = !(f.nx || f.xx || f.gt || f.lt || f.incr);
    for &(score, member) in pairs {
        if plain {
            // Without conditions the old score decides nothing beforehand,
            // so one upsert (one member lookup) does the whole job.
            match z.upsert(member, score, lim) {
                Upsert::Added => o.added += 1,
                Upsert::Updated(old) if old != score => o.updated += 1,
                Upsert::Updated(_) => {}
            }
            continue;
        }
        match z.score(member) {
            Some(old) => {
                if f.nx {
                    continue;
                }
                let new = if f.incr { old + score } else { score };
                if new.is_nan() {
                    o.nan = true;
                    break;
                }
                if (f.lt && new >= old) || (f.gt && new <= old) {
                    continue;
                }
                o.last = new;
                o.processed += 1;
                if new != old {
                    z.upsert(member, new, lim);
                    o.updated += 1;
                }
            }
            None => {
                if f.xx {
                    continue;
                }
                z.upsert(member, score, lim);
                o.last = score;
                o.added += 1;
                o.processed += 1;
            }
        }
    }
    o
}

// ---------------------------------------------------------------------------
// Single-member reads and ZREM.
// ---------------------------------------------------------------------------

/// ZCARD key
fn zcard(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(()) => out.error(errors::WRONGTYPE),
        Ok(z) => out.int(z.map_or(0, |z| z.len() as i64)),
    }
}

/// ZSCORE key member
fn zscore(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(()) => out.error(errors::WRONGTYPE),
        Ok(z) => match z.and_then(|z| z.score(&argv[2])) {
            Some(s) => out.double(s),
            None => out.null(),
        },
    }
}

/// ZMSCORE key member [member ...]
fn zmscore(ctx: &mut Ctx, argv: &[Arg]) {
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(()) => out.error(errors::WRONGTYPE),
        Ok(z) => {
            out.array(argv.len() - 2);
            for m in &argv[2..] {
                match z.and_then(|z| z.score(m)) {
                    Some(s) => out.double(s),
                    None => out.null(),
                }
            }
        }
    }
}

/// ZRANK key member / ZREVRANK key member
fn rank_generic(ctx: &mut Ctx, argv: &[Arg], rev: bool) {
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(()) => out.error(errors::WRONGTYPE),
        Ok(z) => match z.and_then(|z| z.rank(&argv[2]).map(|r| (r, z.len()))) {
            Some((r, len)) => out.int(if rev { len - 1 - r } else { r } as i64),
            None => out.null(),
        },
    }
}

/// ZRANK key member
fn zrank(ctx: &mut Ctx, argv: &[Arg]) {
    rank_generic(ctx, argv, false);
}

/// ZREVRANK key member
fn zrevrank(ctx: &mut Ctx, argv: &[Arg]) {
    rank_generic(ctx, argv, true);
}

/// ZREM key member [member ...]
fn zrem(ctx: &mut Ctx, argv: &[Arg]) {
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let removed = match write(db, key, now) {
        Err(()) => return out.error(errors::WRONGTYPE),
        Ok(None) => 0,
        Ok(Some(z)) => argv[2..].iter().filter(|m| z.remove(m).is_some()).count(),
    };
    out.int(removed as i64);
    if removed > 0 {
        ctx.dirty += removed as u64;
        ctx.notify(notify::ZSET, "zrem", key);
        delete_if_empty(ctx, key);
    }
}

// ---------------------------------------------------------------------------
// Counting and ranges.
// ---------------------------------------------------------------------------

/// The ascending-rank span `[lo, hi)` of a score range.
fn score_span(z: &ZSet, r: &ScoreRange) -> (usize, usize) {
    let lo = z.count_before(|s, _| r.below_min(s));
    let hi = z.count_before(|s, _| r.within_max(s));
    (lo, hi.max(lo))
}

/// The ascending-rank span `[lo, hi)` of a lexicographical range.
fn lex_span(z: &ZSet, r: &LexRange) -> (usize, usize) {
    let lo = z.count_before(|_, m| r.below_min(m));
    let hi = z.count_before(|_, m| r.within_max(m));
    (lo, hi.max(lo))
}

/// ZCOUNT key min max
fn zcount(ctx: &mut Ctx, argv: &[Arg]) {
    let range = match bounds::score_range(&argv[2], &argv[3]) {
        Ok(r) => r,
        Err(e) => return ctx.out.error(e),
    };
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(()) => out.error(errors::WRONGTYPE),
        Ok(None) => out.int(0),
        Ok(Some(z)) => {
            let (lo, hi) = score_span(z, &range);
            out.int((hi - lo) as i64);
        }
    }
}

/// ZLEXCOUNT key min max
fn zlexcount(ctx: &mut Ctx, argv: &[Arg]) {
    let range = match bounds::lex_range(&argv[2], &argv[3]) {
        Ok(r) => r,
        Err(e) => return ctx.out.error(e),
    };
    let (db, out, now) = parts(ctx);
    match read(db, &argv[1], now) {
        Err(()) => out.error(errors::WRONGTYPE),
        Ok(None) => out.int(0),
        Ok(Some(z)) => {
            let (lo, hi) = lex_span(z, &range);
            out.int((hi - lo) as i64);
        }
    }
}

/// Which elements a range command selects.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Rank,
    Score,
    Lex,
}

/// A parsed range request (ZRANGE's step 1 and 2).
enum Range<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// Clamps Redis-style rank arguments (negative from the end) to `[lo, hi)`.
fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (start + len).max(0)
    } else {
        start
    };
    let end = if end < 0 { end + len } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize + 1))
}

/// The elements a range selects, walked in reply order without collecting
/// them, so a ZRANGE reply is encoded straight from the set.
struct Selection<'z> {
    iter: tessera_storage::zset::Iter<'z>,
    left: usize,
}

impl<'z> Iterator for Selection<'z> {
    type Item = (&'z [u8], f64);

    fn next(&mut self) -> Option<(&'z [u8], f64)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.iter.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Selection<'_> {}

/// The elements a range selects, in reply order.
fn select<'z>(z: &'z ZSet, range: &Range, rev: bool, limit: Option<(i64, i64)>) -> Selection<'z> {
    let take = |from: usize, rev: bool, n: usize| Selection {
        iter: z.iter_from(from, rev),
        left: n,
    };
    let none = || take(0, false, 0);
    let (lo, hi) = match range {
        Range::Rank(start, end) => {
            // Reverse ranks count from the top.
            let Some((a, b)) = rank_span(*start, *end, z.len()) else {
                return none();
            };
            if rev {
                return take(z.len() - 1 - a, true, b - a);
            }
            return take(a, false, b - a);
        }
        Range::Score(r) => score_span(z, r),
        Range::Lex(r) => lex_span(z, r),
    };
    let (offset, count) = limit.unwrap_or((0, -1));
    if offset < 0 || lo >= hi {
        return none();
    }
    let avail = hi - lo;
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    if offset >= avail {
        return none();
    }
    let n = if count < 0 {
        avail - offset
    } else {
        (avail - offset).min(usize::try_from(count).unwrap_or(usize::MAX))
    };
    if rev {
        take(hi - 1 - offset, true, n)
    } else {
        take(lo + offset, false, n)
    }
}

/// The shared body of ZRANGE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX
/// and ZRANGESTORE (Redis's `zrangeGenericCommand`). `kind` and `rev` are
/// `None` when the options choose them (ZRANGE, ZRANGESTORE); `store` is
/// the destination of ZRANGESTORE.
fn range_generic(
    ctx: &mut Ctx,
    argv: &[Arg],
    key_idx: usize,
    kind: Option<RangeKind>,
    rev: Option<bool>,
    store: Option<&[u8]>,
) {
    let (mut kind_opt, mut rev_opt) = (kind, rev);
    let fixed_kind = kind.is_some();
    let fixed_rev = rev.is_some();
    let mut withscores = false;
    let mut limit = None;
    let mut j = key_idx + 3;
    while j < argv.len() {
        let a = &argv[j][..];
        let left = argv.len() - j - 1;
        if store.is_none() && parse::is(a, "withscores") {
            withscores = true;
        } else if parse::is(a, "limit") && left >= 2 {
            let offset = parse::int(&argv[j + 1]);
            let count = parse::int(&argv[j + 2]);
            match (offset, count) {
                (Some(o), Some(c)) => limit = Some((o, c)),
                _ => return ctx.out.error(errors::NOT_INT),
            }
            j += 2;
        } else if !fixed_rev && rev_opt.is_none() && parse::is(a, "rev") {
            rev_opt = Some(true);
        } else if !fixed_kind && kind_opt.is_none() && parse::is(a, "bylex") {
            kind_opt = Some(RangeKind::Lex);
        } else if !fixed_kind && kind_opt.is_none() && parse::is(a, "byscore") {
            kind_opt = Some(RangeKind::Score);
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        j += 1;
    }
    let kind = kind_opt.unwrap_or(RangeKind::Rank);
    let rev = rev_opt.unwrap_or(false);
    // Redis 7.0 refuses LIMIT with an index range only when its count is not
    // -1: a count of -1 (any offset) is accepted and then ignored, which
    // `select` does for rank ranges.
    if limit.is_some_and(|(_, count)| count != -1) && kind == RangeKind::Rank {
        return ctx.out.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && kind == RangeKind::Lex {
        return ctx
            .out
            .error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let (mut min, mut max) = (&argv[key_idx + 1][..], &argv[key_idx + 2][..]);
    if rev && kind != RangeKind::Rank {
        // Reverse score and lex ranges are written max first.
        std::mem::swap(&mut min, &mut max);
    }
    let range = match kind {
        RangeKind::Rank => match (parse::int(min), parse::int(max)) {
            (Some(a), Some(b)) => Range::Rank(a, b),
            _ => return ctx.out.error(errors::NOT_INT),
        },
        RangeKind::Score => match bounds::score_range(min, max) {
            Ok(r) => Range::Score(r),
            Err(e) => return ctx.out.error(e),
        },
        RangeKind::Lex => match bounds::lex_range(min, max) {
            Ok(r) => Range::Lex(r),
            Err(e) => return ctx.out.error(e),
        },
    };
    let key = &argv[key_idx][..];
    let lim = limits(ctx.config);
    let (db, out, now) = parts(ctx);
    let src = match read(db, key, now) {
        Err(()) => return out.error(errors::WRONGTYPE),
        Ok(z) => z,
    };
    let Some(dst) = store else {
        match src {
            None => out.array(0),
            Some(z) => {
                let items = select(z, &range, rev, limit);
                reply_elements(out, items, withscores);
            }
        }
        return;
    };
    let result = src.map(|z| {
        let items: Vec<_> = select(z, &range, rev, limit).collect();
        let longest = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let mut d = ZSet::with_hints(items.len(), longest, lim);
        for (m, s) in items {
            d.upsert(m, s, lim);
        }
        d
    });
    store_result(ctx, dst, result, "zrangestore");
}

/// Stores a computed set at `dst` (or deletes `dst` when it is empty) and
/// replies with its size, as the STORE commands do.
fn store_result(ctx: &mut Ctx, dst: &[u8], result: Option<ZSet>, event: &'static str) {
    let now = ctx.now;
    match result.filter(|z| !z.is_empty()) {
        Some(z) => {
            let n = z.len();
            ctx.db().set(dst, Value::ZSet(z), now);
            ctx.out.int(n as i64);
            ctx.notify(notify::ZSET, event, dst);
            ctx.dirty += 1;
        }
        None => {
            ctx.out.int(0);
            if ctx.db().delete(dst, now) {
                ctx.notify(notify::GENERIC, "del", dst);
                ctx.dirty += 1;
            }
        }
    }
}

/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
fn zrange(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 1, None, None, None);
}

/// ZREVRANGE key start stop [WITHSCORES]
fn zrevrange(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 1, Some(RangeKind::Rank), Some(true), None);
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
fn zrangebyscore(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 1, Some(RangeKind::Score), Some(false), None);
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
fn zrevrangebyscore(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 1, Some(RangeKind::Score), Some(true), None);
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
fn zrangebylex(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 1, Some(RangeKind::Lex), Some(false), None);
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
fn zrevrangebylex(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 1, Some(RangeKind::Lex), Some(true), None);
}

/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
fn zrangestore(ctx: &mut Ctx, argv: &[Arg]) {
    range_generic(ctx, argv, 2, None, None, Some(&argv[1][..]));
}

/// The shared body of ZREMRANGEBYRANK/SCORE/LEX.
fn remrange_generic(ctx: &mut Ctx, argv: &[Arg], kind: RangeKind) {
    let (min, max) = (&argv[2][..], &argv[3][..]);
    let range = match kind {
        RangeKind::Rank => match (parse::int(min), parse::int(max)) {
            (Some(a), Some(b)) => Range::Rank(a, b),
            _ => return ctx.out.error(errors::NOT_INT),
        },
        RangeKind::Score => match bounds::score_range(min, max) {
            Ok(r) => Range::Score(r),
            Err(e) => return ctx.out.error(e),
        },
        RangeKind::Lex => match bounds::lex_range(min, max) {
            Ok(r) => Range::Lex(r),
            Err(e) => return ctx.out.error(e),
        },
    };
    let key = &argv[1][..];
    let (db, out, now) = parts(ctx);
    let removed = match write(db, key, now) {
        Err(()) => return out.error(errors::WRONGTYPE),
        Ok(None) => 0,
        Ok(Some(z)) => {
            let (lo, hi) = match &range {
                Range::Rank(a, b) => rank_span(*a, *b, z.len()).unwrap_or((0, 0)),
                Range::Score(r) => score_span(z, r),
                Range::Lex(r) => lex_span(z, r),
            };
            z.remove_range(lo, hi)
        }
    };
    out.int(removed as i64);
    if removed > 0 {
        let event = match kind {
            RangeKind::Rank => "zremrangebyrank",
            RangeKind::Score => "zremrangebyscore",
            RangeKind::Lex => "zremrangebylex",
        };
        ctx.dirty += removed as u64;
        ctx.notify(notify::ZSET, event, key);
        delete_if_empty(ctx, key);
    }
}

/// ZREMRANGEBYRANK key start stop
fn zremrangebyrank(ctx: &mut Ctx, argv: &[Arg]) {
    remrange_generic(ctx, argv, RangeKind::Rank);
}

/// ZREMRANGEBYSCORE key min max
fn zremrangebyscore(ctx: &mut Ctx, argv: &[Arg]) {
    remrange_generic(ctx, argv, RangeKind::Score);
}

/// ZREMRANGEBYLEX key min max
fn zremrangebylex(ctx: &mut Ctx, argv: &[Arg]) {
    remrange_generic(ctx, argv, RangeKind::Lex);
}

// ---------------------------------------------------------------------------
// Pops, blocking pops and ZRANDMEMBER.
// ---------------------------------------------------------------------------

/// Pops up to `count` elements from the sorted set at `key` (which must
/// exist and be a sorted set), raising the events and deleting an emptied key.
fn pop_from(ctx: &mut Ctx, key: &[u8], max: bool, count: usize) -> Vec<(Vec<u8>, f64)> {
    let now = ctx.now;
    let mut popped = Vec::new();
    if let Ok(Some(z)) = write(ctx.db(), key, now) {
        while popped.len() < count {
            match z.pop(max) {
                Some(e) => popped.push(e),
                None => break,
            }
        }
    }
    if !popped.is_empty() {
        ctx.dirty += popped.len() as u64;
        ctx.notify(notify::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
        delete_if_empty(ctx, key);
    }
    popped
}

/// The first of `keys` holding a sorted set (which is never empty), or
/// `Err` on the first one holding another type.
fn first_zset<'k>(ctx: &mut Ctx, keys: &'k [Arg<'_>]) -> Result<Option<&'k [u8]>, ()> {
    let now = ctx.now;
    for key in keys {
        match ctx.db().peek(key, now) {
            None => continue,
            Some(Value::ZSet(_)) => return Ok(Some(key)),
            Some(_) => return Err(()),
        }
    }
    Ok(None)
}

/// ZPOPMIN key [count] / ZPOPMAX key [count]
fn zpop_generic(ctx: &mut Ctx, argv: &[Arg], max: bool) {
    if argv.len() > 3 {
        return ctx.out.error(errors::SYNTAX);
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse::int(a) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return ctx.out.error("ERR value is out of range, must be positive"),
        },
    };
    // The key's type is checked before a count of 0 gives an empty reply.
    let key = match first_zset(ctx, &argv[1..2]) {
        Err(()) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.array(0),
        Ok(Some(_)) if count == Some(0) => return ctx.out.array(0),
        Ok(Some(k)) => k,
    };
    let popped = pop_from(ctx, key, max, count.unwrap_or(1));
    match count {
        // Without a count the reply is one flat pair in both protocols.
        None => {
            let (m, s) = &popped[0];
            ctx.out.array(2);
            ctx.out.bulk(m);
            ctx.out.double(*s);
        }
        Some(_) => reply_elements(ctx.out, popped.iter().map(|(m, s)| (&m[..], *s)), true),
    }
}

/// ZPOPMIN key [count]
fn zpopmin(ctx: &mut Ctx, argv: &[Arg]) {
    zpop_generic(ctx, argv, false);
}

/// ZPOPMAX key [count]
fn zpopmax(ctx: &mut Ctx, argv: &[Arg]) {
    zpop_generic(ctx, argv, true);
}

/// BZPOPMIN key [key ...] timeout / BZPOPMAX key [key ...] timeout
fn bzpop_generic(ctx: &mut Ctx, argv: &[Arg], max: bool) {
    let timeout = match bounds::timeout_ms(&argv[argv.len() - 1]) {
        Ok(t) => t,
        Err(e) => return ctx.out.error(e),
    };
    let keys = &argv[1..argv.len() - 1];
    match first_zset(ctx, keys) {
        Err(()) => ctx.out.error(errors::WRONGTYPE),
        Ok(Some(key)) => {
            let popped = pop_from(ctx, key, max, 1);
            let (m, s) = &popped[0];
            ctx.out.array(3);
            ctx.out.bulk(key);
            ctx.out.bulk(m);
            ctx.out.double(*s);
        }
        Ok(None) if ctx.may_block => ctx.block = Some(timeout),
        Ok(None) => ctx.out.null_array(),
    }
}

/// BZPOPMIN key [key ...] timeout
fn bzpopmin(ctx: &mut Ctx, argv: &[Arg]) {
    bzpop_generic(ctx, argv, false);
}

/// BZPOPMAX key [key ...] timeout
fn bzpopmax(ctx: &mut Ctx, argv: &[Arg]) {
    bzpop_generic(ctx, argv, true);
}

/// Parses `numkeys key [key ...] MIN | MAX [COUNT count]` from `argv[at..]`:
/// the keys, whether MAX, and the count.
fn parse_mpop<'a, 'f>(
    argv: &'a [Arg<'f>],
    at: usize,
) -> Result<(&'a [Arg<'f>], bool, usize), &'static str> {
    let numkeys = match parse::int(&argv[at]) {
        Some(n) if n > 0 => n as u64,
        _ => return Err("ERR numkeys should be greater than 0"),
    };
    let first = at + 1;
    if numkeys > (argv.len() - first) as u64 {
        return Err(errors::SYNTAX);
    }
    let where_idx = first + numkeys as usize;
    let Some(w) = argv.get(where_idx) else {
        return Err(errors::SYNTAX);
    };
    let max = if parse::is(w, "min") {
        false
    } else if parse::is(w, "max") {
        true
    } else {
        return Err(errors::SYNTAX);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && parse::is(&argv[j], "count") && j + 1 < argv.len() {
            match parse::int(&argv[j + 1]) {
                Some(n) if n > 0 => count = Some(n as usize),
                _ => return Err("ERR count should be greater than 0"),
            }
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok((&argv[first..where_idx], max, count.unwrap_or(1)))
}

/// The shared body of ZMPOP and BZMPOP; `timeout` is BZMPOP's argument.
fn mpop_generic(ctx: &mut Ctx, argv: &[Arg], at: usize, timeout: Option<&[u8]>) {
    let (keys, max, count) = match parse_mpop(argv, at) {
        Ok(p) => p,
        Err(e) => return ctx.out.error(e),
    };
    // Redis parses numkeys, the direction and COUNT before the timeout.
    let timeout = match timeout.map(bounds::timeout_ms) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return ctx.out.error(e),
    };
    match first_zset(ctx, keys) {
        Err(()) => ctx.out.error(errors::WRONGTYPE),
        Ok(Some(key)) => {
            let popped = pop_from(ctx, key, max, count);
            ctx.out.array(2);
            ctx.out.bulk(key);
            reply_pairs(ctx.out, &popped);
        }
        Ok(None) => match timeout {
            Some(t) if ctx.may_block => ctx.block = Some(t),
            _ => ctx.out.null_array(),
        },
    }
}

/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
fn zmpop(ctx: &mut Ctx, argv: &[Arg]) {
    mpop_generic(ctx, argv, 1, None);
}

/// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
fn bzmpop(ctx: &mut Ctx, argv: &[Arg]) {
    mpop_generic(ctx, argv, 2, Some(&argv[1]));
}

/// ZRANDMEMBER key [count [WITHSCORES]]
fn zrandmember(ctx: &mut Ctx, argv: &[Arg]) {
    // Redis parses the count before it looks at the WITHSCORES keyword.
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse::int(a) {
            None => return ctx.out.error(errors::NOT_INT),
            Some(n) if n == i64::MIN => {
                return ctx.out.error(&errors::out_of_range(-i64::MAX, i64::MAX))
            }
            Some(n) => Some(n),
        },
    };
    if argv.len() > 4 || (argv.len() == 4 && !parse::is(&argv[3], "withscores")) {
        return ctx.out.error(errors::SYNTAX);
    }
    let withscores = argv.len() == 4;
    let (db, out, now) = parts(ctx);
    let z = match read(db, &argv[1], now) {
        Err(()) => return out.error(errors::WRONGTYPE),
        Ok(z) => z,
    };
    let mut rng = rand::thread_rng();
    let Some(count) = count else {
        match z {
            None => out.null(),
            Some(z) => {
                let r = rng.gen_range(0..z.len());
                out.bulk(z.get_by_rank(r).expect("rank in range").0);
            }
        }
        return;
    };
    let Some(z) = z else {
        return out.array(0);
    };
    let len = z.len();
    if count >= 0 && count as u64 >= len as u64 {
        // The whole set, in order.
        return reply_elements(out, z.iter().collect::<Vec<_>>().into_iter(), withscores);
    }
    let n = count.unsigned_abs() as usize;
    let ranks: Vec<usize> = if count >= 0 {
        rand::seq::index::sample(&mut rng, len, n).into_vec()
    } else {
        // Repeats allowed: one independent draw per element. The reply is
        // written as it is drawn, so a huge count never allocates up front.
        if withscores && !out.is_resp3() {
            out.array(2 * n);
        } else {
            out.array(n);
        }
        for _ in 0..n {
            let (m, s) = z.get_by_rank(rng.gen_range(0..len)).expect("rank in range");
            if withscores && out.is_resp3() {
                out.array(2);
            }
            out.bulk(m);
            if withscores {
                out.double(s);
            }
        }
        return;
    };
    let items: Vec<_> = ranks
        .into_iter()
        .map(|r| z.get_by_rank(r).expect("rank in range"))
        .collect();
    reply_elements(out, items.into_iter(), withscores);
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD.
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Folds `v` into `acc` (a NaN sum, from `inf + -inf`, becomes 0 as in Redis).
    fn fold(self, acc: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *acc += v;
                if acc.is_nan() {
                    *acc = 0.0;
                }
            }
            // Plain comparisons, as Redis makes them: of two equal zeros
            // (0 and -0) the earlier one stays. `f64::min` may pick either.
            Aggregate::Min => {
                if v < *acc {
                    *acc = v;
                }
            }
            Aggregate::Max => {
                if v > *acc {
                    *acc = v;
                }
            }
        }
    }
}

/// `score * weight`, with Redis's rule that a NaN product (0 * inf) is 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// One input of a set operation, found by its first lookup.
struct Input<'a> {
    key: &'a [u8],
    len: usize,
    weight: f64,
}

/// The elements of the sorted set (or set) at `key`, scores included (1
/// for set members). Looks the key up without counting an access (the
/// first lookup of the command did).
fn input_elements(db: &mut Db, key: &[u8], now: Ms) -> Vec<(Vec<u8>, f64)> {
    match db.peek(key, now) {
        Some(Value::ZSet(z)) => z.iter().map(|(m, s)| (m.to_vec(), s)).collect(),
        Some(Value::Set(s)) => s.iter().map(|m| (m.to_vec(), 1.0)).collect(),
        _ => Vec::new(),
    }
}

/// The score of `member` in the sorted set (or set) at `key`.
fn input_score(db: &mut Db, key: &[u8], member: &[u8], now: Ms) -> Option<f64> {
    match db.peek(key, now) {
        Some(Value::ZSet(z)) => z.score(member),
        Some(Value::Set(s)) => s.contains(member).then_some(1.0),
        _ => None,
    }
}

/// The shared body of ZUNION, ZINTER, ZDIFF, their STORE forms and
/// ZINTERCARD (Redis's `zunionInterDiffGenericCommand`).
fn setop_generic(ctx: &mut Ctx, argv: &[Arg], op: SetOp, store: bool, card_only: bool) {
    let name = String::from_utf8_lossy(&argv[0]).to_lowercase();
    let numkeys_idx = if store { 2 } else { 1 };
    let Some(numkeys) = parse::int(&argv[numkeys_idx]) else {
        return ctx.out.error(errors::NOT_INT);
    };
    if numkeys < 1 {
        return ctx.out.error(&format!(
            "ERR at least 1 input key is needed for '{name}' command"
        ));
    }
    let first = numkeys_idx + 1;
    if numkeys as u64 > (argv.len() - first) as u64 {
        return ctx.out.error(errors::SYNTAX);
    }
    let numkeys = numkeys as usize;
    // Every input is looked up (and type-checked) before the options are
    // parsed, which decides the error order.
    let now = ctx.now;
    let mut inputs = Vec::with_capacity(numkeys);
    for key in &argv[first..first + numkeys] {
        let len = match ctx.db().get(key, now) {
            None => 0,
            Some(Value::ZSet(z)) => z.len(),
            Some(Value::Set(s)) => s.len(),
            Some(_) => return ctx.out.error(errors::WRONGTYPE),
        };
        inputs.push(Input {
            key,
            len,
            weight: 1.0,
        });
    }
    let mut aggregate = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = first + numkeys;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = &argv[j][..];
        if op != SetOp::Diff && !card_only && remaining > numkeys && parse::is(a, "weights") {
            for (i, input) in inputs.iter_mut().enumerate() {
                match bounds::score(&argv[j + 1 + i]) {
                    Some(w) => input.weight = w,
                    None => return ctx.out.error("ERR weight value is not a float"),
                }
            }
            j += 1 + numkeys;
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && parse::is(a, "aggregate") {
            let v = &argv[j + 1];
            aggregate = if parse::is(v, "sum") {
                Aggregate::Sum
            } else if parse::is(v, "min") {
                Aggregate::Min
            } else if parse::is(v, "max") {
                Aggregate::Max
            } else {
                return ctx.out.error(errors::SYNTAX);
            };
            j += 2;
        } else if card_only && remaining >= 2 && parse::is(a, "limit") {
            match parse::int(&argv[j + 1]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => return ctx.out.error("ERR LIMIT can't be negative"),
            }
            j += 2;
        } else if !store && !card_only && parse::is(a, "withscores") {
            withscores = true;
            j += 1;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
    }

    let result = compute(ctx.db(), &mut inputs, op, aggregate, card_only, limit, now);
    let Computed::Elements(mut items) = result else {
        let Computed::Count(n) = result else {
            unreachable!()
        };
        return ctx.out.int(n as i64);
    };
    // The sorted-set order: scores compared as numbers (so 0 and -0 tie;
    // they are never NaN), then members.
    items.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    if !store {
        return reply_elements(ctx.out, items.iter().map(|(m, s)| (&m[..], *s)), withscores);
    }
    let lim = limits(ctx.config);
    let longest = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let mut z = ZSet::with_hints(items.len(), longest, lim);
    for (m, s) in &items {
        z.upsert(m, *s, lim);
    }
    let event = match op {
        SetOp::Union => "zunionstore",
        SetOp::Inter => "zinterstore",
        SetOp::Diff => "zdiffstore",
    };
    store_result(ctx, &argv[1], Some(z), event);
}

enum Computed {
    Elements(Vec<(Vec<u8>, f64)>),
    Count(usize),
}

/// Runs a set operation over inputs whose keys were checked to hold sorted
/// sets or sets (or nothing).
fn compute(
    db: &mut Db,
    inputs: &mut [Input],
    op: SetOp,
    aggregate: Aggregate,
    card_only: bool,
    limit: usize,
    now: Ms,
) -> Computed {
    match op {
        SetOp::Union => {
            // Smallest inputs first, as Redis folds them (it matters for the
            // rounding of sums).
            inputs.sort_by_key(|i| i.len);
            let mut acc: std::collections::HashMap<Vec<u8>, f64, ahash::RandomState> =
                Default::default();
            let mut order = Vec::new();
            for input in inputs.iter() {
                for (m, s) in input_elements(db, input.key, now) {
                    let v = weighted(s, input.weight);
                    match acc.get_mut(&m) {
                        Some(a) => aggregate.fold(a, v),
                        None => {
                            order.push(m.clone());
                            acc.insert(m, v);
                        }
                    }
                }
            }
            Computed::Elements(
                order
                    .into_iter()
                    .map(|m| {
                        let s = acc[&m];
                        (m, s)
                    })
                    .collect(),
            )
        }
        SetOp::Inter => {
            inputs.sort_by_key(|i| i.len);
            let mut out = Vec::new();
            let mut count = 0;
            if inputs[0].len > 0 {
                'candidates: for (m, s) in input_elements(db, inputs[0].key, now) {
                    let mut acc = weighted(s, inputs[0].weight);
                    for other in inputs[1..].iter() {
                        match input_score(db, other.key, &m, now) {
                            Some(s) => aggregate.fold(&mut acc, weighted(s, other.weight)),
                            None => continue 'candidates,
                        }
                    }
                    count += 1;
                    if card_only {
                        if limit > 0 && count >= limit {
                            break;
                        }
                    } else {
                        out.push((m, acc));
                    }
                }
            }
            if card_only {
                Computed::Count(count)
            } else {
                Computed::Elements(out)
            }
        }
        SetOp::Diff => {
            let mut out = Vec::new();
            if inputs[0].len > 0 {
                for (m, s) in input_elements(db, inputs[0].key, now) {
                    let elsewhere = inputs[1..]
                        .iter()
                        .any(|o| o.len > 0 && input_score(db, o.key, &m, now).is_some());
                    if !elsewhere {
                        out.push((m, s));
                    }
                }
            }
            Computed::Elements(out)
        }
    }
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
fn zunion(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Union, false, false);
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
fn zinter(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Inter, false, false);
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
fn zdiff(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Diff, false, false);
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]
fn zunionstore(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Union, true, false);
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]
fn zinterstore(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Inter, true, false);
}

/// ZDIFFSTORE destination numkeys key [key ...]
fn zdiffstore(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Diff, true, false);
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
fn zintercard(ctx: &mut Ctx, argv: &[Arg]) {
    setop_generic(ctx, argv, SetOp::Inter, false, true);
}

// ---------------------------------------------------------------------------
// ZSCAN.
// ---------------------------------------------------------------------------

/// How a packed set's score reads back in ZSCAN: Redis keeps listpack
/// scores as text written by `d2string`, which prints integral values up to
/// 2^62 in magnitude as integers and the rest like `%.17g`.
fn packed_score_text(s: f64) -> String {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0;
    if s.is_finite() && s.fract() == 0.0 && (-LIMIT..=LIMIT).contains(&s) {
        (s as i64).to_string()
    } else {
        format_double(s)
    }
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
fn zscan(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(cursor) = parse::scan_cursor(&argv[2]) else {
        return ctx.out.error(errors::INVALID_CURSOR);
    };
    let (db, out, now) = parts(ctx);
    let z = match read(db, &argv[1], now) {
        Err(()) => return out.error(errors::WRONGTYPE),
        Ok(None) => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Ok(Some(z)) => z,
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if parse::is(&argv[i], "count") && has_value {
            match parse::int(&argv[i + 1]) {
                None => return out.error(errors::NOT_INT),
                Some(n) if n < 1 => return out.error(errors::SYNTAX),
                Some(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
            }
        } else if parse::is(&argv[i], "match") && has_value {
            pattern = (argv[i + 1].as_ref() != b"*").then_some(&argv[i + 1][..]);
        } else {
            return out.error(errors::SYNTAX);
        }
        i += 2;
    }
    let packed = z.is_packed();
    let mut found: Vec<(Vec<u8>, String)> = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if pattern.is_some_and(|p| !glob_match(p, m, false)) {
            return;
        }
        let text = if packed {
            packed_score_text(s)
        } else {
            format_double(s)
        };
        found.push((m.to_vec(), text));
    });
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len() * 2);
    for (m, s) in &found {
        out.bulk(m);
        out.bulk(s.as_bytes());
    }
}
