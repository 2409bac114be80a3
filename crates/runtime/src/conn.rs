//! One client connection: read, parse every complete command in the buffer,
//! run them in order, write all their replies with one write.
//!
//! Consecutive commands of a pipeline whose keys are all on the same other
//! shard travel to it as one message. A connection stays on the shard that
//! accepted it for its whole life.

use crate::exec::{self, Plan};
use crate::remote;
use crate::shard::{unix_ms, ClientInfo, Shard};
use bytes::{Bytes, BytesMut};
use futures::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;
use std::rc::Rc;
use tessera_commands::spec::flags::BLOCKING;
use tessera_resp::{Arg, CommandParser, Limits, Out, Proto};

/// What the client asked with CLIENT REPLY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
}

/// Per-connection state. Runtime command handlers receive `&mut Conn`.
pub struct Conn {
    pub sh: Rc<Shard>,
    pub info: Rc<ClientInfo>,
    pub db: usize,
    pub out: Out,
    pub authenticated: bool,
    /// Set by QUIT: close after flushing the replies so far.
    pub close: bool,
    pub reply_mode: ReplyMode,
    /// Commands queued since MULTI (None outside a transaction).
    pub multi: Option<crate::multi::MultiState>,
    /// Keys this connection WATCHes.
    pub watch: Option<crate::watch::WatchSession>,
    /// The command name this connection sent last and what it resolved to.
    pub names: crate::exec::NameCache,
    /// Calls counted but not yet added to the shard's command statistics.
    pub stats: crate::stats::Pending,
    /// The batch of the last run sent to another shard, kept for the next.
    pub spare_batch: Option<Box<remote::Batch>>,
    /// The declarations of the commands an EXEC runs, kept for its
    /// statistics (`multi::in_multi`); reused from one EXEC to the next.
    pub exec_specs: Vec<&'static tessera_commands::CommandSpec>,
}

impl Conn {
    pub fn id(&self) -> u64 {
        self.info.id
    }

    pub fn proto(&self) -> Proto {
        self.out.proto
    }

    pub fn set_db(&mut self, db: usize) {
        self.db = db;
        self.info.db.set(db);
    }

    /// An empty batch for a run of commands to another shard.
    pub fn remote_batch(&mut self) -> Box<remote::Batch> {
        self.spare_batch.take().unwrap_or_else(remote::Batch::new)
    }

    /// Keeps an answered batch for the next run.
    pub fn keep_batch(&mut self, batch: Box<remote::Batch>) {
        self.spare_batch = batch.recycle();
    }
}

const READ_CHUNK: usize = 16 * 1024;

/// Batches in a row whose keyed commands all ran on one other shard before
/// the connection moves there; doubled after each move of the same
/// connection, so a client alternating between two shards' keys settles
/// instead of bouncing.
const MIGRATE_AFTER: u32 = 8;

/// What a connection carries when it moves to another shard: everything
/// `ClientInfo` and `Conn` hold that a plain connection (not in MULTI, not
/// watching, not subscribed, replies on) can have, plus the bytes of a
/// command not yet complete.
struct Migrant {
    fd: std::os::fd::OwnedFd,
    id: u64,
    addr: String,
    laddr: String,
    name: Option<Bytes>,
    lib_name: Option<Bytes>,
    lib_ver: Option<Bytes>,
    created_ms: tessera_storage::Ms,
    last_interaction_ms: tessera_storage::Ms,
    last_cmd: String,
    flags: String,
    no_evict: bool,
    db: usize,
    proto: Proto,
    authenticated: bool,
    rbuf: BytesMut,
    moves: u32,
}

/// Connection state that outlives a move between shards.
struct Carried {
    db: usize,
    proto: Proto,
    authenticated: bool,
    rbuf: BytesMut,
    moves: u32,
}

/// Which shards the keyed commands of one batch ran on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Touched {
    Nothing,
    One(usize),
    Several,
}

