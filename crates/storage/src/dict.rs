//! The keyspace hash table: chained buckets with incremental rehashing, a
//! resize-proof SCAN cursor, random sampling, compact one-allocation nodes and
//! a separate expires table; the same table holds large hashes and sets. It
//! holds all of the storage crate's table and node-level unsafe code; it must
//! not decide policy (when a key counts as expired, what to record about it,
//! when a collection changes encoding): that is `Db`'s and the types' job.
//!
//! # Tables
//!
//! `RawTable` is an array of `2^n` bucket heads; each bucket is a singly
//! linked chain of nodes whose first word is the `next` pointer. It grows
//! when it holds as many nodes as buckets and shrinks when under a tenth
//! full. A resize allocates the new array and then moves the old buckets over
//! a few at a time: every write (and every lookup through `&mut`) moves one
//! bucket, and the shard's idle loop calls `rehash_step` to move more. While
//! that is under way a lookup checks both arrays; new nodes go to the new one.
//! A large table that is due to grow (or shrink) first zeroes its new array
//! a slice per insert (or removal) (`RawTable::zero_spare`), so no single
//! operation pays for clearing megabytes.
//!
//! `RawTable` is generic over the kind of node (`NodeHash`): where the node
//! keeps its chain link and how a rehash finds its hash. The sorted set's
//! member index (`zset/skiplist.rs`) is the same table over skiplist nodes,
//! whose link sits after their score and backward pointer.
//!
//! SCAN uses a reverse-binary cursor: it increments the bucket index from its
//! most significant bit down, so when the array doubles or halves, the buckets
//! already visited map onto a prefix of the new visiting order and nothing
//! present for the whole scan is missed (some keys may be returned twice).
//! During a rehash one step visits the bucket of the smaller array and every
//! bucket of the larger one that it expands to.
//!
//! # Nodes
//!
//! A key node is one allocation, 8-aligned:
//!
//! ```text
//! 0      next node
//! 8      access: u32 (24-bit LRU clock, 8 bits kept for an LFU counter)
//! 12     flags: u8 (VAL, HAS_EXPIRE, LONG_KEY)
//! 13     key length if < 255 (else LONG_KEY and the length is at 16)
//! 14     embedded value length: u16
//! 16     [u64 key length, only if LONG_KEY]
//!        [Value, 16 bytes, only if VAL]
//!        key bytes
//!        [embedded string bytes, unless VAL]
//! ```
//!
//! A string set whole and not too long is embedded after the key, so a key
//! with a 16-byte name and a 32-byte value is one 64-byte allocation plus its
//! bucket slot. Because `get` must hand out `&Value`, an embedded string is
//! presented as a `Value::Str` view built into a scratch slot of the dict (or
//! on the stack for `&self` visits); a view borrows the node and cannot be
//! moved out or mutated. `get_mut` first rebuilds the node in the VAL form
//! (as Redis turns an embstr into a raw string before changing it).
//!
//! # Field tables
//!
//! `FieldTable` is the large form of hashes (a field and a value per node)
//! and sets (a member per node), on the same `RawTable`: one allocation per
//! entry, a header of the link, the field length and 8 bits of the field's
//! hash (so a probe skips other fields without touching their bytes), and
//! for hashes the value length. Each write moves a resize one bucket along;
//! the tables' own reads take `&self` and look in both arrays, and the
//! keyspace moves a collection's resize one bucket along whenever a command
//! looks its key up (`EntryMut::value`), so a table that is only read still
//! finishes resizing, as Redis's `dictFind` rehash step does. Its hasher is
//! seeded at random once per process.
//!
//! The expires table holds one 24-byte node per key with a TTL: next, the key
//! node's address and the deadline. It is keyed by the key node's address, so
//! keys without a TTL pay nothing and a key's deadline is found without
//! hashing its name again. When a key node is rebuilt, its expires node is
//! re-keyed.

use crate::value::{canonical_int, RawStr, Value};
use crate::Ms;
use rand::Rng;
use std::alloc::{self, Layout};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

/// Hasher for key names. The seeds differ from the shard router's, so the
/// keys that land on one shard still spread over all of its buckets.
static KEY_HASHER: ahash::RandomState = ahash::RandomState::with_seeds(
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
);

/// The fixed hash of a key name used by the keyspace table.
pub fn key_hash(key: &[u8]) -> u64 {
    KEY_HASHER.hash_one(key)
}

/// Strings up to this length are embedded in their key's node when set whole.
pub const EMBED_MAX: usize = 4096;

/// Fewest buckets a non-empty table has.
const MIN_SIZE: usize = 4;
/// Resizes to a bucket array at least this large zero it ahead, a slice per
/// operation (see `RawTable::zero_spare`).
const SPARE_MIN_SIZE: usize = 1 << 14;
/// `rehash_idx` value when no rehash is under way.
const IDLE: usize = usize::MAX;

type Link = *mut u8;

/// Reads a node's chain link (the word at `H::LINK`).
///
/// # Safety
/// `node` must be a live node of a `RawTable<H>`.
unsafe fn next_of<H: NodeHash>(node: NonNull<u8>) -> Link {
    // SAFETY: every node of kind `H` has its 8-aligned link at `H::LINK`.
    unsafe { node.as_ptr().add(H::LINK).cast::<Link>().read() }
}

/// # Safety
/// `node` must be a live node of kind `H` not borrowed elsewhere.
unsafe fn set_next<H: NodeHash>(node: NonNull<u8>, next: Link) {
    // SAFETY: as in `next_of`.
    unsafe { node.as_ptr().add(H::LINK).cast::<Link>().write(next) }
}

/// A kind of node a `RawTable` chains: where its link word is and how the
/// table finds its hash when rehashing. The keyspace's and the field
/// tables' nodes start with their link; the sorted set's skiplist nodes keep
/// it after their score and backward pointer (`zset/skiplist.rs`).
pub(crate) trait NodeHash {
    /// Byte offset of the node's 8-aligned chain link.
    const LINK: usize = 0;

    /// # Safety
    /// `node` must be a live node of a table of this kind.
    unsafe fn hash(node: NonNull<u8>) -> u64;
}

struct Table {
    buckets: Box<[Link]>,
    used: usize,
}

impl Table {
    fn empty() -> Table {
        Table {
            buckets: Box::new([]),
            used: 0,
        }
    }

    fn with_size(size: usize) -> Table {
        // A zeroed array of null pointers comes from calloc, which is cheap
        // for fresh pages but must clear reused memory; growth of a large
        // table therefore zeroes its array in steps (`zero_spare`).
        Table {
            buckets: vec![ptr::null_mut(); size].into_boxed_slice(),
            used: 0,
        }
    }

    fn size(&self) -> usize {
        self.buckets.len()
    }

    fn mask(&self) -> u64 {
        (self.size() as u64).wrapping_sub(1)
    }

    fn slot(&self, hash: u64) -> usize {
        (hash & self.mask()) as usize
    }
}

/// A chained table of nodes. It owns the links but not the node memory:
/// freeing nodes is the owner's job (`drain` hands them all back).
///
/// Invariant: every pointer reachable from `t` is a live node of kind `H`
/// whose first word is its `next` link.
pub(crate) struct RawTable<H> {
    t: [Table; 2],
    rehash_idx: usize,
    /// The bucket array of a growth that is due, zeroed a little per insert
    /// (see `zero_spare`); its length is how much of it is zeroed so far.
    spare: Vec<Link>,
    _kind: PhantomData<H>,
}

impl<H: NodeHash> RawTable<H> {
    pub(crate) fn new() -> Self {
        RawTable {
            t: [Table::empty(), Table::empty()],
            rehash_idx: IDLE,
            spare: Vec::new(),
            _kind: PhantomData,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.t[0].used + self.t[1].used
    }

    pub(crate) fn is_rehashing(&self) -> bool {
        self.rehash_idx != IDLE
    }

    pub(crate) fn buckets(&self) -> usize {
        self.t[0].size() + self.t[1].size()
    }

    /// Moves up to `n` non-empty buckets to the new array (visiting at most
    /// `10 * n` empty ones). Returns true while the rehash is not finished.
    pub(crate) fn rehash(&mut self, n: usize) -> bool {
        if !self.is_rehashing() {
            return false;
        }
        let mut empty_visits = n.saturating_mul(10).max(1);
        let mut n = n;
        while n > 0 && self.t[0].used != 0 {
            n -= 1;
            // rehash_idx stays in bounds: t[0] still holds a node in some
            // bucket at or after it.
            while self.t[0].buckets[self.rehash_idx].is_null() {
                self.rehash_idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    return true;
                }
            }
            let mut cur =
                std::mem::replace(&mut self.t[0].buckets[self.rehash_idx], ptr::null_mut());
            while let Some(node) = NonNull::new(cur) {
                // SAFETY: `node` came from t[0], so it is live (table invariant);
                // we relink it into t[1] and nothing else refers to it.
                unsafe {
                    cur = next_of::<H>(node);
                    let i = self.t[1].slot(H::hash(node));
                    set_next::<H>(node, self.t[1].buckets[i]);
                    self.t[1].buckets[i] = node.as_ptr();
                }
                #[cfg(test)]
                MOVED.with(|m| m.set(m.get() + 1));
                self.t[0].used -= 1;
                self.t[1].used += 1;
            }
            self.rehash_idx += 1;
        }
        if self.t[0].used == 0 {
            self.t[0] = std::mem::replace(&mut self.t[1], Table::empty());
            self.rehash_idx = IDLE;
            return false;
        }
        true
    }

    pub(crate) fn step(&mut self) {
        if self.is_rehashing() {
            self.rehash(1);
        }
    }

