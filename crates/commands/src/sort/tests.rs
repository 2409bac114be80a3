//! Tests of SORT and SORT_RO: replies, dirty counts and keyspace events
//! recorded from redis-server 7.0.15, plus the parts Redis's replies cannot
//! show from one process (range errors of `strtod`, which Redis leaves in a
//! stale `errno`) and the helpers the runtime uses across shards.

use super::*;
use crate::harness::Harness;
use crate::table::Lookup;
use tessera_resp::{Out, Proto};

include!("recorded.rs");

/// Runs `args` as the harness does, with every keyspace event class on;
/// returns the reply, `ctx.dirty` and the events as "name key".
fn run_full(h: &mut Harness, args: &[&str]) -> (String, u64, Vec<String>) {
    let argv: Vec<Bytes> = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    let Lookup::Found(spec) = h.table.lookup(&argv) else {
        return (h.run(args), 0, Vec::new());
    };
    let handler = match spec.exec {
        Exec::Keys(f) | Exec::Split(f, _) if spec.arity_ok(argv.len()) => f,
        _ => return (h.run(args), 0, Vec::new()),
    };
    let mut out = Out::new(h.proto);
    let mut ctx = Ctx::new(&mut h.ks, h.db, h.now, &mut out, &h.config, 0, 1);
    ctx.notify_mask = u32::MAX;
    handler(&mut ctx, &Arg::all(&argv));
    let dirty = ctx.dirty;
    let events = ctx
        .events
        .iter()
        .map(|e| format!("{} {}", e.name, String::from_utf8_lossy(&e.key)))
        .collect();
    drop(ctx);
    (
        String::from_utf8_lossy(&out.buf).into_owned(),
        dirty,
        events,
    )
}

#[test]
fn recorded_replies_dirty_counts_and_events_match_redis() {
    for proto in [Proto::Resp2, Proto::Resp3] {
        for (scenario, steps) in RECORDED {
            let mut h = Harness::new();
            h.proto = proto;
            for (args, resp2, resp3, dirty, events) in steps.iter() {
                let want = if proto == Proto::Resp2 { resp2 } else { resp3 };
                let (got, got_dirty, got_events) = run_full(&mut h, args);
                assert_eq!(got, *want, "{scenario}: {args:?} in {proto:?}");
                if args[0].starts_with("sort") {
                    assert_eq!(got_dirty, *dirty, "{scenario}: dirty of {args:?}");
                    assert_eq!(got_events, *events, "{scenario}: events of {args:?}");
                }
            }
        }
    }
}

#[test]
fn strtod_accepts_what_c_accepts() {
    let ok: &[(&[u8], f64)] = &[
        (b"", 0.0),
        (b"\0abc", 0.0),
        (b"1\0junk", 1.0),
        (b" \t\n\x0b\x0c\r3", 3.0),
        (b"0x10", 16.0),
        (b"0X1A", 26.0),
        (b"0x1p3", 8.0),
        (b"-0x1P-2", -0.25),
        (b"0x1.8p1", 3.0),
        (b"0x.8", 0.5),
        (b"5.", 5.0),
        (b".5", 0.5),
        (b"5.e1", 50.0),
        (b"+5", 5.0),
        (b"1e5", 1e5),
        (b"1E+2", 100.0),
        (b"INF", f64::INFINITY),
        (b"-Infinity", f64::NEG_INFINITY),
        (b"1.7976931348623157e308", f64::MAX),
        (b"2.2250738585072014e-308", f64::MIN_POSITIVE),
        (b"0x1p-1074", 5e-324),
        (b"0e-999999", 0.0),
        (b"9223372036854775807", 9223372036854775807.0),
    ];
    for (s, v) in ok {
        assert_eq!(score(s), Some(*v), "{:?}", String::from_utf8_lossy(s));
    }
    let bad: &[&[u8]] = &[
        b"1 ",
        b"   ",
        b"abc",
        b"1e",
        b"0x",
        b"0x1p",
        b"nan",
        b"NaN",
        b"nan(1)",
        b"infinit",
        b"1_0",
        b"--1",
        b"+-1",
        b".",
        b"e5",
        b"1..2",
        // Range errors, as glibc reports them: overflow, and underflow to a
        // subnormal or zero that is not exact.
        b"1e400",
        b"-1.8e308",
        b"1e-400",
        b"1e-310",
        b"4e-320",
        b"2.2250738585072011e-308",
        b"0x1p-1075",
        b"0x1p1024",
    ];
    for s in bad {
        assert_eq!(score(s), None, "{:?}", String::from_utf8_lossy(s));
    }
}

