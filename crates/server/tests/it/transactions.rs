//! MULTI/EXEC/DISCARD/WATCH over TCP: Redis's replies and errors, and the
//! isolation of transactions whose keys live on several shards.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tessera_testkit::{Conn, Reply};

fn q(c: &mut Conn, args: &[&str]) {
    assert_eq!(c.cmd(args), Reply::simple("QUEUED"), "{args:?}");
}

sharded! {
    fn exec_runs_the_queue_and_reports_runtime_errors_in_place(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "s", "text"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["SET", "a", "1"]);
        q(&mut c, &["INCR", "s"]);
        q(&mut c, &["MSET", "b", "2", "c", "3"]);
        q(&mut c, &["MGET", "a", "b", "c"]);
        let r = c.cmd(&["EXEC"]);
        assert_eq!(
            r.to_resp_string(),
            "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
        );
    }
}

sharded! {
    fn queue_time_errors_abort_exec(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["SET", "a", "1"]);
        assert!(c.cmd(&["SET", "a"]).is_error());
        assert!(c.cmd(&["NOSUCHCOMMAND"]).is_error());
        assert_eq!(
            c.cmd(&["EXEC"]).error_text().as_deref(),
            Some("EXECABORT Transaction discarded because of previous errors.")
        );
        assert_eq!(c.cmd(&["EXISTS", "a"]), Reply::Int(0));
        assert_eq!(c.cmd(&["EXEC"]).error_text().as_deref(), Some("ERR EXEC without MULTI"));
        assert_eq!(c.cmd(&["DISCARD"]).error_text().as_deref(), Some("ERR DISCARD without MULTI"));
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]).error_text().as_deref(), Some("ERR MULTI calls can not be nested"));
        assert_eq!(c.cmd(&["WATCH", "x"]).error_text().as_deref(), Some("ERR WATCH inside MULTI is not allowed"));
        q(&mut c, &["SET", "a", "2"]);
        assert_eq!(c.cmd(&["DISCARD"]), Reply::ok());
        assert_eq!(c.cmd(&["EXISTS", "a"]), Reply::Int(0));
    }
}