    fn start_resize(&mut self, size: usize) {
        debug_assert!(!self.is_rehashing());
        if self.t[0].size() == 0 {
            self.t[0] = Table::with_size(size);
            return;
        }
        if size == self.t[0].size() {
            return;
        }
        self.t[1] = if self.spare.capacity() == size {
            // Normally complete already; `resize` only tops it up.
            let mut spare = std::mem::take(&mut self.spare);
            spare.resize(size, ptr::null_mut());
            Table {
                buckets: spare.into_boxed_slice(),
                used: 0,
            }
        } else {
            self.spare = Vec::new();
            Table::with_size(size)
        };
        self.rehash_idx = 0;
    }

    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.t[0].size();
        if size == 0 {
            self.start_resize(MIN_SIZE);
        } else if self.t[0].used >= size {
            let want = (self.t[0].used + 1).next_power_of_two();
            if size < SPARE_MIN_SIZE || self.zero_spare(want) {
                self.start_resize(want);
            }
        }
    }

    /// Zeroing a new bucket array all at once would stall the insert that
    /// starts a resize (milliseconds for a million buckets: the allocator
    /// usually hands back reused memory, which calloc must clear). So a large
    /// full table zeroes its next array 32 slots per insert and starts the
    /// resize only once the array is ready, about `size / 16` inserts later;
    /// meanwhile it keeps filling the old array, up to a load of 1.06. The
    /// spare array exists only once the growth is due, so it costs no more
    /// memory than an immediate resize would. A large shrink zeroes its
    /// smaller array the same way, 32 slots per removal. Returns true when
    /// the array of `want` slots is ready.
    fn zero_spare(&mut self, want: usize) -> bool {
        const SLOTS_PER_INSERT: usize = 32;
        if self.spare.capacity() != want {
            // Vec::with_capacity leaves the memory uninitialized: no memset.
            self.spare = Vec::with_capacity(want);
        }
        let n = SLOTS_PER_INSERT.min(want - self.spare.len());
        self.spare
            .extend(std::iter::repeat_n(ptr::null_mut::<u8>(), n));
        self.spare.len() == want
    }

    fn shrink_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.t[0].size();
        if self.spare.capacity() > size && self.t[0].used < size {
            // The growth it was being zeroed for is no longer due.
            self.spare = Vec::new();
        }
        if size > MIN_SIZE && self.t[0].used * 10 < size {
            // A shrink's array is an eighth of the old one or less, but that
            // is still megabytes for a table that held millions, so a large
            // one is zeroed ahead too, a slice per removal, while the old
            // array keeps serving.
            let want = self.t[0].used.max(MIN_SIZE).next_power_of_two();
            if want < SPARE_MIN_SIZE || self.zero_spare(want) {
                self.start_resize(want);
            }
        }
    }

    /// The first node in `hash`'s chains for which `eq` holds.
    pub(crate) fn find(
        &self,
        hash: u64,
        mut eq: impl FnMut(NonNull<u8>) -> bool,
    ) -> Option<NonNull<u8>> {
        let tables = if self.is_rehashing() { 2 } else { 1 };
        for (ti, t) in self.t[..tables].iter().enumerate() {
            if t.size() == 0 || (ti == 0 && tables == 2 && t.slot(hash) < self.rehash_idx) {
                // The rehash already emptied that bucket of the old array:
                // skipping it saves a cache miss on every such lookup.
                continue;
            }
            let mut cur = t.buckets[t.slot(hash)];
            while let Some(node) = NonNull::new(cur) {
                if eq(node) {
                    return Some(node);
                }
                // SAFETY: nodes reachable from the table are live.
                cur = unsafe { next_of::<H>(node) };
            }
        }
        None
    }

    /// Finds the link that points at the first node of `hash`'s chains for
    /// which `eq` holds. Returns the link and the index of its array.
    fn find_link(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(NonNull<u8>) -> bool,
    ) -> Option<(*mut Link, usize)> {
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let rehash_idx = self.rehash_idx;
        for ti in 0..tables {
            let t = &mut self.t[ti];
            let i = t.slot(hash);
            if t.size() == 0 || (ti == 0 && tables == 2 && i < rehash_idx) {
                // Already moved to the new array (see `find`).
                continue;
            }
            let mut link: *mut Link = &mut t.buckets[i];
            // SAFETY: `link` is either a bucket slot of this table or the
            // `next` word of a live node in it; both are valid for reads and
            // writes while we hold `&mut self`.
            unsafe {
                while let Some(node) = NonNull::new(*link) {
                    if eq(node) {
                        return Some((link, ti));
                    }
                    link = node.as_ptr().add(H::LINK).cast::<Link>();
                }
            }
        }
        None
    }

    /// Unlinks and returns the first node in `hash`'s chains for which `eq`
    /// holds. The caller now owns it.
    pub(crate) fn unlink(
        &mut self,
        hash: u64,
        eq: impl FnMut(NonNull<u8>) -> bool,
    ) -> Option<NonNull<u8>> {
        self.step();
        let (link, ti) = self.find_link(hash, eq)?;
        // SAFETY: find_link returned a valid link to a live node; no other
        // reference into the table exists while we hold `&mut self`.
        let node = unsafe {
            let node = NonNull::new_unchecked(*link);
            *link = next_of::<H>(node);
            node
        };
        self.t[ti].used -= 1;
        self.shrink_if_needed();
        Some(node)
    }

    /// Puts `new` in the place of `old` (same hash), keeping chain order.
    ///
    /// # Safety
    /// `old` must be in the table under `hash`; `new` must be a live node of
    /// this kind with the same hash, owned by the caller and not in any table.
    unsafe fn replace(&mut self, hash: u64, old: NonNull<u8>, new: NonNull<u8>) {
        let (link, _) = self
            .find_link(hash, |n| n == old)
            .expect("replaced node is in the table");
        // SAFETY: `link` points at `old`; `new` is exclusively ours.
        unsafe {
            set_next::<H>(new, next_of::<H>(old));
            *link = new.as_ptr();
        }
    }

    /// Links a new node.
    ///
    /// # Safety
    /// `node` must be a live node of this kind whose hash is `hash`, owned by
    /// the caller and in no table; the table owns its link from now on.
    pub(crate) unsafe fn insert(&mut self, hash: u64, node: NonNull<u8>) {
        self.step();
        self.expand_if_needed();
        let ti = if self.is_rehashing() { 1 } else { 0 };
        let t = &mut self.t[ti];
        let i = t.slot(hash);
        // SAFETY: the caller hands us an unlinked live node.
        unsafe { set_next::<H>(node, t.buckets[i]) };
        t.buckets[i] = node.as_ptr();
        t.used += 1;
    }

    fn visit_chain(mut cur: Link, f: &mut impl FnMut(NonNull<u8>)) {
        while let Some(node) = NonNull::new(cur) {
            // Read the link first so that `f` may look at the node freely.
            // SAFETY: nodes reachable from the table are live.
            cur = unsafe { next_of::<H>(node) };
            f(node);
        }
    }

    /// One SCAN step: visits the nodes of the bucket(s) at `cursor` and
    /// returns the next cursor, 0 when the scan is complete.
    pub(crate) fn scan(&self, cursor: u64, mut f: impl FnMut(NonNull<u8>)) -> u64 {
        if self.len() == 0 {
            return 0;
        }
        let mut v = cursor;
        // Reverse-binary increment of the bits under `mask`.
        let incr = |v: u64, mask: u64| (v | !mask).reverse_bits().wrapping_add(1).reverse_bits();
        if !self.is_rehashing() {
            let t = &self.t[0];
            Self::visit_chain(t.buckets[(v & t.mask()) as usize], &mut f);
            v = incr(v, t.mask());
        } else {
            let (small, large) = if self.t[0].size() <= self.t[1].size() {
                (&self.t[0], &self.t[1])
            } else {
                (&self.t[1], &self.t[0])
            };
            let (ms, ml) = (small.mask(), large.mask());
            Self::visit_chain(small.buckets[(v & ms) as usize], &mut f);
            // Visit every bucket of the larger array that the small bucket
            // expands to: they share the low bits and differ in the bits
            // between the two masks.
            loop {
                Self::visit_chain(large.buckets[(v & ml) as usize], &mut f);
                v = incr(v, ml);
                if v & (ms ^ ml) == 0 {
                    break;
                }
            }
        }
        v
    }

    /// Visits every node.
    fn for_each(&self, mut f: impl FnMut(NonNull<u8>)) {
        for t in &self.t {
            for &head in t.buckets.iter() {
                Self::visit_chain(head, &mut f);
            }
        }
    }

    /// Every node, one bucket after another (both arrays while rehashing).
    fn iter(&self) -> RawIter<'_, H> {
        RawIter {
            tables: &self.t,
            ti: 0,
            bi: 0,
            cur: ptr::null_mut(),
            _kind: PhantomData,
        }
    }

    /// Sizes an empty table for `n` nodes up front, so that filling it
    /// (a conversion or a copy) never resizes.
    pub(crate) fn reserve(&mut self, n: usize) {
        if self.len() == 0 && !self.is_rehashing() {
            let size = n.max(MIN_SIZE).next_power_of_two();
            self.t[0] = Table::with_size(size);
        }
    }

    /// Empties the table, handing every node to `f` (which must free it).
    fn drain(&mut self, mut f: impl FnMut(NonNull<u8>)) {
        let tables = std::mem::replace(&mut self.t, [Table::empty(), Table::empty()]);
        self.rehash_idx = IDLE;
        self.spare = Vec::new();
        for t in tables.iter() {
            for &head in t.buckets.iter() {
                Self::visit_chain(head, &mut f);
            }
        }
    }

    /// A random non-empty bucket's chain head (uniform over buckets, which
    /// favours nodes in short chains; `sample` smooths that).
    fn random_bucket(&self, rng: &mut impl Rng) -> Option<NonNull<u8>> {
        if self.len() == 0 {
            return None;
        }
        loop {
            let head = if self.is_rehashing() {
                // Buckets of t[0] below rehash_idx are already empty.
                let s0 = self.t[0].size();
                let i = self.rehash_idx + below(rng, s0 + self.t[1].size() - self.rehash_idx);
                if i < s0 {
                    self.t[0].buckets[i]
                } else {
                    self.t[1].buckets[i - s0]
                }
            } else {
                let t = &self.t[0];
                t.buckets[below(rng, t.size())]
            };
            if let Some(node) = NonNull::new(head) {
                return Some(node);
            }
        }
    }

    /// A random node: a random non-empty bucket, then a random node of its
    /// chain.
    fn random(&self, rng: &mut impl Rng) -> Option<NonNull<u8>> {
        let head = self.random_bucket(rng)?;
        let mut len = 0;
        Self::visit_chain(head.as_ptr(), &mut |_| len += 1);
        // Most chains hold one node: no draw needed to pick it.
        let mut pick = if len == 1 { 0 } else { below(rng, len) };
        let mut cur = head;
        while pick > 0 {
            // SAFETY: the chain has more than `pick` live nodes after `cur`.
            cur = unsafe { NonNull::new_unchecked(next_of::<H>(cur)) };
            pick -= 1;
        }
        Some(cur)
    }

    /// Collects up to `count` nodes from consecutive buckets starting at a
    /// random one (visiting at most `10 * count` buckets), as Redis's
    /// dictGetSomeKeys does.
    fn sample(&self, rng: &mut impl Rng, count: usize, out: &mut Vec<NonNull<u8>>) {
        out.clear();
        if self.len() == 0 || count == 0 {
            return;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let max_size = self.t[..tables].iter().map(Table::size).max().unwrap_or(0);
        let mut i = rng.gen_range(0..max_size);
        let mut steps = count.saturating_mul(10);
        while out.len() < count && steps > 0 {
            for (ti, t) in self.t[..tables].iter().enumerate() {
                // Skip t[0]'s buckets that the rehash already emptied.
                if ti == 0 && tables == 2 && i < self.rehash_idx {
                    continue;
                }
                if i >= t.size() {
                    continue;
                }
                Self::visit_chain(t.buckets[i], &mut |n| {
                    if out.len() < count {
                        out.push(n)
                    }
                });
            }
            i = (i + 1) % max_size;
            steps -= 1;
        }
    }
}

