//! The hash type: a packed byte buffer of field/value pairs while small
//! (Redis's "listpack" encoding), a chained hash table with a reverse-binary
//! scan cursor once large ("hashtable"). It must not know about commands,
//! RESP or the configuration file: the size thresholds come in as [`Limits`].
//!
//! # The packed form
//!
//! One exact-size allocation holds the pairs one after the other, field then
//! value, each element a tag byte followed by its payload:
//!
//! | tag           | element                                        |
//! | ------------- | ---------------------------------------------- |
//! | `0x00..=0x7F` | the integer 0..=127 itself (no payload)        |
//! | `0x80..=0xBF` | a string of `tag - 0x80` (0..=63) bytes         |
//! | `0xC0`        | an integer in 2 little-endian bytes             |
//! | `0xC1`        | an integer in 3 little-endian bytes             |
//! | `0xC2`        | an integer in 4 little-endian bytes             |
//! | `0xC3`        | an integer in 8 little-endian bytes             |
//! | `0xC4`        | a string whose length follows as a `u32`        |
//!
//! Only strings that are the canonical text of an i64 are stored as integers,
//! so the text always comes back byte for byte. There is no back-pointer per
//! element (Redis's listpack has one so it can walk backwards; no hash
//! command needs that), which is what lets this form stay smaller than
//! Redis's for the same pairs. Every lookup is a linear walk, which the
//! thresholds keep short, as in Redis.
//!
//! # The table form
//!
//! A `dict::FieldTable`: the keyspace's chained table with one allocation
//! per pair (a 16-byte header with the chain link, 8 hash bits and both
//! lengths, then the field and value bytes), so a probe costs one cache miss
//! per node and skips other fields by their header alone. It grows when it
//! holds as many pairs as buckets and shrinks when under a tenth full, moving
//! the buckets over incrementally: each write moves one, and so does each
//! lookup of the key through the keyspace (`Hash::rehash_step`), while the
//! hash's own reads, which take `&self`, look in both arrays meanwhile; so no
//! write stalls on a big hash and a hash that is only read still finishes
//! its resize. SCAN walks buckets in reverse-binary order (the order of Redis's
//! `dictScan`), so a cursor stays meaningful across any number of resizes
//! between calls and every field present for the whole scan is returned at
//! least once. A value overwritten with one of the same length is written in
//! place.

use crate::dict::{FieldIter, FieldTable};
use rand::Rng;
use std::fmt;
use std::ops::Deref;

/// The size thresholds of the packed form (`hash-max-listpack-entries` and
/// `hash-max-listpack-value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most pairs the packed form may hold.
    pub entries: u64,
    /// Longest field or value (bytes) the packed form may hold.
    pub value: u64,
}

impl Default for Limits {
    /// Redis's defaults: 512 entries, 64 bytes.
    fn default() -> Limits {
        Limits {
            entries: 512,
            value: 64,
        }
    }
}

/// Largest size of a packed buffer (Redis's `LISTPACK_MAX_SAFETY_SIZE`):
/// a write that would take it past this converts to the table first.
const PACK_MAX_BYTES: usize = 1 << 30;

// ---------------------------------------------------------------------------
// Elements handed out to callers.
// ---------------------------------------------------------------------------

/// A field or value read from a hash: bytes borrowed from the hash, or the
/// text of a packed integer formatted on the spot. Dereferences to the bytes.
#[derive(Clone, Copy)]
pub struct Elem<'a>(ElemRepr<'a>);

#[derive(Clone, Copy)]
enum ElemRepr<'a> {
    Bytes(&'a [u8]),
    /// Decimal text of an integer, right-aligned in the buffer.
    Digits {
        start: u8,
        buf: [u8; 20],
    },
}

impl<'a> Elem<'a> {
    fn bytes(b: &'a [u8]) -> Elem<'a> {
        Elem(ElemRepr::Bytes(b))
    }

    fn int(n: i64) -> Elem<'a> {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut v = n.unsigned_abs();
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        Elem(ElemRepr::Digits {
            start: i as u8,
            buf,
        })
    }
}

impl Deref for Elem<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            ElemRepr::Bytes(b) => b,
            ElemRepr::Digits { start, buf } => &buf[*start as usize..],
        }
    }
}

impl fmt::Debug for Elem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.escape_ascii())
    }
}

impl PartialEq<[u8]> for Elem<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

// ---------------------------------------------------------------------------
// The packed form.
// ---------------------------------------------------------------------------

