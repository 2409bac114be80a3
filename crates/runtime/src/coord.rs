//! The multi-shard coordinator: runs a command whose keys live on several
//! shards, or that must run on every shard, with the guarantees Redis's
//! single thread gives: atomic, isolated, no deadlock, no starvation, and no
//! global lock.
//!
//! # Design
//!
//! The connection that received the command builds the operation: per
//! shard, the keys it touches and how (exclusive where the key spec says the
//! command may write, shared otherwise; the whole shard for commands such as
//! FLUSHALL or KEYS), and what runs there. Work on another shard happens in
//! *hops*: a closure sent over the mesh that runs on the owning shard's
//! thread, touches only that shard's state, never awaits another shard, and
//! answers through a oneshot. A hop may wait for a lock on its own shard (it
//! then continues in a task there), nothing else.
//!
//! 0. **Combine.** An operation that takes its own locks goes to the
//!    combiner of its *home*, the shard of its first key (`combine.rs`).
//!    Operations that arrive there while a batch runs wait, and the next
//!    batch takes all of them: one set of locks (the union of theirs) and one
//!    round of hops for all, each operation running in batch order on every
//!    shard. Operations on the same keys meet in one combiner whatever shard
//!    their connections live on, so under contention a batch holds as many
//!    operations as there are clients, and the round trips that bound the
//!    throughput of a hot key are paid once per batch.
//! 1. **Lock.** Three ways, all giving the same guarantees:
//!    - *one hop*, when the batch touches its home and exactly one other
//!      shard: the home takes its locks if they are free right now (no
//!      hop), then one hop takes the other shard's locks if they are free
//!      right now. That grant completes the lock set, so the same hop
//!      already does that shard's part: runs its commands and releases, or
//!      copies its keys out and, if the batch only reads there, releases.
//!      The home then does its own part and releases (`combine::fused`);
//!    - *parallel try*: every shard is asked at once to grant only if free
//!      right now; the execute hop follows (`lock_parts`);
//!    - *ordered*: if any try found a lock busy, everything granted is given
//!      back and the locks are taken shard by shard in ascending shard order,
//!      one hop each, waiting on a shard until the request reaches the front
//!      of that shard's FIFO lock queue (`locks.rs`).
//!
//!    A try never waits, so it cannot deadlock, and it never overtakes a
//!    waiting request it conflicts with. The ordered path acquires in one
//!    global order and holds nothing while waiting on a lower shard, so the
//!    waits-for graph has no cycle: no deadlock. Each shard's queue is
//!    FIFO, so no operation starves. After a failed try a shard uses the
//!    ordered path for the next few operations, since under contention
//!    tries mostly fail.
//! 2. **Execute.** With every lock held no other command can read or write
//!    the keys involved (single-key commands on a locked key queue behind
//!    the lock on their shard; commands on other keys run freely). Then:
//!    - `Exec::Split`: each shard runs the handler over its own keys, and the
//!      replies are merged (MSET, MGET, DEL, EXISTS...);
//!    - `Exec::AllShards`: each shard runs the handler, merged likewise;
//!    - `Exec::Keys`: the lock hop also copies the keys' values out; the
//!      handler runs at the home on a scratch keyspace holding exactly those
//!      keys; the keys it changed are then written back (set or deleted) on
//!      their shards (RENAME, COPY, MSETNX, BITOP, SUNIONSTORE, ...);
//!    - SORT/SORT_RO: like `Exec::Keys`, but BY/GET patterns name keys that
//!      depend on the elements, so it locks every shard (`sort_with_patterns`).
//! 3. **Release.** The last hop to each shard releases its locks, so
//!    executing, writing back and releasing cost one hop per shard, in
//!    parallel. A shard's lock may be released as soon as its part is done
//!    once the whole lock set is held: anyone who then sees that part and
//!    looks at another shard's keys finds them locked until their part is
//!    done too. Clients blocked on keys the operation wrote are served only
//!    at the release (`release_here`).
//!
//! A single-shard command never comes here. EXEC (`multi.rs`) runs a
//! transaction whose commands each run on one shard, and which watches
//! nothing, as a combined operation too; any other transaction takes its
//! locks with `lock_parts` and runs its commands with `Locking::Held`.
//! Blocking commands, SORT and `Exec::AllShards` commands are never combined.

