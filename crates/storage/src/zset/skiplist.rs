//! The large form of a sorted set: a skiplist with rank spans whose nodes
//! are also the entries of a chained member index. It holds all of the
//! sorted set's node-level unsafe code; it must not know about the packed
//! form, commands or thresholds.
//!
//! # Nodes
//!
//! An element is one 8-aligned allocation, so an insert allocates once:
//!
//! ```text
//! 0          score: f64
//! 8          backward: the previous node, null for the first
//! 16         chain: the next node in the same index bucket
//! 24         member length: u32
//! 28         level: u8 (1..=32)
//! 29         tag: u8, the top byte of the member's hash
//! 32         links, one 16-byte pair per level:
//!              next: the successor at that level, or null
//!              next score: the successor's score (unspecified when null)
//! 32 + 16L   span: one u32 per level (level-0 steps to `next`)
//! 32 + 20L   member bytes
//! ```
//!
//! The head is a node of 32 levels with no member. Links and spans follow
//! Pugh's skiplist with Redis's rank spans, so ranks and "how many sort
//! before X" are O(log N), and levels are drawn as Redis draws them
//! (p = 1/4, at most 32).
//!
//! Each link carries its successor's score, so a search decides whether to
//! step forward or drop a level from the current node's own link, and reads
//! the successor only when it steps to it or the scores tie (then the
//! member bytes decide). On a large set nearly every node a search reads is
//! a cache miss; the successor a search looks at and does not step to was
//! about one miss in four. Every change of a link or of a score keeps the
//! cached scores true (`check` verifies them).
//!
//! # Member index
//!
//! The keyspace's chained table (`dict::RawTable`), with the nodes linked
//! through their `chain` word: a power-of-two array of bucket heads, so the
//! index costs one pointer per bucket and nothing per element beyond the
//! node's own header. A probe compares the stored tag before the member
//! bytes. The array doubles when it holds as many elements as buckets and
//! shrinks under a tenth full, incrementally: while resizing there are two
//! arrays, lookups and removals consult both, new nodes go to the new one,
//! and every insert, score update and removal, and every lookup of the key
//! through the keyspace (`ZSet::rehash_step`), moves one bucket's chain
//! over (rehashing a node reads its member). A large new array is zeroed a
//! slice per operation before the resize starts. ZSCAN walks the buckets
//! with the table's reverse-binary cursor, which visits both arrays
//! mid-resize, so an element present for the whole scan is returned at
//! least once however the index is resized between or during calls.

use std::alloc::{self, Layout};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use super::{before, Upsert};
use crate::dict::{NodeHash, RawTable};

const MAX_LEVEL: usize = 32;
/// Bytes before the node's links.
const NODE_HDR: usize = 32;
/// Bytes per level: the link pair (next, next score) and the span.
const LEVEL_BYTES: usize = 20;

/// A possibly null node pointer, as stored in links, `backward` and chains.
type P = *mut u8;

/// The member hash: the one hash fields and set members use, seeded at
/// random once per process so clients cannot aim members at one bucket.
fn hash(member: &[u8]) -> u64 {
    crate::dict::field_hash(member)
}

fn tag_of(h: u64) -> u8 {
    (h >> 56) as u8
}

/// A live node of the list that holds it.
///
/// Only this module makes an `N`, always from a node allocated by
/// [`N::alloc`] and not yet freed, and no `N` outlives its list's borrow;
/// the accessors' unsafe blocks rely on that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct N(NonNull<u8>);

impl N {
    fn from(p: P) -> Option<N> {
        NonNull::new(p).map(N)
    }

    fn raw(self) -> P {
        self.0.as_ptr()
    }

    fn layout(level: usize, mlen: usize) -> Layout {
        Layout::from_size_align(NODE_HDR + LEVEL_BYTES * level + mlen, 8)
            .expect("skiplist node layout")
    }