const TAG_STR6: u8 = 0x80;
const TAG_INT16: u8 = 0xC0;
const TAG_INT24: u8 = 0xC1;
const TAG_INT32: u8 = 0xC2;
const TAG_INT64: u8 = 0xC3;
const TAG_STR32: u8 = 0xC4;

/// One element as stored.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl<'a> Raw<'a> {
    fn elem(self) -> Elem<'a> {
        match self {
            Raw::Int(n) => Elem::int(n),
            Raw::Str(s) => Elem::bytes(s),
        }
    }
}

/// A field being looked for, with its integer form worked out once.
struct Probe<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Probe<'a> {
    fn new(bytes: &'a [u8]) -> Probe<'a> {
        Probe {
            bytes,
            int: crate::value::canonical_int(bytes),
        }
    }

    fn matches(&self, raw: Raw<'_>) -> bool {
        match raw {
            Raw::Int(n) => self.int == Some(n),
            Raw::Str(s) => s == self.bytes,
        }
    }
}

/// Reads the element at `pos`; returns it and the position after it. The
/// buffer is only ever written by `encode`, so its tags are well formed.
fn read(buf: &[u8], pos: usize) -> (Raw<'_>, usize) {
    let tag = buf[pos];
    let p = pos + 1;
    let le = |n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&buf[p..p + n]);
        // Sign-extend from the top byte that was stored.
        let shift = 64 - 8 * n as u32;
        ((i64::from_le_bytes(b)) << shift) >> shift
    };
    match tag {
        0..=0x7F => (Raw::Int(tag as i64), p),
        0x80..=0xBF => {
            let n = (tag - TAG_STR6) as usize;
            (Raw::Str(&buf[p..p + n]), p + n)
        }
        TAG_INT16 => (Raw::Int(le(2)), p + 2),
        TAG_INT24 => (Raw::Int(le(3)), p + 3),
        TAG_INT32 => (Raw::Int(le(4)), p + 4),
        TAG_INT64 => (Raw::Int(le(8)), p + 8),
        _ => {
            debug_assert_eq!(tag, TAG_STR32);
            let n = u32::from_le_bytes(buf[p..p + 4].try_into().expect("4 bytes")) as usize;
            (Raw::Str(&buf[p + 4..p + 4 + n]), p + 4 + n)
        }
    }
}

/// The integer width (in bytes, 0 for the tag-only form) that holds `n`.
fn int_width(n: i64) -> usize {
    match n {
        0..=0x7F => 0,
        -0x8000..=0x7FFF => 2,
        -0x80_0000..=0x7F_FFFF => 3,
        -0x8000_0000..=0x7FFF_FFFF => 4,
        _ => 8,
    }
}

/// Bytes `bytes` takes once encoded.
fn encoded_len(bytes: &[u8]) -> usize {
    match crate::value::canonical_int(bytes) {
        Some(n) => 1 + int_width(n),
        None if bytes.len() < 64 => 1 + bytes.len(),
        None => 5 + bytes.len(),
    }
}

