//! String commands: GET, SET and friends, counters, ranges and bit operations.

use crate::spec::{flags::*, kflags, Arg, CommandSpec, Exec, KeySpec};
use crate::{errors, Ctx};
use bytes::Bytes;
use tessera_storage::Value;

/// Writes a string value as a bulk reply, or WRONGTYPE.
fn reply_string(ctx: &mut Ctx, v: Option<&Value>) {
    match v {
        None => ctx.out.null(),
        Some(Value::Int(n)) => ctx.out.bulk_int(*n),
        Some(Value::Str(s)) => ctx.out.bulk(s.as_bytes()),
        #[allow(unreachable_patterns)]
        Some(_) => ctx.out.error(errors::WRONGTYPE),
    }
}

/// GET key
fn get(ctx: &mut Ctx, argv: &[Bytes]) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    let v = db.get(&argv[1], now);
    // Split borrows: the reply needs `ctx.out` while `v` borrows the keyspace.
    match v {
        None => ctx.out.null(),
        Some(Value::Int(n)) => ctx.out.bulk_int(*n),
        Some(Value::Str(s)) => ctx.out.bulk(s.as_bytes()),
        #[allow(unreachable_patterns)]
        Some(_) => ctx.out.error(errors::WRONGTYPE),
    }
}

/// SET key value (minimal form; the full option set comes with the strings family)
fn set(ctx: &mut Ctx, argv: &[Bytes]) {
    if argv.len() != 3 {
        ctx.out.error(errors::SYNTAX);
        return;
    }
    let now = ctx.now;
    ctx.db().set(&argv[1], Value::string(&argv[2]), now);
    ctx.dirty += 1;
    ctx.out.ok();
}

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: 2,
        flags: READONLY | FAST,
        acl: &["read", "string", "fast"],
        keys: &[KeySpec::single(1, kflags::RO | kflags::ACCESS)],
        args: &[Arg::key("key", 0)],
        summary: "Returns the string value of a key.",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        exec: Exec::Keys(get),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "set",
        arity: -3,
        flags: WRITE | DENYOOM,
        acl: &["write", "string", "slow"],
        keys: &[KeySpec::single(
            1,
            kflags::RW | kflags::ACCESS | kflags::UPDATE | kflags::VARIABLE_FLAGS,
        )],
        args: &[Arg::key("key", 0), Arg::string("value")],
        summary: "Sets the string value of a key, ignoring its type.",
        since: "1.0.0",
        group: "string",
        complexity: "O(1)",
        exec: Exec::Keys(set),
        ..CommandSpec::DEFAULT
    },
];

#[allow(dead_code)]
fn _uses(ctx: &mut Ctx) {
    reply_string(ctx, None)
}
