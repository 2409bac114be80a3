//! The list type: a deque of packed nodes, each one contiguous byte buffer of
//! length-prefixed entries (the role of Redis 7.0's quicklist of listpacks).
//! It must not know about commands, RESP or configuration parsing: the node
//! fill rule (`list-max-listpack-size`) comes in as an argument.
//!
//! # Layout
//!
//! A `List` is a `VecDeque` of nodes plus the element count. A node is one
//! `Box<[u8]>`: a two-byte little-endian entry count, then the entries back
//! to back. Each entry is a tag byte, its payload, and a "back length" that
//! lets the node be walked from its end as well as from its start:
//!
//! ```text
//! 0x00..=0x7f           the integer 0..=127, no payload
//! 0x80..=0xbf           a string of (tag - 0x80) bytes (0..=63)
//! 0xc0..=0xc7           a signed integer in (tag - 0xc0 + 1) bytes, little endian
//! 0xc8 / 0xc9 / 0xca    a string whose length follows as u16 / u32 / u64
//! ```
//!
//! Only strings that are the canonical decimal form of an i64 are stored as
//! integers, so formatting the integer gives back exactly the bytes pushed.
//! The back length is the size of tag plus payload in base 128, most
//! significant group first; every byte but the first has its high bit set,
//! so a reader going backwards stops at the byte whose high bit is clear.
//!
//! # Costs
//!
//! Push and pop at either end touch one end node: O(1) apart from moving the
//! bytes of that node (bounded by the fill rule, as in Redis). Index lookups
//! skip whole nodes by their counts from the nearer end of the list, then walk
//! entries from the nearer end of the node. A node that grows past the fill
//! rule in the middle (LINSERT, LSET) is split in two.
//!
//! Redis 7.0 reports every list as "quicklist" whatever its size (the
//! "listpack" list encoding came in 7.2), and so does `encoding`.

use crate::value::canonical_int;
use std::collections::VecDeque;
use std::fmt;

/// One element as stored: canonical integers come back as numbers, anything
/// else as the bytes pushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Elem<'_> {
    /// The element's bytes, integers formatted in decimal.
    pub fn to_vec(&self) -> Vec<u8> {
        match *self {
            Elem::Int(n) => n.to_string().into_bytes(),
            Elem::Bytes(b) => b.to_vec(),
        }
    }

    /// Whether the element equals the string `needle` was built from.
    pub fn matches(&self, needle: &Needle<'_>) -> bool {
        match *self {
            Elem::Int(n) => needle.int == Some(n),
            Elem::Bytes(b) => needle.int.is_none() && b == needle.bytes,
        }
    }
}

/// A string to compare elements with, with its integer form worked out once.
#[derive(Clone, Copy, Debug)]
pub struct Needle<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Needle<'a> {
    pub fn new(bytes: &'a [u8]) -> Needle<'a> {
        Needle {
            bytes,
            int: canonical_int(bytes),
        }
    }
}

/// Bytes of a node under a positive fill, whatever the count (Redis's
/// SIZE_SAFETY_LIMIT).
const SAFETY_LIMIT: usize = 8192;
/// Entries a node may hold at most: the count header is 16 bits.
const MAX_COUNT: usize = u16::MAX as usize;
/// Size of the count header at the start of every node.
const HEADER: usize = 2;

/// The node byte limit of a negative fill: -1 is 4 KB ... -5 (and below) is
/// 64 KB, as Redis's optimization levels.
fn size_limit(fill: i64) -> usize {
    let level = (-fill).clamp(1, 5) as u32;
    4096 << (level - 1)
}

// ---------------------------------------------------------------------------
// Entries.
// ---------------------------------------------------------------------------

/// An element encoded as an entry, ready to be copied into a node.
struct Encoded<'a> {
    head: [u8; 9],
    head_len: usize,
    data: &'a [u8],
    back: [u8; 10],
    back_len: usize,
}

