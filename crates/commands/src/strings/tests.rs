//! Tests of the string and bitmap families through the command harness:
//! hand-written checks of expiry, dirty counts and split execution, then
//! replies recorded from redis-server 7.0.15 for the same command sequences.

use crate::harness::Harness;
use crate::{Ctx, Exec};
use bytes::Bytes;
use tessera_resp::{Arg, Out};

/// Runs one command and asserts its exact reply bytes.
fn expect(h: &mut Harness, args: &[&[u8]], want: &[u8]) {
    let argv: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
    let got = h.run_bytes(&Arg::all(&argv));
    assert!(
        got == want,
        "command {:?}\n  got: {}\n want: {}",
        args.iter()
            .map(|a| a.escape_ascii().to_string())
            .collect::<Vec<_>>(),
        got.escape_ascii(),
        want.escape_ascii()
    );
}

/// Runs a handler directly on the harness keyspace and returns the reply
/// and the dirty count it reported.
fn run_handler(h: &mut Harness, name: &str, args: &[&str]) -> (String, u64) {
    let spec = h.table.get(name.as_bytes()).expect("declared");
    let handler = match spec.exec {
        Exec::Keys(f) | Exec::Split(f, _) => f,
        _ => panic!("{name} is not a keyed command"),
    };
    let argv: Vec<Bytes> = std::iter::once(name)
        .chain(args.iter().copied())
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    let mut out = Out::new(h.proto);
    let mut ctx = Ctx {
        ks: &mut h.ks,
        db: h.db,
        now: h.now,
        out: &mut out,
        config: &h.config,
        shard: 0,
        shards: 1,
        dirty: 0,
        notify_mask: 0,
        tracking: false,
        events: Default::default(),
        may_block: false,
        block: None,
    };
    handler(&mut ctx, &Arg::all(&argv));
    let dirty = ctx.dirty;
    drop(ctx);
    (String::from_utf8_lossy(&out.buf).into_owned(), dirty)
}

fn ttl_ms(h: &mut Harness, key: &str) -> Option<i64> {
    let now = h.now;
    let db = h.ks.db(0);
    db.contains(key.as_bytes(), now)
        .then(|| db.get_expire(key.as_bytes()).map(|t| t - now))
        .flatten()
}

