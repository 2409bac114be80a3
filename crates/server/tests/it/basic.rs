//! Connection-level behaviour: PING/ECHO, plain strings, pipelining, inline commands, and how errors and malformed input are answered; no multi-shard semantics here.

use tessera_testkit::{Conn, Reply};

/// Reads `n` replies and renders them as one wire string, for exact comparisons.
fn read_wire(c: &mut Conn, n: usize) -> String {
    (0..n).map(|_| c.read_reply().to_resp_string()).collect()
}

sharded! {
    // PING took any number of arguments and echoed the first; Redis refuses
    // more than one (its arity is -1, checked in the command).
    fn ping_with_two_arguments_is_an_arity_error(srv) {
        let mut c = srv.conn();
        assert_eq!(
            c.cmd(&["PING", "a", "b"]).to_resp_string(),
            "-ERR wrong number of arguments for 'ping' command\r\n"
        );
        assert_eq!(c.cmd(&["PING", "a"]), Reply::bulk("a"));
    }
}

sharded! {
    fn ping_echo(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["PING"]).to_resp_string(), "+PONG\r\n");
        assert_eq!(c.cmd(&["ping", "hi there"]).to_resp_string(), "$8\r\nhi there\r\n");
        assert_eq!(c.cmd(&["ECHO", "a\r\nb"]).to_resp_string(), "$4\r\na\r\nb\r\n");
        assert_eq!(c.cmd(&["ECHO", ""]).to_resp_string(), "$0\r\n\r\n");
        assert_eq!(
            c.cmd(&["ECHO"]).to_resp_string(),
            "-ERR wrong number of arguments for 'echo' command\r\n"
        );
    }
}

sharded! {
    fn set_get_del(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["GET", "missing"]), Reply::Nil);
        assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("v"));
        assert_eq!(c.cmd(&["SET", "k", "v2"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("v2"));
        // Values and keys are binary-safe.
        let bin: &[u8] = b"\x00\r\n\xff end";
        assert_eq!(c.cmd(&[b"SET".as_slice(), bin, bin]), Reply::ok());
        assert_eq!(c.cmd(&[b"GET".as_slice(), bin]), Reply::bulk(bin));
        assert_eq!(c.cmd(&["DEL", "k"]), Reply::Int(1));
        assert_eq!(c.cmd(&["DEL", "k"]), Reply::Int(0));
        assert_eq!(c.cmd(&["GET", "k"]), Reply::Nil);
        // A second connection sees the same keyspace.
        let mut d = srv.conn();
        assert_eq!(d.cmd(&[b"GET".as_slice(), bin]), Reply::bulk(bin));
    }
}

sharded! {
    fn pipelining_keeps_order(srv) {
        let mut c = srv.conn();
        // 100 commands in one write: SET/GET pairs over keys spread across shards.
        let mut batch = Vec::new();
        let mut want = String::new();
        for i in 0..50 {
            let (k, v) = (format!("pipe:{i}"), format!("value-{i}"));
            batch.extend(tessera_testkit::Conn::encode(&["SET", &k, &v]));
            batch.extend(tessera_testkit::Conn::encode(&["GET", &k]));
            want.push_str("+OK\r\n");
            want.push_str(&format!("${}\r\n{v}\r\n", v.len()));
        }
        c.send_raw(&batch);
        assert_eq!(read_wire(&mut c, 100), want);

        // Counters make any reordering visible: the replies must count up.
        let mut batch = Vec::new();
        for i in 0..100 {
            let k = if i % 2 == 0 { "ctr:{a}" } else { "ctr:b" };
            batch.extend(tessera_testkit::Conn::encode(&["INCR", k]));
        }
        c.send_raw(&batch);
        let got: Vec<i64> = (0..100).map(|_| c.read_reply().as_int().expect("int")).collect();
        let want: Vec<i64> = (0..100).map(|i| i / 2 + 1).collect();
        assert_eq!(got, want);
    }
}

sharded! {
    fn inline_commands(srv) {
        let mut c = srv.conn();
        c.send_raw(b"SET a b\r\nGET a\r\nPING\r\n");
        assert_eq!(read_wire(&mut c, 3), "+OK\r\n$1\r\nb\r\n+PONG\r\n");
        // Inline and multibulk commands mix on one connection.
        c.send_raw(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\nEXISTS a nope\r\n");
        assert_eq!(read_wire(&mut c, 2), "$1\r\nb\r\n:1\r\n");
    }
}

sharded! {
    fn errors_keep_connection_usable(srv) {
        let mut c = srv.conn();
        assert_eq!(
            c.cmd(&["GET"]).to_resp_string(),
            "-ERR wrong number of arguments for 'get' command\r\n"
        );
        assert_eq!(
            c.cmd(&["SET", "k"]).to_resp_string(),
            "-ERR wrong number of arguments for 'set' command\r\n"
        );
        assert_eq!(
            c.cmd(&["NOSUCHCMD", "a", "b"]).to_resp_string(),
            "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' \r\n"
        );
        assert_eq!(c.cmd(&["SET", "n", "x"]), Reply::ok());
        assert_eq!(
            c.cmd(&["INCR", "n"]).to_resp_string(),
            "-ERR value is not an integer or out of range\r\n"
        );
        // Errors in the middle of a pipeline do not disturb the replies around them.
        c.send_raw(b"PING\r\nGET\r\nPING\r\n");
        assert_eq!(
            read_wire(&mut c, 3),
            "+PONG\r\n-ERR wrong number of arguments for 'get' command\r\n+PONG\r\n"
        );
        assert_eq!(c.cmd(&["GET", "n"]), Reply::bulk("x"));
    }
}

sharded! {
    fn malformed_protocol_closes_only_that_connection(srv) {
        let mut bystander = srv.conn();
        assert_eq!(bystander.cmd(&["SET", "k", "v"]), Reply::ok());

        let mut bad = srv.conn();
        bad.send_raw(b"*1\r\n$abc\r\n");
        let r = bad.read_reply();
        let text = r.error_text().unwrap_or_else(|| panic!("want an error, got {r}"));
        assert!(text.starts_with("ERR Protocol error: "), "{text}");
        assert!(bad.wait_closed(), "the server must close a connection after a protocol error");

        // A multibulk header that is not a number is refused the same way.
        let mut bad2 = srv.conn();
        bad2.send_raw(b"*x\r\n");
        let r = bad2.read_reply();
        assert!(
            r.error_text().is_some_and(|t| t.starts_with("ERR Protocol error: ")),
            "{r}"
        );
        assert!(bad2.wait_closed());

        assert_eq!(bystander.cmd(&["GET", "k"]), Reply::bulk("v"));
        assert_eq!(srv.conn().cmd(&["PING"]), Reply::simple("PONG"));
    }
}
