//! The sorted-set value: a packed byte buffer while small ("listpack") and a
//! skiplist with rank spans plus a member→node map when large ("skiplist").
//! It knows nothing about commands, RESP or configuration: thresholds come in
//! as [`Limits`].
//!
//! Elements are ordered by score, then by member bytes (memcmp order, shorter
//! first on a common prefix), as in Redis; `0` and `-0` compare equal. Scores
//! are never NaN. The skiplist keeps `-0.0` as given, the packed form stores
//! it as `0` (Redis 7.0 does both). Ranks are 0-based in ascending order
//! everywhere here; commands translate reverse ranks themselves.
//!
//! A `ZSet` is one pointer (see the type's docs), so `Value` holds it
//! without a box: a small sorted set costs its key node and one allocation.
//!
//! # Packed form
//!
//! One buffer: an 8-byte header (the entries' byte length and the element
//! count), then the entries sorted as above, the whole rounded up to a
//! multiple of 8 bytes. An entry is the member's length as a LEB128 varint,
//! the member bytes, then the score: one tag byte that is the score itself
//! for integers 0..=247, `TAG_INT` followed by a zigzag varint for other
//! integers below 2^53 in magnitude, or `TAG_F64` followed by the 8
//! little-endian bytes of the double. Ten members of 8 bytes with small
//! integer scores take 8 + 10 × 10 bytes, one 112-byte allocation (Redis
//! 7.0's listpack for them is 127 bytes in a 128-byte jemalloc class). Every
//! operation is a linear walk, which is what Redis's listpack costs too and
//! is cheap for the 128 entries of the default threshold.
//!
//! # Skiplist form
//!
//! William Pugh's skiplist with Redis's rank spans, each element one
//! allocation that is also its entry in a chained member index (O(1) ZSCORE
//! and the node to unlink or move in one probe). The index is the
//! keyspace's table and resizes incrementally, a bucket per access, so no
//! single ZADD or ZREM pays for rehashing a big set. ZSCAN walks the
//! index's buckets with a cursor that survives resizes. See
//! `zset/skiplist.rs`.

use std::alloc::{self, Layout};
use std::fmt;
use std::mem::ManuallyDrop;
use std::ptr::{self, NonNull};

mod skiplist;
use skiplist::{ListIter, SkipList};

/// When the packed form gives way to the skiplist (Redis's
/// `zset-max-listpack-entries` and `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub entries: usize,
    pub value: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            entries: 128,
            value: 64,
        }
    }
}

/// The most entry bytes a packed set holds: one more element that would
/// pass it converts the set to a skiplist, as Redis's listpack safety limit
/// (1 GB) does. It also keeps the packed header's `u32` fields in range.
const PACK_MAX_BYTES: usize = 1 << 30;

/// A sorted set.
///
/// One word: a pointer to the packed buffer or to the boxed skiplist, told
/// apart by the first four bytes they point at (a packed buffer's byte
/// length, never [`LIST_MARKER`], or the skiplist box's marker). Small sets
/// are most of a keyspace's sorted sets, and keeping the value to one word
/// lets `Value` hold it without a box of its own, so a small set costs its
/// key node and one allocation.
#[repr(transparent)]
pub struct ZSet {
    ptr: NonNull<u8>,
}

// SAFETY: a ZSet owns its packed buffer or its skiplist exclusively, as a
// Box would, and both hold only plain owned data (bytes, Vecs, a HashMap).
unsafe impl Send for ZSet {}
// SAFETY: as for Send; nothing is mutated through `&ZSet`.
unsafe impl Sync for ZSet {}

/// The first four bytes of the skiplist form's allocation.
const LIST_MARKER: u32 = u32::MAX;
const _: () = assert!(PACK_MAX_BYTES < LIST_MARKER as usize);

/// The skiplist form's allocation: the marker, then the list.
#[repr(C)]
struct ListBox {
    marker: u32,
    list: SkipList,
}

/// The form in use, borrowed.
enum Repr<'a> {
    Pack(&'a Pack),
    List(&'a SkipList),
}

/// The form in use, borrowed for changes.
enum ReprMut<'a> {
    Pack(&'a mut Pack),
    List(&'a mut SkipList),
}

impl Default for ZSet {
    fn default() -> ZSet {
        ZSet::new()
    }
}

impl Drop for ZSet {
    fn drop(&mut self) {
        if self.is_list() {
            // SAFETY: with the marker in front, the pointer came from
            // `Box::into_raw` in `from_list` and is owned by this set.
            drop(unsafe { Box::from_raw(self.ptr.as_ptr().cast::<ListBox>()) });
        } else {
            // SAFETY: without the tag the pointer is a live Pack's, and a
            // Pack is a repr(transparent) NonNull<u8> like ZSet; it is
            // dropped once, here.
            unsafe { ptr::drop_in_place((self as *mut ZSet).cast::<Pack>()) }
        }
    }
}

impl Clone for ZSet {
    fn clone(&self) -> ZSet {
        match self.repr() {
            Repr::Pack(p) => ZSet::from_pack(p.clone()),
            Repr::List(l) => ZSet::from_list(l.clone()),
        }
    }
}

impl PartialEq for ZSet {
    /// Two sets are equal when they hold the same elements, whatever their
    /// form.
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elems: Vec<(String, f64)> = self
            .iter()
            .map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s))
            .collect();
        f.debug_struct("ZSet")
            .field("encoding", &self.encoding())
            .field("elements", &elems)
            .finish()
    }
}

