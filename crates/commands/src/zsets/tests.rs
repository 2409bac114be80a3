//! Harness tests of the sorted-set family: replies recorded from Redis
//! 7.0.15, plus the things a recording cannot show (encodings, events,
//! dirty counts, blocking, randomness, large sets).

#[path = "recorded.rs"]
mod recorded;

use crate::harness::Harness;
use crate::notify;
use bytes::Bytes;
use tessera_resp::{Arg, Proto};
use tessera_storage::{Set, Value};

/// Runs one command; `SADD` is emulated through the storage type so these
/// tests do not depend on the set family being registered.
fn run(h: &mut Harness, args: &[&str]) -> String {
    if args[0].eq_ignore_ascii_case("sadd") {
        let mut s = Set::new();
        for m in &args[2..] {
            s.insert(m.as_bytes(), 512);
        }
        let now = h.now;
        h.ks.db(0)
            .set(args[1].as_bytes(), Value::Set(Box::new(s)), now);
        return format!(":{}\r\n", args.len() - 2);
    }
    h.run(args)
}

#[test]
fn replies_match_redis() {
    for (resp3, steps) in recorded::RECORDED {
        let mut h = Harness::new();
        h.proto = if *resp3 { Proto::Resp3 } else { Proto::Resp2 };
        for (args, want) in steps.iter() {
            if args[0].eq_ignore_ascii_case("flushall") || args[0].eq_ignore_ascii_case("hello") {
                continue;
            }
            let got = run(&mut h, args);
            assert_eq!(&got, want, "{args:?} (resp3: {resp3})");
        }
    }
}

fn encoding(h: &mut Harness, key: &str) -> &'static str {
    let now = h.now;
    match h.ks.db(0).peek(key.as_bytes(), now) {
        Some(v) => v.encoding(),
        None => "none",
    }
}

#[test]
fn encodings_convert_where_redis_does() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b"]);
    assert_eq!(encoding(&mut h, "z"), "listpack");
    // A member longer than zset-max-listpack-value converts...
    let long = "x".repeat(65);
    h.run(&["ZADD", "z", "3", &long]);
    assert_eq!(encoding(&mut h, "z"), "skiplist");
    // ...and removing it does not convert back.
    h.run(&["ZREM", "z", &long]);
    assert_eq!(encoding(&mut h, "z"), "skiplist");
    // A new key whose ZADD carries a long member starts as a skiplist.
    h.run(&["ZADD", "n", "1", "a", "2", &long]);
    assert_eq!(encoding(&mut h, "n"), "skiplist");
    // 128 members fit; the 129th converts.
    for i in 0..128 {
        h.run(&["ZADD", "c", &i.to_string(), &format!("m{i}")]);
    }
    assert_eq!(encoding(&mut h, "c"), "listpack");
    h.run(&["ZADD", "c", "1000", "m128"]);
    assert_eq!(encoding(&mut h, "c"), "skiplist");
    // STORE results are packed when they fit.
    assert_eq!(h.run(&["ZUNIONSTORE", "u", "1", "z"]), ":2\r\n");
    assert_eq!(encoding(&mut h, "u"), "listpack");
    assert_eq!(h.run(&["ZRANGESTORE", "r", "c", "0", "9"]), ":10\r\n");
    assert_eq!(encoding(&mut h, "r"), "listpack");
    assert_eq!(h.run(&["ZRANGESTORE", "r", "c", "0", "-1"]), ":129\r\n");
    assert_eq!(encoding(&mut h, "r"), "skiplist");
    // The thresholds come from the configuration.
    h.config.zset_max_listpack_entries = 0;
    h.run(&["ZADD", "zero", "1", "a"]);
    assert_eq!(encoding(&mut h, "zero"), "skiplist");
}

