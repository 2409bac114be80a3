//! One client connection: read, parse every complete command in the buffer,
//! run them in order, write all their replies with one write.
//!
//! Consecutive commands of a pipeline whose keys are all on the same other
//! shard travel to it as one message. A connection stays on the shard that
//! accepted it for its whole life.

use crate::exec::{self, Plan, RemoteCmd};
use crate::shard::{unix_ms, ClientInfo, Shard};
use bytes::{Bytes, BytesMut};
use futures::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;
use std::rc::Rc;
use tessera_commands::spec::flags::BLOCKING;
use tessera_resp::{parse_command, Limits, Out, Proto};

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
}

const READ_CHUNK: usize = 16 * 1024;

/// Serves one accepted connection until it closes.
pub async fn serve(sh: Rc<Shard>, mut stream: TcpStream, info: Rc<ClientInfo>) {
    let _ = stream.set_nodelay(true);
    let requirepass = sh.config.borrow().requirepass.clone();
    let mut conn = Conn {
        sh: sh.clone(),
        info,
        db: 0,
        out: Out::new(Proto::Resp2),
        authenticated: requirepass.is_none(),
        close: false,
        reply_mode: ReplyMode::On,
        multi: None,
        watch: None,
    };
    let mut rbuf = fresh_buf();
    let mut cmds: Vec<Vec<Bytes>> = Vec::new();
    'conn: loop {
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
        let dst = unsafe { std::slice::from_raw_parts_mut(rbuf.as_mut_ptr().add(filled), spare) };
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
        sh.stats.borrow_mut().net_input_bytes += n as u64;
        conn.info.last_interaction_ms.set(unix_ms());

        // Parse every complete command.
        let limits = {
            let c = sh.config.borrow();
            Limits {
                max_bulk_len: c.proto_max_bulk_len as usize,
                ..Limits::default()
            }
        };
        let mut protocol_error = None;
        loop {
            match parse_command(&mut rbuf, &limits) {
                Ok(Some(argv)) => {
                    if !argv.is_empty() {
                        cmds.push(argv);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    protocol_error = Some(e);
                    break;
                }
            }
        }
        let qlimit = sh.config.borrow().client_query_buffer_limit as usize;
        conn.info.query_buf.set(rbuf.len());

        run_batch(&mut conn, &mut cmds).await;

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
        }
        if conn.out.buf.capacity() > 1024 * 1024 {
            conn.out.buf = BytesMut::new();
        }
    }
    let _ = stream.close().await;
    crate::pubsub::forget(&sh, &conn.info);
    crate::watch::unwatch(&mut conn).await;
    sh.clients.borrow_mut().remove(&conn.id());
    sh.global
        .clients
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
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

/// Runs parsed commands in order, appending replies to `conn.out`.
async fn run_batch(conn: &mut Conn, cmds: &mut Vec<Vec<Bytes>>) {
    let mut pending: Option<(usize, Vec<RemoteCmd>)> = None;
    let mut iter = std::mem::take(cmds).into_iter();
    loop {
        let next = iter.next();
        if let Some(argv) = &next {
            if conn.multi.is_some() {
                if let Some((to, batch)) = pending.take() {
                    flush_remote(conn, to, batch).await;
                }
                crate::multi::in_multi(conn, argv).await;
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
                Some(p)
            }
            None => None,
        };
        // A remote command joins the pending batch if it goes to the same shard.
        if let (Some(Plan::Remote(to, spec, handler)), Some(argv)) = (&plan, &next) {
            if conn.reply_mode == ReplyMode::On && !spec.has(BLOCKING) {
                match &mut pending {
                    Some((s, batch)) if s == to => {
                        batch.push(RemoteCmd {
                            spec,
                            handler: *handler,
                            argv: argv.clone(),
                        });
                        continue;
                    }
                    None => {
                        pending = Some((
                            *to,
                            vec![RemoteCmd {
                                spec,
                                handler: *handler,
                                argv: argv.clone(),
                            }],
                        ));
                        continue;
                    }
                    _ => {}
                }
            }
        }
        if let Some((to, batch)) = pending.take() {
            flush_remote(conn, to, batch).await;
            // The plan that ended the batch may itself start a new one.
            if let (Some(Plan::Remote(to, spec, handler)), Some(argv)) = (&plan, &next) {
                if conn.reply_mode == ReplyMode::On && !spec.has(BLOCKING) {
                    pending = Some((
                        *to,
                        vec![RemoteCmd {
                            spec,
                            handler: *handler,
                            argv: argv.clone(),
                        }],
                    ));
                    continue;
                }
            }
        }
        let (Some(plan), Some(argv)) = (plan, next) else {
            break;
        };
        run_one(conn, plan, argv).await;
        if conn.close {
            break;
        }
    }
    if let Some((to, batch)) = pending.take() {
        flush_remote(conn, to, batch).await;
    }
}

/// Sends a batch of commands to shard `to`, appends their replies, and
/// counts them in the command and error statistics. Each command is
/// charged an equal share of the round trip, since the remote shard does
/// not time them one by one; batched commands are not slowlogged.
async fn flush_remote(conn: &mut Conn, to: usize, batch: Vec<RemoteCmd>) {
    let started = std::time::Instant::now();
    let specs: Vec<&'static tessera_commands::CommandSpec> = batch.iter().map(|c| c.spec).collect();
    if let Some(last) = batch.last() {
        set_last_cmd(&conn.info, last.spec, &last.argv[0]);
    }
    let bytes = exec::run_remote(&conn.sh.clone(), to, batch, conn.db, conn.out.proto).await;
    let share = started.elapsed().as_micros() as u64 / specs.len().max(1) as u64;
    let replies = tessera_resp::split_elements(&bytes);
    for (i, spec) in specs.iter().enumerate() {
        let reply = replies.get(i).map(|r| &bytes[r.clone()]).unwrap_or(&[]);
        let failed = reply.first() == Some(&b'-');
        if failed {
            crate::stats::record_error(&conn.sh, reply);
        }
        crate::stats::record(&conn.sh, spec, share, failed);
    }
    conn.out.raw(&bytes);
}

/// Runs one command, honouring CLIENT REPLY OFF/SKIP and recording stats.
async fn run_one(conn: &mut Conn, plan: Plan, argv: Vec<Bytes>) {
    let mark = conn.out.len();
    let mode_before = conn.reply_mode;
    let started = std::time::Instant::now();
    let spec = match &plan {
        Plan::Local(s, _) | Plan::Remote(_, s, _) | Plan::Multi(s) | Plan::Runtime(s, _) => {
            Some(*s)
        }
        Plan::Done => None,
    };
    if let Some(spec) = spec {
        set_last_cmd(&conn.info, spec, &argv[0]);
    }
    exec::run_plan(conn, plan, &argv).await;
    if let Some(spec) = spec {
        let us = started.elapsed().as_micros() as u64;
        let failed = conn.out.buf.get(mark) == Some(&b'-');
        if failed {
            crate::stats::record_error(&conn.sh, &conn.out.buf[mark..]);
        }
        crate::stats::record(&conn.sh, spec, us, failed);
        crate::stats::maybe_slowlog(&conn.sh, &conn.info, &argv, us);
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