/// A random index below `n` (> 0) from one 64-bit draw, by multiplying
/// and keeping the high word: exactly uniform when `n` is a power of two
/// (every bucket array is), and otherwise off by at most `n / 2^64`.
/// `gen_range`'s rejection sampling cost several times as much, and random
/// picks draw several buckets each when a table is sparse.
fn below(rng: &mut impl Rng, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

#[cfg(test)]
thread_local! {
    /// Nodes this thread's tables moved from one bucket array to the other,
    /// so tests can bound the rehash work of a single operation.
    static MOVED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many nodes this thread's tables have rehashed so far (tests).
#[cfg(test)]
pub(crate) fn moved_nodes() -> usize {
    MOVED.with(std::cell::Cell::get)
}

#[cfg(test)]
impl<H: NodeHash> RawTable<H> {
    /// The most nodes in one bucket of either array.
    pub(crate) fn longest_chain(&self) -> usize {
        let mut longest = 0;
        for t in &self.t {
            for &head in t.buckets.iter() {
                let mut k = 0;
                Self::visit_chain(head, &mut |_| k += 1);
                longest = longest.max(k);
            }
        }
        longest
    }
}

/// Iterator over the nodes of a `RawTable`, in bucket order.
struct RawIter<'a, H> {
    tables: &'a [Table; 2],
    ti: usize,
    bi: usize,
    cur: Link,
    _kind: PhantomData<H>,
}

impl<H: NodeHash> Iterator for RawIter<'_, H> {
    type Item = NonNull<u8>;

    fn next(&mut self) -> Option<NonNull<u8>> {
        loop {
            if let Some(node) = NonNull::new(self.cur) {
                // SAFETY: nodes reachable from the table are live, and the
                // shared borrow of the table keeps them so.
                self.cur = unsafe { next_of::<H>(node) };
                return Some(node);
            }
            let t = self.tables.get(self.ti)?;
            if self.bi < t.size() {
                self.cur = t.buckets[self.bi];
                self.bi += 1;
            } else {
                self.ti += 1;
                self.bi = 0;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Key nodes.

const F_VAL: u8 = 1;
const F_EXPIRE: u8 = 2;
const F_LONG_KEY: u8 = 4;

const OFF_ACCESS: usize = 8;
const OFF_FLAGS: usize = 12;
const OFF_KLEN: usize = 13;
const OFF_VLEN: usize = 14;
const HEAD: usize = 16;
const VALUE_SIZE: usize = std::mem::size_of::<Value>();
const NODE_ALIGN: usize = 8;

const _: () = assert!(std::mem::align_of::<Value>() <= NODE_ALIGN);
const _: () = assert!(VALUE_SIZE & (NODE_ALIGN - 1) == 0);

/// What a new key node holds.
enum Payload<'a> {
    /// String bytes to embed (at most EMBED_MAX).
    Embed(&'a [u8]),
    /// A value kept as is.
    Val(Value),
}

/// A pointer to a live key node. Copyable and unchecked: only the table code
/// in this file creates and uses them, each time right after finding the
/// node in the table and before the table changes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct KeyNode(NonNull<u8>);

impl KeyNode {
    fn flags(self) -> u8 {
        // SAFETY: KeyNode always points at a live key node.
        unsafe { self.0.as_ptr().add(OFF_FLAGS).read() }
    }

    fn set_flags(self, flags: u8) {
        // SAFETY: KeyNode always points at a live key node that the table
        // code may write (it holds `&mut` on the dict whenever it does).
        unsafe { self.0.as_ptr().add(OFF_FLAGS).write(flags) }
    }

    fn access(self) -> u32 {
        // SAFETY: live node; the access word is 4-aligned at offset 8.
        unsafe { self.0.as_ptr().add(OFF_ACCESS).cast::<u32>().read() }
    }

    fn set_access(self, access: u32) {
        // SAFETY: as in `access`.
        unsafe { self.0.as_ptr().add(OFF_ACCESS).cast::<u32>().write(access) }
    }

    fn klen(self) -> usize {
        // SAFETY: live node; a long key's length is the aligned u64 at HEAD.
        unsafe {
            if self.flags() & F_LONG_KEY != 0 {
                self.0.as_ptr().add(HEAD).cast::<u64>().read() as usize
            } else {
                self.0.as_ptr().add(OFF_KLEN).read() as usize
            }
        }
    }

    fn vlen(self) -> usize {
        // SAFETY: live node; the u16 at offset 14 is 2-aligned.
        unsafe { self.0.as_ptr().add(OFF_VLEN).cast::<u16>().read() as usize }
    }

    fn value_off(flags: u8) -> usize {
        HEAD + if flags & F_LONG_KEY != 0 { 8 } else { 0 }
    }

    fn key_off(flags: u8) -> usize {
        Self::value_off(flags) + if flags & F_VAL != 0 { VALUE_SIZE } else { 0 }
    }

    fn size(self) -> usize {
        let f = self.flags();
        let tail = if f & F_VAL != 0 { 0 } else { self.vlen() };
        Self::key_off(f) + self.klen() + tail
    }

    /// The key bytes; valid while the node lives.
    fn key<'a>(self) -> &'a [u8] {
        // SAFETY: live node; the key bytes follow the header at key_off.
        unsafe {
            std::slice::from_raw_parts(
                self.0.as_ptr().add(Self::key_off(self.flags())),
                self.klen(),
            )
        }
    }

    fn is_val(self) -> bool {
        self.flags() & F_VAL != 0
    }

    fn has_expire(self) -> bool {
        self.flags() & F_EXPIRE != 0
    }

    /// The stored Value of a VAL node.
    fn value_ptr(self) -> *mut Value {
        debug_assert!(self.is_val());
        // SAFETY: live VAL node; the Value sits 8-aligned at value_off.
        unsafe {
            self.0
                .as_ptr()
                .add(Self::value_off(self.flags()))
                .cast::<Value>()
        }
    }

    /// A view of an embedded string (non-VAL node).
    fn embedded_view(self) -> Value {
        debug_assert!(!self.is_val());
        let f = self.flags();
        // SAFETY: the embedded bytes follow the key; the view is only handed
        // out behind a shared borrow of the dict (see the module docs), so
        // the node outlives it and is not modified meanwhile.
        unsafe {
            let p = self.0.as_ptr().add(Self::key_off(f) + self.klen());
            Value::Str(RawStr::view(NonNull::new_unchecked(p), self.vlen()))
        }
    }

    /// Runs `f` on the node's value (a view for embedded strings).
    fn with_value<R>(self, f: impl FnOnce(&Value) -> R) -> R {
        if self.is_val() {
            // SAFETY: a VAL node holds an initialized Value.
            f(unsafe { &*self.value_ptr() })
        } else {
            f(&self.embedded_view())
        }
    }

    /// Allocates a node for `key` holding `payload`.
    fn alloc(key: &[u8], payload: Payload<'_>, access: u32) -> KeyNode {
        let long = key.len() >= 255;
        let mut f = 0;
        if long {
            f |= F_LONG_KEY;
        }
        let vlen = match &payload {
            Payload::Embed(b) => b.len(),
            Payload::Val(_) => {
                f |= F_VAL;
                0
            }
        };
        assert!(vlen <= EMBED_MAX);
        let key_off = Self::key_off(f);
        let size = key_off + key.len() + vlen;
        let layout = Layout::from_size_align(size, NODE_ALIGN).expect("node layout");
        // SAFETY: size >= HEAD > 0.
        let base = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(base) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: `base` is a fresh allocation of `size` bytes, 8-aligned;
        // every write below stays inside it at its field's alignment.
        unsafe {
            let p = base.as_ptr();
            p.cast::<Link>().write(ptr::null_mut());
            p.add(OFF_ACCESS).cast::<u32>().write(access);
            p.add(OFF_FLAGS).write(f);
            p.add(OFF_KLEN)
                .write(if long { 255 } else { key.len() as u8 });
            p.add(OFF_VLEN).cast::<u16>().write(vlen as u16);
            if long {
                p.add(HEAD).cast::<u64>().write(key.len() as u64);
            }
            ptr::copy_nonoverlapping(key.as_ptr(), p.add(key_off), key.len());
            match payload {
                Payload::Embed(b) => {
                    ptr::copy_nonoverlapping(b.as_ptr(), p.add(key_off + key.len()), b.len())
                }
                Payload::Val(v) => p.add(Self::value_off(f)).cast::<Value>().write(v),
            }
        }
        KeyNode(base)
    }

    /// Frees the node, returning its value if it held one in VAL form.
    ///
    /// # Safety
    /// The node must be unlinked from every table and not used again.
    unsafe fn free(self) -> Option<Value> {
        let size = self.size();
        let value = if self.is_val() {
            // SAFETY: a VAL node holds an initialized Value, read out once.
            Some(unsafe { self.value_ptr().read() })
        } else {
            None
        };
        let layout = Layout::from_size_align(size, NODE_ALIGN).expect("node layout");
        // SAFETY: allocated in `alloc` with this same size and alignment.
        unsafe { alloc::dealloc(self.0.as_ptr(), layout) };
        value
    }
}

struct KeyHash;
impl NodeHash for KeyHash {
    unsafe fn hash(node: NonNull<u8>) -> u64 {
        key_hash(KeyNode(node).key())
    }
}

// ---------------------------------------------------------------------------
// Expires nodes: [next][key node][deadline].

const EXP_SIZE: usize = 24;
const EXP_LAYOUT: Layout = match Layout::from_size_align(EXP_SIZE, 8) {
    Ok(l) => l,
    Err(_) => panic!("expires node layout"),
};

fn ptr_hash(p: NonNull<u8>) -> u64 {
    // SplitMix64's finalizer spreads the address bits over the low bits the
    // bucket index uses.
    let mut x = p.as_ptr() as usize as u64;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[derive(Clone, Copy)]
struct ExpNode(NonNull<u8>);

impl ExpNode {
    fn alloc(key: KeyNode, at: Ms) -> ExpNode {
        // SAFETY: the layout has non-zero size.
        let p = unsafe { alloc::alloc(EXP_LAYOUT) };
        let Some(p) = NonNull::new(p) else {
            alloc::handle_alloc_error(EXP_LAYOUT)
        };
        // SAFETY: fresh 24-byte, 8-aligned allocation: three aligned words.
        unsafe {
            p.as_ptr().cast::<Link>().write(ptr::null_mut());
            p.as_ptr().add(8).cast::<*mut u8>().write(key.0.as_ptr());
            p.as_ptr().add(16).cast::<Ms>().write(at);
        }
        ExpNode(p)
    }

    fn key(self) -> KeyNode {
        // SAFETY: live expires node; word 1 is a non-null key node pointer.
        unsafe {
            KeyNode(NonNull::new_unchecked(
                self.0.as_ptr().add(8).cast::<*mut u8>().read(),
            ))
        }
    }

    fn set_key(self, key: KeyNode) {
        // SAFETY: live expires node, written only under `&mut Dict`.
        unsafe {
            self.0
                .as_ptr()
                .add(8)
                .cast::<*mut u8>()
                .write(key.0.as_ptr())
        }
    }

    fn at(self) -> Ms {
        // SAFETY: live expires node; word 2 is the deadline.
        unsafe { self.0.as_ptr().add(16).cast::<Ms>().read() }
    }

    fn set_at(self, at: Ms) {
        // SAFETY: as in `set_key`.
        unsafe { self.0.as_ptr().add(16).cast::<Ms>().write(at) }
    }

    /// # Safety
    /// The node must be unlinked and not used again.
    unsafe fn free(self) {
        // SAFETY: allocated in `alloc` with EXP_LAYOUT.
        unsafe { alloc::dealloc(self.0.as_ptr(), EXP_LAYOUT) }
    }
}

struct ExpHash;
impl NodeHash for ExpHash {
    unsafe fn hash(node: NonNull<u8>) -> u64 {
        ptr_hash(ExpNode(node).key().0)
    }
}

// ---------------------------------------------------------------------------
// Field tables: the large form of hashes (field and value) and sets (member).

/// The hasher of hash fields and set members. Its seeds are drawn once per
/// process, so clients cannot precompute fields that all land in one bucket
/// (Redis seeds SipHash the same way); a table rehashes with the hasher it
/// was built with, so SCAN cursors stay valid for the life of the process.
pub(crate) fn field_hash(field: &[u8]) -> u64 {
    static HASHER: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    HASHER
        .get_or_init(|| {
            let mut r = rand::thread_rng();
            ahash::RandomState::with_seeds(r.gen(), r.gen(), r.gen(), r.gen())
        })
        .hash_one(field)
}

/// The 24-bit length that marks a node in the long form.
const FIELD_LONG: u32 = 0xFF_FFFF;

/// The meta word of a node: the field length (or FIELD_LONG) in the high 24
/// bits and the top 8 bits of the field's hash in the low 8, so one compare
/// rejects nearly every other node of a chain before looking at its bytes.
fn field_meta(hash: u64, len: usize) -> u32 {
    let len = if len >= FIELD_LONG as usize {
        FIELD_LONG
    } else {
        len as u32
    };
    (len << 8) | (hash >> 56) as u32
}

/// A pointer to a live field node. `PAIR` nodes (hashes) hold a field and a
/// value, the others (sets) a member only. Layout, 8-aligned:
///
/// ```text
/// 0   next node
/// 8   meta: u32 (field length or FIELD_LONG << 8 | 8 hash bits)
/// 12  PAIR: value length, u32       | no PAIR: field bytes
/// 16  PAIR: field bytes, value bytes |
/// ```
///
/// A field of 16 MiB or more, or a value of 4 GiB or more, takes the long
/// form: the lengths as u64 at 16 (and 24 for PAIR), the bytes after them.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FieldNode<const PAIR: bool>(NonNull<u8>);

impl<const PAIR: bool> FieldNode<PAIR> {
    const SHORT_HEAD: usize = if PAIR { 16 } else { 12 };
    const LONG_HEAD: usize = if PAIR { 32 } else { 24 };

    fn meta(self) -> u32 {
        // SAFETY: live node; the meta word is 4-aligned at offset 8.
        unsafe { self.0.as_ptr().add(8).cast::<u32>().read() }
    }

    /// Field length, value length and the offset of the field bytes.
    fn layout(self) -> (usize, usize, usize) {
        let meta = self.meta();
        // SAFETY: live node; the words read are those its form has, each at
        // its natural alignment.
        unsafe {
            let p = self.0.as_ptr();
            if meta >> 8 != FIELD_LONG {
                let vlen = if PAIR {
                    p.add(12).cast::<u32>().read() as usize
                } else {
                    0
                };
                ((meta >> 8) as usize, vlen, Self::SHORT_HEAD)
            } else {
                let vlen = if PAIR {
                    p.add(24).cast::<u64>().read() as usize
                } else {
                    0
                };
                (
                    p.add(16).cast::<u64>().read() as usize,
                    vlen,
                    Self::LONG_HEAD,
                )
            }
        }
    }

    fn size(self) -> usize {
        let (f, v, off) = self.layout();
        off + f + v
    }

    /// The field bytes; valid while the node lives.
    fn field<'a>(self) -> &'a [u8] {
        let (f, _, off) = self.layout();
        // SAFETY: live node; the field bytes follow the header.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().add(off), f) }
    }

    /// The value bytes (empty for a member node); valid while the node lives.
    fn value<'a>(self) -> &'a [u8] {
        let (f, v, off) = self.layout();
        // SAFETY: live node; the value bytes follow the field.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().add(off + f), v) }
    }

    /// Whether the node holds `field`, whose meta word is `meta`.
    fn holds(self, meta: u32, field: &[u8]) -> bool {
        let m = self.meta();
        (m == meta || (m >> 8 == FIELD_LONG && (m ^ meta) & 0xFF == 0)) && self.field() == field
    }

    fn node_layout(size: usize) -> Layout {
        Layout::from_size_align(size, NODE_ALIGN).expect("field node layout")
    }

    /// Allocates a node for `field` (whose hash is `hash`) and `value`.
    fn alloc(hash: u64, field: &[u8], value: &[u8]) -> Self {
        debug_assert!(PAIR || value.is_empty());
        let long = field.len() >= FIELD_LONG as usize || value.len() >= u32::MAX as usize;
        let off = if long {
            Self::LONG_HEAD
        } else {
            Self::SHORT_HEAD
        };
        let layout = Self::node_layout(off + field.len() + value.len());
        // SAFETY: the size is at least the header, so not zero.
        let base = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(base) else {
            alloc::handle_alloc_error(layout)
        };
        let meta = if long {
            (FIELD_LONG << 8) | (hash >> 56) as u32
        } else {
            field_meta(hash, field.len())
        };
        // SAFETY: `base` is a fresh 8-aligned allocation big enough for the
        // header of this form and both byte strings; every write is at its
        // field's natural alignment.
        unsafe {
            let p = base.as_ptr();
            p.cast::<Link>().write(ptr::null_mut());
            p.add(8).cast::<u32>().write(meta);
            if long {
                p.add(16).cast::<u64>().write(field.len() as u64);
                if PAIR {
                    p.add(24).cast::<u64>().write(value.len() as u64);
                }
            } else if PAIR {
                p.add(12).cast::<u32>().write(value.len() as u32);
            }
            ptr::copy_nonoverlapping(field.as_ptr(), p.add(off), field.len());
            ptr::copy_nonoverlapping(value.as_ptr(), p.add(off + field.len()), value.len());
        }
        FieldNode(base)
    }

    /// A copy of the node, unlinked.
    fn duplicate(self) -> Self {
        let size = self.size();
        let layout = Self::node_layout(size);
        // SAFETY: size is at least the header, so not zero.
        let base = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(base) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: both blocks are `size` bytes and distinct.
        unsafe {
            ptr::copy_nonoverlapping(self.0.as_ptr(), base.as_ptr(), size);
            base.as_ptr().cast::<Link>().write(ptr::null_mut());
        }
        FieldNode(base)
    }

    /// Overwrites the value with bytes of the same length.
    ///
    /// # Safety
    /// The caller holds the only access to the node (`&mut` on its table).
    unsafe fn overwrite_value(self, value: &[u8]) {
        let (f, v, off) = self.layout();
        assert_eq!(v, value.len(), "same-length overwrite");
        // SAFETY: the value bytes are inside the node and unaliased.
        unsafe { ptr::copy_nonoverlapping(value.as_ptr(), self.0.as_ptr().add(off + f), v) }
    }

    /// # Safety
    /// The node must be unlinked and not used again.
    unsafe fn free(self) {
        let layout = Self::node_layout(self.size());
        // SAFETY: allocated by `alloc` or `duplicate` with this layout.
        unsafe { alloc::dealloc(self.0.as_ptr(), layout) }
    }
}

struct FieldHash<const PAIR: bool>;
impl<const PAIR: bool> NodeHash for FieldHash<PAIR> {
    unsafe fn hash(node: NonNull<u8>) -> u64 {
        field_hash(FieldNode::<PAIR>(node).field())
    }
}

/// The large form of a hash (`PAIR`: field and value per node) or of a set
/// (a member per node): a `RawTable` of one-allocation field nodes, so a
/// probe costs one cache miss per node it visits and rejects other fields by
/// their meta word. It resizes incrementally (each write moves a bucket, as
/// Redis's dict does on every access; reads take `&self` and only look in
/// both arrays, and the keyspace calls `rehash_step` on each lookup of the
/// key), scans with the resize-proof cursor and picks at random as Redis's
/// `dictGetRandomKey`.
pub(crate) struct FieldTable<const PAIR: bool> {
    raw: RawTable<FieldHash<PAIR>>,
}

// SAFETY: the table owns its nodes exclusively (like a Box tree) and `&self`
// allows no mutation.
unsafe impl<const PAIR: bool> Send for FieldTable<PAIR> {}
// SAFETY: see Send.
unsafe impl<const PAIR: bool> Sync for FieldTable<PAIR> {}

impl<const PAIR: bool> Drop for FieldTable<PAIR> {
    fn drop(&mut self) {
        self.raw.drain(|n| {
            // SAFETY: drained nodes are unlinked and freed exactly once.
            unsafe { FieldNode::<PAIR>(n).free() }
        });
    }
}

impl<const PAIR: bool> Clone for FieldTable<PAIR> {
    fn clone(&self) -> Self {
        let mut t = FieldTable::with_capacity(self.len());
        for n in self.raw.iter() {
            let n = FieldNode::<PAIR>(n);
            let copy = n.duplicate();
            // SAFETY: a fresh node, hashed by its field, in no table.
            unsafe { t.raw.insert(field_hash(n.field()), copy.0) };
        }
        t
    }
}

impl<const PAIR: bool> Default for FieldTable<PAIR> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const PAIR: bool> FieldTable<PAIR> {
    pub(crate) fn new() -> Self {
        FieldTable {
            raw: RawTable::new(),
        }
    }

    /// An empty table with buckets for `n` fields.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut t = Self::new();
        t.raw.reserve(n);
        t
    }

    pub(crate) fn len(&self) -> usize {
        self.raw.len()
    }

    /// Bucket slots allocated (both arrays while rehashing).
    #[cfg(test)]
    pub(crate) fn buckets(&self) -> usize {
        self.raw.buckets()
    }

    #[cfg(test)]
    pub(crate) fn is_rehashing(&self) -> bool {
        self.raw.is_rehashing()
    }

    /// Moves up to `n` buckets of a resize under way; true while one is.
    #[cfg(test)]
    pub(crate) fn rehash(&mut self, n: usize) -> bool {
        self.raw.rehash(n)
    }

    /// Moves a resize under way one bucket along (see `Hash::rehash_step`).
    pub(crate) fn rehash_step(&mut self) {
        self.raw.step();
    }

    fn find(&self, hash: u64, field: &[u8]) -> Option<FieldNode<PAIR>> {
        let meta = field_meta(hash, field.len());
        self.raw
            .find(hash, |n| FieldNode::<PAIR>(n).holds(meta, field))
            .map(FieldNode)
    }

    /// The stored field and value for `field`.
    pub(crate) fn get(&self, field: &[u8]) -> Option<(&[u8], &[u8])> {
        let n = self.find(field_hash(field), field)?;
        Some((n.field(), n.value()))
    }

    pub(crate) fn contains(&self, field: &[u8]) -> bool {
        self.find(field_hash(field), field).is_some()
    }

    /// Sets `field` to `value`; true when the field is new. A value of the
    /// same length is written in place; another is a new node put where the
    /// old one was.
    pub(crate) fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        let hash = field_hash(field);
        match self.find(hash, field) {
            Some(old) => {
                // An overwrite is an access too: it moves a resize along.
                self.raw.step();
                if old.value().len() == value.len() {
                    // SAFETY: `&mut self` makes this the only access.
                    unsafe { old.overwrite_value(value) };
                } else {
                    let new = FieldNode::<PAIR>::alloc(hash, field, value);
                    // SAFETY: `old` is linked under `hash` (a rehash step
                    // moves nodes but frees none); `new` is fresh with the
                    // same field, so the same hash.
                    unsafe {
                        self.raw.replace(hash, old.0, new.0);
                        old.free();
                    }
                }
                false
            }
            None => {
                let node = FieldNode::<PAIR>::alloc(hash, field, value);
                // SAFETY: a fresh node, hashed by its field, in no table.
                unsafe { self.raw.insert(hash, node.0) };
                true
            }
        }
    }

    /// Adds a field known to be absent (a conversion or a copy).
    pub(crate) fn insert_new(&mut self, field: &[u8], value: &[u8]) {
        let hash = field_hash(field);
        debug_assert!(self.find(hash, field).is_none());
        let node = FieldNode::<PAIR>::alloc(hash, field, value);
        // SAFETY: a fresh node, hashed by its field, in no table.
        unsafe { self.raw.insert(hash, node.0) };
    }

    /// Removes `field`; returns whether it was there.
    pub(crate) fn remove(&mut self, field: &[u8]) -> bool {
        let hash = field_hash(field);
        let meta = field_meta(hash, field.len());
        match self
            .raw
            .unlink(hash, |n| FieldNode::<PAIR>(n).holds(meta, field))
        {
            Some(n) => {
                // SAFETY: just unlinked; freed once.
                unsafe { FieldNode::<PAIR>(n).free() };
                true
            }
            None => false,
        }
    }

    /// A random field and value: a random non-empty bucket, then a random
    /// node of its chain (Redis's `dictGetRandomKey`).
    pub(crate) fn random(&self, rng: &mut impl Rng) -> Option<(&[u8], &[u8])> {
        let n = FieldNode::<PAIR>(self.raw.random(rng)?);
        Some((n.field(), n.value()))
    }

    /// Removes a field picked as `random` does and returns its bytes.
    pub(crate) fn pop_random(&mut self, rng: &mut impl Rng) -> Option<Box<[u8]>> {
        let n = FieldNode::<PAIR>(self.raw.random(rng)?);
        let field: Box<[u8]> = n.field().into();
        let unlinked = self.raw.unlink(field_hash(&field), |m| m == n.0);
        debug_assert!(unlinked.is_some());
        // SAFETY: unlinked above; freed once.
        unsafe { n.free() };
        Some(field)
    }

    /// One SCAN step (see the module docs for the guarantee).
    pub(crate) fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a [u8], &'a [u8])) -> u64 {
        self.raw.scan(cursor, |n| {
            let n = FieldNode::<PAIR>(n);
            f(n.field(), n.value())
        })
    }

    /// Every field and value, in bucket order.
    pub(crate) fn iter(&self) -> FieldIter<'_, PAIR> {
        FieldIter(self.raw.iter())
    }

    /// Heap bytes: the table header, bucket arrays and nodes.
    pub(crate) fn heap_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.raw.buckets() * std::mem::size_of::<Link>()
            + self
                .raw
                .iter()
                .map(|n| FieldNode::<PAIR>(n).size())
                .sum::<usize>()
    }
}

