//! Combining: multi-shard operations with the same home shard that arrive
//! while an earlier batch is still running wait, and then run together as
//! one batch under one set of locks. This module builds and runs batches;
//! it must not decide what a command's keys are (that is `coord.rs` and
//! `multi.rs`) nor run anything that can block or abort halfway.
//!
//! # Why
//!
//! A multi-shard operation holds its locks for at least one mesh round trip
//! (lock, then execute and release). When every client hits the same keys,
//! operations serialize on those locks, so throughput is one operation per
//! round trip, and a round trip between two shards that sleep while they
//! wait costs tens of microseconds of wake-ups. A batch pays the round trips
//! once for every operation in it.
//!
//! # Why a batch is still atomic and isolated
//!
//! The operations of a batch come from different connections (a connection
//! waits for each reply before it submits its next operation), so none of
//! them has to come before another: any serial order is one Redis could
//! have produced. The batch takes, on every
//! shard it touches, the union of its operations' locks (exclusive wins over
//! shared), through the same deadlock-free, FIFO `coord::lock_parts` one
//! operation uses. Then every shard runs its part of every operation in
//! batch order, and the operations whose keys span shards (`Exec::Keys`)
//! run in batch order on one scratch keyspace holding the union of their
//! keys. Every shard therefore sees the operations in the same order, and
//! nobody else sees anything before the batch releases: the result is that
//! of running them one after another, each atomically.
//!
//! Only operations whose outcome is decided by running them in order are
//! combined: `Exec::Split` commands, non-blocking `Exec::Keys` commands
//! (not SORT) and transactions whose commands each run on one shard and
//! that WATCH nothing (a watched key written by an earlier member of the
//! batch must abort a later one, which the lock-time check cannot see).
//! Everything else keeps running alone.
//!
//! # Flow
//!
//! [`submit`] sends an operation to its home shard (the shard of its first
//! key; no hop when that is this shard) and queues it on that shard's
//! combiner. If no batch is running there, a leader task starts; it takes
//! every queued operation of the kind at the head of the queue (up to
//! [`MAX_BATCH`]), runs them as one batch, answers each (over the mesh for
//! operations forwarded from another shard), and repeats until the queue is
//! empty. An operation submitted alone runs at once as a batch of one. How
//! a batch takes its locks (one hop, parallel try, or ordered) is described
//! in `coord.rs`.

use crate::coord::{
    finish_on, lock_parts, may_try, merge_replies, release_here, tries_failed, Locking,
};
use crate::locks::{Mode, Scope, Ticket};
use crate::mesh::{call, Replier};
use crate::shard::{unix_ms, Shard};
use bytes::{Bytes, BytesMut};
use futures::channel::oneshot;
use futures::future::join_all;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;
use tessera_commands::{CommandSpec, Handler, Merge};
use tessera_resp::Arg;
use tessera_resp::{Out, Proto};
use tessera_storage::{Keyspace, Ms, Value};

/// The most operations one batch takes: a bound on the lock scopes the
/// lock tables compare and on how long one batch keeps its locks.
pub const MAX_BATCH: usize = 64;

/// A key's value and TTL as copied out of a shard (None: no such key).
type Copied = Option<(Value, Option<Ms>)>;

/// A key of a database.
type DbKey = (usize, Bytes);

/// A key to lock: database, key, strength.
pub type LockKey = (usize, Bytes, Mode);

/// One `Exec::Split` command across shards.
pub struct SplitOp {
    /// The shard whose combiner runs it (see [`submit`]).
    pub home: usize,
    pub spec: &'static CommandSpec,
    pub h: Handler,
    pub merge: Merge,
    pub db: usize,
    pub proto: Proto,
    /// Per shard, ascending: the argv it runs (its own key groups) and the
    /// keys it locks.
    pub parts: Vec<(usize, Vec<Bytes>, Vec<LockKey>)>,
    /// For each key of the request: (shard, position in that shard's reply).
    pub order: Vec<(usize, usize)>,
}

