//! Hash commands: HSET and friends, counters, reads, HRANDFIELD and HSCAN.
//! Handlers touch only the keyspace in their `Ctx` and must not know how a
//! hash is encoded beyond asking whether it is compact (`Hash::is_compact`);
//! the encodings and their conversion rules live in `tessera_storage::hash`.
//!
//! Every write counts in `ctx.dirty` as Redis's `server.dirty` does (HSET and
//! HMSET by pairs given, HDEL by fields removed, the others by one) and raises
//! Redis's keyspace events (`hset`, `hdel`, `hincrby`, `hincrbyfloat`, and a
//! generic `del` when HDEL empties the hash, which deletes its key).

use crate::spec::{flags::*, kflags, ArgSpec, CommandSpec, Exec, KeySpec};
use crate::strings::ldouble::{self, LongDouble};
use crate::{errors, notify, parse, Ctx};
use rand::Rng;
use std::collections::HashSet;
use tessera_resp::Arg;
use tessera_resp::Out;
use tessera_storage::glob::glob_match;
use tessera_storage::hash::{Elem, Limits};
use tessera_storage::{Db, Hash, Ms, Value};

// ---------------------------------------------------------------------------
// Access helpers.
// ---------------------------------------------------------------------------

/// The key holds another type.
struct WrongType;

/// The packed-form thresholds from the configuration.
fn limits(ctx: &Ctx) -> Limits {
    Limits {
        entries: ctx.config.hash_max_listpack_entries,
        value: ctx.config.hash_max_listpack_value,
    }
}

/// The hash at `key` for reading (counts a keyspace hit or miss, as Redis's
/// `lookupKeyRead`): `Ok(None)` when the key is missing.
fn read<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<Option<&'d Hash>, WrongType> {
    match db.get(key, now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(WrongType),
    }
}

/// The hash at `key` for writing: `Ok(None)` when the key is missing.
fn write<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<Option<&'d mut Hash>, WrongType> {
    match db.get_mut(key, now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(WrongType),
    }
}

/// The hash at `key`, created empty if the key is missing (Redis's
/// `hashTypeLookupWriteOrCreate`). Callers must leave it non-empty.
fn write_or_create<'d>(db: &'d mut Db, key: &[u8], now: Ms) -> Result<&'d mut Hash, WrongType> {
    if !db.contains(key, now) {
        db.set(key, Value::Hash(Box::default()), now);
    }
    match db.get_mut(key, now) {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(WrongType),
    }
}

/// Writes one HRANDFIELD result: in RESP3 a field with its value is a
/// two-element array (as Redis 7.0 replies to WITHVALUES).
fn reply_pair(out: &mut Out, field: &[u8], value: &[u8], with_values: bool) {
    if with_values && out.is_resp3() {
        out.array(2);
    }
    out.bulk(field);
    if with_values {
        out.bulk(value);
    }
}

/// The array header for `n` HRANDFIELD results.
fn pairs_header(out: &mut Out, n: usize, with_values: bool) {
    if with_values && !out.is_resp3() {
        out.array(2 * n);
    } else {
        out.array(n);
    }
}

// ---------------------------------------------------------------------------
// Writes.
// ---------------------------------------------------------------------------

/// The shared body of HSET and HMSET: sets every pair, replies with the
/// number of new fields (HSET) or `+OK` (HMSET).
fn set_pairs(ctx: &mut Ctx, argv: &[Arg], name: &str, reply_ok: bool) {
    // The name, the key, then whole pairs: an odd count lacks a value.
    if !argv.len().is_multiple_of(2) {
        return ctx.out.error(&errors::arity(name));
    }
    let limits = limits(ctx);
    let now = ctx.now;
    let key = &argv[1][..];
    let fill = |h: &mut Hash| {
        h.prepare(argv[2..].iter().map(|a| a.len()), limits);
        let mut created = 0;
        for pair in argv[2..].chunks(2) {
            if h.set(&pair[0], &pair[1], limits) {
                created += 1;
            }
        }
        created
    };
    // One lookup for an existing hash; a new one is filled before it goes
    // into the keyspace (Redis's hashTypeLookupWriteOrCreate, in one probe).
    let db = ctx.ks.db(ctx.db);
    let created = match db.get_mut_if(key, now, |v| matches!(v, Value::Hash(_))) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(Some(Value::Hash(h))) => fill(h),
        Ok(Some(_)) => unreachable!("get_mut_if checked the type"),
        Ok(None) => {
            let mut h = Box::<Hash>::default();
            let created = fill(&mut h);
            db.set(key, Value::Hash(h), now);
            created
        }
    };
    ctx.notify(notify::HASH, "hset", key);
    ctx.dirty += (argv.len() as u64 - 2) / 2;
    if reply_ok {
        ctx.out.ok();
    } else {
        ctx.out.int(created);
    }
}