#[test]
fn set_expiry_options_follow_the_clock() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["SET", "k", "v", "EX", "10"]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(10_000));
    h.advance(9_999);
    assert_eq!(h.run(&["GET", "k"]), "$1\r\nv\r\n");
    h.advance(1);
    assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");

    assert_eq!(h.run(&["SET", "k", "v", "PX", "1500"]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(1_500));
    // KEEPTTL keeps it, a plain SET clears it.
    assert_eq!(h.run(&["SET", "k", "w", "KEEPTTL"]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(1_500));
    assert_eq!(h.run(&["SET", "k", "x"]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), None);
    assert_eq!(h.run(&["GET", "k"]), "$1\r\nx\r\n");

    let at = (h.now / 1000 + 100).to_string();
    assert_eq!(h.run(&["SET", "k", "v", "EXAT", &at]), "+OK\r\n");
    assert_eq!(
        ttl_ms(&mut h, "k"),
        Some((h.now / 1000 + 100) * 1000 - h.now)
    );
    let pat = (h.now + 42).to_string();
    assert_eq!(h.run(&["SET", "k", "v", "PXAT", &pat]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(42));

    // An absolute time already past stores nothing.
    let past = (h.now - 1).to_string();
    assert_eq!(h.run(&["SET", "k", "v", "PXAT", &past]), "+OK\r\n");
    assert_eq!(h.ks.db(0).len(), 0);
    assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");

    assert_eq!(h.run(&["SETEX", "s", "5", "v"]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "s"), Some(5_000));
    assert_eq!(h.run(&["PSETEX", "s", "5", "v"]), "+OK\r\n");
    assert_eq!(ttl_ms(&mut h, "s"), Some(5));
    h.advance(5);
    assert_eq!(h.run(&["GET", "s"]), "$-1\r\n");
}

#[test]
fn writes_keep_or_clear_ttl_like_redis() {
    let mut h = Harness::new();
    let keep = [
        vec!["APPEND", "k", "x"],
        vec!["SETRANGE", "k", "0", "y"],
        vec!["SETBIT", "k", "3", "1"],
        vec!["INCRBYFLOAT", "n", "1.5"],
    ];
    for cmd in keep {
        let key = cmd[1];
        h.run(&["SET", key, "1", "PX", "1000"]);
        h.run(&cmd);
        assert_eq!(ttl_ms(&mut h, key), Some(1000), "{cmd:?}");
    }
    h.run(&["SET", "c", "1", "PX", "1000"]);
    assert_eq!(h.run(&["INCR", "c"]), ":2\r\n");
    assert_eq!(ttl_ms(&mut h, "c"), Some(1000));
    for cmd in [
        vec!["GETSET", "c", "1"],
        vec!["MSET", "c", "1"],
        vec!["BITOP", "NOT", "c", "c"],
    ] {
        h.run(&["SET", "c", "1", "PX", "1000"]);
        h.run(&cmd);
        assert_eq!(ttl_ms(&mut h, "c"), None, "{cmd:?}");
    }
}

#[test]
fn getex_sets_and_clears_expiry() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "v"]);
    assert_eq!(h.run(&["GETEX", "k", "EX", "20"]), "$1\r\nv\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(20_000));
    assert_eq!(h.run(&["GETEX", "k", "PX", "300"]), "$1\r\nv\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(300));
    let at = (h.now + 777).to_string();
    assert_eq!(h.run(&["GETEX", "k", "PXAT", &at]), "$1\r\nv\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(777));
    assert_eq!(h.run(&["GETEX", "k"]), "$1\r\nv\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), Some(777));
    assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), "$1\r\nv\r\n");
    assert_eq!(ttl_ms(&mut h, "k"), None);
    h.advance(10_000);
    assert_eq!(h.run(&["GET", "k"]), "$1\r\nv\r\n");
    let past = (h.now / 1000 - 1).to_string();
    assert_eq!(h.run(&["GETEX", "k", "EXAT", &past]), "$1\r\nv\r\n");
    assert_eq!(h.run(&["GET", "k"]), "$-1\r\n");
    assert_eq!(h.ks.db(0).len(), 0);
}

#[test]
fn dirty_counts_changes_as_redis() {
    let mut h = Harness::new();
    let cases: &[(&str, &[&str], u64)] = &[
        ("set", &["k", "1"], 1),
        ("set", &["k", "1", "NX"], 0),
        ("set", &["k", "1", "XX"], 1),
        ("setnx", &["k", "1"], 0),
        ("mset", &["a", "1", "b", "2", "c", "3"], 3),
        ("msetnx", &["a", "1", "z", "2"], 0),
        ("msetnx", &["y", "1", "z", "2"], 2),
        ("incr", &["k"], 1),
        ("incr", &["a", "extra"], 1),
        ("append", &["k", ""], 1),
        ("setrange", &["k", "0", ""], 0),
        ("setrange", &["k", "0", "9"], 1),
        ("setbit", &["k", "0", "0"], 0),
        ("setbit", &["k", "0", "1"], 1),
        ("setbit", &["k", "100", "0"], 1),
        ("getex", &["k", "PERSIST"], 0),
        ("getex", &["k", "EX", "10"], 1),
        ("getex", &["k", "PERSIST"], 1),
        ("getdel", &["missing"], 0),
        ("getdel", &["k"], 1),
        ("bitop", &["and", "d", "m1", "m2"], 0),
        ("bitop", &["or", "d", "a"], 1),
        ("bitop", &["and", "d", "m1"], 1),
        ("incrbyfloat", &["f", "1.5"], 1),
        ("get", &["f"], 0),
    ];
    for (name, args, want) in cases {
        let (reply, dirty) = run_handler(&mut h, name, args);
        assert_eq!(dirty, *want, "{name} {args:?} -> {reply}");
    }
}

#[test]
fn split_handlers_work_on_any_subset() {
    let mut h = Harness::new();
    // MSET and MGET receive only the keys of one shard; replies are per key.
    assert_eq!(run_handler(&mut h, "mset", &["b", "2"]).0, "+OK\r\n");
    assert_eq!(
        run_handler(&mut h, "mset", &["a", "1", "c", "3"]).0,
        "+OK\r\n"
    );
    assert_eq!(
        run_handler(&mut h, "mget", &["c", "missing", "a"]).0,
        "*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n1\r\n"
    );
    assert_eq!(run_handler(&mut h, "mget", &["b"]).0, "*1\r\n$1\r\n2\r\n");
}

#[test]
fn size_limits_follow_proto_max_bulk_len() {
    let mut h = Harness::new();
    h.config.proto_max_bulk_len = 10;
    assert_eq!(h.run(&["APPEND", "k", "12345"]), ":5\r\n");
    assert_eq!(h.run(&["APPEND", "k", "67890"]), ":10\r\n");
    assert_eq!(
        h.run(&["APPEND", "k", "x"]),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_eq!(h.run(&["SETRANGE", "r", "9", "x"]), ":10\r\n");
    assert_eq!(
        h.run(&["SETRANGE", "r", "9", "xy"]),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_eq!(h.run(&["SETBIT", "b", "79", "1"]), ":0\r\n");
    assert_eq!(
        h.run(&["SETBIT", "b", "80", "1"]),
        "-ERR bit offset is not an integer or out of range\r\n"
    );
    // LCS refuses a table larger than the limit.
    h.config.proto_max_bulk_len = 100;
    h.run(&["SET", "x", "abcdefghij"]);
    assert_eq!(
        h.run(&["LCS", "x", "x"]),
        "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
    );
}

#[test]
fn resp3_replies() {
    let mut h = Harness::new();
    h.proto = tessera_resp::Proto::Resp3;
    assert_eq!(h.run(&["GET", "k"]), "_\r\n");
    h.run(&["SET", "a", "ohmytext"]);
    h.run(&["SET", "b", "mynewtext"]);
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"]),
        "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"
    );
}

#[test]
fn encodings_match_redis() {
    let mut h = Harness::new();
    let enc = |h: &mut Harness, k: &str| {
        let now = h.now;
        h.ks.db(0).peek(k.as_bytes(), now).map(|v| v.encoding())
    };
    h.run(&["SET", "i", "123"]);
    assert_eq!(enc(&mut h, "i"), Some("int"));
    h.run(&["INCRBYFLOAT", "f", "3.0"]);
    assert_eq!(enc(&mut h, "f"), Some("embstr"));
    h.run(&["SET", "a", "12"]);
    h.run(&["APPEND", "a", "3"]);
    assert_eq!(enc(&mut h, "a"), Some("raw"));
    h.run(&["SET", "b", "1"]);
    h.run(&["SETBIT", "b", "1", "0"]);
    assert_eq!(enc(&mut h, "b"), Some("raw"));
    h.run(&["INCR", "b2"]);
    assert_eq!(enc(&mut h, "b2"), Some("int"));
}

#[test]
fn key_specs_mark_the_keys_each_command_writes() {
    use crate::spec::kflags::WRITES;
    let h = Harness::new();
    // (argv, [(key index, written)])
    type Case = (&'static [&'static str], &'static [(usize, bool)]);
    let cases: &[Case] = &[
        (&["GET", "k"], &[(1, false)]),
        (&["SET", "k", "v", "GET"], &[(1, true)]),
        (&["GETEX", "k", "PERSIST"], &[(1, true)]),
        (&["GETDEL", "k"], &[(1, true)]),
        (&["MGET", "a", "b"], &[(1, false), (2, false)]),
        (&["MSET", "a", "1", "b", "2"], &[(1, true), (3, true)]),
        (&["MSETNX", "a", "1", "b", "2"], &[(1, true), (3, true)]),
        (&["SETBIT", "k", "1", "1"], &[(1, true)]),
        (&["BITCOUNT", "k", "0", "1"], &[(1, false)]),
        (
            &["BITOP", "AND", "d", "a", "b"],
            &[(2, true), (3, false), (4, false)],
        ),
        (&["LCS", "a", "b", "IDX"], &[(1, false), (2, false)]),
    ];
    for (argv, want) in cases {
        let spec = h.table.get(argv[0].as_bytes()).expect("declared");
        let argv: Vec<Bytes> = argv
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let got: Vec<(usize, bool)> = crate::find_keys(spec, &argv)
            .expect("keys found")
            .iter()
            .map(|k| (k.index, k.flags & WRITES != 0))
            .collect();
        assert_eq!(&got[..], *want, "{}", spec.name);
    }
}

mod parity;

mod float_cases;
