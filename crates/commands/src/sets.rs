//! Set commands: SADD, SREM, membership and cardinality, SRANDMEMBER and
//! SPOP, SMOVE, the algebra (SINTER, SUNION, SDIFF, their STORE forms and
//! SINTERCARD) and SSCAN. Handlers touch only the keyspace in their `Ctx`
//! and must not know how a set is encoded beyond asking for its encoding
//! name: the encodings and when they change live in `tessera_storage::set`.
//!
//! Every write counts in `ctx.dirty` as Redis's `server.dirty` does (SADD,
//! SREM and SPOP by members changed, SMOVE by one per key changed, the STORE
//! forms by one) and raises Redis's keyspace events (`sadd`, `srem`, `spop`,
//! `sinterstore`, `sunionstore`, `sdiffstore`, and a generic `del` when a
//! set empties and its key goes, or a STORE form deletes its destination).
//!
//! Reply order follows Redis where Redis defines it: an intset's members come
//! out ascending, and SINTER walks the smallest set. A hashtable's order is
//! unspecified in Redis (it depends on a random hash seed) and is ours here.

use crate::spec::{flags::*, kflags, ArgSpec, BeginSearch, CommandSpec, Exec, FindKeys, KeySpec};
use crate::{errors, notify, parse, Ctx};
use bytes::Bytes;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use tessera_resp::Arg;
use tessera_resp::Out;
use tessera_storage::glob::glob_match;
use tessera_storage::set::{Member, INTSET_HARD_LIMIT};
use tessera_storage::{Db, Ms, Set, Value};

// ---------------------------------------------------------------------------
// Access helpers.
// ---------------------------------------------------------------------------

/// The key holds another type.
struct WrongType;

/// `set-max-intset-entries`, with Redis's cap of 2^30.
fn max_intset(ctx: &Ctx) -> usize {
    ctx.config
        .set_max_intset_entries
        .min(INTSET_HARD_LIMIT as u64) as usize
}

/// The set at `key` for reading (counts a keyspace hit or miss, as Redis's
/// `lookupKeyRead`): `Ok(None)` when the key is missing.
fn read<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<Option<&'d Set>, WrongType> {
    match db.get(key, now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(WrongType),
    }
}

/// The set at `key` for writing (Redis's `lookupKeyWrite`: no hit or miss
/// counted): `Ok(None)` when the key is missing.
fn write<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<Option<&'d mut Set>, WrongType> {
    // One lookup that checks the type before `get_mut` would move an
    // embedded string out of its node just to find it is not a set.
    match db.get_mut_if(key, now, |v| matches!(v, Value::Set(_))) {
        Err(_) => Err(WrongType),
        Ok(Some(Value::Set(s))) => Ok(Some(s)),
        Ok(_) => Ok(None),
    }
}

/// Whether `key` exists and holds something other than a set, without
/// counting a hit or miss.
fn is_other_type(db: &mut Db, key: &[u8], now: Ms) -> bool {
    db.peek(key, now)
        .is_some_and(|v| !matches!(v, Value::Set(_)))
}

/// Writes one member as a bulk string.
fn reply_member(out: &mut Out, m: Member<'_>) {
    match m {
        Member::Int(n) => out.bulk_int(n),
        Member::Bytes(b) => out.bulk(b),
    }
}

/// Removes `key` after its set became empty, raising the generic `del`.
fn delete_emptied(ctx: &mut Ctx, key: &[u8]) {
    let now = ctx.now;
    ctx.db().delete(key, now);
    ctx.notify(notify::GENERIC, "del", key);
}

/// The sets named by a multi-key command, moved out of the keyspace while
/// the command runs so that several can be read at once, then put back by
/// [`Taken::restore`]. A key named twice is taken once. Moving a set out
/// and back is O(1) (the box moves; the key's node stays where it is), and
/// nothing can observe the placeholder in between: handlers run alone.
struct Taken {
    /// Each distinct key found, with its set.
    held: Vec<(Bytes, Box<Set>)>,
    /// For each key argument, its place in `held` (None: the key is missing).
    index: Vec<Option<usize>>,
}

