//! One shard: the state a core owns (its keyspace, lock table, clients and
//! counters), and how a handler is run against it.
//!
//! A `Shard` lives on one executor thread and is shared between that
//! thread's tasks through `Rc`; its fields are `RefCell`s that are never
//! borrowed across an `.await`. Other threads reach it only through the mesh.

use crate::locks::LockTable;
use crate::mesh::Mesh;
use crate::stats::{CmdStats, ShardStats};
use bytes::Bytes;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tessera_commands::spec::{flags, kflags};
use tessera_commands::{find_keys, CommandSpec, Ctx, Exec, Handler};
use tessera_config::Config;
use tessera_resp::Arg;
use tessera_resp::Out;
use tessera_storage::{Keyspace, Ms};

/// State shared by all shards. Touched on connect, disconnect and by admin
/// commands, never per command.
pub struct Global {
    pub shards: usize,
    pub next_client_id: AtomicU64,
    pub clients: AtomicUsize,
    pub rejected_connections: AtomicU64,
    pub total_connections: AtomicU64,
    pub shutting_down: AtomicBool,
    pub started: std::time::Instant,
    pub started_unix_ms: Ms,
    pub run_id: String,
    pub port: AtomicUsize,
    pub executable: String,
    pub config_file: Option<String>,
    /// The authoritative configuration. CONFIG SET changes it here and then
    /// pushes a copy to every shard.
    pub config: Mutex<Config>,
    /// The next SLOWLOG entry id, shared so ids are unique server-wide.
    pub slowlog_next_id: AtomicU64,
    /// Cleared by DEBUG SET-ACTIVE-EXPIRE 0: the cron then leaves expired
    /// keys to lazy expiry.
    pub active_expire: AtomicBool,
    /// Each shard's queue of other shards' subscription changes, indexed by
    /// shard (see `crate::pubsub`).
    pub interest: Vec<crate::pubsub::InterestQueue>,
    /// Shards whose own clients are all gone after a shutdown began; a
    /// shard exits only when every shard is (see `server::shard_main`).
    pub drained_shards: AtomicUsize,
}

impl Global {
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }
}

/// What a shard knows about one of its clients, for CLIENT LIST/KILL and timeouts.
pub struct ClientInfo {
    pub id: u64,
    pub fd: i32,
    pub addr: String,
    pub laddr: String,
    pub name: RefCell<Option<Bytes>>,
    pub lib_name: RefCell<Option<Bytes>>,
    pub lib_ver: RefCell<Option<Bytes>>,
    pub created_ms: Ms,
    pub last_interaction_ms: Cell<Ms>,
    pub db: Cell<usize>,
    pub last_cmd: RefCell<String>,
    pub resp: Cell<u8>,
    pub query_buf: Cell<usize>,
    pub output_buf: Cell<usize>,
    pub flags: RefCell<String>,
    pub no_evict: Cell<bool>,
    pub killed: Cell<bool>,
    /// Commands queued in MULTI, or -1 outside a transaction (CLIENT LIST `multi`).
    pub multi: Cell<i64>,
    /// Subscriptions, MONITOR, and messages not yet written (see `pubsub.rs`).
    pub pubsub: crate::pubsub::ClientPubSub,
}

impl ClientInfo {
    /// A client as it is when accepted: no name, database 0, RESP2, idle
    /// since `now`.
    pub fn new(id: u64, fd: i32, addr: String, laddr: String, now: Ms) -> ClientInfo {
        ClientInfo {
            id,
            fd,
            addr,
            laddr,
            name: RefCell::new(None),
            lib_name: RefCell::new(None),
            lib_ver: RefCell::new(None),
            created_ms: now,
            last_interaction_ms: Cell::new(now),
            db: Cell::new(0),
            last_cmd: RefCell::new("NULL".into()),
            resp: Cell::new(2),
            query_buf: Cell::new(0),
            output_buf: Cell::new(0),
            flags: RefCell::new("N".into()),
            no_evict: Cell::new(false),
            killed: Cell::new(false),
            multi: Cell::new(-1),
            pubsub: Default::default(),
        }
    }

