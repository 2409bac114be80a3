//! Generic keyspace commands: deleting, testing, renaming, copying and moving
//! keys, listing and scanning them, OBJECT introspection, and the
//! database-wide DBSIZE, FLUSHDB, FLUSHALL and SWAPDB. Handlers see one
//! shard's keyspace only; the runtime merges the per-shard replies of the
//! commands declared `Split` or `AllShards`, so no handler here may assume it
//! sees every key of a database.

use crate::spec::{flags::*, kflags, ArgSpec, CommandSpec, Exec, KeySpec, Merge};
use crate::{errors, notify, parse, Ctx};
use tessera_resp::Arg;
use tessera_storage::glob::glob_match;
use tessera_storage::{Db, Ms, Value};

/// A read lookup that does not refresh the key's access time but counts a
/// keyspace hit or miss, as Redis's `LOOKUP_NOTOUCH` reads do (EXISTS, TYPE,
/// TTL, OBJECT). Returns whether the key exists.
pub(crate) fn exists_notouch(db: &mut Db, key: &[u8], now: Ms) -> bool {
    let found = db.contains(key, now);
    if found {
        db.stats.hits += 1;
    } else {
        // Counts the miss and, when listened for, raises `keymiss`.
        db.note_miss(key);
    }
    found
}

/// Parses a database index argument of MOVE and COPY: a C `int` (Redis's
/// errors otherwise) naming one of the configured databases.
fn db_index(ctx: &Ctx, arg: &[u8]) -> Result<usize, String> {
    let n = parse::int32_or_err(arg)?;
    // The scratch keyspace of a multi-shard command is expected to hold every
    // database, but checking its length too keeps a mismatch from panicking.
    let limit = ctx.config.databases.min(ctx.ks.len());
    match usize::try_from(n) {
        Ok(i) if i < limit => Ok(i),
        _ => Err(errors::DB_INDEX.to_string()),
    }
}

// ---------------------------------------------------------------------------
// Deleting and testing keys. Each runs on any subset of its keys: the runtime
// splits the key list by shard and adds the integer replies up.
// ---------------------------------------------------------------------------

/// Removes every listed key that exists; returns how many were removed.
fn remove_keys(ctx: &mut Ctx, keys: &[Arg]) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    let mut removed = 0u64;
    let mut gone: Vec<&[u8]> = Vec::new();
    for k in keys {
        if db.remove(k, now).is_some() {
            removed += 1;
            gone.push(k);
        }
    }
    ctx.dirty += removed;
    for k in gone {
        ctx.notify(notify::GENERIC, "del", k);
    }
    ctx.out.int(removed as i64);
}

/// DEL key [key ...]
fn del(ctx: &mut Ctx, argv: &[Arg]) {
    remove_keys(ctx, &argv[1..]);
}

/// UNLINK key [key ...]
///
/// Values are freed where they are dropped; a shard owns its memory, so
/// there is no background thread to hand large values to, and UNLINK is DEL.
fn unlink(ctx: &mut Ctx, argv: &[Arg]) {
    remove_keys(ctx, &argv[1..]);
}

/// EXISTS key [key ...]
///
/// A key named twice is counted twice, as in Redis.
fn exists(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    let n = argv[1..]
        .iter()
        .filter(|k| exists_notouch(db, k, now))
        .count();
    ctx.out.int(n as i64);
}

/// TOUCH key [key ...]
fn touch(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    let n = argv[1..]
        .iter()
        .filter(|k| db.get(k, now).is_some())
        .count();
    ctx.out.int(n as i64);
}

/// TYPE key
fn type_(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    let name = if exists_notouch(db, &argv[1], now) {
        db.peek(&argv[1], now).map_or("none", Value::type_name)
    } else {
        "none"
    };
    ctx.out.simple(name);
}

// ---------------------------------------------------------------------------
// Renaming, copying, moving. RENAME, RENAMENX and COPY may name keys on two
// shards; the runtime then runs them on a scratch keyspace holding copies of
// both keys and writes back the keys their key specs allow them to write.
// ---------------------------------------------------------------------------

/// RENAME key newkey / RENAMENX key newkey
///
/// The value keeps its TTL under the new name; whatever `newkey` held before
/// (value and TTL) is gone.
fn rename_generic(ctx: &mut Ctx, argv: &[Arg], nx: bool) {
    let (src, dst) = (&argv[1], &argv[2]);
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    if !db.contains(src, now) {
        ctx.out.error(errors::NO_SUCH_KEY);
        return;
    }
    if src == dst {
        // Renaming a key onto itself changes nothing; Redis replies as if done
        // for RENAME and "not done" for RENAMENX.
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return;
    }
    if nx && db.contains(dst, now) {
        ctx.out.int(0);
        return;
    }
    let Some((value, expire_at)) = db.take(src, now) else {
        // `contains` just said the key is there; keep the reply sane anyway.
        ctx.out.error(errors::NO_SUCH_KEY);
        return;
    };
    // Redis deletes the old destination and adds the key afresh, so a
    // rename onto an existing key raises `new` too.
    db.delete(dst, now);
    db.set_with_expire(dst, value, expire_at, now);
    ctx.dirty += 1;
    ctx.notify(notify::GENERIC, "rename_from", src);
    ctx.notify(notify::GENERIC, "rename_to", dst);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
}

/// RENAME key newkey
fn rename(ctx: &mut Ctx, argv: &[Arg]) {
    rename_generic(ctx, argv, false);
}

/// RENAMENX key newkey
fn renamenx(ctx: &mut Ctx, argv: &[Arg]) {
    rename_generic(ctx, argv, true);
}