impl Taken {
    /// Looks every key up first, so a key of another type is reported
    /// before anything is taken. The lookup is Redis's read lookup for the
    /// STORE forms too: Redis 7.0 counts their sources' misses and raises
    /// `keymiss` for them.
    fn take(db: &mut Db, keys: &[Arg], now: Ms) -> Result<Taken, WrongType> {
        for k in keys {
            let v = db.get(k, now);
            if v.is_some_and(|v| !matches!(v, Value::Set(_))) {
                return Err(WrongType);
            }
        }
        let mut held: Vec<(Bytes, Box<Set>)> = Vec::new();
        let mut index = Vec::with_capacity(keys.len());
        let mut seen: HashMap<&[u8], usize> = HashMap::new();
        for k in keys {
            if let Some(&i) = seen.get(&k[..]) {
                index.push(Some(i));
                continue;
            }
            match db.get_mut(k, now) {
                Some(v @ Value::Set(_)) => {
                    let Value::Set(s) = std::mem::replace(v, Value::Int(0)) else {
                        unreachable!("matched a set above");
                    };
                    seen.insert(k, held.len());
                    index.push(Some(held.len()));
                    held.push((k.to_bytes(), s));
                }
                _ => index.push(None),
            }
        }
        Ok(Taken { held, index })
    }

    /// The set of each key argument, None for a missing key.
    fn sets(&self) -> Vec<Option<&Set>> {
        self.index
            .iter()
            .map(|i| i.map(|i| &*self.held[i].1))
            .collect()
    }

    /// Whether key arguments `a` and `b` name the same set.
    fn same(&self, a: usize, b: usize) -> bool {
        self.index[a].is_some() && self.index[a] == self.index[b]
    }

