//! Pub/sub, keyspace notifications and MONITOR over real connections: with 4 shards the
//! connections land on different shards, so every delivery here crosses the mesh; it
//! does not test transactions or blocking commands.

use std::time::Duration;
use tessera_testkit::{wait_until, Conn, Reply};

fn bulk(s: &str) -> Reply {
    Reply::bulk(s)
}

/// A RESP2 `message` frame.
fn message(channel: &str, msg: &str) -> Reply {
    Reply::Array(vec![bulk("message"), bulk(channel), bulk(msg)])
}

/// A RESP2 `pmessage` frame.
fn pmessage(pattern: &str, channel: &str, msg: &str) -> Reply {
    Reply::Array(vec![
        bulk("pmessage"),
        bulk(pattern),
        bulk(channel),
        bulk(msg),
    ])
}

/// A (un)subscribe confirmation in RESP2.
fn confirm(word: &str, name: &str, count: i64) -> Reply {
    Reply::Array(vec![bulk(word), bulk(name), Reply::Int(count)])
}

/// The next reply on a subscribed connection that is not a message push.
fn skip_messages(c: &mut Conn) -> Reply {
    loop {
        let r = c.read_reply();
        let is_message = match &r {
            Reply::Array(items) => ["message", "pmessage", "smessage"]
                .iter()
                .any(|w| items.first() == Some(&bulk(w))),
            _ => false,
        };
        if !is_message {
            return r;
        }
    }
}

/// Opens `n` connections; with several shards they spread over them.
fn conns(srv: &tessera_testkit::Server, n: usize) -> Vec<Conn> {
    (0..n).map(|_| srv.conn()).collect()
}

sharded! {
    fn publishers_on_every_shard_reach_one_subscriber(srv) {
        let mut sub = srv.conn();
        assert_eq!(sub.cmd(&["SUBSCRIBE", "news"]), confirm("subscribe", "news", 1));
        let mut pubs = conns(srv, 8);
        for (i, p) in pubs.iter_mut().enumerate() {
            assert_eq!(p.cmd(&["PUBLISH", "news", &format!("m{i}")]), Reply::Int(1));
            assert_eq!(p.cmd(&["PUBLISH", "other", "x"]), Reply::Int(0));
        }
        let mut got: Vec<Reply> = (0..8).map(|_| sub.read_reply()).collect();
        got.sort();
        let mut want: Vec<Reply> = (0..8).map(|i| message("news", &format!("m{i}"))).collect();
        want.sort();
        assert_eq!(got, want);
    }
}

sharded! {
    fn patterns_and_channels_each_deliver(srv) {
        let mut both = srv.conn();
        assert_eq!(both.cmd(&["SUBSCRIBE", "news"]), confirm("subscribe", "news", 1));
        assert_eq!(both.cmd(&["PSUBSCRIBE", "n*"]), confirm("psubscribe", "n*", 2));
        let mut pat = srv.conn();
        pat.send_cmd(&["PSUBSCRIBE", "n?ws", "*s"]);
        assert_eq!(pat.read_reply(), confirm("psubscribe", "n?ws", 1));
        assert_eq!(pat.read_reply(), confirm("psubscribe", "*s", 2));

        let mut p = srv.conn();
        // `both`: channel and pattern; `pat`: two matching patterns.
        assert_eq!(p.cmd(&["PUBLISH", "news", "hi"]), Reply::Int(4));
        assert_eq!(both.read_reply(), message("news", "hi"));
        assert_eq!(both.read_reply(), pmessage("n*", "news", "hi"));
        let mut got = vec![pat.read_reply(), pat.read_reply()];
        got.sort();
        let mut want = vec![pmessage("n?ws", "news", "hi"), pmessage("*s", "news", "hi")];
        want.sort();
        assert_eq!(got, want);

        assert_eq!(p.cmd(&["PUBLISH", "nope", "x"]), Reply::Int(1));
        assert_eq!(both.read_reply(), pmessage("n*", "nope", "x"));
        assert_eq!(p.cmd(&["PUBLISH", "zzz", "x"]), Reply::Int(0));

        assert_eq!(p.cmd(&["PUBSUB", "NUMPAT"]), Reply::Int(3));
        assert_eq!(
            p.cmd(&["PUBSUB", "NUMSUB", "news", "nope"]),
            Reply::Array(vec![bulk("news"), Reply::Int(1), bulk("nope"), Reply::Int(0)])
        );
        assert_eq!(p.cmd(&["PUBSUB", "CHANNELS"]), Reply::bulks(&["news"]));
        assert_eq!(p.cmd(&["PUBSUB", "CHANNELS", "x*"]), Reply::Array(vec![]));
    }
}

