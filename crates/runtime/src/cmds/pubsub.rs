//! Pub/sub commands (SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH
//! PUBSUB SSUBSCRIBE SUNSUBSCRIBE SPUBLISH), MONITOR, and `admit`, the gate
//! that applies the pub/sub and monitor restrictions to every command. The
//! registry and the fan-out live in `crate::pubsub`; nothing here delivers
//! a message itself.

use crate::conn::{Conn, ReplyMode};
use crate::exec::{Plan, RuntimeHandler};
use crate::pubsub::{self, Kind};
use bytes::Bytes;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use tessera_commands::spec::{flags, flags::*, kflags, ArgSpec, CommandSpec, Exec, KeySpec};
use tessera_commands::table::Table;
use tessera_resp::Arg;
use tessera_resp::Proto;

/// Commands a RESP2 client may send while subscribed (Redis's list).
const ALLOWED_WHILE_SUBSCRIBED: &[&[u8]] = &[
    b"ping",
    b"subscribe",
    b"ssubscribe",
    b"unsubscribe",
    b"sunsubscribe",
    b"psubscribe",
    b"punsubscribe",
    b"quit",
    b"reset",
];

fn spec_of(plan: &Plan) -> Option<&'static CommandSpec> {
    match plan {
        Plan::Local(s, _) | Plan::Remote(_, s, _) | Plan::Multi(s) | Plan::Runtime(s, _) => {
            Some(*s)
        }
        Plan::Done => None,
    }
}