    /// A node with null links and zero spans.
    fn alloc(member: &[u8], score: f64, level: usize, tag: u8) -> N {
        let mlen = u32::try_from(member.len()).expect("member under 4 GB");
        let layout = N::layout(level, member.len());
        // SAFETY: the layout is at least NODE_HDR bytes.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(p) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: every write below is inside the fresh allocation, at the
        // offsets the layout above reserves, with 8-aligned words.
        unsafe {
            let b = p.as_ptr();
            b.cast::<f64>().write(score);
            b.add(8).cast::<P>().write(ptr::null_mut());
            b.add(16).cast::<P>().write(ptr::null_mut());
            b.add(24).cast::<u32>().write(mlen);
            b.add(28).write(level as u8);
            b.add(29).write(tag);
            ptr::write_bytes(b.add(NODE_HDR), 0, LEVEL_BYTES * level);
            let m = b.add(NODE_HDR + LEVEL_BYTES * level);
            ptr::copy_nonoverlapping(member.as_ptr(), m, member.len());
        }
        N(p)
    }

    /// Frees the node.
    ///
    /// # Safety
    /// No link, chain or `N` may reach the node afterwards.
    unsafe fn free(self) {
        let layout = N::layout(self.level(), self.mlen());
        // SAFETY: allocated in `alloc` with this layout; the caller makes
        // this the last use.
        unsafe { alloc::dealloc(self.raw(), layout) }
    }

    fn score(self) -> f64 {
        // SAFETY: a live node (type invariant); offset 0 is its score.
        unsafe { self.raw().cast::<f64>().read() }
    }

    fn set_score(self, s: f64) {
        // SAFETY: as in `score`; nodes are only changed through `&mut` lists.
        unsafe { self.raw().cast::<f64>().write(s) }
    }

    fn backward(self) -> P {
        // SAFETY: a live node; offset 8 is its backward pointer.
        unsafe { self.raw().add(8).cast::<P>().read() }
    }

    fn set_backward(self, p: P) {
        // SAFETY: as in `backward`.
        unsafe { self.raw().add(8).cast::<P>().write(p) }
    }

    fn mlen(self) -> usize {
        // SAFETY: a live node; offset 24 is its member length.
        unsafe { self.raw().add(24).cast::<u32>().read() as usize }
    }

    fn level(self) -> usize {
        // SAFETY: a live node; offset 28 is its level.
        unsafe { usize::from(self.raw().add(28).read()) }
    }

    fn tag(self) -> u8 {
        // SAFETY: a live node; offset 29 is its hash tag.
        unsafe { self.raw().add(29).read() }
    }

    fn next(self, i: usize) -> P {
        debug_assert!(i < self.level());
        // SAFETY: a live node with more than `i` levels; link pair `i`
        // starts with the next pointer.
        unsafe { self.raw().add(NODE_HDR + 16 * i).cast::<P>().read() }
    }

    /// The score of `next(i)`; unspecified when that is null.
    fn next_score(self, i: usize) -> f64 {
        debug_assert!(i < self.level());
        // SAFETY: a live node with more than `i` levels; the second word of
        // link pair `i` is the cached score.
        unsafe { self.raw().add(NODE_HDR + 16 * i + 8).cast::<f64>().read() }
    }

    /// Points level `i` at `p`, whose score is `score`.
    fn set_next(self, i: usize, p: P, score: f64) {
        debug_assert!(i < self.level());
        // SAFETY: as in `next` and `next_score`.
        unsafe {
            let l = self.raw().add(NODE_HDR + 16 * i);
            l.cast::<P>().write(p);
            l.add(8).cast::<f64>().write(score);
        }
    }

    /// Sets the cached score of level `i`'s successor (its score changed).
    fn set_next_score(self, i: usize, score: f64) {
        debug_assert!(i < self.level());
        // SAFETY: as in `next_score`.
        unsafe {
            self.raw()
                .add(NODE_HDR + 16 * i + 8)
                .cast::<f64>()
                .write(score)
        }
    }

    fn span(self, i: usize) -> usize {
        debug_assert!(i < self.level());
        let off = NODE_HDR + 16 * self.level() + 4 * i;
        // SAFETY: a live node with more than `i` levels; spans follow the
        // `level` link pairs.
        unsafe { self.raw().add(off).cast::<u32>().read() as usize }
    }

    fn set_span(self, i: usize, span: usize) {
        debug_assert!(i < self.level());
        let off = NODE_HDR + 16 * self.level() + 4 * i;
        // SAFETY: as in `span`; spans never exceed the element count, a u32.
        unsafe { self.raw().add(off).cast::<u32>().write(span as u32) }
    }

