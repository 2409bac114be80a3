//! A database (one of the 16 SELECT-able namespaces) of one shard, and the
//! shard's set of databases.

use crate::value::Value;
use crate::Ms;
use std::collections::HashMap;

#[derive(Clone, Debug)]
struct Entry {
    value: Value,
    expire_at: Option<Ms>,
    /// Last access, in seconds of the shard's LRU clock.
    lru: u32,
}

/// Counters kept by a database, summed into INFO stats.
#[derive(Clone, Copy, Debug, Default)]
pub struct DbStats {
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
}

/// One database of one shard.
#[derive(Debug, Default)]
pub struct Db {
    map: HashMap<Box<[u8]>, Entry, ahash::RandomState>,
    expires: usize,
    pub stats: DbStats,
    /// Keys removed because their TTL passed, not yet drained by the runtime
    /// (for keyspace notifications and WATCH).
    expired_keys: Vec<Box<[u8]>>,
}

fn lru_now(now: Ms) -> u32 {
    (now / 1000) as u32
}

impl Db {
    pub fn new() -> Db {
        Db::default()
    }

    /// Number of keys, including keys whose TTL passed but that were not yet
    /// removed (as Redis's DBSIZE).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of keys with a TTL.
    pub fn expires_len(&self) -> usize {
        self.expires
    }

    /// Removes `key` if its TTL has passed. Returns true if it is (still) present.
    fn check_expired(&mut self, key: &[u8], now: Ms) -> bool {
        match self.map.get(key) {
            None => false,
            Some(e) => match e.expire_at {
                Some(t) if t <= now => {
                    self.remove_entry(key);
                    self.stats.expired += 1;
                    self.expired_keys.push(key.into());
                    false
                }
                _ => true,
            },
        }
    }

    fn remove_entry(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.map.remove(key)?;
        if e.expire_at.is_some() {
            self.expires -= 1;
        }
        Some(e)
    }

    /// Looks a key up for reading: expires it lazily, counts a hit or a miss,
    /// and refreshes its access time.
    pub fn get(&mut self, key: &[u8], now: Ms) -> Option<&Value> {
        if !self.check_expired(key, now) {
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        let e = self.map.get_mut(key)?;
        e.lru = lru_now(now);
        Some(&e.value)
    }

    /// Looks a key up without touching access time or hit counters (but still
    /// expiring it lazily).
    pub fn peek(&mut self, key: &[u8], now: Ms) -> Option<&Value> {
        if !self.check_expired(key, now) {
            return None;
        }
        self.map.get(key).map(|e| &e.value)
    }

    /// Looks a key up for writing.
    pub fn get_mut(&mut self, key: &[u8], now: Ms) -> Option<&mut Value> {
        if !self.check_expired(key, now) {
            return None;
        }
        let e = self.map.get_mut(key)?;
        e.lru = lru_now(now);
        Some(&mut e.value)
    }

    pub fn contains(&mut self, key: &[u8], now: Ms) -> bool {
        self.check_expired(key, now)
    }

    /// Stores `value` under `key`, replacing any old value and clearing its TTL.
    pub fn set(&mut self, key: &[u8], value: Value, now: Ms) {
        self.set_with_expire(key, value, None, now);
    }

    /// Stores `value` under `key`, keeping the old TTL if the key existed.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value, now: Ms) {
        let ttl = if self.check_expired(key, now) {
            self.get_expire(key)
        } else {
            None
        };
        self.set_with_expire(key, value, ttl, now);
    }

    /// Stores `value` under `key` with the given absolute expiry.
    pub fn set_with_expire(&mut self, key: &[u8], value: Value, expire_at: Option<Ms>, now: Ms) {
        let entry = Entry {
            value,
            expire_at,
            lru: lru_now(now),
        };
        if expire_at.is_some() {
            self.expires += 1;
        }
        if let Some(old) = self.map.insert(key.into(), entry) {
            if old.expire_at.is_some() {
                self.expires -= 1;
            }
        }
    }

    /// Removes a key, returning its value unless it was absent or expired.
    pub fn remove(&mut self, key: &[u8], now: Ms) -> Option<Value> {
        if !self.check_expired(key, now) {
            return None;
        }
        self.remove_entry(key).map(|e| e.value)
    }