impl Touched {
    fn add(&mut self, shard: usize) {
        *self = match *self {
            Touched::Nothing => Touched::One(shard),
            Touched::One(s) if s == shard => Touched::One(s),
            _ => Touched::Several,
        };
    }
}

/// Registers a newly accepted connection on this shard and serves it on a
/// task of its own.
pub fn spawn(sh: &Rc<Shard>, stream: TcpStream, info: Rc<ClientInfo>) {
    spawn_with(sh, stream, info, None)
}

/// [`spawn`], with the state of a connection that moved here from another
/// shard when there is one.
fn spawn_with(sh: &Rc<Shard>, stream: TcpStream, info: Rc<ClientInfo>, carried: Option<Carried>) {
    sh.clients.borrow_mut().insert(info.id, info.clone());
    sh.live_conns.set(sh.live_conns.get() + 1);
    let sh = sh.clone();
    glommio::spawn_local(async move {
        let moved = serve(sh.clone(), stream, info, carried).await;
        sh.live_conns.set(sh.live_conns.get() - 1);
        if let Some((to, m)) = moved {
            sh.mesh
                .post(to, Box::new(move |target: &Rc<Shard>| adopt(target, m)));
        }
    })
    .detach();
}

/// Takes over a connection that moved here from another shard.
fn adopt(sh: &Rc<Shard>, m: Migrant) {
    use std::os::fd::{FromRawFd, IntoRawFd};
    if sh.global.is_shutting_down() {
        // Dropping the descriptor closes the connection, as shutdown does
        // to every other client.
        drop(m.fd);
        sh.global
            .clients
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        return;
    }
    let fd = m.fd.into_raw_fd();
    // SAFETY: `fd` is a connected TCP socket this process owns exclusively
    // (the duplicate made by `migrant`; the original was closed).
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let info = ClientInfo::new(m.id, fd, m.addr, m.laddr, m.created_ms);
    *info.name.borrow_mut() = m.name;
    *info.lib_name.borrow_mut() = m.lib_name;
    *info.lib_ver.borrow_mut() = m.lib_ver;
    info.last_interaction_ms.set(m.last_interaction_ms);
    info.db.set(m.db);
    *info.last_cmd.borrow_mut() = m.last_cmd;
    info.resp.set(if m.proto == Proto::Resp3 { 3 } else { 2 });
    info.query_buf.set(m.rbuf.len());
    *info.flags.borrow_mut() = m.flags;
    info.no_evict.set(m.no_evict);
    let info = Rc::new(info);
    let carried = Carried {
        db: m.db,
        proto: m.proto,
        authenticated: m.authenticated,
        rbuf: m.rbuf,
        moves: m.moves,
    };
    sh.stats.borrow_mut().migrated_connections += 1;
    spawn_with(sh, stream, info, Some(carried));
}

