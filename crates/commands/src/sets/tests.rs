//! Tests of the set family: replies, dirty counts and keyspace events
//! recorded from redis-server 7.0.15, plus property tests for what Redis
//! leaves to chance (random members, hashtable order, SSCAN steps).

use super::*;
use crate::harness::Harness;
use crate::table::Lookup;
use std::collections::BTreeSet;
use tessera_resp::Proto;

include!("recorded.rs");

/// Runs `args` through the table like the harness, with every keyspace event
/// class enabled; returns the reply, `ctx.dirty` and the events as
/// "name key" strings.
fn run_full(h: &mut Harness, args: &[&str]) -> (String, u64, Vec<String>) {
    let argv: Vec<Bytes> = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    let spec = match h.table.lookup(&argv) {
        Lookup::Found(s) => s,
        _ => panic!("unknown command {args:?}"),
    };
    if !spec.arity_ok(argv.len()) {
        return (h.run(args), 0, Vec::new());
    }
    let handler = match spec.exec {
        Exec::Keys(f) | Exec::Split(f, _) => f,
        _ => panic!("{args:?} cannot run in the harness"),
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

/// Whether `name` is one of this family's commands (the recorded dirty
/// counts and events of other families' commands are theirs to check).
fn is_set_command(name: &str) -> bool {
    COMMANDS.iter().any(|c| c.name.eq_ignore_ascii_case(name))
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
                if is_set_command(args[0]) {
                    assert_eq!(got_dirty, *dirty, "{scenario}: dirty of {args:?}");
                    assert_eq!(got_events, *events, "{scenario}: events of {args:?}");
                }
            }
        }
    }
}

/// Splits a RESP2 array of bulk strings into its elements.
fn bulks(reply: &str) -> Vec<String> {
    let mut lines = reply.split("\r\n");
    let head = lines.next().expect("a reply");
    assert!(head.starts_with('*') || head.starts_with('~'), "{reply:?}");
    let mut out = Vec::new();
    while let Some(l) = lines.next() {
        if l.starts_with('$') {
            out.push(lines.next().expect("bulk body").to_string());
        }
    }
    out
}

fn members_of(h: &mut Harness, key: &str) -> BTreeSet<String> {
    bulks(&h.run(&["SMEMBERS", key])).into_iter().collect()
}

fn sadd_range(h: &mut Harness, key: &str, prefix: &str, n: usize) {
    let members: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    let mut args = vec!["SADD", key];
    args.extend(members.iter().map(String::as_str));
    h.run(&args);
}

#[test]
fn hashtable_algebra_has_the_right_members() {
    let mut h = Harness::new();
    sadd_range(&mut h, "a", "m", 300);
    sadd_range(&mut h, "b", "m", 100);
    h.run(&["SADD", "b", "other"]);
    let inter = bulks(&h.run(&["SINTER", "a", "b"]));
    assert_eq!(inter.len(), 100);
    let want: BTreeSet<String> = (0..100).map(|i| format!("m{i}")).collect();
    assert_eq!(inter.into_iter().collect::<BTreeSet<_>>(), want);
    assert_eq!(
        h.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "7"]),
        ":7\r\n"
    );
    let union = bulks(&h.run(&["SUNION", "a", "b"]));
    assert_eq!(union.len(), 301);
    let diff: BTreeSet<String> = bulks(&h.run(&["SDIFF", "a", "b"])).into_iter().collect();
    let want: BTreeSet<String> = (100..300).map(|i| format!("m{i}")).collect();
    assert_eq!(diff, want);
    assert_eq!(h.run(&["SDIFFSTORE", "d", "a", "b"]), ":200\r\n");
    assert_eq!(members_of(&mut h, "d"), want);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "d"]), "$9\r\nhashtable\r\n");
    // The sources are back in place, untouched.
    assert_eq!(h.run(&["SCARD", "a"]), ":300\r\n");
    assert_eq!(h.run(&["SCARD", "b"]), ":101\r\n");
}

#[test]
fn sinter_walks_the_smallest_set() {
    // With an intset the smallest, the reply is ascending whatever the key
    // order, as in Redis.
    let mut h = Harness::new();
    sadd_range(&mut h, "big", "", 50);
    h.run(&["SADD", "big", "x"]);
    h.run(&["SADD", "small", "30", "3", "20"]);
    assert_eq!(
        h.run(&["SINTER", "big", "small"]),
        "*3\r\n$1\r\n3\r\n$2\r\n20\r\n$2\r\n30\r\n"
    );
}

