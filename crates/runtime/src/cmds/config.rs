//! CONFIG GET/SET/RESETSTAT/REWRITE/HELP. The parsing, checking and
//! formatting of directives is the config crate's; this file only owns the
//! order of events: change the authoritative copy in `Global`, then hand a
//! copy to every shard. It must not interpret directives itself, beyond
//! logging the ones whose effect is outside the shards (loglevel).

use crate::conn::Conn;
use crate::exec::RuntimeHandler;
use crate::shard::Shard;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use tessera_commands::spec::{flags::*, ArgSpec, CommandSpec, Exec};
use tessera_config::Config;
use tessera_resp::Arg;

fn text(a: &Arg<'_>) -> String {
    String::from_utf8_lossy(a).into_owned()
}

/// The authoritative configuration, even if a thread panicked holding it.
pub(crate) fn lock_config(sh: &Shard) -> std::sync::MutexGuard<'_, Config> {
    sh.global.config.lock().unwrap_or_else(|e| e.into_inner())
}

/// CONFIG GET parameter [parameter ...]
fn get(c: &mut Conn, argv: &[Arg<'_>]) {
    let patterns: Vec<String> = argv[2..].iter().map(text).collect();
    let pairs = lock_config(&c.sh).get_many(&patterns);
    c.out.map(pairs.len());
    for (name, value) in pairs {
        c.out.bulk(name.as_bytes());
        c.out.bulk(value.as_bytes());
    }
}

/// Gives every shard a copy of the authoritative configuration and waits
/// until all have it. Each shard copies whatever is authoritative when its
/// turn comes, so concurrent CONFIG SETs still leave every shard with the
/// last one.
pub(crate) async fn push_to_shards(sh: &Rc<Shard>) {
    crate::mesh::on_every_shard(sh, |s| {
        let fresh = lock_config(s).clone();
        *s.config.borrow_mut() = Rc::new(fresh);
    })
    .await;
}

/// CONFIG SET parameter value [parameter value ...]
fn set<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let args: Vec<String> = argv[2..].iter().map(text).collect();
        let (before, after) = {
            let mut cfg = lock_config(&c.sh);
            let before = cfg.clone();
            if let Err(e) = cfg.set_args(&args) {
                drop(cfg);
                c.out.error(&e);
                return;
            }
            (before, cfg.clone())
        };
        if before.loglevel != after.loglevel {
            // The log filter is fixed when the server starts; the new level
            // is kept for CONFIG GET and REWRITE.
            tracing::warn!(
                "loglevel changed to {} (takes effect after a restart)",
                after.loglevel
            );
        }
        push_to_shards(&c.sh).await;
        c.out.ok();
    }
    .boxed_local()
}

/// CONFIG RESETSTAT
fn resetstat<'a>(c: &'a mut Conn, _argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let sh = c.sh.clone();
        crate::mesh::on_every_shard(&sh, |s| super::info::reset_shard_stats(s)).await;
        sh.global.rejected_connections.store(0, Ordering::Relaxed);
        sh.global.total_connections.store(0, Ordering::Relaxed);
        super::info::reset_peak();
        c.out.ok();
    }
    .boxed_local()
}

/// CONFIG REWRITE
fn rewrite(c: &mut Conn, _argv: &[Arg<'_>]) {
    let cfg = lock_config(&c.sh).clone();
    match cfg.rewrite() {
        Ok(()) => {
            tracing::info!("CONFIG REWRITE executed with success.");
            c.out.ok();
        }
        Err(e) => c.out.error(&e),
    }
}

/// CONFIG HELP
fn help(c: &mut Conn, _argv: &[Arg<'_>]) {
    super::help_reply(
        &mut c.out,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Show every configuration parameter whose name matches the glob-style",
            "    <pattern>, with its value.",
            "SET <directive> <value>",
            "    Change configuration <directive> to <value>.",
            "RESETSTAT",
            "    Zero the statistics that INFO reports.",
            "REWRITE",
            "    Write the running configuration back to the configuration file.",
        ],
    );
}

static GET: RuntimeHandler = RuntimeHandler::Sync(get);
static SET: RuntimeHandler = RuntimeHandler::Async(set);
static RESETSTAT: RuntimeHandler = RuntimeHandler::Async(resetstat);
static REWRITE: RuntimeHandler = RuntimeHandler::Sync(rewrite);
static HELP: RuntimeHandler = RuntimeHandler::Sync(help);

const ADMIN_ACL: &[&str] = &["admin", "slow", "dangerous"];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: -3,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: ADMIN_ACL,
        args: &[ArgSpec::string("parameter").multiple()],
        summary: "Shows the value of every configuration parameter matching the patterns.",
        since: "2.0.0",
        group: "server",
        complexity: "O(N) when N is the number of configuration parameters provided",
        exec: Exec::Runtime(&GET),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: LOADING | STALE,
        acl: &["slow"],
        summary: "Lists the CONFIG subcommands.",
        since: "5.0.0",
        group: "server",
        exec: Exec::Runtime(&HELP),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "resetstat",
        arity: 2,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: ADMIN_ACL,
        summary: "Zeroes the statistics INFO reports.",
        since: "2.0.0",
        group: "server",
        exec: Exec::Runtime(&RESETSTAT),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "rewrite",
        arity: 2,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: ADMIN_ACL,
        summary: "Writes the running configuration back to the configuration file.",
        since: "2.8.0",
        group: "server",
        exec: Exec::Runtime(&REWRITE),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "set",
        arity: -4,
        flags: ADMIN | NOSCRIPT | LOADING | STALE,
        acl: ADMIN_ACL,
        args: &[ArgSpec::block(
            "parameter-value",
            &[ArgSpec::string("parameter"), ArgSpec::string("value")],
        )
        .multiple()],
        summary: "Changes configuration parameters at run time, all or none.",
        since: "2.0.0",
        group: "server",
        complexity: "O(N) when N is the number of configuration parameters provided",
        exec: Exec::Runtime(&SET),
        ..CommandSpec::DEFAULT
    },
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "config",
    arity: -2,
    summary: "Reads and changes the server's configuration.",
    since: "2.0.0",
    group: "server",
    complexity: "Depends on subcommand.",
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];
