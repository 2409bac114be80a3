//! Expiry commands: setting a key's time to live (EXPIRE, PEXPIRE, EXPIREAT,
//! PEXPIREAT with NX/XX/GT/LT), reading it (TTL, PTTL, EXPIRETIME,
//! PEXPIRETIME) and removing it (PERSIST). Every handler here touches one key
//! on its own shard and reads the time from `ctx.now` only, never the clock.

use crate::keyspace::exists_notouch;
use crate::spec::{flags::*, kflags, ArgSpec, CommandSpec, Exec, KeySpec};
use crate::{errors, notify, parse, Ctx};
use tessera_resp::Arg;
use tessera_storage::Ms;

/// The NX/XX/GT/LT condition of an expire command.
#[derive(Clone, Copy, Default)]
struct Condition {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Condition {
    /// Parses the options after the time argument. Redis checks them before
    /// the time itself, so an unknown option wins over a bad number.
    fn parse(opts: &[Arg]) -> Result<Condition, String> {
        let mut c = Condition::default();
        for opt in opts {
            if parse::is(opt, "nx") {
                c.nx = true;
            } else if parse::is(opt, "xx") {
                c.xx = true;
            } else if parse::is(opt, "gt") {
                c.gt = true;
            } else if parse::is(opt, "lt") {
                c.lt = true;
            } else {
                return Err(format!(
                    "ERR Unsupported option {}",
                    String::from_utf8_lossy(opt)
                ));
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(
                "ERR NX and XX, GT or LT options at the same time are not compatible".into(),
            );
        }
        if c.gt && c.lt {
            return Err("ERR GT and LT options at the same time are not compatible".into());
        }
        Ok(c)
    }

    /// Whether a key whose expiry is `current` (None: no TTL, which counts as
    /// infinitely far away) may get the new expiry `when`.
    fn allows(self, current: Option<Ms>, when: Ms) -> bool {
        if self.nx && current.is_some() {
            return false;
        }
        if self.xx && current.is_none() {
            return false;
        }
        if self.gt && current.is_none_or(|cur| when <= cur) {
            return false;
        }
        if self.lt && current.is_some_and(|cur| when >= cur) {
            return false;
        }
        true
    }
}

/// Turns the time argument into an absolute time in milliseconds: `seconds`
/// says whether it counts seconds, `base` is added (now for relative forms,
/// 0 for absolute ones). None when the result does not fit, where Redis
/// replies "invalid expire time". Negative results are allowed: they are in
/// the past and delete the key.
fn absolute_ms(t: i64, seconds: bool, base: Ms) -> Option<Ms> {
    let ms = if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&t) {
            return None;
        }
        t * 1000
    } else {
        t
    };
    // Only the upper side can overflow: `base` is never negative.
    if ms > i64::MAX - base {
        return None;
    }
    Some(ms + base)
}

/// EXPIRE key seconds [NX|XX|GT|LT] and its three siblings: `name` is the
/// command for error messages, `seconds` the unit, `relative` whether the time
/// counts from now.
fn expire_generic(ctx: &mut Ctx, argv: &[Arg], name: &str, seconds: bool, relative: bool) {
    let cond = match Condition::parse(&argv[3..]) {
        Ok(c) => c,
        Err(e) => {
            ctx.out.error(&e);
            return;
        }
    };
    let Some(t) = parse::int(&argv[2]) else {
        ctx.out.error(errors::NOT_INT);
        return;
    };
    let base = if relative { ctx.now.max(0) } else { 0 };
    let Some(when) = absolute_ms(t, seconds, base) else {
        ctx.out.error(&errors::invalid_expire(name));
        return;
    };
    let key = &argv[1];
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    if !db.contains(key, now) {
        ctx.out.int(0);
        return;
    }
    if !cond.allows(db.get_expire(key), when) {
        ctx.out.int(0);
        return;
    }
    let event = if when <= now {
        // A time already past deletes the key at once, and that is the change
        // recorded (Redis propagates it as a DEL).
        db.remove(key, now);
        "del"
    } else {
        db.set_expire(key, Some(when));
        "expire"
    };
    ctx.dirty += 1;
    ctx.notify(notify::GENERIC, event, key);
    ctx.out.int(1);
}

/// EXPIRE key seconds [NX|XX|GT|LT]
fn expire(ctx: &mut Ctx, argv: &[Arg]) {
    expire_generic(ctx, argv, "expire", true, true);
}

/// PEXPIRE key milliseconds [NX|XX|GT|LT]
fn pexpire(ctx: &mut Ctx, argv: &[Arg]) {
    expire_generic(ctx, argv, "pexpire", false, true);
}

/// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
fn expireat(ctx: &mut Ctx, argv: &[Arg]) {
    expire_generic(ctx, argv, "expireat", true, false);
}

/// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
fn pexpireat(ctx: &mut Ctx, argv: &[Arg]) {
    expire_generic(ctx, argv, "pexpireat", false, false);
}

/// TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1 for a key
/// without expiry, else the remaining time (`absolute` false, never below 0)
/// or the expiry instant, in milliseconds or in seconds rounded to the nearest.
fn ttl_generic(ctx: &mut Ctx, argv: &[Arg], ms: bool, absolute: bool) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    if !exists_notouch(db, &argv[1], now) {
        ctx.out.int(-2);
        return;
    }
    let Some(at) = db.get_expire(&argv[1]) else {
        ctx.out.int(-1);
        return;
    };
    let v = if absolute {
        at
    } else {
        at.saturating_sub(now).max(0)
    };
    let v = if ms {
        v
    } else {
        // Wide arithmetic: an expiry near i64::MAX must round, not overflow.
        ((v as i128 + 500) / 1000) as i64
    };
    ctx.out.int(v);
}

/// TTL key
fn ttl(ctx: &mut Ctx, argv: &[Arg]) {
    ttl_generic(ctx, argv, false, false);
}

/// PTTL key
fn pttl(ctx: &mut Ctx, argv: &[Arg]) {
    ttl_generic(ctx, argv, true, false);
}

/// EXPIRETIME key
fn expiretime(ctx: &mut Ctx, argv: &[Arg]) {
    ttl_generic(ctx, argv, false, true);
}

/// PEXPIRETIME key
fn pexpiretime(ctx: &mut Ctx, argv: &[Arg]) {
    ttl_generic(ctx, argv, true, true);
}

/// PERSIST key
fn persist(ctx: &mut Ctx, argv: &[Arg]) {
    let now = ctx.now;
    let db = ctx.ks.db(ctx.db);
    let key = &argv[1];
    if db.contains(key, now) && db.get_expire(key).is_some() {
        db.set_expire(key, None);
        ctx.dirty += 1;
        ctx.notify(notify::GENERIC, "persist", key);
        ctx.out.int(1);
    } else {
        ctx.out.int(0);
    }
}

const KEY_UPDATE: &[KeySpec] = &[KeySpec::single(1, kflags::RW | kflags::UPDATE)];
const KEY_READ: &[KeySpec] = &[KeySpec::single(1, kflags::RO | kflags::ACCESS)];
const ONE_KEY: &[ArgSpec] = &[ArgSpec::key("key", 0)];
const CONDITION: ArgSpec = ArgSpec::oneof(
    "condition",
    &[
        ArgSpec::token("nx", "NX"),
        ArgSpec::token("xx", "XX"),
        ArgSpec::token("gt", "GT"),
        ArgSpec::token("lt", "LT"),
    ],
)
.optional()
.since("7.0.0");

/// A command that sets an expiry: they differ only in name, time argument,
/// summary, version and handler.
const fn setter(
    name: &'static str,
    args: &'static [ArgSpec],
    summary: &'static str,
    since: &'static str,
    h: crate::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -3,
        flags: WRITE | FAST,
        acl: &["keyspace", "write", "fast"],
        keys: KEY_UPDATE,
        args,
        summary,
        since,
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(h),
        subcommands: &[],
    }
}

/// A command that reads an expiry.
const fn getter(
    name: &'static str,
    summary: &'static str,
    since: &'static str,
    h: crate::Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity: 2,
        flags: READONLY | FAST,
        acl: &["keyspace", "read", "fast"],
        keys: KEY_READ,
        args: ONE_KEY,
        summary,
        since,
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(h),
        subcommands: &[],
    }
}