impl<'a> Encoded<'a> {
    fn new(value: &'a [u8]) -> Encoded<'a> {
        let mut head = [0u8; 9];
        let (head_len, data): (usize, &[u8]) = match canonical_int(value) {
            Some(n) if (0..=0x7f).contains(&n) => {
                head[0] = n as u8;
                (1, &[])
            }
            Some(n) => {
                let width = int_width(n);
                head[0] = 0xc0 + (width as u8 - 1);
                head[1..=width].copy_from_slice(&n.to_le_bytes()[..width]);
                (1 + width, &[])
            }
            None => {
                let len = value.len();
                if len <= 63 {
                    head[0] = 0x80 + len as u8;
                    (1, value)
                } else if len <= u16::MAX as usize {
                    head[0] = 0xc8;
                    head[1..3].copy_from_slice(&(len as u16).to_le_bytes());
                    (3, value)
                } else if len <= u32::MAX as usize {
                    head[0] = 0xc9;
                    head[1..5].copy_from_slice(&(len as u32).to_le_bytes());
                    (5, value)
                } else {
                    head[0] = 0xca;
                    head[1..9].copy_from_slice(&(len as u64).to_le_bytes());
                    (9, value)
                }
            }
        };
        let mut back = [0u8; 10];
        let back_len = write_back_len(&mut back, head_len + data.len());
        Encoded {
            head,
            head_len,
            data,
            back,
            back_len,
        }
    }

    fn len(&self) -> usize {
        self.head_len + self.data.len() + self.back_len
    }

    /// Writes the entry into `dst`, which is exactly `self.len()` bytes.
    fn write(&self, dst: &mut [u8]) {
        if self.head_len == 1 && self.back_len == 1 {
            // The usual small entry: single tag and back-length bytes
            // around the data, without two more calls to copy a byte each.
            let n = self.data.len();
            dst[0] = self.head[0];
            dst[1..1 + n].copy_from_slice(self.data);
            dst[1 + n] = self.back[0];
            return;
        }
        let (h, rest) = dst.split_at_mut(self.head_len);
        h.copy_from_slice(&self.head[..self.head_len]);
        let (d, b) = rest.split_at_mut(self.data.len());
        d.copy_from_slice(self.data);
        b.copy_from_slice(&self.back[..self.back_len]);
    }
}

/// The fewest little-endian bytes that hold `n` as a signed integer.
fn int_width(n: i64) -> usize {
    (1..8)
        .find(|&w| {
            let bits = 8 * w as u32;
            let min = -(1i64 << (bits - 1));
            let max = (1i64 << (bits - 1)) - 1;
            (min..=max).contains(&n)
        })
        .unwrap_or(8)
}

/// Writes `size` as a back length into `out`; returns the bytes used.
fn write_back_len(out: &mut [u8; 10], mut size: usize) -> usize {
    // Groups are produced least significant first and then reversed, so the
    // most significant group ends up first in memory.
    let mut groups = [0u8; 10];
    let mut n = 0;
    loop {
        groups[n] = (size & 0x7f) as u8;
        n += 1;
        size >>= 7;
        if size == 0 {
            break;
        }
    }
    for i in 0..n {
        let g = groups[n - 1 - i];
        out[i] = if i == 0 { g } else { g | 0x80 };
    }
    n
}

/// Reads the entry starting at `at`: the element and the offset just past
/// the entry (back length included).
fn read_entry(buf: &[u8], at: usize) -> (Elem<'_>, usize) {
    let tag = buf[at];
    let (elem, body_end) = match tag {
        0x00..=0x7f => (Elem::Int(tag as i64), at + 1),
        0x80..=0xbf => {
            let len = (tag - 0x80) as usize;
            (Elem::Bytes(&buf[at + 1..at + 1 + len]), at + 1 + len)
        }
        0xc0..=0xc7 => {
            let width = (tag - 0xc0) as usize + 1;
            let mut raw = [0u8; 8];
            raw[..width].copy_from_slice(&buf[at + 1..at + 1 + width]);
            // Sign-extend from the top byte actually stored.
            let shift = 64 - 8 * width as u32;
            let n = (i64::from_le_bytes(raw) << shift) >> shift;
            (Elem::Int(n), at + 1 + width)
        }
        _ => {
            let (len, hl) = match tag {
                0xc8 => (u16::from_le_bytes([buf[at + 1], buf[at + 2]]) as usize, 3),
                0xc9 => {
                    let mut b = [0u8; 4];
                    b.copy_from_slice(&buf[at + 1..at + 5]);
                    (u32::from_le_bytes(b) as usize, 5)
                }
                _ => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&buf[at + 1..at + 9]);
                    (u64::from_le_bytes(b) as usize, 9)
                }
            };
            (Elem::Bytes(&buf[at + hl..at + hl + len]), at + hl + len)
        }
    };
    (elem, body_end + back_len_size(body_end - at))
}

/// Bytes taken by the back length of an entry body of `size` bytes.
fn back_len_size(size: usize) -> usize {
    let mut n = 1;
    let mut s = size >> 7;
    while s != 0 {
        n += 1;
        s >>= 7;
    }
    n
}

/// The start of the entry that ends at `end`.
fn entry_before(buf: &[u8], end: usize) -> usize {
    let mut i = end - 1;
    let mut size = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[i];
        size |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        i -= 1;
    }
    i - size
}

// ---------------------------------------------------------------------------
// Nodes.
// ---------------------------------------------------------------------------

/// A packed node: the entry count then the entries (see the module docs),
/// kept in `data[lo..hi]`. The bytes around that range are room to grow
/// into: a push at the head moves the two header bytes back instead of
/// moving every entry forward, and a pop at either end just narrows the
/// range. A node that stops being an end node (a new node went in front of
/// it) gives its room back with [`Node::fit`].
#[derive(Clone)]
struct Node {
    data: Box<[u8]>,
    lo: u32,
    hi: u32,
}

impl Node {
    fn with(e: &Encoded<'_>) -> Node {
        let mut v = vec![0u8; HEADER + e.len()];
        v[..HEADER].copy_from_slice(&1u16.to_le_bytes());
        e.write(&mut v[HEADER..]);
        Node::exact(v)
    }

    fn from_parts(count: usize, entries: &[u8]) -> Node {
        let mut v = Vec::with_capacity(HEADER + entries.len());
        v.extend_from_slice(&(count as u16).to_le_bytes());
        v.extend_from_slice(entries);
        Node::exact(v)
    }

    fn exact(v: Vec<u8>) -> Node {
        let hi = v.len() as u32;
        Node {
            data: v.into_boxed_slice(),
            lo: 0,
            hi,
        }
    }