/// HSET key field value [field value ...]
fn hset(ctx: &mut Ctx, argv: &[Arg]) {
    set_pairs(ctx, argv, "hset", false);
}

/// HMSET key field value [field value ...]
fn hmset(ctx: &mut Ctx, argv: &[Arg]) {
    set_pairs(ctx, argv, "hmset", true);
}

/// HSETNX key field value
fn hsetnx(ctx: &mut Ctx, argv: &[Arg]) {
    let limits = limits(ctx);
    let now = ctx.now;
    let (key, field, value) = (&argv[1][..], &argv[2][..], &argv[3][..]);
    let h = match write_or_create(ctx.ks.db(ctx.db), key, now) {
        Ok(h) => h,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    if h.contains(field) {
        return ctx.out.int(0);
    }
    // Only a field that is really added can convert the hash (Redis checks
    // the lengths after the existence test here).
    h.prepare([field.len(), value.len()], limits);
    h.set(field, value, limits);
    ctx.notify(notify::HASH, "hset", key);
    ctx.dirty += 1;
    ctx.out.int(1);
}

/// HDEL key field [field ...]
fn hdel(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let key = &argv[1][..];
    let db = ctx.ks.db(ctx.db);
    let h = match write(db, key, now) {
        Ok(Some(h)) => h,
        Ok(None) => return ctx.out.int(0),
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let mut deleted = 0;
    let mut emptied = false;
    for field in &argv[2..] {
        if h.remove(field) {
            deleted += 1;
            if h.is_empty() {
                emptied = true;
                break;
            }
        }
    }
    if emptied {
        db.remove(key, now);
    }
    if deleted > 0 {
        ctx.notify(notify::HASH, "hdel", key);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
        ctx.dirty += deleted as u64;
    }
    ctx.out.int(deleted);
}

/// HINCRBY key field increment
fn hincrby(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(incr) = parse::int(&argv[3]) else {
        return ctx.out.error(errors::NOT_INT);
    };
    let limits = limits(ctx);
    let now = ctx.now;
    let (key, field) = (&argv[1][..], &argv[2][..]);
    let h = match write_or_create(ctx.ks.db(ctx.db), key, now) {
        Ok(h) => h,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let cur = match h.get(field) {
        None => 0,
        Some(v) => match parse::int(&v) {
            Some(n) => n,
            None => return ctx.out.error("ERR hash value is not an integer"),
        },
    };
    let Some(new) = cur.checked_add(incr) else {
        return ctx.out.error(errors::OVERFLOW);
    };
    h.set(field, new.to_string().as_bytes(), limits);
    ctx.notify(notify::HASH, "hincrby", key);
    ctx.dirty += 1;
    ctx.out.int(new);
}

/// HINCRBYFLOAT key field increment
///
/// The arithmetic is x87 long double and the stored text Redis's "human"
/// `%.17Lf` form, exactly as INCRBYFLOAT (see `strings::ldouble`).
fn hincrbyfloat(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(incr) = ldouble::parse_redis(&argv[3]) else {
        return ctx.out.error(errors::NOT_FLOAT);
    };
    if !incr.is_finite() {
        return ctx.out.error("ERR value is NaN or Infinity");
    }
    let limits = limits(ctx);
    let now = ctx.now;
    let (key, field) = (&argv[1][..], &argv[2][..]);
    let h = match write_or_create(ctx.ks.db(ctx.db), key, now) {
        Ok(h) => h,
        Err(WrongType) => return ctx.out.error(errors::WRONGTYPE),
    };
    let cur = match h.get(field) {
        None => LongDouble::from_i64(0),
        Some(v) => match ldouble::parse_redis(&v) {
            Some(x) => x,
            None => return ctx.out.error("ERR hash value is not a float"),
        },
    };
    let sum = match cur.add(incr) {
        Some(v) if v.is_finite() => v,
        _ => return ctx.out.error("ERR increment would produce NaN or Infinity"),
    };
    let text = sum.format_human();
    h.set(field, text.as_bytes(), limits);
    ctx.notify(notify::HASH, "hincrbyfloat", key);
    ctx.dirty += 1;
    ctx.out.bulk(text.as_bytes());
}

// ---------------------------------------------------------------------------
// Reads.
// ---------------------------------------------------------------------------

/// Runs `found` on the hash at `key`, or `missing` when the key does not
/// exist; replies WRONGTYPE for another type.
fn with_hash(
    ctx: &mut Ctx,
    key: &[u8],
    missing: impl FnOnce(&mut Out),
    found: impl FnOnce(&Hash, &mut Out),
) {
    let now = ctx.now;
    let out = &mut *ctx.out;
    match read(ctx.ks.db(ctx.db), key, now) {
        Ok(Some(h)) => found(h, out),
        Ok(None) => missing(out),
        Err(WrongType) => out.error(errors::WRONGTYPE),
    }
}

/// HGET key field
fn hget(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(ctx, &argv[1], Out::null, |h, out| match h.get(&argv[2]) {
        Some(v) => out.bulk(&v),
        None => out.null(),
    });
}

/// HMGET key field [field ...]
fn hmget(ctx: &mut Ctx, argv: &[Arg]) {
    let fields = &argv[2..];
    with_hash(
        ctx,
        &argv[1],
        |out| {
            out.array(fields.len());
            for _ in fields {
                out.null();
            }
        },
        |h, out| {
            out.array(fields.len());
            for f in fields {
                match h.get(f) {
                    Some(v) => out.bulk(&v),
                    None => out.null(),
                }
            }
        },
    );
}

/// HLEN key
fn hlen(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(
        ctx,
        &argv[1],
        |out| out.int(0),
        |h, out| out.int(h.len() as i64),
    );
}

/// HEXISTS key field
fn hexists(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(
        ctx,
        &argv[1],
        |out| out.int(0),
        |h, out| out.int(h.contains(&argv[2]) as i64),
    );
}

/// HSTRLEN key field
fn hstrlen(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(
        ctx,
        &argv[1],
        |out| out.int(0),
        |h, out| out.int(h.get(&argv[2]).map_or(0, |v| v.len() as i64)),
    );
}

/// HGETALL key (a map in RESP3)
fn hgetall(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(
        ctx,
        &argv[1],
        |out| out.map(0),
        |h, out| {
            out.map(h.len());
            for (f, v) in h.iter() {
                out.bulk(&f);
                out.bulk(&v);
            }
        },
    );
}

/// HKEYS key
fn hkeys(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(
        ctx,
        &argv[1],
        |out| out.array(0),
        |h, out| {
            out.array(h.len());
            for (f, _) in h.iter() {
                out.bulk(&f);
            }
        },
    );
}

/// HVALS key
fn hvals(ctx: &mut Ctx, argv: &[Arg]) {
    with_hash(
        ctx,
        &argv[1],
        |out| out.array(0),
        |h, out| {
            out.array(h.len());
            for (_, v) in h.iter() {
                out.bulk(&v);
            }
        },
    );
}

// ---------------------------------------------------------------------------
// HRANDFIELD.
// ---------------------------------------------------------------------------

/// HRANDFIELD key [count [WITHVALUES]]
fn hrandfield(ctx: &mut Ctx, argv: &[Arg]) {
    if argv.len() < 3 {
        return with_hash(ctx, &argv[1], Out::null, |h, out| {
            match h.random(&mut rand::thread_rng()) {
                Some((f, _)) => out.bulk(&f),
                None => out.null(),
            }
        });
    }
    let count = match parse::int(&argv[2]) {
        None => return ctx.out.error(errors::NOT_INT),
        // The count must fit -LONG_MAX..=LONG_MAX, so that it can be negated.
        Some(i64::MIN) => return ctx.out.error(&errors::out_of_range(-i64::MAX, i64::MAX)),
        Some(n) => n,
    };
    if argv.len() > 4 || (argv.len() == 4 && !parse::is(&argv[3], "withvalues")) {
        return ctx.out.error(errors::SYNTAX);
    }
    let with_values = argv.len() == 4;
    // Twice the count must still fit, since each pair is two replies.
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return ctx.out.error("ERR value is out of range");
    }
    with_hash(
        ctx,
        &argv[1],
        |out| out.array(0),
        |h, out| rand_with_count(h, out, count, with_values),
    );
}

/// HRANDFIELD with a count, on an existing hash. Follows Redis's cases: a
/// negative count draws with repetition; a count at least the size returns
/// the whole hash; otherwise `count` distinct fields, chosen by removing
/// random ones from a copy when the count is close to the size, or by
/// drawing until enough distinct ones were seen when it is small.
fn rand_with_count(h: &Hash, out: &mut Out, count: i64, with_values: bool) {
    let mut rng = rand::thread_rng();
    if count == 0 {
        return out.array(0);
    }
    if count < 0 {
        let n = count.unsigned_abs() as usize;
        pairs_header(out, n, with_values);
        if h.is_compact() {
            // One walk of the buffer instead of one per draw.
            let all: Vec<(Elem, Elem)> = h.iter().collect();
            for _ in 0..n {
                let (f, v) = &all[rng.gen_range(0..all.len())];
                reply_pair(out, f, v, with_values);
            }
        } else {
            for _ in 0..n {
                let (f, v) = h.random(&mut rng).expect("the hash is not empty");
                reply_pair(out, &f, &v, with_values);
            }
        }
        return;
    }
    let count = count as usize;
    let size = h.len();
    if count >= size {
        pairs_header(out, size, with_values);
        for (f, v) in h.iter() {
            reply_pair(out, &f, &v, with_values);
        }
        return;
    }
    pairs_header(out, count, with_values);
    if h.is_compact() {
        // Selection sampling: each pair is taken with probability
        // (still needed) / (still left), which yields exactly `count`
        // distinct pairs in storage order.
        let mut need = count;
        for (left, (f, v)) in (1..=size).rev().zip(h.iter()) {
            if need == 0 {
                break;
            }
            if rng.gen_range(0..left) < need {
                reply_pair(out, &f, &v, with_values);
                need -= 1;
            }
        }
    } else if count * 3 > size {
        let mut all: Vec<(Elem, Elem)> = h.iter().collect();
        while all.len() > count {
            let i = rng.gen_range(0..all.len());
            all.swap_remove(i);
        }
        for (f, v) in &all {
            reply_pair(out, f, v, with_values);
        }
    } else {
        let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(count);
        while seen.len() < count {
            let (f, v) = h.random(&mut rng).expect("the hash is not empty");
            if seen.insert(f.to_vec()) {
                reply_pair(out, &f, &v, with_values);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// HSCAN.
// ---------------------------------------------------------------------------

/// HSCAN key cursor [MATCH pattern] [COUNT count]
///
/// A compact hash is returned whole with cursor 0, whatever the cursor and
/// COUNT (as Redis does). A table is walked bucket by bucket until at least
/// COUNT elements (fields and values both count, as in Redis) were gathered
/// or ten times COUNT buckets were visited. MATCH filters fields afterwards.
fn hscan(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(mut cursor) = parse::scan_cursor(&argv[2]) else {
        return ctx.out.error(errors::INVALID_CURSOR);
    };
    let now = ctx.now;
    let out = &mut *ctx.out;
    let h = match read(ctx.ks.db(ctx.db), &argv[1], now) {
        Ok(Some(h)) => h,
        Ok(None) => {
            out.array(2);
            out.bulk(b"0");
            return out.array(0);
        }
        Err(WrongType) => return out.error(errors::WRONGTYPE),
    };
    let mut count: usize = 10;
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
            // A lone `*` matches everything; Redis skips the matcher then.
            pattern = (argv[i + 1].as_ref() != b"*").then_some(&argv[i + 1][..]);
        } else {
            return out.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut items: Vec<Vec<u8>> = Vec::new();
    let keep = |f: Elem, v: Elem, items: &mut Vec<Vec<u8>>| {
        if pattern.is_none_or(|p| glob_match(p, &f, false)) {
            items.push(f.to_vec());
            items.push(v.to_vec());
        }
    };
    if h.is_compact() {
        cursor = h.scan(cursor, |f, v| keep(f, v, &mut items));
    } else {
        // Redis counts elements before filtering, so a MATCH that rejects
        // everything still moves the cursor by about COUNT per call.
        let mut gathered = 0;
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = h.scan(cursor, |f, v| {
                gathered += 2;
                keep(f, v, &mut items);
            });
            if cursor == 0 || budget == 0 {
                break;
            }
            budget -= 1;
            if gathered >= count {
                break;
            }
        }
    }
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(items.len());
    for it in &items {
        out.bulk(it);
    }
}

// ---------------------------------------------------------------------------
// Declarations.
// ---------------------------------------------------------------------------

const KEY_ONLY: &[ArgSpec] = &[ArgSpec::key("key", 0)];
const KEY_FIELD: &[ArgSpec] = &[ArgSpec::key("key", 0), ArgSpec::string("field")];
const KEY_FIELDS: &[ArgSpec] = &[ArgSpec::key("key", 0), ArgSpec::string("field").multiple()];
const KEY_PAIRS: &[ArgSpec] = &[
    ArgSpec::key("key", 0),
    ArgSpec::block(
        "field_value",
        &[ArgSpec::string("field"), ArgSpec::string("value")],
    )
    .multiple(),
];

const RO_ACCESS: u32 = kflags::RO | kflags::ACCESS;
const RW_ACCESS_UPDATE: u32 = kflags::RW | kflags::ACCESS | kflags::UPDATE;

const READ_FAST: &[&str] = &["read", "hash", "fast"];
const READ_SLOW: &[&str] = &["read", "hash", "slow"];
const WRITE_FAST: &[&str] = &["write", "hash", "fast"];

/// The hash group's defaults, filled in per command below.
const HASH: CommandSpec = CommandSpec {
    group: "hash",
    since: "2.0.0",
    complexity: "O(1)",
    ..CommandSpec::DEFAULT
};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "hset",
        arity: -4,
        flags: WRITE | DENYOOM | FAST,
        acl: WRITE_FAST,
        keys: &[KeySpec::single(1, kflags::RW | kflags::UPDATE)],
        args: KEY_PAIRS,
        summary: "Sets fields of a hash to values, creating the hash if needed; replies with the count of new fields.",
        complexity: "O(1) per field/value pair, O(N) for N pairs.",
        exec: Exec::Keys(hset),
        ..HASH
    },
    CommandSpec {
        name: "hsetnx",
        arity: 4,
        flags: WRITE | DENYOOM | FAST,
        acl: WRITE_FAST,
        keys: &[KeySpec::single(1, kflags::RW | kflags::INSERT)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("field"),
            ArgSpec::string("value"),
        ],
        summary: "Sets a field of a hash only when the field is absent.",
        exec: Exec::Keys(hsetnx),
        ..HASH
    },
    CommandSpec {
        name: "hget",
        arity: 3,
        flags: READONLY | FAST,
        acl: READ_FAST,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_FIELD,
        summary: "Returns the value of one field of a hash.",
        exec: Exec::Keys(hget),
        ..HASH
    },
    CommandSpec {
        name: "hmset",
        arity: -4,
        flags: WRITE | DENYOOM | FAST,
        acl: WRITE_FAST,
        keys: &[KeySpec::single(1, kflags::RW | kflags::UPDATE)],
        args: KEY_PAIRS,
        summary: "Sets fields of a hash to values and replies OK (the older form of HSET).",
        complexity: "O(N) for N fields set.",
        exec: Exec::Keys(hmset),
        ..HASH
    },
    CommandSpec {
        name: "hmget",
        arity: -3,
        flags: READONLY | FAST,
        acl: READ_FAST,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_FIELDS,
        summary: "Returns the values of several fields of a hash, null for absent ones.",
        complexity: "O(N) for N fields requested.",
        exec: Exec::Keys(hmget),
        ..HASH
    },
    CommandSpec {
        name: "hgetall",
        arity: 2,
        flags: READONLY,
        acl: READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_ONLY,
        summary: "Returns every field and value of a hash.",
        complexity: "O(N) for a hash of N fields.",
        exec: Exec::Keys(hgetall),
        ..HASH
    },
    CommandSpec {
        name: "hdel",
        arity: -3,
        flags: WRITE | FAST,
        acl: WRITE_FAST,
        keys: &[KeySpec::single(1, kflags::RW | kflags::DELETE)],
        args: KEY_FIELDS,
        summary: "Removes fields from a hash, and the key once no field is left.",
        complexity: "O(N) for N fields removed.",
        exec: Exec::Keys(hdel),
        ..HASH
    },
    CommandSpec {
        name: "hlen",
        arity: 2,
        flags: READONLY | FAST,
        acl: READ_FAST,
        keys: &[KeySpec::single(1, kflags::RO)],
        args: KEY_ONLY,
        summary: "Returns the number of fields of a hash.",
        exec: Exec::Keys(hlen),
        ..HASH
    },
    CommandSpec {
        name: "hexists",
        arity: 3,
        flags: READONLY | FAST,
        acl: READ_FAST,
        keys: &[KeySpec::single(1, kflags::RO)],
        args: KEY_FIELD,
        summary: "Tells whether a field exists in a hash.",
        exec: Exec::Keys(hexists),
        ..HASH
    },
    CommandSpec {
        name: "hkeys",
        arity: 2,
        flags: READONLY,
        acl: READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_ONLY,
        summary: "Returns every field name of a hash.",
        complexity: "O(N) for a hash of N fields.",
        exec: Exec::Keys(hkeys),
        ..HASH
    },
    CommandSpec {
        name: "hvals",
        arity: 2,
        flags: READONLY,
        acl: READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: KEY_ONLY,
        summary: "Returns every value of a hash.",
        complexity: "O(N) for a hash of N fields.",
        exec: Exec::Keys(hvals),
        ..HASH
    },
    CommandSpec {
        name: "hincrby",
        arity: 4,
        flags: WRITE | DENYOOM | FAST,
        acl: WRITE_FAST,
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("field"),
            ArgSpec::integer("increment"),
        ],
        summary: "Adds an integer to the integer in a hash field (absent fields count as 0).",
        exec: Exec::Keys(hincrby),
        ..HASH
    },
    CommandSpec {
        name: "hincrbyfloat",
        arity: 4,
        flags: WRITE | DENYOOM | FAST,
        acl: WRITE_FAST,
        keys: &[KeySpec::single(1, RW_ACCESS_UPDATE)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::string("field"),
            ArgSpec::double("increment"),
        ],
        summary: "Adds a floating-point number to the number in a hash field (absent fields count as 0).",
        since: "2.6.0",
        exec: Exec::Keys(hincrbyfloat),
        ..HASH
    },
    CommandSpec {
        name: "hstrlen",
        arity: 3,
        flags: READONLY | FAST,
        acl: READ_FAST,
        keys: &[KeySpec::single(1, kflags::RO)],
        args: KEY_FIELD,
        summary: "Returns the length in bytes of the value of a hash field.",
        since: "3.2.0",
        exec: Exec::Keys(hstrlen),
        ..HASH
    },
    CommandSpec {
        name: "hrandfield",
        arity: -2,
        flags: READONLY,
        acl: READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::block(
                "options",
                &[
                    ArgSpec::integer("count"),
                    ArgSpec::token("withvalues", "WITHVALUES").optional(),
                ],
            )
            .optional(),
        ],
        summary: "Returns random fields of a hash: distinct ones for a positive count, possibly repeated for a negative one.",
        since: "6.2.0",
        complexity: "O(N) for N fields returned.",
        exec: Exec::Keys(hrandfield),
        ..HASH
    },
    CommandSpec {
        name: "hscan",
        arity: -3,
        flags: READONLY,
        acl: READ_SLOW,
        keys: &[KeySpec::single(1, RO_ACCESS)],
        args: &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("cursor"),
            ArgSpec::pattern("pattern").with_token("MATCH").optional(),
            ArgSpec::integer("count").with_token("COUNT").optional(),
        ],
        summary: "Walks the fields and values of a hash with a cursor, a few per call.",
        since: "2.8.0",
        complexity: "O(1) per call, O(N) for a whole walk of a hash of N fields.",
        exec: Exec::Keys(hscan),
        ..HASH
    },
];

#[cfg(test)]
mod tests;
