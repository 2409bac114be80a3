//! Many clients on the same keys at once: multi-shard commands and transactions that the server combines into batches must stay atomic, isolated and deadlock-free; single-client semantics are tested elsewhere.
//!
//! Every client pipelines, so that several operations on the same keys are waiting at the
//! same time on every shard, which is when the server runs them together. Verdicts come
//! from what the clients read, never from timing; a deadlock shows as a reply that does not
//! come within the client's read timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use tessera_testkit::{Conn, Reply, Server};

/// Keys without hash tags, so that they spread over the shards.
fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i}")).collect()
}

fn args(words: &[&str], rest: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| w.to_string())
        .chain(rest.iter().cloned())
        .collect()
}

/// Sends `cmds` in one write and returns their replies.
fn pipeline(c: &mut Conn, cmds: &[Vec<String>]) -> Vec<Reply> {
    let mut bytes = Vec::new();
    for cmd in cmds {
        bytes.extend(Conn::encode(cmd));
    }
    c.send_raw(&bytes);
    cmds.iter().map(|_| c.read_reply()).collect()
}

/// The bench's transaction shape: every client INCRs the same keys in
/// MULTI/EXEC, pipelined; readers (MGET, and a read-only transaction) must
/// always see the keys equal, and no increment may be lost.
fn transactions_on_shared_keys(srv: &mut Server) {
    const CLIENTS: usize = 6;
    const ROUNDS: usize = 40;
    const PIPELINE: usize = 8;
    let ks = keys("tx", 3);
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let mut writers = Vec::new();
        for _ in 0..CLIENTS {
            let mut c = srv.conn();
            let ks = &ks;
            writers.push(s.spawn(move || {
                let mut tx = vec![vec!["MULTI".to_string()]];
                tx.extend(ks.iter().map(|k| args(&["INCR"], std::slice::from_ref(k))));
                tx.push(vec!["EXEC".to_string()]);
                let batch: Vec<Vec<String>> = (0..PIPELINE).flat_map(|_| tx.clone()).collect();
                for _ in 0..ROUNDS {
                    for r in pipeline(&mut c, &batch) {
                        assert!(!r.is_error(), "transaction answered {r}");
                        if let Some(items) = r.as_array() {
                            assert_eq!(items.len(), ks.len(), "EXEC answered {r}");
                            let first = items[0].as_int();
                            assert!(
                                items.iter().all(|i| i.as_int() == first),
                                "one transaction's INCRs disagree: {r}"
                            );
                        }
                    }
                }
            }));
        }
        let mut readers = Vec::new();
        for transactional in [false, true] {
            let mut c = srv.conn();
            let (ks, done) = (&ks, &done);
            readers.push(s.spawn(move || {
                let mut reads = 0;
                while !done.load(Ordering::SeqCst) || reads < 10 {
                    let values = if transactional {
                        let mut tx = vec![vec!["MULTI".to_string()]];
                        tx.extend(ks.iter().map(|k| args(&["GET"], std::slice::from_ref(k))));
                        tx.push(vec!["EXEC".to_string()]);
                        pipeline(&mut c, &tx).pop().unwrap()
                    } else {
                        c.cmd(&args(&["MGET"], ks))
                    };
                    let items = values
                        .as_array()
                        .unwrap_or_else(|| panic!("read answered {values}"));
                    assert!(
                        items.windows(2).all(|p| p[0] == p[1]),
                        "a reader saw half a transaction: {values}"
                    );
                    reads += 1;
                }
            }));
        }
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
        for r in readers {
            r.join().unwrap();
        }
    });
    let total = (CLIENTS * ROUNDS * PIPELINE).to_string();
    let mut c = srv.conn();
    assert_eq!(
        c.cmd(&args(&["MGET"], &ks)),
        Reply::bulks(&vec![total.as_str(); ks.len()])
    );
}

sharded! {
    fn transactions_on_shared_keys_stay_atomic_and_lose_nothing(srv) {
        transactions_on_shared_keys(srv)
    }
}

#[test]
fn transactions_on_shared_keys_stay_atomic_and_lose_nothing_on_2_shards() {
    transactions_on_shared_keys(&mut crate::start(2))
}