/// COPY source destination [DB destination-db] [REPLACE]
///
/// The copy is deep and carries the source's TTL.
fn copy(ctx: &mut Ctx, argv: &[Arg]) {
    let src_db = ctx.db;
    let mut dst_db = ctx.db;
    let mut replace = false;
    let mut i = 3;
    while i < argv.len() {
        if parse::is(&argv[i], "replace") {
            replace = true;
            i += 1;
        } else if parse::is(&argv[i], "db") && i + 1 < argv.len() {
            match db_index(ctx, &argv[i + 1]) {
                Ok(d) => dst_db = d,
                Err(e) => {
                    ctx.out.error(&e);
                    return;
                }
            }
            i += 2;
        } else {
            ctx.out.error(errors::SYNTAX);
            return;
        }
    }
    let (src, dst) = (&argv[1], &argv[2]);
    if src_db == dst_db && src == dst {
        ctx.out.error(errors::SAME_OBJECT);
        return;
    }
    let now = ctx.now;
    let source = ctx.ks.db(src_db);
    let Some(value) = source.get(src, now).cloned() else {
        ctx.out.int(0);
        return;
    };
    let expire_at = source.get_expire(src);
    let target = ctx.ks.db(dst_db);
    if target.contains(dst, now) && !replace {
        ctx.out.int(0);
        return;
    }
    // As RENAME: the replaced key is deleted and the copy added afresh (a
    // `new` event).
    target.delete(dst, now);
    target.set_with_expire(dst, value, expire_at, now);
    ctx.dirty += 1;
    notify_in(ctx, dst_db, "copy_to", dst);
    ctx.out.int(1);
}

/// MOVE key db
///
/// Both databases belong to the shard that owns the key, so this never
/// crosses shards. The key keeps its TTL.
fn move_(ctx: &mut Ctx, argv: &[Arg]) {
    let to = match db_index(ctx, &argv[2]) {
        Ok(d) => d,
        Err(e) => {
            ctx.out.error(&e);
            return;
        }
    };
    if to == ctx.db {
        ctx.out.error(errors::SAME_OBJECT);
        return;
    }
    let key = &argv[1];
    let now = ctx.now;
    if !ctx.ks.db(ctx.db).contains(key, now) || ctx.ks.db(to).contains(key, now) {
        ctx.out.int(0);
        return;
    }
    let Some((value, expire_at)) = ctx.ks.db(ctx.db).take(key, now) else {
        ctx.out.int(0);
        return;
    };
    ctx.ks.db(to).set_with_expire(key, value, expire_at, now);
    ctx.dirty += 1;
    ctx.notify(notify::GENERIC, "move_from", key);
    notify_in(ctx, to, "move_to", key);
    ctx.out.int(1);
}

/// Raises a generic keyspace event in database `db` rather than the selected one.
fn notify_in(ctx: &mut Ctx, db: usize, event: &'static str, key: &[u8]) {
    let selected = ctx.db;
    ctx.db = db;
    ctx.notify(notify::GENERIC, event, key);
    ctx.db = selected;
}

// ---------------------------------------------------------------------------
// Listing keys. KEYS, RANDOMKEY and DBSIZE run on every shard and the runtime
// merges; SCAN runs on the one shard its cursor names.
// ---------------------------------------------------------------------------

/// KEYS pattern
fn keys(ctx: &mut Ctx, argv: &[Arg]) {
    let pattern = &argv[1];
    let all = pattern.as_ref() == b"*";
    let mut found: Vec<Vec<u8>> = Vec::new();
    ctx.ks.db_ref(ctx.db).for_each(ctx.now, |k, _| {
        if all || glob_match(pattern, k, false) {
            found.push(k.to_vec());
        }
    });
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
}

/// RANDOMKEY
fn randomkey(ctx: &mut Ctx, _argv: &[Arg]) {
    let now = ctx.now;
    match ctx.ks.db(ctx.db).random_key(now) {
        Some(k) => ctx.out.bulk(&k),
        None => ctx.out.null(),
    }
}

/// DBSIZE
fn dbsize(ctx: &mut Ctx, _argv: &[Arg]) {
    let n = ctx.ks.db_ref(ctx.db).len();
    ctx.out.int(n as i64);
}

/// How a SCAN cursor names a place in the whole keyspace. The low part (the
/// cursor modulo the shard count) is the shard, so the runtime can route the
/// next call by arithmetic alone; the high part (the cursor divided by the
/// shard count) is the position within that shard's own scan. Cursor 0 is the
/// start of shard 0. When a shard's scan ends, the next cursor is that of the
/// following shard at position 0, which is simply its index; after the last
/// shard it is 0, which ends the iteration.
pub mod cursor {
    /// Splits a cursor into (shard, position within that shard's scan).
    pub fn decode(cursor: u64, shards: usize) -> (usize, u64) {
        let n = shards.max(1) as u64;
        ((cursor % n) as usize, cursor / n)
    }

    /// The cursor to return after `shard` replied `next` (its own next
    /// position, 0 when its scan is complete).
    pub fn next(shard: usize, shards: usize, next: u64) -> u64 {
        let n = shards.max(1) as u64;
        if next == 0 {
            let following = shard as u64 + 1;
            return if following < n { following } else { 0 };
        }
        // A position this large cannot be named together with the shard. It
        // would need a shard's scan position above 2^64 / shards; should a
        // storage scan ever hand one out, the rest of that shard is skipped
        // rather than returning a cursor that names the wrong place.
        match next
            .checked_mul(n)
            .and_then(|c| c.checked_add(shard as u64))
        {
            Some(c) => c,
            None => next_shard_or_end(shard, n),
        }
    }

