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
