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