#[test]
fn range_errors_refuse_the_sort() {
    let mut h = Harness::new();
    h.run(&["RPUSH", "l", "1", "1e-400"]);
    assert_eq!(h.run(&["SORT", "l"]), format!("-{NOT_DOUBLE}\r\n"));
    h.run(&["SET", "w_1", "1e999"]);
    assert_eq!(
        h.run(&["SORT", "l", "BY", "w_*"]),
        format!("-{NOT_DOUBLE}\r\n")
    );
}

#[test]
fn patterns_substitute_the_first_star_and_split_a_hash_field() {
    let sub = |p: &[u8], e: &[u8]| {
        substitute(p, e).map(|(k, f)| {
            (
                String::from_utf8_lossy(&k).into_owned(),
                f.map(|f| String::from_utf8_lossy(f).into_owned()),
            )
        })
    };
    assert_eq!(sub(b"w_*", b"a"), Some(("w_a".into(), None)));
    assert_eq!(sub(b"w_*_*", b"a"), Some(("w_a_*".into(), None)));
    assert_eq!(sub(b"h_*->f", b"a"), Some(("h_a".into(), Some("f".into()))));
    assert_eq!(
        sub(b"h_*->f->g", b"a"),
        Some(("h_a".into(), Some("f->g".into())))
    );
    // An arrow with nothing after it, or before the star, is part of the key.
    assert_eq!(sub(b"h_*->", b"a"), Some(("h_a->".into(), None)));
    assert_eq!(sub(b"a->b*", b"1"), Some(("a->b1".into(), None)));
    assert_eq!(sub(b"nostar", b"a"), None);
    // C sees the pattern up to its first NUL; the key keeps every byte.
    assert_eq!(sub(b"x\0*", b"a"), None);
    assert_eq!(sub(b"*\0y", b"a"), Some(("a\0y".into(), None)));
    assert!(is_self(b"#"));
    assert!(is_self(b"#\0x"));
    assert!(!is_self(b"##"));
}

#[test]
fn alpha_compares_c_strings_unless_storing() {
    // Replies compare as strcoll sees the strings (up to a NUL), so "a\0z"
    // and "a\0b" tie and keep their order; a stored result compares whole.
    let mut h = Harness::new();
    h.run(&["RPUSH", "l", "a\0z", "a\0b", "a"]);
    assert_eq!(
        h.run(&["SORT", "l", "ALPHA"]),
        "*3\r\n$3\r\na\0z\r\n$3\r\na\0b\r\n$1\r\na\r\n"
    );
    assert_eq!(h.run(&["SORT", "l", "ALPHA", "STORE", "d"]), ":3\r\n");
    assert_eq!(
        h.run(&["LRANGE", "d", "0", "-1"]),
        "*3\r\n$1\r\na\r\n$3\r\na\0b\r\n$3\r\na\0z\r\n"
    );
}

