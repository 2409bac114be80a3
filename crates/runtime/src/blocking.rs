//! Blocking pops (BLPOP, BLMOVE, BZPOPMIN, ...): clients waiting for keys.
//!
//! A blocking command first runs like its non-blocking form, with
//! `Ctx::may_block` set. If it found nothing, the handler sets `Ctx::block`
//! and replies nothing; the client is then registered as a *waiter* on every
//! key it named, on the shards that own them, in FIFO order per key.
//!
//! When a command writes a key that has waiters (`Shard::key_written`), the
//! key is marked ready. At the next safe point (after the command, or when a
//! multi-shard operation holding the key releases it, so a push inside EXEC
//! wakes nobody before EXEC ends) the shard serves the key's waiters in the
//! order they blocked:
//! - a waiter whose keys all live on this shard is served right there: its
//!   command runs again on the shard and its reply is sent to the client, so
//!   an element goes to exactly one waiter, the longest waiting first;
//! - a waiter whose keys span shards is told to try again; its connection
//!   re-runs the command through the coordinator (atomically), and blocks
//!   again if another client was faster.
//!
//! A waiter that times out, disconnects or is unblocked (CLIENT UNBLOCK)
//! removes its registrations; if it was served in the meantime it takes the
//! reply that is already on its way, so nothing is lost.

use crate::conn::Conn;
use crate::coord::{self, Locking};
use crate::exec::scope_of;
use crate::mesh::call;
use crate::shard::{shard_of, unix_ms, Shard};
use bytes::Bytes;
use futures::channel::{mpsc, oneshot};
use futures::future::{select, Either};
use futures::StreamExt;
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;
use tessera_commands::{find_keys, CommandSpec, Handler};
use tessera_resp::Arg;
use tessera_resp::{Out, Proto};
use tessera_storage::Ms;

/// How a waiter learns about its keys.
enum Kind {
    /// Every key is on this shard: serve it here and send the reply.
    Serve {
        spec: &'static CommandSpec,
        h: Handler,
        argv: Vec<Bytes>,
        db: usize,
        proto: Proto,
        tx: oneshot::Sender<Bytes>,
    },
    /// Keys span shards: ask the client to try again.
    Retry(mpsc::UnboundedSender<()>),
}

struct Waiter {
    keys: Vec<(usize, Box<[u8]>)>,
    kind: Kind,
}

/// One shard's blocked clients (by client id) and the keys they wait on.
#[derive(Default)]
pub struct BlockedTable {
    by_key: HashMap<(usize, Box<[u8]>), VecDeque<u64>, ahash::RandomState>,
    waiters: HashMap<u64, Waiter, ahash::RandomState>,
    ready: Vec<(usize, Box<[u8]>)>,
    /// Connections of this shard that are blocked, and how to unblock them
    /// (CLIENT UNBLOCK): the flag says whether to reply with an error.
    unblockers: HashMap<u64, oneshot::Sender<bool>, ahash::RandomState>,
}

impl BlockedTable {
    /// True when no client waits on a key of this shard.
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// How many of this shard's connections are blocked (INFO blocked_clients).
    pub fn blocked_clients(&self) -> usize {
        self.unblockers.len()
    }

    fn add(&mut self, id: u64, w: Waiter) {
        for k in &w.keys {
            let q = self.by_key.entry(k.clone()).or_default();
            if !q.contains(&id) {
                q.push_back(id);
            }
        }
        self.waiters.insert(id, w);
    }

    fn remove(&mut self, id: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&id)?;
        for k in &w.keys {
            if let Some(q) = self.by_key.get_mut(k) {
                q.retain(|&x| x != id);
                if q.is_empty() {
                    self.by_key.remove(k);
                }
            }
        }
        Some(w)
    }
}

thread_local! {
    /// Set while this shard serves waiters, so serving does not recurse.
    static SERVING: Cell<bool> = const { Cell::new(false) };
}

