//! SORT and SORT_RO over TCP: BY and GET patterns whose keys live on any
//! shard, STORE to keys of other shards, SORT inside MULTI/EXEC and under
//! WATCH, and the consistency of a sort whose pattern keys are being
//! written concurrently.

use std::sync::atomic::{AtomicBool, Ordering};
use tessera_testkit::{Conn, Reply};

/// Element names: with 24 of them and as many weight and data keys, the
/// pattern keys land on every shard of a 4-shard server.
fn item(i: usize) -> String {
    format!("item{i}")
}

/// Loads a list `items` of 24 elements, weights that reverse their order
/// (`weight_itemN` = 100 - N), and hashes `data_itemN` with a `name` field
/// for the even ones only.
fn load(c: &mut Conn) {
    for i in 0..24 {
        assert_eq!(
            c.cmd(&["RPUSH", "items", &item(i)]),
            Reply::Int(i as i64 + 1)
        );
        let w = (100 - i).to_string();
        assert_eq!(
            c.cmd(&["SET", &format!("weight_{}", item(i)), &w]),
            Reply::ok()
        );
        if i % 2 == 0 {
            let name = format!("name{i}");
            let r = c.cmd(&["HSET", &format!("data_{}", item(i)), "name", &name]);
            assert_eq!(r, Reply::Int(1));
        }
    }
}

/// What SORT items BY weight_* GET # GET data_*->name replies, for the
/// elements at `positions` of the sorted order.
fn expected_by_weight(positions: std::ops::Range<usize>) -> Reply {
    let mut v = Vec::new();
    for p in positions {
        let i = 23 - p;
        v.push(Reply::bulk(item(i)));
        v.push(if i % 2 == 0 {
            Reply::bulk(format!("name{i}"))
        } else {
            Reply::Nil
        });
    }
    Reply::Array(v)
}

sharded! {
    fn by_and_get_patterns_read_keys_on_every_shard(srv) {
        let mut c = srv.conn();
        load(&mut c);
        let all = c.cmd(&["SORT", "items", "BY", "weight_*", "GET", "#", "GET", "data_*->name"]);
        assert_eq!(all, expected_by_weight(0..24));
        let ro = c.cmd(&["SORT_RO", "items", "BY", "weight_*", "GET", "#", "GET", "data_*->name"]);
        assert_eq!(ro, all);
        let window = c.cmd(&["SORT", "items", "BY", "weight_*", "LIMIT", "5", "3", "GET", "#", "GET", "data_*->name"]);
        assert_eq!(window, expected_by_weight(5..8));
        let desc = c.cmd(&["SORT", "items", "BY", "weight_*", "DESC", "LIMIT", "0", "2"]);
        assert_eq!(desc, Reply::bulks(&["item0", "item1"]));
        // ALPHA by a hash field: elements whose hash is missing sort first.
        let alpha = c.cmd(&["SORT", "items", "BY", "data_*->name", "ALPHA", "DESC", "LIMIT", "0", "3"]);
        assert_eq!(alpha, Reply::bulks(&["item8", "item6", "item4"]));
        // GET alone, with the natural order of the elements.
        let names = c.cmd(&["SORT", "items", "BY", "nosort", "LIMIT", "0", "3", "GET", "weight_*"]);
        assert_eq!(names, Reply::bulks(&["100", "99", "98"]));
        // A weight that is not a number fails the whole sort.
        assert_eq!(c.cmd(&["SET", "weight_item7", "heavy"]), Reply::ok());
        let bad = c.cmd(&["SORT", "items", "BY", "weight_*"]);
        assert_eq!(bad.error_text().as_deref(), Some("ERR One or more scores can't be converted into double"));
        let bad_ro = c.cmd(&["SORT_RO", "items", "BY", "weight_*"]);
        assert_eq!(bad_ro, bad);
        // Errors and missing keys, as on one shard.
        assert_eq!(c.cmd(&["SORT", "nosuchkey", "BY", "weight_*", "GET", "#"]), Reply::Array(vec![]));
        assert_eq!(c.cmd(&["SET", "str", "x"]), Reply::ok());
        assert!(c.cmd(&["SORT", "str", "BY", "weight_*"]).error_text().unwrap().starts_with("WRONGTYPE"));
        assert_eq!(c.cmd(&["SORT", "items", "BY", "weight_*", "BOGUS"]).error_text().as_deref(), Some("ERR syntax error"));
        assert_eq!(c.cmd(&["SORT_RO", "items", "GET", "#", "STORE", "d"]).error_text().as_deref(), Some("ERR syntax error"));
    }
}

