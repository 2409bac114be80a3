//! Keyspace-wide behaviour that crosses shards: multi-key commands, KEYS/DBSIZE/SCAN, SELECT and expiry; single-connection protocol details live in basic.rs.

use std::collections::BTreeSet;
use std::time::Duration;
use tessera_testkit::{wait_until, Conn, Reply};

/// Enough keys that, with 4 shards, every shard owns several of them.
const MANY: usize = 100;

fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i}")).collect()
}

/// Runs a full SCAN with the given extra arguments and returns the distinct keys seen.
/// SCAN may return a key more than once, so duplicates are folded.
fn scan_all(c: &mut Conn, extra: &[&str]) -> BTreeSet<Vec<u8>> {
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    for _ in 0..100_000 {
        let mut args = vec!["SCAN", &cursor];
        args.extend_from_slice(extra);
        let r = c.cmd(&args);
        let parts = r.as_array().unwrap_or_else(|| panic!("SCAN reply {r}"));
        assert_eq!(parts.len(), 2, "SCAN reply {r}");
        cursor = parts[0].as_string().expect("cursor is a bulk string");
        for k in parts[1].as_array().expect("key list") {
            seen.insert(k.as_bytes().expect("key").to_vec());
        }
        if cursor == "0" {
            return seen;
        }
    }
    panic!("SCAN did not finish");
}

fn sorted_bulks(r: &Reply) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = r
        .as_array()
        .unwrap_or_else(|| panic!("want an array, got {r}"))
        .iter()
        .map(|k| k.as_bytes().expect("bulk").to_vec())
        .collect();
    v.sort();
    v
}

sharded! {
    fn multi_key_commands_across_shards(srv) {
        let mut c = srv.conn();
        let ks = keys("mk", MANY);
        let mut mset = vec!["MSET".to_string()];
        for k in &ks {
            mset.push(k.clone());
            mset.push(format!("v-{k}"));
        }
        assert_eq!(c.cmd(&mset), Reply::ok());

        // MGET keeps argument order and answers nil for missing keys in place.
        let mut mget = vec!["MGET".to_string()];
        let mut want = Vec::new();
        for (i, k) in ks.iter().enumerate() {
            mget.push(k.clone());
            want.push(Reply::bulk(format!("v-{k}")));
            if i % 10 == 0 {
                mget.push(format!("absent:{i}"));
                want.push(Reply::Nil);
            }
        }
        assert_eq!(c.cmd(&mget), Reply::Array(want));

        // EXISTS counts repeats; DEL counts each deleted key once.
        let mut exists = vec!["EXISTS".to_string()];
        exists.extend(ks.iter().cloned());
        exists.push(ks[0].clone());
        exists.push("absent".into());
        assert_eq!(c.cmd(&exists), Reply::Int(MANY as i64 + 1));

        let mut del = vec!["DEL".to_string()];
        del.extend(ks.iter().take(60).cloned());
        del.push("absent".into());
        assert_eq!(c.cmd(&del), Reply::Int(60));
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(MANY as i64 - 60));

        // MSETNX sets nothing if any key exists, on whichever shard it lives.
        let mut msetnx = vec!["MSETNX".to_string()];
        for k in keys("nx", 20) {
            msetnx.push(k);
            msetnx.push("x".into());
        }
        msetnx.push(ks[99].clone());
        msetnx.push("x".into());
        assert_eq!(c.cmd(&msetnx), Reply::Int(0));
        assert_eq!(c.cmd(&["EXISTS", "nx:0", "nx:19"]), Reply::Int(0));
        msetnx.truncate(msetnx.len() - 2);
        assert_eq!(c.cmd(&msetnx), Reply::Int(1));
        assert_eq!(c.cmd(&["MGET", "nx:0", "nx:19"]), Reply::bulks(&["x", "x"]));
    }
}

sharded! {
    fn keys_dbsize_scan_see_every_shard(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(0));
        assert_eq!(c.cmd(&["KEYS", "*"]), Reply::Array(vec![]));
        let a = keys("a", MANY);
        let b = keys("b", MANY);
        for k in a.iter().chain(&b) {
            assert_eq!(c.cmd(&["SET", k, "1"]), Reply::ok());
        }
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(2 * MANY as i64));

        let mut all: Vec<Vec<u8>> = a.iter().chain(&b).map(|k| k.as_bytes().to_vec()).collect();
        all.sort();
        assert_eq!(sorted_bulks(&c.cmd(&["KEYS", "*"])), all);
        let mut only_a: Vec<Vec<u8>> = a.iter().map(|k| k.as_bytes().to_vec()).collect();
        only_a.sort();
        assert_eq!(sorted_bulks(&c.cmd(&["KEYS", "a:*"])), only_a);
        assert_eq!(c.cmd(&["KEYS", "a:1?"]).as_array().map(|v| v.len()), Some(10));

        let everything: BTreeSet<Vec<u8>> = all.iter().cloned().collect();
        assert_eq!(scan_all(&mut c, &["COUNT", "7"]), everything);
        assert_eq!(scan_all(&mut c, &[]), everything);
        let a_set: BTreeSet<Vec<u8>> = only_a.iter().cloned().collect();
        assert_eq!(scan_all(&mut c, &["MATCH", "a:*", "COUNT", "5"]), a_set);
        assert_eq!(scan_all(&mut c, &["TYPE", "string"]), everything);
        assert_eq!(scan_all(&mut c, &["TYPE", "list"]), BTreeSet::new());

        assert_eq!(c.cmd(&["FLUSHDB"]), Reply::ok());
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(0));
        assert_eq!(scan_all(&mut c, &[]), BTreeSet::new());
    }
}

