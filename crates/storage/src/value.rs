//! Values stored under keys, with their compact encodings; this file owns the
//! byte-string representation and must not know about tables or expiry.
//!
//! `Value` is 16 bytes: `RawStr` keeps its form in a one-byte enum whose
//! unused bit patterns give the compiler room to store `Value`'s own tag
//! there, so more variants with pointer-sized payloads keep it at 16.

use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::NonNull;

/// A value stored under a key. Strings that are canonical decimal integers
/// are kept as `Int` (Redis's "int" encoding).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string holding a canonical 64-bit integer.
    Int(i64),
    /// Any other string.
    Str(RawStr),
    List(Box<crate::List>),
    Hash(Box<crate::Hash>),
    Set(Box<crate::Set>),
    /// A sorted set is one word itself (see `ZSet`), so it needs no box.
    ZSet(crate::ZSet),
}

impl Value {
    /// Builds a string value, choosing the integer encoding when `bytes` is
    /// the canonical form of an i64 (as Redis's `tryObjectEncoding` does).
    pub fn string(bytes: &[u8]) -> Value {
        match canonical_int(bytes) {
            Some(n) => Value::Int(n),
            None => Value::Str(RawStr::from(bytes)),
        }
    }

    /// The type name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The encoding name OBJECT ENCODING reports. As in Redis 7.0, a string
    /// created whole (SET, GETSET, ...) of at most 44 bytes is "embstr"; a
    /// longer one, or one modified in place (APPEND, SETRANGE, SETBIT), is
    /// "raw".
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(s) if !s.is_modified() && s.len() <= EMBSTR_MAX => "embstr",
            Value::Str(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Str(_))
    }
}

/// The longest string Redis 7.0 stores with the "embstr" encoding.
pub const EMBSTR_MAX: usize = 44;

/// Parses `bytes` as an i64 only if it is in canonical form (no sign on zero,
/// no leading zeros or spaces, at most 20 characters).
pub fn canonical_int(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let (neg, digits) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    // Canonical means: digits only, no leading zero unless the number is
    // exactly "0", and no "-0".
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || neg) {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        n = n.checked_mul(10)?;
        n = if neg {
            n.checked_sub(d)?
        } else {
            n.checked_add(d)?
        };
    }
    Some(n)
}

/// Which allocation, if any, a `RawStr` owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Form {
    /// Owns exactly `len` bytes (a `Box<[u8]>` allocation); created whole.
    Exact,
    /// As `Exact`, but the bytes were modified in place.
    ExactModified,
    /// Owns a growable buffer: `ptr` points just past a `usize` header that
    /// holds the capacity; the allocation is `HEADER + cap` bytes, 8-aligned.
    /// Only modified strings take this form.
    Grown,
    /// Borrows bytes that live inside a table node. Only the table creates
    /// views, and only behind a shared reference whose lifetime is tied to
    /// the table, so a view can be read or cloned but never mutated, moved
    /// out of its slot, or dropped with the bytes gone.
    View,
}

const HEADER: usize = std::mem::size_of::<usize>();
/// Lengths are kept in 48 bits, far beyond Redis's 512 MB string limit.
const MAX_LEN: usize = (1 << 48) - 1;

/// A byte string that is not integer-encoded.
///
/// Unmodified strings own an exact-size buffer; the first in-place
/// modification (APPEND, SETRANGE, SETBIT) switches to a growable buffer
/// that doubles, so APPEND stays amortized O(1).
pub struct RawStr {
    ptr: NonNull<u8>,
    len_lo: u32,
    len_hi: u16,
    form: Form,
}

// SAFETY: a RawStr either owns its buffer exclusively (like Vec<u8>) or is a
// view that only exists behind a shared borrow of the table holding the bytes,
// so sending or sharing it is as safe as sending a Vec<u8> or a &[u8].
unsafe impl Send for RawStr {}
// SAFETY: see Send; no method mutates through &self.
unsafe impl Sync for RawStr {}

impl RawStr {
    fn exact(bytes: &[u8], modified: bool) -> RawStr {
        let boxed: Box<[u8]> = bytes.into();
        Self::from_box(boxed, modified)
    }

    fn from_box(boxed: Box<[u8]>, modified: bool) -> RawStr {
        let len = boxed.len();
        assert!(len <= MAX_LEN, "string longer than 2^48 bytes");
        let ptr = NonNull::new(Box::into_raw(boxed) as *mut u8).expect("Box is never null");
        let form = if modified {
            Form::ExactModified
        } else {
            Form::Exact
        };
        let mut s = RawStr {
            ptr,
            len_lo: 0,
            len_hi: 0,
            form,
        };
        s.set_len(len);
        s
    }