    fn next_shard_or_end(shard: usize, n: u64) -> u64 {
        let following = shard as u64 + 1;
        if following < n {
            following
        } else {
            0
        }
    }
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
fn scan(ctx: &mut Ctx, argv: &[Arg]) {
    let Some(cur) = parse::scan_cursor(&argv[1]) else {
        ctx.out.error(errors::INVALID_CURSOR);
        return;
    };
    let mut count: usize = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut type_filter: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if parse::is(&argv[i], "count") && has_value {
            match parse::int(&argv[i + 1]) {
                None => {
                    ctx.out.error(errors::NOT_INT);
                    return;
                }
                Some(n) if n < 1 => {
                    ctx.out.error(errors::SYNTAX);
                    return;
                }
                Some(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
            }
        } else if parse::is(&argv[i], "match") && has_value {
            // A lone `*` matches everything; skip the matcher then, as Redis does.
            pattern = (argv[i + 1].as_ref() != b"*").then_some(&argv[i + 1][..]);
        } else if parse::is(&argv[i], "type") && has_value {
            type_filter = Some(&argv[i + 1]);
        } else {
            ctx.out.error(errors::SYNTAX);
            return;
        }
        i += 2;
    }
    // The runtime routed the command to the shard the cursor names, so the
    // shard part is this shard's index; trust `ctx.shard` for it.
    let (_, pos) = cursor::decode(cur, ctx.shards);
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = ctx.ks.db_ref(ctx.db).scan(pos, count, ctx.now, |k, v| {
        if pattern.is_some_and(|p| !glob_match(p, k, false)) {
            return;
        }
        if type_filter.is_some_and(|t| !t.eq_ignore_ascii_case(v.type_name().as_bytes())) {
            return;
        }
        found.push(k.to_vec());
    });
    let next = cursor::next(ctx.shard, ctx.shards, next);
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
}

// ---------------------------------------------------------------------------
// Database-wide commands. They run on every shard with the same arguments, so
// argument errors must come out the same everywhere: they depend on argv and
// the configuration only. Counts that Redis adds once per command (not per
// key) are added by shard 0 only, so the runtime's sum matches Redis.
// ---------------------------------------------------------------------------

/// Checks the optional ASYNC|SYNC argument of FLUSHDB and FLUSHALL. Both modes
/// free synchronously: a shard frees its own memory, there is no other thread.
fn flush_mode_ok(argv: &[Arg]) -> bool {
    match argv.len() {
        1 => true,
        2 => parse::is(&argv[1], "sync") || parse::is(&argv[1], "async"),
        _ => false,
    }
}

/// FLUSHDB [ASYNC|SYNC]
fn flushdb(ctx: &mut Ctx, argv: &[Arg]) {
    if !flush_mode_ok(argv) {
        ctx.out.error(errors::SYNTAX);
        return;
    }
    let removed = ctx.db().clear();
    ctx.dirty += removed as u64;
    ctx.out.ok();
}

/// FLUSHALL [ASYNC|SYNC]
fn flushall(ctx: &mut Ctx, argv: &[Arg]) {
    if !flush_mode_ok(argv) {
        ctx.out.error(errors::SYNTAX);
        return;
    }
    let removed: usize = ctx.ks.dbs_mut().iter_mut().map(Db::clear).sum();
    // Redis counts the removed keys plus one for the command itself.
    ctx.dirty += removed as u64 + u64::from(ctx.shard == 0);
    ctx.out.ok();
}

/// SWAPDB index1 index2
fn swapdb(ctx: &mut Ctx, argv: &[Arg]) {
    let Ok(a) = parse::int32_or_err(&argv[1]) else {
        ctx.out.error("ERR invalid first DB index");
        return;
    };
    let Ok(b) = parse::int32_or_err(&argv[2]) else {
        ctx.out.error("ERR invalid second DB index");
        return;
    };
    let limit = ctx.config.databases.min(ctx.ks.len());
    let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
        ctx.out.error(errors::DB_INDEX);
        return;
    };
    if a >= limit || b >= limit {
        ctx.out.error(errors::DB_INDEX);
        return;
    }
    ctx.ks.swap(a, b);
    ctx.dirty += u64::from(ctx.shard == 0);
    ctx.out.ok();
}

// ---------------------------------------------------------------------------
// OBJECT subcommands.
// ---------------------------------------------------------------------------

/// Values Redis 7.0 keeps as shared integer objects (with the `noeviction`
/// policy): their reference count reads as `INT_MAX`.
const SHARED_INTEGERS: i64 = 10_000;

const LFU_NOT_SELECTED: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// Looks the key of an OBJECT subcommand up without refreshing its access
/// time. Replies null and returns false when it is missing.
fn object_lookup(ctx: &mut Ctx, key: &[u8]) -> bool {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    // Redis's OBJECT counts the hit or miss but raises no `keymiss`
    // (LOOKUP_NONOTIFY), so this is not `exists_notouch`.
    if db.contains(key, now) {
        db.stats.hits += 1;
        true
    } else {
        db.stats.misses += 1;
        ctx.out.null();
        false
    }
}

/// OBJECT ENCODING key
fn object_encoding(ctx: &mut Ctx, argv: &[Arg]) {
    if !object_lookup(ctx, &argv[2]) {
        return;
    }
    let now = ctx.now;
    match ctx.ks.db(ctx.db).peek(&argv[2], now) {
        Some(v) => {
            let enc = v.encoding();
            ctx.out.bulk_str(enc);
        }
        None => ctx.out.null(),
    }
}

/// OBJECT REFCOUNT key
///
/// Tessera shares no values between keys; the reply mirrors what Redis
/// reports so that clients see the same numbers: small non-negative integers
/// are shared objects there.
fn object_refcount(ctx: &mut Ctx, argv: &[Arg]) {
    if !object_lookup(ctx, &argv[2]) {
        return;
    }
    let now = ctx.now;
    let shared = matches!(
        ctx.ks.db(ctx.db).peek(&argv[2], now),
        Some(Value::Int(n)) if (0..SHARED_INTEGERS).contains(n)
    );
    ctx.out.int(if shared { i32::MAX as i64 } else { 1 });
}

/// OBJECT IDLETIME key
fn object_idletime(ctx: &mut Ctx, argv: &[Arg]) {
    if !object_lookup(ctx, &argv[2]) {
        return;
    }
    let idle = ctx.ks.db_ref(ctx.db).idle_seconds(&argv[2], ctx.now);
    ctx.out
        .int(idle.map_or(0, |s| i64::try_from(s).unwrap_or(i64::MAX)));
}

/// OBJECT FREQ key
///
/// Access frequency is only tracked under an LFU eviction policy; Tessera
/// has no eviction policy setting yet, so it is `noeviction` and existing
/// keys get Redis's error.
fn object_freq(ctx: &mut Ctx, argv: &[Arg]) {
    if !object_lookup(ctx, &argv[2]) {
        return;
    }
    ctx.out.error(LFU_NOT_SELECTED);
}

/// OBJECT HELP
fn object_help(ctx: &mut Ctx, _argv: &[Arg]) {
    const LINES: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Name the internal representation that holds the value of <key>.",
        "FREQ <key>",
        "    Show the logarithmic access-frequency counter of <key> (needs an LFU",
        "    maxmemory policy).",
        "IDLETIME <key>",
        "    Show roughly how many seconds have passed since <key> was last used.",
        "REFCOUNT <key>",
        "    Show how many references point at the value of <key>.",
        "HELP",
        "    Print this help.",
    ];
    ctx.out.array(LINES.len());
    for l in LINES {
        ctx.out.simple(l);
    }
}

// ---------------------------------------------------------------------------
// Declarations.
// ---------------------------------------------------------------------------

