//! The life of a command after parsing: look it up, check it, decide where
//! it runs, run it, and append its reply to the connection's output.
//!
//! Where a command runs follows from its declaration (`Exec`) and its keys:
//! - no keys, or all keys on this shard: inline, no hop;
//! - all keys on one other shard: one message there and one back (and
//!   consecutive such commands of a pipeline travel together, see `conn.rs`);
//! - keys on several shards, or work on every shard: the coordinator (`coord.rs`).

use crate::conn::Conn;
use crate::coord;
use crate::locks::{Mode, Scope};
use crate::shard::{shard_of, Shard};
use std::rc::Rc;
use tessera_commands::spec::{flags, kflags, BeginSearch, FindKeys};
use tessera_commands::table::{Lookup, Table};
use tessera_commands::{find_keys, CommandSpec, Exec, Handler};
use tessera_resp::Arg;
use tessera_resp::Out;

/// A command handled by the runtime itself (connection state or server-wide work).
pub enum RuntimeHandler {
    /// Finishes without waiting.
    Sync(fn(&mut Conn, &[Arg<'_>])),
    /// Needs to talk to other shards or wait.
    Async(for<'a, 'b> fn(&'a mut Conn, &'a [Arg<'b>]) -> futures::future::LocalBoxFuture<'a, ()>),
}

/// Where a resolved command will run.
pub enum Plan {
    /// Reply already written (an error found before running).
    Done,
    /// Run here.
    Local(&'static CommandSpec, Handler),
    /// Run on another shard.
    Remote(usize, &'static CommandSpec, Handler),
    /// Through the coordinator.
    Multi(&'static CommandSpec),
    /// By the runtime.
    Runtime(&'static CommandSpec, &'static RuntimeHandler),
}

/// The last command name a connection sent, exactly as sent, and the
/// command it named. A pipeline repeats one name, and comparing a few bytes
/// is cheaper than lowercasing and hashing them for the table on every
/// command. Containers (CONFIG, CLIENT...) are never cached: what they
/// resolve to depends on the next argument.
#[derive(Default)]
pub struct NameCache {
    name: [u8; 16],
    len: u8,
    spec: Option<&'static CommandSpec>,
}

impl NameCache {
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let spec = self.spec?;
        (name.len() == usize::from(self.len) && same_short(name, &self.name)).then_some(spec)
    }

    pub fn put(&mut self, name: &[u8], spec: &'static CommandSpec) {
        // A subcommand found through its container has another name than
        // the one sent; a container itself has subcommands.
        if name.len() > self.name.len()
            || !spec.subcommands.is_empty()
            || !spec.name.as_bytes().eq_ignore_ascii_case(name)
        {
            return;
        }
        self.name[..name.len()].copy_from_slice(name);
        self.len = name.len() as u8;
        self.spec = Some(spec);
    }
}

/// Whether `name` (at most 16 bytes) equals the first `name.len()` bytes
/// of `cached`. Two overlapping loads of 8 (or 4) bytes from each side
/// instead of a call of `memcmp`, which was ~23 instructions a command for
/// a three-letter name.
#[inline]
fn same_short(name: &[u8], cached: &[u8; 16]) -> bool {
    let n = name.len();
    debug_assert!(n <= cached.len());
    let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    if n >= 8 {
        u64_at(name, 0) == u64_at(cached, 0) && u64_at(name, n - 8) == u64_at(cached, n - 8)
    } else if n >= 4 {
        u32_at(name, 0) == u32_at(cached, 0) && u32_at(name, n - 4) == u32_at(cached, n - 4)
    } else {
        name.iter().zip(cached).all(|(a, b)| a == b)
    }
}

/// Resolves argv to a plan, writing an error reply for unknown commands,
/// arity errors and the like. Inlined into its two callers (the connection
/// loop and MULTI's queueing): its call and the copy of the plan it
/// returns were ~25 instructions a command.
#[inline(always)]
pub fn plan(conn: &mut Conn, argv: &[Arg<'_>]) -> Plan {
    let table = Table::global();
    let cached = conn.names.get(&argv[0]);
    let spec = match cached.map_or_else(|| table.lookup(argv), Lookup::Found) {
        Lookup::Found(s) => {
            if cached.is_none() {
                conn.names.put(&argv[0], s);
            }
            s
        }
        Lookup::UnknownCommand => {
            conn.out.error(&unknown_command(argv));
            return Plan::Done;
        }
        Lookup::UnknownSubcommand(parent) => {
            conn.out.error(&unknown_subcommand(parent, argv));
            return Plan::Done;
        }
    };
    if !spec.arity_ok(argv.len()) {
        conn.out
            .error(&tessera_commands::errors::arity(&table.full_name(spec)));
        crate::stats::record_rejected(&conn.sh, spec);
        return Plan::Done;
    }
    if !conn.authenticated && !spec.has(flags::NO_AUTH) {
        conn.out.error("NOAUTH Authentication required.");
        crate::stats::record_rejected(&conn.sh, spec);
        return Plan::Done;
    }
    let shards = conn.sh.shards();
    match spec.exec {
        Exec::Runtime(any) => match (any as &dyn std::any::Any).downcast_ref::<RuntimeHandler>() {
            Some(h) => Plan::Runtime(spec, h),
            None => {
                conn.out
                    .error("ERR command is declared without a runtime handler");
                Plan::Done
            }
        },
        Exec::Container => {
            conn.out.error(&tessera_commands::errors::arity(spec.name));
            crate::stats::record_rejected(&conn.sh, spec);
            Plan::Done
        }
        Exec::AllShards(..) => {
            if shards == 1 {
                let Exec::AllShards(h, _) = spec.exec else {
                    unreachable!()
                };
                Plan::Local(spec, h)
            } else {
                Plan::Multi(spec)
            }
        }
        Exec::ByCursor(h) => {
            let target = tessera_commands::parse::scan_cursor(&argv[1])
                .map(|c| (c % shards as u64) as usize)
                .unwrap_or(conn.sh.id);
            if target == conn.sh.id {
                Plan::Local(spec, h)
            } else {
                Plan::Remote(target, spec, h)
            }
        }
        Exec::Keys(h) | Exec::Split(h, _) => {
            if shards == 1 {
                return Plan::Local(spec, h);
            }
            if let Some(p) = coord::sort_plan(conn.sh.id, spec, h, argv, shards) {
                return p;
            }
            match single_shard(spec, argv, shards) {
                Some(None) => Plan::Local(spec, h),
                Some(Some(s)) if s == conn.sh.id => Plan::Local(spec, h),
                Some(Some(s)) => Plan::Remote(s, spec, h),
                None => Plan::Multi(spec),
            }
        }
    }
}

/// `Some(None)`: no keys; `Some(Some(s))`: every key on shard `s`; `None`: several shards.
fn single_shard(spec: &CommandSpec, argv: &[Arg<'_>], shards: usize) -> Option<Option<usize>> {
    // Fast path: exactly one key at a fixed index, no allocation.
    if let [ks] = spec.keys {
        if let (BeginSearch::Index(i), FindKeys::Range { last_key: 0, .. }) = (ks.begin, ks.find) {
            return Some(argv.get(i as usize).map(|k| shard_of(k, shards)));
        }
    }
    let keys = find_keys(spec, argv).ok()?;
    let mut owner = None;
    for k in keys {
        let s = shard_of(&argv[k.index], shards);
        match owner {
            None => owner = Some(s),
            Some(o) if o != s => return None,
            _ => {}
        }
    }
    Some(owner)
}

/// The lock scope of a command: its keys, exclusive where its key spec may write.
pub fn scope_of(spec: &CommandSpec, argv: &[Arg<'_>], db: usize) -> Scope {
    if matches!(spec.exec, Exec::AllShards(..)) {
        return Scope::All(if spec.has(flags::WRITE) {
            Mode::Exclusive
        } else {
            Mode::Shared
        });
    }
    let keys = find_keys(spec, argv).unwrap_or_default();
    Scope::Keys(
        keys.into_iter()
            .map(|k| {
                let mode = if k.flags & kflags::WRITES != 0 {
                    Mode::Exclusive
                } else {
                    Mode::Shared
                };
                (db, argv[k.index].to_bytes(), mode)
            })
            .collect(),
    )
}

/// Runs a handler on this shard, waiting first if a multi-shard operation
/// holds one of its keys.
pub async fn run_here(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    db: usize,
    out: &mut Out,
) {
    run_here_at(sh, spec, h, argv, db, out, crate::shard::unix_ms()).await
}

/// [`run_here`] with the caller's reading of the clock, used when nothing
/// has to wait.
pub async fn run_here_at(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    db: usize,
    out: &mut Out,
    now: tessera_storage::Ms,
) {
    if sh.locks.borrow().is_empty() {
        sh.run_handler(spec, h, argv, db, now, out, false);
        return;
    }
    let scope = scope_of(spec, argv, db);
    let (ticket, wait) = {
        let mut locks = sh.locks.borrow_mut();
        if locks.is_free(&scope) {
            drop(locks);
            sh.run_handler(spec, h, argv, db, now, out, false);
            return;
        }
        locks.acquire(scope)
    };
    if let Some(w) = wait {
        let _ = w.await;
    }
    sh.run_handler(spec, h, argv, db, crate::shard::unix_ms(), out, false);
    crate::coord::release_here(sh, ticket);
}

/// Runs one resolved command to completion, appending its reply.
pub async fn run_plan(conn: &mut Conn, plan: Plan, argv: &[Arg<'_>]) {
    run_plan_at(conn, plan, argv, crate::shard::unix_ms()).await
}

/// [`run_plan`] with the caller's reading of the wall clock, which a
/// command that runs here without waiting uses as its time.
pub async fn run_plan_at(conn: &mut Conn, plan: Plan, argv: &[Arg<'_>], now: tessera_storage::Ms) {
    match plan {
        Plan::Done => {}
        Plan::Local(spec, h) | Plan::Remote(_, spec, h) if spec.has(flags::BLOCKING) => {
            crate::blocking::run(conn, spec, h, argv).await
        }
        Plan::Multi(spec) if spec.has(flags::BLOCKING) => match spec.exec {
            Exec::Keys(h) => crate::blocking::run(conn, spec, h, argv).await,
            _ => coord::run(conn, spec, argv).await,
        },
        Plan::Local(spec, h) => {
            let sh = conn.sh.clone();
            let db = conn.db;
            run_here_at(&sh, spec, h, argv, db, &mut conn.out, now).await;
        }
        Plan::Remote(to, spec, handler) => {
            let sh = conn.sh.clone();
            let mut batch = conn.remote_batch();
            batch.push(spec, handler, argv);
            let batch = crate::remote::run(&sh, to, batch, conn.db, conn.out.proto).await;
            conn.out.raw(batch.replies());
            conn.keep_batch(batch);
        }
        Plan::Multi(spec) => coord::run(conn, spec, argv).await,
        Plan::Runtime(_, RuntimeHandler::Sync(f)) => f(conn, argv),
        Plan::Runtime(_, RuntimeHandler::Async(f)) => f(conn, argv).await,
    }
}

/// Redis's error for a container command with a missing or unknown subcommand.
pub fn unknown_subcommand(parent: &CommandSpec, argv: &[Arg<'_>]) -> String {
    tessera_commands::errors::unknown_subcommand(parent.name, argv.get(1).map(|a| a.as_slice()))
}

/// Redis's unknown-command error, quoting the first arguments.
pub fn unknown_command(argv: &[Arg<'_>]) -> String {
    let name = argv
        .first()
        .map(|n| tessera_commands::errors::quoted(n, 128))
        .unwrap_or_default();
    let mut args = String::new();
    for a in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push('\'');
        args.push_str(&tessera_commands::errors::quoted(a, room));
        args.push_str("' ");
    }
    format!("ERR unknown command '{name}', with args beginning with: {args}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn resolve(argv: &[&str]) -> &'static CommandSpec {
        let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::from(a.to_string())).collect();
        match crate::server::install_table().lookup(&argv) {
            Lookup::Found(s) => s,
            _ => panic!("{argv:?} does not resolve"),
        }
    }

    #[test]
    fn name_cache_hits_only_the_exact_name_it_was_given() {
        let mut c = NameCache::default();
        let lpush = resolve(&["LPUSH"]);
        c.put(b"LPUSH", lpush);
        assert!(std::ptr::eq(c.get(b"LPUSH").unwrap(), lpush));
        // Another spelling is looked up in the table again (and then cached).
        assert!(c.get(b"lpush").is_none());
        assert!(c.get(b"LPUSHX").is_none());
        assert!(c.get(b"LPUS").is_none());
    }

    #[test]
    fn same_short_compares_every_byte_of_every_length() {
        let cached = *b"abcdefghijklmnop";
        for n in 0..=16 {
            assert!(same_short(&cached[..n], &cached), "length {n}");
            for i in 0..n {
                let mut other = cached[..n].to_vec();
                other[i] ^= 0x20;
                assert!(!same_short(&other, &cached), "length {n}, byte {i}");
            }
        }
    }

    #[test]
    fn name_cache_never_keeps_a_container_or_its_subcommand() {
        let mut c = NameCache::default();
        // CONFIG GET resolves to the subcommand: caching it under "CONFIG"
        // would make the next CONFIG SET run CONFIG GET.
        c.put(b"CONFIG", resolve(&["CONFIG", "GET"]));
        assert!(c.get(b"CONFIG").is_none());
        c.put(
            b"config",
            crate::server::install_table().get(b"config").unwrap(),
        );
        assert!(c.get(b"config").is_none());
        // Names longer than the cache holds are not kept.
        c.put(b"ZREMRANGEBYSCOREX", resolve(&["ZREMRANGEBYSCORE"]));
        assert!(c.get(b"ZREMRANGEBYSCOREX").is_none());
    }
}
