//! The `new` and `keymiss` keyspace events compared with redis-server: the same commands
//! run on both, and the messages a `PSUBSCRIBE __key*__:*` subscriber hears must be the
//! same, byte for byte, command by command. It checks no other event class on its own.
//!
//! With several shards the events of one command that the runtime splits by shard (DEL,
//! EXISTS, MGET, MSET, TOUCH, UNLINK over keys on different shards) come from several
//! threads, so only their order within one shard is kept; for those commands the messages
//! are compared as multisets. Every other command's messages, RENAME and the STORE forms
//! across shards included, must come in Redis's order.

use std::time::Duration;
use tessera_testkit::{Conn, RedisServer, Reply, Server};

/// One step of a script: a command, or a pause (milliseconds) before the next one.
enum Step {
    Cmd(&'static str),
    Sleep(u64),
}
use Step::{Cmd, Sleep};

/// Commands covering every data type: keys created (`new`) by plain writes, by the
/// destination of RENAME/COPY/MOVE/SMOVE/LMOVE and the STORE forms, keys overwritten
/// (no `new`), reads of missing keys of every kind (`keymiss`), write lookups that must
/// stay silent, and a key read after its deadline (`expired`, then `keymiss`).
const SCRIPT: &[Step] = &[
    Cmd("SET a 1"),
    Cmd("SET a 2"),
    Cmd("SET b 1 GET"),
    Cmd("SET b 2 GET"),
    Cmd("GETSET c 1"),
    Cmd("SET d 1 NX"),
    Cmd("SETNX d2 1"),
    Cmd("MSET e 1 f 2 a 3"),
    Cmd("MSETNX {g}1 1 {g}2 2"),
    Cmd("INCR i"),
    Cmd("INCRBYFLOAT o 1.5"),
    Cmd("APPEND j x"),
    Cmd("SETRANGE k 3 x"),
    Cmd("SETRANGE k2 0 \"\""),
    Cmd("SETBIT l 3 1"),
    Cmd("BITOP OR m l"),
    Cmd("BITOP AND m2 nope l"),
    Cmd("SETEX p 100 v"),
    Cmd("LPUSH q a b c"),
    Cmd("RPUSH q d"),
    Cmd("LPUSHX q2 a"),
    Cmd("SADD r a b"),
    Cmd("HSET s f v"),
    Cmd("HSETNX s2 f v"),
    Cmd("HINCRBY s3 f 1"),
    Cmd("ZADD t 1 a 2 b"),
    Cmd("ZINCRBY t2 1 a"),
    Cmd("RENAME a a2"),
    Cmd("RENAME b a2"),
    Cmd("RENAMENX c a2"),
    Cmd("RENAME nos x"),
    Cmd("COPY c c2"),
    Cmd("COPY c a2"),
    Cmd("COPY c a2 REPLACE"),
    Cmd("COPY nos x"),
    Cmd("MOVE d 1"),
    Cmd("SMOVE r r2 a"),
    Cmd("LMOVE q q3 LEFT LEFT"),
    Cmd("RPOPLPUSH q q4"),
    Cmd("SUNIONSTORE u1 r r2"),
    Cmd("SINTERSTORE u2 r2 nos"),
    Cmd("SDIFFSTORE u3 r2 nos"),
    Cmd("ZUNIONSTORE z1 2 t nos"),
    Cmd("ZINTERSTORE z2 1 t"),
    Cmd("ZRANGESTORE z3 t 0 -1"),
    Cmd("SORT q BY nosort STORE so1"),
    Cmd("SORT q BY nosort STORE so1"),
    Cmd("SORT q BY w_* GET o_* STORE so2"),
    // Reads of missing keys, one per kind, and lookups Redis keeps quiet.
    Cmd("GET nos"),
    Cmd("MGET e nos nos2"),
    Cmd("EXISTS nos e nos2"),
    Cmd("TYPE nos"),
    Cmd("TTL nos"),
    Cmd("PTTL nos"),
    Cmd("OBJECT ENCODING nos"),
    Cmd("STRLEN nos"),
    Cmd("GETRANGE nos 0 1"),
    Cmd("GETDEL nos"),
    Cmd("GETEX nos"),
    Cmd("GETBIT nos 1"),
    Cmd("BITCOUNT nos"),
    Cmd("LLEN nol"),
    Cmd("LRANGE nol 0 1"),
    Cmd("LINDEX nol 0"),
    Cmd("LPOP nol"),
    Cmd("SCARD nos"),
    Cmd("SMEMBERS nos"),
    Cmd("SISMEMBER nos a"),
    Cmd("SPOP nos"),
    Cmd("SUNION nos nos2"),
    Cmd("HGET noh f"),
    Cmd("HGETALL noh"),
    Cmd("HDEL noh f"),
    Cmd("ZSCORE noz a"),
    Cmd("ZRANGE noz 0 1"),
    Cmd("ZREM noz a"),
    Cmd("SORT nol"),
    Cmd("DEL nos e f"),
    Cmd("TOUCH nos e2"),
    Cmd("EXPIRE nos 10"),
    // A key read after its deadline: `expired`, then `keymiss`; written after it:
    // `expired`, then `new`. One volatile key at a time, so whether active expiry or
    // the command finds it first, the same messages come between two markers.
    Cmd("SET x 1 PX 30"),
    Sleep(80),
    Cmd("GET x"),
    Cmd("SET y 1 PX 30"),
    Sleep(80),
    Cmd("SET y 2"),
];

/// Commands the runtime splits by shard (see the module docs).
const SPLIT: &[&str] = &["DEL", "EXISTS", "MGET", "MSET", "TOUCH", "UNLINK"];

/// A connection that set `flags` and a subscriber to every keyspace channel.
fn clients(srv: &Server, flags: &str) -> (Conn, Conn) {
    let mut c = srv.conn();
    assert_eq!(c.cmd(&["FLUSHALL"]), Reply::ok());
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "notify-keyspace-events", flags]),
        Reply::ok()
    );
    let mut sub = srv.conn();
    sub.set_timeout(Duration::from_secs(10));
    sub.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    sub.cmd(&["SUBSCRIBE", "marker"]);
    (c, sub)
}