/// Iterator over a field table's fields and values.
pub(crate) struct FieldIter<'a, const PAIR: bool>(RawIter<'a, FieldHash<PAIR>>);

impl<'a, const PAIR: bool> Iterator for FieldIter<'a, PAIR> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let n = FieldNode::<PAIR>(self.0.next()?);
        Some((n.field(), n.value()))
    }
}

// ---------------------------------------------------------------------------
// The dict.

/// One database's keys, values, access times and deadlines.
pub struct Dict {
    main: RawTable<KeyHash>,
    expires: RawTable<ExpHash>,
    /// Where `EntryMut::value` builds the view of an embedded string.
    scratch: Value,
    sample_buf: Vec<NonNull<u8>>,
}

// SAFETY: the dict owns all its nodes exclusively (like a Box tree); nothing
// in it is shared with another dict or thread, and `&Dict` allows no mutation.
unsafe impl Send for Dict {}
// SAFETY: see Send.
unsafe impl Sync for Dict {}

impl Default for Dict {
    fn default() -> Dict {
        Dict::new()
    }
}

impl std::fmt::Debug for Dict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict")
            .field("len", &self.len())
            .field("expires", &self.expires_len())
            .field("buckets", &self.main.buckets())
            .field("rehashing", &self.is_rehashing())
            .finish()
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Dict {
    pub fn new() -> Dict {
        Dict {
            main: RawTable::new(),
            expires: RawTable::new(),
            scratch: Value::Int(0),
            sample_buf: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.main.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of keys with a deadline.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// Bucket slots allocated by the key table (both arrays while rehashing).
    pub fn buckets(&self) -> usize {
        self.main.buckets()
    }

    pub fn is_rehashing(&self) -> bool {
        self.main.is_rehashing() || self.expires.is_rehashing()
    }

    /// Moves up to `budget` buckets of each table that is being resized.
    /// Returns true while more rehashing work remains.
    pub fn rehash_step(&mut self, budget: usize) -> bool {
        let a = self.main.rehash(budget);
        let b = self.expires.rehash(budget);
        a || b
    }

    /// Frees every key; returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.len();
        self.expires.drain(|n| {
            // SAFETY: drained nodes are unlinked and freed exactly once.
            unsafe { ExpNode(n).free() }
        });
        self.main.drain(|n| {
            // SAFETY: as above; the value (if any) is dropped here.
            drop(unsafe { KeyNode(n).free() });
        });
        self.scratch = Value::Int(0);
        n
    }

    fn find(&self, key: &[u8], hash: u64) -> Option<KeyNode> {
        self.main
            .find(hash, |n| KeyNode(n).key() == key)
            .map(KeyNode)
    }

    fn exp_node(&self, node: KeyNode) -> Option<ExpNode> {
        if !node.has_expire() {
            return None;
        }
        self.expires
            .find(ptr_hash(node.0), |e| ExpNode(e).key() == node)
            .map(ExpNode)
    }

    fn deadline(&self, node: KeyNode) -> Option<Ms> {
        self.exp_node(node).map(ExpNode::at)
    }

    /// Looks a key up for reading, without moving any rehash forward.
    pub fn get(&self, key: &[u8], hash: u64) -> Option<EntryRef<'_>> {
        let node = self.find(key, hash)?;
        Some(EntryRef { dict: self, node })
    }

    /// Looks a key up for reading or writing (moves a rehash one step).
    pub fn get_mut(&mut self, key: &[u8], hash: u64) -> Option<EntryMut<'_>> {
        self.main.step();
        let node = self.find(key, hash)?;
        Some(EntryMut {
            dict: self,
            node,
            hash,
        })
    }

    /// Adds a key that is known to be absent.
    fn insert_node(&mut self, hash: u64, node: KeyNode, expire_at: Option<Ms>) {
        if let Some(at) = expire_at {
            node.set_flags(node.flags() | F_EXPIRE);
            self.add_expire(node, at);
        } else {
            node.set_flags(node.flags() & !F_EXPIRE);
        }
        // SAFETY: a fresh node, hashed by its key, in no table.
        unsafe { self.main.insert(hash, node.0) };
    }

    fn add_expire(&mut self, node: KeyNode, at: Ms) {
        let e = ExpNode::alloc(node, at);
        // SAFETY: a fresh expires node keyed by its key node's address.
        unsafe { self.expires.insert(ptr_hash(node.0), e.0) };
    }

    fn remove_expire(&mut self, node: KeyNode) {
        if let Some(e) = self
            .expires
            .unlink(ptr_hash(node.0), |e| ExpNode(e).key() == node)
        {
            // SAFETY: just unlinked; freed once.
            unsafe { ExpNode(e).free() };
        }
    }

    /// Stores `value` under a key known to be absent (`hash` is its
    /// `key_hash`), with an optional deadline and access word.
    pub fn insert(
        &mut self,
        key: &[u8],
        hash: u64,
        value: Value,
        expire_at: Option<Ms>,
        access: u32,
    ) {
        debug_assert!(self.find(key, hash).is_none());
        let node = new_node(key, value, access);
        self.insert_node(hash, node, expire_at);
    }

    /// As `insert`, building the string value straight from `bytes` (int
    /// encoding when canonical), so that a new key costs one allocation.
    pub fn insert_bytes(
        &mut self,
        key: &[u8],
        hash: u64,
        bytes: &[u8],
        expire_at: Option<Ms>,
        access: u32,
    ) {
        debug_assert!(self.find(key, hash).is_none());
        let node = new_node_bytes(key, bytes, access);
        self.insert_node(hash, node, expire_at);
    }

    /// Unlinks and frees a key node (and its deadline), returning its value
    /// in owned form and its deadline.
    fn remove_node(
        &mut self,
        hash: u64,
        node: KeyNode,
        want_value: bool,
    ) -> (Option<Value>, Option<Ms>) {
        let at = self.deadline(node);
        if at.is_some() {
            self.remove_expire(node);
        }
        let unlinked = self.main.unlink(hash, |n| n == node.0);
        debug_assert!(unlinked.is_some());
        // An embedded string's owned copy must be made before the node is
        // freed; a VAL node hands its value back from `free`.
        let copy = (want_value && !node.is_val()).then(|| node.with_value(Value::clone));
        // SAFETY: the node is unlinked from both tables and not used again.
        let held = unsafe { node.free() };
        (copy.or(held), at)
    }

    /// Rebuilds `old` (which is linked under `hash`) as `new`, keeping its
    /// place in the chain and moving its deadline over. Frees `old` and
    /// returns its VAL value, if any.
    fn swap_node(
        &mut self,
        hash: u64,
        old: KeyNode,
        new: KeyNode,
        expire_at: Option<Ms>,
    ) -> Option<Value> {
        let old_exp = self.exp_node(old);
        match (old_exp, expire_at) {
            (Some(e), Some(at)) => {
                // Re-key the expires node to the new address.
                let unlinked = self.expires.unlink(ptr_hash(old.0), |n| n == e.0);
                debug_assert!(unlinked.is_some());
                e.set_key(new);
                e.set_at(at);
                // SAFETY: `e` was just unlinked; it is re-linked under the
                // hash of its new key address.
                unsafe { self.expires.insert(ptr_hash(new.0), e.0) };
            }
            (Some(_), None) => self.remove_expire(old),
            (None, Some(at)) => self.add_expire(new, at),
            (None, None) => {}
        }
        let f = new.flags();
        new.set_flags(if expire_at.is_some() {
            f | F_EXPIRE
        } else {
            f & !F_EXPIRE
        });
        // SAFETY: `old` is linked under `hash`; `new` is fresh and has the
        // same key, hence the same hash.
        unsafe { self.main.replace(hash, old.0, new.0) };
        // SAFETY: `old` is now unlinked from both tables.
        unsafe { old.free() }
    }

    /// A random key, chosen among a small sample of neighbouring buckets to
    /// even out the bias towards short chains (Redis's fair random key).
    pub fn random(&mut self, rng: &mut impl Rng) -> Option<EntryMut<'_>> {
        self.main.step();
        let mut buf = std::mem::take(&mut self.sample_buf);
        self.main.sample(rng, 20, &mut buf);
        let node = if buf.is_empty() {
            self.main.random(rng)
        } else {
            Some(buf[rng.gen_range(0..buf.len())])
        };
        buf.clear();
        self.sample_buf = buf;
        let node = KeyNode(node?);
        let hash = key_hash(node.key());
        Some(EntryMut {
            dict: self,
            node,
            hash,
        })
    }

    /// One SCAN step over the keys (see the module docs for the guarantee).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(EntryRef<'_>)) -> u64 {
        self.main.scan(cursor, |n| {
            f(EntryRef {
                dict: self,
                node: KeyNode(n),
            })
        })
    }

    /// Visits every key.
    pub fn for_each(&self, mut f: impl FnMut(EntryRef<'_>)) {
        self.main.for_each(|n| {
            f(EntryRef {
                dict: self,
                node: KeyNode(n),
            })
        })
    }

    /// One round of active expiry: walks the expires table from `cursor`
    /// until `want` keys were sampled or `max_buckets` buckets were visited,
    /// removing each sampled key whose deadline is at or before `now` and
    /// passing its name to `on_expired`. Returns the next cursor (0 when the
    /// walk wrapped), the number sampled and the number removed.
    pub fn expire_round(
        &mut self,
        cursor: u64,
        now: Ms,
        want: usize,
        max_buckets: usize,
        mut on_expired: impl FnMut(&[u8]),
    ) -> (u64, usize, usize) {
        let mut cursor = cursor;
        let mut buf = std::mem::take(&mut self.sample_buf);
        let (mut sampled, mut expired, mut buckets) = (0, 0, 0);
        while sampled < want && buckets < max_buckets && self.expires.len() > 0 {
            buf.clear();
            cursor = self.expires.scan(cursor, |e| buf.push(e));
            buckets += 1;
            sampled += buf.len();
            for &e in &buf {
                let e = ExpNode(e);
                if e.at() > now {
                    continue;
                }
                let node = e.key();
                on_expired(node.key());
                let hash = key_hash(node.key());
                self.remove_node(hash, node, false);
                expired += 1;
            }
            if cursor == 0 {
                break;
            }
        }
        buf.clear();
        self.sample_buf = buf;
        (cursor, sampled, expired)
    }
}