    /// Puts every set back under its key.
    fn restore(self, db: &mut Db, now: Ms) {
        for (k, s) in self.held {
            if let Some(v) = db.get_mut(&k, now) {
                *v = Value::Set(s);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Adding, removing, testing.
// ---------------------------------------------------------------------------

/// SADD key member [member ...]
fn sadd(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let max = max_intset(ctx);
    let key = &argv[1][..];
    let db = ctx.ks.db(ctx.db);
    let set = match write(db, key, now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(Some(s)) => s,
        Ok(None) => {
            db.set(key, Value::Set(Box::new(Set::for_first(&argv[2]))), now);
            match db.get_mut(key, now) {
                Some(Value::Set(s)) => s,
                _ => unreachable!("just stored a set"),
            }
        }
    };
    let added = argv[2..].iter().filter(|m| set.insert(m, max)).count();
    if added > 0 {
        ctx.notify(notify::SET, "sadd", key);
    }
    ctx.dirty += added as u64;
    ctx.out.int(added as i64);
}

/// SREM key member [member ...]
fn srem(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let key = &argv[1][..];
    let set = match write(ctx.ks.db(ctx.db), key, now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(s)) => s,
    };
    let mut removed = 0;
    for m in &argv[2..] {
        if set.remove(m) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    let emptied = set.is_empty();
    if removed > 0 {
        ctx.notify(notify::SET, "srem", key);
        if emptied {
            delete_emptied(ctx, key);
        }
    }
    ctx.dirty += removed;
    ctx.out.int(removed as i64);
}

/// SISMEMBER key member
fn sismember(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
        Ok(s) => {
            let found = s.is_some_and(|s| s.contains(&argv[2]));
            ctx.out.int(found as i64);
        }
    }
}

/// SMISMEMBER key member [member ...]
fn smismember(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
        Ok(s) => {
            ctx.out.array(argv.len() - 2);
            for m in &argv[2..] {
                let found = s.is_some_and(|s| s.contains(m));
                ctx.out.int(found as i64);
            }
        }
    }
}

/// SCARD key
fn scard(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
        Ok(s) => ctx.out.int(s.map_or(0, Set::len) as i64),
    }
}

/// SMOVE source destination member
fn smove(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let max = max_intset(ctx);
    let (src, dst, member) = (&argv[1][..], &argv[2][..], &argv[3][..]);
    let db = ctx.ks.db(ctx.db);
    // Redis looks both keys up, answers 0 for a missing source whatever the
    // destination holds, then checks both types.
    let src_kind = db.peek(src, now).map(|v| matches!(v, Value::Set(_)));
    let dst_other = is_other_type(db, dst, now);
    match src_kind {
        None => return ctx.out.int(0),
        Some(false) => return ctx.out.error(errors::WRONGTYPE),
        Some(true) if dst_other => return ctx.out.error(errors::WRONGTYPE),
        Some(true) => {}
    }
    if src == dst {
        let found = matches!(db.peek(src, now), Some(Value::Set(s)) if s.contains(member));
        return ctx.out.int(found as i64);
    }
    let Ok(Some(set)) = write(db, src, now) else {
        unreachable!("the source was found to be a set above");
    };
    if !set.remove(member) {
        return ctx.out.int(0);
    }
    let emptied = set.is_empty();
    ctx.notify(notify::SET, "srem", src);
    if emptied {
        delete_emptied(ctx, src);
    }
    ctx.dirty += 1;
    let db = ctx.ks.db(ctx.db);
    let added = match write(db, dst, now) {
        Ok(Some(s)) => s.insert(member, max),
        _ => {
            let mut s = Set::for_first(member);
            s.insert(member, max);
            db.set(dst, Value::Set(Box::new(s)), now);
            true
        }
    };
    if added {
        ctx.dirty += 1;
        ctx.notify(notify::SET, "sadd", dst);
    }
    ctx.out.int(1);
}

// ---------------------------------------------------------------------------
// Random members.
// ---------------------------------------------------------------------------

/// SPOP key [count]
fn spop(ctx: &mut Ctx, argv: &[Arg]) {
    match argv.len() {
        2 => spop_one(ctx, &argv[1]),
        3 => spop_count(ctx, argv),
        _ => ctx.out.error(errors::SYNTAX),
    }
}

fn spop_one(ctx: &mut Ctx, key: &[u8]) {
    let now = ctx.now;
    let set = match write(ctx.ks.db(ctx.db), key, now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.null(),
        Ok(Some(s)) => s,
    };
    let Some(m) = set.pop_random(&mut rand::thread_rng()) else {
        unreachable!("stored sets are never empty");
    };
    let emptied = set.is_empty();
    reply_member(ctx.out, m.as_member());
    ctx.notify(notify::SET, "spop", key);
    if emptied {
        delete_emptied(ctx, key);
    }
    ctx.dirty += 1;
}

/// Redis's SPOP_MOVE_STRATEGY_MUL: when what stays is at most a fifth of
/// what goes, SPOP picks the members that stay and builds a new set of them.
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

fn spop_count(ctx: &mut Ctx, argv: &[Arg]) {
    const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
    let count = match parse::int(&argv[2]) {
        Some(n) if n >= 0 => n as u64,
        _ => return ctx.out.error(MUST_BE_POSITIVE),
    };
    let now = ctx.now;
    let max = max_intset(ctx);
    let key = &argv[1][..];
    let set = match write(ctx.ks.db(ctx.db), key, now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.set(0),
        Ok(Some(s)) => s,
    };
    if count == 0 {
        return ctx.out.set(0);
    }
    let size = set.len() as u64;
    let mut rng = rand::thread_rng();
    if count >= size {
        // Everything goes: reply with the whole set and delete the key.
        ctx.out.set(size as usize);
        for m in set.iter() {
            reply_member(ctx.out, m);
        }
        ctx.notify(notify::SET, "spop", key);
        ctx.dirty += size;
        delete_emptied(ctx, key);
        return;
    }
    let remaining = size - count;
    ctx.out.set(count as usize);
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        // Few go: pop them one at a time.
        for _ in 0..count {
            let m = set.pop_random(&mut rng).expect("count < size");
            reply_member(ctx.out, m.as_member());
        }
    } else {
        // Few stay: move them into a new set, which Redis builds member by
        // member (so it may be an intset where the old set was not), and
        // reply with what is left in the old one.
        let mut stay = Set::new();
        for _ in 0..remaining {
            let m = set.pop_random(&mut rng).expect("remaining < size");
            stay.insert_member(m.as_member(), max);
        }
        for m in set.iter() {
            reply_member(ctx.out, m);
        }
        *set = stay;
    }
    ctx.notify(notify::SET, "spop", key);
    ctx.dirty += count;
}

