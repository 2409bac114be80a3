//! The set type with Redis 7.0's two encodings: "intset" (a sorted array of
//! integers packed at the smallest of 16, 32 or 64 bits that fits them all)
//! for small all-integer sets, and "hashtable" (a chained hash table of byte
//! strings) for everything else. It must not know about commands, RESP, the
//! configuration or the clock: thresholds arrive as arguments.
//!
//! # When the encoding changes (as Redis 7.0.15)
//!
//! - A set created by adding a member starts as an intset when that first
//!   member is the canonical decimal form of an i64, as a hashtable otherwise
//!   ([`Set::for_first`]). 7.0 has no listpack sets (they came in 7.2).
//! - Adding a member that is not an integer, or growing past the intset limit
//!   (`set-max-intset-entries`, capped at 2^30 like Redis), converts an intset
//!   into a hashtable. Nothing ever converts a hashtable back.
//! - An intset widens (16 → 32 → 64 bits) when a value needs it and never
//!   narrows again, as Redis's `intsetUpgradeAndAdd`.
//!
//! # Memory
//!
//! `Set` is one pointer (it sits in its own box behind `Value::Set`, so
//! that box takes the smallest allocator bin), and an intset is one
//! exact-size allocation: an 8-byte header (width and length) then
//! `len * width` bytes, as Redis's own intset. Ten small integers therefore
//! cost an 8-byte box plus a 28-byte intset (32 in mimalloc's bins), where
//! Redis spends a 16-byte robj plus the same 28-byte intset (32 in
//! jemalloc's). A hashtable set's pointer names a box holding the table;
//! the first byte behind the pointer tells the two apart.
//!
//! # The hash table
//!
//! A `dict::FieldTable`, the keyspace's chained table with one allocation
//! per member (a 12-byte header with the chain link, 8 hash bits and the
//! length, then the bytes). It grows when an insert finds as many members as
//! buckets and shrinks when a removal leaves it under 10% full (never below
//! 4 buckets), as Redis's dict, and like it moves the buckets over
//! incrementally: each write moves one, and so does each lookup of the key
//! through the keyspace ([`Set::rehash_step`]), so no SADD stalls on a big
//! set and a set that is only read still finishes its resize. The
//! fill bound keeps random picks O(1) expected. [`Set::scan`] walks buckets
//! in reverse-binary cursor order, which gives SSCAN Redis's guarantee: every
//! member present for the whole scan is returned at least once however the
//! table is resized between calls, even while a resize is under way.

use crate::dict::FieldTable;
use rand::Rng;
use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::NonNull;

/// Redis limits intsets to 2^30 entries whatever `set-max-intset-entries` says.
pub const INTSET_HARD_LIMIT: usize = 1 << 30;

/// A borrowed set member: integers come out of intsets unformatted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes, formatting an integer into `buf`.
    pub fn bytes<'b>(&'b self, buf: &'b mut IntBuf) -> &'b [u8] {
        match *self {
            Member::Int(n) => buf.format(n),
            Member::Bytes(b) => b,
        }
    }

    /// The member as an owned value.
    pub fn owned(&self) -> OwnedMember {
        match *self {
            Member::Int(n) => OwnedMember::Int(n),
            Member::Bytes(b) => OwnedMember::Bytes(b.into()),
        }
    }

    /// The member's bytes in a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = IntBuf::new();
        self.bytes(&mut buf).to_vec()
    }
}

/// A member taken out of a set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OwnedMember {
    Int(i64),
    Bytes(Box<[u8]>),
}

impl OwnedMember {
    pub fn as_member(&self) -> Member<'_> {
        match self {
            OwnedMember::Int(n) => Member::Int(*n),
            OwnedMember::Bytes(b) => Member::Bytes(b),
        }
    }
}

/// Room to format an i64 in decimal without allocating.
pub struct IntBuf([u8; 20]);

impl IntBuf {
    pub fn new() -> IntBuf {
        IntBuf([0; 20])
    }