/// What [`ZSet::upsert`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Upsert {
    /// The member was new.
    Added,
    /// The member existed with this score (which may equal the new one).
    Updated(f64),
}

impl ZSet {
    /// An empty set in the packed form.
    pub fn new() -> ZSet {
        ZSet::from_pack(Pack::new())
    }

    fn from_pack(p: Pack) -> ZSet {
        let p = ManuallyDrop::new(p);
        ZSet { ptr: p.ptr }
    }

    fn from_list(list: SkipList) -> ZSet {
        let b = Box::new(ListBox {
            marker: LIST_MARKER,
            list,
        });
        ZSet {
            ptr: NonNull::from(Box::leak(b)).cast::<u8>(),
        }
    }

    fn is_list(&self) -> bool {
        // SAFETY: both forms' allocations start with four initialized
        // bytes (a packed buffer's header, or the marker).
        unsafe { self.ptr.as_ptr().cast::<u32>().read_unaligned() == LIST_MARKER }
    }

    /// The skiplist's pointer; only meaningful when `is_list`.
    fn list_ptr(&self) -> *mut SkipList {
        // SAFETY: with the marker in front the pointer is a live ListBox;
        // only the field's address is taken here.
        unsafe { &raw mut (*self.ptr.as_ptr().cast::<ListBox>()).list }
    }