/// Redis's SRANDMEMBER_SUB_STRATEGY_MUL: when the sample is more than a third
/// of the set, pick from a copy of all members instead of drawing at random
/// until enough distinct members came up.
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

/// SRANDMEMBER key [count]
fn srandmember(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    if argv.len() > 3 {
        return ctx.out.error(errors::SYNTAX);
    }
    if argv.len() == 2 {
        match read(ctx.ks.db(ctx.db), &argv[1], now) {
            Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
            Ok(None) => ctx.out.null(),
            Ok(Some(s)) => match s.random(&mut rand::thread_rng()) {
                Some(m) => reply_member(ctx.out, m),
                None => ctx.out.null(),
            },
        }
        return;
    }
    let n = match parse::int(&argv[2]) {
        None => return ctx.out.error(errors::NOT_INT),
        Some(i64::MIN) => return ctx.out.error(&errors::out_of_range(-i64::MAX, i64::MAX)),
        Some(n) => n,
    };
    let (count, distinct) = (n.unsigned_abs(), n >= 0);
    let set = match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.array(0),
        Ok(Some(s)) => s,
    };
    if count == 0 {
        return ctx.out.array(0);
    }
    let mut rng = rand::thread_rng();
    let size = set.len() as u64;
    if !distinct {
        // Repeats allowed: independent draws. Like Redis, a huge count is
        // served as asked, one draw per element.
        ctx.out.array(count as usize);
        for _ in 0..count {
            let m = set.random(&mut rng).expect("stored sets are never empty");
            reply_member(ctx.out, m);
        }
        return;
    }
    if count >= size {
        ctx.out.array(size as usize);
        for m in set.iter() {
            reply_member(ctx.out, m);
        }
        return;
    }
    let count = count as usize;
    ctx.out.array(count);
    if count as u64 * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // A large share of the set: choose `count` of all its members by a
        // partial Fisher-Yates shuffle.
        let mut all: Vec<Member> = set.iter().collect();
        for i in 0..count {
            let j = rng.gen_range(i..all.len());
            all.swap(i, j);
            reply_member(ctx.out, all[i]);
        }
    } else {
        // A small share: draw until `count` distinct members came up.
        let mut seen: HashSet<Member> = HashSet::with_capacity(count);
        while seen.len() < count {
            let m = set.random(&mut rng).expect("stored sets are never empty");
            if seen.insert(m) {
                reply_member(ctx.out, m);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Set algebra.
// ---------------------------------------------------------------------------

/// Stores `result` at `dst` (replacing whatever was there, TTL included) or,
/// when it is empty, deletes `dst`; replies with the result's size. Redis
/// counts one change either way, except an empty result with no `dst` to
/// delete.
fn store_result(ctx: &mut Ctx, dst: &[u8], result: Set, event: &'static str) {
    let now = ctx.now;
    let n = result.len();
    if n > 0 {
        ctx.db().set(dst, Value::Set(Box::new(result)), now);
        ctx.notify(notify::SET, event, dst);
        ctx.dirty += 1;
    } else if ctx.db().delete(dst, now) {
        ctx.notify(notify::GENERIC, "del", dst);
        ctx.dirty += 1;
    }
    ctx.out.int(n as i64);
}

/// The members of the intersection, in the order Redis finds them: the sets
/// sorted by size (stable, so equal sizes keep the key order), the smallest
/// walked and each member looked up in the others. Stops at `limit` members
/// when it is not 0. Every set must be present (an absent one makes the
/// result empty, which callers handle first).
fn intersect<'s>(sets: &[&'s Set], limit: usize) -> Vec<Member<'s>> {
    let mut order: Vec<&Set> = sets.to_vec();
    order.sort_by_key(|s| s.len());
    let (first, rest) = order.split_first().expect("at least one set");
    let mut found = Vec::new();
    for m in first.iter() {
        // A set named twice is the same object: skip it, as Redis does.
        if rest
            .iter()
            .all(|s| std::ptr::eq(*s, *first) || s.contains_member(m))
        {
            found.push(m);
            if limit != 0 && found.len() >= limit {
                break;
            }
        }
    }
    found
}

/// What SINTER and its relatives do with the intersection.
#[derive(Clone, Copy)]
enum InterMode<'a> {
    Reply,
    Store(&'a [u8]),
    Card(usize),
}

