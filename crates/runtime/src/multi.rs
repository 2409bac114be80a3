//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Between MULTI and EXEC commands are only checked (name, arity, auth) and
//! queued. EXEC runs the queue atomically and isolated, whatever shards its
//! keys live on, with the coordinator's locks (`coord.rs`):
//!
//! 1. From the queued commands' key specs (and the selected database as
//!    SELECTs inside the transaction change it) it computes, per shard, the
//!    keys it touches (exclusive where written) plus the WATCHed keys
//!    (shared). Commands without declared keys that work on whole shards
//!    (KEYS, DBSIZE, FLUSHDB, SCAN...) make it lock every shard whole.
//! 2. A transaction that watches nothing and whose commands each run on one
//!    shard is handed whole to the combiner (`combine.rs`), which may run it
//!    in one batch with other transactions on the same keys: every shard
//!    runs its commands of each, in batch order, under the batch's locks.
//!    Any other transaction takes its locks itself (a parallel try, else in
//!    ascending shard order: no deadlock), and then checks the WATCH flag:
//!    any write to a watched key finished before its lock was granted, so a
//!    clean flag now means EXEC may run.
//! 3. It runs the commands in order, each on the shard that owns its keys
//!    (consecutive commands for one shard travel together), multi-shard
//!    commands through the coordinator with the locks already held.
//! 4. It releases the locks; only then are clients blocked on keys the
//!    transaction pushed to served.
//!
//! A transaction whose keys are all on one shard talks to that shard only.
//! Once EXEC is received the transaction runs to the end even if the client
//! goes away; a client that leaves before EXEC runs nothing.

use crate::combine;
use crate::conn::Conn;
use crate::coord::{self, finish_on, Locking};
use crate::exec::{unknown_command, unknown_subcommand, RuntimeHandler};
use crate::locks::{Mode, Scope, Ticket};
use crate::mesh::call;
use crate::shard::{shard_of, unix_ms, Shard};
use bytes::Bytes;
use futures::future::join_all;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use tessera_commands::spec::{flags::*, kflags, ArgSpec, CommandSpec, Exec, KeySpec};
use tessera_commands::table::{Lookup, Table};
use tessera_commands::{errors, find_keys, Handler};
use tessera_resp::Arg;
use tessera_resp::Out;

/// The queue of a transaction in progress.
#[derive(Default)]
pub struct MultiState {
    pub queued: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    /// A command was rejected while queueing: EXEC will abort.
    pub failed: bool,
}

/// What a command received in MULTI did, for the connection's choice of
/// shard (`conn.rs` moves a connection toward the shard its work goes to).
pub enum Ran {
    /// Queued, discarded or refused: it ran nothing.
    Nothing,
    /// EXEC ran the transaction at this shard's combiner.
    At(usize),
    /// EXEC ran the transaction on several shards from here.
    Several,
}