#[test]
fn skiplist_sets_answer_like_packed_ones() {
    // The same commands against a packed and a skiplist set give the same
    // replies (except ZSCAN's score text, checked below).
    let mut a = Harness::new();
    let mut b = Harness::new();
    b.config.zset_max_listpack_entries = 0;
    let cmds: &[&[&str]] = &[
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "2", "bb", "4", "d", "0", "e",
        ],
        &[
            "ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "bb", "0", "d", "0", "e",
        ],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "z", "1", "-2", "REV"],
        &["ZRANGE", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "2"],
        &[
            "ZRANGE", "z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", "1", "2",
        ],
        &["ZRANGE", "lex", "[b", "(d", "BYLEX"],
        &[
            "ZRANGE", "lex", "(d", "-", "BYLEX", "REV", "LIMIT", "1", "2",
        ],
        &["ZCOUNT", "z", "(0", "3"],
        &["ZLEXCOUNT", "lex", "[b", "+"],
        &["ZREMRANGEBYLEX", "lex", "(a", "[c"],
        &["ZRANGE", "lex", "0", "-1"],
        &["ZRANK", "z", "c"],
        &["ZREVRANK", "z", "c"],
        &["ZINCRBY", "z", "10", "a"],
        &["ZREMRANGEBYSCORE", "z", "2", "2"],
        &["ZREMRANGEBYRANK", "z", "0", "0"],
        &["ZPOPMAX", "z"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZREMRANGEBYLEX", "z", "-", "+"],
        &["EXISTS", "z"],
    ];
    for c in cmds {
        assert_eq!(a.run(c), b.run(c), "{c:?}");
    }
}