#[test]
fn srandmember_properties() {
    let mut h = Harness::new();
    for (key, first) in [("ints", ""), ("strs", "s")] {
        sadd_range(&mut h, key, first, 40);
        let all = members_of(&mut h, key);
        // Distinct members, as many as asked when fewer than the set has,
        // for counts on both sides of Redis's strategy switch.
        for count in [1, 5, 13, 14, 30, 39] {
            let got = bulks(&h.run(&["SRANDMEMBER", key, &count.to_string()]));
            assert_eq!(got.len(), count, "{key} {count}");
            let set: BTreeSet<String> = got.into_iter().collect();
            assert_eq!(set.len(), count, "{key} {count}: repeats");
            assert!(set.is_subset(&all));
        }
        // Negative counts repeat, and over many draws reach every member.
        let got = bulks(&h.run(&["SRANDMEMBER", key, "-2000"]));
        assert_eq!(got.len(), 2000);
        let set: BTreeSet<String> = got.into_iter().collect();
        assert_eq!(set, all, "{key}: not every member drawn");
        // Single draws stay in the set.
        for _ in 0..50 {
            let got = h.run(&["SRANDMEMBER", key]);
            let m = got.split("\r\n").nth(1).expect("bulk").to_string();
            assert!(all.contains(&m));
        }
    }
}

#[test]
fn spop_properties_and_encodings() {
    for (first, count) in [("", 3usize), ("", 35), ("s", 3), ("s", 35)] {
        let mut h = Harness::new();
        sadd_range(&mut h, "k", first, 40);
        let all = members_of(&mut h, "k");
        let (reply, dirty, events) = run_full(&mut h, &["SPOP", "k", &count.to_string()]);
        let popped: BTreeSet<String> = bulks(&reply).into_iter().collect();
        assert_eq!(popped.len(), count);
        assert_eq!(dirty, count as u64);
        assert_eq!(events, vec!["spop k"]);
        let left = members_of(&mut h, "k");
        assert_eq!(left.len(), 40 - count);
        assert!(popped.is_disjoint(&left));
        let union: BTreeSet<String> = popped.union(&left).cloned().collect();
        assert_eq!(union, all);
    }
    // When few members stay, Redis rebuilds the set from them, so a
    // hashtable holding integers only becomes an intset (recorded: spop of
    // 10 from 12 integers in a hashtable leaves an intset; 9 leaves a
    // hashtable).
    for (count, want) in [(10, "intset"), (9, "hashtable")] {
        let mut h = Harness::new();
        h.run(&["SADD", "k", "a"]);
        sadd_range(&mut h, "k", "", 12);
        h.run(&["SREM", "k", "a"]);
        h.run(&["SADD", "k", "12"]);
        h.run(&["SREM", "k", "12"]);
        assert_eq!(h.run(&["SCARD", "k"]), ":12\r\n");
        h.run(&["SPOP", "k", &count.to_string()]);
        let enc = h.run(&["OBJECT", "ENCODING", "k"]);
        assert!(enc.contains(want), "spop {count}: {enc}");
    }
    // Popping one at a time empties and deletes the key.
    let mut h = Harness::new();
    sadd_range(&mut h, "k", "s", 5);
    let mut seen = BTreeSet::new();
    for _ in 0..5 {
        let r = h.run(&["SPOP", "k"]);
        assert!(seen.insert(r));
    }
    assert_eq!(h.run(&["EXISTS", "k"]), ":0\r\n");
    assert_eq!(h.run(&["SPOP", "k"]), "$-1\r\n");
}

#[test]
fn intset_limit_follows_the_configuration() {
    let mut h = Harness::new();
    h.config.set_max_intset_entries = 2;
    h.run(&["SADD", "y", "1", "2"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "y"]), "$6\r\nintset\r\n");
    h.run(&["SADD", "y", "3"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "y"]), "$9\r\nhashtable\r\n");
    h.config.set_max_intset_entries = 0;
    h.run(&["SADD", "z", "1"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "z"]), "$9\r\nhashtable\r\n");
    // STORE results follow the limit too.
    h.config.set_max_intset_entries = 512;
    h.run(&["SADD", "w", "1", "2", "3"]);
    h.config.set_max_intset_entries = 2;
    h.run(&["SUNIONSTORE", "u", "w"]);
    assert_eq!(h.run(&["OBJECT", "ENCODING", "u"]), "$9\r\nhashtable\r\n");
}

/// Parses an SSCAN reply into (cursor, members).
fn parse_scan(reply: &str) -> (u64, Vec<String>) {
    let mut lines = reply.split("\r\n");
    assert_eq!(lines.next(), Some("*2"));
    lines.next();
    let cursor = lines
        .next()
        .expect("cursor")
        .parse()
        .expect("numeric cursor");
    let rest: Vec<&str> = lines.collect();
    (cursor, bulks(&rest.join("\r\n")))
}