    /// Closes the client's socket for reading, so its loop ends after
    /// finishing the replies it owes.
    pub fn kill(&self) {
        self.killed.set(true);
        // SAFETY-free: shutdown(2) on a descriptor we own; a stale descriptor
        // is impossible because the entry is removed before the socket closes.
        // The client sees the shutdown before its loop leaves the registry,
        // which is why CLIENT LIST and KILL skip clients marked killed.
        unsafe {
            libc::shutdown(self.fd, libc::SHUT_RDWR);
        }
    }
}

/// One slow command, for SLOWLOG.
#[derive(Clone)]
pub struct SlowEntry {
    pub id: u64,
    pub at_unix_s: i64,
    pub micros: u64,
    pub args: Vec<Bytes>,
    pub addr: String,
    pub name: String,
}

pub struct Shard {
    pub id: usize,
    pub global: Arc<Global>,
    pub mesh: Mesh,
    pub ks: RefCell<Keyspace>,
    pub locks: RefCell<LockTable>,
    pub config: RefCell<Rc<Config>>,
    pub stats: RefCell<ShardStats>,
    /// Per-command counters, keyed by `stats::cmd_key`.
    pub cmdstats: RefCell<HashMap<usize, CmdStats, ahash::RandomState>>,
    /// Error replies by error code (`ERR`, `WRONGTYPE`...), for INFO errorstats.
    pub errorstats: RefCell<HashMap<String, u64, ahash::RandomState>>,
    pub clients: RefCell<HashMap<u64, Rc<ClientInfo>>>,
    pub slowlog: RefCell<std::collections::VecDeque<SlowEntry>>,
    /// WATCHed keys of this shard and the sessions watching them.
    pub watches: RefCell<crate::watch::WatchTable>,
    /// Clients blocked on keys of this shard.
    pub blocked: RefCell<crate::blocking::BlockedTable>,
    /// Woken to stop accepting (SHUTDOWN / SIGTERM).
    pub stop: RefCell<Option<futures::channel::oneshot::Sender<()>>>,
    /// Connections served by this shard's thread right now (accepted here
    /// or moved here); shutdown waits for it to reach zero.
    pub live_conns: Cell<usize>,
}

/// Wall-clock time in Unix milliseconds.
pub fn unix_ms() -> Ms {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Ms)
        .unwrap_or(0)
}

/// The shard that owns `key`: a fixed-seed hash of the key, or of the part
/// inside the first non-empty `{...}` when there is one.
pub fn shard_of(key: &[u8], shards: usize) -> usize {
    if shards == 1 {
        return 0;
    }
    let tagged = hash_tag(key);
    let h = hasher().hash_one(tagged);
    // Multiply-shift maps the hash uniformly onto [0, shards).
    ((h as u128 * shards as u128) >> 64) as usize
}

fn hasher() -> &'static ahash::RandomState {
    static H: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        ahash::RandomState::with_seeds(
            0x5443_4553_5345_5241,
            0x9e37_79b9_7f4a_7c15,
            0x6a09_e667_f3bc_c908,
            0xbb67_ae85_84ca_a73b,
        )
    })
}