sharded! {
    fn a_watched_key_written_elsewhere_fails_exec(srv) {
        let mut c = srv.conn();
        let mut other = srv.conn();
        // Keys on (probably) several shards, written from another connection.
        for victim in ["w1", "w2", "w3", "w4"] {
            assert_eq!(c.cmd(&["WATCH", "w1", "w2", "w3", "w4"]), Reply::ok());
            assert_eq!(other.cmd(&["SET", victim, "x"]), Reply::ok());
            assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
            q(&mut c, &["SET", "result", victim]);
            assert!(c.cmd(&["EXEC"]).is_nil(), "write to {victim} must abort EXEC");
            assert_eq!(c.cmd(&["EXISTS", "result"]), Reply::Int(0));
        }
        // Untouched: EXEC runs, and EXEC unwatched everything.
        assert_eq!(c.cmd(&["WATCH", "w1"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["SET", "result", "ok"]);
        assert_eq!(c.cmd(&["EXEC"]).to_resp_string(), "*1\r\n+OK\r\n");
        assert_eq!(other.cmd(&["SET", "w1", "y"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["GET", "result"]);
        assert_eq!(c.cmd(&["EXEC"]).to_resp_string(), "*1\r\n$2\r\nok\r\n");
        // FLUSHALL touches watched keys that exist; a watch in another db works too.
        assert_eq!(c.cmd(&["SELECT", "3"]), Reply::ok());
        assert_eq!(c.cmd(&["SET", "in3", "v"]), Reply::ok());
        assert_eq!(c.cmd(&["WATCH", "in3"]), Reply::ok());
        assert_eq!(other.cmd(&["FLUSHALL"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["PING"]);
        assert!(c.cmd(&["EXEC"]).is_nil());
    }
}

sharded! {
    fn select_inside_multi_moves_later_commands(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["SELECT", "2"]);
        q(&mut c, &["SET", "k", "in2"]);
        assert_eq!(c.cmd(&["EXEC"]).to_resp_string(), "*2\r\n+OK\r\n+OK\r\n");
        assert_eq!(c.cmd(&["GET", "k"]), Reply::bulk("in2"));
        assert_eq!(c.cmd(&["SELECT", "0"]), Reply::ok());
        assert_eq!(c.cmd(&["EXISTS", "k"]), Reply::Int(0));
    }
}

const ACCOUNTS: usize = 12;
const INITIAL: i64 = 1000;

fn account(i: usize) -> String {
    format!("acct:{i}")
}

fn balances(c: &mut Conn) -> Vec<i64> {
    assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
    let mut mget = vec!["MGET".to_string()];
    mget.extend((0..ACCOUNTS).map(account));
    q(c, &mget.iter().map(String::as_str).collect::<Vec<_>>());
    let r = c.cmd(&["EXEC"]);
    let items = r.as_array().expect("EXEC array")[0]
        .as_array()
        .expect("MGET array")
        .to_vec();
    items
        .iter()
        .map(|b| b.as_string().and_then(|s| s.parse().ok()).expect("balance"))
        .collect()
}

sharded! {
    fn transfers_between_accounts_on_all_shards_are_isolated(srv) {
        let mut setup = srv.conn();
        for i in 0..ACCOUNTS {
            assert_eq!(setup.cmd(&["SET", &account(i), &INITIAL.to_string()]), Reply::ok());
        }
        let total = INITIAL * ACCOUNTS as i64;
        let done = AtomicBool::new(false);
        let snapshots = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let mut writers = Vec::new();
            for w in 0..4u64 {
                let mut c = srv.conn();
                writers.push(s.spawn(move || {
                    let mut seed = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(w + 1);
                    let mut next = move |n: u64| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed % n
                    };
                    for round in 0..60 {
                        let from = account(next(ACCOUNTS as u64) as usize);
                        let to = account(next(ACCOUNTS as u64) as usize);
                        let amount = (1 + next(50)).to_string();
                        if round % 2 == 0 {
                            // Blind transfer with MULTI/EXEC (may go negative).
                            assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
                            q(&mut c, &["DECRBY", &from, &amount]);
                            q(&mut c, &["INCRBY", &to, &amount]);
                            let r = c.cmd(&["EXEC"]);
                            assert_eq!(r.as_array().map(|a| a.len()), Some(2), "{r}");
                        } else {
                            // Check-and-set: never overdraw, retry on conflict.
                            loop {
                                assert_eq!(c.cmd(&["WATCH", &from, &to]), Reply::ok());
                                let bal: i64 = c.cmd(&["GET", &from]).as_string().and_then(|s| s.parse().ok()).expect("balance");
                                let amt: i64 = amount.parse().unwrap();
                                if bal < amt || from == to {
                                    assert_eq!(c.cmd(&["UNWATCH"]), Reply::ok());
                                    break;
                                }
                                assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
                                q(&mut c, &["DECRBY", &from, &amount]);
                                q(&mut c, &["INCRBY", &to, &amount]);
                                let r = c.cmd(&["EXEC"]);
                                if !r.is_nil() {
                                    let v = r.as_array().expect("EXEC array")[0].as_int().expect("DECRBY");
                                    assert!(v >= 0 || bal < 0, "check-and-set overdrew {from}: {v}");
                                    break;
                                }
                            }
                        }
                    }
                }));
            }
            for _ in 0..2 {
                let mut c = srv.conn();
                let (done, snapshots) = (&done, &snapshots);
                s.spawn(move || {
                    while !done.load(Ordering::SeqCst) {
                        let b = balances(&mut c);
                        assert_eq!(b.iter().sum::<i64>(), total, "snapshot {b:?} is not consistent");
                        snapshots.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            for w in writers {
                w.join().expect("writer");
            }
            done.store(true, Ordering::SeqCst);
        });
        let b = balances(&mut setup);
        assert_eq!(b.iter().sum::<i64>(), total);
        assert!(snapshots.load(Ordering::Relaxed) > 0);
    }
}

sharded! {
    fn client_list_shows_the_queue_and_reset_ends_the_transaction(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["SET", "a", "1"]);
        q(&mut c, &["SET", "b", "2"]);
        let mut other = srv.conn();
        let list = other.cmd(&["CLIENT", "LIST"]).as_string().unwrap();
        assert!(list.lines().any(|l| l.contains(" multi=2 ") && l.contains("flags=x ")), "{list}");
        assert_eq!(c.cmd(&["RESET"]), Reply::simple("RESET"));
        assert_eq!(c.cmd(&["EXEC"]).error_text().as_deref(), Some("ERR EXEC without MULTI"));
        assert_eq!(c.cmd(&["EXISTS", "a", "b"]), Reply::Int(0));
        let list = other.cmd(&["CLIENT", "LIST"]).as_string().unwrap();
        assert!(list.lines().all(|l| l.contains(" multi=-1 ")), "{list}");
    }
}

/// Runs `setup` on a second connection between WATCH w and MULTI/EXEC, and
/// returns whether EXEC ran.
fn exec_runs_after(srv: &tessera_testkit::Server, setup: &[&[&str]]) -> bool {
    let mut c = srv.conn();
    let mut other = srv.conn();
    assert_eq!(c.cmd(&["WATCH", "w"]), Reply::ok());
    for cmd in setup {
        let _ = other.cmd(cmd);
    }
    assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
    q(&mut c, &["PING"]);
    !c.cmd(&["EXEC"]).is_nil()
}

sharded! {
    fn watch_is_not_touched_by_a_del_of_the_missing_key(srv) {
        assert!(exec_runs_after(srv, &[&["SET", "c", "1"], &["DEL", "w", "c"]]));
        assert!(exec_runs_after(srv, &[&["RPUSH", "l", "a"], &["LMPOP", "2", "l", "w", "LEFT"]]));
    }
}

sharded! {
    fn watch_is_not_touched_by_swapdb_of_a_db_with_itself_or_a_refused_flushdb(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "w", "1"]), Reply::ok());
        assert!(exec_runs_after(srv, &[&["SWAPDB", "0", "0"]]));
        assert!(exec_runs_after(srv, &[&["FLUSHDB", "NOW"]]));
    }
}

sharded! {
    fn watch_is_not_touched_by_copy_into_another_db(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "s", "1"]), Reply::ok());
        assert_eq!(c.cmd(&["SET", "w", "5"]), Reply::ok());
        assert!(exec_runs_after(srv, &[&["COPY", "s", "w", "DB", "1"]]));
        assert!(exec_runs_after(srv, &[&["COPY", "s", "w", "DB", "1", "REPLACE"]]));
        // A write that does change w still aborts.
        assert!(!exec_runs_after(srv, &[&["DEL", "w"]]));
    }
}

