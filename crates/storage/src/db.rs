//! A database (one of the 16 SELECT-able namespaces) of one shard, and the
//! shard's set of databases: expiry policy, hit/miss counters and access
//! times on top of `Dict`. It must not read the clock (`now` is always an
//! argument) nor touch node memory (that is `dict.rs`'s job).
//!
//! # Expiry
//!
//! Every access by key (`get`, `peek`, `get_mut`, `contains`, `remove`,
//! `take`, `delete`, and the `set` family when it overwrites) first removes
//! the key if its deadline is at or before `now` (lazy expiry), counts it in
//! `stats.expired` and records its name for `drain_expired`, so no expired key
//! is ever returned. Keys that are never touched again are found by the
//! active cycle (`active_expire_cycle`), modelled on Redis's: it samples keys
//! with a TTL 20 at a time, walking the expires table with a cursor kept in
//! the database so successive cycles cover all of it, removes the expired
//! ones, and goes on while more than a quarter of a sample had expired. It
//! stops after `max_checks` sampled keys (plus the rest of the bucket it is
//! in) and visits at most 20 buckets per key it may sample, so a cycle's work
//! is bounded; the runtime bounds its time
//! by choosing `max_checks` (200 checks are well under a millisecond) and by
//! calling again while the report says many sampled keys were stale.
//!
//! # Key events for notifications
//!
//! While armed by [`Keyspace::track_key_events`], a database records the
//! keys it adds (`TRACK_NEW`: a `set` that inserts, Redis's dbAdd) and the
//! keys a `get` misses (`TRACK_MISS`: Redis's lookupKeyRead), in order, for
//! the command context to turn into `new` and `keymiss` events. Disarmed,
//! each of those paths costs one test of a byte field and records nothing.
//!
//! # Access times
//!
//! Each key keeps a 24-bit access clock in seconds (Redis's LRU clock, which
//! wraps after 194 days); `get` and `get_mut` refresh it, `peek` and the
//! `&self` methods do not. The upper 8 bits of the access word are kept for
//! an LFU counter.

use crate::dict::{key_hash, Dict, EntryMut};
use crate::value::Value;
use crate::Ms;
use rand::rngs::SmallRng;
use rand::SeedableRng;

/// Keys sampled per round of the active expiry cycle (Redis's
/// ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
pub const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// Empty buckets an expiry round may visit per key it wants to sample.
const EXPIRE_BUCKETS_PER_KEY: usize = 20;

/// Bits of the access word that hold the LRU clock.
pub const LRU_BITS: u32 = 24;
/// Largest LRU clock value; the clock wraps after it.
pub const LRU_CLOCK_MAX: u32 = (1 << LRU_BITS) - 1;

/// The 24-bit LRU clock (seconds) at `now`.
pub fn lru_clock(now: Ms) -> u32 {
    ((now.max(0) / 1000) as u64 & LRU_CLOCK_MAX as u64) as u32
}

/// Seconds between an access stamped `lru` and the clock `clock`, allowing
/// for one wrap of the clock (as Redis's estimateObjectIdleTime).
fn idle_between(clock: u32, lru: u32) -> u64 {
    if clock >= lru {
        (clock - lru) as u64
    } else {
        clock as u64 + (LRU_CLOCK_MAX - lru) as u64
    }
}

/// [`Db::track`] bit: record keys added to the database.
pub const TRACK_NEW: u8 = 1;
/// [`Db::track`] bit: record keys a read lookup (`get`) did not find.
pub const TRACK_MISS: u8 = 2;

/// A key event recorded while tracking (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// The key was added to the database.
    New,
    /// A read looked the key up and did not find it.
    Miss,
}

/// Counters kept by a database, summed into INFO stats.
#[derive(Clone, Copy, Debug, Default)]
pub struct DbStats {
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
}

/// What one active expiry cycle did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpireCycle {
    /// Keys with a TTL that were looked at.
    pub sampled: usize,
    /// Keys removed because their deadline had passed.
    pub expired: usize,
    /// The last sample still had more than a quarter of expired keys: the
    /// cycle stopped on its budget and the caller should run another soon.
    pub stale: bool,
}

/// One database of one shard.
#[derive(Debug)]
pub struct Db {
    dict: Dict,
    pub stats: DbStats,
    /// Keys removed because their TTL passed, not yet drained by the runtime
    /// (for keyspace notifications and WATCH).
    expired_keys: Vec<Box<[u8]>>,
    /// Where the next active expiry cycle resumes in the expires table.
    expire_cursor: u64,
    /// Drives RANDOMKEY's sampling; seeded fixed so runs are repeatable.
    rng: SmallRng,
    /// Which key events to record (`TRACK_*` bits); 0 outside a command
    /// whose clients listen for `n` or `m`.
    track: u8,
    /// Key events recorded while tracking, not yet drained.
    key_events: Vec<(KeyEvent, Box<[u8]>)>,
}