fn new_node(key: &[u8], value: Value, access: u32) -> KeyNode {
    match value {
        Value::Str(s) if !s.is_modified() && s.len() <= EMBED_MAX => {
            KeyNode::alloc(key, Payload::Embed(s.as_bytes()), access)
        }
        v => KeyNode::alloc(key, Payload::Val(v), access),
    }
}

fn new_node_bytes(key: &[u8], bytes: &[u8], access: u32) -> KeyNode {
    if let Some(n) = canonical_int(bytes) {
        KeyNode::alloc(key, Payload::Val(Value::Int(n)), access)
    } else if bytes.len() <= EMBED_MAX {
        KeyNode::alloc(key, Payload::Embed(bytes), access)
    } else {
        KeyNode::alloc(key, Payload::Val(Value::Str(RawStr::from(bytes))), access)
    }
}

/// Moves a resize of a collection's table one bucket along (strings and
/// lists have none).
fn step_collection(value: &mut Value) {
    match value {
        Value::Hash(h) => h.rehash_step(),
        Value::Set(s) => s.rehash_step(),
        Value::ZSet(z) => z.rehash_step(),
        Value::Int(_) | Value::Str(_) | Value::List(_) => {}
    }
}

/// A key found by a `&self` lookup.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    dict: &'a Dict,
    node: KeyNode,
}

