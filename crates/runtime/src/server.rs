//! Start-up and shutdown: build the shards, pin one executor per CPU, accept
//! connections on every shard (SO_REUSEPORT), run periodic work, and stop
//! gracefully on SHUTDOWN, SIGTERM or SIGINT.

use crate::mesh::{self, Mesh};
use crate::shard::{unix_ms, ClientInfo, Global, Shard};
use futures::channel::oneshot;
use futures::future::{select, Either};
use glommio::net::TcpListener;
use glommio::{LocalExecutorBuilder, Placement};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_commands::table::Table;
use tessera_config::Config;
use tessera_storage::Keyspace;

/// Why the server could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What `run` needs besides the configuration.
pub struct Options {
    pub shards: usize,
    /// CPUs to pin shards to (shard i on cpus[i % len]); empty: do not pin.
    pub cpus: Vec<usize>,
    pub executable: String,
    pub config_file: Option<String>,
}

/// Installs the command table: this crate's families plus the commands crate's.
pub fn install_table() -> &'static Table {
    let mut fams = tessera_commands::families();
    fams.extend(crate::cmds::families());
    Table::install(&fams)
}

/// Runs the server until it is shut down. Blocks the calling thread.
pub fn run(config: Config, opts: Options) -> Result<(), StartError> {
    install_table();
    let n = opts.shards.max(1);
    let run_id: String = {
        use rand::Rng;
        let mut r = rand::thread_rng();
        (0..40)
            .map(|_| char::from_digit(r.gen_range(0..16), 16).unwrap_or('0'))
            .collect()
    };
    let global = Arc::new(Global {
        shards: n,
        next_client_id: AtomicU64::new(1),
        clients: AtomicUsize::new(0),
        rejected_connections: AtomicU64::new(0),
        total_connections: AtomicU64::new(0),
        shutting_down: AtomicBool::new(false),
        started: std::time::Instant::now(),
        started_unix_ms: unix_ms(),
        run_id,
        port: AtomicUsize::new(config.port as usize),
        executable: opts.executable.clone(),
        config_file: opts.config_file.clone(),
        config: Mutex::new(config.clone()),
        slowlog_next_id: AtomicU64::new(0),
        active_expire: AtomicBool::new(true),
        interest: crate::pubsub::interest_queues(n),
        drained_shards: AtomicUsize::new(0),
    });
    let (mesh, inboxes) = Mesh::new(n);
    // Bind once on the main thread first, so a port in use is reported
    // before any executor starts, and so port 0 resolves to one real port
    // that every shard then shares.
    let addrs = bind_addrs(&config);
    let probe = std::net::TcpListener::bind((addrs[0].as_str(), config.port)).map_err(|e| {
        StartError(format!(
            "Could not create server TCP listening socket {}:{}: {e}",
            addrs[0], config.port
        ))
    })?;
    let port = probe.local_addr().map(|a| a.port()).unwrap_or(config.port);
    drop(probe);
    global.port.store(port as usize, Ordering::Relaxed);

    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let mut handles = Vec::new();
    for (id, inbox) in inboxes.into_iter().enumerate() {
        let placement = if opts.cpus.is_empty() {
            Placement::Unbound
        } else {
            Placement::Fixed(opts.cpus[id % opts.cpus.len()])
        };
        let global = global.clone();
        let mesh = mesh.clone();
        let config = config.clone();
        let addrs = addrs.clone();
        let backlog = config.tcp_backlog.clamp(1, i32::MAX as u64) as i32;
        let ready = ready_tx.clone();
        let builder = LocalExecutorBuilder::new(placement)
            .name(&format!("shard-{id}"))
            // Storage I/O memory is registered with io_uring and counts
            // against RLIMIT_MEMLOCK; keep it small until persistence needs more.
            .io_memory(256 * 1024)
            .ring_depth(256)
            .preempt_timer(Duration::from_millis(100))
            .spin_before_park(spin_before_park());
        let h = builder
            .spawn(move || async move {
                let sh = Rc::new(Shard {
                    id,
                    global: global.clone(),
                    mesh,
                    ks: RefCell::new(Keyspace::new(config.databases)),
                    locks: RefCell::default(),
                    config: RefCell::new(Rc::new(config.clone())),
                    stats: RefCell::default(),
                    cmdstats: RefCell::default(),
                    errorstats: RefCell::default(),
                    clients: RefCell::default(),
                    slowlog: RefCell::default(),
                    watches: RefCell::default(),
                    blocked: RefCell::default(),
                    stop: RefCell::new(None),
                    live_conns: Cell::new(0),
                });
                let listeners: Result<Vec<TcpListener>, String> = addrs
                    .iter()
                    .map(|a| {
                        listen(a, port, backlog).map_err(|e| {
                            format!("Could not create server TCP listening socket {a}:{port}: {e}")
                        })
                    })
                    .collect();
                let listeners = match listeners {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                drop(ready);
                shard_main(sh, listeners, inbox).await;
            })
            .map_err(|e| StartError(explain_executor_error(&e.to_string())))?;
        handles.push(h);
    }
    drop(ready_tx);
    for _ in 0..n {
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(StartError(e)),
            Err(_) => {
                return Err(StartError(explain_executor_error(
                    "a shard thread stopped during start-up",
                )))
            }
        }
    }
    tracing::info!(
        "Tessera {} (Redis {} compatible) started: shards={} port={} pid={}",
        env!("CARGO_PKG_VERSION"),
        crate::cmds::REDIS_VERSION,
        n,
        port,
        std::process::id()
    );
    tracing::info!("Ready to accept connections tcp");
    spawn_signal_thread(global.clone(), mesh.clone());
    for h in handles {
        let _ = h.join();
    }
    tracing::info!("Tessera is now ready to exit, bye bye...");
    Ok(())
}