    /// The node's bytes: the count, then the entries.
    fn buf(&self) -> &[u8] {
        &self.data[self.lo as usize..self.hi as usize]
    }

    fn count(&self) -> usize {
        let lo = self.lo as usize;
        u16::from_le_bytes([self.data[lo], self.data[lo + 1]]) as usize
    }

    /// Bytes of entries (the header not included).
    fn size(&self) -> usize {
        self.end() - HEADER
    }

    fn end(&self) -> usize {
        (self.hi - self.lo) as usize
    }

    /// Bytes allocated, room included.
    fn allocated(&self) -> usize {
        self.data.len()
    }

    /// Gives back the room around the bytes.
    fn fit(&mut self) {
        if self.end() < self.data.len() {
            *self = Node::exact(self.buf().to_vec());
        }
    }

    /// Whether one more entry of `add` bytes may go into this node.
    fn allows(&self, add: usize, fill: i64) -> bool {
        let count = self.count();
        if count >= MAX_COUNT {
            return false;
        }
        let size = self.size() + add;
        if fill < 0 {
            size <= size_limit(fill)
        } else {
            size <= SAFETY_LIMIT && (count as i64) < fill
        }
    }

    /// Whether the node holds more than the fill rule allows (after an
    /// insert or replace in the middle) and can be split.
    fn over(&self, fill: i64) -> bool {
        let count = self.count();
        if count <= 1 {
            return false;
        }
        if count > MAX_COUNT - 1 {
            return true;
        }
        if fill < 0 {
            self.size() > size_limit(fill)
        } else {
            self.size() > SAFETY_LIMIT || count as i64 > fill.max(1)
        }
    }

    /// Replaces the bytes `start..end` (offsets into [`Node::buf`]) with
    /// `entry` (or nothing) and sets the count to `count`. Whichever side of
    /// the change is shorter is the one that moves, into the room on its
    /// side; when that room is too small the node is reallocated with room
    /// on the side of the change, half its size again, so a run of pushes
    /// at one end moves each byte a bounded number of times.
    fn splice(&mut self, start: usize, end: usize, entry: Option<&Encoded<'_>>, count: usize) {
        let ins = entry.map_or(0, Encoded::len);
        let removed = end - start;
        let len = self.end();
        let (lo, hi) = (self.lo as usize, self.hi as usize);
        // Where the change begins in `data` once the bytes have moved.
        let at;
        if ins <= removed {
            let shrink = removed - ins;
            if start <= len - end {
                // Move the head (header and entries before `start`) right.
                // A header alone is not copied: `set_count` rewrites it.
                if start > HEADER {
                    self.data.copy_within(lo..lo + start, lo + shrink);
                }
                self.lo += shrink as u32;
                at = lo + shrink + start;
            } else {
                self.data.copy_within(lo + end..hi, lo + start + ins);
                self.hi -= shrink as u32;
                at = lo + start;
            }
            // A node that shrank to well under its allocation gives the
            // room back, so deletions do not leave memory behind.
            let used = len - shrink;
            if self.data.len() > 2 * used + 64 {
                if let Some(e) = entry {
                    e.write(&mut self.data[at..at + ins]);
                }
                self.set_count(count);
                self.fit();
                return;
            }
        } else {
            let grow = ins - removed;
            let front = start <= len - end;
            if front && lo >= grow {
                if start > HEADER {
                    self.data.copy_within(lo..lo + start, lo - grow);
                }
                self.lo -= grow as u32;
                at = lo - grow + start;
            } else if !front && self.data.len() - hi >= grow {
                self.data.copy_within(lo + end..hi, lo + start + ins);
                self.hi += grow as u32;
                at = lo + start;
            } else {
                let new_len = len + grow;
                let room = (new_len / 2).max(8);
                let base = if front { room } else { 0 };
                // Built by appending, so only the room and the new entry's
                // place are zeroed, not the bytes copied over.
                let mut v = Vec::with_capacity(new_len + room);
                v.resize(base, 0);
                v.extend_from_slice(&self.data[lo..lo + start]);
                v.resize(base + start + ins, 0);
                v.extend_from_slice(&self.data[lo + end..hi]);
                v.resize(new_len + room, 0);
                self.data = v.into_boxed_slice();
                self.lo = base as u32;
                self.hi = (base + new_len) as u32;
                at = base + start;
            }
        }
        if let Some(e) = entry {
            e.write(&mut self.data[at..at + ins]);
        }
        self.set_count(count);
    }

    fn set_count(&mut self, count: usize) {
        let lo = self.lo as usize;
        self.data[lo..lo + HEADER].copy_from_slice(&(count as u16).to_le_bytes());
    }

    /// The offset of entry `i` of this node, walking from the nearer end.
    fn offset_of(&self, i: usize) -> usize {
        let count = self.count();
        if i <= count / 2 {
            let mut at = HEADER;
            for _ in 0..i {
                at = read_entry(self.buf(), at).1;
            }
            at
        } else {
            let mut at = self.end();
            for _ in i..count {
                at = entry_before(self.buf(), at);
            }
            at
        }
    }