/// Appends the encoding of `bytes` to `out`.
fn encode(out: &mut Vec<u8>, bytes: &[u8]) {
    if let Some(n) = crate::value::canonical_int(bytes) {
        let w = int_width(n);
        match w {
            0 => out.push(n as u8),
            _ => {
                out.push(match w {
                    2 => TAG_INT16,
                    3 => TAG_INT24,
                    4 => TAG_INT32,
                    _ => TAG_INT64,
                });
                out.extend_from_slice(&n.to_le_bytes()[..w]);
            }
        }
    } else if bytes.len() < 64 {
        out.push(TAG_STR6 + bytes.len() as u8);
        out.extend_from_slice(bytes);
    } else {
        // The packed form never grows past PACK_MAX_BYTES, so this fits.
        out.push(TAG_STR32);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
}

/// Field/value pairs packed into one exact-size buffer.
#[derive(Clone, Default)]
struct Pack {
    buf: Box<[u8]>,
}

/// Where a pair sits in a packed buffer.
struct Slot {
    field_start: usize,
    value_start: usize,
    value_end: usize,
}

impl Pack {
    fn find(&self, field: &[u8]) -> Option<Slot> {
        let probe = Probe::new(field);
        let mut pos = 0;
        while pos < self.buf.len() {
            let (f, vpos) = read(&self.buf, pos);
            let (_, next) = read(&self.buf, vpos);
            if probe.matches(f) {
                return Some(Slot {
                    field_start: pos,
                    value_start: vpos,
                    value_end: next,
                });
            }
            pos = next;
        }
        None
    }

    fn get(&self, field: &[u8]) -> Option<Elem<'_>> {
        let slot = self.find(field)?;
        Some(read(&self.buf, slot.value_start).0.elem())
    }

    /// Sets `field` to `value`; true when the field is new.
    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some(slot) => {
                let old = slot.value_end - slot.value_start;
                let new = encoded_len(value);
                if new == old {
                    // Same size: overwrite in place, no reallocation.
                    let mut enc = Vec::with_capacity(new);
                    encode(&mut enc, value);
                    self.buf[slot.value_start..slot.value_end].copy_from_slice(&enc);
                } else {
                    let mut v = Vec::with_capacity(self.buf.len() - old + new);
                    v.extend_from_slice(&self.buf[..slot.value_start]);
                    encode(&mut v, value);
                    v.extend_from_slice(&self.buf[slot.value_end..]);
                    self.replace(v);
                }
                false
            }
            None => {
                let mut v =
                    Vec::with_capacity(self.buf.len() + encoded_len(field) + encoded_len(value));
                v.extend_from_slice(&self.buf);
                encode(&mut v, field);
                encode(&mut v, value);
                self.replace(v);
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(slot) = self.find(field) else {
            return false;
        };
        let mut v = Vec::with_capacity(self.buf.len() - (slot.value_end - slot.field_start));
        v.extend_from_slice(&self.buf[..slot.field_start]);
        v.extend_from_slice(&self.buf[slot.value_end..]);
        self.replace(v);
        true
    }

    /// Installs a buffer built at its exact final size. Writes build a new
    /// buffer rather than reallocating the old one: an allocator may keep a
    /// reallocated block in place with room to spare (mimalloc does, within
    /// half its size), and that slack would cost every small hash memory.
    fn replace(&mut self, v: Vec<u8>) {
        debug_assert_eq!(v.len(), v.capacity());
        self.buf = v.into_boxed_slice();
    }

    /// Number of pairs. Counted by walking the tags rather than stored: a
    /// stored count would make every `Hash` box 8 bytes larger (24 instead
    /// of 16 bytes, which mimalloc serves as 32), and the walk is bounded by
    /// `hash-max-listpack-entries` like every other packed operation.
    fn len(&self) -> usize {
        let mut n = 0;
        let mut pos = 0;
        while pos < self.buf.len() {
            pos = read(&self.buf, pos).1;
            n += 1;
        }
        n / 2
    }

    fn iter(&self) -> PackIter<'_> {
        PackIter {
            buf: &self.buf,
            pos: 0,
        }
    }
}

struct PackIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (Elem<'a>, Elem<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (f, vpos) = read(self.buf, self.pos);
        let (v, next) = read(self.buf, vpos);
        self.pos = next;
        Some((f.elem(), v.elem()))
    }
}

// ---------------------------------------------------------------------------
// The table form.
// ---------------------------------------------------------------------------

/// The table form: one node per pair (see `dict::FieldTable`).
type Table = FieldTable<true>;

/// Iterator over the table form's pairs.
struct TableIter<'a>(FieldIter<'a, true>);

impl<'a> Iterator for TableIter<'a> {
    type Item = (Elem<'a>, Elem<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        let (f, v) = self.0.next()?;
        Some((Elem::bytes(f), Elem::bytes(v)))
    }
}

// ---------------------------------------------------------------------------
// The hash.
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum Repr {
    Pack(Pack),
    Table(Box<Table>),
}

/// A hash value: field/value pairs with unique fields.
#[derive(Clone)]
pub struct Hash {
    repr: Repr,
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::new()
    }
}

/// Iterator over the pairs of a hash, in storage order.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Pack(PackIter<'a>),
    Table(TableIter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Elem<'a>, Elem<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Pack(i) => i.next(),
            IterRepr::Table(i) => i.next(),
        }
    }
}

