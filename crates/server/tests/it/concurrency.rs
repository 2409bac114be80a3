//! Several clients at once: no lost updates, and multi-shard writes that concurrent readers never see half-done; single-client behaviour is tested elsewhere.
//!
//! Connections are accepted on different shards, so these tests exercise the shard mesh
//! and the multi-shard coordinator from several cores at the same time.

use std::sync::atomic::{AtomicBool, Ordering};
use tessera_testkit::{Conn, Reply};

/// Keys that spread over the shards (no hash tag).
fn spread_keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("cc:{i}")).collect()
}

sharded! {
    fn concurrent_increments_are_not_lost(srv) {
        const CLIENTS: i64 = 4;
        const ROUNDS: i64 = 50;
        let keys = spread_keys(8);
        std::thread::scope(|s| {
            for _ in 0..CLIENTS {
                let mut c = srv.conn();
                let keys = &keys;
                s.spawn(move || {
                    for _ in 0..ROUNDS {
                        // One pipelined batch per round: an INCR on every key.
                        let mut batch = Vec::new();
                        for k in keys {
                            batch.extend(Conn::encode(&["INCR", k]));
                        }
                        c.send_raw(&batch);
                        for _ in keys {
                            let r = c.read_reply();
                            assert!(r.as_int().is_some(), "INCR answered {r}");
                        }
                    }
                });
            }
        });
        let mut c = srv.conn();
        let mut mget = vec!["MGET".to_string()];
        mget.extend(keys.iter().cloned());
        let want = (CLIENTS * ROUNDS).to_string();
        assert_eq!(c.cmd(&mget), Reply::bulks(&vec![want.as_str(); keys.len()]));
    }
}

sharded! {
    fn multi_shard_writes_are_atomic_to_readers(srv) {
        const WRITES: usize = 300;
        let keys = spread_keys(8);
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let mut w = srv.conn();
            let (keys_w, done_w) = (&keys, &done);
            s.spawn(move || {
                for i in 0..WRITES {
                    // Alternate MSET with a DEL of all keys, both multi-shard writes.
                    let r = if i % 10 == 9 {
                        let mut del = vec!["DEL".to_string()];
                        del.extend(keys_w.iter().cloned());
                        w.cmd(&del)
                    } else {
                        let mut mset = vec!["MSET".to_string()];
                        for k in keys_w {
                            mset.push(k.clone());
                            mset.push(i.to_string());
                        }
                        w.cmd(&mset)
                    };
                    assert!(!r.is_error(), "write {i} failed: {r}");
                }
                done_w.store(true, Ordering::SeqCst);
            });
            for _ in 0..2 {
                let mut c = srv.conn();
                let (keys, done) = (&keys, &done);
                s.spawn(move || {
                    let mut mget = vec!["MGET".to_string()];
                    mget.extend(keys.iter().cloned());
                    let mut reads = 0;
                    // At least a few reads even if the writer is already finished.
                    while !done.load(Ordering::SeqCst) || reads < 10 {
                        let r = c.cmd(&mget);
                        let values = r.as_array().unwrap_or_else(|| panic!("MGET answered {r}"));
                        assert!(
                            values.windows(2).all(|p| p[0] == p[1]),
                            "MGET saw a half-applied multi-shard write: {r}"
                        );
                        reads += 1;
                    }
                });
            }
        });
    }
}