/// The part of a key that decides its shard (Redis Cluster's hash-tag rule).
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&c| c == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&c| c == b'}') {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

impl Shard {
    pub fn shards(&self) -> usize {
        self.global.shards
    }

    /// Runs a shard-local handler against this shard's keyspace, appending
    /// its reply to `out`. After a write, watchers of the written keys are
    /// invalidated and clients blocked on them are served. A panicking
    /// handler is a bug; it is caught so that one bad command cannot take the
    /// shard down, and the client gets an error.
    #[allow(clippy::too_many_arguments)]
    pub fn run_handler(
        &self,
        spec: &'static CommandSpec,
        h: Handler,
        argv: &[Arg<'_>],
        db: usize,
        now: Ms,
        out: &mut Out,
        may_block: bool,
    ) -> RunResult {
        self.run_handler_inline(spec, h, argv, db, now, out, may_block)
    }

    /// [`Shard::run_handler`], inlined into the caller: the connection's
    /// local fast path, which runs nearly every command of a pipeline and
    /// where the call of `run_handler` (entry, exit and the copy of its
    /// result) was ~30 instructions a command.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn run_handler_inline(
        &self,
        spec: &'static CommandSpec,
        h: Handler,
        argv: &[Arg<'_>],
        db: usize,
        now: Ms,
        out: &mut Out,
        may_block: bool,
    ) -> RunResult {
        if spec.has(flags::WRITE) && matches!(spec.exec, Exec::AllShards(..)) {
            crate::watch::before_all_shards_write(self, spec, argv, db);
        }
        // With watchers present, remember which written keys exist, so that
        // only keys the command could really have changed are touched (a
        // DEL of a missing key changes nothing, as in Redis).
        let watched_before = if self.watches.borrow().is_empty() {
            None
        } else {
            Some(self.write_keys_existing(spec, argv, db, now))
        };
        // The configuration is borrowed, not cloned, for the handler's run:
        // it is replaced only by `cmds::config::push_to_shards`, a mesh
        // closure, which never runs inside a handler.
        let (r, mut expired) = {
            let mut ks = self.ks.borrow_mut();
            let r = run_on(
                &mut ks,
                h,
                argv,
                db,
                now,
                out,
                &self.config.borrow(),
                self.id,
                self.shards(),
                may_block,
            );
            let expired = ks.db(db).has_expired_pending();
            (r, expired)
        };
        if r.dirty > 0 {
            self.stats.borrow_mut().dirty += r.dirty;
            if watched_before.is_some() || !self.blocked.borrow().is_empty() {
                // Looking the written keys up again may expire some.
                expired |= watched_before.is_some();
                self.wrote(spec, argv, db, now, watched_before);
            }
        }
        if expired {
            self.drain_expired(db);
        }
        if !r.events.is_empty() {
            crate::pubsub::publish_events(self, &r.events);
        }
        crate::blocking::serve_ready(self);
        r
    }

    /// Tells watchers and blocked clients about the keys a handler run
    /// wrote: those that existed before or after the run when `before` was
    /// taken (watchers present), all of them otherwise. Out of line: most
    /// writes have nobody to tell.
    #[inline(never)]
    fn wrote(
        &self,
        spec: &'static CommandSpec,
        argv: &[Arg<'_>],
        db: usize,
        now: Ms,
        before: Option<Vec<(usize, Bytes, bool)>>,
    ) {
        match before {
            None => self.after_write(spec, argv, db),
            Some(before) => {
                let after = self.write_keys_existing(spec, argv, db, now);
                for ((d, key, was), (_, _, is)) in before.into_iter().zip(after) {
                    if was || is {
                        self.key_written(d, &key);
                    }
                }
            }
        }
    }

    /// The keys a command may write, each with whether it exists now.
    fn write_keys_existing(
        &self,
        spec: &'static CommandSpec,
        argv: &[Arg<'_>],
        db: usize,
        now: Ms,
    ) -> Vec<(usize, Bytes, bool)> {
        let databases = self.config.borrow().databases;
        let mut ks = self.ks.borrow_mut();
        find_keys(spec, argv)
            .unwrap_or_default()
            .into_iter()
            .filter(|k| k.flags & kflags::WRITES != 0)
            .map(|k| {
                let key = argv[k.index].to_bytes();
                let d = written_db(spec, argv, k.index, db, databases);
                let exists = ks.db(d).contains(&key, now);
                (d, key, exists)
            })
            .collect()
    }

    /// Tells watchers and blocked clients that a command wrote its keys.
    pub fn after_write(&self, spec: &'static CommandSpec, argv: &[Arg<'_>], db: usize) {
        if self.watches.borrow().is_empty() && self.blocked.borrow().is_empty() {
            return;
        }
        let databases = self.config.borrow().databases;
        for k in find_keys(spec, argv).unwrap_or_default() {
            if k.flags & kflags::WRITES != 0 {
                let d = written_db(spec, argv, k.index, db, databases);
                self.key_written(d, &argv[k.index]);
            }
        }
    }

    /// One key was written (or deleted): invalidate its watchers and note it
    /// as ready for clients blocked on it.
    pub fn key_written(&self, db: usize, key: &[u8]) {
        crate::watch::touch(self, db, key);
        crate::blocking::key_ready(self, db, key);
    }

    /// Handles keys that storage removed because their TTL passed (lazily,
    /// during the last command, or by the active cycle) in database `db`.
    #[inline]
    pub fn drain_expired(&self, db: usize) {
        if self.ks.borrow_mut().db(db).has_expired_pending() {
            self.drain_expired_now(db);
        }
    }

    #[inline(never)]
    fn drain_expired_now(&self, db: usize) {
        let expired = self.ks.borrow_mut().db(db).drain_expired();
        crate::pubsub::publish_expired(self, db, &expired);
        for key in expired {
            crate::watch::touch(self, db, &key);
        }
    }
}

/// The database a written key lives in: the selected one, except for COPY's
/// destination with a `DB` option.
fn written_db(
    spec: &CommandSpec,
    argv: &[Arg<'_>],
    index: usize,
    db: usize,
    databases: usize,
) -> usize {
    if spec.name == "copy" && index == 2 {
        for w in argv[3..].windows(2) {
            if w[0].eq_ignore_ascii_case(b"db") {
                if let Some(d) = std::str::from_utf8(&w[1])
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                {
                    if d < databases {
                        return d;
                    }
                }
            }
        }
    }
    db
}

/// What a handler run produced besides its reply.
#[derive(Debug, Default)]
pub struct RunResult {
    /// Keys changed (Redis's `server.dirty` increment).
    pub dirty: u64,
    /// Set when a blocking command found nothing and asked to wait.
    pub block: Option<Ms>,
    /// Keyspace events the handler raised.
    pub events: tessera_commands::notify::Events,
}

/// Runs `h` on `ks` (a shard's keyspace or a scratch one). Always inlined:
/// a call of its own, and the copies of its result, showed on every local
/// command.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn run_on(
    ks: &mut Keyspace,
    h: Handler,
    argv: &[Arg<'_>],
    db: usize,
    now: Ms,
    out: &mut Out,
    config: &Config,
    shard: usize,
    shards: usize,
    may_block: bool,
) -> RunResult {
    let mark = out.buf.len();
    let mut ctx = Ctx::new(ks, db, now, out, config, shard, shards);
    ctx.may_block = may_block;
    ctx.listen(crate::pubsub::config_mask(config));
    // Only the handler runs inside catch_unwind: a result carried out of it
    // is copied through the unwinding frame, which showed per command.
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h(&mut ctx, argv)));
    match ran {
        Ok(()) => RunResult {
            dirty: ctx.dirty,
            block: ctx.block,
            events: ctx.take_events().into(),
        },
        Err(_) => {
            // Dropping the context disarms key-event recording.
            drop(ctx);
            out.buf.truncate(mark);
            out.error("ERR internal error while executing the command (this is a bug in Tessera)");
            RunResult::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_resp::Proto;

    /// A handler with a bug: it half-writes a reply, raises an event and
    /// counts a change, then panics.
    fn buggy(ctx: &mut Ctx, _argv: &[Arg<'_>]) {
        ctx.out.simple("half a reply");
        ctx.notify(tessera_commands::notify::GENERIC, "del", b"k");
        ctx.dirty = 1;
        panic!("a bug in a handler (expected by this test)");
    }

    #[test]
    fn a_panicking_handler_answers_an_error_and_leaves_nothing_behind() {
        let mut ks = Keyspace::new(16);
        // `n` and `m` arm the keyspace's key-event recording for the run.
        let config = Config {
            notify_keyspace_events: "KEAnm".into(),
            ..Config::default()
        };
        let mut out = Out::new(Proto::Resp2);
        out.simple("an earlier reply");
        let r = run_on(&mut ks, buggy, &[], 0, 0, &mut out, &config, 0, 1, false);
        assert_eq!(
            &out.buf[..],
            &b"+an earlier reply\r\n-ERR internal error while executing the command (this is a bug in Tessera)\r\n"[..]
        );
        assert_eq!((r.dirty, r.block, r.events.len()), (0, None, 0));
        // The keyspace was disarmed: a miss after the run records nothing.
        ks.db(0).note_miss(b"k");
        assert!(!ks.db(0).has_key_events());
    }
}