/// `INFO commandstats` as name -> (calls, rejected_calls, failed_calls).
fn command_counts(c: &mut Conn) -> std::collections::BTreeMap<String, (u64, u64, u64)> {
    let info = c.cmd(&["INFO", "commandstats"]);
    let text = String::from_utf8_lossy(info.as_bytes().unwrap_or_default()).into_owned();
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        let Some((name, fields)) = line
            .strip_prefix("cmdstat_")
            .and_then(|l| l.split_once(':'))
        else {
            continue;
        };
        let field = |key: &str| {
            fields
                .split(',')
                .find_map(|f| f.strip_prefix(key))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(u64::MAX)
        };
        out.insert(
            name.to_string(),
            (
                field("calls="),
                field("rejected_calls="),
                field("failed_calls="),
            ),
        );
    }
    out
}

sharded! {
    // Tessera counted nothing that happened in MULTI: not EXEC, DISCARD or a
    // nested MULTI, not the commands EXEC ran, not the errors of refused
    // commands; and no command's rejected_calls at all. Redis 7.0.15 gives
    // these figures for this exact sequence.
    fn commandstats_and_errorstats_count_transactions_as_redis_does(srv) {
        let mut c = srv.conn();
        assert_eq!(c.cmd(&["SET", "s", "x"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["INCR", "a"]);
        q(&mut c, &["INCR", "s"]);
        let r = c.cmd(&["EXEC"]);
        assert!(matches!(&r, Reply::Array(v) if v.len() == 2), "{r:?}");
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        q(&mut c, &["INCR", "a"]);
        assert!(c.cmd(&["NOSUCH"]).is_error());
        assert!(c.cmd(&["EXEC"]).is_error());
        assert!(c.cmd(&["GET"]).is_error());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert!(c.cmd(&["GET"]).is_error());
        assert_eq!(c.cmd(&["DISCARD"]), Reply::ok());
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert!(c.cmd(&["MULTI"]).is_error());
        assert_eq!(c.cmd(&["EXEC"]), Reply::Array(vec![]));
        assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
        assert!(c.cmd(&["WATCH", "x"]).is_error());
        assert!(c.cmd(&["CONFIG", "GET"]).is_error());
        assert!(c.cmd(&["EXEC"]).is_error());

        let counts = command_counts(&mut c);
        let want = [
            ("incr", (2, 0, 1)),
            ("multi", (6, 0, 1)),
            ("get", (0, 2, 0)),
            ("set", (1, 0, 0)),
            ("exec", (4, 0, 2)),
            ("watch", (1, 0, 1)),
            ("config|get", (0, 1, 0)),
            ("discard", (1, 0, 0)),
        ];
        for (name, counts_want) in want {
            assert_eq!(counts.get(name), Some(&counts_want), "cmdstat_{name} in {counts:?}");
        }
        let errors = c.cmd(&["INFO", "errorstats"]);
        let text = String::from_utf8_lossy(errors.as_bytes().unwrap_or_default()).into_owned();
        assert!(text.contains("errorstat_ERR:count=7\r\n"), "{text}");
        assert!(text.contains("errorstat_EXECABORT:count=2\r\n"), "{text}");
    }
}