#[test]
fn sscan_returns_every_member_present_throughout() {
    let mut h = Harness::new();
    sadd_range(&mut h, "s", "m", 200);
    let mut cursor = 0u64;
    let mut seen = BTreeSet::new();
    let mut steps = 0;
    loop {
        let (next, got) = parse_scan(&h.run(&["SSCAN", "s", &cursor.to_string(), "COUNT", "7"]));
        seen.extend(got);
        steps += 1;
        // Grow the table and shrink it again while the scan runs; members
        // m0..m99 stay throughout.
        if steps == 3 {
            sadd_range(&mut h, "s", "extra", 2000);
        }
        if steps == 6 {
            let extra: Vec<String> = (0..2000).map(|i| format!("extra{i}")).collect();
            let mut args = vec!["SREM", "s"];
            args.extend(extra.iter().map(String::as_str));
            h.run(&args);
            let upper: Vec<String> = (100..200).map(|i| format!("m{i}")).collect();
            let mut args = vec!["SREM", "s"];
            args.extend(upper.iter().map(String::as_str));
            h.run(&args);
        }
        if next == 0 {
            break;
        }
        cursor = next;
        assert!(steps < 10_000, "scan does not end");
    }
    for i in 0..100 {
        assert!(seen.contains(&format!("m{i}")), "missed m{i}");
    }
    // MATCH filters after gathering; a full walk with a pattern finds
    // exactly the matching members.
    let mut cursor = 0u64;
    let mut found = BTreeSet::new();
    loop {
        let (next, got) = parse_scan(&h.run(&["SSCAN", "s", &cursor.to_string(), "MATCH", "m1?"]));
        found.extend(got);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let want: BTreeSet<String> = (10..20).map(|i| format!("m{i}")).collect();
    assert_eq!(found, want);
}

#[test]
fn sscan_count_bounds_a_step() {
    let mut h = Harness::new();
    sadd_range(&mut h, "s", "m", 1000);
    let (next, got) = parse_scan(&h.run(&["SSCAN", "s", "0", "COUNT", "5"]));
    assert_ne!(next, 0);
    // A step stops once it gathered COUNT members, finishing its bucket.
    assert!((5..20).contains(&got.len()), "{}", got.len());
    let (next, got) = parse_scan(&h.run(&["SSCAN", "s", "0", "COUNT", "100000"]));
    assert_eq!(next, 0);
    assert_eq!(got.len(), 1000);
}

#[test]
fn multi_key_commands_leave_sources_and_ttls_in_place() {
    let mut h = Harness::new();
    h.run(&["SADD", "a", "1", "2", "x"]);
    h.run(&["EXPIRE", "a", "100"]);
    h.run(&["SADD", "b", "2", "x", "y"]);
    assert_eq!(
        bulks(&h.run(&["SINTER", "a", "b", "a"]))
            .into_iter()
            .collect::<BTreeSet<_>>(),
        ["2", "x"].iter().map(|s| s.to_string()).collect()
    );
    assert_eq!(h.run(&["TTL", "a"]), ":100\r\n");
    assert_eq!(h.run(&["SCARD", "a"]), ":3\r\n");
    // The destination may be a source.
    assert_eq!(h.run(&["SUNIONSTORE", "a", "a", "b"]), ":4\r\n");
    assert_eq!(h.run(&["TTL", "a"]), ":-1\r\n");
    assert_eq!(h.run(&["SDIFFSTORE", "b", "b", "a"]), ":0\r\n");
    assert_eq!(h.run(&["EXISTS", "b"]), ":0\r\n");
}

#[test]
fn declarations_find_the_keys() {
    use crate::keys_of::find_keys;
    let argv =
        |v: &[&str]| -> Vec<Bytes> { v.iter().map(|s| Bytes::from(s.to_string())).collect() };
    let t = crate::table::Table::new(&[COMMANDS]);
    let keys = |v: &[&str]| -> Vec<String> {
        let a = argv(v);
        let Lookup::Found(spec) = t.lookup(&a) else {
            panic!("{v:?}");
        };
        find_keys(spec, &a)
            .expect("keys found")
            .into_iter()
            .map(|k| String::from_utf8_lossy(&a[k.index]).into_owned())
            .collect()
    };
    assert_eq!(
        keys(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]),
        ["a", "b"]
    );
    assert_eq!(keys(&["SINTERSTORE", "d", "a", "b"]), ["d", "a", "b"]);
    assert_eq!(keys(&["SMOVE", "s", "d", "m"]), ["s", "d"]);
    assert_eq!(keys(&["SSCAN", "s", "0", "MATCH", "x"]), ["s"]);
}

mod introspection {
    use crate::harness::Harness;

    include!("introspection.rs");

    #[test]
    fn command_info_matches_redis() {
        let mut h = Harness::new();
        for (name, want) in COMMAND_INFO {
            assert_eq!(h.run(&["COMMAND", "INFO", name]), *want, "{name}");
        }
    }

    #[test]
    fn docs_argument_trees_match_redis() {
        let mut h = Harness::new();
        for (name, want) in DOCS_ARGUMENTS {
            let docs = h.run(&["COMMAND", "DOCS", name]);
            // `arguments` is the last field of a set command's docs.
            let (_, args) = docs
                .split_once("$9\r\narguments\r\n")
                .unwrap_or_else(|| panic!("{name}: no arguments in {docs:?}"));
            assert_eq!(args, *want, "{name}");
        }
    }
}