use crate::combine::{self, KeysOp, Op, SplitOp};
use crate::conn::Conn;
use crate::exec::scope_of;
use crate::locks::{Mode, Scope, Ticket};
use crate::mesh::call;
use crate::shard::{shard_of, unix_ms, Shard};
use bytes::{Bytes, BytesMut};
use futures::future::join_all;
use std::collections::BTreeMap;
use std::rc::Rc;
use tessera_commands::spec::kflags;
use tessera_commands::{find_keys, CommandSpec, Exec, Handler, Merge};
use tessera_resp::Arg;
use tessera_resp::{split_elements, Out, Proto};
use tessera_storage::{Keyspace, Ms, Value};

/// A key's value and TTL as copied out of a shard.
type Copied = Option<(Value, Option<Ms>)>;

/// Runs a multi-shard command and appends its reply to the connection.
pub async fn run(conn: &mut Conn, spec: &'static CommandSpec, argv: &[Arg<'_>]) {
    let reply = run_bytes(conn, spec, argv, Locking::Take, true).await;
    conn.out.raw(&reply);
}

/// Runs a multi-shard command and returns its reply. `may_block` is passed
/// to the handler (false inside EXEC).
pub async fn run_bytes(
    conn: &mut Conn,
    spec: &'static CommandSpec,
    argv: &[Arg<'_>],
    locking: Locking,
    may_block: bool,
) -> Bytes {
    conn.sh.stats.borrow_mut().multi_shard_ops += 1;
    let sh = conn.sh.clone();
    let db = conn.db;
    let proto = conn.out.proto;
    match spec.exec {
        Exec::Split(h, merge) => split(&sh, spec, h, merge, argv, db, proto, locking).await,
        Exec::AllShards(h, merge) => {
            all_shards(&sh, spec, h, merge, argv, db, proto, locking).await
        }
        Exec::Keys(h) if tessera_commands::sort::is_sort(spec) => {
            sort_with_patterns(&sh, spec, h, argv, db, proto, locking).await
        }
        Exec::Keys(h) => {
            gather(&sh, spec, h, argv, db, proto, locking, may_block)
                .await
                .0
        }
        _ => {
            let mut out = Out::new(proto);
            out.error("ERR command cannot run across shards");
            out.buf.freeze()
        }
    }
}

/// Whether the coordinator takes the locks itself, or runs inside an
/// operation (EXEC) that already holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locking {
    Take,
    Held,
}

/// Takes the lock for `scope` on shard `to` (waiting there if needed), then
/// runs `then` on that shard with the lock held. With `Locking::Held` the
/// caller already holds it and `then` just runs.
async fn lock_on<T, F>(
    from: &Rc<Shard>,
    to: usize,
    scope: Scope,
    locking: Locking,
    then: F,
) -> (Option<Ticket>, T)
where
    T: Send + 'static,
    F: FnOnce(&Rc<Shard>) -> T + Send + 'static,
{
    if locking == Locking::Held {
        let r = call(from, to, move |sh, reply| {
            let _ = reply.send(then(sh));
        })
        .await;
        return (None, r);
    }
    let (t, r) = lock_now(from, to, scope, then).await;
    (Some(t), r)
}