const KEY_RO: KeySpec = KeySpec::single(1, kflags::RO);
const KEYS_RO: KeySpec = KeySpec::range_to_end(1, 1, kflags::RO);
const KEYS_RM: KeySpec = KeySpec::range_to_end(1, 1, kflags::RM | kflags::DELETE);
const SOURCE_RENAMED: KeySpec = KeySpec::single(1, kflags::RW | kflags::ACCESS | kflags::DELETE);
const OBJECT_KEY: &[KeySpec] = &[KeySpec::single(2, kflags::RO)];
const MANY_KEYS: &[ArgSpec] = &[ArgSpec::key("key", 0).multiple()];
const ONE_KEY: &[ArgSpec] = &[ArgSpec::key("key", 0)];
const FLUSH_ARGS: &[ArgSpec] = &[ArgSpec::oneof(
    "async",
    &[
        ArgSpec::token("async", "ASYNC").since("4.0.0"),
        ArgSpec::token("sync", "SYNC").since("6.2.0"),
    ],
)
.optional()];

/// An OBJECT subcommand reading the key at index 2.
const fn object_sub(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    h: crate::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 3,
        flags: READONLY,
        acl: &["keyspace", "read", "slow"],
        keys: OBJECT_KEY,
        args: ONE_KEY,
        summary,
        since,
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(h),
        subcommands: &[],
    }
}

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    object_sub(
        "encoding",
        "Reports how the value of a key is represented internally.",
        "2.2.3",
        object_encoding,
    ),
    object_sub(
        "freq",
        "Reports the logarithmic access-frequency counter of a key (LFU policies only).",
        "4.0.0",
        object_freq,
    ),
    CommandSpec {
        name: "help",
        arity: 2,
        flags: LOADING | STALE,
        acl: &["keyspace", "slow"],
        summary: "Lists the OBJECT subcommands.",
        since: "6.2.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(object_help),
        ..CommandSpec::DEFAULT
    },
    object_sub(
        "idletime",
        "Reports how many seconds ago a key was last read or written.",
        "2.2.3",
        object_idletime,
    ),
    object_sub(
        "refcount",
        "Reports how many references the value of a key has.",
        "2.2.3",
        object_refcount,
    ),
];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "del",
        arity: -2,
        flags: WRITE,
        acl: &["keyspace", "write", "slow"],
        keys: &[KEYS_RM],
        args: MANY_KEYS,
        summary: "Removes keys, whatever their type.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N) for N keys, plus O(M) for a key whose value has M elements.",
        exec: Exec::Split(del, Merge::Sum),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unlink",
        arity: -2,
        flags: WRITE | FAST,
        acl: &["keyspace", "write", "fast"],
        keys: &[KEYS_RM],
        args: MANY_KEYS,
        summary: "Removes keys; Redis frees their memory in the background.",
        since: "4.0.0",
        group: "generic",
        complexity: "O(1) per key removed, plus the work of freeing its value.",
        exec: Exec::Split(unlink, Merge::Sum),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "exists",
        arity: -2,
        flags: READONLY | FAST,
        acl: &["keyspace", "read", "fast"],
        keys: &[KEYS_RO],
        args: MANY_KEYS,
        summary: "Counts how many of the given keys exist.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N) for N keys.",
        exec: Exec::Split(exists, Merge::Sum),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "type",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["keyspace", "read", "fast"],
        keys: &[KEY_RO],
        args: ONE_KEY,
        summary: "Names the type of the value held by a key.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(type_),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rename",
        arity: 3,
        flags: WRITE,
        acl: &["keyspace", "write", "slow"],
        keys: &[
            SOURCE_RENAMED,
            KeySpec::single(2, kflags::OW | kflags::UPDATE),
        ],
        args: &[ArgSpec::key("key", 0), ArgSpec::key("newkey", 1)],
        summary: "Gives a key a new name, replacing any key of that name.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(rename),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "renamenx",
        arity: 3,
        flags: WRITE | FAST,
        acl: &["keyspace", "write", "fast"],
        keys: &[
            SOURCE_RENAMED,
            KeySpec::single(2, kflags::OW | kflags::INSERT),
        ],
        args: &[ArgSpec::key("key", 0), ArgSpec::key("newkey", 1)],
        summary: "Gives a key a new name only if no key has that name yet.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(renamenx),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "copy",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["keyspace", "write", "slow"],
        keys: &[
            KeySpec::single(1, kflags::RO | kflags::ACCESS),
            KeySpec::single(2, kflags::OW | kflags::UPDATE),
        ],
        args: &[
            ArgSpec::key("source", 0),
            ArgSpec::key("destination", 1),
            ArgSpec::integer("destination-db").with_token("DB").optional(),
            ArgSpec::token("replace", "REPLACE").optional(),
        ],
        summary: "Duplicates the value (and TTL) of a key under another name, possibly in another database.",
        since: "6.2.0",
        group: "generic",
        complexity: "O(1) for strings, O(N) for a collection of N nested elements.",
        exec: Exec::Keys(copy),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "move",
        arity: 3,
        flags: WRITE | FAST,
        acl: &["keyspace", "write", "fast"],
        keys: &[KeySpec::single(
            1,
            kflags::RW | kflags::ACCESS | kflags::UPDATE,
        )],
        args: &[ArgSpec::key("key", 0), ArgSpec::integer("db")],
        summary: "Transfers a key to another database of the server.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(move_),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "keys",
        arity: 2,
        flags: READONLY,
        acl: &["keyspace", "read", "slow", "dangerous"],
        args: &[ArgSpec::pattern("pattern")],
        summary: "Lists every key whose name matches a glob-style pattern.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(N) for N keys in the database.",
        exec: Exec::AllShards(keys, Merge::Concat),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "scan",
        arity: -2,
        flags: READONLY,
        acl: &["keyspace", "read", "slow"],
        args: &[
            ArgSpec::integer("cursor"),
            ArgSpec::pattern("pattern").with_token("MATCH").optional(),
            ArgSpec::integer("count").with_token("COUNT").optional(),
            ArgSpec::string("type")
                .with_token("TYPE")
                .optional()
                .since("6.0.0"),
        ],
        summary: "Walks the keys of the database a few at a time, resuming from a cursor.",
        since: "2.8.0",
        group: "generic",
        complexity: "O(1) per call; O(N) over a whole iteration of N keys.",
        exec: Exec::ByCursor(scan),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "randomkey",
        arity: 1,
        flags: READONLY,
        acl: &["keyspace", "read", "slow"],
        summary: "Picks a key of the database at random.",
        since: "1.0.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::AllShards(randomkey, Merge::AnyNonNull),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "touch",
        arity: -2,
        flags: READONLY | FAST,
        acl: &["keyspace", "read", "fast"],
        keys: &[KEYS_RO],
        args: MANY_KEYS,
        summary: "Marks keys as just used and counts how many of them exist.",
        since: "3.2.1",
        group: "generic",
        complexity: "O(N) for N keys.",
        exec: Exec::Split(touch, Merge::Sum),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "object",
        arity: -2,
        flags: 0,
        acl: &["slow"],
        summary: "Introspection of the values stored under keys.",
        since: "2.2.3",
        group: "generic",
        complexity: "Depends on subcommand.",
        exec: Exec::Container,
        subcommands: OBJECT_SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "dbsize",
        arity: 1,
        flags: READONLY | FAST,
        acl: &["keyspace", "read", "fast"],
        summary: "Counts the keys of the selected database.",
        since: "1.0.0",
        group: "server",
        complexity: "O(1)",
        exec: Exec::AllShards(dbsize, Merge::Sum),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "flushdb",
        arity: -1,
        flags: WRITE,
        acl: &["keyspace", "write", "slow", "dangerous"],
        args: FLUSH_ARGS,
        summary: "Removes every key of the selected database.",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) for N keys in the database.",
        exec: Exec::AllShards(flushdb, Merge::Ok),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "flushall",
        arity: -1,
        flags: WRITE,
        acl: &["keyspace", "write", "slow", "dangerous"],
        args: FLUSH_ARGS,
        summary: "Removes every key of every database.",
        since: "1.0.0",
        group: "server",
        complexity: "O(N) for N keys in all databases.",
        exec: Exec::AllShards(flushall, Merge::Ok),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "swapdb",
        arity: 3,
        flags: WRITE | FAST,
        acl: &["keyspace", "write", "fast", "dangerous"],
        args: &[ArgSpec::integer("index1"), ArgSpec::integer("index2")],
        summary: "Exchanges the contents of two databases.",
        since: "4.0.0",
        group: "server",
        complexity: "O(N) for N clients watching or blocked on keys of either database.",
        exec: Exec::AllShards(swapdb, Merge::Ok),
        ..CommandSpec::DEFAULT
    },
];