    fn repr(&self) -> Repr<'_> {
        if self.is_list() {
            // SAFETY: the set owns this skiplist; the borrow is tied to `self`.
            Repr::List(unsafe { &*self.list_ptr() })
        } else {
            // SAFETY: without the marker the word is a live Pack (same
            // repr(transparent) layout); the borrow is tied to `self`.
            Repr::Pack(unsafe { &*(self as *const ZSet).cast::<Pack>() })
        }
    }

    fn repr_mut(&mut self) -> ReprMut<'_> {
        if self.is_list() {
            // SAFETY: as in `repr`, and `&mut self` makes the borrow unique.
            ReprMut::List(unsafe { &mut *self.list_ptr() })
        } else {
            // SAFETY: as in `repr`; a Pack that reallocates stores its new
            // pointer in this same word.
            ReprMut::Pack(unsafe { &mut *(self as *mut ZSet).cast::<Pack>() })
        }
    }

    /// An empty set in the form Redis 7.0's `zsetTypeCreate` picks for a
    /// set that will get about `size_hint` elements whose longest member has
    /// `value_hint` bytes.
    pub fn with_hints(size_hint: usize, value_hint: usize, limits: Limits) -> ZSet {
        if size_hint <= limits.entries && value_hint <= limits.value {
            ZSet::new()
        } else {
            ZSet::from_list(SkipList::new())
        }
    }

    pub fn len(&self) -> usize {
        match self.repr() {
            Repr::Pack(p) => p.len(),
            Repr::List(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoding name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        if self.is_list() {
            "skiplist"
        } else {
            "listpack"
        }
    }

    /// Whether the packed form is in use.
    pub fn is_packed(&self) -> bool {
        !self.is_list()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self.repr() {
            Repr::Pack(p) => p.find(member).map(|(_, _, s)| s),
            Repr::List(l) => l.score(member),
        }
    }

    /// Sets the score of `member`, adding it if absent. Converts to the
    /// skiplist first when the packed form would exceed `limits` (more than
    /// `limits.entries` elements, or a member longer than `limits.value`).
    ///
    /// A present member's score changes only when the new one differs as a
    /// number, so `0` and `-0` leave it alone. As in Redis 7.0, the packed
    /// form stores a new `-0` as `0` while the skiplist keeps its sign.
    pub fn upsert(&mut self, member: &[u8], score: f64, limits: Limits) -> Upsert {
        debug_assert!(!score.is_nan());
        if let ReprMut::Pack(p) = self.repr_mut() {
            if let Some((start, end, old)) = p.find(member) {
                if old != score {
                    p.remove_at(start, end);
                    p.insert(member, score);
                }
                return Upsert::Updated(old);
            }
            let fits = p.len() < limits.entries
                && member.len() <= limits.value
                && p.bytes().len() + member.len() + ENTRY_MAX_EXTRA <= PACK_MAX_BYTES;
            if fits {
                p.insert(member, score);
                return Upsert::Added;
            }
            self.convert();
        }
        let ReprMut::List(l) = self.repr_mut() else {
            unreachable!("converted above")
        };
        l.upsert(member, score)
    }

    /// Moves a resize of the skiplist's member index one bucket along (a
    /// no-op in the packed form or when no resize is under way). Writes do
    /// this themselves; the keyspace calls it on every lookup of the key, so
    /// that a set that is only read still finishes its resize, as Redis's
    /// `dictFind` does a rehash step.
    pub fn rehash_step(&mut self) {
        if let ReprMut::List(l) = self.repr_mut() {
            l.rehash_step();
        }
    }

    /// Whether the member index is between two bucket arrays (tests).
    #[cfg(test)]
    pub(crate) fn is_rehashing(&self) -> bool {
        matches!(self.repr(), Repr::List(l) if l.index_is_rehashing())
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self.repr_mut() {
            ReprMut::Pack(p) => {
                let (start, end, s) = p.find(member)?;
                p.remove_at(start, end);
                Some(s)
            }
            ReprMut::List(l) => l.remove(member),
        }
    }

    /// The ascending rank (0-based) of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self.repr() {
            Repr::Pack(p) => p.iter().position(|(m, _)| m == member),
            Repr::List(l) => l.rank(member),
        }
    }

    /// How many elements come before the first one for which `is_before` is
    /// false. `is_before` must be true for a prefix of the order and false
    /// after it (a score or lex bound), which makes this O(log N) on the
    /// skiplist.
    pub fn count_before(&self, is_before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self.repr() {
            Repr::Pack(p) => p.iter().take_while(|&(m, s)| is_before(s, m)).count(),
            Repr::List(l) => l.count_before(is_before),
        }
    }

    /// The element at ascending rank `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.iter_from(rank, false).next()
    }

    /// Walks from ascending rank `rank` towards higher ranks, or towards
    /// lower ranks when `rev` (yielding `rank`, `rank - 1`, ... 0). Empty
    /// when `rank` is out of range.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        iter_from(self.repr(), rank, rev)
    }

    /// Every element in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Removes the elements of ascending ranks `start..end` (clamped to the
    /// set), returning how many went.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match self.repr_mut() {
            ReprMut::Pack(p) => {
                let len = p.len();
                let total = p.bytes().len();
                let mut offs = p.iter_offsets();
                let from = offs.nth(start).expect("start < len").0;
                let to = if end == len {
                    total
                } else {
                    offs.nth(end - start - 1).expect("end < len").0
                };
                p.splice(from, to, &[], len - (end - start));
            }
            ReprMut::List(l) => l.remove_ranks(start, end),
        }
        end - start
    }

    /// Removes and returns the lowest (or, with `max`, highest) element.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let rank = if max { len - 1 } else { 0 };
        let (m, s) = self.get_by_rank(rank).map(|(m, s)| (m.to_vec(), s))?;
        self.remove_range(rank, rank + 1);
        Some((m, s))
    }

    /// Converts a skiplist back to the packed form when it fits `limits`
    /// (Redis's `zsetConvertToListpackIfNeeded`, used by the STORE commands).
    pub fn pack_if_fits(&mut self, limits: Limits) {
        let Repr::List(l) = self.repr() else {
            return;
        };
        let fits = l.len() <= limits.entries
            && l.iter().all(|(m, _)| m.len() <= limits.value)
            && l.iter()
                .map(|(m, _)| m.len() + ENTRY_MAX_EXTRA)
                .sum::<usize>()
                <= PACK_MAX_BYTES;
        if fits {
            let mut entries = Vec::new();
            for (m, s) in self.iter() {
                encode(&mut entries, m, s);
            }
            *self = ZSet::from_pack(Pack::from_entries(&entries, l.len()));
        }
    }

    /// Switches to the skiplist form (whatever the size).
    pub fn convert(&mut self) {
        if let Repr::Pack(p) = self.repr() {
            let mut l = SkipList::new();
            for (m, s) in p.iter() {
                l.upsert(m, s);
            }
            *self = ZSet::from_list(l);
        }
    }

    /// One step of an incremental scan (ZSCAN). The packed form is returned
    /// whole with cursor 0, as Redis does. The skiplist form walks its
    /// member index's buckets from `cursor` until about `count` elements
    /// were seen, and returns the next cursor (0 when done). An element
    /// present for the whole scan is visited at least once, however the
    /// index is resized in between.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match self.repr() {
            Repr::Pack(p) => {
                for (m, s) in p.iter() {
                    f(m, s);
                }
                0
            }
            Repr::List(l) => l.scan(cursor, count, f),
        }
    }

    /// Heap bytes held (for MEMORY USAGE style estimates).
    pub fn heap_size(&self) -> usize {
        match self.repr() {
            Repr::Pack(p) => Pack::layout(p.bytes().len()).size(),
            Repr::List(l) => std::mem::size_of::<ListBox>() + l.heap_size(),
        }
    }
}

/// Whether `(s, m)` sorts strictly before `(score, member)`.
pub fn before(s: f64, m: &[u8], score: f64, member: &[u8]) -> bool {
    s < score || (s == score && m < member)
}

// ---------------------------------------------------------------------------
// Iteration over both forms.
// ---------------------------------------------------------------------------

/// Elements in rank order (see [`ZSet::iter_from`]).
pub struct Iter<'a> {
    inner: IterInner<'a>,
}

enum IterInner<'a> {
    PackFwd {
        buf: &'a [u8],
        off: usize,
    },
    /// Entry offsets of the walked part, consumed from the back.
    PackRev {
        buf: &'a [u8],
        offs: Vec<u32>,
    },
    List(ListIter<'a>),
}