/// `exec::plan` followed by [`admit`]: how the connection loop resolves a command.
pub fn plan_admitted(conn: &mut Conn, argv: &[Arg<'_>]) -> Plan {
    let plan = crate::exec::plan(conn, argv);
    admit(conn, plan, argv)
}

/// Applies, after a command was resolved and before it runs, what Redis
/// checks for subscribed and monitoring clients, and feeds the command to
/// MONITOR. Returns `Plan::Done` with an error reply written when the
/// command is refused.
pub fn admit(conn: &mut Conn, plan: Plan, argv: &[Arg<'_>]) -> Plan {
    let Some(spec) = spec_of(&plan) else {
        return plan;
    };
    let ps = &conn.info.pubsub;
    if ps.is_monitor() && spec.has(flags::WRITE | flags::READONLY | flags::MAY_REPLICATE) {
        // Redis marks monitors as replicas, which may not touch the keyspace.
        conn.out
            .error("ERR Replica can't interact with the keyspace");
        crate::stats::record_rejected(&conn.sh, spec);
        return Plan::Done;
    }
    if ps.subscribed()
        && conn.proto() == Proto::Resp2
        && !ALLOWED_WHILE_SUBSCRIBED
            .iter()
            .any(|a| argv[0].eq_ignore_ascii_case(a))
    {
        conn.out.error(&format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            Table::global().full_name(spec)
        ));
        crate::stats::record_rejected(&conn.sh, spec);
        return Plan::Done;
    }
    if pubsub::monitors_exist() {
        let databases = conn.sh.config.borrow().databases;
        let db = crate::monitor::shown_db(argv, conn.db, databases);
        let skip = if ps.is_monitor() && argv[0].eq_ignore_ascii_case(b"reset") {
            conn.id()
        } else {
            0
        };
        crate::monitor::feed(&conn.sh, spec, argv, db, &conn.info.addr, skip);
    }
    plan
}

/// Messages that reached this client before the command runs go out before
/// its reply, as they would on Redis's single output buffer.
fn flush_pushes(c: &mut Conn) {
    if c.reply_mode == ReplyMode::On {
        pubsub::pending_into(&c.info, &mut c.out);
    }
}

/// The word of a (un)subscribe confirmation and the count it shows.
fn confirm(c: &mut Conn, word: &str, name: Option<&[u8]>, kind: Kind) {
    let count = match kind {
        Kind::Shard => c.info.pubsub.shard_count(),
        _ => c.info.pubsub.count(),
    };
    c.out.push(3);
    c.out.bulk(word.as_bytes());
    match name {
        Some(n) => c.out.bulk(n),
        None => c.out.null(),
    }
    c.out.int(count as i64);
}

fn subscribe_to(c: &mut Conn, argv: &[Arg<'_>], kind: Kind, word: &str) {
    flush_pushes(c);
    let mut added = Vec::new();
    for name in &argv[1..] {
        // A copy: a subscription lives long, and a slice would keep the
        // whole read buffer it arrived in alive on every shard.
        let name = Bytes::copy_from_slice(name);
        if pubsub::subscribe(&c.info, kind, &name) {
            added.push(name.clone());
        }
        confirm(c, word, Some(&name), kind);
    }
    pubsub::announce(&c.sh, kind, added, 1);
}

fn unsubscribe_from(c: &mut Conn, argv: &[Arg<'_>], kind: Kind, word: &str) {
    flush_pushes(c);
    let mut removed = Vec::new();
    if argv.len() == 1 {
        let names = c.info.pubsub.names(kind);
        if names.is_empty() {
            confirm(c, word, None, kind);
        }
        for name in names {
            pubsub::unsubscribe(&c.info, kind, &name);
            confirm(c, word, Some(&name), kind);
            removed.push(name);
        }
    } else {
        for name in &argv[1..] {
            if pubsub::unsubscribe(&c.info, kind, name) {
                removed.push(Bytes::copy_from_slice(name));
            }
            confirm(c, word, Some(name), kind);
        }
    }
    pubsub::announce(&c.sh, kind, removed, -1);
}

/// SUBSCRIBE channel [channel ...]
fn subscribe(c: &mut Conn, argv: &[Arg<'_>]) {
    subscribe_to(c, argv, Kind::Channel, "subscribe");
}

/// PSUBSCRIBE pattern [pattern ...]
fn psubscribe(c: &mut Conn, argv: &[Arg<'_>]) {
    subscribe_to(c, argv, Kind::Pattern, "psubscribe");
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
fn ssubscribe(c: &mut Conn, argv: &[Arg<'_>]) {
    subscribe_to(c, argv, Kind::Shard, "ssubscribe");
}

/// UNSUBSCRIBE [channel ...]
fn unsubscribe(c: &mut Conn, argv: &[Arg<'_>]) {
    unsubscribe_from(c, argv, Kind::Channel, "unsubscribe");
}

/// PUNSUBSCRIBE [pattern ...]
fn punsubscribe(c: &mut Conn, argv: &[Arg<'_>]) {
    unsubscribe_from(c, argv, Kind::Pattern, "punsubscribe");
}

/// SUNSUBSCRIBE [shardchannel ...]
fn sunsubscribe(c: &mut Conn, argv: &[Arg<'_>]) {
    unsubscribe_from(c, argv, Kind::Shard, "sunsubscribe");
}

fn publish_to(c: &mut Conn, argv: &[Arg<'_>], kind: Kind) {
    let n = pubsub::publish(&c.sh, kind, argv[1].to_bytes(), argv[2].to_bytes());
    // A RESP3 client subscribed to its own channel sees the message first.
    flush_pushes(c);
    c.out.int(n as i64);
}

/// PUBLISH channel message
fn publish(c: &mut Conn, argv: &[Arg<'_>]) {
    publish_to(c, argv, Kind::Channel)
}

/// SPUBLISH shardchannel message
fn spublish(c: &mut Conn, argv: &[Arg<'_>]) {
    publish_to(c, argv, Kind::Shard)
}

/// Redis's reply to a subcommand given too many arguments.
fn sub_syntax_error(c: &mut Conn, argv: &[Arg<'_>]) {
    c.out.error(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
        String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)])
    ));
}

async fn list_names(c: &mut Conn, argv: &[Arg<'_>], kind: Kind) {
    if argv.len() > 3 {
        return sub_syntax_error(c, argv);
    }
    let sh = c.sh.clone();
    let names = pubsub::names(&sh, kind, argv.get(2).map(Arg::to_bytes)).await;
    c.out.array(names.len());
    for n in &names {
        c.out.bulk(n);
    }
}

async fn count_subscribers(c: &mut Conn, argv: &[Arg<'_>], kind: Kind) {
    let sh = c.sh.clone();
    let names: Vec<Bytes> = Arg::owned(&argv[2..]);
    let counts = pubsub::numsub(&sh, kind, names).await;
    c.out.array(counts.len() * 2);
    for (name, n) in argv[2..].iter().zip(counts) {
        c.out.bulk(name);
        c.out.int(n as i64);
    }
}

/// PUBSUB CHANNELS [pattern]
fn channels<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    list_names(c, argv, Kind::Channel).boxed_local()
}

/// PUBSUB SHARDCHANNELS [pattern]
fn shardchannels<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    list_names(c, argv, Kind::Shard).boxed_local()
}

/// PUBSUB NUMSUB [channel ...]
fn numsub<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    count_subscribers(c, argv, Kind::Channel).boxed_local()
}

/// PUBSUB SHARDNUMSUB [shardchannel ...]
fn shardnumsub<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    count_subscribers(c, argv, Kind::Shard).boxed_local()
}

/// PUBSUB NUMPAT: distinct patterns subscribed server-wide.
fn numpat<'a>(c: &'a mut Conn, _argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let sh = c.sh.clone();
        let n = pubsub::names(&sh, Kind::Pattern, None).await.len();
        c.out.int(n as i64);
    }
    .boxed_local()
}

/// PUBSUB HELP
fn help(c: &mut Conn, _argv: &[Arg<'_>]) {
    super::help_reply(
        &mut c.out,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    List the channels that have subscribers, or those matching <pattern>.",
            "NUMPAT",
            "    Count the distinct patterns that clients subscribed to.",
            "NUMSUB [<channel> ...]",
            "    Count the subscribers of each channel given, not counting",
            "    pattern subscriptions.",
            "SHARDCHANNELS [<pattern>]",
            "    List the shard channels that have subscribers, or those matching <pattern>.",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Count the subscribers of each shard channel given.",
        ],
    );
}

/// MONITOR: from now on, stream every command the server runs. A client
/// that already monitors gets no reply, as in Redis.
fn monitor<'a>(c: &'a mut Conn, _argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        if c.info.pubsub.is_monitor() {
            return;
        }
        let sh = c.sh.clone();
        let info = c.info.clone();
        pubsub::add_monitor(&sh, &info).await;
        c.out.ok();
    }
    .boxed_local()
}

static SUBSCRIBE: RuntimeHandler = RuntimeHandler::Sync(subscribe);
static PSUBSCRIBE: RuntimeHandler = RuntimeHandler::Sync(psubscribe);
static SSUBSCRIBE: RuntimeHandler = RuntimeHandler::Sync(ssubscribe);
static UNSUBSCRIBE: RuntimeHandler = RuntimeHandler::Sync(unsubscribe);
static PUNSUBSCRIBE: RuntimeHandler = RuntimeHandler::Sync(punsubscribe);
static SUNSUBSCRIBE: RuntimeHandler = RuntimeHandler::Sync(sunsubscribe);
static PUBLISH: RuntimeHandler = RuntimeHandler::Sync(publish);
static SPUBLISH: RuntimeHandler = RuntimeHandler::Sync(spublish);
static CHANNELS: RuntimeHandler = RuntimeHandler::Async(channels);
static SHARDCHANNELS: RuntimeHandler = RuntimeHandler::Async(shardchannels);
static NUMSUB: RuntimeHandler = RuntimeHandler::Async(numsub);
static SHARDNUMSUB: RuntimeHandler = RuntimeHandler::Async(shardnumsub);
static NUMPAT: RuntimeHandler = RuntimeHandler::Async(numpat);
static HELP: RuntimeHandler = RuntimeHandler::Sync(help);
static MONITOR: RuntimeHandler = RuntimeHandler::Async(monitor);

const PUBSUB_ACL: &[&str] = &["pubsub", "slow"];
const SUB_FLAGS: u64 = PUBSUB | NOSCRIPT | LOADING | STALE;
/// Shard channels are declared as keys that are not keys, as Redis does,
/// so that a cluster client can route them.
const SHARD_CHANNELS: &[KeySpec] = &[KeySpec::range_to_end(1, 1, kflags::NOT_KEY)];
const SHARD_CHANNEL: &[KeySpec] = &[KeySpec::single(1, kflags::NOT_KEY)];

/// A PUBSUB subcommand declaration.
#[allow(clippy::too_many_arguments)]
const fn sub(
    name: &'static str,
    arity: i32,
    flags: u64,
    acl: &'static [&'static str],
    args: &'static [ArgSpec],
    summary: &'static str,
    since: &'static str,
    complexity: &'static str,
    h: &'static RuntimeHandler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        acl,
        keys: &[],
        args,
        summary,
        since,
        group: "pubsub",
        complexity,
        exec: Exec::Runtime(h),
        subcommands: &[],
    }
}

static SUBCOMMANDS: &[CommandSpec] = &[
    sub(
        "channels",
        -2,
        PUBSUB | LOADING | STALE,
        PUBSUB_ACL,
        &[ArgSpec::pattern("pattern").optional()],
        "Lists the channels that have subscribers.",
        "2.8.0",
        "O(N) where N is the number of active channels",
        &CHANNELS,
    ),
    sub(
        "help",
        2,
        LOADING | STALE,
        &["slow"],
        &[],
        "Lists the PUBSUB subcommands.",
        "6.2.0",
        "O(1)",
        &HELP,
    ),
    sub(
        "numpat",
        2,
        PUBSUB | LOADING | STALE,
        PUBSUB_ACL,
        &[],
        "Counts the distinct patterns subscribed to.",
        "2.8.0",
        "O(1)",
        &NUMPAT,
    ),
    sub(
        "numsub",
        -2,
        PUBSUB | LOADING | STALE,
        PUBSUB_ACL,
        &[ArgSpec::string("channel").optional().multiple()],
        "Counts the subscribers of channels.",
        "2.8.0",
        "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        &NUMSUB,
    ),
    sub(
        "shardchannels",
        -2,
        PUBSUB | LOADING | STALE,
        PUBSUB_ACL,
        &[ArgSpec::pattern("pattern").optional()],
        "Lists the shard channels that have subscribers.",
        "7.0.0",
        "O(N) where N is the number of active shard channels",
        &SHARDCHANNELS,
    ),
    sub(
        "shardnumsub",
        -2,
        PUBSUB | LOADING | STALE,
        PUBSUB_ACL,
        &[ArgSpec::string("shardchannel").optional().multiple()],
        "Counts the subscribers of shard channels.",
        "7.0.0",
        "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        &SHARDNUMSUB,
    ),
];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "subscribe",
        arity: -2,
        flags: SUB_FLAGS,
        acl: PUBSUB_ACL,
        args: &[ArgSpec::string("channel").multiple()],
        summary: "Listens for messages published to the channels given.",
        since: "2.0.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of channels to subscribe to.",
        exec: Exec::Runtime(&SUBSCRIBE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unsubscribe",
        arity: -1,
        flags: SUB_FLAGS,
        acl: PUBSUB_ACL,
        args: &[ArgSpec::string("channel").optional().multiple()],
        summary: "Stops listening to the channels given, or to every channel.",
        since: "2.0.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of clients already subscribed to a channel.",
        exec: Exec::Runtime(&UNSUBSCRIBE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "psubscribe",
        arity: -2,
        flags: SUB_FLAGS,
        acl: PUBSUB_ACL,
        args: &[ArgSpec::pattern("pattern").multiple()],
        summary: "Listens for messages published to channels matching the glob patterns given.",
        since: "2.0.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
        exec: Exec::Runtime(&PSUBSCRIBE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "punsubscribe",
        arity: -1,
        flags: SUB_FLAGS,
        acl: PUBSUB_ACL,
        args: &[ArgSpec::pattern("pattern").optional().multiple()],
        summary: "Stops listening to the patterns given, or to every pattern.",
        since: "2.0.0",
        group: "pubsub",
        complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        exec: Exec::Runtime(&PUNSUBSCRIBE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "publish",
        arity: 3,
        flags: PUBSUB | LOADING | STALE | FAST,
        acl: &["pubsub", "fast"],
        args: &[ArgSpec::string("channel"), ArgSpec::string("message")],
        summary: "Sends a message to the subscribers of a channel and of matching patterns; answers how many got it.",
        since: "2.0.0",
        group: "pubsub",
        complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        exec: Exec::Runtime(&PUBLISH),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "pubsub",
        arity: -2,
        summary: "Inspects the pub/sub state of the server.",
        since: "2.8.0",
        group: "pubsub",
        complexity: "Depends on subcommand.",
        subcommands: SUBCOMMANDS,
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "ssubscribe",
        arity: -2,
        flags: SUB_FLAGS,
        acl: PUBSUB_ACL,
        keys: SHARD_CHANNELS,
        args: &[ArgSpec::string("shardchannel").multiple()],
        summary: "Listens for messages published to the shard channels given.",
        since: "7.0.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of shard channels to subscribe to.",
        exec: Exec::Runtime(&SSUBSCRIBE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "sunsubscribe",
        arity: -1,
        flags: SUB_FLAGS,
        acl: PUBSUB_ACL,
        keys: SHARD_CHANNELS,
        args: &[ArgSpec::string("shardchannel").optional().multiple()],
        summary: "Stops listening to the shard channels given, or to every shard channel.",
        since: "7.0.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
        exec: Exec::Runtime(&SUNSUBSCRIBE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "spublish",
        arity: 3,
        flags: PUBSUB | LOADING | STALE | FAST,
        acl: &["pubsub", "fast"],
        keys: SHARD_CHANNEL,
        args: &[ArgSpec::string("shardchannel"), ArgSpec::string("message")],
        summary: "Sends a message to the subscribers of a shard channel; answers how many got it.",
        since: "7.0.0",
        group: "pubsub",
        complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        exec: Exec::Runtime(&SPUBLISH),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "monitor",
        arity: 1,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: &["admin", "slow", "dangerous"],
        summary: "Streams every command the server runs to this connection.",
        since: "1.0.0",
        group: "server",
        exec: Exec::Runtime(&MONITOR),
        ..CommandSpec::DEFAULT
    },
];