/// Writers replace two sets on different shards in one transaction, always
/// with the same single member; copiers SUNIONSTORE them into a third key.
/// Whatever order the operations run in, the union of two sets that are
/// equal holds exactly one member: two members would mean a copier saw one
/// set rewritten and the other not yet.
fn sunionstore_sees_whole_transactions(srv: &mut Server) {
    const WRITERS: usize = 3;
    const COPIERS: usize = 4;
    const ROUNDS: usize = 40;
    const PIPELINE: usize = 8;
    let ks = keys("su", 2);
    let mut c = srv.conn();
    let init = [
        args(&["SADD", &ks[0], "init"], &[]),
        args(&["SADD", &ks[1], "init"], &[]),
    ];
    for cmd in &init {
        assert_eq!(c.cmd(cmd), Reply::Int(1));
    }
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let mut c = srv.conn();
            let ks = &ks;
            s.spawn(move || {
                for round in 0..ROUNDS {
                    let mut batch = Vec::new();
                    for p in 0..PIPELINE {
                        let tag = format!("w{w}-{round}-{p}");
                        batch.push(vec!["MULTI".to_string()]);
                        for k in ks {
                            batch.push(args(&["DEL"], std::slice::from_ref(k)));
                            batch.push(vec!["SADD".to_string(), k.clone(), tag.clone()]);
                        }
                        batch.push(vec!["EXEC".to_string()]);
                    }
                    for r in pipeline(&mut c, &batch) {
                        assert!(!r.is_error(), "writer answered {r}");
                    }
                }
            });
        }
        for i in 0..COPIERS {
            let mut c = srv.conn();
            let ks = &ks;
            s.spawn(move || {
                let dst = format!("su:dst{i}");
                let store = args(&["SUNIONSTORE", &dst], ks);
                let batch: Vec<Vec<String>> = (0..PIPELINE).map(|_| store.clone()).collect();
                for _ in 0..ROUNDS {
                    for r in pipeline(&mut c, &batch) {
                        assert_eq!(r, Reply::Int(1), "SUNIONSTORE saw half a transaction");
                    }
                    let members = c.cmd(&["SMEMBERS", &dst]);
                    assert_eq!(
                        members.as_array().map(|m| m.len()),
                        Some(1),
                        "the stored union is {members}"
                    );
                }
            });
        }
    });
}

sharded! {
    fn sunionstore_sees_whole_transactions_under_contention(srv) {
        sunionstore_sees_whole_transactions(srv)
    }
}

#[test]
fn sunionstore_sees_whole_transactions_under_contention_on_2_shards() {
    sunionstore_sees_whole_transactions(&mut crate::start(2))
}

/// Clients name the same keys in opposite orders, with MSET, SMOVE and
/// RENAME in both directions and transactions over all of them, all
/// pipelined: nothing may deadlock (every reply arrives within the client's
/// read timeout), and the keys end as the last operations left them.
fn opposite_orders(srv: &mut Server) {
    const ROUNDS: usize = 30;
    let ks = keys("oo", 6);
    let mut rev = ks.clone();
    rev.reverse();
    let mut c = srv.conn();
    assert_eq!(c.cmd(&["SADD", "oo:a", "m"]), Reply::Int(1));
    std::thread::scope(|s| {
        for order in [&ks, &rev] {
            for _ in 0..2 {
                let mut c = srv.conn();
                s.spawn(move || {
                    let mut mset = vec!["MSET".to_string()];
                    for k in order {
                        mset.push(k.clone());
                        mset.push("v".to_string());
                    }
                    let mut tx = vec![vec!["MULTI".to_string()]];
                    tx.extend(order.iter().map(|k| args(&["SET", k, "t"], &[])));
                    tx.push(vec!["EXEC".to_string()]);
                    let mut batch = vec![mset.clone(), args(&["DEL"], order), mset];
                    batch.extend(tx);
                    batch.push(args(&["MGET"], order));
                    for _ in 0..ROUNDS {
                        for r in pipeline(&mut c, &batch) {
                            assert!(!r.is_error(), "answered {r}");
                        }
                    }
                });
            }
        }
        for (from, to) in [("oo:a", "oo:b"), ("oo:b", "oo:a")] {
            let mut c = srv.conn();
            s.spawn(move || {
                let batch = vec![
                    vec!["SMOVE".to_string(), from.into(), to.into(), "m".into()],
                    vec![
                        "SUNIONSTORE".to_string(),
                        "oo:u".into(),
                        from.into(),
                        to.into(),
                    ],
                    vec!["SET".to_string(), format!("{from}:r"), "r".into()],
                    vec!["RENAME".to_string(), format!("{from}:r"), format!("{to}:r")],
                ];
                for _ in 0..ROUNDS {
                    for r in pipeline(&mut c, &batch) {
                        // RENAME of a key another client just deleted is an
                        // error reply, not a hang.
                        assert!(
                            !r.is_error()
                                || r.error_text().is_some_and(|e| e.contains("no such key")),
                            "answered {r}"
                        );
                    }
                }
            });
        }
    });
    // The member moved back and forth but never got lost or doubled.
    let mut c = srv.conn();
    let a = c.cmd(&["SCARD", "oo:a"]).as_int().unwrap();
    let b = c.cmd(&["SCARD", "oo:b"]).as_int().unwrap();
    assert_eq!(a + b, 1, "SMOVE lost or doubled the member");
    // Every writer ended its rounds with a transaction setting every key to "t".
    assert_eq!(
        c.cmd(&args(&["MGET"], &ks)),
        Reply::bulks(&vec!["t"; ks.len()])
    );
}