pub static COMMANDS: &[CommandSpec] = &[
    setter(
        "expire",
        &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("seconds"),
            CONDITION,
        ],
        "Makes a key expire after a number of seconds.",
        "1.0.0",
        expire,
    ),
    setter(
        "pexpire",
        &[
            ArgSpec::key("key", 0),
            ArgSpec::integer("milliseconds"),
            CONDITION,
        ],
        "Makes a key expire after a number of milliseconds.",
        "2.6.0",
        pexpire,
    ),
    setter(
        "expireat",
        &[
            ArgSpec::key("key", 0),
            ArgSpec::unix_time("unix-time-seconds"),
            CONDITION,
        ],
        "Makes a key expire at a Unix time given in seconds.",
        "1.2.0",
        expireat,
    ),
    setter(
        "pexpireat",
        &[
            ArgSpec::key("key", 0),
            ArgSpec::unix_time("unix-time-milliseconds"),
            CONDITION,
        ],
        "Makes a key expire at a Unix time given in milliseconds.",
        "2.6.0",
        pexpireat,
    ),
    getter(
        "ttl",
        "Tells how many seconds a key has left to live.",
        "1.0.0",
        ttl,
    ),
    getter(
        "pttl",
        "Tells how many milliseconds a key has left to live.",
        "2.6.0",
        pttl,
    ),
    getter(
        "expiretime",
        "Tells the Unix time, in seconds, at which a key will expire.",
        "7.0.0",
        expiretime,
    ),
    getter(
        "pexpiretime",
        "Tells the Unix time, in milliseconds, at which a key will expire.",
        "7.0.0",
        pexpiretime,
    ),
    CommandSpec {
        name: "persist",
        arity: 2,
        flags: WRITE | FAST,
        acl: &["keyspace", "write", "fast"],
        keys: KEY_UPDATE,
        args: ONE_KEY,
        summary: "Removes the expiry of a key so that it lives until deleted.",
        since: "2.2.0",
        group: "generic",
        complexity: "O(1)",
        exec: Exec::Keys(persist),
        ..CommandSpec::DEFAULT
    },
];

#[cfg(test)]
mod tests {
    //! Expected replies were taken from Redis 7.0.15 for the same commands.

    use crate::harness::Harness;

    const BOTH_NX: &str =
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
    const BOTH_GT_LT: &str = "-ERR GT and LT options at the same time are not compatible\r\n";

