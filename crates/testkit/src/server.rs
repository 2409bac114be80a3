//! Spawns a real server process (tessera-server or Debian's redis-server) on a free loopback port with a private temp dir, and reaps it; it never uses fixed ports or fixed sleeps.
//!
//! Start-up waits on a condition with a deadline: the log must say "Ready to accept
//! connections" and a PING on a fresh connection must answer PONG. Both stdout and stderr
//! go to `server.log` inside the temp dir (a file, not a pipe, so a chatty server can never
//! block on a full pipe), and the log's tail is printed when a test panics.
//!
//! Ports come from asking the kernel for a free one and releasing it; another test may grab
//! the same port before the server binds it, so a start that fails with "address in use"
//! is retried on a new port.

use crate::{wait_until, Conn, Reply};
use std::fs::{self, File};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// The line both servers log once they listen.
const READY_LINE: &str = "Ready to accept connections";

/// How many times a start is retried after losing a port race.
const PORT_ATTEMPTS: usize = 5;

/// Which program a `Server` runs; they take different flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    /// tessera-server, which understands `--shards`.
    Tessera,
    /// Redis, the behavioural reference.
    Redis,
}

/// What to start and how.
#[derive(Clone, Debug)]
pub struct ServerOpts {
    /// Which flag dialect `bin` speaks.
    pub kind: ServerKind,
    /// The executable.
    pub bin: PathBuf,
    /// Shards for Tessera; ignored for Redis.
    pub shards: usize,
    /// Extra command-line arguments, appended after the standard ones so they win.
    pub args: Vec<String>,
    /// How long start-up may take before it is a failure.
    pub startup_timeout: Duration,
}

impl ServerOpts {
    /// Tessera at `bin`, unless the `TESSERA_BIN` environment variable names another binary.
    /// Tests pass `env!("CARGO_BIN_EXE_tessera-server")`.
    pub fn tessera(bin: impl Into<PathBuf>) -> ServerOpts {
        let bin = std::env::var_os("TESSERA_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| bin.into());
        ServerOpts {
            kind: ServerKind::Tessera,
            bin,
            shards: 1,
            args: Vec::new(),
            startup_timeout: Duration::from_secs(30),
        }
    }

    /// Redis from `REDIS_SERVER` or `redis-server` on PATH.
    pub fn redis() -> ServerOpts {
        let bin = std::env::var_os("REDIS_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("redis-server"));
        ServerOpts {
            kind: ServerKind::Redis,
            bin,
            shards: 1,
            args: Vec::new(),
            startup_timeout: Duration::from_secs(30),
        }
    }

    /// Tessera at `bin`, or Redis when `TESSERA_TEST_SERVER=redis`: the switch that lets the
    /// integration suite validate itself against the reference implementation.
    pub fn from_env(bin: impl Into<PathBuf>) -> ServerOpts {
        match std::env::var("TESSERA_TEST_SERVER").as_deref() {
            Ok("redis") => ServerOpts::redis(),
            _ => ServerOpts::tessera(bin),
        }
    }

    /// Sets the shard count (Tessera only).
    pub fn shards(mut self, n: usize) -> ServerOpts {
        self.shards = n;
        self
    }

    /// Appends one extra argument.
    pub fn arg(mut self, a: impl Into<String>) -> ServerOpts {
        self.args.push(a.into());
        self
    }

    fn command(&self, port: u16, dir: &Path) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(dir);
        if self.kind == ServerKind::Tessera {
            cmd.arg("--shards").arg(self.shards.to_string());
        }
        cmd.arg("--save").arg("").arg("--appendonly").arg("no");
        if self.kind == ServerKind::Redis {
            // Logging to stdout is the default, but a system-wide setting must not divert it.
            cmd.arg("--daemonize").arg("no").arg("--logfile").arg("");
        }
        cmd.args(&self.args);
        cmd
    }
}

/// Asks the kernel for a currently free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// A running server process, killed when dropped.
pub struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    opts: ServerOpts,
    exit: Option<ExitStatus>,
}

/// Shorthand for starting the reference server.
pub struct RedisServer;

impl RedisServer {
    /// Starts Debian's redis-server (`--save '' --appendonly no`) on a free port, or panics.
    pub fn start() -> Server {
        Server::start(ServerOpts::redis())
    }
}