/// One `Exec::Keys` command across shards.
pub struct KeysOp {
    /// The shard whose combiner runs it (see [`submit`]).
    pub home: usize,
    pub spec: &'static CommandSpec,
    pub h: Handler,
    pub argv: Vec<Bytes>,
    pub db: usize,
    pub proto: Proto,
    pub may_block: bool,
    /// Per shard: (db, key, mode, may be written).
    pub per_shard: BTreeMap<usize, Vec<(usize, Bytes, Mode, bool)>>,
}

/// One queued transaction whose commands each run on one shard.
pub struct ExecOp {
    /// The shard whose combiner runs it (see [`submit`]).
    pub home: usize,
    pub db: usize,
    pub proto: Proto,
    /// In queue order: (shard, spec, handler, argv).
    pub cmds: Vec<(usize, &'static CommandSpec, Handler, Vec<Bytes>)>,
    /// Per shard: the keys it locks.
    pub locks: BTreeMap<usize, Vec<LockKey>>,
}

/// An operation the combiner can run in a batch.
pub enum Op {
    Split(SplitOp),
    Keys(KeysOp),
    Exec(ExecOp),
}

impl Op {
    /// Batches hold operations of one kind only.
    fn kind(&self) -> u8 {
        match self {
            Op::Split(_) => 0,
            Op::Keys(_) => 1,
            Op::Exec(_) => 2,
        }
    }

