//! SLOWLOG GET/LEN/RESET/HELP over every shard's log. Each shard records
//! the slow commands of its own clients (`stats::maybe_slowlog`) with ids
//! drawn from one server-wide counter, so merging by id gives the order in
//! which they were logged. Nothing here records entries.

use crate::conn::Conn;
use crate::exec::RuntimeHandler;
use crate::shard::SlowEntry;
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use tessera_commands::parse;
use tessera_commands::spec::{flags::*, ArgSpec, CommandSpec, Exec};
use tessera_resp::Arg;

/// How many entries SLOWLOG GET returns without a count.
const DEFAULT_COUNT: usize = 10;

/// Parses SLOWLOG GET's count: -1 means all, other negatives and
/// non-integers are refused with Redis's one message.
pub fn parse_count(arg: Option<&[u8]>) -> Result<usize, &'static str> {
    let Some(arg) = arg else {
        return Ok(DEFAULT_COUNT);
    };
    match parse::int(arg) {
        Some(-1) => Ok(usize::MAX),
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err("ERR count should be greater than or equal to -1"),
    }
}

/// The newest `count` entries of all shards, newest first.
pub fn newest(per_shard: Vec<Vec<SlowEntry>>, count: usize) -> Vec<SlowEntry> {
    let mut all: Vec<SlowEntry> = per_shard.into_iter().flatten().collect();
    all.sort_by_key(|e| std::cmp::Reverse(e.id));
    all.truncate(count);
    all
}

/// SLOWLOG GET [count]
fn get<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        if argv.len() > 3 {
            c.out.error(
                "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.",
            );
            return;
        }
        let count = match parse_count(argv.get(2).map(|a| a.as_slice())) {
            Ok(n) => n,
            Err(e) => {
                c.out.error(e);
                return;
            }
        };
        let sh = c.sh.clone();
        // Each shard sends at most `count` entries: its newest ones, which
        // are the only ones that can make the merged top `count`.
        let per_shard = crate::mesh::on_every_shard(&sh, move |s| {
            s.slowlog
                .borrow()
                .iter()
                .take(count)
                .cloned()
                .collect::<Vec<_>>()
        })
        .await;
        let entries = newest(per_shard, count);
        let out = &mut c.out;
        out.array(entries.len());
        for e in entries {
            out.array(6);
            out.int(e.id as i64);
            out.int(e.at_unix_s);
            out.int(e.micros as i64);
            out.array(e.args.len());
            for a in &e.args {
                out.bulk(a);
            }
            out.bulk(e.addr.as_bytes());
            out.bulk(e.name.as_bytes());
        }
    }
    .boxed_local()
}

/// SLOWLOG LEN
fn len<'a>(c: &'a mut Conn, _argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let sh = c.sh.clone();
        let lens = crate::mesh::on_every_shard(&sh, |s| s.slowlog.borrow().len()).await;
        c.out.int(lens.iter().sum::<usize>() as i64);
    }
    .boxed_local()
}

/// SLOWLOG RESET
fn reset<'a>(c: &'a mut Conn, _argv: &'a [Arg<'_>]) -> LocalBoxFuture<'a, ()> {
    async move {
        let sh = c.sh.clone();
        crate::mesh::on_every_shard(&sh, |s| s.slowlog.borrow_mut().clear()).await;
        c.out.ok();
    }
    .boxed_local()
}

/// SLOWLOG HELP
fn help(c: &mut Conn, _argv: &[Arg<'_>]) {
    super::help_reply(
        &mut c.out,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Show the <count> newest entries of the slow log (10 by default, -1 for",
            "    all). Each entry holds: id, Unix time, duration in microseconds, the",
            "    command's arguments, the client's address and the client's name.",
            "LEN",
            "    Show how many entries the slow log holds.",
            "RESET",
            "    Empty the slow log.",
        ],
    );
}

static GET: RuntimeHandler = RuntimeHandler::Async(get);
static LEN: RuntimeHandler = RuntimeHandler::Async(len);
static RESET: RuntimeHandler = RuntimeHandler::Async(reset);
static HELP: RuntimeHandler = RuntimeHandler::Sync(help);

const ADMIN_ACL: &[&str] = &["admin", "slow", "dangerous"];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        arity: -2,
        flags: ADMIN | LOADING | STALE,
        acl: ADMIN_ACL,
        args: &[ArgSpec::integer("count").optional()],
        summary: "Returns the newest entries of the slow log.",
        since: "2.2.12",
        group: "server",
        complexity: "O(N) where N is the number of entries returned",
        exec: Exec::Runtime(&GET),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "help",
        arity: 2,
        flags: LOADING | STALE,
        acl: &["slow"],
        summary: "Lists the SLOWLOG subcommands.",
        since: "6.2.0",
        group: "server",
        exec: Exec::Runtime(&HELP),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "len",
        arity: 2,
        flags: ADMIN | LOADING | STALE,
        acl: ADMIN_ACL,
        summary: "Returns how many entries the slow log holds.",
        since: "2.2.12",
        group: "server",
        exec: Exec::Runtime(&LEN),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "reset",
        arity: 2,
        flags: ADMIN | LOADING | STALE,
        acl: ADMIN_ACL,
        summary: "Empties the slow log.",
        since: "2.2.12",
        group: "server",
        complexity: "O(N) where N is the number of entries in the slowlog",
        exec: Exec::Runtime(&RESET),
        ..CommandSpec::DEFAULT
    },
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "slowlog",
    arity: -2,
    summary: "Reads and clears the log of slow commands.",
    since: "2.2.12",
    group: "server",
    complexity: "Depends on subcommand.",
    subcommands: SUBCOMMANDS,
    ..CommandSpec::DEFAULT
}];

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn entry(id: u64) -> SlowEntry {
        SlowEntry {
            id,
            at_unix_s: 0,
            micros: 1,
            args: vec![Bytes::from_static(b"get")],
            addr: String::new(),
            name: String::new(),
        }
    }

    #[test]
    fn counts() {
        let b = |s: &str| Bytes::from(s.to_string());
        assert_eq!(parse_count(None), Ok(10));
        assert_eq!(parse_count(Some(&b("3"))), Ok(3));
        assert_eq!(parse_count(Some(&b("0"))), Ok(0));
        assert_eq!(parse_count(Some(&b("-1"))), Ok(usize::MAX));
        let err = Err("ERR count should be greater than or equal to -1");
        assert_eq!(parse_count(Some(&b("-2"))), err);
        assert_eq!(parse_count(Some(&b("abc"))), err);
    }

    #[test]
    fn shards_merge_newest_first() {
        let merged = newest(
            vec![
                vec![entry(7), entry(4), entry(1)],
                vec![entry(6), entry(5), entry(0)],
            ],
            4,
        );
        let ids: Vec<u64> = merged.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![7, 6, 5, 4]);
    }
}