sharded! {
    fn select_and_databases(srv) {
        let mut c = srv.conn();
        let mut other = srv.conn();
        assert_eq!(c.cmd(&["SET", "k", "db0"]), Reply::ok());
        assert_eq!(c.cmd(&["SELECT", "1"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "k"]), Reply::Nil);
        assert_eq!(c.cmd(&["SET", "k", "db1"]), Reply::ok());
        for k in keys("one", 20) {
            assert_eq!(c.cmd(&["SET", &k, "x"]), Reply::ok());
        }
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(21));
        // The selected database belongs to the connection.
        assert_eq!(other.cmd(&["GET", "k"]), Reply::bulk("db0"));
        assert_eq!(other.cmd(&["DBSIZE"]), Reply::Int(1));
        assert_eq!(c.cmd(&["SELECT", "0"]), Reply::ok());
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("db0"));

        assert_eq!(
            c.cmd(&["SELECT", "16"]).to_resp_string(),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            c.cmd(&["SELECT", "abc"]).to_resp_string(),
            "-ERR value is not an integer or out of range\r\n"
        );
        // A failed SELECT leaves the connection where it was.
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("db0"));
        assert_eq!(c.cmd(&["SELECT", "15"]), Reply::ok());
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(0));

        // FLUSHDB empties only the selected database; FLUSHALL empties all of them.
        assert_eq!(other.cmd(&["SELECT", "1"]), Reply::ok());
        assert_eq!(other.cmd(&["FLUSHDB"]), Reply::ok());
        assert_eq!(other.cmd(&["DBSIZE"]), Reply::Int(0));
        assert_eq!(c.cmd(&["SELECT", "0"]), Reply::ok());
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(1));
        assert_eq!(c.cmd(&["FLUSHALL"]), Reply::ok());
        assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(0));
    }
}

sharded! {
    fn keys_expire(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "e", "v", "EX", "1"]), Reply::ok());
        let ttl = c.cmd(&["TTL", "e"]).as_int().expect("TTL is an integer");
        assert!((0..=1).contains(&ttl), "TTL {ttl}");
        let pttl = c.cmd(&["PTTL", "e"]).as_int().expect("PTTL is an integer");
        assert!((0..=1000).contains(&pttl), "PTTL {pttl}");
        assert_eq!(c.cmd(&["SET", "forever", "v"]), Reply::ok());
        assert_eq!(c.cmd(&["TTL", "forever"]), Reply::Int(-1));
        assert_eq!(c.cmd(&["TTL", "nothing"]), Reply::Int(-2));

        // No assertion on timing: only that the key does go, and then is gone for every
        // command that looks at it.
        assert!(
            wait_until(Duration::from_secs(10), || c.cmd(&["GET", "e"]) == Reply::Nil),
            "key with EX 1 never expired"
        );
        assert_eq!(c.cmd(&["EXISTS", "e"]), Reply::Int(0));
        assert_eq!(c.cmd(&["TTL", "e"]), Reply::Int(-2));
        assert_eq!(c.cmd(&["GET", "forever"]), Reply::bulk("v"));

        // EXPIRE with a time in the past deletes at once; PERSIST removes a TTL.
        assert_eq!(c.cmd(&["EXPIRE", "forever", "100"]), Reply::Int(1));
        assert_eq!(c.cmd(&["PERSIST", "forever"]), Reply::Int(1));
        assert_eq!(c.cmd(&["TTL", "forever"]), Reply::Int(-1));
        assert_eq!(c.cmd(&["EXPIRE", "forever", "-1"]), Reply::Int(1));
        assert_eq!(c.cmd(&["EXISTS", "forever"]), Reply::Int(0));
    }
}

sharded! {
    fn expired_keys_are_reclaimed_without_access(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "stays", "v"]), Reply::ok());
        // Short expiries on keys spread over every shard, never read again: only the
        // active expiry can remove them, and DBSIZE counts them until it does.
        for k in keys("px", 40) {
            assert_eq!(c.cmd(&["SET", &k, "v", "PX", "100"]), Reply::ok());
        }
        assert!(
            wait_until(Duration::from_secs(10), || c.cmd(&["DBSIZE"]) == Reply::Int(1)),
            "DBSIZE stayed at {}",
            c.cmd(&["DBSIZE"])
        );
        assert_eq!(c.cmd(&["KEYS", "*"]), Reply::bulks(&["stays"]));
    }
}