sharded! {
    fn one_publisher_is_heard_in_order(srv) {
        let mut subs = conns(srv, 4);
        for s in &mut subs {
            assert_eq!(s.cmd(&["SUBSCRIBE", "seq"]), confirm("subscribe", "seq", 1));
        }
        let mut p = srv.conn();
        let n = 300;
        for i in 0..n {
            p.send_cmd(&["PUBLISH", "seq", &i.to_string()]);
        }
        for _ in 0..n {
            assert_eq!(p.read_reply(), Reply::Int(4));
        }
        for s in &mut subs {
            for i in 0..n {
                assert_eq!(s.read_reply(), message("seq", &i.to_string()));
            }
        }
    }
}

sharded! {
    // PUBLISH counts other shards' subscribers from counts each shard keeps
    // of the others' subscriptions: every change must be known to every
    // publisher by the time the client that made it has its reply.
    fn every_publisher_counts_subscriptions_as_they_change(srv) {
        let mut pubs = conns(srv, 8);
        let mut publish_everywhere = |want: i64, step: &str| {
            for (i, p) in pubs.iter_mut().enumerate() {
                assert_eq!(
                    p.cmd(&["PUBLISH", "chan", "m"]),
                    Reply::Int(want),
                    "{step}, publisher {i}"
                );
            }
        };
        let mut sub = srv.conn();
        assert_eq!(sub.cmd(&["SUBSCRIBE", "chan"]), confirm("subscribe", "chan", 1));
        assert_eq!(sub.cmd(&["PSUBSCRIBE", "ch*"]), confirm("psubscribe", "ch*", 2));
        let mut other = srv.conn();
        assert_eq!(other.cmd(&["PSUBSCRIBE", "c?an"]), confirm("psubscribe", "c?an", 1));
        publish_everywhere(3, "after the subscriptions");
        // Messages published so far come before each reply.
        sub.send_cmd(&["UNSUBSCRIBE", "chan"]);
        assert_eq!(skip_messages(&mut sub), confirm("unsubscribe", "chan", 1));
        publish_everywhere(2, "after UNSUBSCRIBE");
        sub.send_cmd(&["PUNSUBSCRIBE"]);
        assert_eq!(skip_messages(&mut sub), confirm("punsubscribe", "ch*", 0));
        publish_everywhere(1, "after PUNSUBSCRIBE");
        other.send_cmd(&["RESET"]);
        assert_eq!(skip_messages(&mut other), Reply::Simple("RESET".into()));
        publish_everywhere(0, "after RESET");
        assert_eq!(other.cmd(&["SSUBSCRIBE", "chan"]), confirm("ssubscribe", "chan", 1));
        publish_everywhere(0, "a shard channel is another namespace");
        for (i, p) in pubs.iter_mut().enumerate() {
            assert_eq!(p.cmd(&["SPUBLISH", "chan", "s"]), Reply::Int(1), "publisher {i}");
        }
        drop(other);
        let mut admin = srv.conn();
        let gone = wait_until(Duration::from_secs(10), || {
            admin.cmd(&["PUBSUB", "SHARDNUMSUB", "chan"])
                == Reply::Array(vec![bulk("chan"), Reply::Int(0)])
        });
        assert!(gone, "the closed subscriber is still listed");
        for (i, p) in pubs.iter_mut().enumerate() {
            assert_eq!(p.cmd(&["SPUBLISH", "chan", "s"]), Reply::Int(0), "publisher {i}");
        }
    }
}