fn iter_from(repr: Repr<'_>, rank: usize, rev: bool) -> Iter<'_> {
    let inner = match repr {
        Repr::Pack(p) if rank >= p.len() => IterInner::PackFwd {
            buf: p.bytes(),
            off: p.bytes().len(),
        },
        Repr::Pack(p) if !rev => IterInner::PackFwd {
            buf: p.bytes(),
            off: p.iter_offsets().nth(rank).map_or(p.bytes().len(), |o| o.0),
        },
        Repr::Pack(p) => IterInner::PackRev {
            buf: p.bytes(),
            offs: p
                .iter_offsets()
                .take(rank + 1)
                .map(|o| o.0 as u32)
                .collect(),
        },
        Repr::List(l) => IterInner::List(l.iter_from(l.node_at(rank), rev)),
    };
    Iter { inner }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<(&'a [u8], f64)> {
        match &mut self.inner {
            IterInner::PackFwd { buf, off } => {
                if *off >= buf.len() {
                    return None;
                }
                let (m, s, next) = decode(buf, *off);
                *off = next;
                Some((m, s))
            }
            IterInner::PackRev { buf, offs } => {
                let off = offs.pop()?;
                let (m, s, _) = decode(buf, off as usize);
                Some((m, s))
            }
            IterInner::List(it) => it.next(),
        }
    }
}

// ---------------------------------------------------------------------------
// The packed form.
// ---------------------------------------------------------------------------

/// Largest integer score kept in the tag byte itself.
const TAG_SMALL_MAX: u8 = 247;
/// An integer score follows as a zigzag varint.
const TAG_INT: u8 = 0xFE;
/// An f64 score follows as 8 little-endian bytes.
const TAG_F64: u8 = 0xFF;

/// The most bytes an entry adds beyond its member: the member's length as a
/// varint (up to 10 bytes) and a score of up to 9.
const ENTRY_MAX_EXTRA: usize = 19;

/// The packed form's storage: one allocation holding a header (the entries'
/// byte length and the element count, both `u32`, little-endian) followed
/// by the entries. Its size is the header plus the entries rounded up to a
/// multiple of 8 (a change within the rounding reallocates nothing), and its
/// alignment is 1: mimalloc v3 serves an 8-aligned request whose size class
/// is not a power of two by over-allocating `size + 7` bytes, which would
/// push a 112-byte buffer into the 128-byte class.
#[repr(transparent)]
struct Pack {
    ptr: NonNull<u8>,
}

const PACK_HDR: usize = 8;
const PACK_ALIGN: usize = 1;
/// Allocation sizes are multiples of this.
const PACK_ROUND: usize = 8;

impl Drop for Pack {
    fn drop(&mut self) {
        // SAFETY: the buffer was allocated with this layout (`layout` of
        // the byte length the header holds) and is freed once, here.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), Pack::layout(self.bytes().len())) }
    }
}

impl Clone for Pack {
    fn clone(&self) -> Pack {
        Pack::from_entries(self.bytes(), self.len())
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(buf: &[u8], mut off: usize) -> (u64, usize) {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[off];
        off += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return (v, off);
        }
        shift += 7;
    }
}

/// Appends the encoding of one entry.
fn encode(out: &mut Vec<u8>, member: &[u8], score: f64) {
    put_varint(out, member.len() as u64);
    out.extend_from_slice(member);
    // -0 passes as the integer 0: the packed form does not keep the sign
    // of zero, as Redis's listpack does not.
    let exact_int = score.fract() == 0.0 && score.abs() < (1u64 << 53) as f64;
    if exact_int {
        let n = score as i64;
        if (0..=TAG_SMALL_MAX as i64).contains(&n) {
            out.push(n as u8);
        } else {
            out.push(TAG_INT);
            put_varint(out, ((n << 1) ^ (n >> 63)) as u64);
        }
    } else {
        out.push(TAG_F64);
        out.extend_from_slice(&score.to_le_bytes());
    }
}

/// Decodes the entry at `off`: member, score and the next entry's offset.
fn decode(buf: &[u8], off: usize) -> (&[u8], f64, usize) {
    let (mlen, off) = get_varint(buf, off);
    let mend = off + mlen as usize;
    let member = &buf[off..mend];
    let tag = buf[mend];
    let (score, next) = match tag {
        TAG_F64 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[mend + 1..mend + 9]);
            (f64::from_le_bytes(b), mend + 9)
        }
        TAG_INT => {
            let (z, next) = get_varint(buf, mend + 1);
            let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
            (n as f64, next)
        }
        small => (f64::from(small), mend + 1),
    };
    (member, score, next)
}

/// Entry offsets of a packed buffer, each with its end.
struct Offsets<'a> {
    buf: &'a [u8],
    off: usize,
}

impl Iterator for Offsets<'_> {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        if self.off >= self.buf.len() {
            return None;
        }
        let start = self.off;
        self.off = decode(self.buf, start).2;
        Some((start, self.off))
    }
}

impl Pack {
    /// The allocation for `bytes` bytes of entries.
    fn layout(bytes: usize) -> Layout {
        let size = (PACK_HDR + bytes).next_multiple_of(PACK_ROUND);
        Layout::from_size_align(size, PACK_ALIGN).expect("packed set layout")
    }