impl Default for Db {
    fn default() -> Db {
        Db::new()
    }
}

/// Looks `key` up, removing it first if it expired (recording that). Takes
/// the fields apart so the entry can outlive the borrow of the counters.
fn lookup<'a>(
    dict: &'a mut Dict,
    expired: &mut u64,
    expired_keys: &mut Vec<Box<[u8]>>,
    key: &[u8],
    hash: u64,
    now: Ms,
) -> Option<EntryMut<'a>> {
    let e = dict.get_mut(key, hash)?;
    if e.expire_at().is_some_and(|t| t <= now) {
        e.delete();
        *expired += 1;
        expired_keys.push(key.into());
        return None;
    }
    Some(e)
}

fn touch(e: &mut EntryMut<'_>, now: Ms) {
    let access = (e.access() & !LRU_CLOCK_MAX) | lru_clock(now);
    e.set_access(access);
}

/// The key holds a value of another type than the one asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OtherType;

impl Db {
    pub fn new() -> Db {
        Db {
            dict: Dict::new(),
            stats: DbStats::default(),
            expired_keys: Vec::new(),
            expire_cursor: 0,
            rng: SmallRng::seed_from_u64(0x7e55_e7a0),
            track: 0,
            key_events: Vec::new(),
        }
    }

    /// Records `ev` on `key` when `bit` is armed in `track`. Takes the
    /// fields, not `&mut self`, so callers may hold borrows of the others.
    #[inline]
    fn note(track: u8, bit: u8, events: &mut Vec<(KeyEvent, Box<[u8]>)>, ev: KeyEvent, key: &[u8]) {
        if track & bit != 0 {
            events.push((ev, key.into()));
        }
    }

    /// Number of keys, including keys whose TTL passed but that were not yet
    /// removed (as Redis's DBSIZE).
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Number of keys with a TTL.
    pub fn expires_len(&self) -> usize {
        self.dict.expires_len()
    }