#[test]
fn large_sets_keep_order_and_ranks() {
    let mut h = Harness::new();
    let mut args: Vec<String> = vec!["ZADD".into(), "z".into()];
    for i in 0..2000 {
        args.push(((i * 7919) % 1000).to_string());
        args.push(format!("m{i:05}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(h.run(&refs), ":2000\r\n");
    assert_eq!(encoding(&mut h, "z"), "skiplist");
    assert_eq!(h.run(&["ZCARD", "z"]), ":2000\r\n");
    assert_eq!(h.run(&["ZCOUNT", "z", "0", "(500"]), ":1000\r\n");
    // Ranks agree with ZRANGE positions.
    let first = h.run(&["ZRANGE", "z", "700", "700"]);
    let member = first.split("\r\n").nth(2).unwrap().to_string();
    assert_eq!(h.run(&["ZRANK", "z", &member]), ":700\r\n");
    assert_eq!(h.run(&["ZREMRANGEBYRANK", "z", "100", "1099"]), ":1000\r\n");
    assert_eq!(h.run(&["ZCARD", "z"]), ":1000\r\n");
    // A full ZSCAN sees every member exactly once.
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = "0".to_string();
    loop {
        let reply = h.run(&["ZSCAN", "z", &cursor, "COUNT", "37"]);
        let parts: Vec<&str> = reply.split("\r\n").collect();
        cursor = parts[2].to_string();
        for m in parts.iter().skip(5).step_by(4) {
            if !m.is_empty() {
                assert!(seen.insert(m.to_string()), "{m} seen twice");
            }
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 1000);
}

#[test]
fn zscan_prints_skiplist_scores_like_zrange() {
    let mut h = Harness::new();
    h.config.zset_max_listpack_entries = 0;
    h.run(&["ZADD", "z", "123456789012345678", "p"]);
    assert_eq!(
        h.run(&["ZSCAN", "z", "0"]),
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\np\r\n$22\r\n1.2345678901234568e+17\r\n"
    );
}

#[test]
fn writes_count_dirty_and_raise_events() {
    let mut h = Harness::new();
    let ctx_events = |h: &mut Harness, args: &[&str]| -> (String, u64, Vec<&'static str>) {
        let argv: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let spec = match h.table.lookup(&argv) {
            crate::table::Lookup::Found(s) => s,
            _ => panic!("unknown command"),
        };
        let crate::Exec::Keys(f) = spec.exec else {
            panic!("not a keyed command")
        };
        let mut out = tessera_resp::Out::new(Proto::Resp2);
        let mut ctx = crate::Ctx::new(&mut h.ks, 0, h.now, &mut out, &h.config, 0, 1);
        ctx.notify_mask = u32::MAX;
        f(&mut ctx, &Arg::all(&argv));
        let names = ctx.events.iter().map(|e| e.name).collect();
        let dirty = ctx.dirty;
        drop(ctx);
        (String::from_utf8_lossy(&out.buf).into_owned(), dirty, names)
    };
    let (r, d, e) = ctx_events(&mut h, &["ZADD", "z", "1", "a", "2", "b"]);
    assert_eq!((r.as_str(), d, e), (":2\r\n", 2, vec!["zadd"]));
    let (_, d, e) = ctx_events(&mut h, &["ZADD", "z", "1", "a"]);
    assert_eq!((d, e), (0, vec![]));
    let (_, d, e) = ctx_events(&mut h, &["ZINCRBY", "z", "1", "a"]);
    assert_eq!((d, e), (1, vec!["zincr"]));
    let (_, d, e) = ctx_events(&mut h, &["ZREM", "z", "a", "b"]);
    assert_eq!((d, e), (2, vec!["zrem", "del"]));
    ctx_events(&mut h, &["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    let (_, d, e) = ctx_events(&mut h, &["ZPOPMIN", "z", "2"]);
    assert_eq!((d, e), (2, vec!["zpopmin"]));
    let (_, d, e) = ctx_events(&mut h, &["ZREMRANGEBYSCORE", "z", "-inf", "+inf"]);
    assert_eq!((d, e), (1, vec!["zremrangebyscore", "del"]));
    ctx_events(&mut h, &["ZADD", "z", "1", "a"]);
    let (_, d, e) = ctx_events(&mut h, &["ZUNIONSTORE", "u", "1", "z"]);
    assert_eq!((d, e), (1, vec!["zunionstore"]));
    let (_, d, e) = ctx_events(&mut h, &["ZINTERSTORE", "u", "2", "z", "nokey"]);
    assert_eq!((d, e), (1, vec!["del"]));
    let (_, d, e) = ctx_events(&mut h, &["ZRANGESTORE", "u", "z", "0", "-1"]);
    assert_eq!((d, e), (1, vec!["zrangestore"]));
    let (_, d, e) = ctx_events(&mut h, &["ZMPOP", "1", "z", "MAX"]);
    assert_eq!((d, e), (1, vec!["zpopmax", "del"]));
    let (_, d, e) = ctx_events(&mut h, &["ZCARD", "u"]);
    assert_eq!((d, e), (0, vec![]));
    assert_eq!(notify::ZSET, 1 << 7);
}

#[test]
fn blocking_pops_block_or_reply_null() {
    let mut h = Harness::new();
    // Inside MULTI (may_block false) they reply as Redis does there.
    assert_eq!(h.run(&["BZPOPMIN", "a", "b", "0"]), "*-1\r\n");
    assert_eq!(h.blocked, None);
    assert_eq!(h.run(&["BZMPOP", "1.5", "1", "a", "MIN"]), "*-1\r\n");
    h.proto = Proto::Resp3;
    assert_eq!(h.run(&["BZPOPMAX", "a", "0"]), "_\r\n");
    h.proto = Proto::Resp2;
    // Outside MULTI they ask to wait, with no reply.
    h.may_block = true;
    assert_eq!(h.run(&["BZPOPMIN", "a", "b", "0"]), "");
    assert_eq!(h.blocked, Some(0));
    assert_eq!(h.run(&["BZPOPMAX", "a", "2.5"]), "");
    assert_eq!(h.blocked, Some(2500));
    assert_eq!(
        h.run(&["BZMPOP", "0.01", "2", "a", "b", "MAX", "COUNT", "3"]),
        ""
    );
    assert_eq!(h.blocked, Some(10));
    // Argument errors come before blocking.
    assert_eq!(
        h.run(&["BZPOPMIN", "a", "-1"]),
        "-ERR timeout is negative\r\n"
    );
    assert_eq!(h.blocked, None);
    // Once a key has elements, the re-run serves it.
    h.run(&["ZADD", "b", "1", "x", "2", "y"]);
    assert_eq!(
        h.run(&["BZPOPMIN", "a", "b", "0"]),
        "*3\r\n$1\r\nb\r\n$1\r\nx\r\n$1\r\n1\r\n"
    );
    assert_eq!(h.blocked, None);
    assert_eq!(
        h.run(&["BZMPOP", "0", "2", "a", "b", "MAX", "COUNT", "3"]),
        "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n"
    );
    assert_eq!(h.run(&["EXISTS", "b"]), ":0\r\n");
}

#[test]
fn zrandmember_draws_from_the_set() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    for _ in 0..20 {
        let r = h.run(&["ZRANDMEMBER", "z"]);
        assert!(
            ["a", "b", "c", "d"]
                .iter()
                .any(|m| r == format!("$1\r\n{m}\r\n")),
            "{r}"
        );
        // A positive count gives distinct members.
        let r = h.run(&["ZRANDMEMBER", "z", "3"]);
        let mut ms: Vec<&str> = r
            .split("\r\n")
            .skip(2)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(ms.len(), 3, "{r}");
        ms.sort();
        ms.dedup();
        assert_eq!(ms.len(), 3, "{r}");
        // A negative count may repeat, and WITHSCORES pairs each with its score.
        let r = h.run(&["ZRANDMEMBER", "z", "-6", "WITHSCORES"]);
        let parts: Vec<&str> = r.split("\r\n").collect();
        assert_eq!(parts[0], "*12");
        for pair in parts[1..25].chunks(4) {
            let m = pair[1];
            let s = pair[3];
            let want = ((m.as_bytes()[0] - b'a') + 1).to_string();
            assert_eq!(s, want, "{r}");
        }
    }
    // Counts at or above the size give the whole set.
    assert_eq!(
        h.run(&["ZRANDMEMBER", "z", "10"]),
        "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"
    );
    h.proto = Proto::Resp3;
    assert_eq!(
        h.run(&["ZRANDMEMBER", "z", "-1", "WITHSCORES"])
            .matches("*2\r\n")
            .count(),
        1
    );
}

#[test]
fn zadd_stops_at_a_nan_and_keeps_earlier_changes() {
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "inf", "a"]);
    assert_eq!(
        h.run(&["ZADD", "z", "INCR", "-inf", "a"]),
        "-ERR resulting score is not a number (NaN)\r\n"
    );
    assert_eq!(h.run(&["ZSCORE", "z", "a"]), "$3\r\ninf\r\n");
}

/// Redis 7.0 refuses LIMIT with an index range only when its count is not -1:
/// any offset with a count of -1 is accepted and ignored, and the last LIMIT
/// given is the one checked. Replies recorded from Redis 7.0.15.
#[test]
fn zrange_by_index_accepts_limit_with_count_minus_one() {
    let refused =
        "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n";
    let all = "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n";
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(h.run(&["ZRANGE", "z", "0", "-1", "LIMIT", "1", "-1"]), all);
    assert_eq!(
        h.run(&["ZRANGE", "z", "0", "-1", "LIMIT", "0", "5"]),
        refused
    );
    assert_eq!(
        h.run(&["ZRANGE", "z", "0", "-1", "LIMIT", "0", "-2"]),
        refused
    );
    assert_eq!(
        h.run(&[
            "ZRANGE",
            "z",
            "1",
            "2",
            "REV",
            "LIMIT",
            "5",
            "-1",
            "WITHSCORES"
        ]),
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        h.run(&["ZRANGE", "z", "0", "-1", "LIMIT", "0", "5", "LIMIT", "1", "-1"]),
        all
    );
    assert_eq!(
        h.run(&["ZRANGE", "z", "0", "-1", "LIMIT", "1", "-1", "LIMIT", "0", "5"]),
        refused
    );
    assert_eq!(
        h.run(&["ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "1", "-1"]),
        ":3\r\n"
    );
    assert_eq!(h.run(&["ZRANGE", "d", "0", "-1"]), all);
    assert_eq!(
        h.run(&["ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "0"]),
        refused
    );
}

/// Redis parses BZMPOP's numkeys, direction and COUNT before its timeout, so a
/// bad timeout is only reported when the rest is valid. Replies recorded from
/// Redis 7.0.15.
#[test]
fn bzmpop_checks_numkeys_before_the_timeout() {
    let mut h = Harness::new();
    let cases = [
        ("-1 0 k MAX", "-ERR numkeys should be greater than 0\r\n"),
        ("x 0 k MAX", "-ERR numkeys should be greater than 0\r\n"),
        ("-1 x k MAX", "-ERR numkeys should be greater than 0\r\n"),
        ("-1 5 k MAX", "-ERR syntax error\r\n"),
        ("x 1 k FOO", "-ERR syntax error\r\n"),
        ("-1 1 k MAX junk", "-ERR syntax error\r\n"),
        (
            "-1 1 k MAX COUNT 0",
            "-ERR count should be greater than 0\r\n",
        ),
        (
            "-1 1 k MAX COUNT x",
            "-ERR count should be greater than 0\r\n",
        ),
        ("-1 1 k MAX", "-ERR timeout is negative\r\n"),
        (
            "x 1 k MAX",
            "-ERR timeout is not a float or out of range\r\n",
        ),
    ];
    for (rest, want) in cases {
        let mut args = vec!["BZMPOP"];
        args.extend(rest.split(' '));
        assert_eq!(h.run(&args), want, "{args:?}");
    }
    // The timeout is also checked before the keys are looked at.
    h.run(&["SET", "k", "v"]);
    assert_eq!(
        h.run(&["BZMPOP", "-1", "1", "k", "MAX"]),
        "-ERR timeout is negative\r\n"
    );
}

#[test]
fn zrandmember_parses_the_count_before_the_withscores_keyword() {
    // Checked against Redis 7.0.15: the count error wins over the syntax error.
    let mut h = Harness::new();
    run(&mut h, &["ZADD", "k", "1", "a"]);
    assert_eq!(
        run(&mut h, &["ZRANDMEMBER", "k", "x", "WITHVALUES"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        run(&mut h, &["ZRANDMEMBER", "k", "1", "WITHVALUES"]),
        "-ERR syntax error\r\n"
    );
}

#[test]
fn zincrby_minus_zero_in_a_skiplist_keeps_the_sign() {
    // Checked against Redis 7.0.15: a skiplist keeps a new member's -0 as
    // given, and a later -0 or 0 leaves it alone (they compare equal); a
    // listpack stores 0.
    let mut h = Harness::new();
    let long = "x".repeat(65);
    assert_eq!(run(&mut h, &["ZINCRBY", "z", "-0", &long]), "$2\r\n-0\r\n");
    assert_eq!(encoding(&mut h, "z"), "skiplist");
    assert_eq!(run(&mut h, &["ZSCORE", "z", &long]), "$2\r\n-0\r\n");
    run(&mut h, &["ZADD", "z", "5", "b", "-0", "c"]);
    assert_eq!(
        run(&mut h, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        format!("*6\r\n$1\r\nc\r\n$2\r\n-0\r\n$65\r\n{long}\r\n$2\r\n-0\r\n$1\r\nb\r\n$1\r\n5\r\n")
    );
    assert_eq!(run(&mut h, &["ZADD", "z", "0", "c"]), ":0\r\n");
    assert_eq!(run(&mut h, &["ZSCORE", "z", "c"]), "$2\r\n-0\r\n");
    run(&mut h, &["ZINCRBY", "z", "-5", "b"]);
    assert_eq!(run(&mut h, &["ZSCORE", "z", "b"]), "$1\r\n0\r\n");
    assert_eq!(
        run(&mut h, &["ZPOPMIN", "z"]),
        "*2\r\n$1\r\nb\r\n$1\r\n0\r\n"
    );
    // The listpack form stores 0.
    assert_eq!(run(&mut h, &["ZADD", "p", "-0", "a"]), ":1\r\n");
    assert_eq!(encoding(&mut h, "p"), "listpack");
    assert_eq!(run(&mut h, &["ZSCORE", "p", "a"]), "$1\r\n0\r\n");
    // ZINCRBY replies with the score it computed, sign included.
    assert_eq!(run(&mut h, &["ZINCRBY", "p", "-0", "b"]), "$2\r\n-0\r\n");
    assert_eq!(run(&mut h, &["ZSCORE", "p", "b"]), "$1\r\n0\r\n");
}

#[test]
fn zunion_weights_giving_minus_zero_order_it_equal_to_zero() {
    // Checked against Redis 7.0.15: -0 and 0 compare equal, so ties go by
    // member; MIN and MAX keep the earlier of two equal zeros.
    let mut h = Harness::new();
    run(&mut h, &["ZADD", "a", "0", "x", "0", "y"]);
    run(&mut h, &["ZADD", "b", "0", "z"]);
    let pairs = |items: &[(&str, &str)]| {
        let mut s = format!("*{}\r\n", items.len() * 2);
        for (m, v) in items {
            s += &format!("${}\r\n{m}\r\n${}\r\n{v}\r\n", m.len(), v.len());
        }
        s
    };
    assert_eq!(
        run(
            &mut h,
            &["ZUNION", "2", "a", "b", "WEIGHTS", "1", "-1", "WITHSCORES"]
        ),
        pairs(&[("x", "0"), ("y", "0"), ("z", "-0")])
    );
    assert_eq!(
        run(
            &mut h,
            &["ZINTER", "2", "a", "a", "WEIGHTS", "-1", "1", "WITHSCORES"]
        ),
        pairs(&[("x", "0"), ("y", "0")])
    );
    assert_eq!(
        run(
            &mut h,
            &[
                "ZINTER",
                "2",
                "a",
                "a",
                "WEIGHTS",
                "-1",
                "1",
                "AGGREGATE",
                "MIN",
                "WITHSCORES"
            ]
        ),
        pairs(&[("x", "-0"), ("y", "-0")])
    );
    assert_eq!(
        run(
            &mut h,
            &[
                "ZINTER",
                "2",
                "a",
                "a",
                "WEIGHTS",
                "1",
                "-1",
                "AGGREGATE",
                "MAX",
                "WITHSCORES"
            ]
        ),
        pairs(&[("x", "0"), ("y", "0")])
    );
    assert_eq!(
        run(
            &mut h,
            &["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "-1"]
        ),
        ":3\r\n"
    );
    assert_eq!(
        run(&mut h, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        pairs(&[("x", "0"), ("y", "0"), ("z", "0")])
    );
}