/// Serves one connection until it closes, or until it should move to
/// another shard: then returns where to and what it carries.
async fn serve(
    sh: Rc<Shard>,
    mut stream: TcpStream,
    info: Rc<ClientInfo>,
    carried: Option<Carried>,
) -> Option<(usize, Migrant)> {
    let _ = stream.set_nodelay(true);
    let requirepass = sh.config.borrow().requirepass.clone();
    let (db, proto, authenticated, mut rbuf, moves) = match carried {
        Some(c) => (c.db, c.proto, c.authenticated, c.rbuf, c.moves),
        None => (0, Proto::Resp2, requirepass.is_none(), fresh_buf(), 0),
    };
    let mut conn = Conn {
        sh: sh.clone(),
        info,
        db,
        out: Out::new(proto),
        authenticated,
        close: false,
        reply_mode: ReplyMode::On,
        multi: None,
        watch: None,
        names: Default::default(),
        stats: Default::default(),
        spare_batch: None,
        exec_specs: Vec::new(),
    };
    let mut parser = CommandParser::new();
    // The complete commands of a read (their frames and where each argument
    // lies), and the allocation of the argument list built over them; both
    // reused from read to read.
    let mut batch = tessera_resp::Batch::new();
    let mut spare_args: Vec<Arg<'static>> = Vec::new();
    let mut last_spec = 0usize;
    // Batches in a row that ran all their keyed commands on one other shard.
    let mut streak: (usize, u32) = (sh.id, 0);
    // A connection that moved may have brought complete commands along.
    let mut pending_input = !rbuf.is_empty();
    'conn: loop {
        let n = if pending_input {
            pending_input = false;
            0
        } else {
            // Read what is available straight into the buffer's spare capacity.
            let filled = rbuf.len();
            if rbuf.capacity() - filled < READ_CHUNK / 4 {
                rbuf.reserve(READ_CHUNK);
                // Zero the new spare capacity once per reservation rather than
                // once per read: after this, every byte of the allocation past
                // `len` has been initialized, by this or by earlier reads.
                let cap = rbuf.capacity();
                rbuf.resize(cap, 0);
                rbuf.truncate(filled);
            }
            let spare = rbuf.capacity() - filled;
            // SAFETY: the `spare` bytes after `len` lie inside the allocation and
            // were initialized when it was reserved (above) or by earlier reads;
            // BytesMut never de-initializes memory. `set_len` below covers only
            // bytes the kernel wrote.
            let dst =
                unsafe { std::slice::from_raw_parts_mut(rbuf.as_mut_ptr().add(filled), spare) };
            let read = if conn.info.pubsub.active() {
                // A subscriber or monitor also wakes up for messages to send.
                let push = crate::pubsub::PushReady(&conn.info);
                match futures::future::select(stream.read(dst), push).await {
                    futures::future::Either::Left((r, _)) => Some(r),
                    futures::future::Either::Right(_) => None,
                }
            } else {
                Some(stream.read(dst).await)
            };
            let n = match read {
                None => {
                    if !write_pushes(&sh, &mut stream, &conn.info).await || conn.info.killed.get() {
                        break;
                    }
                    continue;
                }
                Some(Ok(0) | Err(_)) => break,
                Some(Ok(n)) => n,
            };
            // SAFETY: the read initialized `n` more bytes after `filled`.
            unsafe { rbuf.set_len(filled + n) };
            n
        };
        let now = unix_ms();
        sh.stats.borrow_mut().net_input_bytes += n as u64;
        conn.info.last_interaction_ms.set(now);

        // Parse every complete command.
        let (limits, qlimit, migrate) = {
            let c = sh.config.borrow();
            let limits = Limits {
                max_bulk_len: c.proto_max_bulk_len as usize,
                ..Limits::default()
            };
            (
                limits,
                c.client_query_buffer_limit as usize,
                c.migrate_connections,
            )
        };
        let protocol_error = parser.parse_batch(&mut rbuf, &limits, &mut batch);
        conn.info.query_buf.set(rbuf.len());

        // The arguments borrow the batch's frames; their list's allocation
        // is reused from read to read.
        let mut args = tessera_resp::recycle(std::mem::take(&mut spare_args));
        batch.args(&mut args);
        let touched = run_batch(&mut conn, &args, batch.commands(), now, &mut last_spec).await;
        spare_args = tessera_resp::recycle(args);
        batch.clear();

        if let Some(e) = protocol_error {
            conn.out.raw(&e.reply_bytes());
            conn.close = true;
        } else if rbuf.len() > qlimit {
            // Redis closes the client without a reply when its query buffer overflows.
            tracing::warn!(
                client = conn.id(),
                "closing client that reached client-query-buffer-limit"
            );
            conn.close = true;
        }
        // Messages that arrived during the batch follow its replies.
        crate::pubsub::pending_into(&conn.info, &mut conn.out);
        if !conn.out.is_empty() {
            let len = conn.out.len();
            sh.stats.borrow_mut().net_output_bytes += len as u64;
            // Counted against the output limits while the write is in flight.
            conn.info.output_buf.set(len);
            // Let the other connections that are ready run their batches
            // first, so the shard's replies leave in one burst, as Redis
            // writes its replies in beforeSleep. A client woken by the first
            // reply is still awake for the next: sent one at a time between
            // batches, replies found a load generator on another CPU asleep
            // about one time in four, and waking it (an IPI, in the sender's
            // send) cost about a tenth of the shard's CPU at pipeline 16.
            yield_once().await;
            if stream.write_all(&conn.out.buf).await.is_err() {
                break 'conn;
            }
            conn.info.output_buf.set(0);
            conn.out.buf.clear();
        }
        if conn.close || conn.info.killed.get() {
            break;
        }
        // Give back memory after a big pipeline or value.
        if rbuf.is_empty() && rbuf.capacity() > 4 * READ_CHUNK {
            rbuf = fresh_buf();
            parser.reset();
        }
        if conn.out.buf.capacity() > 1024 * 1024 {
            conn.out.buf = BytesMut::new();
        }
        // Follow the keys: a connection whose commands keep going to one
        // other shard is cheaper served there, with no hop per command.
        match touched {
            Touched::One(s) if s != sh.id => {
                streak = if streak.0 == s {
                    (s, streak.1 + 1)
                } else {
                    (s, 1)
                };
            }
            Touched::Nothing => {}
            _ => streak = (sh.id, 0),
        }
        if migrate && streak.0 != sh.id && streak.1 >= MIGRATE_AFTER << moves.min(10) {
            if let Some(m) = migrant(&conn, &stream, &mut rbuf, moves) {
                // The descriptor was duplicated: dropping the stream closes
                // only this shard's copy, without shutting the socket down.
                drop(stream);
                sh.clients.borrow_mut().remove(&conn.id());
                return Some((streak.0, m));
            }
            streak = (sh.id, 0);
        }
    }
    // Leave every registry before the socket closes: a client that has seen
    // the close must not find this connection in CLIENT LIST or INFO.
    crate::pubsub::forget(&sh, &conn.info);
    crate::watch::unwatch(&mut conn).await;
    sh.clients.borrow_mut().remove(&conn.id());
    sh.global
        .clients
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    let _ = stream.close().await;
    None
}