    #[test]
    fn option_errors_come_before_the_time_and_the_key() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["EXPIRE", "k", "100", "nx", "xx"]), BOTH_NX);
        assert_eq!(h.run(&["EXPIRE", "k", "100", "nx", "gt"]), BOTH_NX);
        assert_eq!(h.run(&["EXPIRE", "k", "100", "gt", "lt"]), BOTH_GT_LT);
        assert_eq!(h.run(&["EXPIRE", "k", "100", "xx", "gt", "lt"]), BOTH_GT_LT);
        assert_eq!(
            h.run(&["EXPIRE", "k", "100", "foo"]),
            "-ERR Unsupported option foo\r\n"
        );
        assert_eq!(
            h.run(&["EXPIRE", "k", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&["EXPIRE", "k", "abc", "foo"]),
            "-ERR Unsupported option foo\r\n"
        );
        assert_eq!(h.run(&["EXPIRE", "k", "abc", "gt", "lt"]), BOTH_GT_LT);
        assert_eq!(h.run(&["EXPIRE", "nokey", "10", "gt", "lt"]), BOTH_GT_LT);
        assert_eq!(
            h.run(&["EXPIRE", "nokey", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            h.run(&["EXPIRE", "k"]),
            "-ERR wrong number of arguments for 'expire' command\r\n"
        );
        assert_eq!(h.run(&["TTL", "k"]), ":-1\r\n");
    }

    #[test]
    fn overflowing_times_are_refused_with_the_command_name() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let bad = |c: &str| format!("-ERR invalid expire time in '{c}' command\r\n");
        assert_eq!(
            h.run(&["EXPIRE", "k", "9223372036854775807"]),
            bad("expire")
        );
        assert_eq!(h.run(&["EXPIRE", "k", "9223372036854776"]), bad("expire"));
        // Fits in milliseconds, but not once "now" is added.
        assert_eq!(h.run(&["EXPIRE", "k", "9223372036854775"]), bad("expire"));
        assert_eq!(h.run(&["EXPIRE", "k", "-9223372036854776"]), bad("expire"));
        assert_eq!(
            h.run(&["PEXPIRE", "k", "9223372036854775807"]),
            bad("pexpire")
        );
        assert_eq!(
            h.run(&["EXPIREAT", "k", "9223372036854776"]),
            bad("expireat")
        );
        assert_eq!(h.run(&["TTL", "k"]), ":-1\r\n");
        // Absolute forms have nothing added, so the extremes fit.
        assert_eq!(h.run(&["EXPIREAT", "k", "9223372036854775"]), ":1\r\n");
        assert_eq!(h.run(&["PEXPIREAT", "k", "9223372036854775807"]), ":1\r\n");
        assert_eq!(h.run(&["EXPIRETIME", "k"]), ":9223372036854776\r\n");
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), ":9223372036854775807\r\n");
        assert_eq!(h.run(&["PEXPIREAT", "k", "-9223372036854775808"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":-2\r\n");
    }

    #[test]
    fn conditions_nx_xx_gt_lt() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["EXPIRE", "k", "100", "xx"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "100", "gt"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "100", "lt"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":100\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "200", "lt"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "50", "lt"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":50\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "40", "gt"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "60", "gt"]), ":1\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "60", "nx"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "k", "70", "XX"]), ":1\r\n");
        assert_eq!(h.run(&["PTTL", "k"]), ":70000\r\n");
        h.run(&["SET", "j", "v"]);
        assert_eq!(h.run(&["EXPIRE", "j", "10", "NX"]), ":1\r\n");
        assert_eq!(h.run(&["EXPIRE", "j", "10", "Nx"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "nokey", "10"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIRE", "nokey", "10", "nx"]), ":0\r\n");
    }

    #[test]
    fn a_time_in_the_past_deletes_the_key() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["EXPIRE", "k", "0"]), ":1\r\n");
        assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["EXPIRE", "k", "-5", "lt"]), ":1\r\n");
        assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
        h.run(&["SET", "k", "v"]);
        // GT against "no TTL" (infinite) fails even for a past time; LT passes.
        assert_eq!(h.run(&["EXPIREAT", "k", "1", "gt"]), ":0\r\n");
        assert_eq!(h.run(&["EXPIREAT", "k", "1", "lt"]), ":1\r\n");
        assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
        // Exactly now counts as past.
        h.run(&["SET", "k", "v"]);
        let now = h.now.to_string();
        assert_eq!(h.run(&["PEXPIREAT", "k", &now]), ":1\r\n");
        assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
    }

    #[test]
    fn ttl_rounds_to_the_nearest_second() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["PEXPIRE", "k", "1500"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":2\r\n");
        assert_eq!(h.run(&["PEXPIRE", "k", "1499"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":1\r\n");
        assert_eq!(h.run(&["PEXPIRE", "k", "499"]), ":1\r\n");
        assert_eq!(h.run(&["TTL", "k"]), ":0\r\n");
        assert_eq!(h.run(&["PTTL", "k"]), ":499\r\n");
        h.advance(499);
        assert_eq!(h.run(&["TTL", "k"]), ":-2\r\n");
        assert_eq!(h.run(&["PTTL", "k"]), ":-2\r\n");
    }

    #[test]
    fn expiretime_reports_the_instant() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["PEXPIREAT", "k", "5000000001999"]), ":1\r\n");
        assert_eq!(h.run(&["EXPIRETIME", "k"]), ":5000000002\r\n");
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), ":5000000001999\r\n");
        assert_eq!(h.run(&["PEXPIREAT", "k", "5000000001400"]), ":1\r\n");
        assert_eq!(h.run(&["EXPIRETIME", "k"]), ":5000000001\r\n");
        assert_eq!(h.run(&["EXPIREAT", "k", "5000000003"]), ":1\r\n");
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), ":5000000003000\r\n");
        assert_eq!(h.run(&["EXPIRETIME", "nokey"]), ":-2\r\n");
        h.run(&["SET", "p", "v"]);
        assert_eq!(h.run(&["EXPIRETIME", "p"]), ":-1\r\n");
        assert_eq!(h.run(&["PEXPIRETIME", "p"]), ":-1\r\n");
    }

    #[test]
    fn relative_times_count_from_the_harness_clock() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        h.run(&["EXPIRE", "k", "10"]);
        let at = h.now + 10_000;
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), format!(":{at}\r\n"));
        h.advance(9_999);
        assert_eq!(h.run(&["PTTL", "k"]), ":1\r\n");
        h.advance(1);
        assert_eq!(h.run(&["PTTL", "k"]), ":-2\r\n");
    }

    #[test]
    fn persist_and_set_clear_the_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["PERSIST", "nokey"]), ":0\r\n");
        h.run(&["SET", "p", "v"]);
        assert_eq!(h.run(&["TTL", "p"]), ":-1\r\n");
        assert_eq!(h.run(&["PTTL", "p"]), ":-1\r\n");
        assert_eq!(h.run(&["PERSIST", "p"]), ":0\r\n");
        h.run(&["EXPIRE", "p", "60"]);
        assert_eq!(h.run(&["PERSIST", "p"]), ":1\r\n");
        assert_eq!(h.run(&["PERSIST", "p"]), ":0\r\n");
        assert_eq!(h.run(&["TTL", "p"]), ":-1\r\n");
        h.advance(120_000);
        assert_eq!(h.run(&["EXISTS", "p"]), ":1\r\n");
    }

    #[test]
    fn declarations() {
        use crate::spec::kflags;
        for spec in super::COMMANDS {
            let rw = spec.has(crate::spec::flags::WRITE);
            let want = if rw {
                kflags::RW | kflags::UPDATE
            } else {
                kflags::RO | kflags::ACCESS
            };
            assert_eq!(spec.keys[0].flags, want, "{}", spec.name);
            assert_eq!(
                spec.arity,
                if spec.name.contains("expire") && rw {
                    -3
                } else {
                    2
                },
                "{}",
                spec.name
            );
        }
    }
}