    /// Writes `n` in decimal and returns the digits.
    pub fn format(&mut self, n: i64) -> &[u8] {
        let mut i = self.0.len();
        let mut v = n.unsigned_abs();
        loop {
            i -= 1;
            self.0[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            i -= 1;
            self.0[i] = b'-';
        }
        &self.0[i..]
    }
}

impl Default for IntBuf {
    fn default() -> IntBuf {
        IntBuf::new()
    }
}

// ---------------------------------------------------------------------------
// The intset: sorted integers packed at one width.
// ---------------------------------------------------------------------------

/// Bytes per integer of an intset. An enum (not a bare u8) so that the
/// compiler can keep `Set`'s variant tag in its spare bit patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Width {
    W16 = 2,
    W32 = 4,
    W64 = 8,
}

impl Width {
    /// The narrowest width that holds `v`.
    fn of(v: i64) -> Width {
        if i16::try_from(v).is_ok() {
            Width::W16
        } else if i32::try_from(v).is_ok() {
            Width::W32
        } else {
            Width::W64
        }
    }

    fn bytes(self) -> usize {
        self as usize
    }

    fn read(self, at: &[u8]) -> i64 {
        match self {
            Width::W16 => i16::from_ne_bytes([at[0], at[1]]) as i64,
            Width::W32 => i32::from_ne_bytes([at[0], at[1], at[2], at[3]]) as i64,
            Width::W64 => i64::from_ne_bytes(at[..8].try_into().expect("8 bytes")),
        }
    }

    /// Appends `v` (which must fit) to `buf`.
    fn push(self, buf: &mut Vec<u8>, v: i64) {
        match self {
            Width::W16 => buf.extend_from_slice(&(v as i16).to_ne_bytes()),
            Width::W32 => buf.extend_from_slice(&(v as i32).to_ne_bytes()),
            Width::W64 => buf.extend_from_slice(&v.to_ne_bytes()),
        }
    }
}

/// Bytes before an intset's integers: the width (2, 4 or 8) in byte 0 and
/// the length as a u32 in bytes 4 to 7.
const INTSET_HEADER: usize = 8;

/// Sorted distinct integers in one exact-size, 8-aligned allocation: an
/// 8-byte header then `len * width` bytes. The pointer is all the struct
/// holds, so a `Set` is one word. Every change builds a new allocation and
/// frees the old one, as Redis reallocates its intset on every insert or
/// removal: O(n) per change, which the small size limit keeps cheap.
#[repr(transparent)]
struct IntSet {
    ptr: NonNull<u8>,
}

// SAFETY: an IntSet owns its allocation exclusively, like a Box<[u8]>.
unsafe impl Send for IntSet {}
// SAFETY: no method mutates through &self.
unsafe impl Sync for IntSet {}

fn intset_layout(data_len: usize) -> Layout {
    Layout::from_size_align(INTSET_HEADER + data_len, 8).expect("intsets stay small")
}

impl IntSet {
    fn new() -> IntSet {
        IntSet::from_vec(Vec::new(), Width::W16)
    }