fn bind_addrs(config: &Config) -> Vec<String> {
    let v: Vec<String> = config
        .bind
        .iter()
        .map(|a| a.trim_start_matches('-').to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if v.is_empty() {
        vec!["0.0.0.0".into()]
    } else {
        v
    }
}

/// Turns glommio's start-up failures into one message naming cause and fix.
pub fn explain_executor_error(e: &str) -> String {
    format!(
        "cannot start the io_uring executors: {e}. Tessera needs io_uring: check that \
         the kernel is 5.8 or newer, that `sysctl kernel.io_uring_disabled` is 0, that a \
         seccomp profile (Docker, Kubernetes) allows io_uring_setup, io_uring_enter and \
         io_uring_register, and that the locked-memory limit (`ulimit -l`) is at least 8 MiB"
    )
}

/// One shard's life: accept, serve the mesh, run periodic work, stop.
async fn shard_main(sh: Rc<Shard>, listeners: Vec<TcpListener>, inbox: mesh::Inbox) {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    *sh.stop.borrow_mut() = Some(stop_tx);
    mesh::install(&sh.mesh);
    glommio::spawn_local(mesh::serve(sh.clone(), inbox)).detach();
    glommio::spawn_local(cron(sh.clone())).detach();
    let stop = futures::future::Shared::clone(&futures::FutureExt::shared(stop_rx));
    let mut accepts = Vec::new();
    for l in listeners {
        let sh = sh.clone();
        let stop = stop.clone();
        accepts.push(glommio::spawn_local(async move {
            accept_loop(sh, l, stop).await
        }));
    }
    for a in accepts {
        a.await;
    }
    // Stop: close every client's reading side; each finishes what it owes.
    for c in sh.clients.borrow().values() {
        c.kill();
    }
    while sh.live_conns.get() > 0 {
        glommio::timer::sleep(Duration::from_millis(5)).await;
    }
    // What another shard's client owes may still need this shard (a lock, a
    // remote batch, a combined transaction): keep serving the mesh until
    // every shard's clients are gone, or that shard never finishes.
    sh.global.drained_shards.fetch_add(1, Ordering::SeqCst);
    while sh.global.drained_shards.load(Ordering::SeqCst) < sh.global.shards {
        glommio::timer::sleep(Duration::from_millis(5)).await;
    }
}

type StopSignal = futures::future::Shared<oneshot::Receiver<()>>;

async fn accept_loop(sh: Rc<Shard>, listener: TcpListener, mut stop: StopSignal) {
    loop {
        let accepted = {
            let acc = Box::pin(listener.accept());
            match select(acc, &mut stop).await {
                Either::Left((r, _)) => r,
                Either::Right(_) => return,
            }
        };
        let stream = match accepted {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                glommio::timer::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let g = &sh.global;
        g.total_connections.fetch_add(1, Ordering::Relaxed);
        let maxclients = sh.config.borrow().maxclients as usize;
        if g.clients.fetch_add(1, Ordering::Relaxed) >= maxclients {
            g.clients.fetch_sub(1, Ordering::Relaxed);
            g.rejected_connections.fetch_add(1, Ordering::Relaxed);
            glommio::spawn_local(async move {
                use futures::AsyncWriteExt;
                let mut s = stream;
                let _ = s.write_all(b"-ERR max number of clients reached\r\n").await;
                let _ = s.close().await;
            })
            .detach();
            continue;
        }
        use std::os::fd::AsRawFd;
        let now = unix_ms();
        let info = Rc::new(ClientInfo::new(
            g.next_client_id.fetch_add(1, Ordering::Relaxed),
            stream.as_raw_fd(),
            stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            stream
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            now,
        ));
        sh.stats.borrow_mut().connections += 1;
        crate::conn::spawn(&sh, stream, info);
    }
}

/// One shard's listening socket on `addr:port`. Every shard binds the same
/// port (SO_REUSEPORT, the kernel spreads connections over them), and
/// SO_REUSEADDR lets a restarted server bind while connections the old one
/// closed are still in TIME_WAIT, as Redis does. `backlog` is `tcp-backlog`.
fn listen(addr: &str, port: u16, backlog: i32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    use std::os::fd::{FromRawFd, IntoRawFd};
    let sa = std::net::ToSocketAddrs::to_socket_addrs(&(addr, port))?
        .next()
        .ok_or_else(|| std::io::Error::other("the address resolves to nothing"))?;
    let sk = Socket::new(Domain::for_address(sa), Type::STREAM, Some(Protocol::TCP))?;
    sk.set_reuse_address(true)?;
    sk.set_reuse_port(true)?;
    if sa.is_ipv6() {
        // As Redis: an IPv6 listener takes IPv6 only, so `bind 0.0.0.0 ::` works.
        sk.set_only_v6(true)?;
    }
    sk.bind(&sa.into())?;
    sk.listen(backlog)?;
    // SAFETY: a bound, listening socket whose descriptor is handed over whole.
    Ok(unsafe { TcpListener::from_raw_fd(sk.into_raw_fd()) })
}

/// Periodic work, `hz` times a second: active expiry and idle-client timeouts.
async fn cron(sh: Rc<Shard>) {
    loop {
        let hz = sh.config.borrow().hz.clamp(1, 500);
        glommio::timer::sleep(Duration::from_millis(1000 / hz)).await;
        if sh.global.is_shutting_down() {
            return;
        }
        let now = unix_ms();
        crate::cmds::info::sample(&sh);
        // Active expiry: a bounded amount of work per database per tick
        // (about a millisecond at most); lazy expiry catches the rest.
        let started = std::time::Instant::now();
        if sh.global.active_expire.load(Ordering::Relaxed) {
            let mut ks = sh.ks.borrow_mut();
            let mut expired = 0u64;
            for db in ks.dbs_mut() {
                if db.expires_len() == 0 {
                    continue;
                }
                expired += db.active_expire(now, 200) as u64;
                if started.elapsed() > Duration::from_micros(1000) {
                    break;
                }
            }
            sh.stats.borrow_mut().expired_keys += expired;
        }
        // Other shards' subscription changes, so that a shard that never
        // publishes does not let its queue of them grow.
        crate::pubsub::catch_up(&sh);
        // Keys expired by the cycle above, or lazily in a database that no
        // command touched since, reach watchers and keyspace notifications
        // here; this also keeps storage's list of expired keys from growing.
        let dbs = sh.ks.borrow().dbs().len();
        for db in 0..dbs {
            sh.drain_expired(db);
        }
        let timeout = sh.config.borrow().timeout;
        if timeout > 0 {
            for c in sh.clients.borrow().values() {
                // As in Redis, subscribers and monitors never time out.
                if c.pubsub.subscribed() || c.pubsub.is_monitor() {
                    continue;
                }
                if now - c.last_interaction_ms.get() > (timeout as i64) * 1000 {
                    c.kill();
                }
            }
        }
    }
}

/// Begins a graceful shutdown: every shard stops accepting and closes its clients.
pub fn begin_shutdown(global: &Global, mesh: &Mesh) {
    if global.shutting_down.swap(true, Ordering::SeqCst) {
        return;
    }
    for s in 0..mesh.len() {
        mesh.post(
            s,
            Box::new(|sh: &Rc<Shard>| {
                if let Some(tx) = sh.stop.borrow_mut().take() {
                    let _ = tx.send(());
                }
            }),
        );
    }
}

/// A plain thread that waits for SIGTERM/SIGINT and starts a graceful shutdown.
fn spawn_signal_thread(global: Arc<Global>, mesh: Mesh) {
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            // SAFETY: sigset manipulation and sigwait on a set we own; the
            // signals were blocked in every thread by `block_signals` before
            // any thread was spawned.
            unsafe {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGTERM);
                libc::sigaddset(&mut set, libc::SIGINT);
                let mut sig: libc::c_int = 0;
                if libc::sigwait(&set, &mut sig) == 0 {
                    tracing::warn!(
                        "Received {}, scheduling shutdown...",
                        if sig == libc::SIGINT {
                            "SIGINT"
                        } else {
                            "SIGTERM"
                        }
                    );
                    begin_shutdown(&global, &mesh);
                }
            }
        })
        .ok();
}

/// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread
/// it spawns afterwards), so that only the signal thread receives them.
pub fn block_signals() {
    // SAFETY: plain libc calls on a locally owned sigset.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Checks, before any executor starts, that io_uring can be used here, and
/// explains how to fix it when it cannot: one message, no backtrace.
pub fn preflight() -> Result<(), StartError> {
    if let Ok(v) = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled") {
        if v.trim() == "2" {
            return Err(StartError(
                "io_uring is disabled on this host (sysctl kernel.io_uring_disabled=2). Tessera needs \
                 io_uring: set `sysctl -w kernel.io_uring_disabled=0` (or 1 and run Tessera in the \
                 io_uring_group)."
                    .into(),
            ));
        }
    }
    #[repr(C)]
    #[derive(Default)]
    struct Params {
        sq_entries: u32,
        cq_entries: u32,
        flags: u32,
        sq_thread_cpu: u32,
        sq_thread_idle: u32,
        features: u32,
        wq_fd: u32,
        resv: [u32; 3],
        sq_off: [u32; 10],
        cq_off: [u32; 10],
    }
    let mut p = Params::default();
    // SAFETY: io_uring_setup with a zeroed params struct of the kernel's
    // layout; the returned descriptor is closed right away.
    let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 8u32, &mut p as *mut Params) };
    if fd < 0 {
        let err = std::io::Error::last_os_error();
        let cause = match err.raw_os_error() {
            Some(libc::ENOSYS) => "the kernel does not support io_uring (Linux 5.8 or newer is needed)".to_string(),
            Some(libc::EPERM) | Some(libc::EACCES) => "io_uring_setup was refused (EPERM): a seccomp profile \
                 (Docker's default, Kubernetes RuntimeDefault) or kernel.io_uring_disabled blocks it; allow the \
                 io_uring_setup, io_uring_enter and io_uring_register syscalls (e.g. a custom seccomp profile) \
                 or set `sysctl kernel.io_uring_disabled=0`"
                .to_string(),
            Some(libc::ENOMEM) => "io_uring_setup failed with ENOMEM: the locked-memory limit is too low; \
                 raise it (`ulimit -l 65536`, LimitMEMLOCK= in systemd, or the container's memlock ulimit)"
                .to_string(),
            _ => format!("io_uring_setup failed: {err}"),
        };
        return Err(StartError(format!("Tessera cannot start: {cause}.")));
    }
    // SAFETY: closing the descriptor we just opened.
    unsafe {
        libc::close(fd as i32);
    }
    Ok(())
}

/// How long an idle executor spins before parking in the kernel. Parking
/// costs a membarrier and an eventfd wake-up for the next cross-shard
/// message, but spinning burns CPU that a co-located process (or the other
/// shard) could use; measured on 2 cores with the load generator on the same
/// box, not spinning was as fast and cheaper, so the default is 0.
/// `TESSERA_SPIN_US` sets it in microseconds for experiments.
fn spin_before_park() -> Duration {
    let us = std::env::var("TESSERA_SPIN_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_micros(us)
}