impl Server {
    /// Starts the server described by `opts`, or panics with its log.
    pub fn start(opts: ServerOpts) -> Server {
        match Server::try_start(opts) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    /// Starts the server described by `opts`, retrying on a new port if it lost the port.
    pub fn try_start(opts: ServerOpts) -> io::Result<Server> {
        let mut last = None;
        for _ in 0..PORT_ATTEMPTS {
            match Server::start_once(&opts) {
                Ok(s) => return Ok(s),
                Err((e, retry)) => {
                    if !retry {
                        return Err(e);
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }

    /// One start attempt; the flag says whether a port race may explain the failure.
    fn start_once(opts: &ServerOpts) -> Result<Server, (io::Error, bool)> {
        let dir = tempfile::Builder::new()
            .prefix("tessera-test-")
            .tempdir()
            .map_err(|e| (e, false))?;
        let port = free_port();
        let log = File::create(dir.path().join("server.log")).map_err(|e| (e, false))?;
        let log2 = log.try_clone().map_err(|e| (e, false))?;
        let mut cmd = opts.command(port, dir.path());
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        // SAFETY: the closure runs in the forked child before exec and only makes one
        // async-signal-safe system call. It asks the kernel to kill the server if the
        // spawning thread dies, so a test runner killed by a timeout leaves no orphans.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| {
            (
                io::Error::new(e.kind(), format!("cannot run {}: {e}", opts.bin.display())),
                false,
            )
        })?;
        let mut server = Server {
            child,
            port,
            dir,
            opts: opts.clone(),
            exit: None,
        };
        let mut exited = false;
        let ready = wait_until(opts.startup_timeout, || {
            if server.poll_exit().is_some() {
                exited = true;
                return true;
            }
            server.log().contains(READY_LINE) && server.answers_ping()
        });
        if ready && !exited {
            return Ok(server);
        }
        let log = server.log();
        let retry = exited && log.to_ascii_lowercase().contains("address already in use");
        let why = if exited {
            format!("exited with {:?}", server.exit)
        } else {
            format!("was not ready within {:?}", opts.startup_timeout)
        };
        let msg = format!(
            "{} ({:?}, {} shard(s), port {port}) {why}; log:\n{}",
            opts.bin.display(),
            opts.kind,
            opts.shards,
            tail(&log, 60)
        );
        Err((io::Error::other(msg), retry))
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut c) = Conn::connect(self.addr()) else {
            return false;
        };
        c.set_timeout(Duration::from_secs(2));
        matches!(c.try_cmd(&["PING"]), Ok(Reply::Simple(s)) if s == "PONG")
    }

    /// The loopback address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `redis://` URL for the `redis` crate.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's private working directory (`--dir`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The options it was started with.
    pub fn opts(&self) -> &ServerOpts {
        &self.opts
    }

    /// Which server this is.
    pub fn kind(&self) -> ServerKind {
        self.opts.kind
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Opens a new client connection, or panics.
    pub fn conn(&self) -> Conn {
        Conn::connect(self.addr())
            .unwrap_or_else(|e| panic!("connect to {} failed: {e}", self.addr()))
    }

    /// Everything the server has written to stdout and stderr so far.
    pub fn log(&self) -> String {
        fs::read(self.dir.path().join("server.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The exit status if the process has exited, without blocking.
    pub fn poll_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.poll_exit().is_none()
    }

    /// Sends `sig` (a `libc::SIG*` number) to the process.
    pub fn signal(&mut self, sig: i32) {
        if self.is_running() {
            // SAFETY: kill(2) with the pid of a child we have not reaped yet, so the pid
            // cannot have been reused by another process.
            let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
            assert_eq!(rc, 0, "kill({}, {sig}) failed", self.child.id());
        }
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_until(timeout, || self.poll_exit().is_some());
        self.exit
    }

    /// Sends SIGTERM and waits for the exit status, or panics with the log after `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        self.signal(libc::SIGTERM);
        match self.wait_exit(timeout) {
            Some(s) => s,
            None => panic!(
                "server did not exit within {timeout:?} of SIGTERM; log:\n{}",
                tail(&self.log(), 60)
            ),
        }
    }

    /// Kills the process (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
            self.exit = self.child.wait().ok();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let crashed = self
            .poll_exit()
            .map(|s| s.signal().is_some() || !s.success())
            .unwrap_or(false);
        self.kill();
        // A failing test or a server that died on its own is explained by the server's
        // own words; print them while the temp dir still exists.
        if std::thread::panicking() || crashed {
            eprintln!(
                "---- {} (port {}, exit {:?}) log tail ----\n{}\n---- end of log ----",
                self.opts.bin.display(),
                self.port,
                self.exit,
                tail(&self.log(), 40)
            );
        }
    }
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_starts_answers_and_terminates() {
        let mut s = RedisServer::start();
        let mut c = s.conn();
        assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("v"));
        assert!(s.log().contains(READY_LINE));
        let status = s.terminate(Duration::from_secs(10));
        assert!(status.success(), "{status:?}");
        assert!(c.wait_closed());
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let mut o = ServerOpts::tessera("/nonexistent/tessera-server");
        o.bin = PathBuf::from("/nonexistent/tessera-server");
        let e = Server::try_start(o).err().expect("must fail");
        assert!(e.to_string().contains("cannot run"), "{e}");
    }

    #[test]
    fn early_exit_reports_log() {
        // `false` exits at once with status 1, like a server that rejects its flags.
        let mut o = ServerOpts::redis();
        o.bin = PathBuf::from("false");
        let e = Server::try_start(o).err().expect("must fail");
        assert!(e.to_string().contains("exited"), "{e}");
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