    /// Splits off the entries from `i` on into a new node.
    fn split_off(&mut self, i: usize) -> Node {
        let count = self.count();
        let at = self.offset_of(i);
        let tail = Node::from_parts(count - i, &self.buf()[at..]);
        self.splice(at, self.end(), None, i);
        self.fit();
        tail
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node({} entries, {} bytes)", self.count(), self.size())
    }
}

// ---------------------------------------------------------------------------
// The list.
// ---------------------------------------------------------------------------

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

/// A list value.
///
/// Equality compares the elements, not how they happen to be split into nodes.
#[derive(Clone, Debug, Default)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The encoding name OBJECT ENCODING reports: Redis 7.0 calls every
    /// list "quicklist".
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Number of nodes (for tests and memory reports).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Heap bytes the list owns, its own struct included.
    pub fn heap_size(&self) -> usize {
        std::mem::size_of::<List>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.nodes.iter().map(|n| n.allocated()).sum::<usize>()
    }

    /// Adds a node at `at`, allocating the deque exactly for the first one
    /// (most lists have one node; growth after that is geometric).
    fn insert_node(&mut self, at: usize, node: Node) {
        if self.nodes.capacity() == 0 {
            self.nodes.reserve_exact(1);
        }
        self.nodes.insert(at, node);
    }

    /// Pushes `value` at one end; `fill` is `list-max-listpack-size`.
    pub fn push(&mut self, end: End, value: &[u8], fill: i64) {
        if self.push_short(end, value, fill) {
            return;
        }
        let e = Encoded::new(value);
        let target = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        match target {
            Some(node) if node.allows(e.len(), fill) => {
                let count = node.count() + 1;
                let at = match end {
                    End::Head => HEADER,
                    End::Tail => node.end(),
                };
                node.splice(at, at, Some(&e), count);
            }
            Some(node) => {
                // The full end node is an inner node from now on: it keeps
                // no room it will not use.
                node.fit();
                let at = match end {
                    End::Head => 0,
                    End::Tail => self.nodes.len(),
                };
                self.insert_node(at, Node::with(&e));
            }
            None => self.insert_node(0, Node::with(&e)),
        }
        self.len += 1;
    }

    /// The common push, done without [`Encoded`] and [`Node::splice`]: a
    /// string of at most 63 bytes that is not a canonical integer (so its
    /// entry is the tag `0x80 + len`, the bytes, and the one-byte back
    /// length `1 + len`) going into room the end node already has. Returns
    /// false, having changed nothing, when any of that does not hold; the
    /// general path then makes the same entry.
    fn push_short(&mut self, end: End, value: &[u8], fill: i64) -> bool {
        let n = value.len();
        if n > 63 {
            return false;
        }
        // Only a string starting with a digit or '-' can be an integer.
        if let Some(&b) = value.first() {
            if (b.is_ascii_digit() || b == b'-') && canonical_int(value).is_some() {
                return false;
            }
        }
        let add = n + 2;
        let node = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        let Some(node) = node else {
            return false;
        };
        if !node.allows(add, fill) {
            return false;
        }
        let count = node.count() + 1;
        let (lo, hi) = (node.lo as usize, node.hi as usize);
        let at = match end {
            // The entry goes where the header was and the header moves
            // back by the entry's size; nothing else moves.
            End::Head if lo >= add => {
                node.lo = (lo - add) as u32;
                lo - add + HEADER
            }
            End::Tail if node.data.len() - hi >= add => {
                node.hi = (hi + add) as u32;
                hi
            }
            _ => return false,
        };
        let dst = &mut node.data[at..at + add];
        dst[0] = 0x80 + n as u8;
        dst[1..=n].copy_from_slice(value);
        dst[n + 1] = (n + 1) as u8;
        node.set_count(count);
        self.len += 1;
        true
    }

    pub fn push_back(&mut self, value: &[u8], fill: i64) {
        self.push(End::Tail, value, fill);
    }

    pub fn push_front(&mut self, value: &[u8], fill: i64) {
        self.push(End::Head, value, fill);
    }

    /// Removes and returns the element at one end.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        self.pop_with(end, |e| e.to_vec())
    }

    /// Removes the element at one end, handing it to `f` first (to reply
    /// with it, say, without copying it out).
    pub fn pop_with<R>(&mut self, end: End, f: impl FnOnce(Elem<'_>) -> R) -> Option<R> {
        if self.len == 0 {
            return None;
        }
        let ni = match end {
            End::Head => 0,
            End::Tail => self.nodes.len() - 1,
        };
        let node = &mut self.nodes[ni];
        let count = node.count();
        // One read of the entry gives both the element and where it ends.
        let buf = node.buf();
        let start = match end {
            End::Head => HEADER,
            End::Tail => entry_before(buf, buf.len()),
        };
        let (elem, stop) = read_entry(buf, start);
        let value = f(elem);
        if count == 1 {
            self.nodes.remove(ni);
        } else {
            node.splice(start, stop, None, count - 1);
        }
        self.len -= 1;
        Some(value)
    }

    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.pop(End::Head)
    }

    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.pop(End::Tail)
    }

    /// The node holding element `index` (< len) and the entry's index in it,
    /// counting nodes from the nearer end of the list.
    fn locate_node(&self, index: usize) -> (usize, usize) {
        debug_assert!(index < self.len);
        if index < self.len / 2 {
            let mut i = index;
            for (ni, n) in self.nodes.iter().enumerate() {
                if i < n.count() {
                    return (ni, i);
                }
                i -= n.count();
            }
        } else {
            // Count how far element `index` is from the end.
            let mut from_end = self.len - 1 - index;
            for (ni, n) in self.nodes.iter().enumerate().rev() {
                if from_end < n.count() {
                    return (ni, n.count() - 1 - from_end);
                }
                from_end -= n.count();
            }
        }
        unreachable!("index below len lies in some node")
    }

    /// Node and byte offset of element `index` (< len).
    fn locate(&self, index: usize) -> (usize, usize) {
        let (ni, i) = self.locate_node(index);
        (ni, self.nodes[ni].offset_of(i))
    }

    /// The element at `index` (0-based from the head), if any.
    pub fn get(&self, index: usize) -> Option<Elem<'_>> {
        if index >= self.len {
            return None;
        }
        let (ni, at) = self.locate(index);
        Some(read_entry(self.nodes[ni].buf(), at).0)
    }

    /// Replaces the element at `index`; false when out of range.
    pub fn set(&mut self, index: usize, value: &[u8], fill: i64) -> bool {
        if index >= self.len {
            return false;
        }
        let (ni, at) = self.locate(index);
        let e = Encoded::new(value);
        let node = &mut self.nodes[ni];
        let stop = read_entry(node.buf(), at).1;
        let count = node.count();
        node.splice(at, stop, Some(&e), count);
        self.rebalance(ni, fill);
        true
    }

    /// Inserts `value` so that it becomes element `index` (0..=len).
    pub fn insert(&mut self, index: usize, value: &[u8], fill: i64) {
        if index == self.len {
            return self.push_back(value, fill);
        }
        if index == 0 {
            return self.push_front(value, fill);
        }
        let (ni, i) = self.locate_node(index);
        let e = Encoded::new(value);
        // At a node boundary the element may go at the tail of the previous
        // node instead, which avoids a split when that node has room.
        if i == 0 && self.nodes[ni - 1].allows(e.len(), fill) {
            let prev = &mut self.nodes[ni - 1];
            let (end, count) = (prev.end(), prev.count() + 1);
            prev.splice(end, end, Some(&e), count);
            self.len += 1;
            return;
        }
        let node = &mut self.nodes[ni];
        let at = node.offset_of(i);
        let count = node.count() + 1;
        node.splice(at, at, Some(&e), count);
        self.len += 1;
        self.rebalance(ni, fill);
    }

    /// Splits node `ni` in halves until every piece meets the fill rule.
    fn rebalance(&mut self, ni: usize, fill: i64) {
        let mut pending = vec![ni];
        while let Some(ni) = pending.pop() {
            if !self.nodes[ni].over(fill) {
                continue;
            }
            let half = self.nodes[ni].count() / 2;
            let tail = self.nodes[ni].split_off(half);
            self.insert_node(ni + 1, tail);
            pending.push(ni + 1);
            pending.push(ni);
        }
    }

    /// Removes `n` elements from one end (all of them if `n >= len`).
    pub fn drain_end(&mut self, end: End, n: usize) {
        let mut left = n.min(self.len);
        self.len -= left;
        while left > 0 {
            let node = match end {
                End::Head => self.nodes.front_mut(),
                End::Tail => self.nodes.back_mut(),
            }
            .expect("elements left to remove lie in nodes");
            let count = node.count();
            if count <= left {
                left -= count;
                match end {
                    End::Head => self.nodes.pop_front(),
                    End::Tail => self.nodes.pop_back(),
                };
                continue;
            }
            match end {
                End::Head => {
                    let at = node.offset_of(left);
                    node.splice(HEADER, at, None, count - left);
                }
                End::Tail => {
                    let at = node.offset_of(count - left);
                    let stop = node.end();
                    node.splice(at, stop, None, count - left);
                }
            }
            left = 0;
        }
    }

    /// Keeps only elements `start..=stop` (already clamped to the list, with
    /// `start <= stop < len`); LTRIM.
    pub fn retain_range(&mut self, start: usize, stop: usize) {
        let tail = self.len - 1 - stop;
        self.drain_end(End::Tail, tail);
        self.drain_end(End::Head, start);
    }

    /// Removes elements equal to `needle`: up to `limit` of them (0 means
    /// all), scanning from the head, or from the tail when `from_tail`.
    /// Returns how many were removed.
    pub fn remove_matching(&mut self, needle: &Needle<'_>, limit: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let order: Vec<usize> = if from_tail {
            (0..self.nodes.len()).rev().collect()
        } else {
            (0..self.nodes.len()).collect()
        };
        let mut emptied = false;
        for ni in order {
            if limit != 0 && removed == limit {
                break;
            }
            let node = &self.nodes[ni];
            // Entry spans in node order, then the ones to drop.
            let mut spans = Vec::with_capacity(node.count());
            let mut at = HEADER;
            while at < node.end() {
                let (elem, next) = read_entry(node.buf(), at);
                spans.push((at, next, elem.matches(needle)));
                at = next;
            }
            let mut drop = vec![false; spans.len()];
            let mut visit = |k: usize| {
                if spans[k].2 && (limit == 0 || removed < limit) {
                    drop[k] = true;
                    removed += 1;
                }
            };
            if from_tail {
                (0..spans.len()).rev().for_each(&mut visit);
            } else {
                (0..spans.len()).for_each(&mut visit);
            }
            let dropped = drop.iter().filter(|d| **d).count();
            if dropped == 0 {
                continue;
            }
            let kept = spans.len() - dropped;
            if kept == 0 {
                // Left as an empty node and swept out below in one pass, so
                // emptying many nodes stays linear.
                self.nodes[ni] = Node::from_parts(0, &[]);
                emptied = true;
                continue;
            }
            let mut bytes = Vec::with_capacity(node.size());
            for (k, &(s, e, _)) in spans.iter().enumerate() {
                if !drop[k] {
                    bytes.extend_from_slice(&node.buf()[s..e]);
                }
            }
            self.nodes[ni] = Node::from_parts(kept, &bytes);
        }
        if emptied {
            self.nodes.retain(|n| n.count() > 0);
        }
        self.len -= removed;
        removed
    }

    /// The index of the first element equal to `needle`, from the head.
    pub fn position(&self, needle: &Needle<'_>) -> Option<usize> {
        self.iter().position(|e| e.matches(needle))
    }

    /// Elements from the head.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Elements from `index` towards the tail.
    pub fn iter_from(&self, index: usize) -> Iter<'_> {
        if index >= self.len {
            return Iter {
                list: self,
                ni: self.nodes.len(),
                at: 0,
                left: 0,
            };
        }
        let (ni, at) = self.locate(index);
        Iter {
            list: self,
            ni,
            at,
            left: self.len - index,
        }
    }

    /// Elements from `index` towards the head.
    pub fn iter_rev_from(&self, index: usize) -> RevIter<'_> {
        if index >= self.len {
            return RevIter {
                list: self,
                ni: 0,
                end: 0,
                left: 0,
            };
        }
        let (ni, at) = self.locate(index);
        let end = read_entry(self.nodes[ni].buf(), at).1;
        RevIter {
            list: self,
            ni,
            end,
            left: index + 1,
        }
    }

    /// Elements from the tail.
    pub fn iter_rev(&self) -> RevIter<'_> {
        self.iter_rev_from(self.len.wrapping_sub(1))
    }

    /// Checks the internal invariants (node counts add up, no empty node, no
    /// node over its limit after pushes); for tests.
    pub fn check(&self) -> bool {
        let total: usize = self.nodes.iter().map(Node::count).sum();
        let walked = self.nodes.iter().all(|n| {
            let mut at = HEADER;
            let mut k = 0;
            while at < n.end() {
                at = read_entry(n.buf(), at).1;
                k += 1;
            }
            at == n.end() && k == n.count() && k > 0 && n.hi as usize <= n.allocated()
        });
        total == self.len && walked
    }
}