    /// The member bytes; the caller ties the lifetime to the list's borrow.
    fn member<'a>(self) -> &'a [u8] {
        let off = NODE_HDR + LEVEL_BYTES * self.level();
        // SAFETY: a live node holds `mlen` member bytes after its spans; they
        // change only when the node is freed, which needs `&mut` on the list.
        unsafe { std::slice::from_raw_parts(self.raw().add(off), self.mlen()) }
    }
}

/// How the member index finds a node's chain link and, when it rehashes the
/// node into a new bucket array, its hash (from the member, which costs a
/// read of the node; the incremental rehash spreads those reads out).
struct ByMember;

impl NodeHash for ByMember {
    /// The `chain` word of the node layout.
    const LINK: usize = 16;

    unsafe fn hash(node: NonNull<u8>) -> u64 {
        hash(N(node).member())
    }
}

/// The member → node index (see the module docs): the keyspace's chained
/// table, with this module's nodes linked through their `chain` word.
type Index = RawTable<ByMember>;

/// Whether node `p` holds `member`, whose hash tag is `tag`.
fn holds(p: NonNull<u8>, tag: u8, member: &[u8]) -> bool {
    let n = N(p);
    n.tag() == tag && n.member() == member
}

/// The search predicate for the place of `(score, member)`: whether the
/// successor `n`, whose score `s` comes from the link to it, sorts before
/// it. The member bytes are read only when the scores tie.
fn sorts_before(score: f64, member: &[u8]) -> impl Fn(f64, N) -> bool + '_ {
    move |s, n| s < score || (s == score && n.member() < member)
}

/// The skiplist with its member index.
pub(super) struct SkipList {
    head: N,
    tail: P,
    level: usize,
    len: usize,
    /// xorshift state for level choice; seeded fixed so runs repeat.
    rng: u64,
    index: Index,
}

// SAFETY: the list owns its nodes exclusively (as Boxes would be owned) and
// they hold plain bytes.
unsafe impl Send for SkipList {}
// SAFETY: as for Send; nothing is mutated through `&SkipList`.
unsafe impl Sync for SkipList {}

impl Drop for SkipList {
    fn drop(&mut self) {
        let mut p = self.head.next(0);
        while let Some(n) = N::from(p) {
            p = n.next(0);
            // SAFETY: each node is reached once along level 0 and the list
            // is going away.
            unsafe { n.free() }
        }
        // SAFETY: the head is owned by the list and freed once, last.
        unsafe { self.head.free() }
    }
}

impl Clone for SkipList {
    fn clone(&self) -> SkipList {
        let mut l = SkipList::new();
        // Sized up front, so the copy never resizes its index.
        l.index.reserve(self.len);
        for (m, s) in self.iter_from(self.first(), false) {
            l.upsert(m, s);
        }
        l
    }
}

/// The last node at each level that sorts before a bound, and the rank of
/// each (1-based, 0 for the head).
type Preds = ([P; MAX_LEVEL], [usize; MAX_LEVEL]);