    /// A view of `len` bytes at `ptr`, owned by someone else.
    ///
    /// # Safety
    /// The bytes must stay valid and unmodified for as long as the view is
    /// reachable, and the view must only ever be exposed through a shared
    /// reference (it must never be moved out, mutated or dropped by a caller
    /// that could outlive the bytes).
    pub(crate) unsafe fn view(ptr: NonNull<u8>, len: usize) -> RawStr {
        let mut s = RawStr {
            ptr,
            len_lo: 0,
            len_hi: 0,
            form: Form::View,
        };
        s.set_len(len);
        s
    }

    fn set_len(&mut self, len: usize) {
        debug_assert!(len <= MAX_LEN);
        self.len_lo = len as u32;
        self.len_hi = (len >> 32) as u16;
    }

    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: in every form `ptr` is valid for reads of `len` bytes
        // (an owned buffer of at least `len` bytes, a dangling-but-aligned
        // pointer when `len` is 0, or a view whose bytes outlive `self`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len()) }
    }

    pub fn len(&self) -> usize {
        self.len_lo as usize | (self.len_hi as usize) << 32
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once the string was changed in place (APPEND, SETRANGE, SETBIT
    /// through `append`, `ensure_len` or `bytes_mut`); OBJECT ENCODING then
    /// reports "raw".
    pub fn is_modified(&self) -> bool {
        matches!(self.form, Form::ExactModified | Form::Grown)
    }

    /// Marks the string as modified in place without changing it.
    pub fn mark_modified(&mut self) {
        match self.form {
            Form::Exact => self.form = Form::ExactModified,
            Form::View => *self = RawStr::exact(self.as_bytes(), true),
            Form::ExactModified | Form::Grown => {}
        }
    }

    fn capacity(&self) -> usize {
        match self.form {
            // SAFETY: a Grown buffer starts HEADER bytes before `ptr` with
            // its capacity written there by `grow_to`.
            Form::Grown => unsafe { self.ptr.as_ptr().sub(HEADER).cast::<usize>().read() },
            _ => self.len(),
        }
    }

    /// Makes the string Grown with room for at least `need` bytes.
    fn reserve_total(&mut self, need: usize) {
        assert!(need <= MAX_LEN, "string longer than 2^48 bytes");
        if self.form == Form::Grown && self.capacity() >= need {
            return;
        }
        // Double while small, then grow by 1 MB steps (as Redis's sds does),
        // which keeps APPEND amortized O(1) without doubling huge strings.
        let cap = if need < (1 << 20) {
            need.max(16).next_power_of_two()
        } else {
            need + (1 << 20)
        };
        let layout = Layout::from_size_align(HEADER + cap, HEADER).expect("layout fits");
        // SAFETY: the layout has non-zero size.
        let base = unsafe { alloc::alloc(layout) };
        if base.is_null() {
            alloc::handle_alloc_error(layout);
        }
        let len = self.len();
        // SAFETY: `base` is a fresh allocation of HEADER + cap bytes, 8-aligned;
        // we write the capacity header and copy `len <= cap` bytes from the
        // old buffer, which does not overlap the new one.
        let new = unsafe {
            base.cast::<usize>().write(cap);
            let data = base.add(HEADER);
            std::ptr::copy_nonoverlapping(self.ptr.as_ptr(), data, len);
            NonNull::new_unchecked(data)
        };
        let old = std::mem::replace(
            self,
            RawStr {
                ptr: new,
                len_lo: 0,
                len_hi: 0,
                form: Form::Grown,
            },
        );
        self.set_len(len);
        drop(old);
    }

    /// Appends, growing the allocation geometrically (amortized O(1) APPEND).
    pub fn append(&mut self, data: &[u8]) {
        let len = self.len();
        self.reserve_total(len + data.len());
        // SAFETY: reserve_total made this a Grown buffer with capacity for
        // len + data.len() bytes; `data` cannot alias it since we hold
        // `&mut self`.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.as_ptr().add(len), data.len());
        }
        self.set_len(len + data.len());
    }

    /// Grows to at least `len` bytes, padding with zero bytes.
    pub fn ensure_len(&mut self, len: usize) {
        let old = self.len();
        if old >= len {
            self.mark_modified();
            return;
        }
        self.reserve_total(len);
        // SAFETY: the buffer has capacity for `len` bytes; we zero the new tail.
        unsafe { std::ptr::write_bytes(self.ptr.as_ptr().add(old), 0, len - old) };
        self.set_len(len);
    }

    /// Mutable access to the bytes (length cannot change through it). Marks
    /// the string as modified.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.mark_modified();
        // SAFETY: after mark_modified the string owns its buffer (never a
        // view), valid for `len` bytes, and `&mut self` makes access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len()) }
    }

    /// The bytes as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    /// Heap bytes this string owns (for memory accounting).
    pub fn heap_size(&self) -> usize {
        match self.form {
            Form::Exact | Form::ExactModified => self.len(),
            Form::Grown => HEADER + self.capacity(),
            Form::View => 0,
        }
    }
}