sharded! {
    fn resp2_subscribers_may_only_subscribe_and_ping(srv) {
        let mut c = srv.conn();
        assert_eq!(
            c.cmd(&["UNSUBSCRIBE"]),
            Reply::Array(vec![bulk("unsubscribe"), Reply::Nil, Reply::Int(0)])
        );
        c.send_cmd(&["SUBSCRIBE", "a", "b", "a"]);
        assert_eq!(c.read_reply(), confirm("subscribe", "a", 1));
        assert_eq!(c.read_reply(), confirm("subscribe", "b", 2));
        assert_eq!(c.read_reply(), confirm("subscribe", "a", 2));
        assert_eq!(c.cmd(&["SSUBSCRIBE", "s"]), confirm("ssubscribe", "s", 1));
        assert_eq!(
            c.cmd(&["GET", "k"]),
            Reply::Error("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context".into())
        );
        assert_eq!(
            c.cmd(&["CLIENT", "INFO"]),
            Reply::Error("ERR Can't execute 'client|info': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context".into())
        );
        assert_eq!(c.cmd(&["PING"]), Reply::Array(vec![bulk("pong"), bulk("")]));
        assert_eq!(c.cmd(&["PING", "x"]), Reply::Array(vec![bulk("pong"), bulk("x")]));
        assert_eq!(c.cmd(&["PUNSUBSCRIBE", "zz"]), confirm("punsubscribe", "zz", 2));
        c.send_cmd(&["UNSUBSCRIBE"]);
        // Redis leaves the order unspecified: the names come in some order,
        // and the counts go down from 1 to 0 whatever it is.
        let (first, second) = (c.read_reply(), c.read_reply());
        let mut names = vec![first.as_array().unwrap()[1].clone(), second.as_array().unwrap()[1].clone()];
        names.sort();
        assert_eq!(names, vec![bulk("a"), bulk("b")]);
        assert_eq!(first.as_array().unwrap()[2], Reply::Int(1));
        assert_eq!(second.as_array().unwrap()[2], Reply::Int(0));
        // A shard channel still holds the client in pub/sub mode.
        assert!(c.cmd(&["GET", "k"]).is_error());
        assert_eq!(c.cmd(&["SUNSUBSCRIBE"]), confirm("sunsubscribe", "s", 0));
        assert_eq!(c.cmd(&["GET", "k"]), Reply::Nil);

        // RESET leaves every subscription.
        assert_eq!(c.cmd(&["PSUBSCRIBE", "p*"]), confirm("psubscribe", "p*", 1));
        assert_eq!(c.cmd(&["RESET"]), Reply::simple("RESET"));
        assert_eq!(c.cmd(&["GET", "k"]), Reply::Nil);
        assert_eq!(srv.conn().cmd(&["PUBLISH", "pp", "x"]), Reply::Int(0));
    }
}

sharded! {
    fn resp3_subscribers_get_pushes_and_keep_working(srv) {
        let mut c = srv.conn();
        c.cmd(&["HELLO", "3"]);
        assert_eq!(
            c.cmd(&["SUBSCRIBE", "ch"]),
            Reply::Push(vec![bulk("subscribe"), bulk("ch"), Reply::Int(1)])
        );
        assert_eq!(c.cmd(&["GET", "k"]), Reply::Null);
        assert_eq!(c.cmd(&["PING"]), Reply::simple("PONG"));
        // Its own message comes before the PUBLISH reply, as in Redis.
        c.send_cmd(&["PUBLISH", "ch", "me"]);
        assert_eq!(c.read_reply(), Reply::Push(vec![bulk("message"), bulk("ch"), bulk("me")]));
        assert_eq!(c.read_reply(), Reply::Int(1));
        assert_eq!(srv.conn().cmd(&["PUBLISH", "ch", "you"]), Reply::Int(1));
        assert_eq!(c.read_reply(), Reply::Push(vec![bulk("message"), bulk("ch"), bulk("you")]));
        assert_eq!(
            c.cmd(&["UNSUBSCRIBE"]),
            Reply::Push(vec![bulk("unsubscribe"), bulk("ch"), Reply::Int(0)])
        );
    }
}

sharded! {
    fn shard_channels_are_their_own_namespace(srv) {
        let mut s = srv.conn();
        assert_eq!(s.cmd(&["SSUBSCRIBE", "sc"]), confirm("ssubscribe", "sc", 1));
        let mut p = srv.conn();
        assert_eq!(p.cmd(&["PUBLISH", "sc", "x"]), Reply::Int(0));
        assert_eq!(p.cmd(&["SPUBLISH", "sc", "y"]), Reply::Int(1));
        assert_eq!(
            s.read_reply(),
            Reply::Array(vec![bulk("smessage"), bulk("sc"), bulk("y")])
        );
        assert_eq!(p.cmd(&["PUBSUB", "SHARDCHANNELS"]), Reply::bulks(&["sc"]));
        assert_eq!(
            p.cmd(&["PUBSUB", "SHARDNUMSUB", "sc"]),
            Reply::Array(vec![bulk("sc"), Reply::Int(1)])
        );
        assert_eq!(p.cmd(&["PUBSUB", "CHANNELS"]), Reply::Array(vec![]));
    }
}