    fn new() -> Pack {
        Pack::from_entries(&[], 0)
    }

    /// A buffer holding `entries` (already encoded and sorted), `count` of them.
    fn from_entries(entries: &[u8], count: usize) -> Pack {
        debug_assert!(entries.len() <= PACK_MAX_BYTES);
        let layout = Pack::layout(entries.len());
        // SAFETY: the layout's size is at least PACK_HDR > 0.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: the allocation holds the header and `entries.len()` bytes
        // after it; the source is a distinct live slice.
        unsafe {
            ptr::copy_nonoverlapping(entries.as_ptr(), ptr.as_ptr().add(PACK_HDR), entries.len());
        }
        let mut p = Pack { ptr };
        p.set_header(entries.len(), count);
        p
    }

    fn set_header(&mut self, bytes: usize, count: usize) {
        let mut h = [0u8; PACK_HDR];
        h[..4].copy_from_slice(&(bytes as u32).to_le_bytes());
        h[4..].copy_from_slice(&(count as u32).to_le_bytes());
        // SAFETY: the header is the allocation's first PACK_HDR bytes.
        unsafe { ptr::copy_nonoverlapping(h.as_ptr(), self.ptr.as_ptr(), PACK_HDR) }
    }

    /// The header's `u32` at byte `at` (0: byte length, 4: count).
    fn header(&self, at: usize) -> usize {
        let mut b = [0u8; 4];
        // SAFETY: the header is the allocation's first PACK_HDR bytes.
        unsafe { ptr::copy_nonoverlapping(self.ptr.as_ptr().add(at), b.as_mut_ptr(), 4) }
        u32::from_le_bytes(b) as usize
    }

    /// The element count.
    fn len(&self) -> usize {
        self.header(4)
    }

    /// The encoded entries.
    fn bytes(&self) -> &[u8] {
        let n = self.header(0);
        // SAFETY: the header's first u32 says how many entry bytes follow
        // it, all initialized.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(PACK_HDR), n) }
    }

    /// Replaces entry bytes `start..end` with `with`, leaving `count`
    /// elements. Grows before moving the tail and shrinks after, so the
    /// allocation always covers what is moved.
    fn splice(&mut self, start: usize, end: usize, with: &[u8], count: usize) {
        let old = self.bytes().len();
        assert!(start <= end && end <= old, "splice range inside the buffer");
        let new = old - (end - start) + with.len();
        if new > old {
            self.resize(old, new);
        }
        // SAFETY: the allocation holds max(old, new) entry bytes now; the
        // tail `end..old` moves to `start + with.len()` (ptr::copy allows
        // overlap) and `with` is a distinct slice copied into the gap.
        unsafe {
            let base = self.ptr.as_ptr().add(PACK_HDR);
            ptr::copy(base.add(end), base.add(start + with.len()), old - end);
            ptr::copy_nonoverlapping(with.as_ptr(), base.add(start), with.len());
        }
        if new < old {
            self.resize(old, new);
        }
        self.set_header(new, count);
    }

    /// Reallocates from room for `old` entry bytes to room for `new`.
    fn resize(&mut self, old: usize, new: usize) {
        let (from, to) = (Pack::layout(old), Pack::layout(new));
        if from.size() == to.size() {
            return;
        }
        // SAFETY: the buffer was allocated with `from`; `to` keeps its
        // alignment and has a non-zero size.
        let raw = unsafe { alloc::realloc(self.ptr.as_ptr(), from, to.size()) };
        match NonNull::new(raw) {
            Some(p) => self.ptr = p,
            None => alloc::handle_alloc_error(to),
        }
    }

