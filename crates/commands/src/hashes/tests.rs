//! Harness tests of the hash commands: replies recorded from Redis 7.0.15,
//! dirty counts and keyspace events, and the properties of the random and
//! hash-ordered replies that cannot be compared byte for byte.

mod redis_replies;

use crate::harness::Harness;
use crate::table::Lookup;
use crate::{Ctx, Exec};
use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet};
use tessera_resp::{Arg, Out, Proto};

/// Runs one command through its handler with every event class listened
/// for; returns the reply, the dirty count and the events' names.
fn run_full(h: &mut Harness, args: &[&str]) -> (String, u64, Vec<&'static str>) {
    let argv: Vec<Bytes> = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    let Lookup::Found(spec) = h.table.lookup(&argv) else {
        panic!("unknown command {args:?}");
    };
    assert!(spec.arity_ok(argv.len()), "{args:?}");
    let Exec::Keys(handler) = spec.exec else {
        panic!("{args:?} is not a keyed command");
    };
    let mut out = Out::new(h.proto);
    let mut ctx = Ctx::new(&mut h.ks, h.db, h.now, &mut out, &h.config, 0, 1);
    ctx.notify_mask = u32::MAX;
    handler(&mut ctx, &Arg::all(&argv));
    let dirty = ctx.dirty;
    let events = ctx.events.iter().map(|e| e.name).collect();
    drop(ctx);
    (
        String::from_utf8_lossy(&out.buf).into_owned(),
        dirty,
        events,
    )
}

/// The bulk strings of a reply, in order, with nested headers skipped.
fn bulks(reply: &str) -> Vec<String> {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    let mut v = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('$') && lines[i] != "$-1" {
            v.push(lines[i + 1].to_string());
            i += 2;
        } else {
            i += 1;
        }
    }
    v
}

#[test]
fn replies_match_redis() {
    let mut h = Harness::new();
    for (args, want) in redis_replies::CASES {
        match args[0] {
            "FLUSHALL" => h.ks = tessera_storage::Keyspace::new(h.config.databases),
            "HELLO" => {
                h.proto = if args[1] == "3" {
                    Proto::Resp3
                } else {
                    Proto::Resp2
                }
            }
            "CONFIG" => {
                let n: u64 = args[3].parse().unwrap();
                match args[2] {
                    "hash-max-listpack-entries" => h.config.hash_max_listpack_entries = n,
                    "hash-max-listpack-value" => h.config.hash_max_listpack_value = n,
                    other => panic!("unexpected config {other}"),
                }
            }
            _ => {
                let got = h.run(args);
                assert_eq!(Some(got.as_str()), *want, "{args:?}");
            }
        }
    }
}

#[test]
fn dirty_and_events_follow_redis() {
    let mut h = Harness::new();
    let cases: &[(&[&str], u64, &[&str])] = &[
        (&["HSET", "k", "a", "1", "b", "2"], 2, &["hset"]),
        // Updates count as changes too, as in Redis.
        (&["HSET", "k", "a", "1", "b", "2", "c", "3"], 3, &["hset"]),
        (&["HMSET", "k", "a", "9"], 1, &["hset"]),
        (&["HSETNX", "k", "a", "1"], 0, &[]),
        (&["HSETNX", "k", "d", "1"], 1, &["hset"]),
        (&["HINCRBY", "k", "n", "5"], 1, &["hincrby"]),
        (&["HINCRBY", "k", "a", "x"], 0, &[]),
        (&["HINCRBYFLOAT", "k", "n", "0.5"], 1, &["hincrbyfloat"]),
        (&["HINCRBYFLOAT", "k", "n", "x"], 0, &[]),
        (&["HDEL", "k", "nope"], 0, &[]),
        (&["HDEL", "k", "a", "b", "nope"], 2, &["hdel"]),
        (&["HGET", "k", "c"], 0, &[]),
        (&["HDEL", "k", "c", "d", "n", "more"], 3, &["hdel", "del"]),
        (&["HDEL", "k", "c"], 0, &[]),
    ];
    for (args, dirty, events) in cases {
        let (reply, d, e) = run_full(&mut h, args);
        assert_eq!(d, *dirty, "{args:?}: {reply}");
        assert_eq!(e, events.to_vec(), "{args:?}: {reply}");
    }
    assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
}

#[test]
fn a_key_that_expired_is_missing() {
    let mut h = Harness::new();
    h.run(&["HSET", "k", "a", "1"]);
    h.run(&["PEXPIRE", "k", "100"]);
    assert_eq!(h.run(&["HLEN", "k"]), ":1\r\n");
    h.advance(100);
    assert_eq!(h.run(&["HLEN", "k"]), ":0\r\n");
    assert_eq!(h.run(&["HINCRBY", "k", "a", "1"]), ":1\r\n");
    // The new hash has no TTL.
    assert_eq!(h.run(&["PTTL", "k"]), ":-1\r\n");
}