sharded! {
    fn introspection_counts_the_whole_server(srv) {
        let mut a = srv.conn();
        let mut b = srv.conn();
        let a_id = a.cmd(&["CLIENT", "ID"]).as_int().unwrap();
        a.send_cmd(&["SUBSCRIBE", "x", "y"]);
        a.read_reply();
        a.read_reply();
        assert_eq!(a.cmd(&["PSUBSCRIBE", "p*"]), confirm("psubscribe", "p*", 3));
        assert_eq!(b.cmd(&["SUBSCRIBE", "x"]), confirm("subscribe", "x", 1));
        assert_eq!(b.cmd(&["SSUBSCRIBE", "s"]), confirm("ssubscribe", "s", 1));
        let mut c = srv.conn();
        let info = c.cmd(&["INFO", "stats"]);
        let text = String::from_utf8_lossy(info.as_bytes().unwrap()).into_owned();
        assert!(text.contains("pubsub_channels:2\r\n"), "{text}");
        assert!(text.contains("pubsub_patterns:1\r\n"), "{text}");
        assert!(text.contains("pubsubshard_channels:1\r\n"), "{text}");
        assert_eq!(
            c.cmd(&["PUBSUB", "NUMSUB", "x", "y"]),
            Reply::Array(vec![bulk("x"), Reply::Int(2), bulk("y"), Reply::Int(1)])
        );
        let list = c.cmd(&["CLIENT", "LIST", "ID", &a_id.to_string()]);
        let line = String::from_utf8_lossy(list.as_bytes().unwrap()).into_owned();
        assert!(line.contains(" flags=P "), "{line}");
        assert!(line.contains(" sub=2 psub=1 ssub=0 "), "{line}");
        let list = c.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]);
        let text = String::from_utf8_lossy(list.as_bytes().unwrap()).into_owned();
        assert_eq!(text.lines().count(), 2, "{text}");
    }
}

sharded! {
    fn a_subscriber_that_does_not_read_is_disconnected(srv) {
        let mut admin = srv.conn();
        assert_eq!(
            admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 60"]),
            Reply::ok()
        );
        let mut slow = srv.conn();
        let id = slow.cmd(&["CLIENT", "ID"]).as_int().unwrap().to_string();
        assert_eq!(slow.cmd(&["SUBSCRIBE", "flood"]), confirm("subscribe", "flood", 1));
        let big = "x".repeat(256 * 1024);
        let mut p = srv.conn();
        // Socket buffers absorb some megabytes before anything stays in the server.
        let gone = wait_until(Duration::from_secs(20), || {
            p.cmd(&["PUBLISH", "flood", &big]);
            let list = admin.cmd(&["CLIENT", "LIST", "ID", &id]);
            list.as_bytes().is_some_and(|b| b.is_empty())
        });
        assert!(gone, "the slow subscriber is still connected");
        // The others are unaffected.
        assert_eq!(p.cmd(&["PUBLISH", "flood", "x"]), Reply::Int(0));
    }
}

sharded! {
    // Once CLIENT LIST no longer shows a subscriber that was closed for its
    // output limit, PUBLISH no longer counts it. The limit marks the client
    // killed at once (so CLIENT LIST skips it) but its subscriptions stayed
    // until its own loop ran, which on another shard could be after a
    // PUBLISH that followed; several rounds make that race likely.
    fn publish_does_not_count_a_subscriber_killed_for_its_output_limit(srv) {
        let mut admin = srv.conn();
        assert_eq!(
            admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 60"]),
            Reply::ok()
        );
        let big = "x".repeat(256 * 1024);
        let mut p = srv.conn();
        for round in 0..10 {
            let mut slow = srv.conn();
            let id = slow.cmd(&["CLIENT", "ID"]).as_int().unwrap().to_string();
            assert_eq!(slow.cmd(&["SUBSCRIBE", "flood"]), confirm("subscribe", "flood", 1));
            let gone = wait_until(Duration::from_secs(20), || {
                p.cmd(&["PUBLISH", "flood", &big]);
                let list = admin.cmd(&["CLIENT", "LIST", "ID", &id]);
                list.as_bytes().is_some_and(|b| b.is_empty())
            });
            assert!(gone, "round {round}: the slow subscriber is still connected");
            assert_eq!(p.cmd(&["PUBLISH", "flood", "x"]), Reply::Int(0), "round {round}");
            assert_eq!(
                p.cmd(&["PUBSUB", "NUMSUB", "flood"]),
                Reply::Array(vec![bulk("flood"), Reply::Int(0)]),
                "round {round}"
            );
        }
    }
}