impl SkipList {
    pub(super) fn new() -> SkipList {
        SkipList {
            head: N::alloc(&[], 0.0, MAX_LEVEL, 0),
            tail: ptr::null_mut(),
            level: 1,
            len: 0,
            rng: 0x9e37_79b9_7f4a_7c15,
            index: RawTable::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Level 1 with probability 3/4, each further level with 1/4 more, at
    /// most 32: one xorshift step, two bits per level.
    fn random_level(&mut self) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (1 + self.rng.trailing_zeros() as usize / 2).min(MAX_LEVEL)
    }

    /// Fills `preds` for the levels in use (the levels above keep what the
    /// caller put there). The arrays are the caller's: returned by value,
    /// the two 32-word arrays were copied out twice per insert.
    ///
    /// Ranks count only the steps taken on levels below `ranked`, so
    /// `rank[0] - rank[i]` is exact for `i <= ranked` and `rank[0]` is the
    /// true rank when `ranked` is at least the list's level. A span lies
    /// apart from its link (past the node's other links), so reading it can
    /// be one more cache miss: linking a node of level L needs the gaps
    /// below level L only, none for the three nodes in four that have one
    /// level, and unlinking needs none.
    ///
    /// `is_before` gets a successor's score from the link that leads to it,
    /// and the successor itself, which it should read (for its member) only
    /// when the score does not decide: that read is the cache miss the
    /// cached score is there to save.
    fn predecessors(&self, is_before: impl Fn(f64, N) -> bool, ranked: usize, preds: &mut Preds) {
        let (update, rank) = preds;
        let mut x = self.head;
        let mut r = 0;
        for i in (0..self.level).rev() {
            while let Some(n) = N::from(x.next(i)) {
                if !is_before(x.next_score(i), n) {
                    break;
                }
                if i < ranked {
                    r += x.span(i);
                }
                x = n;
            }
            update[i] = x.raw();
            rank[i] = r;
        }
    }

    /// Predecessor arrays for [`SkipList::predecessors`]: every level at
    /// the head, rank 0.
    fn head_preds(&self) -> Preds {
        ([self.head.raw(); MAX_LEVEL], [0; MAX_LEVEL])
    }

    pub(super) fn count_before(&self, is_before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut preds = self.head_preds();
        // A predicate on the score alone never uses the member, so once
        // inlined it does not read the successor either.
        self.predecessors(|s, n| is_before(s, n.member()), MAX_LEVEL, &mut preds);
        preds.1[0]
    }

    /// Links node `x` (unlinked, spans free to overwrite) at its place.
    fn link(&mut self, x: N) {
        let mut preds = self.head_preds();
        self.predecessors(
            sorts_before(x.score(), x.member()),
            x.level() - 1,
            &mut preds,
        );
        self.link_with(x, &mut preds);
    }

    /// Both searches of moving node `x` to `score`, run together: `old`
    /// gets its predecessors where it is (for [`SkipList::unlink_with`]),
    /// `new` its predecessors at `score` in the list without it, with the
    /// ranks [`SkipList::link_with`] needs. Each search is a chain of
    /// dependent cache misses; interleaving two independent chains lets
    /// the processor wait for a node of each at once.
    fn move_searches(&self, x: N, score: f64, old: &mut Preds, new: &mut Preds) {
        let member = x.member();
        let (in_old, in_new) = (sorts_before(x.score(), member), sorts_before(score, member));
        let ranked = x.level() - 1;
        // (node, levels still to search, rank) of each search.
        let (mut a, mut b) = ((self.head, self.level), (self.head, self.level, 0));
        while a.1 > 0 || b.1 > 0 {
            if a.1 > 0 {
                let i = a.1 - 1;
                match N::from(a.0.next(i)) {
                    Some(n) if in_old(a.0.next_score(i), n) => a.0 = n,
                    _ => {
                        old.0[i] = a.0.raw();
                        a.1 = i;
                    }
                }
            }
            if b.1 > 0 {
                let i = b.1 - 1;
                // The list without `x`: a link to it stands for its own.
                let through = b.0.next(i) == x.raw();
                let (p, s) = if through {
                    (x.next(i), x.next_score(i))
                } else {
                    (b.0.next(i), b.0.next_score(i))
                };
                match N::from(p) {
                    Some(n) if in_new(s, n) => {
                        if i < ranked {
                            b.2 += b.0.span(i) + if through { x.span(i) - 1 } else { 0 };
                        }
                        b.0 = n;
                    }
                    _ => {
                        new.0[i] = b.0.raw();
                        new.1[i] = b.2;
                        b.1 = i;
                    }
                }
            }
        }
    }

    /// Links node `x` given its predecessors and their ranks (see
    /// [`SkipList::predecessors`]: `rank[0] - rank[i]` exact below its level).
    fn link_with(&mut self, x: N, preds: &mut Preds) {
        let score = x.score();
        let (update, rank) = preds;
        let level = x.level();
        if level > self.level {
            for (i, u) in update.iter_mut().enumerate().take(level).skip(self.level) {
                *u = self.head.raw();
                self.head.set_span(i, self.len);
            }
            self.level = level;
        }
        for (i, &u) in update.iter().enumerate().take(level) {
            let u = N::from(u).expect("predecessor");
            let gap = rank[0] - rank[i];
            x.set_next(i, u.next(i), u.next_score(i));
            x.set_span(i, u.span(i).wrapping_sub(gap));
            u.set_next(i, x.raw(), score);
            u.set_span(i, gap + 1);
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            let u = N::from(u).expect("predecessor");
            u.set_span(i, u.span(i) + 1);
        }
        x.set_backward(if update[0] == self.head.raw() {
            ptr::null_mut()
        } else {
            update[0]
        });
        match N::from(x.next(0)) {
            Some(n) => n.set_backward(x.raw()),
            None => self.tail = x.raw(),
        }
        self.len += 1;
    }

    /// Unlinks node `x` given its predecessors (the node is not freed).
    fn unlink_with(&mut self, x: N, update: &[P; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = N::from(u).expect("predecessor");
            if u.next(i) == x.raw() {
                u.set_span(i, (u.span(i) + x.span(i)).wrapping_sub(1));
                u.set_next(i, x.next(i), x.next_score(i));
            } else {
                u.set_span(i, u.span(i).wrapping_sub(1));
            }
        }
        match N::from(x.next(0)) {
            Some(n) => n.set_backward(x.backward()),
            None => self.tail = x.backward(),
        }
        while self.level > 1 && self.head.next(self.level - 1).is_null() {
            self.level -= 1;
        }
        self.len -= 1;
    }

    fn unlink(&mut self, x: N) {
        let (score, member) = (x.score(), x.member());
        let mut preds = self.head_preds();
        // Unlinking adjusts spans by one and needs no ranks.
        self.predecessors(sorts_before(score, member), 0, &mut preds);
        let update = &preds.0;
        debug_assert_eq!(N::from(update[0]).map(|u| u.next(0)), Some(x.raw()));
        self.unlink_with(x, update);
    }

    /// The node of `member`, if present (a probe of the index that moves
    /// no resize along: it takes `&self`).
    fn find(&self, member: &[u8], h: u64) -> Option<N> {
        let tag = tag_of(h);
        self.index.find(h, |p| holds(p, tag, member)).map(N)
    }

    pub(super) fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member, hash(member)).map(N::score)
    }

    /// Moves a resize of the member index one bucket along, as a write
    /// does. The keyspace calls it (through `ZSet::rehash_step`) whenever a
    /// command looks the set up, so reads finish a resize too.
    pub(super) fn rehash_step(&mut self) {
        self.index.step();
    }

    /// Sets `member`'s score, adding it if absent; one index probe.
    pub(super) fn upsert(&mut self, member: &[u8], score: f64) -> Upsert {
        let h = hash(member);
        // Updating a present member is an access too: it moves a resize
        // along (a new member's insert does that itself).
        self.index.step();
        if let Some(x) = self.find(member, h) {
            let old = x.score();
            if old != score {
                // A node whose new score keeps it between its neighbours
                // stays where it is, as Redis's zslUpdateScore does, and
                // only the links into it learn its new score; otherwise the
                // same node is moved.
                let prev = N::from(x.backward());
                let after_prev = prev.is_none_or(|b| before(b.score(), b.member(), score, member));
                let before_next = N::from(x.next(0)).is_none_or(|n| {
                    let s = x.next_score(0);
                    score < s || (score == s && member < n.member())
                });
                if after_prev && before_next {
                    self.rescore_in_place(x, prev, score);
                } else {
                    let (mut old, mut new) = (self.head_preds(), self.head_preds());
                    self.move_searches(x, score, &mut old, &mut new);
                    self.unlink_with(x, &old.0);
                    x.set_score(score);
                    self.link_with(x, &mut new);
                }
            }
            return Upsert::Updated(old);
        }
        let level = self.random_level();
        let x = N::alloc(member, score, level, tag_of(h));
        self.link(x);
        // SAFETY: a fresh node hashed by its member, in no index; it stays
        // live until `remove` or `remove_ranks` unlinks it from the index
        // first (or the whole list is dropped with the index).
        unsafe { self.index.insert(h, x.0) };
        Upsert::Added
    }

    /// Gives node `x`, whose predecessor along level 0 is `prev` (`None`
    /// for the head), the new `score`, which keeps it between its
    /// neighbours, and updates the links into it. A one-level node has one,
    /// from `prev`; a taller one has one per level, found by a search for
    /// the node (its old score and member still place it).
    fn rescore_in_place(&mut self, x: N, prev: Option<N>, score: f64) {
        if x.level() == 1 {
            prev.unwrap_or(self.head).set_next_score(0, score);
        } else {
            let mut preds = self.head_preds();
            self.predecessors(sorts_before(x.score(), x.member()), 0, &mut preds);
            for (i, &u) in preds.0.iter().enumerate().take(x.level()) {
                let u = N::from(u).expect("predecessor");
                debug_assert_eq!(u.next(i), x.raw());
                u.set_next_score(i, score);
            }
        }
        x.set_score(score);
    }

    /// Removes `member`, returning its score.
    pub(super) fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let h = hash(member);
        let tag = tag_of(h);
        let x = N(self.index.unlink(h, |p| holds(p, tag, member))?);
        let score = x.score();
        self.unlink(x);
        // SAFETY: unlinked from the list and the index just above.
        unsafe { x.free() };
        Some(score)
    }

    /// The ascending rank (0-based) of `member`.
    pub(super) fn rank(&self, member: &[u8]) -> Option<usize> {
        let x = self.find(member, hash(member))?;
        let mut preds = self.head_preds();
        self.predecessors(sorts_before(x.score(), member), MAX_LEVEL, &mut preds);
        Some(preds.1[0])
    }

    /// The node at ascending rank `rank` (0-based), or null.
    pub(super) fn node_at(&self, rank: usize) -> P {
        if rank >= self.len {
            return ptr::null_mut();
        }
        // The ends are one load away; a top-N range (ZRANGE key 0 9, or
        // its REV form) starts at one of them, and the walk from the top
        // level costs about ten instructions per level on a big set.
        if rank == 0 {
            return self.first();
        }
        if rank == self.len - 1 {
            return self.tail;
        }
        let target = rank + 1;
        let mut x = self.head;
        let mut done = 0usize;
        for i in (0..self.level).rev() {
            while let Some(n) = N::from(x.next(i)) {
                if done + x.span(i) > target {
                    break;
                }
                done += x.span(i);
                x = n;
            }
            if done == target {
                return x.raw();
            }
        }
        ptr::null_mut()
    }

    fn first(&self) -> P {
        self.head.next(0)
    }

    /// Walks from `start` (a node of this list, or null for nothing).
    pub(super) fn iter_from(&self, start: P, rev: bool) -> ListIter<'_> {
        ListIter {
            cur: start,
            rev,
            _list: PhantomData,
        }
    }

    /// Every element in ascending order.
    pub(super) fn iter(&self) -> ListIter<'_> {
        self.iter_from(self.first(), false)
    }

    /// Removes ascending ranks `start..end` (both within the list) in one
    /// walk: O(log N + M).
    pub(super) fn remove_ranks(&mut self, start: usize, end: usize) {
        let mut update = [self.head.raw(); MAX_LEVEL];
        let mut x = self.head;
        let mut done = 0usize;
        for i in (0..self.level).rev() {
            while let Some(n) = N::from(x.next(i)) {
                if done + x.span(i) > start {
                    break;
                }
                done += x.span(i);
                x = n;
            }
            update[i] = x.raw();
        }
        let mut p = x.next(0);
        for _ in start..end {
            let n = N::from(p).expect("rank inside the list");
            p = n.next(0);
            let unlinked = self.index.unlink(hash(n.member()), |p| p == n.0);
            debug_assert_eq!(unlinked, Some(n.0));
            self.unlink_with(n, &update);
            // SAFETY: unlinked from the index and the list just above.
            unsafe { n.free() };
        }
    }

    /// One ZSCAN step over the index: visits buckets from `cursor` in
    /// reverse-binary order until about `count` elements were seen (or ten
    /// times `count` cursor steps were taken), and returns the next cursor
    /// (0 when done). In the middle of a resize one cursor step visits the
    /// bucket of the smaller array and all of the larger array's buckets it
    /// expands to, so nothing present for the whole scan is missed.
    pub(super) fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        let want = count.max(1);
        let mut cursor = cursor;
        let mut seen = 0;
        let mut budget = want * 10;
        loop {
            cursor = self.index.scan(cursor, |p| {
                let n = N(p);
                f(n.member(), n.score());
                seen += 1;
            });
            budget -= 1;
            if cursor == 0 || seen >= want || budget == 0 {
                return cursor;
            }
        }
    }

    /// Heap bytes held.
    pub(super) fn heap_size(&self) -> usize {
        let nodes: usize = self.iter().map(|(m, _)| m.len()).sum::<usize>() + self.len * NODE_HDR;
        let levels: usize = {
            let mut total = 0;
            let mut p = self.first();
            while let Some(n) = N::from(p) {
                total += LEVEL_BYTES * n.level();
                p = n.next(0);
            }
            total
        };
        std::mem::size_of::<SkipList>()
            + N::layout(MAX_LEVEL, 0).size()
            + nodes
            + levels
            + self.index.buckets() * std::mem::size_of::<P>()
    }

    /// The most nodes in one index bucket (tests).
    #[cfg(test)]
    pub(super) fn longest_chain(&self) -> usize {
        self.index.longest_chain()
    }

    /// Whether the member index is between two bucket arrays (tests).
    #[cfg(test)]
    pub(super) fn index_is_rehashing(&self) -> bool {
        self.index.is_rehashing()
    }

    /// Bucket slots of the member index, both arrays while resizing (tests).
    #[cfg(test)]
    pub(super) fn index_buckets(&self) -> usize {
        self.index.buckets()
    }

    /// Checks every link, span, backward pointer and the index (tests).
    #[cfg(test)]
    pub(super) fn check(&self) {
        let mut all = Vec::new();
        let mut p = self.first();
        let mut prev: P = ptr::null_mut();
        while let Some(n) = N::from(p) {
            assert_eq!(n.backward(), prev);
            all.push(n.raw());
            prev = p;
            p = n.next(0);
        }
        assert_eq!(self.tail, prev);
        assert_eq!(all.len(), self.len);
        assert_eq!(self.index.len(), self.len);
        for w in all.windows(2) {
            let (a, b) = (N::from(w[0]).unwrap(), N::from(w[1]).unwrap());
            assert!(before(a.score(), a.member(), b.score(), b.member()));
        }
        for i in 0..self.level {
            let mut x = self.head;
            let mut pos = 0usize;
            while let Some(n) = N::from(x.next(i)) {
                pos += x.span(i);
                assert_eq!(all[pos - 1], n.raw(), "level {i}");
                let cached = x.next_score(i);
                assert_eq!(
                    cached.to_bits(),
                    n.score().to_bits(),
                    "cached score, level {i}"
                );
                x = n;
            }
        }
        for &n in &all {
            let n = N::from(n).unwrap();
            assert_eq!(self.find(n.member(), hash(n.member())), Some(n));
        }
        for (rank, &n) in all.iter().enumerate() {
            assert_eq!(self.node_at(rank), n, "rank {rank}");
        }
        assert!(self.node_at(all.len()).is_null());
    }
}