#[cfg(test)]
mod tests {
    //! Expected replies were taken from Redis 7.0.15 for the same commands.

    use super::*;
    use crate::harness::Harness;
    use crate::table::Lookup;
    use bytes::Bytes;
    use tessera_config::Config;
    use tessera_resp::{Out, Proto};
    use tessera_storage::Keyspace;

    /// Runs one command through its handler as shard `shard` of `shards` on
    /// `ks`, returning the reply and the dirty count it reported.
    fn run_on(
        ks: &mut Keyspace,
        db: usize,
        now: Ms,
        shard: usize,
        shards: usize,
        args: &[&str],
    ) -> (String, u64) {
        let h = Harness::new();
        let argv: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let Lookup::Found(spec) = h.table.lookup(&argv) else {
            panic!("unknown command {args:?}");
        };
        let handler = match spec.exec {
            Exec::Keys(f) | Exec::Split(f, _) | Exec::AllShards(f, _) | Exec::ByCursor(f) => f,
            _ => panic!("no handler for {args:?}"),
        };
        let config = Config::default();
        let mut out = Out::new(Proto::Resp2);
        let mut ctx = Ctx {
            ks,
            db,
            now,
            out: &mut out,
            config: &config,
            shard,
            shards,
            dirty: 0,
            notify_mask: 0,
            tracking: false,
            events: Default::default(),
            may_block: false,
            block: None,
        };
        handler(&mut ctx, &Arg::all(&argv));
        let dirty = ctx.dirty;
        drop(ctx);
        (String::from_utf8_lossy(&out.buf).into_owned(), dirty)
    }

    /// Runs a command on the harness's keyspace (one shard) and returns its dirty count.
    fn dirty_of(h: &mut Harness, args: &[&str]) -> u64 {
        let (db, now) = (h.db, h.now);
        run_on(&mut h.ks, db, now, 0, 1, args).1
    }

    /// Parses a SCAN reply into (next cursor, keys).
    fn parse_scan(reply: &str) -> (u64, Vec<String>) {
        let lines: Vec<&str> = reply.split("\r\n").collect();
        assert_eq!(lines[0], "*2", "{reply}");
        let cursor = lines[2].parse().unwrap();
        let n: usize = lines[3][1..].parse().unwrap();
        let keys = (0..n).map(|i| lines[5 + 2 * i].to_string()).collect();
        (cursor, keys)
    }