thread_local! {
    /// How many more multi-shard lockings on this shard skip the parallel try.
    static SKIP_TRY: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Whether the next locking on this shard may first try to take its locks
/// without waiting (one parallel hop). Under contention a try mostly fails
/// and costs wasted hops, so after a failure ([`tries_failed`]) this shard
/// goes straight to ordered locking for a while.
pub(crate) fn may_try() -> bool {
    SKIP_TRY.with(|c| {
        let n = c.get();
        c.set(n.saturating_sub(1));
        n == 0
    })
}

/// Records that a try found a lock busy.
pub(crate) fn tries_failed() {
    SKIP_TRY.with(|c| c.set(16));
}

/// Locks `parts` (shard, scope, payload; in ascending shard order) and runs
/// `then(shard, payload)` on each shard once its lock is held. Returns each
/// part's ticket (None with `Locking::Held`) and result, in `parts` order.
///
/// First every shard is asked at once to grant its lock only if it is free
/// right away (one parallel hop, the common case). If any shard is busy, the
/// locks granted are given back and they are taken one shard at a time in
/// ascending order, waiting where needed: the deadlock-free path. A try that
/// never waits cannot deadlock, and the fallback waits in FIFO order, so
/// nothing starves.
pub async fn lock_parts<P, T, F>(
    from: &Rc<Shard>,
    parts: Vec<(usize, Scope, P)>,
    locking: Locking,
    then: F,
) -> Vec<(Option<Ticket>, T)>
where
    P: Clone + Send + 'static,
    T: Send + 'static,
    F: Fn(&Rc<Shard>, P) -> T + Clone + Send + 'static,
{
    if locking == Locking::Take && parts.len() > 1 && may_try() {
        let tries = join_all(parts.iter().map(|(s, scope, p)| {
            let (scope, p, f) = (scope.clone(), p.clone(), then.clone());
            call(from, *s, move |sh, reply| {
                let free = {
                    let locks = sh.locks.borrow();
                    locks.is_empty() || locks.is_free(&scope)
                };
                let r = free.then(|| {
                    let (t, _granted) = sh.locks.borrow_mut().acquire(scope);
                    (t, f(sh, p))
                });
                let _ = reply.send(r);
            })
        }))
        .await;
        if tries.iter().all(Option::is_some) {
            return tries
                .into_iter()
                .flatten()
                .map(|(t, v)| (Some(t), v))
                .collect();
        }
        join_all(
            parts
                .iter()
                .zip(tries)
                .filter_map(|((s, _, _), r)| r.map(|(t, _)| (*s, t)))
                .map(|(s, t)| finish_on(from, s, Some(t), |_| ())),
        )
        .await;
        tries_failed();
    }
    let mut out = Vec::with_capacity(parts.len());
    for (s, scope, p) in parts {
        let f = then.clone();
        out.push(lock_on(from, s, scope, locking, move |sh| f(sh, p)).await);
    }
    out
}

/// Takes a lock on shard `to` and runs `then` there once it is granted.
pub async fn lock_now<T, F>(from: &Rc<Shard>, to: usize, scope: Scope, then: F) -> (Ticket, T)
where
    T: Send + 'static,
    F: FnOnce(&Rc<Shard>) -> T + Send + 'static,
{
    call(from, to, move |sh, reply| {
        let (ticket, wait) = sh.locks.borrow_mut().acquire(scope);
        match wait {
            None => {
                let _ = reply.send((ticket, then(sh)));
            }
            Some(w) => {
                let sh = sh.clone();
                glommio::spawn_local(async move {
                    let _ = w.await;
                    let _ = reply.send((ticket, then(&sh)));
                })
                .detach();
            }
        }
    })
    .await
}

/// Runs `f` on shard `to` and then releases `ticket` there (if any), in one hop.
pub async fn finish_on<T, F>(from: &Rc<Shard>, to: usize, ticket: Option<Ticket>, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(&Rc<Shard>) -> T + Send + 'static,
{
    call(from, to, move |sh, reply| {
        let r = f(sh);
        if let Some(t) = ticket {
            release_here(sh, t);
        }
        let _ = reply.send(r);
    })
    .await
}

/// Releases a lock on this shard, then serves clients blocked on keys that
/// became ready while they were locked.
pub fn release_here(sh: &Rc<Shard>, t: Ticket) {
    sh.locks.borrow_mut().release(t);
    crate::blocking::serve_ready(sh);
}

/// `Exec::Split`: each shard runs the handler on its own key groups.
#[allow(clippy::too_many_arguments)]
async fn split(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    merge: Merge,
    argv: &[Arg<'_>],
    db: usize,
    proto: Proto,
    locking: Locking,
) -> Bytes {
    let n = sh.shards();
    let keys = match find_keys(spec, argv) {
        Ok(k) => k,
        Err(_) => return local_error(sh, spec, h, argv, db, proto),
    };
    // An incomplete last group (MSET k1 v1 k2) is an argument error the
    // handler reports; run it locally, where it fails before writing.
    if keys.last().is_some_and(|k| k.index + k.step > argv.len()) {
        return local_error(sh, spec, h, argv, db, proto);
    }
    // Per shard: its sub-argv and the keys it locks.
    type Part = (Vec<Bytes>, Vec<(Bytes, Mode)>);
    let mut per_shard: BTreeMap<usize, Part> = BTreeMap::new();
    // For each key in request order: (shard, position within that shard's reply).
    let mut order = Vec::with_capacity(keys.len());
    for k in &keys {
        let s = shard_of(&argv[k.index], n);
        let entry = per_shard
            .entry(s)
            .or_insert_with(|| (vec![argv[0].to_bytes()], Vec::new()));
        order.push((s, entry.1.len()));
        entry
            .0
            .extend(argv[k.index..k.index + k.step].iter().map(Arg::to_bytes));
        let mode = if k.flags & kflags::WRITES != 0 {
            Mode::Exclusive
        } else {
            Mode::Shared
        };
        entry.1.push((argv[k.index].to_bytes(), mode));
    }
    let op = SplitOp {
        home: order.first().map_or(sh.id, |o| o.0),
        spec,
        h,
        merge,
        db,
        proto,
        parts: per_shard
            .into_iter()
            .map(|(s, (sub, ks))| (s, sub, ks.into_iter().map(|(k, m)| (db, k, m)).collect()))
            .collect(),
        order,
    };
    combined(sh, Op::Split(op), locking).await.0
}

/// Runs one operation: through this shard's combiner when it takes its own
/// locks (so that it may share them with others started meanwhile), or
/// alone under the locks the caller holds.
async fn combined(sh: &Rc<Shard>, op: Op, locking: Locking) -> combine::Answer {
    match locking {
        Locking::Take => combine::submit(sh, op).await,
        Locking::Held => combine::run(sh, vec![op], Locking::Held)
            .await
            .pop()
            .unwrap_or_default(),
    }
}

/// Runs the handler locally over the full argv: used when it will only
/// produce an argument error.
fn local_error(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    db: usize,
    proto: Proto,
) -> Bytes {
    let mut out = Out::new(proto);
    sh.run_handler(spec, h, argv, db, unix_ms(), &mut out, false);
    out.buf.freeze()
}

/// `Exec::AllShards`: every shard runs the handler under a whole-shard lock.
#[allow(clippy::too_many_arguments)]
async fn all_shards(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    merge: Merge,
    argv: &[Arg<'_>],
    db: usize,
    proto: Proto,
    locking: Locking,
) -> Bytes {
    let n = sh.shards();
    let scope = scope_of(spec, argv, db);
    let parts = (0..n).map(|s| (s, scope.clone(), ())).collect();
    let tickets: Vec<Option<Ticket>> = lock_parts(sh, parts, locking, |_, ()| ())
        .await
        .into_iter()
        .map(|(t, ())| t)
        .collect();
    let argv: Vec<Bytes> = Arg::owned(argv);
    let runs = tickets.into_iter().enumerate().map(|(s, t)| {
        let argv = argv.clone();
        async move {
            let r = finish_on(sh, s, t, move |sh| {
                let mut out = Out::new(proto);
                sh.run_handler(spec, h, &Arg::all(&argv), db, unix_ms(), &mut out, false);
                out.buf.freeze()
            })
            .await;
            (s, r)
        }
    });
    let replies: BTreeMap<usize, Bytes> = join_all(runs).await.into_iter().collect();
    merge_replies(merge, &replies, &[], proto)
}

/// The databases a command's keys live in: the selected one, plus COPY's `DB` target.
fn dbs_of(argv: &[Arg<'_>], db: usize) -> Vec<usize> {
    let mut dbs = vec![db];
    if argv[0].eq_ignore_ascii_case(b"copy") && argv.len() > 3 {
        for w in argv[3..].windows(2) {
            if w[0].eq_ignore_ascii_case(b"db") {
                if let Some(d) = std::str::from_utf8(&w[1])
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                {
                    if d != db {
                        dbs.push(d);
                    }
                }
            }
        }
    }
    dbs
}

/// `Exec::Keys` across shards: copy the keys out under lock, run the handler
/// on a scratch keyspace, write the writable keys back, release. Returns the
/// reply and, for a blocking command that found nothing, its timeout (the
/// reply is then empty and nothing was written).
#[allow(clippy::too_many_arguments)]
pub async fn gather(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    db: usize,
    proto: Proto,
    locking: Locking,
    may_block: bool,
) -> (Bytes, Option<Ms>) {
    let n = sh.shards();
    let keys = match find_keys(spec, argv) {
        Ok(k) => k,
        Err(_) => return (local_error(sh, spec, h, argv, db, proto), None),
    };
    let databases = sh.config.borrow().databases;
    let dbs: Vec<usize> = dbs_of(argv, db)
        .into_iter()
        .filter(|&d| d < databases)
        .collect();
    // Per shard: (db, key, mode, may be written).
    let mut per_shard: BTreeMap<usize, Vec<(usize, Bytes, Mode, bool)>> = BTreeMap::new();
    for k in &keys {
        let key = argv[k.index];
        let writes = k.flags & kflags::WRITES != 0;
        let mode = if writes {
            Mode::Exclusive
        } else {
            Mode::Shared
        };
        let list = per_shard.entry(shard_of(&key, n)).or_default();
        for &d in &dbs {
            if !list.iter().any(|(ld, lk, _, _)| *ld == d && key == *lk) {
                list.push((d, key.to_bytes(), mode, writes));
            } else if writes {
                // The same key named twice (RENAME k k): the stronger mode wins.
                for e in list.iter_mut().filter(|e| e.0 == d && key == e.1) {
                    e.2 = Mode::Exclusive;
                    e.3 = true;
                }
            }
        }
    }
    let op = Op::Keys(KeysOp {
        home: keys.first().map_or(sh.id, |k| shard_of(&argv[k.index], n)),
        spec,
        h,
        argv: Arg::owned(argv),
        db,
        proto,
        may_block,
        per_shard,
    });
    // A blocking command may ask to wait, which a batch cannot express for
    // one of its members: it runs alone.
    if spec.has(tessera_commands::spec::flags::BLOCKING) {
        return combine::run(sh, vec![op], locking)
            .await
            .pop()
            .unwrap_or_default();
    }
    combined(sh, op, locking).await
}

/// Combines per-shard replies. `order` maps each key of the request to
/// (shard, index in that shard's reply) for `Merge::KeyOrder`.
pub(crate) fn merge_replies(
    merge: Merge,
    replies: &BTreeMap<usize, Bytes>,
    order: &[(usize, usize)],
    proto: Proto,
) -> Bytes {
    if let Some(err) = replies.values().find(|r| r.first() == Some(&b'-')) {
        return err.clone();
    }
    let mut out = Out::new(proto);
    match merge {
        Merge::Ok => out.ok(),
        Merge::Sum => {
            let total: i64 = replies
                .values()
                .map(|r| {
                    std::str::from_utf8(&r[1..r.len().saturating_sub(2)])
                        .ok()
                        .and_then(|s| s.parse::<i64>().ok())
                        .unwrap_or(0)
                })
                .sum();
            out.int(total);
        }
        Merge::KeyOrder => {
            let elems: BTreeMap<usize, (Bytes, Vec<std::ops::Range<usize>>)> = replies
                .iter()
                .map(|(&s, r)| {
                    let body = r.slice(header_len(r)..);
                    let ranges = split_elements(&body);
                    (s, (body, ranges))
                })
                .collect();
            out.array(order.len());
            for &(s, i) in order {
                if let Some((body, ranges)) = elems.get(&s) {
                    if let Some(r) = ranges.get(i) {
                        out.raw(&body[r.clone()]);
                        continue;
                    }
                }
                out.null();
            }
        }
        Merge::Concat => {
            let mut total = 0usize;
            let mut body = BytesMut::new();
            for r in replies.values() {
                let h = header_len(r);
                total += std::str::from_utf8(&r[1..h.saturating_sub(2)])
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(0);
                body.extend_from_slice(&r[h..]);
            }
            if proto == Proto::Resp3
                && replies
                    .values()
                    .next()
                    .is_some_and(|r| r.first() == Some(&b'~'))
            {
                out.set(total);
            } else {
                out.array(total);
            }
            out.raw(&body);
        }
        Merge::AnyNonNull => {
            use rand::seq::SliceRandom;
            let candidates: Vec<&Bytes> = replies
                .values()
                .filter(|r| {
                    !(r.starts_with(b"$-1") || r.starts_with(b"_") || r.starts_with(b"*-1"))
                })
                .collect();
            match candidates.choose(&mut rand::thread_rng()) {
                Some(r) => out.raw(r),
                None => out.null(),
            }
        }
    }
    out.buf.freeze()
}

/// Length of an aggregate's header line (`*3\r\n`).
fn header_len(r: &[u8]) -> usize {
    r.iter()
        .position(|&c| c == b'\n')
        .map(|i| i + 1)
        .unwrap_or(r.len())
}

// ---------------------------------------------------------------------------
// SORT across shards.
// ---------------------------------------------------------------------------

/// Where SORT or SORT_RO runs when there are several shards; `None` for any
/// other command, and for a SORT whose options do not parse (the generic
/// routing then takes it to a handler that replies the error before it
/// reads a key).
///
/// A SORT whose BY or GET patterns name keys must see every key they may
/// name, and those depend on the elements: it goes to the coordinator
/// ([`sort_with_patterns`]). Without patterns it touches its source and
/// STORE destination only, found by SORT's own option parser (the key spec
/// search for the destination can be fooled by a pattern spelled `store`):
/// on one shard it runs there, otherwise through the coordinator too.
pub fn sort_plan(
    here: usize,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    shards: usize,
) -> Option<crate::exec::Plan> {
    use crate::exec::Plan;
    if !tessera_commands::sort::is_sort(spec) {
        return None;
    }
    let layout = tessera_commands::sort::layout(argv)?;
    let s = shard_of(&layout.source, shards);
    let split = layout
        .store
        .as_ref()
        .is_some_and(|d| shard_of(d, shards) != s);
    Some(if layout.patterns || split {
        Plan::Multi(spec)
    } else if s == here {
        Plan::Local(spec, h)
    } else {
        Plan::Remote(s, spec, h)
    })
}

/// For EXEC: the whole-shard lock a queued SORT/SORT_RO needs on every
/// shard because its patterns name keys (exclusive when it stores), or
/// `None` when it needs only its declared keys.
pub fn sort_whole_scope(spec: &CommandSpec, argv: &[Arg<'_>]) -> Option<Mode> {
    if !tessera_commands::sort::is_sort(spec) {
        return None;
    }
    let layout = tessera_commands::sort::layout(argv)?;
    layout.patterns.then_some(if layout.store.is_some() {
        Mode::Exclusive
    } else {
        Mode::Shared
    })
}

/// Copies `keys` of database `db` out of this shard (value and TTL).
fn copy_out(sh: &Rc<Shard>, db: usize, keys: Vec<Bytes>) -> Vec<(Bytes, Copied)> {
    let now = unix_ms();
    let mut ks = sh.ks.borrow_mut();
    let d = ks.db(db);
    keys.into_iter()
        .map(|k| {
            let c: Copied = d.peek(&k, now).cloned().map(|v| (v, d.get_expire(&k)));
            (k, c)
        })
        .collect()
}

/// Runs SORT or SORT_RO across shards as one consistent snapshot: pattern
/// keys (`BY weight_*`, `GET data_*->field`) may live on any shard, and the
/// STORE destination on yet another.
///
/// 1. **Lock.** With patterns, every shard is locked whole, in ascending
///    order: shared, except exclusive on the destination's shard. The keys
///    a pattern names depend on the elements, which are unknown before the
///    source is read, so nothing narrower is safe; a whole-shard lock is
///    what KEYS or FLUSHALL take too. Without patterns only the source
///    (shared) and the destination (exclusive) are locked. The lock hop on
///    the source's and the destination's shards copies those keys out.
/// 2. **Copy the pattern keys.** With every lock held nothing can change
///    any more: the source's elements give the pattern keys
///    (`sort::pattern_keys`), which one hop per shard copies, in parallel.
/// 3. **Run** the handler on a scratch keyspace holding those copies.
/// 4. **Write back and release.** If the handler stored (or deleted) the
///    destination, the last hop to its shard writes it; every other shard
///    just releases its lock, in parallel.
///
/// With `Locking::Held` (inside EXEC, which locked every shard whole for
/// it) the hops run without taking locks.
#[allow(clippy::too_many_arguments)]
pub async fn sort_with_patterns(
    sh: &Rc<Shard>,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    db: usize,
    proto: Proto,
    locking: Locking,
) -> Bytes {
    let n = sh.shards();
    let Some(layout) = tessera_commands::sort::layout(argv) else {
        return local_error(sh, spec, h, argv, db, proto);
    };
    let databases = sh.config.borrow().databases;
    if db >= databases {
        return local_error(sh, spec, h, argv, db, proto);
    }
    let dst_shard = layout.store.as_ref().map(|d| shard_of(d, n));

    // 1. Per shard: what to lock and which of the named keys to copy.
    let mut per_shard: BTreeMap<usize, (Scope, Vec<Bytes>)> = BTreeMap::new();
    if layout.patterns {
        for s in 0..n {
            let mode = if dst_shard == Some(s) {
                Mode::Exclusive
            } else {
                Mode::Shared
            };
            per_shard.insert(s, (Scope::All(mode), Vec::new()));
        }
    }
    let mut named = vec![(layout.source.clone(), Mode::Shared)];
    if let Some(d) = &layout.store {
        if *d == layout.source {
            named[0].1 = Mode::Exclusive;
        } else {
            named.push((d.clone(), Mode::Exclusive));
        }
    }
    for (k, mode) in named {
        let entry = per_shard
            .entry(shard_of(&k, n))
            .or_insert_with(|| (Scope::Keys(Vec::new()), Vec::new()));
        if let Scope::Keys(ks) = &mut entry.0 {
            ks.push((db, k.clone(), mode));
        }
        entry.1.push(k);
    }
    let mut scratch = Keyspace::new(databases);
    let mut copied: std::collections::HashSet<Bytes> = std::collections::HashSet::new();
    let mut tickets = Vec::with_capacity(per_shard.len());
    let source_shard = shard_of(&layout.source, n);
    for (&s, (scope, keys)) in &per_shard {
        let keys = keys.clone();
        // The handler below reads a copy, so what SORT does to its source
        // (a sorted set becomes a skiplist) is done here, on its own shard.
        let source = (s == source_shard).then(|| layout.source.clone());
        let (t, copies) = lock_on(sh, s, scope.clone(), locking, move |sh| {
            if let Some(src) = source {
                let mut ks = sh.ks.borrow_mut();
                tessera_commands::sort::prepare_source(ks.db(db), &src, unix_ms());
            }
            copy_out(sh, db, keys)
        })
        .await;
        tickets.push((s, t));
        for (k, c) in copies {
            if let Some((v, exp)) = c {
                scratch.db(db).set_with_expire(&k, v, exp, unix_ms());
            }
            copied.insert(k);
        }
    }

    // 2. The keys the patterns name, now that the elements are known.
    if layout.patterns {
        let wanted = scratch
            .db(db)
            .peek(&layout.source, unix_ms())
            .map(|v| tessera_commands::sort::pattern_keys(argv, v))
            .unwrap_or_default();
        let mut by_shard: BTreeMap<usize, Vec<Bytes>> = BTreeMap::new();
        for k in wanted.into_iter().filter(|k| !copied.contains(k)) {
            by_shard.entry(shard_of(&k, n)).or_default().push(k);
        }
        let hops = by_shard.into_iter().map(|(s, keys)| {
            call(sh, s, move |sh, reply| {
                let _ = reply.send(copy_out(sh, db, keys));
            })
        });
        for copies in join_all(hops).await {
            for (k, c) in copies {
                if let Some((v, exp)) = c {
                    scratch.db(db).set_with_expire(&k, v, exp, unix_ms());
                }
            }
        }
    }

    // 3. Run.
    let now = unix_ms();
    let mut out = Out::new(proto);
    let config = sh.config.borrow().clone();
    let r = crate::shard::run_on(
        &mut scratch,
        h,
        argv,
        db,
        now,
        &mut out,
        &config,
        sh.id,
        n,
        false,
    );
    sh.stats.borrow_mut().dirty += r.dirty;

    // 4. Write the destination back (if it changed) and release everywhere.
    let mut stored: Option<(Bytes, Copied)> = match (&layout.store, r.dirty > 0) {
        (Some(d), true) => Some((d.clone(), scratch.db(db).take(d, now))),
        _ => None,
    };
    let finishes = tickets.into_iter().map(|(s, t)| {
        let write = if dst_shard == Some(s) {
            stored.take()
        } else {
            None
        };
        async move {
            finish_on(sh, s, t, move |sh| {
                if let Some((k, v)) = write {
                    {
                        let mut ks = sh.ks.borrow_mut();
                        let d = ks.db(db);
                        match v {
                            Some((v, exp)) => d.set_with_expire(&k, v, exp, unix_ms()),
                            None => {
                                d.remove(&k, unix_ms());
                            }
                        }
                    }
                    sh.key_written(db, &k);
                }
            })
            .await
        }
    });
    join_all(finishes).await;
    crate::pubsub::publish_events(sh, &r.events);
    out.buf.freeze()
}
