//! Blocking pops over TCP: wake-ups across shards, Redis's FIFO rule,
//! exactly-once delivery, timeouts, CLIENT UNBLOCK, disconnects, and pushes
//! inside MULTI/EXEC.

use std::collections::HashMap;
use std::time::Duration;
use tessera_testkit::{wait_until, Conn, Reply, Server};

/// Waits until INFO reports `n` blocked clients.
fn wait_blocked(srv: &Server, n: i64) {
    let mut c = srv.conn();
    let ok = wait_until(Duration::from_secs(10), || {
        let info = c.cmd(&["INFO", "clients"]).as_string().unwrap_or_default();
        info.lines().any(|l| l == format!("blocked_clients:{n}"))
    });
    assert!(ok, "blocked_clients never reached {n}");
}

sharded! {
    fn a_push_wakes_a_client_blocked_on_another_key(srv) {
        let mut waiter = srv.conn();
        waiter.send_cmd(&["BLPOP", "bl:a", "bl:b", "bl:c", "0"]);
        wait_blocked(srv, 1);
        let mut pusher = srv.conn();
        assert_eq!(pusher.cmd(&["RPUSH", "bl:c", "x"]), Reply::Int(1));
        assert_eq!(waiter.read_reply(), Reply::bulks(&["bl:c", "x"]));
        assert_eq!(pusher.cmd(&["EXISTS", "bl:c"]), Reply::Int(0));
        wait_blocked(srv, 0);
    }
}

sharded! {
    fn blocking_times_out_with_a_null_array(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["BLPOP", "none", "0.05"]).to_resp_string(), "*-1\r\n");
        assert_eq!(c.cmd(&["BRPOPLPUSH", "none", "dst", "0.05"]).to_resp_string(), "*-1\r\n");
        assert_eq!(
            c.cmd(&["BLPOP", "none", "-1"]).error_text().as_deref(),
            Some("ERR timeout is negative")
        );
        assert_eq!(
            c.cmd(&["BLPOP", "none", "abc"]).error_text().as_deref(),
            Some("ERR timeout is not a float or out of range")
        );
    }
}

sharded! {
    fn inside_multi_a_blocking_pop_does_not_block(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert_eq!(c.cmd(&["BLPOP", "empty", "0"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["EXEC"]).to_resp_string(), "*2\r\n*-1\r\n$-1\r\n");
    }
}

sharded! {
    fn waiters_are_served_first_come_first_served(srv) {
        let mut waiters: Vec<Conn> = Vec::new();
        for i in 0..3 {
            let mut w = srv.conn();
            w.send_cmd(&["BRPOP", "fifo", "0"]);
            wait_blocked(srv, i + 1);
            waiters.push(w);
        }
        let mut p = srv.conn();
        assert_eq!(p.cmd(&["LPUSH", "fifo", "1", "2", "3"]), Reply::Int(3));
        // BRPOP takes from the tail: the oldest waiter gets "1".
        for (w, want) in waiters.iter_mut().zip(["1", "2", "3"]) {
            assert_eq!(w.read_reply(), Reply::bulks(&["fifo", want]));
        }
    }
}

sharded! {
    fn every_pushed_element_is_delivered_exactly_once(srv) {
        const WAITERS: usize = 12;
        const KEYS: usize = 6;
        let keys: Vec<String> = (0..KEYS).map(|i| format!("once:{i}")).collect();
        let mut waiters: Vec<Conn> = Vec::new();
        for _ in 0..WAITERS {
            let mut w = srv.conn();
            let mut args = vec!["BLPOP".to_string()];
            args.extend(keys.iter().cloned());
            args.push("0".into());
            w.send_cmd(&args);
            waiters.push(w);
        }
        wait_blocked(srv, WAITERS as i64);
        let mut p = srv.conn();
        for i in 0..WAITERS {
            let k = &keys[i % KEYS];
            assert!(p.cmd(&["RPUSH", k, &format!("e{i}")]).as_int().is_some());
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for w in &mut waiters {
            let r = w.read_reply();
            let items = r.as_array().expect("BLPOP reply").to_vec();
            *seen.entry(items[1].as_string().unwrap()).or_default() += 1;
        }
        assert_eq!(seen.len(), WAITERS, "{seen:?}");
        assert!(seen.values().all(|&n| n == 1));
        for k in &keys {
            assert_eq!(p.cmd(&["LLEN", k]), Reply::Int(0));
        }
    }
}

sharded! {
    fn client_unblock_ends_the_wait(srv) {
        let mut w = srv.conn();
        let id = w.cmd(&["CLIENT", "ID"]).as_int().unwrap().to_string();
        let mut admin = srv.conn();
        w.send_cmd(&["BLPOP", "ub", "0"]);
        wait_blocked(srv, 1);
        assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), Reply::Int(1));
        assert_eq!(w.read_reply().to_resp_string(), "*-1\r\n");
        w.send_cmd(&["BLPOP", "ub", "0"]);
        wait_blocked(srv, 1);
        assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), Reply::Int(1));
        assert_eq!(
            w.read_reply().error_text().as_deref(),
            Some("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        );
        assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), Reply::Int(0));
    }
}

sharded! {
    fn a_disconnected_waiter_leaves_nothing_behind(srv) {
        {
            let mut w = srv.conn();
            w.send_cmd(&["BLPOP", "gone", "0"]);
            wait_blocked(srv, 1);
        }
        wait_blocked(srv, 0);
        let mut p = srv.conn();
        assert_eq!(p.cmd(&["RPUSH", "gone", "kept"]), Reply::Int(1));
        assert_eq!(p.cmd(&["LRANGE", "gone", "0", "-1"]), Reply::bulks(&["kept"]));
    }
}

sharded! {
    fn a_push_inside_exec_wakes_the_waiter_after_exec(srv) {
        let mut w = srv.conn();
        w.send_cmd(&["BLPOP", "txl", "0"]);
        wait_blocked(srv, 1);
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert_eq!(c.cmd(&["LPUSH", "txl", "a"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["LPUSH", "txl", "b"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["EXEC"]).to_resp_string(), "*2\r\n:1\r\n:2\r\n");
        // Served after EXEC: the head is then "b".
        assert_eq!(w.read_reply(), Reply::bulks(&["txl", "b"]));
        assert_eq!(c.cmd(&["LRANGE", "txl", "0", "-1"]), Reply::bulks(&["a"]));
    }
}

sharded! {
    fn blmove_feeds_a_client_blocked_on_the_destination(srv) {
        let mut w1 = srv.conn();
        w1.send_cmd(&["BLPOP", "dst", "0"]);
        wait_blocked(srv, 1);
        let mut w2 = srv.conn();
        w2.send_cmd(&["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]);
        wait_blocked(srv, 2);
        let mut p = srv.conn();
        assert_eq!(p.cmd(&["RPUSH", "src", "v"]), Reply::Int(1));
        assert_eq!(w2.read_reply(), Reply::bulk("v"));
        assert_eq!(w1.read_reply(), Reply::bulks(&["dst", "v"]));
        assert_eq!(p.cmd(&["EXISTS", "src", "dst"]), Reply::Int(0));
    }
}