    /// Copies `bytes`, which holds `bytes.len() / width` sorted distinct
    /// integers at `width`, into a new allocation.
    fn from_vec(bytes: Vec<u8>, width: Width) -> IntSet {
        debug_assert_eq!(bytes.len() % width.bytes(), 0);
        let len = u32::try_from(bytes.len() / width.bytes()).expect("intsets stay under 2^30");
        let layout = intset_layout(bytes.len());
        // SAFETY: the layout is at least 8 bytes.
        let base = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(base) else {
            alloc::handle_alloc_error(layout);
        };
        // SAFETY: `base` is a fresh 8-aligned allocation of 8 + bytes.len()
        // bytes; the header and the data are written within it.
        unsafe {
            base.write(width as u8);
            base.add(4).cast::<u32>().write(len);
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), base.add(INTSET_HEADER), bytes.len());
        }
        IntSet { ptr }
    }

    fn width(&self) -> Width {
        // SAFETY: byte 0 of the header holds one of Width's values, written
        // by `from_vec`.
        match unsafe { self.ptr.as_ptr().read() } {
            2 => Width::W16,
            4 => Width::W32,
            _ => Width::W64,
        }
    }

    fn len(&self) -> usize {
        // SAFETY: bytes 4..8 of the 8-aligned header hold the length.
        unsafe { self.ptr.as_ptr().add(4).cast::<u32>().read() as usize }
    }

    fn raw(&self) -> &[u8] {
        // SAFETY: the data follows the header and is len * width bytes,
        // all inside the allocation this IntSet owns.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(INTSET_HEADER), self.byte_len()) }
    }

    fn byte_len(&self) -> usize {
        self.len() * self.width().bytes()
    }

    fn get(&self, i: usize) -> i64 {
        let w = self.width().bytes();
        self.width().read(&self.raw()[i * w..])
    }

    fn search(&self, v: i64) -> Result<usize, usize> {
        if Width::of(v) > self.width() {
            // Outside the range of every stored value.
            return Err(if v < 0 { 0 } else { self.len() });
        }
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    /// Inserts `v`; false if it was present. Widens the array when `v`
    /// needs more bits than the current width.
    fn insert(&mut self, v: i64) -> bool {
        let at = match self.search(v) {
            Ok(_) => return false,
            Err(at) => at,
        };
        let width = self.width().max(Width::of(v));
        let mut buf = Vec::with_capacity((self.len() + 1) * width.bytes());
        if width == self.width() {
            let w = width.bytes();
            buf.extend_from_slice(&self.raw()[..at * w]);
            width.push(&mut buf, v);
            buf.extend_from_slice(&self.raw()[at * w..]);
        } else {
            for i in 0..at {
                width.push(&mut buf, self.get(i));
            }
            width.push(&mut buf, v);
            for i in at..self.len() {
                width.push(&mut buf, self.get(i));
            }
        }
        *self = IntSet::from_vec(buf, width);
        true
    }

    fn remove_at(&mut self, at: usize) -> i64 {
        let v = self.get(at);
        let w = self.width().bytes();
        let mut buf = Vec::with_capacity((self.len() - 1) * w);
        buf.extend_from_slice(&self.raw()[..at * w]);
        buf.extend_from_slice(&self.raw()[(at + 1) * w..]);
        *self = IntSet::from_vec(buf, self.width());
        v
    }

    fn remove(&mut self, v: i64) -> bool {
        match self.search(v) {
            Ok(at) => {
                self.remove_at(at);
                true
            }
            Err(_) => false,
        }
    }

    fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        self.raw()
            .chunks_exact(self.width().bytes())
            .map(|c| self.width().read(c))
    }
}

impl Drop for IntSet {
    fn drop(&mut self) {
        let layout = intset_layout(self.byte_len());
        // SAFETY: the allocation came from `from_vec` with this layout (its
        // header still says how long the data is) and this IntSet owns it.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), layout) };
    }
}

impl Clone for IntSet {
    fn clone(&self) -> IntSet {
        IntSet::from_vec(self.raw().to_vec(), self.width())
    }
}

// ---------------------------------------------------------------------------
// The hash table.
// ---------------------------------------------------------------------------

/// The hashtable encoding: one node per member (see `dict::FieldTable`).
type Table = FieldTable<false>;

// ---------------------------------------------------------------------------
// The set.
// ---------------------------------------------------------------------------

/// A hashtable set's allocation: the kind byte first, where an intset's
/// allocation has its width, so one pointer can name either.
#[repr(C)]
struct TableBox {
    kind: u8,
    table: Table,
}

/// The kind byte of a `TableBox` (intset widths are 2, 4 or 8).
const KIND_TABLE: u8 = 0;

/// A set: one pointer to either an intset allocation or a `TableBox`; the
/// first byte behind it says which. One word keeps the box behind
/// `Value::Set` in the smallest allocator bin.
#[repr(transparent)]
pub struct Set {
    ptr: NonNull<u8>,
}

// SAFETY: a Set owns what it points to exclusively, like a Box.
unsafe impl Send for Set {}
// SAFETY: no method mutates through &self.
unsafe impl Sync for Set {}