/// Elements along level 0 from a node, forwards or backwards.
pub(super) struct ListIter<'a> {
    cur: P,
    rev: bool,
    _list: PhantomData<&'a SkipList>,
}

impl<'a> Iterator for ListIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<(&'a [u8], f64)> {
        let n = N::from(self.cur)?;
        self.cur = if self.rev { n.backward() } else { n.next(0) };
        Some((n.member(), n.score()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    /// Score updates that keep a node between its neighbours (in place, on
    /// nodes of every level), that move it, and that tie another member's
    /// score (the member bytes decide), with every link's cached score
    /// checked along the way.
    #[test]
    fn score_updates_keep_cached_scores_true() {
        let mut l = SkipList::new();
        let n = 2000u64;
        for i in 0..n {
            l.upsert(format!("m{i}").as_bytes(), i as f64 * 4.0);
        }
        l.check();
        let mut rng = 7u64;
        for step in 0..3000 {
            let m = format!("m{}", xorshift(&mut rng) % n);
            let old = l.score(m.as_bytes()).expect("present");
            let new = match step % 4 {
                0 | 1 => old + (xorshift(&mut rng) % 7) as f64 / 2.0 - 1.5,
                2 => (xorshift(&mut rng) % (4 * n)) as f64,
                _ => {
                    let other = format!("m{}", xorshift(&mut rng) % n);
                    l.score(other.as_bytes()).expect("present")
                }
            };
            assert_eq!(l.upsert(m.as_bytes(), new), Upsert::Updated(old));
            if step % 16 == 0 {
                l.check();
            }
        }
        l.upsert(b"m0", -0.0);
        l.upsert(b"m1", 0.0);
        l.check();
    }

    /// `check` fails on a link whose cached score went stale.
    #[test]
    #[should_panic(expected = "cached score")]
    fn check_catches_a_stale_cached_score() {
        let mut l = SkipList::new();
        for i in 0..10u8 {
            l.upsert(&[b'a' + i], f64::from(i));
        }
        l.check();
        // Still in order, but the head's link was not told.
        N::from(l.first()).expect("first").set_score(0.5);
        l.check();
    }
}