/// Packs up a connection for a move, or None when it holds state that is
/// tied to this shard (a transaction, watched keys, subscriptions, MONITOR,
/// CLIENT REPLY OFF/SKIP) or its descriptor cannot be duplicated.
fn migrant(conn: &Conn, stream: &TcpStream, rbuf: &mut BytesMut, moves: u32) -> Option<Migrant> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let info = &conn.info;
    if conn.multi.is_some()
        || conn.watch.is_some()
        || conn.reply_mode != ReplyMode::On
        || info.pubsub.active()
        || info.pubsub.subscribed()
        || info.pubsub.is_monitor()
    {
        return None;
    }
    // SAFETY: fcntl on a descriptor this connection owns; F_DUPFD_CLOEXEC
    // returns a new descriptor for the same socket or -1.
    let fd = unsafe { libc::fcntl(stream.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    Some(Migrant {
        // SAFETY: `fd` was just created and is owned by nothing else.
        fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) },
        id: info.id,
        addr: info.addr.clone(),
        laddr: info.laddr.clone(),
        name: info.name.borrow().clone(),
        lib_name: info.lib_name.borrow().clone(),
        lib_ver: info.lib_ver.borrow().clone(),
        created_ms: info.created_ms,
        last_interaction_ms: info.last_interaction_ms.get(),
        last_cmd: info.last_cmd.borrow().clone(),
        flags: info.flags.borrow().clone(),
        no_evict: info.no_evict.get(),
        db: conn.db,
        proto: conn.out.proto,
        authenticated: conn.authenticated,
        rbuf: std::mem::take(rbuf),
        moves: moves + 1,
    })
}