/// Handles one command received between MULTI and EXEC, and counts it in
/// commandstats and errorstats as Redis does: a queued command when EXEC
/// runs it, a refused one as a rejected call, EXEC, DISCARD and the
/// commands answered at once (a nested MULTI, WATCH) as calls. `clock` is
/// when the connection's previous command that was timed ended; a queued
/// command is not timed, so EXEC's time includes the queueing.
pub async fn in_multi(conn: &mut Conn, argv: &[Arg<'_>], clock: &mut minstant::Instant) -> Ran {
    let mark = conn.out.len();
    let mut elapsed = || {
        let done = minstant::Instant::now();
        let us = done.duration_since(*clock).as_micros() as u64;
        *clock = done;
        us
    };
    if argv.len() == 1 && argv[0].eq_ignore_ascii_case(b"exec") {
        let mut specs = std::mem::take(&mut conn.exec_specs);
        specs.clear();
        if let Some(m) = &conn.multi {
            specs.extend(m.queued.iter().map(|(s, _)| *s));
        }
        let ran = match exec(conn).await {
            Some(home) => Ran::At(home),
            None => Ran::Several,
        };
        let us = elapsed();
        count_exec(conn, &specs, mark, us);
        conn.exec_specs = specs;
        return ran;
    }
    let outcome = queue(conn, argv).await;
    let sh = &conn.sh;
    let reply = &conn.out.buf[mark.min(conn.out.buf.len())..];
    match outcome {
        Fate::Queued => {}
        Fate::Rejected(spec) => {
            crate::stats::record_error(sh, reply);
            if let Some(spec) = spec {
                crate::stats::record_rejected(sh, spec);
            }
        }
        Fate::Ran => {
            if let Lookup::Found(spec) = Table::global().lookup(argv) {
                let failed = reply.first() == Some(&b'-');
                if failed {
                    crate::stats::record_error(sh, reply);
                }
                crate::stats::record(sh, spec, elapsed(), failed);
            }
        }
    }
    Ran::Nothing
}

/// EXEC's declaration, found once.
fn exec_spec() -> Option<&'static CommandSpec> {
    static SPEC: std::sync::OnceLock<Option<&'static CommandSpec>> = std::sync::OnceLock::new();
    *SPEC.get_or_init(|| {
        let exec = Bytes::from_static(b"exec");
        match Table::global().lookup(&[Arg::whole(&exec)]) {
            Lookup::Found(s) => Some(s),
            _ => None,
        }
    })
}