impl Hash {
    /// An empty hash in the packed form.
    pub fn new() -> Hash {
        Hash {
            repr: Repr::Pack(Pack::default()),
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoding name OBJECT ENCODING reports (Redis 7.0's names).
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True while the hash is in the packed form.
    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<Elem<'_>> {
        match &self.repr {
            Repr::Pack(p) => p.get(field),
            Repr::Table(t) => t.get(field).map(|(_, v)| Elem::bytes(v)),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Pack(p) => p.find(field).is_some(),
            Repr::Table(t) => t.contains(field),
        }
    }

    /// Moves a resize of the table form one bucket along (a no-op when
    /// packed or when no resize is under way). Writes do this themselves;
    /// the keyspace calls it on every lookup of the key, so that a hash that
    /// is only read still finishes its resize, as Redis's `dictFind` does a
    /// rehash step.
    pub fn rehash_step(&mut self) {
        if let Repr::Table(t) = &mut self.repr {
            t.rehash_step();
        }
    }

    /// Whether the table form is between two bucket arrays (tests).
    #[cfg(test)]
    pub(crate) fn is_rehashing(&self) -> bool {
        matches!(&self.repr, Repr::Table(t) if t.is_rehashing())
    }

    /// Moves the pairs into the table form (Redis never converts back).
    pub fn convert_to_table(&mut self) {
        let Repr::Pack(p) = &self.repr else {
            return;
        };
        let mut t = Table::with_capacity(p.len());
        for (f, v) in p.iter() {
            t.insert_new(&f, &v);
        }
        self.repr = Repr::Table(Box::new(t));
    }

    /// Redis's `hashTypeTryConversion`, run before a write with the lengths
    /// of the strings it is about to store: converts to the table form when
    /// one of them is longer than `limits.value`, or when together they could
    /// take the packed buffer past its safe size.
    pub fn prepare(&mut self, lens: impl IntoIterator<Item = usize>, limits: Limits) {
        let Repr::Pack(p) = &self.repr else {
            return;
        };
        let mut sum = p.buf.len();
        for n in lens {
            if n as u64 > limits.value {
                return self.convert_to_table();
            }
            sum = sum.saturating_add(n);
        }
        if sum > PACK_MAX_BYTES {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value`; returns true when the field is new. Converts
    /// to the table form first when either string is too long for the packed
    /// form, and after the write when the hash has more than
    /// `limits.entries` pairs (as Redis's `hashTypeSet`).
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if let Repr::Pack(p) = &self.repr {
            if field.len() as u64 > limits.value
                || value.len() as u64 > limits.value
                || p.buf.len() + field.len() + value.len() + 10 > PACK_MAX_BYTES
            {
                self.convert_to_table();
            }
        }
        match &mut self.repr {
            Repr::Pack(p) => {
                let added = p.set(field, value);
                if p.len() as u64 > limits.entries {
                    self.convert_to_table();
                }
                added
            }
            Repr::Table(t) => t.set(field, value),
        }
    }

    /// Removes `field`; returns whether it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Pack(p) => p.remove(field),
            Repr::Table(t) => t.remove(field),
        }
    }

    /// The pairs, in storage order (insertion order while packed).
    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.repr {
            Repr::Pack(p) => IterRepr::Pack(p.iter()),
            Repr::Table(t) => IterRepr::Table(TableIter(t.iter())),
        })
    }

    /// One step of a SCAN: in the packed form every pair, whatever the
    /// cursor, and cursor 0 back (as Redis does for its compact encodings);
    /// in the table form the pairs of the bucket the cursor names, and the
    /// next cursor (0 once the walk is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Elem<'_>, Elem<'_>)) -> u64 {
        match &self.repr {
            Repr::Pack(p) => {
                for (k, v) in p.iter() {
                    f(k, v);
                }
                0
            }
            Repr::Table(t) => t.scan(cursor, |k, v| f(Elem::bytes(k), Elem::bytes(v))),
        }
    }

    /// A pair chosen uniformly at random from the packed form, or nearly so
    /// from the table (a random bucket, then a random entry of its chain).
    pub fn random(&self, rng: &mut impl Rng) -> Option<(Elem<'_>, Elem<'_>)> {
        match &self.repr {
            Repr::Pack(p) => {
                let n = p.len();
                if n == 0 {
                    return None;
                }
                p.iter().nth(rng.gen_range(0..n))
            }
            Repr::Table(t) => t.random(rng).map(|(k, v)| (Elem::bytes(k), Elem::bytes(v))),
        }
    }

    /// Heap bytes the hash owns beyond its own box (for memory reports).
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.buf.len(),
            Repr::Table(t) => t.heap_size(),
        }
    }
}

impl PartialEq for Hash {
    /// Equal when the same fields map to the same values, whatever the
    /// encoding or order.
    fn eq(&self, other: &Hash) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(f, v)| other.get(&f).is_some_and(|o| *o == *v))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({}) ", self.encoding())?;
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests;