/// A set's representation, borrowed.
enum View<'a> {
    Ints(&'a IntSet),
    Table(&'a Table),
}

/// A set's representation, borrowed for changes.
enum ViewMut<'a> {
    Ints(&'a mut IntSet),
    Table(&'a mut Table),
}

impl Default for Set {
    fn default() -> Set {
        Set::new()
    }
}

impl Drop for Set {
    fn drop(&mut self) {
        if self.is_table() {
            // SAFETY: a table set's pointer came from Box::into_raw of a
            // TableBox in `from_table`, and this Set owns it.
            unsafe { drop(Box::from_raw(self.ptr.as_ptr().cast::<TableBox>())) };
        } else {
            // SAFETY: Set and IntSet are both transparent over the pointer,
            // and an intset set's pointer is an IntSet's allocation; the
            // IntSet's drop frees it, once, as `self` is being dropped.
            unsafe { std::ptr::drop_in_place((self as *mut Set).cast::<IntSet>()) };
        }
    }
}

impl Clone for Set {
    fn clone(&self) -> Set {
        match self.view() {
            View::Ints(i) => Set::from_ints(i.clone()),
            View::Table(t) => Set::from_table(t.clone()),
        }
    }
}

impl Set {
    /// An empty set in the intset encoding (Redis's `createIntsetObject`).
    pub fn new() -> Set {
        Set::from_ints(IntSet::new())
    }

    /// An empty set in the hashtable encoding (Redis's `createSetObject`).
    pub fn new_table() -> Set {
        Set::from_table(Table::new())
    }

    fn from_ints(ints: IntSet) -> Set {
        let s = Set { ptr: ints.ptr };
        // The Set owns the allocation now.
        std::mem::forget(ints);
        s
    }

    fn from_table(table: Table) -> Set {
        let b = Box::new(TableBox {
            kind: KIND_TABLE,
            table,
        });
        Set {
            ptr: NonNull::from(Box::leak(b)).cast::<u8>(),
        }
    }

    fn is_table(&self) -> bool {
        // SAFETY: both kinds of allocation start with the kind byte.
        unsafe { self.ptr.as_ptr().read() == KIND_TABLE }
    }

    fn view(&self) -> View<'_> {
        if self.is_table() {
            // SAFETY: the pointer is a live TableBox owned by `self`; the
            // borrow of `self` bounds the reference.
            View::Table(unsafe { &(*self.ptr.as_ptr().cast::<TableBox>()).table })
        } else {
            // SAFETY: Set and IntSet are both transparent over the pointer,
            // which names an intset allocation.
            View::Ints(unsafe { &*(self as *const Set).cast::<IntSet>() })
        }
    }

    fn view_mut(&mut self) -> ViewMut<'_> {
        if self.is_table() {
            // SAFETY: as in `view`, with `&mut self` making access unique.
            ViewMut::Table(unsafe { &mut (*self.ptr.as_ptr().cast::<TableBox>()).table })
        } else {
            // SAFETY: as in `view`. An IntSet replaced through this
            // reference frees its old allocation and leaves its new pointer
            // in `self`, which stays an intset set.
            ViewMut::Ints(unsafe { &mut *(self as *mut Set).cast::<IntSet>() })
        }
    }

    /// The empty set a first member of `first` starts (Redis's
    /// `setTypeCreate`): an intset for an integer, a hashtable otherwise.
    pub fn for_first(first: &[u8]) -> Set {
        match crate::value::canonical_int(first) {
            Some(_) => Set::new(),
            None => Set::new_table(),
        }
    }

    pub fn len(&self) -> usize {
        match self.view() {
            View::Ints(s) => s.len(),
            View::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoding name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self.view() {
            View::Ints(_) => "intset",
            View::Table(_) => "hashtable",
        }
    }

    pub fn is_intset(&self) -> bool {
        !self.is_table()
    }

    /// Converts to the hashtable encoding (no-op if already there).
    fn make_table(&mut self) -> &mut Table {
        if let View::Ints(ints) = self.view() {
            let mut t = Table::with_capacity(ints.len());
            let mut buf = IntBuf::new();
            for v in ints.iter() {
                t.insert_new(buf.format(v), b"");
            }
            *self = Set::from_table(t);
        }
        match self.view_mut() {
            ViewMut::Table(t) => t,
            ViewMut::Ints(_) => unreachable!("converted above"),
        }
    }

    /// Adds a member; returns false if it was already there. `max_intset`
    /// is `set-max-intset-entries`: an intset growing past it (or past
    /// [`INTSET_HARD_LIMIT`]) becomes a hashtable, as does one given a
    /// member that is not an integer.
    pub fn insert(&mut self, m: &[u8], max_intset: usize) -> bool {
        if !self.is_table() {
            match crate::value::canonical_int(m) {
                Some(v) => return self.insert_int(v, max_intset),
                None => {
                    self.make_table();
                }
            }
        }
        self.make_table().set(m, b"")
    }

    /// As [`Set::insert`] for a member that may already be an integer.
    pub fn insert_member(&mut self, m: Member<'_>, max_intset: usize) -> bool {
        match (m, self.view_mut()) {
            (Member::Int(v), ViewMut::Ints(_)) => self.insert_int(v, max_intset),
            (Member::Int(v), ViewMut::Table(t)) => t.set(IntBuf::new().format(v), b""),
            (Member::Bytes(b), _) => self.insert(b, max_intset),
        }
    }

    fn insert_int(&mut self, v: i64, max_intset: usize) -> bool {
        let ViewMut::Ints(ints) = self.view_mut() else {
            unreachable!("called on intsets only");
        };
        if !ints.insert(v) {
            return false;
        }
        if ints.len() > max_intset.min(INTSET_HARD_LIMIT) {
            self.make_table();
        }
        true
    }

    /// Removes a member; returns whether it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self.view_mut() {
            ViewMut::Ints(ints) => crate::value::canonical_int(m).is_some_and(|v| ints.remove(v)),
            ViewMut::Table(t) => t.remove(m),
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match self.view() {
            View::Ints(ints) => crate::value::canonical_int(m).is_some_and(|v| ints.contains(v)),
            View::Table(t) => t.contains(m),
        }
    }

    /// Moves a resize of the hashtable form one bucket along (a no-op for
    /// an intset or when no resize is under way). Writes do this
    /// themselves; the keyspace calls it on every lookup of the key, so that
    /// a set that is only read still finishes its resize, as Redis's
    /// `dictFind` does a rehash step.
    pub fn rehash_step(&mut self) {
        if let ViewMut::Table(t) = self.view_mut() {
            t.rehash_step();
        }
    }

    /// Whether the hashtable form is between two bucket arrays (tests).
    #[cfg(test)]
    pub(crate) fn is_rehashing(&self) -> bool {
        matches!(self.view(), View::Table(t) if t.is_rehashing())
    }

    /// Membership of a member that may come unformatted from an intset.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (m, self.view()) {
            (Member::Int(v), View::Ints(ints)) => ints.contains(v),
            (Member::Int(v), View::Table(t)) => t.contains(IntBuf::new().format(v)),
            (Member::Bytes(b), _) => self.contains(b),
        }
    }

    /// The members: ascending for an intset, bucket order for a hashtable.
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> + '_ {
        let (ints, table) = match self.view() {
            View::Ints(i) => (Some(i.iter().map(Member::Int)), None),
            View::Table(t) => (None, Some(t.iter().map(|(m, _)| Member::Bytes(m)))),
        };
        ints.into_iter()
            .flatten()
            .chain(table.into_iter().flatten())
    }

    /// A member picked at random (uniformly for an intset; for a hashtable,
    /// a random non-empty bucket then a random member of its chain, as
    /// Redis's dict does). None when the set is empty.
    pub fn random(&self, rng: &mut impl Rng) -> Option<Member<'_>> {
        match self.view() {
            View::Ints(ints) if ints.len() == 0 => None,
            View::Ints(ints) => Some(Member::Int(ints.get(rng.gen_range(0..ints.len())))),
            View::Table(t) => t.random(rng).map(|(m, _)| Member::Bytes(m)),
        }
    }

    /// Removes and returns a random member.
    pub fn pop_random(&mut self, rng: &mut impl Rng) -> Option<OwnedMember> {
        match self.view_mut() {
            ViewMut::Ints(ints) if ints.len() == 0 => None,
            ViewMut::Ints(ints) => {
                let at = rng.gen_range(0..ints.len());
                Some(OwnedMember::Int(ints.remove_at(at)))
            }
            ViewMut::Table(t) => t.pop_random(rng).map(OwnedMember::Bytes),
        }
    }

    /// One step of SSCAN from `cursor`: calls `f` for the members of one
    /// bucket and returns the next cursor (0 when the scan is complete). An
    /// intset is returned whole in one step with cursor 0, as Redis does for
    /// its compact encodings.
    pub fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(Member<'a>)) -> u64 {
        match self.view() {
            View::Ints(ints) => {
                ints.iter().for_each(|v| f(Member::Int(v)));
                0
            }
            View::Table(t) => t.scan(cursor, |m, _| f(Member::Bytes(m))),
        }
    }

    /// Heap bytes owned by the set's members and tables, not counting the
    /// `Set` itself (for MEMORY USAGE-style estimates).
    pub fn heap_size(&self) -> usize {
        match self.view() {
            View::Ints(ints) => ints.byte_len(),
            View::Table(t) => t.heap_size(),
        }
    }

    /// Intset width in bytes (2, 4 or 8), or None for a hashtable. For tests
    /// and introspection.
    pub fn intset_width(&self) -> Option<usize> {
        match self.view() {
            View::Ints(i) => Some(i.width().bytes()),
            View::Table(_) => None,
        }
    }
}

