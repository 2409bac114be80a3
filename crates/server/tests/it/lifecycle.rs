//! Process lifecycle: how the server starts and stops as a Unix process; nothing about commands.

use std::time::Duration;
use tessera_testkit::Reply;

sharded! {
    fn sigterm_exits_cleanly(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::ok());
        let status = srv.terminate(Duration::from_secs(20));
        assert!(status.success(), "SIGTERM must exit 0, got {status:?}\n{}", srv.log());
        assert!(c.wait_closed(), "connections close when the server exits");
    }
}

sharded! {
    // A shard used to stop serving its mesh as soon as its own clients were
    // gone, while another shard's client still waited on it (a transaction
    // or MSET spanning shards): that shard never finished, and the process
    // hung after SIGTERM.
    fn sigterm_during_transactions_across_shards_exits(srv) {
        use std::io::{Read, Write};
        let addr = srv.addr();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut pipeline = Vec::new();
        for _ in 0..16 {
            pipeline.extend_from_slice(
                b"MULTI\r\nINCR a\r\nINCR b\r\nINCR c\r\nEXEC\r\nMSET a 1 b 2 c 3 d 4\r\n",
            );
        }
        let clients: Vec<_> = (0..8)
            .map(|_| {
                let (stop, pipeline) = (stop.clone(), pipeline.clone());
                std::thread::spawn(move || {
                    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
                        return;
                    };
                    let mut buf = vec![0u8; 1 << 16];
                    // Writes and reads until the server closes the connection.
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        if s.write_all(&pipeline).is_err() {
                            return;
                        }
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                    }
                })
            })
            .collect();
        let mut c = srv.conn();
        let busy = tessera_testkit::wait_until(Duration::from_secs(20), || {
            let info = c.cmd(&["INFO", "stats"]);
            let text = String::from_utf8_lossy(info.as_bytes().unwrap_or_default()).into_owned();
            text.lines()
                .find_map(|l| l.strip_prefix("total_commands_processed:"))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .is_some_and(|n| n >= 20_000)
        });
        assert!(busy, "the clients did not get going");
        let status = srv.terminate(Duration::from_secs(20));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in clients {
            let _ = t.join();
        }
        assert!(status.success(), "SIGTERM must exit 0, got {status:?}\n{}", srv.log());
    }
}

/// Kubernetes restarts a server on the same port at once. The old server closed its
/// clients first, so their sockets sit in TIME_WAIT on that port; the new server must
/// bind anyway (SO_REUSEADDR), as Redis does.
#[test]
fn a_restart_binds_the_port_while_old_connections_are_in_time_wait() {
    let mut first = crate::start(2);
    if first.kind() == tessera_testkit::ServerKind::Redis {
        return;
    }
    let port = first.addr().port();
    let mut clients: Vec<_> = (0..4).map(|_| first.conn()).collect();
    for c in &mut clients {
        assert_eq!(c.cmd(&["PING"]), Reply::simple("PONG"));
    }
    let status = first.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    for c in &mut clients {
        assert!(c.wait_closed());
    }
    drop(clients);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut second = std::process::Command::new(&first.opts().bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--shards",
            "2",
        ])
        .args(["--save", "", "--appendonly", "no", "--dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the second server");
    let answered = tessera_testkit::wait_until(Duration::from_secs(20), || {
        if second.try_wait().ok().flatten().is_some() {
            return true;
        }
        tessera_testkit::Conn::connect(first.addr())
            .ok()
            .and_then(|mut c| c.try_cmd(&["PING"]).ok())
            .is_some_and(|r| r == Reply::simple("PONG"))
    });
    let exited = second.try_wait().ok().flatten();
    let _ = second.kill();
    let output = second.wait_with_output().expect("second server output");
    assert!(
        answered && exited.is_none(),
        "the second server did not come up on port {port}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