    /// Sorts the bulk strings of a flat array reply, for hash-ordered replies.
    fn sorted_array(reply: &str) -> Vec<String> {
        let lines: Vec<&str> = reply.split("\r\n").collect();
        let n: usize = lines[0][1..].parse().unwrap();
        let mut v: Vec<String> = (0..n).map(|i| lines[2 + 2 * i].to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn del_exists_unlink_count_like_redis() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "hello"]);
        assert_eq!(h.run(&["DEL", "a", "b", "c", "a"]), ":2\r\n");
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["EXISTS", "a", "a", "b", "nokey"]), ":2\r\n");
        assert_eq!(h.run(&["UNLINK", "a"]), ":1\r\n");
        assert_eq!(h.run(&["TYPE", "a"]), "+none\r\n");
        assert_eq!(
            h.run(&["DEL"]),
            "-ERR wrong number of arguments for 'del' command\r\n"
        );
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "1"]);
        assert_eq!(dirty_of(&mut h, &["DEL", "a", "b", "zz"]), 2);
    }

    #[test]
    fn exists_type_touch_count_hits_and_misses() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let before = h.ks.db(0).stats;
        assert_eq!(h.run(&["EXISTS", "k", "nokey"]), ":1\r\n");
        assert_eq!(h.run(&["TYPE", "k"]), "+string\r\n");
        assert_eq!(h.run(&["TOUCH", "k", "x"]), ":1\r\n");
        let after = h.ks.db(0).stats;
        // Redis 7.0.15 after the same three commands: 3 hits, 2 misses.
        assert_eq!(after.hits - before.hits, 3);
        assert_eq!(after.misses - before.misses, 2);
    }

    #[test]
    fn expired_keys_do_not_exist() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        h.run(&["PEXPIRE", "k", "100"]);
        assert_eq!(h.run(&["EXISTS", "k"]), ":1\r\n");
        h.advance(100);
        assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
        assert_eq!(h.run(&["TYPE", "k"]), "+none\r\n");
        assert_eq!(h.run(&["DEL", "k"]), ":0\r\n");
        assert_eq!(h.run(&["RENAME", "k", "j"]), "-ERR no such key\r\n");
    }

    #[test]
    fn rename_and_renamenx() {
        let mut h = Harness::new();
        h.run(&["SET", "n", "100"]);
        h.run(&["SET", "s", "hello"]);
        assert_eq!(h.run(&["RENAME", "nokey", "x"]), "-ERR no such key\r\n");
        assert_eq!(h.run(&["RENAMENX", "nokey", "x"]), "-ERR no such key\r\n");
        assert_eq!(h.run(&["RENAME", "s", "s"]), "+OK\r\n");
        assert_eq!(h.run(&["RENAMENX", "s", "s"]), ":0\r\n");
        assert_eq!(dirty_of(&mut h, &["RENAME", "s", "s2"]), 1);
        assert_eq!(h.run(&["GET", "s2"]), "$5\r\nhello\r\n");
        assert_eq!(h.run(&["EXISTS", "s"]), ":0\r\n");
        assert_eq!(h.run(&["RENAMENX", "s2", "n"]), ":0\r\n");
        assert_eq!(h.run(&["RENAMENX", "s2", "s3"]), ":1\r\n");
        assert_eq!(h.run(&["RENAME", "s3", "n"]), "+OK\r\n");
        assert_eq!(h.run(&["GET", "n"]), "$5\r\nhello\r\n");
        assert_eq!(
            h.run(&["RENAME", "a"]),
            "-ERR wrong number of arguments for 'rename' command\r\n"
        );
    }

    #[test]
    fn rename_carries_the_ttl_and_drops_the_targets() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "v"]);
        h.run(&["EXPIRE", "a", "100"]);
        assert_eq!(h.run(&["RENAME", "a", "b"]), "+OK\r\n");
        assert_eq!(h.run(&["TTL", "b"]), ":100\r\n");
        // The target's own TTL does not survive being overwritten.
        h.run(&["SET", "d", "v"]);
        assert_eq!(h.run(&["RENAME", "d", "b"]), "+OK\r\n");
        assert_eq!(h.run(&["TTL", "b"]), ":-1\r\n");
        // RENAMENX refused: the target keeps its value and TTL.
        h.run(&["SET", "e", "v"]);
        h.run(&["EXPIRE", "e", "50"]);
        assert_eq!(h.run(&["RENAMENX", "b", "e"]), ":0\r\n");
        assert_eq!(h.run(&["TTL", "e"]), ":50\r\n");
    }

    #[test]
    fn copy_like_redis() {
        let mut h = Harness::new();
        h.run(&["SET", "n", "100"]);
        h.run(&["SET", "s3", "hello"]);
        assert_eq!(
            h.run(&["COPY", "s3", "s3"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(h.run(&["COPY", "nokey", "x"]), ":0\r\n");
        assert_eq!(h.run(&["COPY", "s3", "n"]), ":0\r\n");
        assert_eq!(h.run(&["COPY", "s3", "n", "replace"]), ":1\r\n");
        assert_eq!(h.run(&["GET", "n"]), "$5\r\nhello\r\n");
        assert_eq!(h.run(&["COPY", "s3", "x", "db", "1"]), ":1\r\n");
        assert_eq!(h.run(&["COPY", "s3", "x", "db", "1"]), ":0\r\n");
        assert_eq!(
            h.run(&["COPY", "s3", "x", "db", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["COPY", "s3", "x", "db", "-1"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["COPY", "s3", "x", "db", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&["COPY", "k", "x", "db", "99999999999"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(h.run(&["COPY", "s3", "x", "db"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["COPY", "s3", "x", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(
            h.run(&["COPY", "s3", "x", "foo", "db", "16"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(h.run(&["COPY", "s3", "s3", "db", "1"]), ":1\r\n");
        assert_eq!(
            h.run(&["COPY", "s3", "s3", "db", "0"]),
            "-ERR source and destination objects are the same\r\n"
        );
        h.db = 1;
        assert_eq!(h.run(&["GET", "s3"]), "$5\r\nhello\r\n");
        assert_eq!(h.run(&["GET", "x"]), "$5\r\nhello\r\n");
    }

    #[test]
    fn copy_is_deep_and_keeps_the_ttl() {
        let mut h = Harness::new();
        h.run(&["SET", "b", "v"]);
        h.run(&["EXPIRE", "b", "100"]);
        assert_eq!(dirty_of(&mut h, &["COPY", "b", "c"]), 1);
        assert_eq!(h.run(&["TTL", "c"]), ":100\r\n");
        h.run(&["SET", "c", "changed"]);
        assert_eq!(h.run(&["GET", "b"]), "$1\r\nv\r\n");
        assert_eq!(h.run(&["TTL", "b"]), ":100\r\n");
    }

    #[test]
    fn move_like_redis() {
        let mut h = Harness::new();
        h.run(&["SET", "s3", "v"]);
        h.run(&["EXPIRE", "s3", "100"]);
        assert_eq!(
            h.run(&["MOVE", "s3", "0"]),
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(
            h.run(&["MOVE", "s3", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["MOVE", "s3", "-1"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["MOVE", "s3", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&["MOVE", "s3", "99999999999"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(h.run(&["MOVE", "nokey", "1"]), ":0\r\n");
        assert_eq!(dirty_of(&mut h, &["MOVE", "s3", "3"]), 1);
        assert_eq!(h.run(&["EXISTS", "s3"]), ":0\r\n");
        h.db = 3;
        assert_eq!(h.run(&["TTL", "s3"]), ":100\r\n");
        h.db = 0;
        // A key of that name in the target database blocks the move.
        h.run(&["SET", "s3", "other"]);
        assert_eq!(h.run(&["MOVE", "s3", "3"]), ":0\r\n");
        assert_eq!(h.run(&["GET", "s3"]), "$5\r\nother\r\n");
    }

    #[test]
    fn keys_and_dbsize_and_randomkey() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["RANDOMKEY"]), "$-1\r\n");
        assert_eq!(h.run(&["KEYS", "*"]), "*0\r\n");
        for k in ["user:1", "user:2", "item:1", "u"] {
            h.run(&["SET", k, "v"]);
        }
        assert_eq!(
            sorted_array(&h.run(&["KEYS", "*"])),
            ["item:1", "u", "user:1", "user:2"]
        );
        assert_eq!(
            sorted_array(&h.run(&["KEYS", "user:*"])),
            ["user:1", "user:2"]
        );
        assert_eq!(sorted_array(&h.run(&["KEYS", "?"])), ["u"]);
        assert_eq!(h.run(&["KEYS", "USER:*"]), "*0\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":4\r\n");
        assert_eq!(
            h.run(&["DBSIZE", "x"]),
            "-ERR wrong number of arguments for 'dbsize' command\r\n"
        );
        assert_eq!(
            h.run(&["KEYS"]),
            "-ERR wrong number of arguments for 'keys' command\r\n"
        );
        let r = h.run(&["RANDOMKEY"]);
        assert!(
            ["item:1", "u", "user:1", "user:2"]
                .iter()
                .any(|k| r == format!("${}\r\n{k}\r\n", k.len())),
            "{r}"
        );
        // Expired keys are neither listed nor picked.
        h.run(&["PEXPIRE", "user:1", "10"]);
        h.advance(10);
        assert_eq!(sorted_array(&h.run(&["KEYS", "user:*"])), ["user:2"]);
        h.run(&["DEL", "item:1", "u", "user:2"]);
        assert_eq!(h.run(&["RANDOMKEY"]), "$-1\r\n");
    }

    #[test]
    fn flush_and_swap() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", "1"]);
        assert_eq!(h.run(&["FLUSHDB", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(
            h.run(&["FLUSHDB", "sync", "async"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(h.run(&["FLUSHALL", "ASYNC", "x"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":2\r\n");
        assert_eq!(dirty_of(&mut h, &["FLUSHDB", "SYNC"]), 2);
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        assert_eq!(h.run(&["FLUSHDB", "async"]), "+OK\r\n");

        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["SWAPDB", "0", "1"]), "+OK\r\n");
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
        h.db = 1;
        assert_eq!(h.run(&["GET", "a"]), "$1\r\n1\r\n");
        assert_eq!(
            h.run(&["SWAPDB", "a", "1"]),
            "-ERR invalid first DB index\r\n"
        );
        assert_eq!(
            h.run(&["SWAPDB", "a", "b"]),
            "-ERR invalid first DB index\r\n"
        );
        assert_eq!(
            h.run(&["SWAPDB", "0", "b"]),
            "-ERR invalid second DB index\r\n"
        );
        assert_eq!(
            h.run(&["SWAPDB", "99999999999", "0"]),
            "-ERR invalid first DB index\r\n"
        );
        assert_eq!(
            h.run(&["SWAPDB", "0", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            h.run(&["SWAPDB", "-1", "0"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(h.run(&["SWAPDB", "0", "0"]), "+OK\r\n");

        h.db = 0;
        h.run(&["SET", "z", "1"]);
        // One key in db 0, one in db 1, plus one for the command (shard 0).
        assert_eq!(dirty_of(&mut h, &["FLUSHALL"]), 3);
        h.db = 1;
        assert_eq!(h.run(&["DBSIZE"]), ":0\r\n");
    }

    #[test]
    fn database_wide_counts_are_added_once_per_command() {
        let mut ks = Keyspace::new(16);
        ks.db(0).set(b"k", Value::string(b"v"), 0);
        assert_eq!(
            run_on(&mut ks, 0, 0, 1, 2, &["FLUSHALL"]),
            ("+OK\r\n".into(), 1)
        );
        assert_eq!(
            run_on(&mut ks, 0, 0, 1, 2, &["SWAPDB", "0", "1"]),
            ("+OK\r\n".into(), 0)
        );
        assert_eq!(
            run_on(&mut ks, 0, 0, 0, 2, &["SWAPDB", "0", "1"]),
            ("+OK\r\n".into(), 1)
        );
    }

    #[test]
    fn object_subcommands() {
        let mut h = Harness::new();
        h.run(&["SET", "n", "100"]);
        h.run(&["SET", "big", "12345"]);
        h.run(&["SET", "s", "hello"]);
        h.run(&["SET", "l", &"a".repeat(63)]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "n"]), "$3\r\nint\r\n");
        assert_eq!(h.run(&["OBJECT", "encoding", "s"]), "$6\r\nembstr\r\n");
        assert_eq!(h.run(&["OBJECT", "ENCODING", "l"]), "$3\r\nraw\r\n");
        assert_eq!(h.run(&["OBJECT", "ENCODING", "nokey"]), "$-1\r\n");
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "n"]), ":2147483647\r\n");
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "big"]), ":1\r\n");
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "s"]), ":1\r\n");
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "nokey"]), "$-1\r\n");
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "s"]), ":0\r\n");
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "nokey"]), "$-1\r\n");
        assert_eq!(
            h.run(&["OBJECT", "FREQ", "s"]),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"
        );
        assert_eq!(h.run(&["OBJECT", "FREQ", "nokey"]), "$-1\r\n");
        assert_eq!(
            h.run(&["OBJECT", "ENCODING"]),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n"
        );
        assert_eq!(
            h.run(&["OBJECT", "HELP", "extra"]),
            "-ERR wrong number of arguments for 'object|help' command\r\n"
        );
        let help = h.run(&["OBJECT", "HELP"]);
        assert!(
            help.starts_with(
                "*12\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            ),
            "{help}"
        );
    }

    #[test]
    fn object_idletime_counts_from_the_last_access_and_does_not_refresh_it() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "hello"]);
        h.advance(5_000);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "s"]), ":5\r\n");
        // TYPE, EXISTS and TTL do not count as an access either.
        h.run(&["TYPE", "s"]);
        h.run(&["EXISTS", "s"]);
        h.run(&["TTL", "s"]);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "s"]), ":5\r\n");
        h.run(&["TOUCH", "s"]);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "s"]), ":0\r\n");
    }

    #[test]
    fn scan_arguments_like_redis() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let one = "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n";
        let none = "*2\r\n$1\r\n0\r\n*0\r\n";
        assert_eq!(h.run(&["SCAN", "0"]), one);
        assert_eq!(h.run(&["SCAN", ""]), one);
        assert_eq!(h.run(&["SCAN", "abc"]), "-ERR invalid cursor\r\n");
        assert_eq!(h.run(&["SCAN", " 5"]), "-ERR invalid cursor\r\n");
        assert_eq!(
            h.run(&["SCAN", "18446744073709551616"]),
            "-ERR invalid cursor\r\n"
        );
        assert_eq!(
            h.run(&["SCAN", "abc", "count", "0"]),
            "-ERR invalid cursor\r\n"
        );
        assert_eq!(h.run(&["SCAN", "0", "count", "0"]), "-ERR syntax error\r\n");
        assert_eq!(
            h.run(&["SCAN", "0", "count", "-1"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            h.run(&["SCAN", "0", "count", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&["SCAN", "0", "count", "99999999999999999999"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(h.run(&["SCAN", "0", "count"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["SCAN", "0", "match"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["SCAN", "0", "type"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["SCAN", "0", "foo", "bar"]), "-ERR syntax error\r\n");
        assert_eq!(h.run(&["SCAN", "0", "type", "string"]), one);
        assert_eq!(h.run(&["SCAN", "0", "TYPE", "STRING"]), one);
        assert_eq!(h.run(&["SCAN", "0", "type", "foo"]), none);
        assert_eq!(
            h.run(&["SCAN", "0", "match", "*", "count", "10", "type", "string", "match", "k*"]),
            one
        );
        assert_eq!(h.run(&["SCAN", "0", "match", "x*"]), none);
    }

    #[test]
    fn scan_visits_every_key_once_in_small_steps() {
        let mut h = Harness::new();
        let mut want: Vec<String> = (0..57).map(|i| format!("key:{i}")).collect();
        for k in &want {
            h.run(&["SET", k, "v"]);
        }
        let mut got = Vec::new();
        let mut cursor = 0u64;
        let mut calls = 0;
        loop {
            let (next, keys) = parse_scan(&h.run(&["SCAN", &cursor.to_string(), "COUNT", "5"]));
            got.extend(keys);
            calls += 1;
            assert!(calls < 100, "scan does not terminate");
            if next == 0 {
                break;
            }
            cursor = next;
        }
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn scan_cursor_walks_shards_in_order() {
        // Three shards, each holding its own keys; the cursor is routed to
        // shard `cursor % 3` as the runtime does.
        let shards = 3;
        let mut kss: Vec<Keyspace> = (0..shards).map(|_| Keyspace::new(16)).collect();
        let mut want = Vec::new();
        for i in 0..40 {
            let k = format!("k{i}");
            // Leave shard 1 empty to check that an empty shard is passed over.
            let s = if i % 2 == 0 { 0 } else { 2 };
            kss[s].db(0).set(k.as_bytes(), Value::string(b"v"), 0);
            want.push(k);
        }
        let mut got = Vec::new();
        let mut cursor = 0u64;
        let mut seen_shards = Vec::new();
        for _ in 0..100 {
            let shard = (cursor % shards as u64) as usize;
            seen_shards.push(shard);
            let (reply, _) = run_on(
                &mut kss[shard],
                0,
                0,
                shard,
                shards,
                &["SCAN", &cursor.to_string(), "COUNT", "7"],
            );
            let (next, keys) = parse_scan(&reply);
            got.extend(keys);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        assert_eq!(
            cursor % shards as u64,
            2,
            "the last call is on the last shard"
        );
        assert!(
            seen_shards.windows(2).all(|w| w[0] <= w[1]),
            "{seen_shards:?}"
        );
        assert!(seen_shards.contains(&1));
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn scan_cursor_arithmetic() {
        assert_eq!(cursor::decode(0, 4), (0, 0));
        assert_eq!(cursor::decode(4 * 9 + 3, 4), (3, 9));
        assert_eq!(cursor::next(3, 4, 9), 39);
        assert_eq!(cursor::next(1, 4, 0), 2);
        assert_eq!(cursor::next(3, 4, 0), 0);
        assert_eq!(cursor::next(0, 1, 0), 0);
        assert_eq!(cursor::next(0, 1, 7), 7);
        // A position too large to encode moves on instead of wrapping.
        assert_eq!(cursor::next(1, 4, u64::MAX / 2), 2);
        assert_eq!(cursor::next(3, 4, u64::MAX / 2), 0);
    }

    #[test]
    fn declarations_match_redis() {
        let t = crate::table::Table::new(&[COMMANDS]);
        let get = |n: &str| t.get(n.as_bytes()).unwrap();
        assert_eq!(
            get("rename").keys[0].flags,
            kflags::RW | kflags::ACCESS | kflags::DELETE
        );
        assert_eq!(get("rename").keys[1].flags, kflags::OW | kflags::UPDATE);
        assert_eq!(get("renamenx").keys[1].flags, kflags::OW | kflags::INSERT);
        assert_eq!(get("copy").keys[0].flags, kflags::RO | kflags::ACCESS);
        assert_eq!(
            get("move").keys[0].flags,
            kflags::RW | kflags::ACCESS | kflags::UPDATE
        );
        assert_eq!(get("del").keys[0].flags, kflags::RM | kflags::DELETE);
        for spec in COMMANDS {
            assert!(!spec.summary.is_empty(), "{}", spec.name);
            let wants_group = if matches!(spec.name, "dbsize" | "flushdb" | "flushall" | "swapdb") {
                "server"
            } else {
                "generic"
            };
            assert_eq!(spec.group, wants_group, "{}", spec.name);
            assert!(
                spec.acl.contains(&"keyspace") || spec.name == "object",
                "{}",
                spec.name
            );
        }
        let keys_of = |args: &[&str]| {
            let argv: Vec<Bytes> = args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect();
            let Lookup::Found(spec) = t.lookup(&argv) else {
                panic!()
            };
            crate::find_keys(spec, &argv)
                .unwrap()
                .iter()
                .map(|k| k.index)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys_of(&["del", "a", "b", "c"]), [1, 2, 3]);
        assert_eq!(keys_of(&["copy", "a", "b", "db", "1", "replace"]), [1, 2]);
        assert_eq!(keys_of(&["object", "encoding", "k"]), [2]);
        assert_eq!(keys_of(&["object", "help"]), Vec::<usize>::new());
    }
}
