//! WATCH: optimistic check-and-set. A connection's watch session is one
//! shared flag; each watched key is registered, with that flag, on the shard
//! that owns it. Any write to the key (or its expiry, or a FLUSHDB, FLUSHALL
//! or SWAPDB that changes it) sets the flag, and EXEC then runs nothing.
//!
//! The flag is an `Arc<AtomicBool>` because the writer may be on another
//! shard than the watching connection; it is touched only when a watched key
//! is written, never on the plain command path (which checks an empty map).

use crate::conn::Conn;
use crate::mesh::call;
use crate::shard::{shard_of, Shard};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tessera_commands::CommandSpec;
use tessera_resp::Arg;

/// Set when any watched key of a session changed.
pub type WatchFlag = Arc<AtomicBool>;

/// A connection's watched keys.
pub struct WatchSession {
    pub flag: WatchFlag,
    pub keys: Vec<(usize, Bytes)>,
}

/// One shard's watched keys, by database.
#[derive(Default)]
pub struct WatchTable {
    by_db: Vec<HashMap<Box<[u8]>, Vec<WatchFlag>, ahash::RandomState>>,
    count: usize,
}

impl WatchTable {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn add(&mut self, db: usize, key: &[u8], flag: &WatchFlag) {
        if self.by_db.len() <= db {
            self.by_db.resize_with(db + 1, HashMap::default);
        }
        let v = self.by_db[db].entry(key.into()).or_default();
        if !v.iter().any(|f| Arc::ptr_eq(f, flag)) {
            v.push(flag.clone());
            self.count += 1;
        }
    }

    fn remove(&mut self, db: usize, key: &[u8], flag: &WatchFlag) {
        let Some(m) = self.by_db.get_mut(db) else {
            return;
        };
        if let Some(v) = m.get_mut(key) {
            let before = v.len();
            v.retain(|f| !Arc::ptr_eq(f, flag));
            self.count -= before - v.len();
            if v.is_empty() {
                m.remove(key);
            }
        }
    }

    /// Sets the flags of everyone watching `key` and forgets them.
    fn touch(&mut self, db: usize, key: &[u8]) {
        let Some(m) = self.by_db.get_mut(db) else {
            return;
        };
        if let Some(v) = m.remove(key) {
            self.count -= v.len();
            for f in v {
                f.store(true, Ordering::Release);
            }
        }
    }

    fn keys_in(&self, db: usize) -> Vec<Box<[u8]>> {
        self.by_db
            .get(db)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// A key was written: invalidate its watchers.
pub fn touch(sh: &Shard, db: usize, key: &[u8]) {
    let mut w = sh.watches.borrow_mut();
    if !w.is_empty() {
        w.touch(db, key);
    }
}

/// Before FLUSHDB, FLUSHALL or SWAPDB runs on this shard: watched keys that
/// exist in a database it changes are touched (as Redis does, a watched key
/// that does not exist is not touched by a flush).
pub fn before_all_shards_write(sh: &Shard, spec: &CommandSpec, argv: &[Arg<'_>], db: usize) {
    if sh.watches.borrow().is_empty() {
        return;
    }
    let databases = sh.config.borrow().databases;
    let parse = |a: &Arg<'_>| {
        std::str::from_utf8(a)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
    };
    // Only a command that will run touches anything: a refused FLUSHDB
    // (bad argument) or a SWAPDB of a database with itself changes nothing.
    let flush_args_ok = match argv.len() {
        1 => true,
        2 => argv[1].eq_ignore_ascii_case(b"async") || argv[1].eq_ignore_ascii_case(b"sync"),
        _ => false,
    };
    let dbs: Vec<usize> = match spec.name {
        "flushdb" if flush_args_ok => vec![db],
        "flushall" if flush_args_ok => (0..databases).collect(),
        "swapdb" => match (argv.get(1).and_then(parse), argv.get(2).and_then(parse)) {
            (Some(a), Some(b)) if a < databases && b < databases && a != b => vec![a, b],
            _ => return,
        },
        _ => return,
    };
    let now = crate::shard::unix_ms();
    for &d in &dbs {
        let keys = sh.watches.borrow().keys_in(d);
        for k in keys {
            let exists = {
                let mut ks = sh.ks.borrow_mut();
                dbs.iter().any(|&x| ks.db(x).contains(&k, now))
            };
            if exists {
                touch(sh, d, &k);
            }
        }
    }
}

/// Whether a watched key has a TTL that already passed (Redis fails EXEC
/// for a watched key that expired, even if nobody removed it yet).
pub fn expired_since_watch(sh: &Shard, db: usize, key: &[u8], now: tessera_storage::Ms) -> bool {
    let ks = sh.ks.borrow();
    ks.db_ref(db).get_expire(key).is_some_and(|t| t <= now)
}

/// WATCH key [key ...] on this connection.
pub async fn watch(conn: &mut Conn, keys: &[Arg<'_>]) {
    let n = conn.sh.shards();
    let db = conn.db;
    let flag = match &conn.watch {
        Some(s) => s.flag.clone(),
        None => Arc::new(AtomicBool::new(false)),
    };
    let mut by_shard: HashMap<usize, Vec<Bytes>> = HashMap::new();
    for k in keys {
        by_shard
            .entry(shard_of(k, n))
            .or_default()
            .push(k.to_bytes());
    }
    for (s, ks) in by_shard {
        let f = flag.clone();
        let regs = ks.clone();
        call(&conn.sh, s, move |sh, reply| {
            let mut w = sh.watches.borrow_mut();
            for k in &regs {
                w.add(db, k, &f);
            }
            let _ = reply.send(());
        })
        .await;
        let session = conn.watch.get_or_insert_with(|| WatchSession {
            flag: flag.clone(),
            keys: Vec::new(),
        });
        for k in ks {
            if !session.keys.iter().any(|(d, x)| *d == db && *x == k) {
                session.keys.push((db, k));
            }
        }
    }
}

/// Forgets every watched key of this connection.
pub async fn unwatch(conn: &mut Conn) {
    let Some(session) = conn.watch.take() else {
        return;
    };
    unregister(conn.sh.clone(), session).await;
}

/// Like [`unwatch`], for callers that cannot wait (RESET): the shards are
/// told in a task of their own.
pub fn unwatch_in_background(conn: &mut Conn) {
    if let Some(session) = conn.watch.take() {
        glommio::spawn_local(unregister(conn.sh.clone(), session)).detach();
    }
}

async fn unregister(sh: std::rc::Rc<Shard>, session: WatchSession) {
    let n = sh.shards();
    let mut by_shard: HashMap<usize, Vec<(usize, Bytes)>> = HashMap::new();
    for (d, k) in session.keys {
        by_shard.entry(shard_of(&k, n)).or_default().push((d, k));
    }
    for (s, ks) in by_shard {
        let f = session.flag.clone();
        call(&sh, s, move |sh, reply| {
            let mut w = sh.watches.borrow_mut();
            for (d, k) in &ks {
                w.remove(*d, k, &f);
            }
            let _ = reply.send(());
        })
        .await;
    }
}