impl Drop for RawStr {
    fn drop(&mut self) {
        match self.form {
            Form::View => {}
            Form::Exact | Form::ExactModified => {
                let len = self.len();
                if len > 0 {
                    // SAFETY: an Exact buffer came from Box<[u8]> of exactly
                    // `len` bytes, so rebuilding that box frees it correctly.
                    unsafe {
                        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                            self.ptr.as_ptr(),
                            len,
                        )))
                    };
                }
            }
            Form::Grown => {
                let cap = self.capacity();
                let layout = Layout::from_size_align(HEADER + cap, HEADER).expect("layout fits");
                // SAFETY: a Grown buffer was allocated by reserve_total with
                // exactly this layout, starting HEADER bytes before `ptr`.
                unsafe { alloc::dealloc(self.ptr.as_ptr().sub(HEADER), layout) };
            }
        }
    }
}

impl Clone for RawStr {
    /// Clones always own their bytes, even when cloned from a view.
    fn clone(&self) -> RawStr {
        RawStr::exact(self.as_bytes(), self.is_modified())
    }
}

impl Default for RawStr {
    fn default() -> RawStr {
        RawStr::from_box(Box::default(), false)
    }
}

impl PartialEq for RawStr {
    fn eq(&self, other: &RawStr) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for RawStr {}

impl fmt::Debug for RawStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawStr(\"{}\")", self.as_bytes().escape_ascii())
    }
}

impl From<&[u8]> for RawStr {
    fn from(b: &[u8]) -> RawStr {
        RawStr::exact(b, false)
    }
}

impl From<Vec<u8>> for RawStr {
    fn from(v: Vec<u8>) -> RawStr {
        // into_boxed_slice reuses the allocation when it is already exact.
        RawStr::from_box(v.into_boxed_slice(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<RawStr>(), 16);
        assert_eq!(std::mem::size_of::<Value>(), 16);
    }

    #[test]
    fn canonical_ints() {
        for (s, want) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-0", None),
            ("01", None),
            ("+1", None),
            (" 1", None),
            ("", None),
            ("-", None),
            ("1a", None),
        ] {
            assert_eq!(canonical_int(s.as_bytes()), want, "{s}");
        }
    }

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(Value::string(b"123").encoding(), "int");
        assert_eq!(Value::string(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(Value::string(&[b'a'; 45]).encoding(), "raw");
        let mut s = RawStr::from(&b"ab"[..]);
        s.append(b"c");
        assert_eq!(Value::Str(s.clone()).encoding(), "raw");
        let mut t = RawStr::from(&b"ab"[..]);
        t.bytes_mut()[0] = b'x';
        assert_eq!(t.as_bytes(), b"xb");
        assert!(t.is_modified());
        assert!(t.clone().is_modified());
    }

    #[test]
    fn append_and_grow() {
        let mut s = RawStr::default();
        assert!(s.is_empty());
        let mut model = Vec::new();
        for i in 0..2000u32 {
            let chunk = i.to_le_bytes();
            s.append(&chunk);
            model.extend_from_slice(&chunk);
        }
        assert_eq!(s.as_bytes(), &model[..]);
        s.ensure_len(10_000);
        model.resize(10_000, 0);
        assert_eq!(s.as_bytes(), &model[..]);
        s.bytes_mut()[9_999] = 7;
        model[9_999] = 7;
        assert_eq!(s.as_bytes(), &model[..]);
        let c = s.clone();
        assert_eq!(c, s);
        assert_eq!(RawStr::from(model.clone()).as_bytes(), &model[..]);
    }

    #[test]
    fn views_clone_into_owned() {
        let bytes = b"hello".to_vec();
        // SAFETY: `bytes` outlives the view, which is only read here.
        let v = unsafe { RawStr::view(NonNull::new(bytes.as_ptr() as *mut u8).unwrap(), 5) };
        let c = v.clone();
        drop(v);
        drop(bytes);
        assert_eq!(c.as_bytes(), b"hello");
    }
}