#[test]
fn big_lists_sort_and_window_like_small_ones() {
    // Enough elements for several list nodes and a skiplist sorted set.
    let mut h = Harness::new();
    let mut want: Vec<i64> = Vec::new();
    for i in 0..600i64 {
        let v = (i * 7919) % 1000 - 500;
        h.run(&["RPUSH", "l", &v.to_string()]);
        h.run(&["ZADD", "z", &i.to_string(), &format!("m{i}")]);
        want.push(v);
    }
    let reply = h.run(&["SORT", "l", "LIMIT", "100", "3"]);
    want.sort();
    let expect = want[100..103]
        .iter()
        .map(|v| format!("${}\r\n{v}\r\n", v.to_string().len()))
        .collect::<String>();
    assert_eq!(reply, format!("*3\r\n{expect}"));
    assert_eq!(
        h.run(&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "10", "2"]),
        "*2\r\n$4\r\nm589\r\n$4\r\nm588\r\n"
    );
    assert_eq!(
        h.run(&["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "599", "5"]),
        "*1\r\n$4\r\n-500\r\n"
    );
}

fn args(v: &[&str]) -> Vec<Bytes> {
    v.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

#[test]
fn layout_names_the_keys_the_handler_will_use() {
    let l = layout(&Arg::all(&args(&[
        "sort", "k", "store", "a", "get", "#", "STORE", "b",
    ])))
    .unwrap();
    assert_eq!(l.source, "k");
    assert_eq!(l.store.as_deref(), Some(&b"b"[..]));
    assert!(!l.patterns);
    assert!(
        layout(&Arg::all(&args(&["sort", "k", "by", "w_*"])))
            .unwrap()
            .patterns
    );
    assert!(
        layout(&Arg::all(&args(&["sort", "k", "get", "d_*->f"])))
            .unwrap()
            .patterns
    );
    assert!(
        !layout(&Arg::all(&args(&["sort", "k", "by", "nosort", "get", "#"])))
            .unwrap()
            .patterns
    );
    // A GET without a star names no key.
    assert!(
        !layout(&Arg::all(&args(&["sort", "k", "get", "fixed"])))
            .unwrap()
            .patterns
    );
    // BY without a star wins over a later BY with one (Redis keeps "dontsort").
    assert!(
        !layout(&Arg::all(&args(&[
            "sort", "k", "by", "nosort", "by", "w_*"
        ])))
        .unwrap()
        .patterns
    );
    assert_eq!(layout(&Arg::all(&args(&["sort", "k", "bogus"]))), None);
    assert_eq!(
        layout(&Arg::all(&args(&["sort_ro", "k", "store", "d"]))),
        None
    );
    assert_eq!(
        layout(&Arg::all(&args(&["sort", "k", "limit", "x", "1"]))),
        None
    );
}

#[test]
fn pattern_keys_lists_every_key_the_patterns_name() {
    let mut h = Harness::new();
    h.run(&["RPUSH", "l", "a", "b", "a"]);
    let v = h.ks.db(0).peek(b"l", h.now).cloned().unwrap();
    let keys = pattern_keys(
        &Arg::all(&args(&[
            "sort", "l", "by", "w_*", "get", "#", "get", "h_*->f", "get", "w_*",
        ])),
        &v,
    );
    assert_eq!(
        keys,
        ["h_a", "w_a", "h_b", "w_b"]
            .map(|k| Bytes::from_static(k.as_bytes()))
            .to_vec()
    );
    assert!(pattern_keys(&Arg::all(&args(&["sort", "l", "by", "nosort"])), &v).is_empty());
    h.run(&["SET", "s", "x"]);
    let s = h.ks.db(0).peek(b"s", h.now).cloned().unwrap();
    assert!(pattern_keys(&Arg::all(&args(&["sort", "s", "by", "w_*"])), &s).is_empty());
}

#[test]
fn sort_converts_a_sorted_set_to_skiplist() {
    // Checked against Redis 7.0.15 with OBJECT ENCODING: SORT and SORT_RO
    // convert a listpack sorted set once its options parsed and its type
    // checked, even when the sort then fails or returns nothing.
    let enc = |h: &mut Harness| {
        let now = h.now;
        h.ks.db(0).peek(b"z", now).map(|v| v.encoding())
    };
    for cmd in [
        &["SORT", "z"][..],
        &["SORT_RO", "z", "BY", "nosort"],
        &["SORT", "z", "LIMIT", "0", "0"],
        &["SORT", "z", "STORE", "dst"],
        &["SORT", "z", "GET", "#", "BY", "w_*"],
    ] {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "3", "2", "1"]);
        assert_eq!(enc(&mut h), Some("listpack"));
        h.run(cmd);
        assert_eq!(enc(&mut h), Some("skiplist"), "{cmd:?}");
    }
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a", "2", "b"]);
    assert_eq!(h.run(&["SORT", "z"]), format!("-{NOT_DOUBLE}\r\n"));
    assert_eq!(enc(&mut h), Some("skiplist"));
    // A syntax error comes first and leaves the set alone.
    let mut h = Harness::new();
    h.run(&["ZADD", "z", "1", "a"]);
    assert_eq!(h.run(&["SORT", "z", "foo"]), "-ERR syntax error\r\n");
    assert_eq!(enc(&mut h), Some("listpack"));
}