sharded! {
    fn keyspace_notifications_for_writes_and_expiry(srv) {
        let mut admin = srv.conn();
        assert_eq!(admin.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]), Reply::ok());
        let mut sub = srv.conn();
        assert_eq!(
            sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]),
            confirm("psubscribe", "__keyevent@0__:*", 1)
        );
        let mut space = srv.conn();
        assert_eq!(
            space.cmd(&["SUBSCRIBE", "__keyspace@0__:k1"]),
            confirm("subscribe", "__keyspace@0__:k1", 1)
        );
        let mut c = srv.conn();
        let ev = |event: &str, key: &str| {
            pmessage("__keyevent@0__:*", &format!("__keyevent@0__:{event}"), key)
        };
        c.cmd(&["SET", "k1", "v"]);
        assert_eq!(sub.read_reply(), ev("set", "k1"));
        assert_eq!(space.read_reply(), message("__keyspace@0__:k1", "set"));
        c.cmd(&["SET", "k2", "v", "EX", "100"]);
        assert_eq!(sub.read_reply(), ev("set", "k2"));
        assert_eq!(sub.read_reply(), ev("expire", "k2"));
        c.cmd(&["INCR", "n"]);
        assert_eq!(sub.read_reply(), ev("incrby", "n"));
        c.cmd(&["DEL", "k1"]);
        assert_eq!(sub.read_reply(), ev("del", "k1"));
        assert_eq!(space.read_reply(), message("__keyspace@0__:k1", "del"));
        // Nothing is raised for a command that changed nothing.
        c.cmd(&["DEL", "k1"]);
        c.cmd(&["SET", "k3", "v", "PX", "50"]);
        assert_eq!(sub.read_reply(), ev("set", "k3"));
        assert_eq!(sub.read_reply(), ev("expire", "k3"));
        // Active expiry finds k3 without any command touching it.
        sub.set_timeout(Duration::from_secs(10));
        assert_eq!(sub.read_reply(), ev("expired", "k3"));

        // Turning notifications off stops them.
        assert_eq!(admin.cmd(&["CONFIG", "SET", "notify-keyspace-events", ""]), Reply::ok());
        c.cmd(&["SET", "k4", "v"]);
        assert_eq!(c.cmd(&["PUBLISH", "__keyevent@0__:marker", "m"]), Reply::Int(1));
        assert_eq!(sub.read_reply(), ev("marker", "m"));
    }
}

sharded! {
    fn monitor_streams_every_shards_commands(srv) {
        let mut m = srv.conn();
        assert_eq!(m.cmd(&["MONITOR"]), Reply::ok());
        let mut clients = conns(srv, 4);
        for (i, c) in clients.iter_mut().enumerate() {
            c.cmd(&["SET", &format!("key{i}"), "a \"q\"\n"]);
            // Admin commands are not shown.
            c.cmd(&["CONFIG", "GET", "port"]);
            c.cmd(&["AUTH", "secret"]);
        }
        let mut lines = Vec::new();
        for _ in 0..8 {
            match m.read_reply() {
                Reply::Simple(s) => lines.push(s),
                other => panic!("monitor sent {other}"),
            }
        }
        for i in 0..4 {
            let want = format!("\"SET\" \"key{i}\" \"a \\\"q\\\"\\n\"");
            assert!(lines.iter().any(|l| l.ends_with(&want)), "{want} not in {lines:?}");
        }
        assert_eq!(lines.iter().filter(|l| l.ends_with("\"AUTH\" \"(redacted)\"")).count(), 4);
        for l in &lines {
            // `<secs>.<micros> [<db> <addr>] ...`
            let (time, rest) = l.split_once(' ').unwrap();
            let (secs, micros) = time.split_once('.').unwrap();
            assert!(secs.parse::<u64>().is_ok() && micros.len() == 6, "{l}");
            assert!(rest.starts_with("[0 127.0.0.1:"), "{l}");
        }
        // A monitor may not touch keys, and a second MONITOR is ignored.
        assert_eq!(
            m.cmd(&["GET", "k"]),
            Reply::Error("ERR Replica can't interact with the keyspace".into())
        );
        m.send_cmd(&["MONITOR"]);
        assert_eq!(m.cmd(&["RESET"]), Reply::simple("RESET"));
        clients[0].cmd(&["SET", "after", "1"]);
        assert_eq!(m.cmd(&["PING"]), Reply::simple("PONG"));
    }
}
