//! Protocol negotiation with HELLO: RESP3 reply shapes after `HELLO 3`, and back to RESP2; it does not test individual RESP3-typed commands in depth.

use tessera_testkit::Reply;

/// Looks up `key` in a HELLO reply, which is a map in RESP3 and a flat array in RESP2.
fn hello_field(r: &Reply, key: &str) -> Option<Reply> {
    match r {
        Reply::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(key.as_bytes()))
            .map(|(_, v)| v.clone()),
        Reply::Array(items) => items
            .chunks(2)
            .find(|kv| kv[0].as_bytes() == Some(key.as_bytes()))
            .and_then(|kv| kv.get(1).cloned()),
        _ => None,
    }
}

sharded! {
    fn hello_switches_protocol(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["GET", "missing"]).to_resp_string(), "$-1\r\n");

        let r = c.cmd(&["HELLO", "3"]);
        assert!(matches!(r, Reply::Map(_)), "HELLO 3 must answer a map, got {r}");
        assert_eq!(hello_field(&r, "proto"), Some(Reply::Int(3)), "{r}");
        assert!(hello_field(&r, "server").is_some(), "{r}");
        assert!(hello_field(&r, "version").is_some(), "{r}");

        // RESP3 has a null of its own.
        assert_eq!(c.cmd(&["GET", "missing"]).to_resp_string(), "_\r\n");
        assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::ok());
        assert_eq!(c.cmd(&["MGET", "k", "missing"]).to_resp_string(), "*2\r\n$1\r\nv\r\n_\r\n");

        // Unsupported versions are refused and change nothing.
        assert_eq!(
            c.cmd(&["HELLO", "4"]).to_resp_string(),
            "-NOPROTO unsupported protocol version\r\n"
        );
        assert_eq!(c.cmd(&["GET", "missing"]), Reply::Null);

        let r = c.cmd(&["HELLO", "2"]);
        assert!(matches!(r, Reply::Array(_)), "HELLO 2 must answer an array, got {r}");
        assert_eq!(hello_field(&r, "proto"), Some(Reply::Int(2)), "{r}");
        assert_eq!(c.cmd(&["GET", "missing"]), Reply::Nil);

        // The protocol belongs to the connection.
        let mut d = srv.conn();
        assert_eq!(c.cmd(&["HELLO", "3"]).as_array(), None);
        assert_eq!(d.cmd(&["GET", "missing"]), Reply::Nil);
    }
}