/// Redis's `sinterGenericCommand` over the sets at `keys`.
fn sinter_generic(ctx: &mut Ctx, keys: &[Arg], mode: InterMode<'_>) {
    let now = ctx.now;
    let max = max_intset(ctx);
    let taken = match Taken::take(ctx.ks.db(ctx.db), keys, now) {
        Ok(t) => t,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let sets: Option<Vec<&Set>> = taken.sets().into_iter().collect();
    let found = match &sets {
        // An absent key is an empty set, and so is the intersection.
        None => Vec::new(),
        Some(sets) => {
            let limit = match mode {
                InterMode::Card(l) => l,
                _ => 0,
            };
            intersect(sets, limit)
        }
    };
    match mode {
        InterMode::Reply => {
            ctx.out.set(found.len());
            for m in &found {
                reply_member(ctx.out, *m);
            }
        }
        InterMode::Card(_) => ctx.out.int(found.len() as i64),
        InterMode::Store(_) => {}
    }
    let result = match mode {
        InterMode::Store(_) => {
            let mut r = Set::new();
            for m in &found {
                r.insert_member(*m, max);
            }
            Some(r)
        }
        _ => None,
    };
    drop(found);
    drop(sets);
    taken.restore(ctx.ks.db(ctx.db), now);
    if let (InterMode::Store(dst), Some(r)) = (mode, result) {
        store_result(ctx, dst, r, "sinterstore");
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// Redis's `sunionDiffGenericCommand` over the sets at `keys`: the result
/// set, built member by member into a new set as Redis builds it (so its
/// encoding is the one Redis would give it).
fn union_diff(sets: &[Option<&Set>], taken: &Taken, op: SetOp, max: usize) -> Set {
    let mut dst = Set::new();
    match op {
        SetOp::Union => {
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    dst.insert_member(m, max);
                }
            }
        }
        SetOp::Diff => {
            let Some(first) = sets[0] else {
                return dst;
            };
            // A key named again after the first is the first set itself.
            if (1..sets.len()).any(|j| taken.same(0, j)) {
                return dst;
            }
            // Redis picks between two algorithms by estimated work; they
            // give the same members but may give different encodings, so
            // the choice is Redis's too.
            let present: Vec<&Set> = sets.iter().flatten().copied().collect();
            let one = present.len() as u64 * first.len() as u64 / 2;
            let two: u64 = present.iter().map(|s| s.len() as u64).sum();
            let mut others: Vec<&Set> = sets[1..].iter().flatten().copied().collect();
            if one <= two {
                // Walk the first set; keep members no other set has,
                // checking the largest sets first.
                others.sort_by_key(|s| std::cmp::Reverse(s.len()));
                for m in first.iter() {
                    if !others.iter().any(|s| s.contains_member(m)) {
                        dst.insert_member(m, max);
                    }
                }
            } else {
                // Copy the first set, then remove every other set's members.
                for m in first.iter() {
                    dst.insert_member(m, max);
                }
                for s in &others {
                    for m in s.iter() {
                        let mut buf = tessera_storage::set::IntBuf::new();
                        dst.remove(m.bytes(&mut buf));
                    }
                    if dst.is_empty() {
                        break;
                    }
                }
            }
        }
    }
    dst
}

/// SUNION, SDIFF and their STORE forms.
fn sunion_diff_generic(ctx: &mut Ctx, keys: &[Arg], dst: Option<&[u8]>, op: SetOp) {
    let now = ctx.now;
    let max = max_intset(ctx);
    let taken = match Taken::take(ctx.ks.db(ctx.db), keys, now) {
        Ok(t) => t,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let result = union_diff(&taken.sets(), &taken, op, max);
    taken.restore(ctx.ks.db(ctx.db), now);
    match dst {
        None => {
            ctx.out.set(result.len());
            for m in result.iter() {
                reply_member(ctx.out, m);
            }
        }
        Some(dst) => {
            let event = match op {
                SetOp::Union => "sunionstore",
                SetOp::Diff => "sdiffstore",
            };
            store_result(ctx, dst, result, event);
        }
    }
}

/// SMEMBERS key (Redis serves it as a one-key SINTER).
fn smembers(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Err(WrongType) => ctx.out.error(errors::WRONGTYPE),
        Ok(None) => ctx.out.set(0),
        Ok(Some(s)) => {
            ctx.out.set(s.len());
            for m in s.iter() {
                reply_member(ctx.out, m);
            }
        }
    }
}

/// SINTER key [key ...]
fn sinter(ctx: &mut Ctx, argv: &[Arg]) {
    sinter_generic(ctx, &argv[1..], InterMode::Reply);
}

/// SINTERSTORE destination key [key ...]
fn sinterstore(ctx: &mut Ctx, argv: &[Arg]) {
    sinter_generic(ctx, &argv[2..], InterMode::Store(&argv[1]));
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
fn sintercard(ctx: &mut Ctx, argv: &[Arg]) {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = match parse::int(&argv[1]) {
        Some(n) if n > 0 => n as u64,
        _ => return ctx.out.error(NUMKEYS),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return ctx
            .out
            .error("ERR Number of keys can't be greater than number of args");
    }
    let keys_end = 2 + numkeys as usize;
    let mut limit = 0usize;
    let mut i = keys_end;
    while i < argv.len() {
        if parse::is(&argv[i], "limit") && i + 1 < argv.len() {
            match parse::int(&argv[i + 1]) {
                Some(n) if n >= 0 => limit = usize::try_from(n).unwrap_or(usize::MAX),
                _ => return ctx.out.error("ERR LIMIT can't be negative"),
            }
            i += 2;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
    }
    sinter_generic(ctx, &argv[2..keys_end], InterMode::Card(limit));
}

/// SUNION key [key ...]
fn sunion(ctx: &mut Ctx, argv: &[Arg]) {
    sunion_diff_generic(ctx, &argv[1..], None, SetOp::Union);
}

/// SUNIONSTORE destination key [key ...]
fn sunionstore(ctx: &mut Ctx, argv: &[Arg]) {
    sunion_diff_generic(ctx, &argv[2..], Some(&argv[1]), SetOp::Union);
}

/// SDIFF key [key ...]
fn sdiff(ctx: &mut Ctx, argv: &[Arg]) {
    sunion_diff_generic(ctx, &argv[1..], None, SetOp::Diff);
}

/// SDIFFSTORE destination key [key ...]
fn sdiffstore(ctx: &mut Ctx, argv: &[Arg]) {
    sunion_diff_generic(ctx, &argv[2..], Some(&argv[1]), SetOp::Diff);
}

// ---------------------------------------------------------------------------
// SSCAN.
// ---------------------------------------------------------------------------

/// SSCAN key cursor [MATCH pattern] [COUNT count]
///
/// As Redis: the cursor is checked first, then the key (a missing key
/// answers an empty scan whatever the options), then the options. A
/// hashtable is walked bucket by bucket until `count` members were gathered
/// or `10 * count` buckets were visited; an intset comes back whole with
/// cursor 0. MATCH filters what was gathered, so a step may return nothing
/// with a cursor that is not 0.
fn sscan(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(cursor) = parse::scan_cursor(&argv[2]) else {
        return ctx.out.error(errors::INVALID_CURSOR);
    };
    let now = ctx.now;
    let set = match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => {
            ctx.out.array(2);
            ctx.out.bulk(b"0");
            return ctx.out.array(0);
        }
        Ok(Some(s)) => s,
    };
    let mut count: u64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if parse::is(&argv[i], "count") && has_value {
            match parse::int(&argv[i + 1]) {
                None => return ctx.out.error(errors::NOT_INT),
                Some(n) if n < 1 => return ctx.out.error(errors::SYNTAX),
                Some(n) => count = n as u64,
            }
        } else if parse::is(&argv[i], "match") && has_value {
            // A lone `*` matches everything, the empty member included.
            pattern = (argv[i + 1].as_ref() != b"*").then_some(&argv[i + 1][..]);
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut found: Vec<Member> = Vec::new();
    let mut next = cursor;
    let mut budget = count.saturating_mul(10);
    loop {
        next = set.scan(next, |m| found.push(m));
        if next == 0 || budget == 0 || found.len() as u64 >= count {
            break;
        }
        budget -= 1;
    }
    if let Some(p) = pattern {
        let mut buf = tessera_storage::set::IntBuf::new();
        found.retain(|m| glob_match(p, m.bytes(&mut buf), false));
    }
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(found.len());
    for m in found {
        reply_member(ctx.out, m);
    }
}

// ---------------------------------------------------------------------------
// Declarations.
// ---------------------------------------------------------------------------

const KEY_MEMBERS: &[ArgSpec] = &[ArgSpec::key("key", 0), ArgSpec::string("member").multiple()];
const ONE_KEY: &[ArgSpec] = &[ArgSpec::key("key", 0)];
const KEYS: &[ArgSpec] = &[ArgSpec::key("key", 0).multiple()];
const DST_KEYS: &[ArgSpec] = &[
    ArgSpec::key("destination", 0),
    ArgSpec::key("key", 1).multiple(),
];

/// Key specs of the algebra's read forms: every argument is a key.
const ALL_KEYS_RO: &[KeySpec] = &[KeySpec::range_to_end(1, 1, kflags::RO | kflags::ACCESS)];

/// Key specs of the STORE forms: the destination, then the sources.
const fn store_keys(dst_flags: u32) -> [KeySpec; 2] {
    [
        KeySpec::single(1, dst_flags),
        KeySpec::range_to_end(2, 1, kflags::RO | kflags::ACCESS),
    ]
}
const SINTERSTORE_KEYS: &[KeySpec] = &store_keys(kflags::RW | kflags::UPDATE);
const OW_STORE_KEYS: &[KeySpec] = &store_keys(kflags::OW | kflags::UPDATE);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sadd",
        arity: -3,
        flags: WRITE | DENYOOM | FAST,
        acl: &["write", "set", "fast"],
        keys: &[KeySpec::single(1, kflags::RW | kflags::INSERT)],
        args: KEY_MEMBERS,
        summary: "Adds members to a set, creating it if needed.",
        since: "1.0.0",
        group: "set",
        complexity: "O(1) per member added.",
        exec: Exec::Keys(sadd),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "srem",
        arity: -3,
        flags: WRITE | FAST,
        acl: &["write", "set", "fast"],
        keys: &[KeySpec::single(1, kflags::RW | kflags::DELETE)],
        args: KEY_MEMBERS,
        summary: "Removes members from a set, deleting it once empty.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N) for N members given.",
        exec: Exec::Keys(srem),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sismember",
        arity: 3,
        flags: READONLY | FAST,
        acl: &["read", "set", "fast"],
        keys: &[KeySpec::single(1, kflags::RO)],
        args: &[ArgSpec::key("key", 0), ArgSpec::string("member")],
        summary: "Tells whether a member belongs to a set.",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        exec: Exec::Keys(sismember),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "smismember",
        arity: -3,
        flags: READONLY | FAST,
        acl: &["read", "set", "fast"],
        keys: &[KeySpec::single(1, kflags::RO | kflags::ACCESS)],
        args: KEY_MEMBERS,
        summary: "Tells, for each given member, whether it belongs to a set.",
        since: "6.2.0",
        group: "set",
        complexity: "O(N) for N members given.",
        exec: Exec::Keys(smismember),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "smembers",
        arity: 2,
        flags: READONLY,
        acl: &["read", "set", "slow"],
        keys: &[KeySpec::single(1, kflags::RO | kflags::ACCESS)],
        args: ONE_KEY,
        summary: "Lists every member of a set.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N) where N is the set's size.",
        exec: Exec::Keys(smembers),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "scard",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["read", "set", "fast"],
        keys: &[KeySpec::single(1, kflags::RO)],
        args: ONE_KEY,
        summary: "Counts the members of a set.",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        exec: Exec::Keys(scard),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "srandmember",
        arity: -2,
        flags: READONLY,
        acl: &["read", "set", "slow"],
        keys: &[KeySpec::single(1, kflags::RO | kflags::ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("count").optional().since("2.6.0"),
        ],
        summary: "Returns random members of a set without removing them; a negative count allows repeats.",
        since: "1.0.0",
        group: "set",
        complexity: "O(1) without a count, else O(N) for N the count's absolute value.",
        exec: Exec::Keys(srandmember),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "spop",
        arity: -2,
        flags: WRITE | FAST,
        acl: &["write", "set", "fast"],
        keys: &[KeySpec::single(
            1,
            kflags::RW | kflags::ACCESS | kflags::DELETE,
        )],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("count").optional().since("3.2.0"),
        ],
        summary: "Removes and returns random members of a set.",
        since: "1.0.0",
        group: "set",
        complexity: "O(1) without a count, else O(N) for N the count.",
        exec: Exec::Keys(spop),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "smove",
        arity: 4,
        flags: WRITE | FAST,
        acl: &["write", "set", "fast"],
        keys: &[
            KeySpec::single(1, kflags::RW | kflags::ACCESS | kflags::DELETE),
            KeySpec::single(2, kflags::RW | kflags::INSERT),
        ],
        args: &[
            ArgSpec::key("source", 0),
            ArgSpec::key("destination", 1),
            ArgSpec::string("member"),
        ],
        summary: "Moves a member from one set to another.",
        since: "1.0.0",
        group: "set",
        complexity: "O(1)",
        exec: Exec::Keys(smove),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sinter",
        arity: -2,
        flags: READONLY,
        acl: &["read", "set", "slow"],
        keys: ALL_KEYS_RO,
        args: KEYS,
        summary: "Returns the members every given set has.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N*M) worst case, for N the smallest set's size and M the number of sets.",
        exec: Exec::Keys(sinter),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sinterstore",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "set", "slow"],
        keys: SINTERSTORE_KEYS,
        args: DST_KEYS,
        summary: "Stores the intersection of sets in a key.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N*M) worst case, for N the smallest set's size and M the number of sets.",
        exec: Exec::Keys(sinterstore),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sintercard",
        arity: -3,
        flags: READONLY | MOVABLE_KEYS,
        acl: &["read", "set", "slow"],
        keys: &[KeySpec {
            flags: kflags::RO | kflags::ACCESS,
            begin: BeginSearch::Index(1),
            find: FindKeys::Keynum {
                keynum_idx: 0,
                first_key: 1,
                key_step: 1,
            },
        }],
        args: &[
            ArgSpec::integer("numkeys"),
            ArgSpec::key("key", 0).multiple(),
            ArgSpec::integer("limit").with_token("LIMIT").optional(),
        ],
        summary: "Counts the members every given set has, stopping at an optional limit.",
        since: "7.0.0",
        group: "set",
        complexity: "O(N*M) worst case, for N the smallest set's size and M the number of sets.",
        exec: Exec::Keys(sintercard),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sunion",
        arity: -2,
        flags: READONLY,
        acl: &["read", "set", "slow"],
        keys: ALL_KEYS_RO,
        args: KEYS,
        summary: "Returns the members of any of the given sets.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N) for N members in all the sets.",
        exec: Exec::Keys(sunion),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sunionstore",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "set", "slow"],
        keys: OW_STORE_KEYS,
        args: DST_KEYS,
        summary: "Stores the union of sets in a key.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N) for N members in all the sets.",
        exec: Exec::Keys(sunionstore),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sdiff",
        arity: -2,
        flags: READONLY,
        acl: &["read", "set", "slow"],
        keys: ALL_KEYS_RO,
        args: KEYS,
        summary: "Returns the members of the first set that no other given set has.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N) for N members in all the sets.",
        exec: Exec::Keys(sdiff),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sdiffstore",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "set", "slow"],
        keys: OW_STORE_KEYS,
        args: DST_KEYS,
        summary: "Stores the difference of the first set and the others in a key.",
        since: "1.0.0",
        group: "set",
        complexity: "O(N) for N members in all the sets.",
        exec: Exec::Keys(sdiffstore),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sscan",
        arity: -3,
        flags: READONLY,
        acl: &["read", "set", "slow"],
        keys: &[KeySpec::single(1, kflags::RO | kflags::ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("cursor"),
            ArgSpec::pattern("pattern").with_token("MATCH").optional(),
            ArgSpec::integer("count").with_token("COUNT").optional(),
        ],
        summary: "Walks a set's members a few at a time from a cursor.",
        since: "2.8.0",
        group: "set",
        complexity: "O(1) per call; O(N) for a whole walk of a set of N members.",
        exec: Exec::Keys(sscan),
        ..CommandSpec::DEFAULT
    },
];

#[cfg(test)]
mod tests;