impl PartialEq for Set {
    /// Two sets are equal when they hold the same members in the same
    /// encoding (the hash table's bucket layout does not matter).
    fn eq(&self, other: &Set) -> bool {
        self.encoding() == other.encoding()
            && self.len() == other.len()
            && self.iter().all(|m| other.contains_member(m))
    }
}

impl fmt::Debug for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Set({}) ", self.encoding())?;
        f.debug_set()
            .entries(self.iter().map(|m| m.to_vec().escape_ascii().to_string()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    fn members(s: &Set) -> BTreeSet<Vec<u8>> {
        s.iter().map(|m| m.to_vec()).collect()
    }

    #[test]
    fn set_stays_small() {
        assert_eq!(std::mem::size_of::<Set>(), 8);
        assert_eq!(std::mem::size_of::<crate::Value>(), 16);
    }

    #[test]
    fn int_formatting() {
        let mut b = IntBuf::new();
        for n in [0, 1, -1, 42, -9, i64::MAX, i64::MIN, 1000] {
            assert_eq!(b.format(n), n.to_string().as_bytes());
        }
    }

    #[test]
    fn intset_widens_and_stays_sorted() {
        let mut s = Set::new();
        for v in [5, -3, 100, 0] {
            assert!(s.insert(v.to_string().as_bytes(), 512));
        }
        assert_eq!(s.intset_width(), Some(2));
        assert!(s.insert(b"70000", 512));
        assert_eq!(s.intset_width(), Some(4));
        assert!(s.insert(b"-9223372036854775808", 512));
        assert_eq!(s.intset_width(), Some(8));
        assert!(!s.insert(b"100", 512));
        // Removing the wide values does not narrow the array again.
        assert!(s.remove(b"-9223372036854775808"));
        assert!(s.remove(b"70000"));
        assert_eq!(s.intset_width(), Some(8));
        let got: Vec<Member> = s.iter().collect();
        assert_eq!(
            got,
            vec![
                Member::Int(-3),
                Member::Int(0),
                Member::Int(5),
                Member::Int(100)
            ]
        );
        assert!(s.contains(b"-3"));
        assert!(!s.contains(b"-03"));
        assert!(!s.contains(b"x"));
        assert!(!s.contains(b"99999999999"));
        assert_eq!(s.encoding(), "intset");
    }

    #[test]
    fn converts_like_redis() {
        // A non-integer member converts at once.
        let mut s = Set::for_first(b"1");
        s.insert(b"1", 512);
        s.insert(b"a", 512);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"a"));
        // Non-canonical integers are strings.
        for m in ["01", "-0", "+1", " 1", "9223372036854775808", ""] {
            let mut s = Set::new();
            s.insert(m.as_bytes(), 512);
            assert_eq!(s.encoding(), "hashtable", "{m:?}");
            assert_eq!(Set::for_first(m.as_bytes()).encoding(), "hashtable");
        }
        // Growing past the limit converts; exactly at it does not.
        let mut s = Set::new();
        for i in 0..512 {
            s.insert(i.to_string().as_bytes(), 512);
        }
        assert_eq!(s.encoding(), "intset");
        s.insert(b"512", 512);
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 513);
        // A limit of 0 converts on the first member.
        let mut s = Set::new();
        s.insert(b"7", 0);
        assert_eq!(s.encoding(), "hashtable");
        // Hashtables never go back, even when only integers remain.
        let mut s = Set::for_first(b"a");
        s.insert(b"a", 512);
        s.insert(b"1", 512);
        s.remove(b"a");
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains_member(Member::Int(1)));
        let mut t = Set::new();
        assert!(t.insert_member(Member::Int(1), 512));
        assert!(!t.insert_member(Member::Bytes(b"1"), 512));
        assert_eq!(t.encoding(), "intset");
    }

    #[test]
    fn table_grows_and_shrinks() {
        let mut s = Set::new_table();
        for i in 0..1000 {
            assert!(s.insert(format!("m{i}").as_bytes(), 512));
        }
        let ViewMut::Table(t) = s.view_mut() else {
            panic!()
        };
        while t.rehash(100) {}
        assert_eq!(t.buckets(), 1024);
        for i in 0..995 {
            assert!(s.remove(format!("m{i}").as_bytes()));
        }
        // A shrink starts after a delete when no resize is under way (as in
        // Redis), so the one in flight is finished and one more delete made.
        let ViewMut::Table(t) = s.view_mut() else {
            panic!()
        };
        while t.rehash(100) {}
        assert!(s.remove(b"m995"));
        let ViewMut::Table(t) = s.view_mut() else {
            panic!()
        };
        while t.rehash(100) {}
        // How far the shrinks on the way down got depends on how many
        // buckets each removal moved, which depends on the process's random
        // hash seed (the last size may be 4, 8 or 16): what must hold is
        // that no shrink is due any more, so the table is under ten buckets
        // per member.
        let buckets = t.buckets();
        assert!(buckets <= 4 * 10, "{buckets} buckets for 4 members");
        assert_eq!(members(&s).len(), 4);
    }

    #[test]
    fn table_members_of_every_length_form() {
        // A member of 16 MiB or more takes the long node form.
        let long = vec![b'm'; (1 << 24) + 1];
        let mut s = Set::for_first(&long);
        assert!(s.insert(&long, 512));
        assert!(s.insert(b"", 512));
        assert!(s.insert(b"short", 512));
        assert!(!s.insert(&long, 512));
        assert!(s.contains(&long) && s.contains(b"") && s.contains(b"short"));
        assert!(!s.contains(&long[1..]));
        let c = s.clone();
        assert_eq!(c, s);
        let mut rng = SmallRng::seed_from_u64(2);
        let mut popped = BTreeSet::new();
        while let Some(m) = s.pop_random(&mut rng) {
            popped.insert(m.as_member().to_vec());
        }
        assert_eq!(popped, members(&c));
        assert!(popped.contains(&long));
    }

    #[test]
    fn random_picks_reach_every_member() {
        let mut rng = SmallRng::seed_from_u64(1);
        for first in ["1", "a"] {
            let mut s = Set::for_first(first.as_bytes());
            for i in 0..20 {
                s.insert(i.to_string().as_bytes(), 512);
            }
            let mut seen = BTreeSet::new();
            for _ in 0..2000 {
                seen.insert(s.random(&mut rng).expect("not empty").to_vec());
            }
            assert_eq!(seen, members(&s));
            let mut popped = BTreeSet::new();
            while let Some(m) = s.pop_random(&mut rng) {
                assert!(popped.insert(m.as_member().to_vec()));
            }
            assert_eq!(popped.len(), 20);
            assert!(s.is_empty());
            assert_eq!(s.random(&mut rng), None);
        }
    }

    #[test]
    fn intset_scan_is_one_step() {
        let mut s = Set::new();
        for v in [3, 1, 2] {
            s.insert(v.to_string().as_bytes(), 512);
        }
        let mut got = Vec::new();
        assert_eq!(s.scan(77, |m| got.push(m.to_vec())), 0);
        assert_eq!(got, vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
    }

    /// A scan in progress: its cursor, the members present since it began,
    /// and the members it returned so far.
    type ScanState = (u64, BTreeSet<Vec<u8>>, BTreeSet<Vec<u8>>);

    #[derive(Clone, Debug)]
    enum Op {
        Insert(Vec<u8>),
        Remove(Vec<u8>),
        Pop,
        ScanStep,
        Clone,
    }

    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => (-40i64..40).prop_map(|n| n.to_string().into_bytes()),
            1 => prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(70_000), Just(-70_000), Just(5_000_000_000)]
                .prop_map(|n| n.to_string().into_bytes()),
            1 => proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'0'), Just(b'-')], 0..4),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => member().prop_map(Op::Insert),
            4 => member().prop_map(Op::Remove),
            1 => Just(Op::Pop),
            3 => Just(Op::ScanStep),
            1 => Just(Op::Clone),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn set_matches_model(ops in proptest::collection::vec(op(), 1..300), limit in 0usize..40) {
            let mut rng = SmallRng::seed_from_u64(7);
            let mut s = Set::new();
            let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
            let mut all_ints = true;
            let mut converted = false;
            let mut scan: Option<ScanState> = None;
            for op in ops {
                match op {
                    Op::Insert(m) => {
                        let is_int = crate::value::canonical_int(&m).is_some();
                        prop_assert_eq!(s.insert(&m, limit), model.insert(m.clone()));
                        all_ints &= is_int;
                        if !all_ints || model.len() > limit {
                            converted = true;
                        }
                    }
                    Op::Remove(m) => {
                        prop_assert_eq!(s.remove(&m), model.remove(&m));
                        if let Some((_, must, _)) = &mut scan {
                            must.remove(&m);
                        }
                    }
                    Op::Pop => {
                        match s.pop_random(&mut rng) {
                            Some(m) => {
                                let m = m.as_member().to_vec();
                                prop_assert!(model.remove(&m));
                                if let Some((_, must, _)) = &mut scan {
                                    must.remove(&m);
                                }
                            }
                            None => prop_assert!(model.is_empty()),
                        }
                    }
                    Op::ScanStep => {
                        let (cursor, must, mut seen) =
                            scan.take().unwrap_or_else(|| (0, model.clone(), BTreeSet::new()));
                        let mut step = Vec::new();
                        let next = s.scan(cursor, |m| step.push(m.to_vec()));
                        for m in step {
                            prop_assert!(model.contains(&m), "scan returned a non-member");
                            seen.insert(m);
                        }
                        if next == 0 {
                            prop_assert!(must.is_subset(&seen), "scan missed members");
                        } else {
                            scan = Some((next, must, seen));
                        }
                    }
                    Op::Clone => {
                        let c = s.clone();
                        prop_assert_eq!(&c, &s);
                        s = c;
                    }
                }
                prop_assert_eq!(s.len(), model.len());
                prop_assert_eq!(members(&s), model.clone());
                for m in &model {
                    prop_assert!(s.contains(m));
                }
                // The encoding follows Redis's rule: intset until the first
                // non-integer or the first growth past the limit.
                prop_assert_eq!(s.encoding(), if converted { "hashtable" } else { "intset" });
                if s.is_intset() {
                    let v: Vec<Member> = s.iter().collect();
                    let mut sorted = v.clone();
                    sorted.sort_by_key(|m| match m { Member::Int(n) => *n, Member::Bytes(_) => 0 });
                    prop_assert_eq!(v, sorted);
                }
            }
        }
    }
}