/// Writes the pub/sub messages and MONITOR lines waiting for this client.
/// Returns false when the connection is gone.
async fn write_pushes(sh: &Shard, stream: &mut TcpStream, info: &ClientInfo) -> bool {
    let buf = info.pubsub.take_pending();
    if buf.is_empty() {
        return true;
    }
    sh.stats.borrow_mut().net_output_bytes += buf.len() as u64;
    // Counted against the output limits while the write is in flight.
    info.output_buf.set(buf.len());
    let ok = stream.write_all(&buf).await.is_ok();
    info.output_buf.set(0);
    ok
}

/// An empty read buffer whose whole capacity is initialized (see the read in `serve`).
fn fresh_buf() -> BytesMut {
    let mut b = BytesMut::zeroed(READ_CHUNK);
    b.clear();
    b
}

/// Runs parsed commands in order, appending replies to `conn.out`, and
/// tells which shards their keys were on. `now` is the batch's wall-clock
/// time (commands of one read share it, as they share one arrival).
async fn run_batch(
    conn: &mut Conn,
    args: &[Arg<'_>],
    cmds: &[(usize, usize)],
    now: tessera_storage::Ms,
    last_spec: &mut usize,
) -> Touched {
    let mut touched = Touched::Nothing;
    let mut pending: Option<(usize, Box<remote::Batch>)> = None;
    // One clock reading per command: each command's time runs from the end
    // of the one before it. The TSC clock costs a few nanoseconds where
    // clock_gettime costs tens, which shows at a million commands a second.
    let mut clock = minstant::Instant::now();
    let mut iter = cmds.iter().map(|&(start, end)| &args[start..end]);
    loop {
        let next = iter.next();
        if let Some(argv) = &next {
            if conn.multi.is_some() {
                if let Some((to, batch)) = pending.take() {
                    flush_remote(conn, to, batch, &mut clock, last_spec).await;
                }
                match crate::multi::in_multi(conn, argv, &mut clock).await {
                    crate::multi::Ran::Nothing => {}
                    crate::multi::Ran::At(home) => touched.add(home),
                    crate::multi::Ran::Several => touched = Touched::Several,
                }
                if conn.close {
                    break;
                }
                continue;
            }
        }
        let plan = match &next {
            Some(argv) => {
                let mark = conn.out.len();
                let p = crate::cmds::pubsub::plan_admitted(conn, argv);
                if matches!(p, Plan::Done) {
                    // Errors found before running (unknown command, arity)
                    // count in errorstats as Redis counts them.
                    crate::stats::record_error(&conn.sh, &conn.out.buf[mark..]);
                    if conn.reply_mode != ReplyMode::On {
                        conn.out.buf.truncate(mark);
                    }
                }
                if let Plan::Local(spec, h) = p {
                    // Nearly every command of a pipeline: run at once,
                    // without building `run_one`'s future or carrying the
                    // plan through the batching below, which were ~90
                    // instructions a command. A plain local command never
                    // closes the connection.
                    if pending.is_none()
                        && conn.reply_mode == ReplyMode::On
                        && !spec.has(BLOCKING)
                        && conn.sh.locks.borrow().is_empty()
                    {
                        if !spec.keys.is_empty() {
                            touched.add(conn.sh.id);
                        }
                        run_local(conn, spec, h, argv, now, &mut clock, last_spec);
                        continue;
                    }
                }
                match &p {
                    Plan::Local(spec, _) if !spec.keys.is_empty() => touched.add(conn.sh.id),
                    Plan::Remote(to, ..) => touched.add(*to),
                    Plan::Multi(spec) => {
                        match crate::combine::home_of(spec, argv, conn.sh.shards()) {
                            Some(home) => touched.add(home),
                            None => touched = Touched::Several,
                        }
                    }
                    _ => {}
                }
                Some(p)
            }
            None => None,
        };
        // A remote command joins the pending batch if it goes to the same shard.
        if let (Some(Plan::Remote(to, spec, handler)), Some(argv)) = (&plan, &next) {
            if conn.reply_mode == ReplyMode::On && !spec.has(BLOCKING) {
                match &mut pending {
                    Some((s, batch)) if s == to => {
                        batch.push(spec, *handler, argv);
                        continue;
                    }
                    None => {
                        let mut batch = conn.remote_batch();
                        batch.push(spec, *handler, argv);
                        pending = Some((*to, batch));
                        continue;
                    }
                    _ => {}
                }
            }
        }
        if let Some((to, batch)) = pending.take() {
            flush_remote(conn, to, batch, &mut clock, last_spec).await;
            // The plan that ended the batch may itself start a new one.
            if let (Some(Plan::Remote(to, spec, handler)), Some(argv)) = (&plan, &next) {
                if conn.reply_mode == ReplyMode::On && !spec.has(BLOCKING) {
                    let mut batch = conn.remote_batch();
                    batch.push(spec, *handler, argv);
                    pending = Some((*to, batch));
                    continue;
                }
            }
        }
        let (Some(plan), Some(argv)) = (plan, next) else {
            break;
        };
        run_one(conn, plan, argv, now, &mut clock, last_spec).await;
        if conn.close {
            break;
        }
    }
    drop(iter);
    if let Some((to, batch)) = pending.take() {
        flush_remote(conn, to, batch, &mut clock, last_spec).await;
    }
    conn.stats.flush(&conn.sh);
    touched
}

/// Sends a batch of commands to shard `to`, appends their replies, and
/// counts them in the command and error statistics. Each command is
/// charged an equal share of the round trip, since the remote shard does
/// not time them one by one; batched commands are not slowlogged.
async fn flush_remote(
    conn: &mut Conn,
    to: usize,
    batch: Box<remote::Batch>,
    clock: &mut minstant::Instant,
    last_spec: &mut usize,
) {
    if let Some((spec, name)) = batch.last() {
        let key = crate::stats::cmd_key(spec);
        if *last_spec != key {
            set_last_cmd(&conn.info, spec, name);
            *last_spec = key;
        }
    }
    // Whatever runs while this waits may read the statistics.
    conn.stats.flush(&conn.sh);
    let batch = remote::run(&conn.sh, to, batch, conn.db, conn.out.proto).await;
    let done = minstant::Instant::now();
    let share = done.duration_since(*clock).as_micros() as u64 / batch.len().max(1) as u64;
    *clock = done;
    for (spec, reply) in batch.each_reply() {
        let failed = reply.first() == Some(&b'-');
        if failed {
            crate::stats::record_error(&conn.sh, reply);
        }
        // Left pending as a local command's call is: the next command
        // that may wait or read the statistics adds them first.
        conn.stats.add(&conn.sh, spec, share, failed);
    }
    conn.out.raw(batch.replies());
    conn.keep_batch(batch);
}

/// [`run_one`] for a plain local command (not blocking, no lock held on
/// the shard) while replies are on: what `run_one` does in that case,
/// without awaiting anything.
#[inline(always)]
fn run_local(
    conn: &mut Conn,
    spec: &'static tessera_commands::CommandSpec,
    h: tessera_commands::Handler,
    argv: &[Arg<'_>],
    now: tessera_storage::Ms,
    clock: &mut minstant::Instant,
    last_spec: &mut usize,
) {
    let mark = conn.out.len();
    note_last_cmd(conn, spec, argv, last_spec);
    conn.sh
        .run_handler_inline(spec, h, argv, conn.db, now, &mut conn.out, false);
    account(conn, spec, argv, mark, true, clock);
}

/// Records the command for CLIENT LIST's `cmd`, unless it is the same
/// command as the last one, which left the same name.
#[inline(always)]
fn note_last_cmd(
    conn: &Conn,
    spec: &'static tessera_commands::CommandSpec,
    argv: &[Arg<'_>],
    last_spec: &mut usize,
) {
    let key = crate::stats::cmd_key(spec);
    if *last_spec != key {
        set_last_cmd(&conn.info, spec, &argv[0]);
        *last_spec = key;
    }
}

/// Times a command that wrote its reply from `mark` on (from `clock`, which
/// is moved to now), and counts it in commandstats, errorstats and the
/// slowlog. A `plain` command's call may be left pending in `conn.stats`.
#[inline(always)]
fn account(
    conn: &mut Conn,
    spec: &'static tessera_commands::CommandSpec,
    argv: &[Arg<'_>],
    mark: usize,
    plain: bool,
    clock: &mut minstant::Instant,
) {
    let done = minstant::Instant::now();
    let us = done.duration_since(*clock).as_micros() as u64;
    *clock = done;
    let failed = conn.out.buf.get(mark) == Some(&b'-');
    if failed {
        crate::stats::record_error(&conn.sh, &conn.out.buf[mark..]);
    }
    if plain {
        conn.stats.add(&conn.sh, spec, us, failed);
    } else {
        crate::stats::record(&conn.sh, spec, us, failed);
    }
    crate::stats::maybe_slowlog(&conn.sh, &conn.info, argv, us);
}

/// Runs one command, honouring CLIENT REPLY OFF/SKIP and recording stats.
/// `clock` is when the command started; it is moved to when it ended.
async fn run_one(
    conn: &mut Conn,
    plan: Plan,
    argv: &[Arg<'_>],
    now: tessera_storage::Ms,
    clock: &mut minstant::Instant,
    last_spec: &mut usize,
) {
    let mark = conn.out.len();
    let mode_before = conn.reply_mode;
    let spec = match &plan {
        Plan::Local(s, _) | Plan::Remote(_, s, _) | Plan::Multi(s) | Plan::Runtime(s, _) => {
            Some(*s)
        }
        Plan::Done => None,
    };
    if let Some(spec) = spec {
        note_last_cmd(conn, spec, argv, last_spec);
    }
    // Only a plain local command may leave its call pending; anything else
    // may wait or read the statistics, so the run so far is added first.
    let mut plain = false;
    match plan {
        // The common case runs without building `run_plan_at`'s future,
        // which is large (it can hold a coordinator or blocking operation)
        // and costs its moves and drop on every command.
        Plan::Local(spec, h) if !spec.has(BLOCKING) && conn.sh.locks.borrow().is_empty() => {
            plain = true;
            conn.sh
                .run_handler_inline(spec, h, argv, conn.db, now, &mut conn.out, false);
        }
        plan => {
            conn.stats.flush(&conn.sh);
            match plan {
                Plan::Runtime(_, exec::RuntimeHandler::Sync(f)) => f(conn, argv),
                plan => exec::run_plan_at(conn, plan, argv, now).await,
            }
        }
    }
    if let Some(spec) = spec {
        account(conn, spec, argv, mark, plain, clock);
    } else {
        *clock = minstant::Instant::now();
    }
    match mode_before {
        // CLIENT REPLY ON answers even though replies were off before it.
        ReplyMode::Off if conn.reply_mode == ReplyMode::On => {}
        ReplyMode::Off => conn.out.buf.truncate(mark),
        ReplyMode::Skip => {
            conn.out.buf.truncate(mark);
            if conn.reply_mode == ReplyMode::Skip {
                conn.reply_mode = ReplyMode::On;
            }
        }
        ReplyMode::On => {}
    }
}

/// Records the command for CLIENT LIST's `cmd` field (`get`, or
/// `client|list` for a subcommand). The string's buffer is reused, so this
/// allocates only when a longer name first appears.
fn set_last_cmd(info: &ClientInfo, spec: &tessera_commands::CommandSpec, name: &[u8]) {
    let mut last = info.last_cmd.borrow_mut();
    last.clear();
    // A subcommand's declared name differs from the command's first word.
    if !spec.name.as_bytes().eq_ignore_ascii_case(name) {
        for &c in name {
            last.push(c.to_ascii_lowercase() as char);
        }
        last.push('|');
    }
    last.push_str(spec.name);
}

/// Lets every other ready task of the shard run before this one goes on.
async fn yield_once() {
    let mut yielded = false;
    futures::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}