sharded! {
    fn opposite_key_orders_do_not_deadlock(srv) {
        opposite_orders(srv)
    }
}

#[test]
fn opposite_key_orders_do_not_deadlock_on_2_shards() {
    opposite_orders(&mut crate::start(2))
}

sharded! {
    fn a_push_inside_exec_wakes_the_waiter_after_the_transaction(srv) {
        // The waiter blocks first; then a transaction appends x and prepends
        // y, with writes to keys that spread over the other shards. Served
        // after the transaction the waiter pops the head, y; served in the
        // middle it would have taken x.
        let mut waiter = srv.conn();
        waiter.send_cmd(&["BLPOP", "wk:list", "0"]);
        let mut c = srv.conn();
        assert!(tessera_testkit::wait_until(std::time::Duration::from_secs(10), || {
            c.cmd(&["INFO", "clients"])
                .as_string()
                .is_some_and(|s| s.contains("blocked_clients:1"))
        }));
        let mut tx = vec![
            vec!["MULTI".to_string()],
            args(&["RPUSH", "wk:list", "x"], &[]),
            args(&["LPUSH", "wk:list", "y"], &[]),
        ];
        tx.extend(keys("wk:other", 8).iter().map(|k| args(&["SET", k, "1"], &[])));
        tx.push(vec!["EXEC".to_string()]);
        let replies = pipeline(&mut c, &tx);
        assert!(replies.last().unwrap().as_array().is_some(), "EXEC answered {:?}", replies.last());
        assert_eq!(waiter.read_reply(), Reply::bulks(&["wk:list", "y"]));
        assert_eq!(c.cmd(&["LRANGE", "wk:list", "0", "-1"]), Reply::bulks(&["x"]));
    }
}

/// Optimistic transactions (WATCH, read, MULTI, write, EXEC, retry on nil)
/// race with combined transactions on the same keys: a combined write must
/// invalidate every WATCH it races with, or a check-and-set would overwrite
/// it and increments would be lost.
fn watch_sees_combined_writes(srv: &mut Server) {
    const CAS_CLIENTS: usize = 2;
    const CAS_ROUNDS: usize = 25;
    const INCR_CLIENTS: usize = 3;
    const INCR_ROUNDS: usize = 20;
    const PIPELINE: usize = 8;
    let ks = keys("cas", 2);
    std::thread::scope(|s| {
        for _ in 0..CAS_CLIENTS {
            let mut c = srv.conn();
            let ks = &ks;
            s.spawn(move || {
                let mut done = 0;
                while done < CAS_ROUNDS {
                    assert_eq!(c.cmd(&args(&["WATCH"], ks)), Reply::ok());
                    let values: Vec<i64> = ks
                        .iter()
                        .map(|k| {
                            c.cmd(&["GET", k])
                                .as_string()
                                .map_or(0, |v| v.parse().unwrap())
                        })
                        .collect();
                    let mut tx = vec![vec!["MULTI".to_string()]];
                    for (k, v) in ks.iter().zip(&values) {
                        tx.push(vec!["SET".to_string(), k.clone(), (v + 1).to_string()]);
                    }
                    tx.push(vec!["EXEC".to_string()]);
                    let exec = pipeline(&mut c, &tx).pop().unwrap();
                    if exec.as_array().is_some() {
                        done += 1;
                    } else {
                        assert!(exec.is_nil(), "EXEC answered {exec}");
                    }
                }
            });
        }
        for _ in 0..INCR_CLIENTS {
            let mut c = srv.conn();
            let ks = &ks;
            s.spawn(move || {
                let mut tx = vec![vec!["MULTI".to_string()]];
                tx.extend(ks.iter().map(|k| args(&["INCR"], std::slice::from_ref(k))));
                tx.push(vec!["EXEC".to_string()]);
                let batch: Vec<Vec<String>> = (0..PIPELINE).flat_map(|_| tx.clone()).collect();
                for _ in 0..INCR_ROUNDS {
                    for r in pipeline(&mut c, &batch) {
                        assert!(!r.is_error(), "transaction answered {r}");
                    }
                }
            });
        }
    });
    let total = (CAS_CLIENTS * CAS_ROUNDS + INCR_CLIENTS * INCR_ROUNDS * PIPELINE).to_string();
    let mut c = srv.conn();
    assert_eq!(
        c.cmd(&args(&["MGET"], &ks)),
        Reply::bulks(&vec![total.as_str(); ks.len()]),
        "a check-and-set overwrote a combined increment"
    );
}

sharded! {
    fn watch_sees_writes_of_combined_transactions(srv) {
        watch_sees_combined_writes(srv)
    }
}

#[test]
fn watch_sees_writes_of_combined_transactions_on_2_shards() {
    watch_sees_combined_writes(&mut crate::start(2))
}