    fn home(&self) -> usize {
        match self {
            Op::Split(o) => o.home,
            Op::Keys(o) => o.home,
            Op::Exec(o) => o.home,
        }
    }
}

/// Where an answer goes: to a task of this shard, or back over the mesh to
/// the shard that forwarded the operation.
enum Responder {
    Here(oneshot::Sender<Answer>),
    There(Replier<Answer>),
}

impl Responder {
    fn send(self, a: Answer) {
        match self {
            Responder::Here(tx) => {
                let _ = tx.send(a);
            }
            Responder::There(r) => {
                let _ = r.send(a);
            }
        }
    }
}

/// What an operation answers: its reply (for a transaction, the replies of
/// its commands one after another, without the array header) and, for a
/// blocking command that found nothing, its timeout.
pub type Answer = (Bytes, Option<Ms>);

#[derive(Default)]
struct Combiner {
    /// A leader task is running batches.
    leading: bool,
    waiting: Vec<(Op, Responder)>,
}

thread_local! {
    /// This shard's combiner (one shard per thread).
    static COMBINER: RefCell<Combiner> = RefCell::default();
}

/// Runs `op` (taking its locks) in the next batch of its home shard, and
/// returns its answer.
///
/// The home is the shard of the operation's first key, chosen by the
/// caller. Operations on the same keys then meet in one combiner whatever
/// shard their connections live on: one leader takes all of them at once
/// instead of two leaders taking turns on the same locks (each turn costing
/// lock and release round trips), and the home shard's own locks are taken
/// without a hop. Operations on unrelated keys have homes spread over the
/// shards like their keys.
pub async fn submit(sh: &Rc<Shard>, op: Op) -> Answer {
    let home = op.home();
    if home != sh.id && home < sh.shards() {
        return call(sh, home, move |hsh, reply| {
            enqueue(hsh, op, Responder::There(reply));
        })
        .await;
    }
    let (tx, rx) = oneshot::channel();
    enqueue(sh, op, Responder::Here(tx));
    match rx.await {
        Ok(a) => a,
        // The leader was dropped: the shard is stopping.
        Err(_) => std::future::pending().await,
    }
}

/// The home shard of a multi-shard command that goes through the combiner
/// (the shard of its first key, as `coord.rs` chooses it), or None for one
/// that does not (blocking, SORT, whole-shard commands). A connection whose
/// commands keep going to one home is cheaper served there (`conn.rs`).
pub fn home_of(spec: &CommandSpec, argv: &[Arg<'_>], shards: usize) -> Option<usize> {
    use tessera_commands::spec::flags::BLOCKING;
    use tessera_commands::Exec;
    if spec.has(BLOCKING) || tessera_commands::sort::is_sort(spec) {
        return None;
    }
    match spec.exec {
        Exec::Split(..) | Exec::Keys(..) => {
            let first = tessera_commands::find_keys(spec, argv)
                .ok()?
                .into_iter()
                .next()?;
            Some(crate::shard::shard_of(argv.get(first.index)?, shards))
        }
        _ => None,
    }
}

/// Queues an operation on this shard's combiner, starting a leader if none runs.
fn enqueue(sh: &Rc<Shard>, op: Op, to: Responder) {
    let lead = COMBINER.with(|c| {
        let mut c = c.borrow_mut();
        c.waiting.push((op, to));
        !std::mem::replace(&mut c.leading, true)
    });
    if lead {
        // A task of its own, so that a batch is never abandoned halfway
        // because the connection that happened to start it went away.
        glommio::spawn_local(lead_batches(sh.clone())).detach();
    }
}

/// The leader: runs batches until nothing waits.
async fn lead_batches(sh: Rc<Shard>) {
    loop {
        // Let the tasks that are ready run first: the connections answered
        // by the last batch go on with their pipelines and submit their next
        // operations, which then join this batch instead of the one after.
        // Without this, under load every operation waited a whole extra
        // batch and batches held half the clients (measured: a third less
        // CPU per operation with it).
        glommio::executor().yield_now().await;
        let batch = COMBINER.with(|c| {
            let mut c = c.borrow_mut();
            if c.waiting.is_empty() {
                c.leading = false;
                return None;
            }
            let kind = c.waiting[0].0.kind();
            let mut taken = Vec::new();
            let mut rest = Vec::new();
            for w in c.waiting.drain(..) {
                if w.0.kind() == kind && taken.len() < MAX_BATCH {
                    taken.push(w);
                } else {
                    rest.push(w);
                }
            }
            c.waiting = rest;
            Some(taken)
        });
        let Some(batch) = batch else { return };
        let (ops, to): (Vec<Op>, Vec<Responder>) = batch.into_iter().unzip();
        let answers = run(&sh, ops, Locking::Take).await;
        for (to, a) in to.into_iter().zip(answers) {
            to.send(a);
        }
    }
}

/// Runs operations of one kind as one batch, in order, and returns their
/// answers in the same order. With `Locking::Held` the caller (EXEC)
/// already holds every lock they need.
pub async fn run(sh: &Rc<Shard>, ops: Vec<Op>, locking: Locking) -> Vec<Answer> {
    let Some(first) = ops.first() else {
        return Vec::new();
    };
    match first.kind() {
        0 => {
            let ops = ops
                .into_iter()
                .filter_map(|o| match o {
                    Op::Split(s) => Some(s),
                    _ => None,
                })
                .collect();
            run_split(sh, ops, locking)
                .await
                .into_iter()
                .map(|b| (b, None))
                .collect()
        }
        1 => {
            let ops = ops
                .into_iter()
                .filter_map(|o| match o {
                    Op::Keys(k) => Some(k),
                    _ => None,
                })
                .collect();
            run_keys(sh, ops, locking).await
        }
        _ => {
            let ops = ops
                .into_iter()
                .filter_map(|o| match o {
                    Op::Exec(e) => Some(e),
                    _ => None,
                })
                .collect();
            run_exec(sh, ops, locking)
                .await
                .into_iter()
                .map(|b| (b, None))
                .collect()
        }
    }
}

/// Merges lock requests for one shard: each (db, key) once, exclusive if
/// any request for it is.
fn union(keys: Vec<LockKey>) -> Vec<LockKey> {
    let mut seen: HashMap<(usize, Bytes), usize> = HashMap::with_capacity(keys.len());
    let mut out: Vec<LockKey> = Vec::with_capacity(keys.len());
    for (d, k, m) in keys {
        match seen.get(&(d, k.clone())) {
            Some(&i) => {
                if m == Mode::Exclusive {
                    out[i].2 = Mode::Exclusive;
                }
            }
            None => {
                seen.insert((d, k.clone()), out.len());
                out.push((d, k, m));
            }
        }
    }
    out
}

/// Takes the locks of `per_shard` (ascending shard order) with `then`
/// running on each shard in its lock hop; returns (shard, ticket, result).
async fn lock_all<P, T, F>(
    sh: &Rc<Shard>,
    per_shard: Vec<(usize, Vec<LockKey>, P)>,
    locking: Locking,
    then: F,
) -> Vec<(usize, Option<Ticket>, T)>
where
    P: Clone + Send + 'static,
    T: Send + 'static,
    F: Fn(&Rc<Shard>, P) -> T + Clone + Send + 'static,
{
    let shards: Vec<usize> = per_shard.iter().map(|(s, _, _)| *s).collect();
    let parts = per_shard
        .into_iter()
        .map(|(s, keys, p)| (s, Scope::Keys(union(keys)), p))
        .collect();
    lock_parts(sh, parts, locking, then)
        .await
        .into_iter()
        .zip(shards)
        .map(|((t, r), s)| (s, t, r))
        .collect()
}

/// One command a shard runs for a batch: (operation index, spec, handler,
/// argv, db, protocol).
type Work = (
    usize,
    &'static CommandSpec,
    Handler,
    Vec<Bytes>,
    usize,
    Proto,
);

/// Runs one shard's work list, in order, on that shard.
fn run_list(sh: &Rc<Shard>, list: Vec<Work>) -> Vec<(usize, Bytes)> {
    let now = unix_ms();
    list.into_iter()
        .map(|(i, spec, h, argv, db, proto)| {
            let mut out = Out::new(proto);
            sh.run_handler(spec, h, &Arg::all(&argv), db, now, &mut out, false);
            (i, out.buf.freeze())
        })
        .collect()
}

/// The one-hop path, for a batch that touches this shard and exactly one
/// other, `remote`. This shard takes its locks if they are free right now
/// (no hop, no waiting); then one hop asks `remote` to take its locks if
/// they are free right now and, if so, to run `f` there with them held.
/// That grant completes the batch's lock set (every other lock is already
/// held here), so `f` may already do the remote shard's part and even
/// release its locks: whoever sees that part done and then looks at this
/// shard's keys finds them locked until this shard's part is done too.
///
/// Nothing waits while holding a lock, so this cannot deadlock; a busy lock
/// on either side gives everything back (nothing has run) and returns the
/// payload for the ordered path. A try never overtakes a waiting request it
/// conflicts with (`LockTable::is_free` looks at the whole queue), so it
/// cannot starve anyone either.
async fn fused<P, T, F>(
    sh: &Rc<Shard>,
    local: Vec<LockKey>,
    remote: usize,
    remote_keys: Vec<LockKey>,
    payload: P,
    f: F,
) -> Result<(Ticket, T), P>
where
    P: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&Rc<Shard>, Ticket, P) -> T + Send + 'static,
{
    let local = {
        let scope = Scope::Keys(local);
        let mut locks = sh.locks.borrow_mut();
        if !(locks.is_empty() || locks.is_free(&scope)) {
            return Err(payload);
        }
        locks.acquire(scope).0
    };
    let r = call(sh, remote, move |rsh, reply| {
        let scope = Scope::Keys(remote_keys);
        let granted = {
            let mut locks = rsh.locks.borrow_mut();
            (locks.is_empty() || locks.is_free(&scope)).then(|| locks.acquire(scope).0)
        };
        let _ = reply.send(match granted {
            Some(t) => Ok(f(rsh, t, payload)),
            None => Err(payload),
        });
    })
    .await;
    match r {
        Ok(v) => Ok((local, v)),
        Err(p) => {
            release_here(sh, local);
            Err(p)
        }
    }
}

/// The other shard when a batch touching `shards` touches exactly this
/// shard and one other, and a try is allowed now.
fn fused_partner(sh: &Rc<Shard>, shards: BTreeSet<usize>) -> Option<usize> {
    if shards.len() != 2 || !shards.contains(&sh.id) {
        return None;
    }
    let other = shards.into_iter().find(|&s| s != sh.id)?;
    may_try().then_some(other)
}

/// Locks `locks` and runs `work` (per shard, in order), releasing each
/// shard's locks in the hop that runs its work; returns (shard, index,
/// reply) for every item of work.
async fn lock_and_run(
    sh: &Rc<Shard>,
    locks: BTreeMap<usize, Vec<LockKey>>,
    mut work: BTreeMap<usize, (Option<Ticket>, Vec<Work>)>,
    locking: Locking,
) -> Vec<(usize, usize, Bytes)> {
    let shards: BTreeSet<usize> = locks.keys().chain(work.keys()).copied().collect();
    if let Some(r) = (locking == Locking::Take)
        .then(|| fused_partner(sh, shards))
        .flatten()
    {
        let local_keys = union(locks.get(&sh.id).cloned().unwrap_or_default());
        let remote_keys = union(locks.get(&r).cloned().unwrap_or_default());
        let remote_work = work.remove(&r).map(|w| w.1).unwrap_or_default();
        let ran = fused(
            sh,
            local_keys,
            r,
            remote_keys,
            remote_work,
            |rsh, t, list| {
                let out = run_list(rsh, list);
                release_here(rsh, t);
                out
            },
        )
        .await;
        match ran {
            Ok((t, remote_out)) => {
                let list = work.remove(&sh.id).map(|w| w.1).unwrap_or_default();
                let local_out = run_list(sh, list);
                release_here(sh, t);
                return remote_out
                    .into_iter()
                    .map(|(i, b)| (r, i, b))
                    .chain(local_out.into_iter().map(|(i, b)| (sh.id, i, b)))
                    .collect();
            }
            Err(list) => {
                work.entry(r).or_default().1 = list;
                tries_failed();
            }
        }
    }
    let per_shard = locks.into_iter().map(|(s, k)| (s, k, ())).collect();
    for (s, t, ()) in lock_all(sh, per_shard, locking, |_, ()| ()).await {
        work.entry(s).or_default().0 = t;
    }
    run_on_shards(sh, work).await
}

/// Runs each shard's work list in order, releasing its lock in the same
/// hop, all shards in parallel; returns (operation index, reply) pairs.
async fn run_on_shards(
    sh: &Rc<Shard>,
    work: BTreeMap<usize, (Option<Ticket>, Vec<Work>)>,
) -> Vec<(usize, usize, Bytes)> {
    let runs = work.into_iter().map(|(s, (ticket, list))| async move {
        let r = finish_on(sh, s, ticket, move |sh| run_list(sh, list)).await;
        (s, r)
    });
    join_all(runs)
        .await
        .into_iter()
        .flat_map(|(s, r)| r.into_iter().map(move |(i, b)| (s, i, b)))
        .collect()
}

/// A batch of `Exec::Split` commands: every shard runs its part of each,
/// in batch order, and each command's shard replies are merged.
async fn run_split(sh: &Rc<Shard>, ops: Vec<SplitOp>, locking: Locking) -> Vec<Bytes> {
    let mut locks: BTreeMap<usize, Vec<LockKey>> = BTreeMap::new();
    let mut work: BTreeMap<usize, (Option<Ticket>, Vec<Work>)> = BTreeMap::new();
    let mut merges = Vec::with_capacity(ops.len());
    for (i, op) in ops.into_iter().enumerate() {
        for (s, sub, keys) in op.parts {
            locks.entry(s).or_default().extend(keys);
            work.entry(s)
                .or_default()
                .1
                .push((i, op.spec, op.h, sub, op.db, op.proto));
        }
        merges.push((op.merge, op.order, op.proto));
    }
    let mut replies: Vec<BTreeMap<usize, Bytes>> = vec![BTreeMap::new(); merges.len()];
    for (s, i, b) in lock_and_run(sh, locks, work, locking).await {
        replies[i].insert(s, b);
    }
    merges
        .into_iter()
        .zip(replies)
        .map(|((merge, order, proto), r)| merge_replies(merge, &r, &order, proto))
        .collect()
}

/// A batch of transactions whose commands each run on one shard: every
/// shard runs its commands of every transaction in batch order (and, within
/// a transaction, in queue order) and releases, all shards at once.
/// Commands on different shards of one transaction touch different keys
/// and the locks keep everyone else out until the release, so the order
/// between shards cannot be observed.
async fn run_exec(sh: &Rc<Shard>, ops: Vec<ExecOp>, locking: Locking) -> Vec<Bytes> {
    let mut locks: BTreeMap<usize, Vec<LockKey>> = BTreeMap::new();
    let mut work: BTreeMap<usize, (Option<Ticket>, Vec<Work>)> = BTreeMap::new();
    // Per command of the batch: its transaction.
    let mut owner: Vec<usize> = Vec::new();
    let mut counts = Vec::with_capacity(ops.len());
    for (t, op) in ops.into_iter().enumerate() {
        for (s, keys) in op.locks {
            locks.entry(s).or_default().extend(keys);
        }
        counts.push(op.cmds.len());
        for (s, spec, h, argv) in op.cmds {
            work.entry(s)
                .or_default()
                .1
                .push((owner.len(), spec, h, argv, op.db, op.proto));
            owner.push(t);
        }
    }
    let mut replies: Vec<Option<Bytes>> = vec![None; owner.len()];
    for (_, i, b) in lock_and_run(sh, locks, work, locking).await {
        replies[i] = Some(b);
    }
    // Commands were numbered transaction by transaction, so each
    // transaction's replies are a contiguous run, in queue order.
    let mut out = Vec::with_capacity(counts.len());
    let mut replies = replies.into_iter();
    for n in counts {
        let mut buf = BytesMut::new();
        for r in replies.by_ref().take(n).flatten() {
            buf.extend_from_slice(&r);
        }
        out.push(buf.freeze());
    }
    out
}

/// A batch of `Exec::Keys` commands across shards: the lock hops copy out
/// the union of their keys; the handlers run in batch order on one scratch
/// keyspace; the keys that some command changed are written back (set or
/// deleted) in the hops that release the locks.
async fn run_keys(sh: &Rc<Shard>, ops: Vec<KeysOp>, locking: Locking) -> Vec<Answer> {
    let n = sh.shards();
    let databases = sh.config.borrow().databases;
    // Per shard: every key of the batch once, exclusive and writable if
    // any command may write it.
    let mut per_shard: BTreeMap<usize, Vec<(usize, Bytes, Mode, bool)>> = BTreeMap::new();
    let mut index: HashMap<(usize, Bytes), usize> = HashMap::new();
    for op in &ops {
        for (&s, list) in &op.per_shard {
            let all = per_shard.entry(s).or_default();
            for (d, k, m, w) in list {
                // A key lives on one shard, so (db, key) is unique batch-wide.
                match index.get(&(*d, k.clone())) {
                    Some(&i) => {
                        let e = &mut all[i];
                        if *m == Mode::Exclusive {
                            e.2 = Mode::Exclusive;
                        }
                        e.3 |= *w;
                    }
                    None => {
                        index.insert((*d, k.clone()), all.len());
                        all.push((*d, k.clone(), *m, *w));
                    }
                }
            }
        }
    }
    let mut parts: Vec<(usize, Vec<LockKey>, Vec<DbKey>)> = per_shard
        .iter()
        .map(|(&s, list)| {
            let keys = list
                .iter()
                .map(|(d, k, m, _)| (*d, k.clone(), *m))
                .collect();
            let wanted: Vec<(usize, Bytes)> =
                list.iter().map(|(d, k, _, _)| (*d, k.clone())).collect();
            (s, keys, wanted)
        })
        .collect();
    let mut locked = None;
    if let Some(r) = (locking == Locking::Take)
        .then(|| fused_partner(sh, per_shard.keys().copied().collect()))
        .flatten()
    {
        // The remote shard's lock hop copies its keys; if the batch only
        // reads there, that hop completes the lock set and nothing will be
        // written there, so it releases at once and no write-back hop follows.
        let (li, ri) = if parts[0].0 == sh.id { (0, 1) } else { (1, 0) };
        let read_only = per_shard
            .get(&r)
            .is_some_and(|l| l.iter().all(|e| !e.3 && e.2 == Mode::Shared));
        let remote_keys = std::mem::take(&mut parts[ri].1);
        let wanted = std::mem::take(&mut parts[ri].2);
        let ran = fused(
            sh,
            parts[li].1.clone(),
            r,
            remote_keys.clone(),
            wanted,
            move |rsh, t, wanted| {
                let copies = copy_wanted(rsh, wanted);
                if read_only {
                    release_here(rsh, t);
                    (copies, None)
                } else {
                    (copies, Some(t))
                }
            },
        )
        .await;
        match ran {
            Ok((t, (remote_copies, rt))) => {
                let local_copies = copy_wanted(sh, std::mem::take(&mut parts[li].2));
                locked = Some(vec![(sh.id, Some(t), local_copies), (r, rt, remote_copies)]);
            }
            Err(wanted) => {
                parts[ri].1 = remote_keys;
                parts[ri].2 = wanted;
                tries_failed();
            }
        }
    }
    let locked = match locked {
        Some(l) => l,
        None => lock_all(sh, parts, locking, copy_wanted).await,
    };
    let mut scratch = Keyspace::new(databases);
    // The last value each writable key had: at first its original, then
    // after every command that changed it.
    let mut current: HashMap<(usize, Bytes), Copied> = HashMap::new();
    let writable: HashSet<(usize, Bytes)> = per_shard
        .values()
        .flatten()
        .filter(|e| e.3)
        .map(|(d, k, _, _)| (*d, k.clone()))
        .collect();
    let mut tickets = Vec::with_capacity(locked.len());
    // Whether a shard of the batch has watchers or blocked clients: only
    // then does it matter which command of the batch changed a key (a key
    // changed and changed back by two commands was still modified, for
    // WATCH); otherwise comparing each key once at the end is enough.
    let mut track = false;
    for (s, t, (copies, watched)) in locked {
        track |= watched;
        for (d, k, c) in copies {
            if let Some((v, exp)) = &c {
                scratch
                    .db(d)
                    .set_with_expire(&k, v.clone(), *exp, unix_ms());
            }
            if writable.contains(&(d, k.clone())) {
                current.insert((d, k), c);
            }
        }
        tickets.push((s, t));
    }
    let config = sh.config.borrow().clone();
    let mut changed: HashSet<(usize, Bytes)> = HashSet::new();
    let mut touched: HashSet<(usize, Bytes)> = HashSet::new();
    let mut answers = Vec::with_capacity(ops.len());
    let mut events = Vec::new();
    let last = ops.len().saturating_sub(1);
    for (i, op) in ops.iter().enumerate() {
        let now = unix_ms();
        let mut out = Out::new(op.proto);
        let mut r = crate::shard::run_on(
            &mut scratch,
            op.h,
            &Arg::all(&op.argv),
            op.db,
            now,
            &mut out,
            &config,
            sh.id,
            n,
            op.may_block,
        );
        sh.stats.borrow_mut().dirty += r.dirty;
        if r.dirty > 0 {
            // A key the command left as it was is not written back, so its
            // watchers and waiters are not disturbed.
            for (d, k, _, w) in op.per_shard.values().flatten() {
                if !*w {
                    continue;
                }
                let key = (*d, k.clone());
                if !track {
                    touched.insert(key);
                    continue;
                }
                let db = scratch.db(*d);
                let exp = db.get_expire(k);
                let now_v = db.peek(k, now);
                if !same_value(current.get(&key), now_v, exp) {
                    // The next command compares against this value; the
                    // last one needs no copy.
                    let copy = if i < last {
                        now_v.cloned().map(|v| (v, exp))
                    } else {
                        None
                    };
                    current.insert(key.clone(), copy);
                    changed.insert(key);
                }
            }
        }
        events.extend(r.events.take());
        answers.push((out.buf.freeze(), r.block));
    }
    for key in touched {
        let db = scratch.db(key.0);
        let exp = db.get_expire(&key.1);
        let now_v = db.peek(&key.1, unix_ms());
        if !same_value(current.get(&key), now_v, exp) {
            changed.insert(key);
        }
    }
    let now = unix_ms();
    let writes = tickets.into_iter().filter_map(|(s, t)| {
        let mut updates: Vec<(usize, Bytes, Copied)> = Vec::new();
        for (d, k, _, w) in per_shard.get(&s).into_iter().flatten() {
            if *w && changed.contains(&(*d, k.clone())) {
                updates.push((*d, k.clone(), scratch.db(*d).take(k, now)));
            }
        }
        // A shard already released, with nothing to write, needs no hop.
        if t.is_none() && updates.is_empty() && locking == Locking::Take {
            return None;
        }
        Some(async move {
            finish_on(sh, s, t, move |sh| {
                let now = unix_ms();
                for (d, k, v) in updates {
                    {
                        let mut ks = sh.ks.borrow_mut();
                        let db = ks.db(d);
                        match v {
                            Some((v, exp)) => db.set_with_expire(&k, v, exp, now),
                            None => {
                                db.remove(&k, now);
                            }
                        }
                    }
                    sh.key_written(d, &k);
                }
            })
            .await
        })
    });
    join_all(writes).await;
    crate::pubsub::publish_events(sh, &events);
    answers
}

/// Whether a key's value and TTL now equal a recorded one (None: no key).
fn same_value(before: Option<&Copied>, now: Option<&Value>, exp: Option<Ms>) -> bool {
    match (before.and_then(|c| c.as_ref()), now) {
        (None, None) => true,
        (Some((bv, be)), Some(v)) => bv == v && *be == exp,
        _ => false,
    }
}

/// Keys copied out of a shard, and whether that shard has watchers or
/// blocked clients.
type Copies = (Vec<(usize, Bytes, Copied)>, bool);

/// Copies keys out of this shard (value and TTL; None for a missing key).
fn copy_wanted(sh: &Rc<Shard>, wanted: Vec<(usize, Bytes)>) -> Copies {
    let now = unix_ms();
    let watched = !sh.watches.borrow().is_empty() || !sh.blocked.borrow().is_empty();
    let mut ks = sh.ks.borrow_mut();
    let copies = wanted
        .into_iter()
        .map(|(d, k)| {
            let db = ks.db(d);
            let copied: Copied = db.peek(&k, now).cloned().map(|v| (v, db.get_expire(&k)));
            (d, k, copied)
        })
        .collect();
    (copies, watched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn union_keeps_each_key_once_and_exclusive_wins() {
        let u = union(vec![
            (0, k("a"), Mode::Shared),
            (0, k("b"), Mode::Shared),
            (0, k("a"), Mode::Exclusive),
            (1, k("a"), Mode::Shared),
            (0, k("b"), Mode::Shared),
        ]);
        assert_eq!(
            u,
            vec![
                (0, k("a"), Mode::Exclusive),
                (0, k("b"), Mode::Shared),
                (1, k("a"), Mode::Shared),
            ]
        );
    }
}