/// Splits a script line into arguments; `""` is the empty argument.
fn args(line: &str) -> Vec<String> {
    line.split(' ')
        .map(|a| {
            if a == "\"\"" {
                String::new()
            } else {
                a.to_string()
            }
        })
        .collect()
}

/// Runs the script and returns, per command, its reply and the messages heard
/// between it and the marker published after it.
fn record(srv: &Server, flags: &str) -> Vec<(String, Reply, Vec<Reply>)> {
    let (mut c, mut sub) = clients(srv, flags);
    let mut got = Vec::new();
    for step in SCRIPT {
        let line = match step {
            Sleep(ms) => {
                std::thread::sleep(Duration::from_millis(*ms));
                continue;
            }
            Cmd(line) => *line,
        };
        let reply = c.cmd(&args(line));
        assert_eq!(c.cmd(&["PUBLISH", "marker", "m"]), Reply::Int(1));
        let mut heard = Vec::new();
        loop {
            let m = sub.read_reply();
            let is_marker =
                matches!(m.as_array(), Some([kind, ..]) if kind.as_bytes() == Some(b"message"));
            if is_marker {
                break;
            }
            heard.push(m);
        }
        got.push((line.to_string(), reply, heard));
    }
    got
}

fn compare(srv: &Server, flags: &str) {
    let redis = RedisServer::start();
    let want = record(&redis, flags);
    let got = record(srv, flags);
    for ((line, want_reply, want_msgs), (_, got_reply, got_msgs)) in want.iter().zip(&got) {
        assert_eq!(got_reply, want_reply, "{flags}: reply to {line}");
        let name = line.split(' ').next().unwrap_or_default();
        if SPLIT.contains(&name) && got_msgs != want_msgs {
            let key = |r: &Reply| r.to_resp();
            let mut w = want_msgs.clone();
            let mut g = got_msgs.clone();
            w.sort_by_key(key);
            g.sort_by_key(key);
            assert_eq!(
                g, w,
                "{flags}: messages of {line} (any order across shards)"
            );
        } else {
            assert_eq!(got_msgs, want_msgs, "{flags}: messages of {line}");
        }
    }
}

sharded! {
    fn new_and_keymiss_with_every_class(srv) {
        compare(srv, "KEAnm");
    }
}

sharded! {
    fn new_alone(srv) {
        compare(srv, "En");
    }
}

sharded! {
    fn keymiss_alone(srv) {
        compare(srv, "Em");
    }
}

sharded! {
    fn keyspace_channel_new_and_keymiss(srv) {
        compare(srv, "Knm");
    }
}