/// Marks a written key as ready if anyone waits on it.
pub fn key_ready(sh: &Shard, db: usize, key: &[u8]) {
    let mut b = sh.blocked.borrow_mut();
    if b.waiters.is_empty() {
        return;
    }
    let k: (usize, Box<[u8]>) = (db, key.into());
    if b.by_key.contains_key(&k) && !b.ready.contains(&k) {
        b.ready.push(k);
    }
}

/// Serves the waiters of every ready key that no multi-shard operation holds.
#[inline]
pub fn serve_ready(sh: &Shard) {
    if !sh.blocked.borrow().ready.is_empty() {
        serve_ready_now(sh);
    }
}

#[inline(never)]
fn serve_ready_now(sh: &Shard) {
    if SERVING.with(|s| s.get()) {
        return;
    }
    SERVING.with(|s| s.set(true));
    let mut deferred = Vec::new();
    loop {
        let next = sh.blocked.borrow_mut().ready.pop();
        let Some((db, key)) = next else { break };
        let locked = {
            let locks = sh.locks.borrow();
            !locks.is_empty()
                && !locks.is_free(&crate::locks::Scope::Keys(vec![(
                    db,
                    Bytes::copy_from_slice(&key),
                    crate::locks::Mode::Exclusive,
                )]))
        };
        if locked {
            deferred.push((db, key));
            continue;
        }
        serve_key(sh, db, &key);
    }
    sh.blocked.borrow_mut().ready.extend(deferred);
    SERVING.with(|s| s.set(false));
}

/// Serves the waiters of one key, oldest first, until one of them blocks again.
fn serve_key(sh: &Shard, db: usize, key: &[u8]) {
    let k: (usize, Box<[u8]>) = (db, key.into());
    let ids: Vec<u64> = match sh.blocked.borrow().by_key.get(&k) {
        Some(q) => q.iter().copied().collect(),
        None => return,
    };
    for id in ids {
        let retry = {
            let b = sh.blocked.borrow();
            match b.waiters.get(&id).map(|w| &w.kind) {
                Some(Kind::Retry(tx)) => Some(tx.clone()),
                Some(Kind::Serve { .. }) => None,
                None => continue,
            }
        };
        if let Some(tx) = retry {
            let _ = tx.unbounded_send(());
            continue;
        }
        let (spec, h, argv, wdb, proto) = {
            let b = sh.blocked.borrow();
            let Some(Kind::Serve {
                spec,
                h,
                argv,
                db,
                proto,
                ..
            }) = b.waiters.get(&id).map(|w| &w.kind)
            else {
                continue;
            };
            (*spec, *h, argv.clone(), *db, *proto)
        };
        let mut out = Out::new(proto);
        let r = sh.run_handler(spec, h, &Arg::all(&argv), wdb, unix_ms(), &mut out, true);
        if r.block.is_some() {
            // Nothing left for this waiter, so nothing for later ones either.
            break;
        }
        if let Some(Waiter {
            kind: Kind::Serve { tx, .. },
            ..
        }) = sh.blocked.borrow_mut().remove(id)
        {
            let _ = tx.send(out.buf.freeze());
        }
    }
}

/// What the first attempt of a single-shard blocking command gave.
enum Attempt {
    Done(Bytes),
    Blocked(Ms),
}

/// Runs a blocking command for a connection (outside MULTI).
pub async fn run(conn: &mut Conn, spec: &'static CommandSpec, h: Handler, argv: &[Arg<'_>]) {
    let n = conn.sh.shards();
    let keys = find_keys(spec, argv).unwrap_or_default();
    let shards: BTreeSet<usize> = keys.iter().map(|k| shard_of(&argv[k.index], n)).collect();
    if shards.len() <= 1 {
        let s = shards.into_iter().next().unwrap_or(conn.sh.id);
        single_shard(conn, s, spec, h, argv, &keys).await;
    } else {
        multi_shard(conn, shards, spec, h, argv, &keys).await;
    }
}