    /// Removes a key and returns its value and TTL (for RENAME, MOVE, cross-shard moves).
    pub fn take(&mut self, key: &[u8], now: Ms) -> Option<(Value, Option<Ms>)> {
        if !self.check_expired(key, now) {
            return None;
        }
        self.remove_entry(key).map(|e| (e.value, e.expire_at))
    }

    /// The absolute expiry of a key, if it has one. Does not check presence.
    pub fn get_expire(&self, key: &[u8]) -> Option<Ms> {
        self.map.get(key).and_then(|e| e.expire_at)
    }

    /// Sets (`Some`) or clears (`None`) the TTL of an existing key. Returns
    /// false if the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], at: Option<Ms>) -> bool {
        match self.map.get_mut(key) {
            None => false,
            Some(e) => {
                match (e.expire_at.is_some(), at.is_some()) {
                    (false, true) => self.expires += 1,
                    (true, false) => self.expires -= 1,
                    _ => {}
                }
                e.expire_at = at;
                true
            }
        }
    }

    /// Seconds since the key was last accessed (OBJECT IDLETIME).
    pub fn idle_seconds(&self, key: &[u8], now: Ms) -> Option<u64> {
        self.map
            .get(key)
            .map(|e| lru_now(now).saturating_sub(e.lru) as u64)
    }

    /// Removes every key; returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.map.len();
        self.map.clear();
        self.expires = 0;
        n
    }

    /// Calls `f` for every key that is not expired at `now`.
    pub fn for_each(&self, now: Ms, mut f: impl FnMut(&[u8], &Value)) {
        for (k, e) in &self.map {
            if e.expire_at.is_none_or(|t| t > now) {
                f(k, &e.value);
            }
        }
    }

    /// One step of an incremental scan. Visits about `count` keys starting at
    /// `cursor`, calling `f` for each key not expired at `now`, and returns the
    /// next cursor (0 when the scan is complete). Every key present for the
    /// whole scan is visited at least once.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        now: Ms,
        mut f: impl FnMut(&[u8], &Value),
    ) -> u64 {
        let mut keys: Vec<&Box<[u8]>> = self.map.keys().collect();
        keys.sort();
        let start = cursor as usize;
        let end = (start + count.max(1)).min(keys.len());
        for k in &keys[start.min(keys.len())..end] {
            let e = &self.map[&***k];
            if e.expire_at.is_none_or(|t| t > now) {
                f(k, &e.value);
            }
        }
        if end >= keys.len() {
            0
        } else {
            end as u64
        }
    }

    /// A random key that is not expired, or None if the database is empty.
    pub fn random_key(&mut self, now: Ms) -> Option<Vec<u8>> {
        use rand::Rng;
        for _ in 0..100 {
            if self.map.is_empty() {
                return None;
            }
            let i = rand::thread_rng().gen_range(0..self.map.len());
            let k: Vec<u8> = self.map.keys().nth(i)?.to_vec();
            if self.check_expired(&k, now) {
                return Some(k);
            }
        }
        None
    }

    /// One run of the active expiry cycle: samples keys with a TTL and removes
    /// the expired ones, repeating while many of the sampled keys had expired,
    /// for at most `max_checks` sampled keys. Returns the number removed.
    pub fn active_expire(&mut self, now: Ms, max_checks: usize) -> usize {
        let victims: Vec<Box<[u8]>> = self
            .map
            .iter()
            .filter(|(_, e)| e.expire_at.is_some_and(|t| t <= now))
            .take(max_checks)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &victims {
            self.check_expired(k, now);
        }
        victims.len()
    }

    /// Drains the keys removed by expiry since the last call.
    pub fn drain_expired(&mut self) -> Vec<Box<[u8]>> {
        std::mem::take(&mut self.expired_keys)
    }
}

/// All databases of one shard.
#[derive(Debug)]
pub struct Keyspace {
    dbs: Vec<Db>,
}

impl Keyspace {
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases).map(|_| Db::new()).collect(),
        }
    }

    pub fn db(&mut self, index: usize) -> &mut Db {
        &mut self.dbs[index]
    }

    pub fn db_ref(&self, index: usize) -> &Db {
        &self.dbs[index]
    }

    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    pub fn dbs(&self) -> &[Db] {
        &self.dbs
    }

    pub fn dbs_mut(&mut self) -> &mut [Db] {
        &mut self.dbs
    }

    /// SWAPDB on this shard.
    pub fn swap(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
    }
}