impl<'a> EntryRef<'a> {
    pub fn key(&self) -> &'a [u8] {
        self.node.key()
    }

    /// The deadline, if the key has one.
    pub fn expire_at(&self) -> Option<Ms> {
        self.dict.deadline(self.node)
    }

    /// The access word (24-bit LRU clock in the low bits).
    pub fn access(&self) -> u32 {
        self.node.access()
    }

    /// Runs `f` on the value.
    pub fn with_value<R>(&self, f: impl FnOnce(&Value) -> R) -> R {
        self.node.with_value(f)
    }
}

/// A key found by a `&mut self` lookup; it can be read, changed or removed.
pub struct EntryMut<'a> {
    dict: &'a mut Dict,
    node: KeyNode,
    hash: u64,
}

impl<'a> EntryMut<'a> {
    pub fn key(&self) -> &[u8] {
        self.node.key()
    }

    pub fn expire_at(&self) -> Option<Ms> {
        self.dict.deadline(self.node)
    }

    pub fn access(&self) -> u32 {
        self.node.access()
    }

    pub fn set_access(&mut self, access: u32) {
        self.node.set_access(access);
    }

    /// Sets or clears the deadline.
    pub fn set_expire(&mut self, at: Option<Ms>) {
        match (self.dict.exp_node(self.node), at) {
            (Some(e), Some(at)) => e.set_at(at),
            (Some(_), None) => {
                self.dict.remove_expire(self.node);
                self.node.set_flags(self.node.flags() & !F_EXPIRE);
            }
            (None, Some(at)) => {
                self.dict.add_expire(self.node, at);
                self.node.set_flags(self.node.flags() | F_EXPIRE);
            }
            (None, None) => {}
        }
    }