async fn single_shard(
    conn: &mut Conn,
    s: usize,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    keys: &[tessera_commands::KeyPos],
) {
    let id = conn.id();
    let db = conn.db;
    let proto = conn.out.proto;
    let (tx, rx) = oneshot::channel::<Bytes>();
    let argv_owned = Arg::owned(argv);
    let scope_argv = Arg::owned(argv);
    let wkeys: Vec<(usize, Box<[u8]>)> = keys
        .iter()
        .map(|k| (db, Box::from(&argv[k.index][..])))
        .collect();
    let attempt = call(&conn.sh, s, move |sh, reply| {
        let sh = sh.clone();
        let run = move |sh: &Rc<Shard>| {
            let mut out = Out::new(proto);
            let r = sh.run_handler(
                spec,
                h,
                &Arg::all(&argv_owned),
                db,
                unix_ms(),
                &mut out,
                true,
            );
            match r.block {
                None => Attempt::Done(out.buf.freeze()),
                Some(t) => {
                    sh.blocked.borrow_mut().add(
                        id,
                        Waiter {
                            keys: wkeys,
                            kind: Kind::Serve {
                                spec,
                                h,
                                argv: argv_owned,
                                db,
                                proto,
                                tx,
                            },
                        },
                    );
                    Attempt::Blocked(t)
                }
            }
        };
        if sh.locks.borrow().is_empty() {
            let _ = reply.send(run(&sh));
            return;
        }
        // A multi-shard operation holds some keys: queue behind it like any command.
        let scope = scope_of(spec, &Arg::all(&scope_argv), db);
        glommio::spawn_local(async move {
            let (ticket, wait) = sh.locks.borrow_mut().acquire(scope);
            if let Some(w) = wait {
                let _ = w.await;
            }
            let r = run(&sh);
            coord::release_here(&sh, ticket);
            let _ = reply.send(r);
        })
        .detach();
    })
    .await;
    match attempt {
        Attempt::Done(b) => conn.out.raw(&b),
        Attempt::Blocked(timeout) => {
            let outcome = wait(conn, timeout, WaitOn::Reply(rx)).await;
            match outcome {
                Woken::Reply(b) => conn.out.raw(&b),
                Woken::Gone(kind) => {
                    let removed = call(&conn.sh, s, move |sh, reply| {
                        let w = sh.blocked.borrow_mut().remove(id);
                        let _ = reply.send(w.is_some());
                    })
                    .await;
                    if removed {
                        end_reply(conn, kind);
                    }
                    // Otherwise it was served just before we gave up, and the
                    // reply went down the channel we no longer hold: Redis
                    // would have delivered it, so this is the one race where a
                    // served element reaches a client that stopped waiting.
                }
                Woken::Retry => {}
            }
        }
    }
}

async fn multi_shard(
    conn: &mut Conn,
    shards: BTreeSet<usize>,
    spec: &'static CommandSpec,
    h: Handler,
    argv: &[Arg<'_>],
    keys: &[tessera_commands::KeyPos],
) {
    let id = conn.id();
    let db = conn.db;
    let proto = conn.out.proto;
    let n = conn.sh.shards();
    let (tx, mut rx) = mpsc::unbounded::<()>();
    // Register first, then try: a push between the two is not missed.
    for &s in &shards {
        let wkeys: Vec<(usize, Box<[u8]>)> = keys
            .iter()
            .filter(|k| shard_of(&argv[k.index], n) == s)
            .map(|k| (db, Box::from(&argv[k.index][..])))
            .collect();
        let tx = tx.clone();
        call(&conn.sh, s, move |sh, reply| {
            sh.blocked.borrow_mut().add(
                id,
                Waiter {
                    keys: wkeys,
                    kind: Kind::Retry(tx),
                },
            );
            let _ = reply.send(());
        })
        .await;
    }
    let mut deadline: Option<Ms> = None;
    let end = loop {
        while rx.try_recv().is_ok() {}
        let sh = conn.sh.clone();
        let (bytes, block) =
            coord::gather(&sh, spec, h, argv, db, proto, Locking::Take, true).await;
        match block {
            None => {
                conn.out.raw(&bytes);
                break None;
            }
            Some(t) => {
                let d = *deadline.get_or_insert_with(|| if t == 0 { 0 } else { unix_ms() + t });
                let left = if d == 0 { 0 } else { (d - unix_ms()).max(1) };
                match wait(conn, left, WaitOn::Signal(&mut rx)).await {
                    Woken::Retry | Woken::Reply(_) => continue,
                    Woken::Gone(kind) => break Some(kind),
                }
            }
        }
    };
    for &s in &shards {
        call(&conn.sh, s, move |sh, reply| {
            sh.blocked.borrow_mut().remove(id);
            let _ = reply.send(());
        })
        .await;
    }
    if let Some(kind) = end {
        end_reply(conn, kind);
    }
}

/// Why a wait ended without a reply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GoneKind {
    Timeout,
    UnblockError,
    Disconnected,
}