sharded! {
    fn store_writes_destinations_on_other_shards(srv) {
        let mut c = srv.conn();
        load(&mut c);
        // Eight destinations: some are on another shard than the source.
        for d in 0..8 {
            let dst = format!("dst{d}");
            assert_eq!(c.cmd(&["SET", &dst, "old"]), Reply::ok());
            assert_eq!(c.cmd(&["EXPIRE", &dst, "1000"]), Reply::Int(1));
            let n = c.cmd(&["SORT", "items", "BY", "weight_*", "LIMIT", "0", "4", "GET", "#", "GET", "data_*->name", "STORE", &dst]);
            assert_eq!(n, Reply::Int(8), "{dst}");
            // Missing GET values are stored as empty strings; the TTL is gone.
            let stored = c.cmd(&["LRANGE", &dst, "0", "-1"]);
            assert_eq!(stored, Reply::bulks(&["item23", "", "item22", "name22", "item21", "", "item20", "name20"]), "{dst}");
            assert_eq!(c.cmd(&["TTL", &dst]), Reply::Int(-1), "{dst}");
            // Without patterns, across shards as well.
            assert_eq!(c.cmd(&["SORT", "items", "ALPHA", "LIMIT", "0", "2", "STORE", &dst]), Reply::Int(2));
            assert_eq!(c.cmd(&["LRANGE", &dst, "0", "-1"]), Reply::bulks(&["item0", "item1"]));
            // An empty result deletes the destination.
            assert_eq!(c.cmd(&["SORT", "nosuchkey", "BY", "weight_*", "STORE", &dst]), Reply::Int(0));
            assert_eq!(c.cmd(&["EXISTS", &dst]), Reply::Int(0));
        }
        // The last STORE wins; a sorted set keeps its order with BY nosort.
        for i in 0..6 {
            let r = c.cmd(&["ZADD", "z", &i.to_string(), &item(i)]);
            assert_eq!(r, Reply::Int(1));
        }
        let n = c.cmd(&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "3", "GET", "weight_*", "STORE", "first", "STORE", "last"]);
        assert_eq!(n, Reply::Int(3));
        assert_eq!(c.cmd(&["EXISTS", "first"]), Reply::Int(0));
        assert_eq!(c.cmd(&["LRANGE", "last", "0", "-1"]), Reply::bulks(&["96", "97", "98"]));
        // Sorting a key into itself.
        assert_eq!(c.cmd(&["SORT", "items", "BY", "weight_*", "STORE", "items"]), Reply::Int(24));
        assert_eq!(c.cmd(&["LINDEX", "items", "0"]), Reply::bulk("item23"));
    }
}

sharded! {
    fn sort_with_patterns_inside_exec_and_under_watch(srv) {
        let mut c = srv.conn();
        let mut other = srv.conn();
        load(&mut c);
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert_eq!(c.cmd(&["SET", "weight_item0", "0"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["SORT", "items", "BY", "weight_*", "LIMIT", "0", "2", "GET", "#", "GET", "data_*->name"]), Reply::simple("QUEUED"));
        assert_eq!(c.cmd(&["SORT", "items", "BY", "weight_*", "LIMIT", "0", "1", "STORE", "dst"]), Reply::simple("QUEUED"));
        let r = c.cmd(&["EXEC"]);
        assert_eq!(r.to_resp_string(), "*3\r\n+OK\r\n*4\r\n$5\r\nitem0\r\n$5\r\nname0\r\n$6\r\nitem23\r\n$-1\r\n:1\r\n");
        assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]), Reply::bulks(&["item0"]));
        // SORT ... STORE touches its destination for WATCH.
        assert_eq!(c.cmd(&["WATCH", "dst"]), Reply::ok());
        assert_eq!(other.cmd(&["SORT", "items", "BY", "weight_*", "STORE", "dst"]), Reply::Int(24));
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "x"]), Reply::simple("QUEUED"));
        assert!(c.cmd(&["EXEC"]).is_nil());
    }
}

/// Accounts whose balances a sort reads through a GET pattern.
const ACCOUNTS: usize = 12;

sharded! {
    fn a_sort_sees_one_snapshot_of_its_pattern_keys(srv) {
        let mut setup = srv.conn();
        for i in 0..ACCOUNTS {
            assert_eq!(setup.cmd(&["RPUSH", "accounts", &i.to_string()]), Reply::Int(i as i64 + 1));
            assert_eq!(setup.cmd(&["SET", &format!("bal_{i}"), "100"]), Reply::ok());
        }
        let total = 100 * ACCOUNTS as i64;
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let mut writer = srv.conn();
            let w = s.spawn(move || {
                for round in 0..150usize {
                    let from = format!("bal_{}", round % ACCOUNTS);
                    let to = format!("bal_{}", (round * 7 + 3) % ACCOUNTS);
                    assert_eq!(writer.cmd(&["MULTI"]), Reply::ok());
                    assert_eq!(writer.cmd(&["DECRBY", &from, "5"]), Reply::simple("QUEUED"));
                    assert_eq!(writer.cmd(&["INCRBY", &to, "5"]), Reply::simple("QUEUED"));
                    assert_eq!(writer.cmd(&["EXEC"]).as_array().map(|a| a.len()), Some(2));
                }
            });
            let mut reader = srv.conn();
            let done_ref = &done;
            let r = s.spawn(move || {
                let mut sorts = 0;
                while !done_ref.load(Ordering::Acquire) || sorts < 20 {
                    let reply = reader.cmd(&["SORT", "accounts", "BY", "bal_*", "GET", "bal_*"]);
                    let sum: i64 = reply
                        .as_array()
                        .expect("array")
                        .iter()
                        .map(|b| b.as_string().and_then(|s| s.parse::<i64>().ok()).expect("balance"))
                        .sum();
                    assert_eq!(sum, total, "a sort saw half of a transfer: {reply}");
                    sorts += 1;
                }
            });
            w.join().expect("writer");
            done.store(true, Ordering::Release);
            r.join().expect("reader");
        });
    }
}