/// Forward iterator over a list's elements.
pub struct Iter<'a> {
    list: &'a List,
    ni: usize,
    at: usize,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        if self.left == 0 {
            return None;
        }
        let mut node = &self.list.nodes[self.ni];
        if self.at >= node.end() {
            self.ni += 1;
            self.at = HEADER;
            node = &self.list.nodes[self.ni];
        }
        let (elem, next) = read_entry(node.buf(), self.at);
        self.at = next;
        self.left -= 1;
        Some(elem)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Backward iterator over a list's elements.
pub struct RevIter<'a> {
    list: &'a List,
    ni: usize,
    /// The end of the next entry to yield in node `ni`.
    end: usize,
    left: usize,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        if self.left == 0 {
            return None;
        }
        if self.end <= HEADER {
            self.ni -= 1;
            self.end = self.list.nodes[self.ni].end();
        }
        let buf = self.list.nodes[self.ni].buf();
        let start = entry_before(buf, self.end);
        self.end = start;
        self.left -= 1;
        Some(read_entry(buf, start).0)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for RevIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn collect(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(|e| e.to_vec()).collect()
    }

    #[test]
    fn entries_round_trip_every_form() {
        let long = vec![b'x'; 70_000];
        let values: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-1".to_vec(),
            b"-129".to_vec(),
            b"9223372036854775807".to_vec(),
            b"-9223372036854775808".to_vec(),
            b"9223372036854775808".to_vec(),
            b"007".to_vec(),
            b"-0".to_vec(),
            b"+1".to_vec(),
            vec![b'a'; 63],
            vec![b'a'; 64],
            vec![b'b'; 300],
            long.clone(),
        ];
        let mut l = List::new();
        for v in &values {
            l.push_back(v, -2);
        }
        assert!(l.check());
        assert_eq!(collect(&l), values);
        let rev: Vec<Vec<u8>> = l.iter_rev().map(|e| e.to_vec()).collect();
        assert_eq!(rev, values.iter().rev().cloned().collect::<Vec<_>>());
        for (i, v) in values.iter().enumerate() {
            assert_eq!(l.get(i).unwrap().to_vec(), *v);
        }
        assert_eq!(l.get(values.len()), None);
        assert_eq!(l.get(1), Some(Elem::Int(0)));
        assert_eq!(l.get(9), Some(Elem::Bytes(b"007")));
    }

    #[test]
    fn int_widths_are_minimal() {
        assert_eq!(int_width(-128), 1);
        assert_eq!(int_width(128), 2);
        assert_eq!(int_width(-32769), 3);
        assert_eq!(int_width(i64::MAX), 8);
        assert_eq!(int_width(i64::MIN), 8);
        for n in [-300i64, 1 << 40, -(1 << 55), i64::MIN, i64::MAX, 200] {
            let s = n.to_string();
            let e = Encoded::new(s.as_bytes());
            let mut b = vec![0u8; e.len()];
            e.write(&mut b);
            assert_eq!(read_entry(&b, 0), (Elem::Int(n), b.len()));
            assert_eq!(entry_before(&b, b.len()), 0);
        }
    }

    #[test]
    fn back_lengths_of_every_width() {
        for size in [0usize, 1, 127, 128, 16383, 16384, 1 << 21, 1 << 28] {
            let mut b = [0u8; 10];
            let n = write_back_len(&mut b, size);
            assert_eq!(n, back_len_size(size));
            // Pretend an entry body of `size` bytes precedes the back length.
            let mut buf = vec![0u8; size + n];
            buf[size..].copy_from_slice(&b[..n]);
            assert_eq!(entry_before(&buf, buf.len()), 0, "size {size}");
        }
    }

    #[test]
    fn nodes_follow_the_fill_rule() {
        // Positive fill: entries per node.
        let mut l = List::new();
        for i in 0..10 {
            l.push_back(format!("e{i}").as_bytes(), 3);
        }
        assert_eq!(l.node_count(), 4);
        // Fill 0 behaves as one entry per node, as in Redis.
        let mut l = List::new();
        for _ in 0..5 {
            l.push_front(b"x", 0);
        }
        assert_eq!(l.node_count(), 5);
        // -1 is 4 KB per node: 60-byte strings (62 bytes with tag and
        // back length) fit 66 to a node.
        let mut l = List::new();
        let v = [b'v'; 60];
        for _ in 0..400 {
            l.push_back(&v, -1);
        }
        assert_eq!(l.node_count(), 7);
        assert!(l.check());
        // A positive fill still caps a node at 8 KB.
        let mut l = List::new();
        let big = [b'b'; 5000];
        l.push_back(&big, 100);
        l.push_back(&big, 100);
        assert_eq!(l.node_count(), 2);
    }

    #[test]
    fn small_list_is_one_tight_node() {
        let mut l = List::new();
        for j in 0..10 {
            l.push_back(format!("v{j}").as_bytes(), -2);
        }
        assert_eq!(l.node_count(), 1);
        assert_eq!(l.nodes.capacity(), 1);
        // Ten 4-byte entries and the 2-byte count, with room to grow of
        // at most half the node again.
        assert_eq!(l.nodes[0].buf().len(), 42);
        assert!(l.nodes[0].allocated() <= 42 + 42 / 2 + 8);
        assert_eq!(l.encoding(), "quicklist");
    }

    #[test]
    fn pushes_keep_room_only_in_the_end_nodes() {
        for head in [true, false] {
            let mut l = List::new();
            for j in 0..20_000 {
                let v = format!("value{j}");
                if head {
                    l.push_front(v.as_bytes(), -2);
                } else {
                    l.push_back(v.as_bytes(), -2);
                }
            }
            assert!(l.check());
            let n = l.node_count();
            assert!(n > 2);
            let end = if head { 0 } else { n - 1 };
            for (i, node) in l.nodes.iter().enumerate() {
                if i == end {
                    assert!(node.allocated() <= node.end() + node.end() / 2 + 8);
                } else {
                    assert_eq!(node.allocated(), node.end(), "inner node {i} keeps room");
                }
            }
        }
    }

    #[test]
    fn pops_give_room_back() {
        let mut l = List::new();
        for j in 0..1000 {
            l.push_back(format!("value{j}").as_bytes(), -2);
        }
        for _ in 0..495 {
            l.pop_front();
            l.pop_back();
        }
        assert_eq!(l.node_count(), 1);
        let node = &l.nodes[0];
        assert!(
            node.allocated() <= 2 * node.end() + 64,
            "{node:?} {}",
            node.allocated()
        );
        assert_eq!(
            l.iter().next().map(|e| e.to_vec()),
            Some(b"value495".to_vec())
        );
    }

    #[test]
    fn insert_splits_full_nodes() {
        let mut l = List::new();
        for i in 0..8 {
            l.push_back(format!("{i}").as_bytes(), 4);
        }
        assert_eq!(l.node_count(), 2);
        l.insert(2, b"new", 4);
        assert!(l.check());
        assert_eq!(l.node_count(), 3);
        let got: Vec<Vec<u8>> = collect(&l);
        let want: Vec<&[u8]> = vec![b"0", b"1", b"new", b"2", b"3", b"4", b"5", b"6", b"7"];
        assert_eq!(got, want);
        // At a boundary with room in the previous node the element goes there.
        l.insert(4, b"b", 4);
        assert!(l.check());
        assert_eq!(l.get(4), Some(Elem::Bytes(b"b")));
    }

    #[test]
    fn set_with_a_big_value_splits() {
        let mut l = List::new();
        for i in 0..100 {
            l.push_back(format!("{i}").as_bytes(), -1);
        }
        assert_eq!(l.node_count(), 1);
        assert!(l.set(50, &[b'z'; 5000], -1));
        assert!(l.check());
        assert!(l.node_count() >= 3, "{:?}", l.nodes);
        assert_eq!(l.get(50).unwrap().to_vec(), vec![b'z'; 5000]);
        assert_eq!(l.get(51), Some(Elem::Int(51)));
        assert!(!l.set(100, b"x", -1));
    }

    #[test]
    fn equality_ignores_node_boundaries() {
        let mut a = List::new();
        let mut b = List::new();
        for i in 0..20 {
            a.push_back(format!("{i}").as_bytes(), 2);
            b.push_back(format!("{i}").as_bytes(), -2);
        }
        assert_ne!(a.node_count(), b.node_count());
        assert_eq!(a, b);
        b.pop_back();
        assert_ne!(a, b);
    }

    /// Operations the model test applies to both a `List` and a `VecDeque`.
    #[derive(Clone, Debug)]
    enum Op {
        Push(bool, Vec<u8>),
        Pop(bool),
        Set(usize, Vec<u8>),
        Insert(usize, Vec<u8>),
        Drain(bool, usize),
        Retain(usize, usize),
        Remove(Vec<u8>, usize, bool),
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (-300i64..300).prop_map(|n| n.to_string().into_bytes()),
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            prop::collection::vec(prop::sample::select(b"ab0-".to_vec()), 0..4),
            (0usize..300).prop_map(|n| vec![b'q'; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<bool>(), value()).prop_map(|(h, v)| Op::Push(h, v)),
            2 => any::<bool>().prop_map(Op::Pop),
            1 => (0usize..200, value()).prop_map(|(i, v)| Op::Set(i, v)),
            1 => (0usize..200, value()).prop_map(|(i, v)| Op::Insert(i, v)),
            1 => (any::<bool>(), 0usize..20).prop_map(|(h, n)| Op::Drain(h, n)),
            1 => (0usize..50, 0usize..200).prop_map(|(a, b)| Op::Retain(a, b)),
            1 => (value(), 0usize..3, any::<bool>()).prop_map(|(v, n, t)| Op::Remove(v, n, t)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn behaves_like_a_deque(
            ops in prop::collection::vec(op(), 1..200),
            fill in prop_oneof![Just(-1i64), Just(-2), Just(1), Just(3), Just(0)],
        ) {
            let mut l = List::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(true, v) => { l.push_front(&v, fill); m.push_front(v); }
                    Op::Push(false, v) => { l.push_back(&v, fill); m.push_back(v); }
                    Op::Pop(true) => prop_assert_eq!(l.pop_front(), m.pop_front()),
                    Op::Pop(false) => prop_assert_eq!(l.pop_back(), m.pop_back()),
                    Op::Set(i, v) => {
                        let ok = l.set(i, &v, fill);
                        prop_assert_eq!(ok, i < m.len());
                        if ok { m[i] = v; }
                    }
                    Op::Insert(i, v) => {
                        let i = i.min(m.len());
                        l.insert(i, &v, fill);
                        m.insert(i, v);
                    }
                    Op::Drain(head, n) => {
                        let end = if head { End::Head } else { End::Tail };
                        l.drain_end(end, n);
                        for _ in 0..n.min(m.len()) {
                            if head { m.pop_front(); } else { m.pop_back(); }
                        }
                    }
                    Op::Retain(a, b) => {
                        if !m.is_empty() {
                            let b = b.min(m.len() - 1);
                            let a = a.min(b);
                            l.retain_range(a, b);
                            m = m.iter().skip(a).take(b - a + 1).cloned().collect();
                        }
                    }
                    Op::Remove(v, limit, from_tail) => {
                        let n = l.remove_matching(&Needle::new(&v), limit, from_tail);
                        let mut removed = 0;
                        let mut keep: Vec<Option<Vec<u8>>> = m.drain(..).map(Some).collect();
                        let idx: Vec<usize> = if from_tail {
                            (0..keep.len()).rev().collect()
                        } else {
                            (0..keep.len()).collect()
                        };
                        for k in idx {
                            if limit != 0 && removed == limit { break; }
                            if keep[k].as_deref() == Some(&v[..]) {
                                keep[k] = None;
                                removed += 1;
                            }
                        }
                        m = keep.into_iter().flatten().collect();
                        prop_assert_eq!(n, removed);
                    }
                }
                prop_assert!(l.check());
                prop_assert_eq!(l.len(), m.len());
            }
            let got: Vec<Vec<u8>> = l.iter().map(|e| e.to_vec()).collect();
            let want: Vec<Vec<u8>> = m.iter().cloned().collect();
            prop_assert_eq!(&got, &want);
            let rev: Vec<Vec<u8>> = l.iter_rev().map(|e| e.to_vec()).collect();
            prop_assert_eq!(rev, want.iter().rev().cloned().collect::<Vec<_>>());
            for i in 0..m.len() {
                prop_assert_eq!(l.get(i).map(|e| e.to_vec()), Some(m[i].clone()));
                prop_assert_eq!(l.iter_from(i).count(), m.len() - i);
                prop_assert_eq!(l.iter_rev_from(i).next().map(|e| e.to_vec()), Some(m[i].clone()));
                prop_assert_eq!(l.position(&Needle::new(&m[i])), m.iter().position(|x| *x == m[i]));
            }
        }
    }
}
