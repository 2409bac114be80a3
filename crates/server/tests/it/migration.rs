//! Connections that follow their keys: a client whose commands keep going to one other
//! shard moves to that shard, and nothing it can observe changes (id, name, database,
//! protocol, replies, half-sent commands). With one shard, and against Redis, nothing moves.

use tessera_testkit::{Conn, Reply, Server, ServerKind};

/// Keys spread over several shards whatever their number (the shard hash is fixed), so a
/// connection that works on each in turn meets keys of another shard than its own.
const KEYS: [&str; 12] = [
    "mig:a", "mig:b", "mig:c", "mig:d", "mig:e", "mig:f", "mig:g", "mig:h", "mig:i", "mig:j",
    "mig:k", "mig:l",
];

/// Batches spent on each key: more than the move threshold even after a few moves.
const BATCHES_PER_KEY: i64 = 150;

fn migrated(srv: &Server) -> Option<i64> {
    if srv.kind() == ServerKind::Redis {
        return None;
    }
    let text = srv
        .conn()
        .cmd(&["INFO", "stats"])
        .as_string()
        .expect("INFO text");
    text.lines()
        .find_map(|l| l.strip_prefix("migrated_connections:"))
        .map(|v| v.trim().parse().expect("a count"))
}

/// Works on every key in turn, one command per read, checking every reply.
fn hammer(c: &mut Conn) {
    for key in KEYS {
        for i in 1..=BATCHES_PER_KEY {
            assert_eq!(c.cmd(&["INCR", key]), Reply::Int(i), "INCR {key}");
        }
    }
}

sharded! {
    fn a_moving_connection_keeps_its_identity_and_state(srv) {
        let before = migrated(srv);
        let mut c = srv.conn();
        let id = c.cmd(&["CLIENT", "ID"]).as_int().expect("id");
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", "mover"]), Reply::ok());
        assert_eq!(c.cmd(&["SELECT", "3"]), Reply::ok());
        assert_eq!(c.cmd(&["SET", "in-db-3", "yes"]), Reply::ok());
        hammer(&mut c);
        if let (Some(before), Some(after)) = (before, migrated(srv)) {
            let shards = srv.opts().shards;
            if shards > 1 {
                assert!(after > before, "the connection should have moved at least once");
            } else {
                assert_eq!(after, before, "one shard: nowhere to move");
            }
        }
        assert_eq!(c.cmd(&["CLIENT", "ID"]), Reply::Int(id));
        assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::bulk("mover"));
        assert_eq!(c.cmd(&["GET", "in-db-3"]), Reply::bulk("yes"));
        // The database and the counters are the same from another connection.
        let mut other = srv.conn();
        assert_eq!(other.cmd(&["SELECT", "3"]), Reply::ok());
        for key in KEYS {
            assert_eq!(other.cmd(&["GET", key]), Reply::bulk(BATCHES_PER_KEY.to_string()));
        }
        // CLIENT LIST still shows it once, with its name and database.
        let list = other.cmd(&["CLIENT", "LIST"]).as_string().expect("list");
        let mine: Vec<&str> = list.lines().filter(|l| l.contains(&format!("id={id} "))).collect();
        assert_eq!(mine.len(), 1, "{list}");
        assert!(mine[0].contains("name=mover") && mine[0].contains(" db=3 "), "{}", mine[0]);
    }
}

sharded! {
    fn half_sent_commands_survive_a_move(srv) {
        let mut c = srv.conn();
        let incr = Conn::encode(&["INCR", "mig:half"]);
        let (head, tail) = incr.split_at(incr.len() / 2);
        let mut expected = 0;
        for key in KEYS {
            for _ in 0..BATCHES_PER_KEY / 2 {
                // One whole command plus half of the next, then the rest: the half
                // may travel with the connection to another shard.
                let mut first = Conn::encode(&["INCR", key]);
                first.extend_from_slice(head);
                c.send_raw(&first);
                assert!(c.read_reply().as_int().is_some());
                c.send_raw(tail);
                expected += 1;
                assert_eq!(c.read_reply(), Reply::Int(expected));
            }
        }
    }
}

sharded! {
    fn resp3_and_auth_state_move_along(srv) {
        let mut admin = srv.conn();
        assert_eq!(admin.cmd(&["CONFIG", "SET", "requirepass", "s3cret"]), Reply::ok());
        let mut c = srv.conn();
        let hello = c.cmd(&["HELLO", "3", "AUTH", "default", "s3cret"]);
        assert!(!hello.is_error(), "{hello:?}");
        hammer(&mut c);
        // Still RESP3 (a map) and still authenticated.
        let reply = c.cmd(&["HGETALL", "mig:nohash"]);
        assert_eq!(reply, Reply::Map(vec![]));
        assert_eq!(c.cmd(&["GET", "mig:a"]), Reply::bulk(BATCHES_PER_KEY.to_string()));
        assert_eq!(admin.cmd(&["AUTH", "s3cret"]), Reply::ok());
        assert_eq!(admin.cmd(&["CONFIG", "SET", "requirepass", ""]), Reply::ok());
    }
}

sharded! {
    fn watched_and_subscribed_connections_stay_put(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["WATCH", "mig:watched"]), Reply::ok());
        hammer(&mut c);
        // The watch still works after all that traffic.
        let mut other = srv.conn();
        assert_eq!(other.cmd(&["SET", "mig:watched", "changed"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "mig:watched"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["EXEC"]), Reply::NilArray);
    }
}

#[test]
fn turning_migration_off_keeps_connections_in_place() {
    let mut srv = crate::start(4);
    if srv.kind() == ServerKind::Redis {
        return;
    }
    let mut admin = srv.conn();
    assert_eq!(
        admin.cmd(&["CONFIG", "SET", "migrate-connections", "no"]),
        Reply::ok()
    );
    assert_eq!(
        admin.cmd(&["CONFIG", "GET", "migrate-connections"]),
        Reply::bulks(&["migrate-connections", "no"])
    );
    let before = migrated(&srv);
    let mut c = srv.conn();
    hammer(&mut c);
    assert_eq!(migrated(&srv), before);
    let _ = &mut srv;
}