    fn iter(&self) -> Iter<'_> {
        Iter {
            inner: IterInner::PackFwd {
                buf: self.bytes(),
                off: 0,
            },
        }
    }

    fn iter_offsets(&self) -> Offsets<'_> {
        Offsets {
            buf: self.bytes(),
            off: 0,
        }
    }

    /// The entry holding `member`: its byte range and score.
    fn find(&self, member: &[u8]) -> Option<(usize, usize, f64)> {
        let buf = self.bytes();
        let mut off = 0;
        while off < buf.len() {
            let (m, s, next) = decode(buf, off);
            if m == member {
                return Some((off, next, s));
            }
            off = next;
        }
        None
    }

    fn remove_at(&mut self, start: usize, end: usize) {
        let count = self.len() - 1;
        self.splice(start, end, &[], count);
    }

    /// Inserts a member known to be absent at its sorted place.
    fn insert(&mut self, member: &[u8], score: f64) {
        let buf = self.bytes();
        let mut off = 0;
        while off < buf.len() {
            let (m, s, next) = decode(buf, off);
            if !before(s, m, score, member) {
                break;
            }
            off = next;
        }
        let mut entry = Vec::with_capacity(member.len() + ENTRY_MAX_EXTRA);
        encode(&mut entry, member, score);
        let count = self.len() + 1;
        self.splice(off, off, &entry, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    fn tiny() -> Limits {
        Limits {
            entries: 4,
            value: 8,
        }
    }

    fn elems(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
        z.iter().map(|(m, s)| (m.to_vec(), s)).collect()
    }

    #[test]
    fn packed_scores_round_trip() {
        for s in [
            0.0,
            -0.0,
            1.0,
            247.0,
            248.0,
            -1.0,
            1.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9007199254740992.0,
            -9007199254740991.0,
            1e300,
            f64::MIN_POSITIVE,
        ] {
            let mut buf = Vec::new();
            encode(&mut buf, b"m", s);
            let (m, got, next) = decode(&buf, 0);
            assert_eq!(m, b"m");
            // The packed form drops the sign of zero and keeps every other
            // value bit for bit.
            let want = if s == 0.0 { 0.0f64 } else { s };
            assert_eq!(got.to_bits(), want.to_bits(), "{s}");
            assert_eq!(next, buf.len());
        }
    }

    #[test]
    fn a_set_is_one_word_and_its_buffer_one_tight_allocation() {
        assert_eq!(std::mem::size_of::<ZSet>(), std::mem::size_of::<usize>());
        let mut z = ZSet::new();
        for j in 0..10 {
            z.upsert(
                format!("member:{j}").as_bytes(),
                j as f64,
                Limits::default(),
            );
        }
        // 8 header bytes and ten entries of 1 + 8 + 1 bytes.
        assert_eq!(z.heap_size(), 112);
        z.remove(b"member:3");
        assert_eq!(z.heap_size(), 104);
        let copy = z.clone();
        z.convert();
        assert_eq!(z, copy);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(copy.encoding(), "listpack");
    }

    #[test]
    fn converts_at_thresholds_like_redis() {
        let mut z = ZSet::new();
        for i in 0..4 {
            z.upsert(format!("m{i}").as_bytes(), i as f64, tiny());
        }
        assert_eq!(z.encoding(), "listpack");
        z.upsert(b"m4", 4.0, tiny());
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.len(), 5);
        let mut z = ZSet::new();
        z.upsert(b"12345678", 1.0, tiny());
        assert_eq!(z.encoding(), "listpack");
        z.upsert(b"123456789", 1.0, tiny());
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"123456789");
        z.pack_if_fits(tiny());
        assert_eq!(z.encoding(), "listpack");
        assert_eq!(elems(&z), vec![(b"12345678".to_vec(), 1.0)]);
        assert_eq!(ZSet::with_hints(5, 1, tiny()).encoding(), "skiplist");
        assert_eq!(ZSet::with_hints(4, 9, tiny()).encoding(), "skiplist");
        assert_eq!(ZSet::with_hints(4, 8, tiny()).encoding(), "listpack");
    }

    #[test]
    fn scan_visits_every_skiplist_element_once() {
        let mut z = ZSet::new();
        z.convert();
        for i in 0..1000 {
            z.upsert(format!("m{i}").as_bytes(), (i % 7) as f64, tiny());
        }
        let mut seen = Vec::new();
        let mut cur = 0;
        loop {
            cur = z.scan(cur, 10, |m, _| seen.push(m.to_vec()));
            if cur == 0 {
                break;
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn scan_survives_the_index_growing_and_shrinking() {
        let mut z = ZSet::new();
        z.convert();
        for i in 0..500 {
            z.upsert(format!("keep{i}").as_bytes(), i as f64, tiny());
        }
        let mut seen = std::collections::HashSet::new();
        let mut cur = 0;
        let mut step = 0;
        loop {
            cur = z.scan(cur, 7, |m, _| {
                seen.insert(m.to_vec());
            });
            step += 1;
            // Grow the index mid-scan, then shrink it back below its size.
            if step == 5 {
                for i in 0..5000 {
                    z.upsert(format!("tmp{i}").as_bytes(), 1.0, tiny());
                }
            }
            if step == 30 {
                for i in 0..5000 {
                    z.remove(format!("tmp{i}").as_bytes());
                }
            }
            if cur == 0 {
                break;
            }
        }
        for i in 0..500 {
            assert!(seen.contains(format!("keep{i}").as_bytes()), "keep{i}");
        }
    }

    #[test]
    fn scan_returns_every_element_across_an_incremental_resize() {
        // 300 members stay for the whole scan while 6,000 others are added
        // 20 per scan step (the index grows through 4096 buckets, a resize
        // of thousands of steps) and then removed 20 per step (it shrinks,
        // and the shrink is left unfinished when the writes stop). The scan
        // takes two elements per step, so it outlasts both phases.
        let mut z = ZSet::new();
        z.convert();
        for i in 0..300 {
            z.upsert(format!("keep{i}").as_bytes(), i as f64, tiny());
        }
        let mut seen = std::collections::HashSet::new();
        let (mut cur, mut tmp, mut growing) = (0, 0, true);
        let (mut mid_growth, mut mid_shrink) = (0, 0);
        loop {
            let Repr::List(l) = z.repr() else {
                panic!("skiplist expected")
            };
            if l.index_is_rehashing() {
                if growing {
                    mid_growth += 1;
                } else {
                    mid_shrink += 1;
                }
            }
            cur = z.scan(cur, 2, |m, _| {
                seen.insert(m.to_vec());
            });
            if cur == 0 {
                break;
            }
            for _ in 0..20 {
                if growing && tmp < 6000 {
                    z.upsert(format!("tmp{tmp}").as_bytes(), 0.5, tiny());
                    tmp += 1;
                } else if tmp > 0 {
                    growing = false;
                    tmp -= 1;
                    z.remove(format!("tmp{tmp}").as_bytes());
                }
            }
        }
        assert!(
            tmp == 0 && !growing,
            "the scan ended before the removals did"
        );
        assert!(mid_growth > 10, "{mid_growth} scan steps during growth");
        assert!(mid_shrink > 10, "{mid_shrink} scan steps during a shrink");
        for i in 0..300 {
            assert!(seen.contains(format!("keep{i}").as_bytes()), "keep{i}");
        }
    }

    #[test]
    fn one_operation_moves_a_bounded_number_of_index_nodes() {
        // Grow through many doublings of the member index, then shrink back
        // to nothing, counting the nodes each upsert or removal rehashes.
        // A resize that moved everything at once would move 2^16 nodes in
        // one call; the incremental one moves one bucket's chain: about one
        // node at the index's load, and around ten for the longest chain of
        // a well-spread array this size (a chain of 17 has odds of about
        // 1e-15 per bucket).
        const N: usize = 1 << 17;
        const BOUND: usize = 16;
        let members: Vec<Vec<u8>> = (0..N).map(|i| format!("member:{i}").into_bytes()).collect();
        let mut z = ZSet::new();
        z.convert();
        let (mut worst, mut total) = (0, 0);
        let mut sizes = std::collections::BTreeSet::new();
        let mut track = |z: &ZSet, before: usize| {
            let moved = crate::dict::moved_nodes() - before;
            worst = moved.max(worst);
            total += moved;
            if let Repr::List(l) = z.repr() {
                sizes.insert(l.index_buckets());
            }
        };
        for (i, m) in members.iter().enumerate() {
            let before = crate::dict::moved_nodes();
            z.upsert(m, (i % 1000) as f64, tiny());
            track(&z, before);
            if i % 7 == 0 {
                // A score change of a present member is an access too.
                let before = crate::dict::moved_nodes();
                z.upsert(m, -1.0, tiny());
                track(&z, before);
            }
        }
        for m in &members {
            let before = crate::dict::moved_nodes();
            assert!(z.remove(m).is_some());
            track(&z, before);
        }
        assert!(worst <= BOUND, "one operation moved {worst} nodes");
        // Every node was moved at every growth (N in all, at least) and the
        // index passed through every power of two up to 2^17.
        assert!(total >= N, "{total} nodes moved in all");
        assert!(sizes.contains(&(1 << 17)) && sizes.contains(&(1 << 10)));
        println!("worst {worst} nodes moved by one operation, {total} in all");
    }

    #[test]
    fn skiplist_invariants_hold_after_every_step_across_resizes() {
        // A seeded walk of inserts, score changes and removals whose size
        // swings between 0 and about 1500 several times, so the member index
        // grows and shrinks through many resize points; the whole list and
        // index are checked after every operation against a model.
        let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
        let mut z = ZSet::new();
        z.convert();
        let mut model = std::collections::HashMap::new();
        let mut resizing_steps = 0;
        for round in 0..8 {
            let target = if round % 2 == 0 {
                rng.gen_range(800..1500)
            } else {
                rng.gen_range(0..40)
            };
            while model.len().abs_diff(target) > 5 {
                let grow = model.len() < target;
                let m = format!("m{}", rng.gen_range(0..4000)).into_bytes();
                let score = f64::from(rng.gen_range(-50i32..50)) / 2.0;
                match rng.gen_range(0..10) {
                    0..=5 if grow => {
                        let want = match model.insert(m.clone(), score) {
                            Some(old) => Upsert::Updated(old),
                            None => Upsert::Added,
                        };
                        assert_eq!(z.upsert(&m, score, tiny()), want);
                    }
                    0..=5 => {
                        assert_eq!(z.remove(&m), model.remove(&m));
                    }
                    6..=7 => {
                        // Change the score of a present member.
                        if let Some((m, s)) = model.iter_mut().next() {
                            let old = *s;
                            *s = score;
                            assert_eq!(z.upsert(m, score, tiny()), Upsert::Updated(old));
                        }
                    }
                    _ if grow => assert_eq!(z.score(&m), model.get(&m).copied()),
                    _ => assert_eq!(z.remove(&m), model.remove(&m)),
                }
                let Repr::List(l) = z.repr() else {
                    panic!("skiplist expected")
                };
                l.check();
                resizing_steps += usize::from(l.index_is_rehashing());
                assert_eq!(z.len(), model.len());
            }
        }
        assert!(resizing_steps > 1000, "{resizing_steps} steps mid-resize");
        for (m, s) in &model {
            assert_eq!(z.score(m), Some(*s));
        }
    }

    #[test]
    fn skiplist_links_stay_consistent_under_many_moves() {
        let mut z = ZSet::new();
        z.convert();
        let mut x = 12345u64;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let m = format!("m{}", (x >> 40) % 3000);
            let score = ((x >> 20) % 50) as f64 - 25.0;
            if (x >> 8).is_multiple_of(5) {
                z.remove(m.as_bytes());
            } else {
                z.upsert(m.as_bytes(), score, tiny());
            }
        }
        let Repr::List(l) = z.repr() else {
            panic!("skiplist expected")
        };
        l.check();
        let all = elems(&z);
        for (i, (m, s)) in all.iter().enumerate() {
            assert_eq!(z.rank(m), Some(i));
            assert_eq!(z.score(m), Some(*s));
        }
        z.remove_range(10, 2000);
        let Repr::List(l) = z.repr() else {
            panic!("skiplist expected")
        };
        l.check();
    }

    #[test]
    fn random_int_members_like_the_benchmark() {
        let mut z = ZSet::new();
        let mut x = 7u64;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (x >> 33) % 1_000_000;
            let b = (x >> 13) % 1_000_000;
            z.upsert(
                format!("member:{b}").as_bytes(),
                a as f64,
                Limits::default(),
            );
        }
        let Repr::List(l) = z.repr() else {
            panic!("skiplist expected")
        };
        l.check();
        // The member index spreads them: at most one per bucket on average,
        // so a chain much longer than a dozen means a broken hash.
        assert!(l.longest_chain() <= 12, "chain of {}", l.longest_chain());
    }

    #[derive(Clone, Debug)]
    enum Op {
        Upsert(u8, i8),
        Remove(u8),
        RemoveRange(u8, u8),
        Pop(bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..40, any::<i8>()).prop_map(|(m, s)| Op::Upsert(m, s)),
            2 => (0u8..40).prop_map(Op::Remove),
            1 => (0u8..20, 0u8..6).prop_map(|(a, n)| Op::RemoveRange(a, n)),
            1 => any::<bool>().prop_map(Op::Pop),
        ]
    }

    /// Members of varied length so the value threshold is crossed too.
    fn member(m: u8) -> Vec<u8> {
        let mut v = format!("m{m}").into_bytes();
        if m.is_multiple_of(13) {
            v.extend_from_slice(b"-long-member");
        }
        v
    }

    proptest! {
        #[test]
        fn matches_a_sorted_vec_model(ops in proptest::collection::vec(op(), 1..200), big in 1usize..40) {
            let limits = Limits { entries: big, value: 10 };
            let mut z = ZSet::new();
            let mut model: Vec<(Vec<u8>, f64)> = Vec::new();
            let sort = |m: &mut Vec<(Vec<u8>, f64)>| {
                m.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)))
            };
            for op in ops {
                match op {
                    Op::Upsert(m, s) => {
                        let m = member(m);
                        let s = f64::from(s) / 4.0;
                        let old = model.iter().position(|e| e.0 == m);
                        let want = match old {
                            Some(i) => Upsert::Updated(model.remove(i).1),
                            None => Upsert::Added,
                        };
                        model.push((m.clone(), s));
                        sort(&mut model);
                        prop_assert_eq!(z.upsert(&m, s, limits), want);
                    }
                    Op::Remove(m) => {
                        let m = member(m);
                        let want = model.iter().position(|e| e.0 == m).map(|i| model.remove(i).1);
                        prop_assert_eq!(z.remove(&m), want);
                    }
                    Op::RemoveRange(a, n) => {
                        let (a, b) = (a as usize, a as usize + n as usize);
                        let want = b.min(model.len()).saturating_sub(a);
                        if a < model.len() {
                            model.drain(a..b.min(model.len()));
                        }
                        prop_assert_eq!(z.remove_range(a, b), want);
                    }
                    Op::Pop(max) => {
                        let want = if model.is_empty() { None } else if max { model.pop() } else { Some(model.remove(0)) };
                        prop_assert_eq!(z.pop(max), want);
                    }
                }
                prop_assert_eq!(z.len(), model.len());
                if z.is_packed() {
                    prop_assert!(model.len() <= big);
                }
            }
            prop_assert_eq!(elems(&z), model.clone());
            if let Repr::List(l) = z.repr() {
                l.check();
            }
            for (i, (m, s)) in model.iter().enumerate() {
                prop_assert_eq!(z.rank(m), Some(i));
                prop_assert_eq!(z.score(m), Some(*s));
                prop_assert_eq!(z.get_by_rank(i), Some((&m[..], *s)));
                let back: Vec<_> = z.iter_from(i, true).map(|(m, s)| (m.to_vec(), s)).collect();
                let mut want: Vec<_> = model[..=i].to_vec();
                want.reverse();
                prop_assert_eq!(back, want);
                let fwd = z.iter_from(i, false).count();
                prop_assert_eq!(fwd, model.len() - i);
                prop_assert_eq!(z.count_before(|sc, _| sc < *s), model.iter().filter(|e| e.1 < *s).count());
            }
            prop_assert_eq!(z.get_by_rank(model.len()), None);
            let mut packed = z.clone();
            packed.pack_if_fits(Limits { entries: 1000, value: 1000 });
            prop_assert_eq!(&packed, &z);
        }
    }
}