enum Woken {
    Reply(Bytes),
    Retry,
    Gone(GoneKind),
}

enum WaitOn<'a> {
    Reply(oneshot::Receiver<Bytes>),
    Signal(&'a mut mpsc::UnboundedReceiver<()>),
}

fn end_reply(conn: &mut Conn, kind: GoneKind) {
    match kind {
        GoneKind::Timeout => conn.out.null_array(),
        GoneKind::UnblockError => conn
            .out
            .error("UNBLOCKED client unblocked via CLIENT UNBLOCK"),
        GoneKind::Disconnected => {}
    }
}

/// Waits for a reply or a retry signal, the timeout (ms, 0 = for ever),
/// CLIENT UNBLOCK, or the client going away.
async fn wait(conn: &mut Conn, timeout: Ms, on: WaitOn<'_>) -> Woken {
    let id = conn.id();
    let (utx, urx) = oneshot::channel::<bool>();
    conn.sh.blocked.borrow_mut().unblockers.insert(id, utx);
    let fd = conn.info.fd;
    let started = std::time::Instant::now();
    let events = async {
        match on {
            WaitOn::Reply(rx) => match rx.await {
                Ok(b) => Woken::Reply(b),
                Err(_) => Woken::Gone(GoneKind::Disconnected),
            },
            WaitOn::Signal(rx) => match rx.next().await {
                Some(()) => Woken::Retry,
                None => Woken::Gone(GoneKind::Disconnected),
            },
        }
    };
    let stop = async {
        let mut urx = urx;
        loop {
            // Wake at least every 100 ms to notice a closed socket.
            let step = if timeout == 0 {
                Duration::from_millis(100)
            } else {
                let left = Duration::from_millis(timeout as u64).saturating_sub(started.elapsed());
                if left.is_zero() {
                    return GoneKind::Timeout;
                }
                left.min(Duration::from_millis(100))
            };
            match select(&mut urx, Box::pin(glommio::timer::sleep(step))).await {
                Either::Left((Ok(err), _)) => {
                    return if err {
                        GoneKind::UnblockError
                    } else {
                        GoneKind::Timeout
                    };
                }
                Either::Left((Err(_), _)) => return GoneKind::Disconnected,
                Either::Right(_) => {
                    if peer_closed(fd) {
                        return GoneKind::Disconnected;
                    }
                }
            }
        }
    };
    let r = match select(Box::pin(events), Box::pin(stop)).await {
        Either::Left((w, _)) => w,
        Either::Right((g, _)) => Woken::Gone(g),
    };
    conn.sh.blocked.borrow_mut().unblockers.remove(&id);
    r
}

/// Whether the peer closed its end of the socket (a zero-byte peek).
fn peer_closed(fd: i32) -> bool {
    let mut b = [0u8; 1];
    // SAFETY: recv into a one-byte local buffer on a descriptor this
    // connection owns; MSG_PEEK leaves the data in the socket.
    let n = unsafe {
        libc::recv(
            fd,
            b.as_mut_ptr() as *mut libc::c_void,
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n == 0
}

/// CLIENT UNBLOCK on this shard: returns true if the client was blocked here.
pub fn unblock_here(sh: &Shard, id: u64, error: bool) -> bool {
    match sh.blocked.borrow_mut().unblockers.remove(&id) {
        Some(tx) => tx.send(error).is_ok(),
        None => false,
    }
}