    fn lookup(&mut self, key: &[u8], now: Ms) -> Option<EntryMut<'_>> {
        lookup(
            &mut self.dict,
            &mut self.stats.expired,
            &mut self.expired_keys,
            key,
            key_hash(key),
            now,
        )
    }

    /// Looks a key up for reading: expires it lazily, counts a hit or a miss,
    /// and refreshes its access time.
    pub fn get(&mut self, key: &[u8], now: Ms) -> Option<&Value> {
        let found = lookup(
            &mut self.dict,
            &mut self.stats.expired,
            &mut self.expired_keys,
            key,
            key_hash(key),
            now,
        );
        match found {
            None => {
                self.stats.misses += 1;
                Db::note(
                    self.track,
                    TRACK_MISS,
                    &mut self.key_events,
                    KeyEvent::Miss,
                    key,
                );
                None
            }
            Some(mut e) => {
                self.stats.hits += 1;
                touch(&mut e, now);
                Some(e.value())
            }
        }
    }

    /// Looks a key up without touching access time or hit counters (but still
    /// expiring it lazily).
    pub fn peek(&mut self, key: &[u8], now: Ms) -> Option<&Value> {
        self.lookup(key, now).map(EntryMut::value)
    }

    /// Looks a key up for writing (refreshes its access time). A string that
    /// was stored embedded is moved to its own buffer first, so prefer `get`
    /// or `peek` when only reading.
    pub fn get_mut(&mut self, key: &[u8], now: Ms) -> Option<&mut Value> {
        let mut e = self.lookup(key, now)?;
        touch(&mut e, now);
        Some(e.value_mut())
    }

    /// One lookup for a write to a value of a given type (Redis's
    /// `lookupKeyWrite` and type check): `Ok(None)` when the key is missing;
    /// otherwise its access time is refreshed, and then `Err` when its
    /// value fails `is` (nothing is moved out of its node for that), or the
    /// value with a collection's resize moved along, as `get` does.
    pub fn get_mut_if(
        &mut self,
        key: &[u8],
        now: Ms,
        is: impl FnOnce(&Value) -> bool,
    ) -> Result<Option<&mut Value>, OtherType> {
        let Some(mut e) = self.lookup(key, now) else {
            return Ok(None);
        };
        touch(&mut e, now);
        if !e.holds(is) {
            return Err(OtherType);
        }
        Ok(Some(e.value_mut_stepped()))
    }

    pub fn contains(&mut self, key: &[u8], now: Ms) -> bool {
        self.lookup(key, now).is_some()
    }

    /// Stores `value` under `key`, replacing any old value and clearing its TTL.
    pub fn set(&mut self, key: &[u8], value: Value, now: Ms) {
        self.set_with_expire(key, value, None, now);
    }

    /// Stores `value` under `key`, keeping the old TTL if the key existed.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value, now: Ms) {
        let hash = key_hash(key);
        let access = lru_clock(now);
        let found = lookup(
            &mut self.dict,
            &mut self.stats.expired,
            &mut self.expired_keys,
            key,
            hash,
            now,
        );
        match found {
            Some(e) => {
                let at = e.expire_at();
                e.replace(value, at, access);
            }
            None => {
                self.dict.insert(key, hash, value, None, access);
                Db::note(
                    self.track,
                    TRACK_NEW,
                    &mut self.key_events,
                    KeyEvent::New,
                    key,
                );
            }
        }
    }

    /// Stores `value` under `key` with the given absolute expiry.
    pub fn set_with_expire(&mut self, key: &[u8], value: Value, expire_at: Option<Ms>, now: Ms) {
        let hash = key_hash(key);
        let access = lru_clock(now);
        let found = lookup(
            &mut self.dict,
            &mut self.stats.expired,
            &mut self.expired_keys,
            key,
            hash,
            now,
        );
        match found {
            Some(e) => {
                e.replace(value, expire_at, access);
            }
            None => {
                self.dict.insert(key, hash, value, expire_at, access);
                Db::note(
                    self.track,
                    TRACK_NEW,
                    &mut self.key_events,
                    KeyEvent::New,
                    key,
                );
            }
        }
    }

    /// Stores the string `bytes` under `key` with the given absolute expiry,
    /// choosing the int encoding for canonical integers. Same effect as
    /// `set_with_expire(key, Value::string(bytes), ..)`, but a new key costs a
    /// single allocation (no intermediate `RawStr`).
    pub fn set_bytes(&mut self, key: &[u8], bytes: &[u8], expire_at: Option<Ms>, now: Ms) {
        let hash = key_hash(key);
        let access = lru_clock(now);
        let found = lookup(
            &mut self.dict,
            &mut self.stats.expired,
            &mut self.expired_keys,
            key,
            hash,
            now,
        );
        match found {
            Some(e) => {
                e.replace_bytes(bytes, expire_at, access);
            }
            None => {
                self.dict.insert_bytes(key, hash, bytes, expire_at, access);
                Db::note(
                    self.track,
                    TRACK_NEW,
                    &mut self.key_events,
                    KeyEvent::New,
                    key,
                );
            }
        }
    }

    /// Removes a key, returning its value unless it was absent or expired.
    pub fn remove(&mut self, key: &[u8], now: Ms) -> Option<Value> {
        self.lookup(key, now).map(|e| e.remove().0)
    }

    /// Removes a key without building its value; returns whether it existed
    /// (and had not expired). Cheaper than `remove` for DEL and UNLINK.
    pub fn delete(&mut self, key: &[u8], now: Ms) -> bool {
        match self.lookup(key, now) {
            Some(e) => {
                e.delete();
                true
            }
            None => false,
        }
    }

    /// Removes a key and returns its value and TTL (for RENAME, MOVE, cross-shard moves).
    pub fn take(&mut self, key: &[u8], now: Ms) -> Option<(Value, Option<Ms>)> {
        self.lookup(key, now).map(EntryMut::remove)
    }

    /// The absolute expiry of a key, if it has one. Does not check presence.
    pub fn get_expire(&self, key: &[u8]) -> Option<Ms> {
        self.dict.get(key, key_hash(key))?.expire_at()
    }

    /// Sets (`Some`) or clears (`None`) the TTL of an existing key. Returns
    /// false if the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], at: Option<Ms>) -> bool {
        match self.dict.get_mut(key, key_hash(key)) {
            None => false,
            Some(mut e) => {
                e.set_expire(at);
                true
            }
        }
    }

    /// Seconds since the key was last accessed (OBJECT IDLETIME); None if the
    /// key is absent or expired.
    pub fn idle_seconds(&self, key: &[u8], now: Ms) -> Option<u64> {
        let e = self.dict.get(key, key_hash(key))?;
        if e.expire_at().is_some_and(|t| t <= now) {
            return None;
        }
        Some(idle_between(lru_clock(now), e.access() & LRU_CLOCK_MAX))
    }

    /// Removes every key; returns how many there were.
    pub fn clear(&mut self) -> usize {
        self.expire_cursor = 0;
        self.dict.clear()
    }

    /// Calls `f` for every key that is not expired at `now`.
    pub fn for_each(&self, now: Ms, mut f: impl FnMut(&[u8], &Value)) {
        self.dict.for_each(|e| {
            if e.expire_at().is_none_or(|t| t > now) {
                e.with_value(|v| f(e.key(), v));
            }
        });
    }

    /// One step of an incremental scan. Visits about `count` keys starting at
    /// `cursor`, calling `f` for each key not expired at `now`, and returns the
    /// next cursor (0 when the scan is complete). Every key present for the
    /// whole scan is visited at least once, however the table is resized in
    /// between; a key may be visited more than once. Like Redis, one call
    /// visits at most `10 * count` buckets, so it may return fewer keys.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        now: Ms,
        mut f: impl FnMut(&[u8], &Value),
    ) -> u64 {
        let count = count.max(1);
        let mut budget = count.saturating_mul(10);
        let mut visited = 0;
        let mut cursor = cursor;
        loop {
            cursor = self.dict.scan(cursor, |e| {
                if e.expire_at().is_none_or(|t| t > now) {
                    visited += 1;
                    e.with_value(|v| f(e.key(), v));
                }
            });
            budget -= 1;
            if cursor == 0 || visited >= count || budget == 0 {
                return cursor;
            }
        }
    }

    /// A random key that is not expired, or None if the database is empty.
    /// Expired keys met on the way are removed (and recorded).
    pub fn random_key(&mut self, now: Ms) -> Option<Vec<u8>> {
        loop {
            let e = self.dict.random(&mut self.rng)?;
            if e.expire_at().is_some_and(|t| t <= now) {
                self.expired_keys.push(e.key().into());
                self.stats.expired += 1;
                e.delete();
                continue;
            }
            return Some(e.key().to_vec());
        }
    }

    /// One run of the active expiry cycle: samples keys with a TTL and removes
    /// the expired ones, repeating while many of the sampled keys had expired,
    /// for at most `max_checks` sampled keys. Returns the number removed.
    pub fn active_expire(&mut self, now: Ms, max_checks: usize) -> usize {
        self.active_expire_cycle(now, max_checks).expired
    }

    /// As `active_expire`, reporting what the cycle saw (see the module docs).
    pub fn active_expire_cycle(&mut self, now: Ms, max_checks: usize) -> ExpireCycle {
        let mut report = ExpireCycle::default();
        while self.dict.expires_len() > 0 && report.sampled < max_checks {
            let want = EXPIRE_KEYS_PER_LOOP.min(max_checks - report.sampled);
            let expired_keys = &mut self.expired_keys;
            let (cursor, sampled, expired) = self.dict.expire_round(
                self.expire_cursor,
                now,
                want,
                want * EXPIRE_BUCKETS_PER_KEY,
                |k| expired_keys.push(k.into()),
            );
            self.expire_cursor = cursor;
            self.stats.expired += expired as u64;
            report.sampled += sampled;
            report.expired += expired;
            // Redis goes on while more than a quarter of the sample had
            // expired: the rest of the table is probably just as stale.
            report.stale = sampled > 0 && expired * 4 > sampled;
            if !report.stale {
                break;
            }
        }
        if self.dict.expires_len() == 0 {
            report.stale = false;
        }
        report
    }

    /// Whether keys were removed by expiry since the last [`Db::drain_expired`].
    pub fn has_expired_pending(&self) -> bool {
        !self.expired_keys.is_empty()
    }

    /// Drains the keys removed by expiry since the last call.
    pub fn drain_expired(&mut self) -> Vec<Box<[u8]>> {
        std::mem::take(&mut self.expired_keys)
    }

    /// Which key events this database records (`TRACK_*` bits).
    pub fn track(&self) -> u8 {
        self.track
    }

    /// A read found `key` missing by other means than `get` (a command
    /// whose Redis counterpart reads through lookupKeyRead but that needs
    /// no value here, such as EXISTS or TTL): counts the miss and records
    /// it when tracking, as `get` would.
    pub fn note_miss(&mut self, key: &[u8]) {
        self.stats.misses += 1;
        Db::note(
            self.track,
            TRACK_MISS,
            &mut self.key_events,
            KeyEvent::Miss,
            key,
        );
    }

    /// Whether key events were recorded since the last drain.
    pub fn has_key_events(&self) -> bool {
        !self.key_events.is_empty()
    }

    /// Takes the key events recorded so far, oldest first.
    pub fn drain_key_events(&mut self) -> Vec<(KeyEvent, Box<[u8]>)> {
        std::mem::take(&mut self.key_events)
    }

    /// Moves an incremental resize of the key tables forward by up to
    /// `budget` buckets. The shard's idle loop calls this so that a resize
    /// finishes even when traffic is light. Returns true while work remains.
    pub fn rehash_step(&mut self, budget: usize) -> bool {
        self.dict.rehash_step(budget)
    }

    /// True while a resize of the key tables is under way.
    pub fn is_rehashing(&self) -> bool {
        self.dict.is_rehashing()
    }

    /// Bucket slots of the key table (both arrays during a resize).
    pub fn buckets(&self) -> usize {
        self.dict.buckets()
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

    /// Arms (`TRACK_*` bits) or, with 0, disarms key-event recording in
    /// every database. Disarming drops events nobody drained, so a command
    /// that ended early leaves nothing behind for the next one.
    pub fn track_key_events(&mut self, what: u8) {
        for db in &mut self.dbs {
            db.track = what;
            if what == 0 {
                db.key_events.clear();
            }
        }
    }

    /// SWAPDB on this shard.
    pub fn swap(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
    }

    /// Idle-loop work: moves each database's pending resize forward by up
    /// to `budget` buckets. Returns true while some resize is unfinished.
    pub fn rehash_step(&mut self, budget: usize) -> bool {
        let mut more = false;
        for db in &mut self.dbs {
            if db.is_rehashing() {
                more |= db.rehash_step(budget);
            }
        }
        more
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Clone, Debug)]
    enum Op {
        Set(u8, Vec<u8>, Option<u16>),
        SetBytes(u8, Vec<u8>),
        SetKeepTtl(u8, Vec<u8>),
        Get(u8),
        Peek(u8),
        Append(u8, Vec<u8>),
        Remove(u8),
        Take(u8),
        Delete(u8),
        Contains(u8),
        Expire(u8, Option<u16>),
        Advance(u16),
        ActiveExpire(u8),
        RandomKey,
        ScanStep(u8),
        InsertMany(u16, Option<u16>),
        DeleteMany(u16),
        Rehash(u8),
    }

    fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'1'), Just(b'0'), Just(b'-')], 0..8),
            2 => proptest::collection::vec(any::<u8>(), 40..50),
            1 => Just(vec![b'z'; 5000]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0u8..12;
        let ttl = proptest::option::of(0u16..3000);
        prop_oneof![
            4 => (key.clone(), value_bytes(), ttl.clone()).prop_map(|(k, v, t)| Op::Set(k, v, t)),
            2 => (key.clone(), value_bytes()).prop_map(|(k, v)| Op::SetBytes(k, v)),
            1 => (key.clone(), value_bytes()).prop_map(|(k, v)| Op::SetKeepTtl(k, v)),
            4 => key.clone().prop_map(Op::Get),
            2 => key.clone().prop_map(Op::Peek),
            2 => (key.clone(), proptest::collection::vec(any::<u8>(), 0..20))
                .prop_map(|(k, v)| Op::Append(k, v)),
            1 => key.clone().prop_map(Op::Remove),
            1 => key.clone().prop_map(Op::Take),
            1 => key.clone().prop_map(Op::Delete),
            1 => key.clone().prop_map(Op::Contains),
            2 => (key.clone(), ttl.clone()).prop_map(|(k, t)| Op::Expire(k, t)),
            3 => (0u16..1500).prop_map(Op::Advance),
            1 => (1u8..60).prop_map(Op::ActiveExpire),
            1 => Just(Op::RandomKey),
            4 => (1u8..8).prop_map(Op::ScanStep),
            1 => (1u16..400, ttl).prop_map(|(n, t)| Op::InsertMany(n, t)),
            1 => (1u16..400).prop_map(Op::DeleteMany),
            1 => (1u8..50).prop_map(Op::Rehash),
        ]
    }

    #[derive(Clone, Debug, PartialEq)]
    struct Entry {
        bytes: Vec<u8>,
        at: Option<Ms>,
        modified: bool,
    }

    impl Entry {
        fn encoding(&self) -> &'static str {
            if !self.modified && crate::value::canonical_int(&self.bytes).is_some() {
                "int"
            } else if !self.modified && self.bytes.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
    }

    fn bytes_of(v: &Value) -> Vec<u8> {
        match v {
            Value::Int(n) => n.to_string().into_bytes(),
            Value::Str(s) => s.to_vec(),
            other => panic!("the model stores only strings, got {other:?}"),
        }
    }

    /// A scan in progress: its cursor, the keys it must still return, and
    /// the keys it returned.
    type ScanState = (u64, BTreeSet<Vec<u8>>, BTreeSet<Vec<u8>>);

    struct Check {
        db: Db,
        model: BTreeMap<Vec<u8>, Entry>,
        now: Ms,
        /// Keys present (and live) since the current scan began, and the
        /// keys the scan returned so far.
        scan: Option<ScanState>,
        /// A key the model expired on access, which the db must report.
        lazily_expired: Option<Vec<u8>>,
    }

    impl Check {
        fn live(&self, k: &[u8]) -> bool {
            self.model
                .get(k)
                .is_some_and(|e| e.at.is_none_or(|t| t > self.now))
        }

        /// Mirrors lazy expiry in the model: an access by key removes the key
        /// when its deadline passed.
        fn access(&mut self, k: &[u8]) {
            if self.model.contains_key(k) && !self.live(k) {
                self.model.remove(k);
                self.lazily_expired = Some(k.to_vec());
            }
        }

        fn forget_in_scan(&mut self, k: &[u8]) {
            if let Some((_, must, _)) = &mut self.scan {
                must.remove(k);
            }
        }

        /// Takes the keys the db says it expired: each must really have
        /// expired in the model.
        fn sync(&mut self) {
            for k in self.db.drain_expired() {
                if self.lazily_expired.as_deref() == Some(&k[..]) {
                    // The model already removed it in `access`.
                    self.lazily_expired = None;
                    continue;
                }
                let e = self
                    .model
                    .remove(&k[..])
                    .expect("expired key was in the model");
                assert!(e.at.is_some_and(|t| t <= self.now), "key expired early");
            }
            // Keys that stopped being live can no longer be required by a scan.
            let dead: Vec<Vec<u8>> = match &self.scan {
                Some((_, must, _)) => must.iter().filter(|k| !self.live(k)).cloned().collect(),
                None => Vec::new(),
            };
            for k in dead {
                self.forget_in_scan(&k);
            }
            assert_eq!(self.lazily_expired, None, "lazy expiry was not recorded");
            assert_eq!(self.db.len(), self.model.len());
            let with_ttl = self.model.values().filter(|e| e.at.is_some()).count();
            assert_eq!(self.db.expires_len(), with_ttl);
        }

        fn expect_read(&self, k: &[u8], got: Option<&Value>) {
            let want = self.model.get(k);
            match (got, want) {
                (None, None) => {}
                (Some(v), Some(e)) => {
                    assert_eq!(bytes_of(v), e.bytes);
                    assert_eq!(v.encoding(), e.encoding());
                }
                (g, w) => panic!("key {k:?}: db {g:?} model {w:?}"),
            }
        }

        fn run(&mut self, op: Op) {
            let key = |i: u8| format!("k{i}").into_bytes();
            let accessed: Option<Vec<u8>> = match &op {
                Op::Set(k, ..)
                | Op::SetBytes(k, _)
                | Op::SetKeepTtl(k, _)
                | Op::Get(k)
                | Op::Peek(k)
                | Op::Append(k, _)
                | Op::Remove(k)
                | Op::Take(k)
                | Op::Delete(k)
                | Op::Contains(k) => Some(key(*k)),
                _ => None,
            };
            if let Some(k) = &accessed {
                self.access(k);
            }
            let now = self.now;
            match op {
                Op::Set(k, v, ttl) => {
                    let k = key(k);
                    let at = ttl.map(|t| now + t as Ms);
                    self.db.set_with_expire(&k, Value::string(&v), at, now);
                    self.forget_in_scan(&k);
                    self.model.insert(
                        k,
                        Entry {
                            bytes: v,
                            at,
                            modified: false,
                        },
                    );
                }
                Op::SetBytes(k, v) => {
                    let k = key(k);
                    self.db.set_bytes(&k, &v, None, now);
                    self.forget_in_scan(&k);
                    self.model.insert(
                        k,
                        Entry {
                            bytes: v,
                            at: None,
                            modified: false,
                        },
                    );
                }
                Op::SetKeepTtl(k, v) => {
                    let k = key(k);
                    self.db.set_keep_ttl(&k, Value::string(&v), now);
                    self.forget_in_scan(&k);
                    let at = self.model.get(&k).and_then(|e| e.at);
                    self.model.insert(
                        k,
                        Entry {
                            bytes: v,
                            at,
                            modified: false,
                        },
                    );
                }
                Op::Get(k) => {
                    let k = key(k);
                    let got = self.db.get(&k, now).cloned();
                    self.expect_read(&k, got.as_ref());
                    if got.is_some() {
                        assert_eq!(self.db.idle_seconds(&k, now), Some(0));
                    }
                }
                Op::Peek(k) => {
                    let k = key(k);
                    let got = self.db.peek(&k, now).cloned();
                    self.expect_read(&k, got.as_ref());
                }
                Op::Append(k, data) => {
                    let k = key(k);
                    match self.db.get_mut(&k, now) {
                        Some(v) => {
                            if let Value::Int(n) = v {
                                *v = Value::Str(n.to_string().into_bytes().into());
                            }
                            match v {
                                Value::Str(s) => s.append(&data),
                                _ => unreachable!("converted above"),
                            }
                            let e = self.model.get_mut(&k).expect("db had the key");
                            e.bytes.extend_from_slice(&data);
                            e.modified = true;
                        }
                        None => assert!(!self.model.contains_key(&k)),
                    }
                    self.forget_in_scan(&k);
                }
                Op::Remove(k) => {
                    let k = key(k);
                    let got = self.db.remove(&k, now);
                    self.expect_read(&k, got.as_ref());
                    self.model.remove(&k);
                }
                Op::Take(k) => {
                    let k = key(k);
                    let got = self.db.take(&k, now);
                    self.expect_read(&k, got.as_ref().map(|(v, _)| v));
                    if let Some((_, at)) = got {
                        assert_eq!(at, self.model[&k].at);
                    }
                    self.model.remove(&k);
                }
                Op::Delete(k) => {
                    let k = key(k);
                    assert_eq!(self.db.delete(&k, now), self.model.remove(&k).is_some());
                }
                Op::Contains(k) => {
                    let k = key(k);
                    assert_eq!(self.db.contains(&k, now), self.model.contains_key(&k));
                }
                Op::Expire(k, ttl) => {
                    // set_expire does not check the deadline: like the model,
                    // it changes whatever is still stored.
                    let k = key(k);
                    let at = ttl.map(|t| now + t as Ms);
                    let present = self.model.contains_key(&k);
                    assert_eq!(self.db.set_expire(&k, at), present);
                    if let Some(e) = self.model.get_mut(&k) {
                        e.at = at;
                    }
                    assert_eq!(
                        self.db.get_expire(&k),
                        self.model.get(&k).and_then(|e| e.at)
                    );
                    if !self.live(&k) {
                        self.forget_in_scan(&k);
                    }
                }
                Op::Advance(ms) => self.now += ms as Ms,
                Op::ActiveExpire(n) => {
                    let r = self.db.active_expire_cycle(now, n as usize);
                    // A round finishes the bucket it is in, so it may look
                    // at a few keys past the budget.
                    assert!(r.sampled < n as usize + 32, "{r:?}");
                    assert!(r.expired <= r.sampled);
                }
                Op::RandomKey => match self.db.random_key(now) {
                    Some(k) => assert!(self.live(&k), "random key {k:?} is not live"),
                    None => {
                        // Every key it met was expired and removed.
                        self.sync();
                        assert!(self.model.is_empty());
                    }
                },
                Op::ScanStep(count) => {
                    let (cursor, mut must, mut seen) = self.scan.take().unwrap_or_else(|| {
                        let must = self
                            .model
                            .keys()
                            .filter(|k| self.live(k))
                            .cloned()
                            .collect();
                        (0, must, BTreeSet::new())
                    });
                    let next = self.db.scan(cursor, count as usize, now, |k, v| {
                        let e = self.model.get(k).expect("scanned key is in the model");
                        assert!(e.at.is_none_or(|t| t > now), "scan returned an expired key");
                        assert_eq!(bytes_of(v), e.bytes);
                        seen.insert(k.to_vec());
                    });
                    if next == 0 {
                        must.retain(|k| !seen.contains(k));
                        assert!(must.is_empty(), "scan missed {must:?}");
                    } else {
                        self.scan = Some((next, must, seen));
                    }
                }
                Op::InsertMany(n, ttl) => {
                    let at = ttl.map(|t| now + t as Ms);
                    for i in 0..n {
                        let k = format!("m{i}").into_bytes();
                        self.access(&k);
                        self.db.set_bytes(&k, b"v", at, now);
                        self.forget_in_scan(&k);
                        self.model.insert(
                            k.clone(),
                            Entry {
                                bytes: b"v".to_vec(),
                                at,
                                modified: false,
                            },
                        );
                        self.sync();
                    }
                }
                Op::DeleteMany(n) => {
                    for i in 0..n {
                        let k = format!("m{i}").into_bytes();
                        self.access(&k);
                        let was = self.model.remove(&k).is_some();
                        assert_eq!(self.db.delete(&k, now), was);
                        self.sync();
                    }
                }
                Op::Rehash(n) => {
                    self.db.rehash_step(n as usize);
                }
            }
            self.sync();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn db_matches_model(ops in proptest::collection::vec(op(), 1..200)) {
            let mut c = Check { db: Db::new(), model: BTreeMap::new(), now: 1_000_000, scan: None, lazily_expired: None };
            for op in ops {
                c.run(op);
            }
            // Finish any scan in progress and check its guarantee.
            while c.scan.is_some() {
                c.run(Op::ScanStep(5));
            }
        }
    }

    #[test]
    fn active_expiry_covers_the_whole_expires_set() {
        let mut db = Db::new();
        for i in 0..10_000 {
            let k = format!("key:{i}");
            // A quarter expire early, the rest much later.
            let at = if i % 4 == 0 { 100 } else { 1_000_000 };
            db.set_bytes(k.as_bytes(), b"v", Some(at), 0);
        }
        let mut cycles = 0;
        let mut removed = 0;
        while removed < 2_500 {
            let r = db.active_expire_cycle(200, 200);
            assert!(r.sampled < 232);
            removed += r.expired;
            cycles += 1;
            assert!(cycles < 1_000, "active expiry never finished");
        }
        assert_eq!(removed, 2_500);
        assert_eq!(db.len(), 7_500);
        assert_eq!(db.drain_expired().len(), 2_500);
        assert_eq!(db.stats.expired, 2_500);
    }

    #[test]
    fn active_expiry_keeps_going_while_stale() {
        let mut db = Db::new();
        for i in 0..1_000 {
            db.set_bytes(format!("k{i}").as_bytes(), b"v", Some(10), 0);
        }
        let r = db.active_expire_cycle(10, 100);
        assert_eq!(r.sampled, r.expired);
        assert!(r.sampled >= 80, "stopped early: {r:?}");
        assert!(r.stale);
        let r = db.active_expire_cycle(10, 100_000);
        assert!(!r.stale);
        assert!(db.is_empty());
    }

    #[test]
    fn keyspace_rehash_step_finishes_resizes() {
        let mut ks = Keyspace::new(2);
        for i in 0..1_025 {
            ks.db(1)
                .set_bytes(format!("k{i}").as_bytes(), b"v", None, 0);
        }
        assert!(ks.db_ref(1).is_rehashing());
        let mut calls = 0;
        while ks.rehash_step(16) {
            calls += 1;
        }
        assert!(calls > 10, "a step did too much work: {calls} calls");
        assert_eq!(ks.db_ref(1).buckets(), 2_048);
        assert_eq!(ks.db_ref(1).len(), 1_025);
    }

    #[test]
    fn idle_time_follows_get_not_peek() {
        let mut db = Db::new();
        db.set(b"a", Value::string(b"x"), 10_000);
        assert_eq!(db.idle_seconds(b"a", 15_000), Some(5));
        db.peek(b"a", 15_000);
        assert_eq!(db.idle_seconds(b"a", 17_000), Some(7));
        db.get(b"a", 17_000);
        assert_eq!(db.idle_seconds(b"a", 20_500), Some(3));
        db.get_mut(b"a", 21_000);
        assert_eq!(db.idle_seconds(b"a", 21_000), Some(0));
        // The 24-bit clock wraps; idle time is still right across the wrap.
        let wrap = (LRU_CLOCK_MAX as Ms + 1) * 1000;
        db.get(b"a", wrap - 2_000);
        assert_eq!(db.idle_seconds(b"a", wrap + 3_000), Some(4));
        assert_eq!(db.stats.hits, 2);
    }

    #[test]
    fn expired_keys_are_never_returned() {
        let mut db = Db::new();
        db.set_with_expire(b"t", Value::string(b"v"), Some(50), 0);
        assert!(db.get(b"t", 49).is_some());
        assert!(db.get(b"t", 50).is_none());
        assert_eq!(db.drain_expired(), vec![Box::from(&b"t"[..])]);
        assert_eq!(db.stats.misses, 1);
        db.set_with_expire(b"t", Value::string(b"v"), Some(50), 0);
        assert_eq!(db.random_key(60), None);
        assert_eq!(db.len(), 0);
    }

    #[test]
    fn key_events_are_recorded_only_while_armed() {
        let mut ks = Keyspace::new(2);
        ks.db(0).set(b"a", Value::string(b"1"), 0);
        assert!(ks.db(0).get(b"x", 0).is_none());
        assert!(!ks.db(0).has_key_events());
        ks.track_key_events(TRACK_NEW | TRACK_MISS);
        ks.db(0).set(b"a", Value::string(b"2"), 0);
        ks.db(0).set_bytes(b"b", b"1", None, 0);
        assert!(ks.db(0).get(b"x", 0).is_none());
        assert!(ks.db(0).peek(b"y", 0).is_none());
        ks.db(1).set_keep_ttl(b"c", Value::string(b"1"), 0);
        assert_eq!(
            ks.db(0).drain_key_events(),
            vec![
                (KeyEvent::New, Box::from(&b"b"[..])),
                (KeyEvent::Miss, Box::from(&b"x"[..]))
            ]
        );
        assert_eq!(
            ks.db(1).drain_key_events(),
            vec![(KeyEvent::New, Box::from(&b"c"[..]))]
        );
        ks.db(0).set(b"d", Value::string(b"1"), 0);
        ks.track_key_events(0);
        assert!(
            !ks.db(0).has_key_events(),
            "disarming drops what was not drained"
        );
        ks.db(0).set(b"e", Value::string(b"1"), 0);
        assert!(!ks.db(0).has_key_events());
    }
}