/// Counts an EXEC whose reply starts at `mark`, and the commands it ran
/// (`specs`, in queue order), each charged an equal share of `us`; these
/// also make up the shard's command total, which the EXEC paths leave alone.
fn count_exec(conn: &mut Conn, specs: &[&'static CommandSpec], mark: usize, us: u64) {
    let sh = &conn.sh;
    let reply = &conn.out.buf[mark.min(conn.out.buf.len())..];
    let failed = reply.first() == Some(&b'-');
    if failed {
        crate::stats::record_error(sh, reply);
    }
    if let Some(spec) = exec_spec() {
        crate::stats::record(sh, spec, us, failed);
    }
    // A transaction that ran answers `*<n>` and one reply per command, with
    // any pub/sub push (RESP3 `>`) delivered meanwhile in between.
    if reply.first() != Some(&b'*') || specs.is_empty() {
        return;
    }
    let Some(header) = reply.iter().position(|&b| b == b'\n') else {
        return;
    };
    let share = us / specs.len() as u64;
    let mut pos = header + 1;
    let mut specs = specs.iter();
    while pos < reply.len() {
        let end = tessera_resp::element_end(reply, pos);
        let r = &reply[pos..end];
        pos = end;
        if r.first() == Some(&b'>') {
            continue;
        }
        let Some(spec) = specs.next() else {
            break;
        };
        let failed = r.first() == Some(&b'-');
        if failed {
            crate::stats::record_error(sh, r);
        }
        conn.stats.add(sh, spec, share, failed);
    }
}

/// What became of a command received in MULTI, for the statistics.
enum Fate {
    /// Queued: counted when EXEC runs it.
    Queued,
    /// Refused (the transaction fails): an error, and a rejected call of the
    /// command when it is a known one.
    Rejected(Option<&'static CommandSpec>),
    /// Answered at once (DISCARD, a nested MULTI, WATCH, QUIT, RESET): a call.
    Ran,
}

/// Queues a command received in MULTI, or handles DISCARD and the commands
/// refused or run at once there.
async fn queue(conn: &mut Conn, argv: &[Arg<'_>]) -> Fate {
    let name = argv[0].to_ascii_lowercase();
    match name.as_slice() {
        b"discard" if argv.len() == 1 => {
            conn.multi = None;
            mark_multi(conn, false);
            crate::watch::unwatch(conn).await;
            conn.out.ok();
            return Fate::Ran;
        }
        b"multi" if argv.len() == 1 => {
            conn.out.error("ERR MULTI calls can not be nested");
            return Fate::Ran;
        }
        b"watch" if argv.len() >= 2 => {
            conn.out.error("ERR WATCH inside MULTI is not allowed");
            return Fate::Ran;
        }
        b"quit" | b"reset" => {
            let plan = crate::exec::plan(conn, argv);
            crate::exec::run_plan(conn, plan, argv).await;
            return Fate::Ran;
        }
        _ => {}
    }
    let table = Table::global();
    let reject = |conn: &mut Conn, msg: &str, spec: Option<&'static CommandSpec>| {
        conn.out.error(msg);
        if let Some(m) = conn.multi.as_mut() {
            m.failed = true;
        }
        Fate::Rejected(spec)
    };
    let spec = match table.lookup(argv) {
        Lookup::Found(s) => s,
        Lookup::UnknownCommand => return reject(conn, &unknown_command(argv), None),
        Lookup::UnknownSubcommand(parent) => {
            return reject(conn, &unknown_subcommand(parent, argv), None);
        }
    };
    if !spec.arity_ok(argv.len()) {
        return reject(conn, &errors::arity(&table.full_name(spec)), Some(spec));
    }
    if !conn.authenticated && !spec.has(NO_AUTH) {
        return reject(conn, "NOAUTH Authentication required.", Some(spec));
    }
    if spec.has(NO_MULTI) {
        return reject(
            conn,
            "ERR Command not allowed inside a transaction",
            Some(spec),
        );
    }
    if let Some(m) = conn.multi.as_mut() {
        m.queued.push((spec, Arg::owned(argv)));
        conn.info.multi.set(m.queued.len() as i64);
    }
    conn.out.simple("QUEUED");
    Fate::Queued
}

/// Where one queued command runs.
enum Target {
    /// On the connection (runtime commands).
    Conn(&'static RuntimeHandler),
    /// On one shard.
    Shard(usize, Handler),
    /// Through the coordinator (keys on several shards, or every shard).
    Multi,
}

/// EXEC: run the queue atomically.
async fn exec(conn: &mut Conn) -> Option<usize> {
    let Some(state) = conn.multi.take() else {
        conn.out.error("ERR EXEC without MULTI");
        return None;
    };
    mark_multi(conn, false);
    if state.failed {
        crate::watch::unwatch(conn).await;
        conn.out
            .error("EXECABORT Transaction discarded because of previous errors.");
        return None;
    }
    let sh = conn.sh.clone();
    let n = sh.shards();
    let databases = sh.config.borrow().databases;

    // 1. What each command touches, and where it runs.
    let mut db = conn.db;
    let mut keys: BTreeMap<usize, Vec<(usize, Bytes, Mode)>> = BTreeMap::new();
    let mut whole: Option<Mode> = None;
    let mut targets = Vec::with_capacity(state.queued.len());
    for (spec, argv) in &state.queued {
        let target = match spec.exec {
            Exec::Runtime(any) => {
                match (any as &dyn std::any::Any).downcast_ref::<RuntimeHandler>() {
                    Some(h) => Target::Conn(h),
                    None => Target::Multi,
                }
            }
            Exec::AllShards(..) | Exec::ByCursor(..) => {
                let m = if spec.has(WRITE) {
                    Mode::Exclusive
                } else {
                    Mode::Shared
                };
                whole = Some(if whole == Some(Mode::Exclusive) {
                    Mode::Exclusive
                } else {
                    m
                });
                match spec.exec {
                    Exec::ByCursor(h) => {
                        let s = tessera_commands::parse::scan_cursor(&argv[1])
                            .map(|c| (c % n as u64) as usize)
                            .unwrap_or(sh.id);
                        Target::Shard(s, h)
                    }
                    _ if n == 1 => match spec.exec {
                        Exec::AllShards(h, _) => Target::Shard(0, h),
                        _ => Target::Multi,
                    },
                    _ => Target::Multi,
                }
            }
            // A SORT whose patterns may name a key on any shard sees them all.
            Exec::Keys(_) if n > 1 && coord::sort_whole_scope(spec, &Arg::all(argv)).is_some() => {
                let m = coord::sort_whole_scope(spec, &Arg::all(argv)).unwrap_or(Mode::Shared);
                whole = Some(if whole == Some(Mode::Exclusive) {
                    Mode::Exclusive
                } else {
                    m
                });
                Target::Multi
            }
            Exec::Keys(h) | Exec::Split(h, _) => {
                let ks = find_keys(spec, argv).unwrap_or_default();
                let mut owner: Option<Option<usize>> = None;
                for k in &ks {
                    let s = shard_of(&argv[k.index], n);
                    let mode = if k.flags & kflags::WRITES != 0 {
                        Mode::Exclusive
                    } else {
                        Mode::Shared
                    };
                    keys.entry(s)
                        .or_default()
                        .push((db, argv[k.index].clone(), mode));
                    owner = match owner {
                        None => Some(Some(s)),
                        Some(Some(o)) if o == s => Some(Some(o)),
                        _ => Some(None),
                    };
                }
                match owner {
                    None => Target::Shard(sh.id, h),
                    Some(Some(s)) => Target::Shard(s, h),
                    Some(None) => Target::Multi,
                }
            }
            Exec::Container => Target::Multi,
        };
        if spec.name == "select" {
            if let Some(d) = tessera_commands::parse::int(&argv[1]) {
                if d >= 0 && (d as usize) < databases {
                    db = d as usize;
                }
            }
        }
        targets.push(target);
    }
    let watched: Vec<(usize, Bytes)> = conn
        .watch
        .as_ref()
        .map(|w| w.keys.clone())
        .unwrap_or_default();
    let mut watched_by_shard: BTreeMap<usize, Vec<(usize, Bytes)>> = BTreeMap::new();
    for (d, k) in &watched {
        let s = shard_of(k, n);
        keys.entry(s)
            .or_default()
            .push((*d, k.clone(), Mode::Shared));
        watched_by_shard.entry(s).or_default().push((*d, k.clone()));
    }

    // A transaction whose keys, watched ones included, all live on this
    // shard, while nothing here is locked, runs at once: it never yields,
    // so no other command runs on this shard between its commands, which is
    // Redis's atomicity. It still takes a lock over its keys for the length
    // of the run, so a client blocked on a key it pushes to is served after
    // it and not between its commands.
    if whole.is_none()
        && targets
            .iter()
            .all(|t| matches!(t, Target::Shard(s, _) if *s == sh.id))
        && keys.keys().all(|&s| s == sh.id)
        && sh.locks.borrow().is_empty()
    {
        return exec_here(
            conn,
            &sh,
            state.queued,
            &targets,
            keys.remove(&sh.id),
            &watched,
        )
        .await;
    }

    // A transaction whose commands each run on one shard and that watches
    // nothing is decided by its keys alone: it joins this shard's combiner,
    // which runs it with others started meanwhile under one set of locks
    // (see `combine.rs`).
    if n > 1
        && whole.is_none()
        && watched.is_empty()
        && targets.iter().all(|t| matches!(t, Target::Shard(..)))
    {
        feed_monitors(conn, &state.queued);
        let count = state.queued.len();
        let cmds: Vec<(usize, &'static CommandSpec, Handler, Vec<Bytes>)> = state
            .queued
            .into_iter()
            .zip(&targets)
            .filter_map(|((spec, argv), t)| match t {
                Target::Shard(s, h) => Some((*s, spec, *h, argv)),
                _ => None,
            })
            .collect();
        let op = combine::ExecOp {
            home: cmds.first().map_or(sh.id, |c| c.0),
            db: conn.db,
            proto: conn.out.proto,
            cmds,
            locks: keys,
        };
        let home = op.home;
        let (bytes, _) = combine::submit(&sh, combine::Op::Exec(op)).await;
        conn.out.array(count);
        conn.out.raw(&bytes);
        crate::watch::unwatch(conn).await;
        return Some(home);
    }

    // 2. Lock (all shards at once when they are free, else in ascending
    //    shard order), and check the watched keys.
    let shards: Vec<usize> = if whole.is_some() {
        (0..n).collect()
    } else {
        keys.keys().copied().collect()
    };
    // Per shard: its lock scope and the watched keys it checks.
    type Part = (usize, Scope, Vec<(usize, Bytes)>);
    let parts: Vec<Part> = shards
        .iter()
        .map(|&s| {
            let scope = match whole {
                Some(m) => Scope::All(if keys.values().flatten().any(|k| k.2 == Mode::Exclusive) {
                    Mode::Exclusive
                } else {
                    m
                }),
                None => Scope::Keys(keys.get(&s).cloned().unwrap_or_default()),
            };
            (
                s,
                scope,
                watched_by_shard.get(&s).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let locked = coord::lock_parts(
        &sh,
        parts,
        Locking::Take,
        |sh, mine: Vec<(usize, Bytes)>| {
            let now = unix_ms();
            mine.iter()
                .any(|(d, k)| crate::watch::expired_since_watch(sh, *d, k, now))
        },
    )
    .await;
    let mut tickets: Vec<(usize, Ticket)> = Vec::with_capacity(shards.len());
    for (&s, (t, expired)) in shards.iter().zip(locked) {
        if let Some(t) = t {
            tickets.push((s, t));
        }
        if expired {
            if let Some(w) = &conn.watch {
                w.flag.store(true, Ordering::Release);
            }
        }
    }
    let aborted = conn
        .watch
        .as_ref()
        .is_some_and(|w| w.flag.load(Ordering::Acquire));
    if aborted {
        release(conn, tickets).await;
        crate::watch::unwatch(conn).await;
        conn.out.null_array();
        return None;
    }

    // 3. Run the commands in order.
    conn.out.array(state.queued.len());
    if targets.iter().all(|t| matches!(t, Target::Shard(..))) {
        run_grouped(conn, &state.queued, &targets, tickets).await;
        crate::watch::unwatch(conn).await;
        return None;
    }
    let mut i = 0;
    let queued = state.queued;
    // MONITOR shows the queued commands as they run, then EXEC, as Redis does.
    let monitored = crate::pubsub::monitors_exist();
    let feed = |conn: &Conn, spec: &CommandSpec, argv: &[Arg<'_>]| {
        if monitored {
            crate::monitor::feed(&conn.sh, spec, argv, conn.db, &conn.info.addr, 0);
        }
    };
    while i < queued.len() {
        if !matches!(targets[i], Target::Shard(..)) {
            feed(conn, queued[i].0, &Arg::all(&queued[i].1));
        }
        match targets[i] {
            Target::Conn(RuntimeHandler::Sync(f)) => f(conn, &Arg::all(&queued[i].1)),
            Target::Conn(RuntimeHandler::Async(f)) => f(conn, &Arg::all(&queued[i].1)).await,
            Target::Multi => {
                let (spec, argv) = &queued[i];
                let bytes =
                    coord::run_bytes(conn, spec, &Arg::all(argv), Locking::Held, false).await;
                conn.out.raw(&bytes);
            }
            Target::Shard(s, _) => {
                // Consecutive commands for the same shard go in one hop.
                let mut batch = Vec::new();
                while i < queued.len() {
                    match targets[i] {
                        Target::Shard(t, h) if t == s => {
                            feed(conn, queued[i].0, &Arg::all(&queued[i].1));
                            batch.push((queued[i].0, h, queued[i].1.clone()));
                            i += 1;
                        }
                        _ => break,
                    }
                }
                let db = conn.db;
                let proto = conn.out.proto;
                let bytes = call(&sh, s, move |sh, reply| {
                    let mut out = Out::new(proto);
                    let now = unix_ms();
                    for (spec, h, argv) in &batch {
                        sh.run_handler(spec, *h, &Arg::all(argv), db, now, &mut out, false);
                    }
                    let _ = reply.send(out.buf.freeze());
                })
                .await;
                conn.out.raw(&bytes);
                continue;
            }
        }
        i += 1;
    }

    if monitored {
        feed_exec(conn);
    }

    // 4. Release, then forget the watched keys.
    release(conn, tickets).await;
    crate::watch::unwatch(conn).await;
    None
}

/// `exec` for a transaction that only touches keys of this shard while no
/// lock is held here: checks the watched keys, then runs the queue without
/// yielding, under a lock over `keys` that is granted at once.
async fn exec_here(
    conn: &mut Conn,
    sh: &Rc<Shard>,
    queued: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    targets: &[Target],
    keys: Option<Vec<(usize, Bytes, Mode)>>,
    watched: &[(usize, Bytes)],
) -> Option<usize> {
    let now = unix_ms();
    if let Some(w) = &conn.watch {
        if watched
            .iter()
            .any(|(d, k)| crate::watch::expired_since_watch(sh, *d, k, now))
        {
            w.flag.store(true, Ordering::Release);
        }
        if w.flag.load(Ordering::Acquire) {
            crate::watch::unwatch(conn).await;
            conn.out.null_array();
            return None;
        }
    }
    let (ticket, wait) = sh
        .locks
        .borrow_mut()
        .acquire(Scope::Keys(keys.unwrap_or_default()));
    debug_assert!(wait.is_none(), "an empty lock table grants at once");
    feed_monitors(conn, &queued);
    conn.out.array(queued.len());
    for ((spec, argv), t) in queued.iter().zip(targets) {
        if let Target::Shard(_, h) = t {
            sh.run_handler(
                spec,
                *h,
                &Arg::all(argv),
                conn.db,
                now,
                &mut conn.out,
                false,
            );
        }
    }
    coord::release_here(sh, ticket);
    crate::watch::unwatch(conn).await;
    Some(sh.id)
}

/// Runs a transaction whose commands each live on one shard: every shard
/// runs its own commands, in their order, and releases its lock in the same
/// hop, all shards at once. Commands on different shards touch different
/// keys, and the locks keep everyone else out until the release, so the
/// order between shards cannot be observed: the result is the same as
/// running the queue in order, with one parallel hop instead of one per
/// run of commands.
async fn run_grouped(
    conn: &mut Conn,
    queued: &[(&'static CommandSpec, Vec<Bytes>)],
    targets: &[Target],
    tickets: Vec<(usize, Ticket)>,
) {
    feed_monitors(conn, queued);
    type Cmd = (usize, &'static CommandSpec, Handler, Vec<Bytes>);
    let mut per: BTreeMap<usize, (Option<Ticket>, Vec<Cmd>)> = BTreeMap::new();
    for (s, t) in tickets {
        per.entry(s).or_default().0 = Some(t);
    }
    for (i, (t, (spec, argv))) in targets.iter().zip(queued).enumerate() {
        if let Target::Shard(s, h) = t {
            per.entry(*s)
                .or_default()
                .1
                .push((i, *spec, *h, argv.clone()));
        }
    }
    let sh = conn.sh.clone();
    let db = conn.db;
    let proto = conn.out.proto;
    let runs = per.into_iter().map(|(s, (ticket, cmds))| {
        let sh = sh.clone();
        async move {
            finish_on(&sh, s, ticket, move |sh| {
                let now = unix_ms();
                cmds.into_iter()
                    .map(|(i, spec, h, argv)| {
                        let mut out = Out::new(proto);
                        sh.run_handler(spec, h, &Arg::all(&argv), db, now, &mut out, false);
                        (i, out.buf.freeze())
                    })
                    .collect::<Vec<_>>()
            })
            .await
        }
    });
    let mut replies: Vec<(usize, Bytes)> = join_all(runs).await.into_iter().flatten().collect();
    replies.sort_by_key(|(i, _)| *i);
    for (_, r) in replies {
        conn.out.raw(&r);
    }
}

/// Shows a transaction's commands and then EXEC to MONITOR clients, as
/// Redis does when it runs them.
fn feed_monitors(conn: &Conn, queued: &[(&'static CommandSpec, Vec<Bytes>)]) {
    if !crate::pubsub::monitors_exist() {
        return;
    }
    for (spec, argv) in queued {
        crate::monitor::feed(&conn.sh, spec, &Arg::all(argv), conn.db, &conn.info.addr, 0);
    }
    feed_exec(conn);
}

/// Shows EXEC itself to MONITOR clients, after the commands it ran.
fn feed_exec(conn: &Conn) {
    if let Some(spec) = Table::global().get(b"exec") {
        crate::monitor::feed(
            &conn.sh,
            spec,
            &[Arg::whole(&Bytes::from_static(b"EXEC"))],
            conn.db,
            &conn.info.addr,
            0,
        );
    }
}

async fn release(conn: &Conn, tickets: Vec<(usize, Ticket)>) {
    let sh = conn.sh.clone();
    join_all(tickets.into_iter().map(|(s, t)| {
        let sh = sh.clone();
        async move { finish_on(&sh, s, Some(t), |_| ()).await }
    }))
    .await;
}

/// Keeps CLIENT LIST's `multi` count and `x` flag in step with the connection.
pub(crate) fn mark_multi(c: &Conn, on: bool) {
    c.info.multi.set(if on { 0 } else { -1 });
    crate::pubsub::set_flag(&mut c.info.flags.borrow_mut(), 'x', on);
}

/// MULTI
fn multi(c: &mut Conn, _argv: &[Arg<'_>]) {
    // Nested MULTI is answered in `in_multi`; here no transaction is open.
    c.multi = Some(MultiState::default());
    mark_multi(c, true);
    c.out.ok();
}

fn exec_outside(c: &mut Conn, _argv: &[Arg<'_>]) {
    c.out.error("ERR EXEC without MULTI");
}

fn discard_outside(c: &mut Conn, _argv: &[Arg<'_>]) {
    c.out.error("ERR DISCARD without MULTI");
}

/// WATCH key [key ...]
fn watch_cmd<'a>(c: &'a mut Conn, argv: &'a [Arg<'_>]) -> futures::future::LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        crate::watch::watch(c, &argv[1..]).await;
        c.out.ok();
    })
}

/// UNWATCH
fn unwatch_cmd<'a>(
    c: &'a mut Conn,
    _argv: &'a [Arg<'_>],
) -> futures::future::LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        crate::watch::unwatch(c).await;
        c.out.ok();
    })
}

static MULTI: RuntimeHandler = RuntimeHandler::Sync(multi);
static EXEC: RuntimeHandler = RuntimeHandler::Sync(exec_outside);
static DISCARD: RuntimeHandler = RuntimeHandler::Sync(discard_outside);
static WATCH: RuntimeHandler = RuntimeHandler::Async(watch_cmd);
static UNWATCH: RuntimeHandler = RuntimeHandler::Async(unwatch_cmd);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "multi",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        acl: &["fast", "transaction"],
        summary: "Starts a transaction: later commands are queued until EXEC.",
        since: "1.2.0",
        group: "transactions",
        exec: Exec::Runtime(&MULTI),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "exec",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        acl: &["slow", "transaction"],
        summary: "Runs the queued commands of the transaction, atomically.",
        since: "1.2.0",
        group: "transactions",
        complexity: "Depends on commands in the transaction",
        exec: Exec::Runtime(&EXEC),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "discard",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        acl: &["fast", "transaction"],
        summary: "Drops the queued commands and ends the transaction.",
        since: "2.0.0",
        group: "transactions",
        complexity: "O(N), when N is the number of queued commands",
        exec: Exec::Runtime(&DISCARD),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "watch",
        arity: -2,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        acl: &["fast", "transaction"],
        keys: &[KeySpec::range_to_end(1, 1, kflags::RO)],
        args: &[ArgSpec::key("key", 0).multiple()],
        summary: "Makes the next EXEC run only if none of these keys changed meanwhile.",
        since: "2.2.0",
        group: "transactions",
        complexity: "O(1) for every key.",
        exec: Exec::Runtime(&WATCH),
        ..CommandSpec::DEFAULT
    },
    CommandSpec {
        name: "unwatch",
        arity: 1,
        flags: NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        acl: &["fast", "transaction"],
        summary: "Forgets every key this connection watches.",
        since: "2.2.0",
        group: "transactions",
        exec: Exec::Runtime(&UNWATCH),
        ..CommandSpec::DEFAULT
    },
];