#[test]
fn writes_keep_the_ttl() {
    let mut h = Harness::new();
    h.run(&["HSET", "k", "a", "1"]);
    h.run(&["EXPIRE", "k", "100"]);
    h.run(&["HSET", "k", "b", "2"]);
    h.run(&["HINCRBY", "k", "a", "1"]);
    h.run(&["HDEL", "k", "b"]);
    assert_eq!(h.run(&["TTL", "k"]), ":100\r\n");
}

/// A hash of `n` fields `f0..` with values `v0..`, in the table encoding.
fn big_hash(h: &mut Harness, key: &str, n: usize) -> BTreeMap<String, String> {
    let mut model = BTreeMap::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut args = vec!["HSET".to_string(), key.to_string()];
        for i in chunk {
            args.push(format!("f{i}"));
            args.push(format!("v{i}"));
            model.insert(format!("f{i}"), format!("v{i}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        h.run(&refs);
    }
    model
}

#[test]
fn table_encoding_reads_match_a_model() {
    let mut h = Harness::new();
    let model = big_hash(&mut h, "k", 1000);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$9\r\nhashtable\r\n");
    assert_eq!(h.run(&["HLEN", "k"]), ":1000\r\n");
    let all = bulks(&h.run(&["HGETALL", "k"]));
    let got: BTreeMap<String, String> = all
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    assert_eq!(got, model);
    let keys: BTreeSet<String> = bulks(&h.run(&["HKEYS", "k"])).into_iter().collect();
    assert_eq!(keys, model.keys().cloned().collect());
    let vals: BTreeSet<String> = bulks(&h.run(&["HVALS", "k"])).into_iter().collect();
    assert_eq!(vals, model.values().cloned().collect());
    assert_eq!(h.run(&["HGET", "k", "f999"]), "$4\r\nv999\r\n");
    assert_eq!(h.run(&["HSTRLEN", "k", "f999"]), ":4\r\n");
    assert_eq!(h.run(&["HEXISTS", "k", "f1000"]), ":0\r\n");
    h.proto = Proto::Resp3;
    assert!(h.run(&["HGETALL", "k"]).starts_with("%1000\r\n"));
    // Deleting everything removes the key, whatever the encoding.
    let mut args = vec!["HDEL".to_string(), "k".to_string()];
    args.extend(model.keys().cloned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(h.run(&refs), ":1000\r\n");
    assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
}

/// Runs a whole HSCAN with `extra` options; returns the pairs and the
/// number of calls.
fn hscan_all(h: &mut Harness, key: &str, extra: &[&str]) -> (Vec<(String, String)>, usize) {
    let mut cursor = "0".to_string();
    let mut pairs = Vec::new();
    let mut calls = 0;
    loop {
        let mut args = vec!["HSCAN", key, &cursor];
        args.extend_from_slice(extra);
        let reply = h.run(&args);
        calls += 1;
        let b = bulks(&reply);
        cursor = b[0].clone();
        pairs.extend(b[1..].chunks(2).map(|p| (p[0].clone(), p[1].clone())));
        if cursor == "0" {
            return (pairs, calls);
        }
        assert!(calls < 100_000, "HSCAN does not end");
    }
}

#[test]
fn hscan_walks_a_table_incrementally() {
    let mut h = Harness::new();
    let model = big_hash(&mut h, "k", 1000);
    let (pairs, calls) = hscan_all(&mut h, "k", &[]);
    assert!(calls > 50, "{calls} calls");
    let got: BTreeMap<String, String> = pairs.iter().cloned().collect();
    assert_eq!(got.len(), pairs.len(), "a field came twice without resizes");
    assert_eq!(got, model);
    // COUNT takes bigger steps; MATCH filters after the walk.
    let (pairs, big_calls) = hscan_all(&mut h, "k", &["COUNT", "200"]);
    assert_eq!(pairs.len(), 1000);
    assert!(big_calls < calls / 5, "{big_calls} vs {calls}");
    let (pairs, _) = hscan_all(&mut h, "k", &["MATCH", "f1??", "COUNT", "50"]);
    let fields: BTreeSet<String> = pairs.into_iter().map(|p| p.0).collect();
    let want: BTreeSet<String> = (100..200).map(|i| format!("f{i}")).collect();
    assert_eq!(fields, want);
}

#[test]
fn hscan_returns_every_stable_field_while_the_hash_changes() {
    let mut h = Harness::new();
    big_hash(&mut h, "k", 600);
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut step = 0;
    loop {
        let reply = h.run(&["HSCAN", "k", &cursor, "COUNT", "5"]);
        let b = bulks(&reply);
        cursor = b[0].clone();
        seen.extend(b[1..].chunks(2).map(|p| p[0].clone()));
        if cursor == "0" {
            break;
        }
        step += 1;
        // Grow the table a lot, then shrink it, in the middle of the walk.
        if step == 10 {
            for i in 0..30 {
                let mut args = vec!["HSET".to_string(), "k".to_string()];
                for j in 0..100 {
                    args.push(format!("t{}", i * 100 + j));
                    args.push("x".to_string());
                }
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                h.run(&refs);
            }
        }
        if step == 300 {
            for i in 0..3000 {
                h.run(&["HDEL", "k", &format!("t{i}")]);
            }
        }
    }
    for i in 0..600 {
        assert!(seen.contains(&format!("f{i}")), "f{i} was never returned");
    }
}

#[test]
fn hrandfield_positive_counts_are_distinct_fields() {
    let mut h = Harness::new();
    let small = big_hash(&mut h, "small", 50);
    let large = big_hash(&mut h, "large", 1000);
    for (key, model) in [("small", &small), ("large", &large)] {
        for count in [1usize, 5, 20, 49, 400, 999] {
            if count >= model.len() {
                continue;
            }
            let reply = h.run(&["HRANDFIELD", key, &count.to_string(), "WITHVALUES"]);
            assert!(reply.starts_with(&format!("*{}\r\n", 2 * count)), "{reply}");
            let b = bulks(&reply);
            let fields: BTreeSet<&String> = b.iter().step_by(2).collect();
            assert_eq!(fields.len(), count, "{key} {count}: repeated fields");
            for p in b.chunks(2) {
                assert_eq!(model.get(&p[0]), Some(&p[1]));
            }
        }
        // A count at least the size gives the whole hash.
        let all = bulks(&h.run(&["HRANDFIELD", key, "5000"]));
        let all: BTreeSet<String> = all.into_iter().collect();
        assert_eq!(all, model.keys().cloned().collect());
    }
}

#[test]
fn hrandfield_negative_counts_repeat_and_cover() {
    let mut h = Harness::new();
    big_hash(&mut h, "small", 5);
    big_hash(&mut h, "large", 600);
    for (key, n) in [("small", 5), ("large", 600)] {
        let reply = h.run(&["HRANDFIELD", key, "-3000"]);
        assert!(reply.starts_with("*3000\r\n"));
        let seen: BTreeSet<String> = bulks(&reply).into_iter().collect();
        if n == 5 {
            assert_eq!(seen.len(), 5);
        } else {
            assert!(seen.len() > 450, "{}", seen.len());
        }
        let single: BTreeSet<String> = (0..200)
            .flat_map(|_| bulks(&h.run(&["HRANDFIELD", "small"])))
            .collect();
        assert_eq!(single.len(), 5);
    }
    h.proto = Proto::Resp3;
    let reply = h.run(&["HRANDFIELD", "large", "-2", "WITHVALUES"]);
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(lines[0], "*2");
    assert_eq!(lines[1], "*2");
    let reply = h.run(&["HRANDFIELD", "large", "3", "WITHVALUES"]);
    assert!(reply.starts_with("*3\r\n*2\r\n"), "{reply}");
}

#[test]
fn conversions_keep_the_contents() {
    let mut h = Harness::new();
    h.config.hash_max_listpack_entries = 4;
    h.run(&["HSET", "k", "a", "1", "b", "-2", "c", "x"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$8\r\nlistpack\r\n");
    h.run(&["HINCRBY", "k", "d", "7"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$8\r\nlistpack\r\n");
    h.run(&["HSETNX", "k", "e", "5"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "k"]), "$9\r\nhashtable\r\n");
    let got: BTreeMap<String, String> = bulks(&h.run(&["HGETALL", "k"]))
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    let want: BTreeMap<String, String> =
        [("a", "1"), ("b", "-2"), ("c", "x"), ("d", "7"), ("e", "5")]
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect();
    assert_eq!(got, want);
    assert_eq!(h.run(&["HINCRBY", "k", "b", "3"]), ":1\r\n");
    assert_eq!(h.run(&["HINCRBYFLOAT", "k", "a", "0.5"]), "$3\r\n1.5\r\n");
}

#[test]
fn copy_and_rename_carry_hashes() {
    let mut h = Harness::new();
    h.run(&["HSET", "k", "a", "1"]);
    big_hash(&mut h, "big", 600);
    assert_eq!(h.run(&["COPY", "k", "k2"]), ":1\r\n");
    h.run(&["HSET", "k2", "b", "2"]);
    assert_eq!(h.run(&["HLEN", "k"]), ":1\r\n");
    assert_eq!(h.run(&["HLEN", "k2"]), ":2\r\n");
    assert_eq!(h.run(&["COPY", "big", "big2"]), ":1\r\n");
    assert_eq!(h.run(&["HGET", "big2", "f599"]), "$4\r\nv599\r\n");
    assert_eq!(h.run(&["TYPE", "big2"]), "+hash\r\n");
}

#[test]
fn declarations_pass_the_table_checks() {
    let v = crate::introspect::check_families(&[super::COMMANDS]);
    assert!(v.is_empty(), "{}", v.join("\n"));
}

#[test]
fn command_info_matches_redis() {
    let mut h = Harness::new();
    for (name, want) in redis_replies::COMMAND_INFO {
        assert_eq!(h.run(&["COMMAND", "INFO", name]), *want, "{name}");
    }
}