    /// The value, for reading. A large hash, set or sorted set first moves
    /// a resize of its table one bucket along: this is the one place every
    /// command's lookup of a key passes with `&mut` access, and it lets the
    /// collections' own lookups stay `&self` (so a command may probe one
    /// while iterating it) while reads still finish a resize, which is what
    /// Redis gets from the rehash step in `dictFind`.
    pub fn value(self) -> &'a Value {
        if self.node.is_val() {
            // SAFETY: a VAL node holds an initialized Value, which lives as
            // long as the dict is borrowed; `&mut` on the dict is held for
            // 'a, so the step's unique borrow ends before the shared one.
            let value = unsafe { &mut *self.node.value_ptr() };
            step_collection(value);
            value
        } else {
            // The view borrows the node; it is reachable only through the
            // shared reference returned here, which keeps the dict borrowed.
            self.dict.scratch = self.node.embedded_view();
            &self.dict.scratch
        }
    }

    /// Whether the value passes `f` (which sees a view of an embedded
    /// string), without moving anything.
    pub fn holds(&self, f: impl FnOnce(&Value) -> bool) -> bool {
        self.node.with_value(f)
    }

    /// `value_mut`, then a collection's resize moved one bucket along as
    /// `value` does: a write that reaches its value through one lookup
    /// still steps the resize.
    pub fn value_mut_stepped(self) -> &'a mut Value {
        let value = self.value_mut();
        step_collection(value);
        value
    }

    /// The value, for changing in place. An embedded string is first moved
    /// into an owned buffer (the node is rebuilt without it).
    pub fn value_mut(self) -> &'a mut Value {
        let mut node = self.node;
        if !node.is_val() {
            let owned = node.with_value(Value::clone);
            let new = KeyNode::alloc(node.key(), Payload::Val(owned), node.access());
            let at = self.dict.deadline(node);
            let old = self.dict.swap_node(self.hash, node, new, at);
            debug_assert!(old.is_none());
            node = new;
        }
        // SAFETY: a VAL node holds an initialized Value; `&mut` on the dict
        // is held for 'a, so the reference is unique.
        unsafe { &mut *node.value_ptr() }
    }

    /// Replaces the value, deadline and access word (the node is rebuilt).
    /// Returns the old value when it was held in owned form (dropping it is
    /// the caller's choice).
    pub fn replace(self, value: Value, expire_at: Option<Ms>, access: u32) -> Option<Value> {
        let new = new_node(self.node.key(), value, access);
        self.dict.swap_node(self.hash, self.node, new, expire_at)
    }

    /// As `replace`, building the value from string bytes.
    pub fn replace_bytes(self, bytes: &[u8], expire_at: Option<Ms>, access: u32) -> Option<Value> {
        let new = new_node_bytes(self.node.key(), bytes, access);
        self.dict.swap_node(self.hash, self.node, new, expire_at)
    }

    /// Removes the key, returning its value (owned) and deadline.
    pub fn remove(self) -> (Value, Option<Ms>) {
        let (v, at) = self.dict.remove_node(self.hash, self.node, true);
        (v.expect("value requested"), at)
    }

    /// Removes the key without materializing its value.
    pub fn delete(self) {
        self.dict.remove_node(self.hash, self.node, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use std::collections::{HashMap, HashSet};

    fn k(i: usize) -> Vec<u8> {
        format!("key:{i:012}").into_bytes()
    }

    fn set(d: &mut Dict, key: &[u8], v: &[u8]) {
        let h = key_hash(key);
        match d.get_mut(key, h) {
            Some(e) => {
                e.replace_bytes(v, None, 0);
            }
            None => d.insert_bytes(key, h, v, None, 0),
        }
    }

    fn del(d: &mut Dict, key: &[u8]) -> bool {
        match d.get_mut(key, key_hash(key)) {
            Some(e) => {
                e.delete();
                true
            }
            None => false,
        }
    }

    fn read(d: &Dict, key: &[u8]) -> Option<Vec<u8>> {
        d.get(key, key_hash(key)).map(|e| {
            e.with_value(|v| match v {
                Value::Int(n) => n.to_string().into_bytes(),
                Value::Str(s) => s.to_vec(),
                other => panic!("only strings are stored here, got {other:?}"),
            })
        })
    }

    #[test]
    fn node_layout_is_compact() {
        let key = k(1);
        let n = new_node_bytes(&key, &[b'v'; 32], 0);
        assert_eq!(n.size(), 64);
        assert_eq!(n.key(), &key[..]);
        // SAFETY: never linked.
        unsafe { n.free() };
        let long = vec![b'x'; 300];
        let n = new_node(&long, Value::Int(7), 5);
        assert_eq!(n.key(), &long[..]);
        assert_eq!(n.access(), 5);
        n.with_value(|v| assert_eq!(v, &Value::Int(7)));
        // SAFETY: never linked.
        assert_eq!(unsafe { n.free() }, Some(Value::Int(7)));
    }

    #[test]
    fn long_keys_in_every_node_form() {
        let mut d = Dict::new();
        for len in [254, 255, 256, 70_000] {
            let key = vec![b'k'; len];
            let h = key_hash(&key);
            d.insert_bytes(&key, h, b"embedded", Some(9), 1);
            assert_eq!(read(&d, &key).unwrap(), b"embedded");
            assert_eq!(d.get(&key, h).unwrap().key(), &key[..]);
            // Rebuild as VAL through a mutation, then as an int.
            match d.get_mut(&key, h).unwrap().value_mut() {
                Value::Str(s) => s.append(b"!"),
                _ => unreachable!("a string was stored"),
            }
            assert_eq!(read(&d, &key).unwrap(), b"embedded!");
            d.get_mut(&key, h).unwrap().replace_bytes(b"42", Some(9), 1);
            assert_eq!(read(&d, &key).unwrap(), b"42");
            assert_eq!(d.get(&key, h).unwrap().expire_at(), Some(9));
        }
        assert_eq!(d.len(), 4);
        assert_eq!(d.expires_len(), 4);
    }

    #[test]
    fn insert_find_delete_with_growth_and_shrink() {
        let mut d = Dict::new();
        for i in 0..10_000 {
            set(&mut d, &k(i), format!("v{i}").as_bytes());
        }
        assert_eq!(d.len(), 10_000);
        while d.rehash_step(100) {}
        assert_eq!(d.buckets(), 16_384);
        for i in 0..10_000 {
            assert_eq!(read(&d, &k(i)).unwrap(), format!("v{i}").into_bytes());
        }
        for i in 0..9_990 {
            assert!(del(&mut d, &k(i)));
            assert!(!del(&mut d, &k(i)));
        }
        while d.rehash_step(100) {}
        assert_eq!(d.len(), 10);
        assert!(d.buckets() <= 64, "shrunk to {}", d.buckets());
        for i in 9_990..10_000 {
            assert!(read(&d, &k(i)).is_some());
        }
        assert_eq!(d.clear(), 10);
        assert!(d.is_empty());
    }

    #[test]
    fn rehash_is_incremental() {
        let mut d = Dict::new();
        for i in 0..(1 << 12) {
            set(&mut d, &k(i), b"x");
        }
        // The insert that reaches the load limit starts a rehash; a single
        // operation only moves a bucket or so of it.
        set(&mut d, &k(1 << 12), b"x");
        assert!(d.is_rehashing());
        let mut steps = 0;
        while d.rehash_step(1) {
            steps += 1;
        }
        assert!(steps > 100, "rehash finished in {steps} steps");
        assert!(!d.is_rehashing());
    }

    #[test]
    fn values_embedded_owned_and_mutated() {
        let mut d = Dict::new();
        let key = b"s".to_vec();
        let h = key_hash(&key);
        d.insert(&key, h, Value::string(b"hello"), Some(50), 3);
        {
            let e = d.get_mut(&key, h).unwrap();
            assert_eq!(e.expire_at(), Some(50));
            let v = e.value();
            assert_eq!(v.encoding(), "embstr");
        }
        {
            let e = d.get_mut(&key, h).unwrap();
            match e.value_mut() {
                Value::Str(s) => s.append(b" world"),
                _ => unreachable!("a string was stored"),
            }
        }
        let e = d.get(&key, h).unwrap();
        assert_eq!(e.expire_at(), Some(50));
        assert_eq!(e.access(), 3);
        e.with_value(|v| {
            assert_eq!(v.encoding(), "raw");
            assert_eq!(v, &Value::string(b"hello world"));
        });
        let big = vec![b'b'; EMBED_MAX + 1];
        set(&mut d, b"big", &big);
        assert_eq!(read(&d, b"big").unwrap(), big);
        let (v, at) = d.get_mut(&key, h).unwrap().remove();
        assert_eq!(v, Value::string(b"hello world"));
        assert_eq!(at, Some(50));
        assert_eq!(d.expires_len(), 0);
    }

    #[test]
    fn expires_survive_rebuilds_and_rehash() {
        let mut d = Dict::new();
        for i in 0..2_000 {
            let key = k(i);
            d.insert_bytes(&key, key_hash(&key), b"v", Some(i as Ms), 0);
        }
        for i in (0..2_000).step_by(2) {
            let key = k(i);
            let e = d.get_mut(&key, key_hash(&key)).unwrap();
            e.replace_bytes(b"w", Some(10_000 + i as Ms), 0);
        }
        for i in 0..2_000 {
            let key = k(i);
            let e = d.get(&key, key_hash(&key)).unwrap();
            let want = if i % 2 == 0 { 10_000 + i } else { i };
            assert_eq!(e.expire_at(), Some(want as Ms));
        }
        assert_eq!(d.expires_len(), 2_000);
        let mut gone = HashSet::new();
        let mut cursor = 0;
        loop {
            let (c, _, _) = d.expire_round(cursor, 5_000, 20, 400, |k| {
                gone.insert(k.to_vec());
            });
            cursor = c;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(gone.len(), 1_000);
        assert_eq!(d.len(), 1_000);
        assert_eq!(d.expires_len(), 1_000);
    }

    #[test]
    fn scan_covers_keys_across_resizes() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut d = Dict::new();
        for i in 0..500 {
            set(&mut d, &k(i), b"x");
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut next = 500;
        loop {
            cursor = d.scan(cursor, |e| {
                seen.insert(e.key().to_vec());
            });
            // Grow a lot, then shrink back, while the scan runs.
            for _ in 0..rng.gen_range(0..60) {
                set(&mut d, &k(next), b"y");
                next += 1;
            }
            if next > 3_000 {
                for i in 500..next {
                    del(&mut d, &k(i));
                }
                next = 500;
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..500 {
            assert!(seen.contains(&k(i)), "key {i} missed");
        }
    }

    #[test]
    fn field_table_scan_and_random_while_resizing() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut t: FieldTable<true> = FieldTable::new();
        for i in 0..300 {
            assert!(t.set(&k(i), b"v"));
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut next = 300;
        let mut mid_rehash_steps = 0;
        loop {
            mid_rehash_steps += usize::from(t.is_rehashing());
            cursor = t.scan(cursor, |f, v| {
                assert_eq!(v, b"v");
                seen.insert(f.to_vec());
            });
            for _ in 0..rng.gen_range(0..40) {
                assert!(t.set(&k(next), b"v"));
                next += 1;
            }
            if next > 2_500 {
                for i in 300..next {
                    assert!(t.remove(&k(i)));
                }
                next = 300;
            }
            if cursor == 0 {
                break;
            }
        }
        assert!(mid_rehash_steps > 0, "no scan step ran during a resize");
        for i in 0..300 {
            assert!(seen.contains(&k(i)), "field {i} missed");
        }
        // Random picks reach every field, also in the middle of a resize.
        let mut t: FieldTable<false> = FieldTable::new();
        for i in 0..64 {
            t.set(&k(i), b"");
        }
        t.set(&k(64), b"");
        assert!(t.is_rehashing());
        let mut hits: HashMap<Vec<u8>, usize> = HashMap::new();
        for _ in 0..65_000 {
            let (f, v) = t.random(&mut rng).unwrap();
            assert!(v.is_empty());
            *hits.entry(f.to_vec()).or_default() += 1;
        }
        assert_eq!(hits.len(), 65);
        let mut popped = HashSet::new();
        while let Some(m) = t.pop_random(&mut rng) {
            assert!(popped.insert(m));
        }
        assert_eq!(popped.len(), 65);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn large_tables_zero_their_next_array_before_growing() {
        let mut t: FieldTable<false> = FieldTable::new();
        let mut i = 0;
        while t.len() < 1 << 14 {
            t.set(&k(i), b"");
            i += 1;
        }
        while t.rehash(100) {}
        assert_eq!(t.buckets(), 1 << 14);
        // The full table keeps filling while 32 slots of the doubled array
        // are zeroed per insert, then grows in one O(1) step.
        let mut extra = 0;
        while !t.is_rehashing() {
            t.set(&k(i), b"");
            i += 1;
            extra += 1;
        }
        assert_eq!(extra, (1 << 15) / 32);
        assert_eq!(t.buckets(), (1 << 14) + (1 << 15));
        for j in 0..i {
            assert!(t.contains(&k(j)), "member {j}");
        }
        // Deleting below the full mark while zeroing drops the spare array.
        let mut t: FieldTable<false> = FieldTable::new();
        for j in 0..(1 << 14) + 10 {
            t.set(&k(j), b"");
        }
        assert!(!t.is_rehashing() && t.raw.spare.capacity() == 1 << 15);
        for j in 0..11 {
            assert!(t.remove(&k(j)));
        }
        assert_eq!(t.raw.spare.capacity(), 0);
    }

    #[test]
    fn field_nodes_are_one_small_allocation() {
        let f = b"element:000000123456";
        let pair = FieldNode::<true>::alloc(field_hash(f), f, b"xxx");
        assert_eq!(pair.size(), 16 + 20 + 3);
        assert_eq!((pair.field(), pair.value()), (&f[..], &b"xxx"[..]));
        let member = FieldNode::<false>::alloc(field_hash(f), f, b"");
        assert_eq!(member.size(), 12 + 20);
        assert_eq!((member.field(), member.value()), (&f[..], &b""[..]));
        // SAFETY: never linked.
        unsafe {
            pair.free();
            member.free();
        }
    }

    #[test]
    fn large_tables_zero_their_shrunk_array_before_shrinking() {
        let mut t: FieldTable<false> = FieldTable::new();
        let n = 1 << 18;
        for j in 0..n {
            t.set(&k(j), b"");
        }
        while t.rehash(100) {}
        assert_eq!(t.buckets(), 1 << 18);
        // Under a tenth full the table wants 2^15 buckets; it zeroes them 32
        // slots per removal and only then starts moving nodes.
        let mut j = 0;
        let mut removals = 0;
        while !t.is_rehashing() {
            assert!(t.remove(&k(j)));
            j += 1;
            // Count the removals that found the table under a tenth full.
            removals += usize::from(t.len() * 10 < 1 << 18);
        }
        assert_eq!(removals, (1 << 15) / 32);
        assert_eq!(t.buckets(), (1 << 18) + (1 << 15));
        for m in j..n {
            assert!(t.contains(&k(m)), "member {m}");
        }
    }

    #[test]
    fn lookups_through_the_keyspace_finish_a_collections_resize() {
        use crate::{Hash, Set, ZSet};
        let mut d = Dict::new();
        let n = (1 << 12) + 1;
        let mut h = Hash::new();
        let mut s = Set::new_table();
        let mut z = ZSet::new();
        for i in 0..n {
            h.set(&k(i), b"v", crate::hash::Limits::default());
            s.insert(&k(i), 0);
            z.upsert(&k(i), i as f64, crate::zset::Limits::default());
        }
        // The insert that reached 2^12 started each resize, and the few
        // writes since moved only a few buckets.
        assert!(h.is_rehashing() && s.is_rehashing() && z.is_rehashing());
        for (key, v) in [
            (&b"h"[..], Value::Hash(Box::new(h))),
            (b"s", Value::Set(Box::new(s))),
            (b"z", Value::ZSet(z)),
        ] {
            d.insert(key, key_hash(key), v, None, 0);
        }
        let rehashing = |d: &Dict, key: &[u8]| {
            d.get(key, key_hash(key)).unwrap().with_value(|v| match v {
                Value::Hash(h) => h.is_rehashing(),
                Value::Set(s) => s.is_rehashing(),
                Value::ZSet(z) => z.is_rehashing(),
                _ => unreachable!("collections only"),
            })
        };
        for key in [&b"h"[..], b"s", b"z"] {
            // Reads through `&self` leave the resize where it is.
            assert!(rehashing(&d, key));
            // Each read lookup (`EntryMut::value`, what `Db::get` uses)
            // moves one bucket, so the 2^12 old buckets are done after at
            // most 2^12 reads.
            let mut reads = 0;
            while rehashing(&d, key) {
                let e = d.get_mut(key, key_hash(key)).unwrap();
                assert!(matches!(
                    e.value(),
                    Value::Hash(_) | Value::Set(_) | Value::ZSet(_)
                ));
                reads += 1;
                assert!(reads <= 1 << 12, "{reads} reads did not finish the resize");
            }
            assert!(reads > 100, "finished after {reads} reads");
        }
    }

    #[test]
    fn random_sampling_is_roughly_fair() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut d = Dict::new();
        for i in 0..64 {
            set(&mut d, &k(i), b"x");
        }
        let mut hits: HashMap<Vec<u8>, usize> = HashMap::new();
        for _ in 0..64_000 {
            let e = d.random(&mut rng).unwrap();
            *hits.entry(e.key().to_vec()).or_default() += 1;
        }
        assert_eq!(hits.len(), 64);
        let (min, max) = (hits.values().min().unwrap(), hits.values().max().unwrap());
        assert!(*min > 250 && *max < 4_000, "min {min} max {max}");
    }
}
