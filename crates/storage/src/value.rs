//! Values stored under keys, with their compact encodings.

/// A value stored under a key. Strings that are canonical decimal integers
/// are kept as `Int` (Redis's "int" encoding).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string holding a canonical 64-bit integer.
    Int(i64),
    /// Any other string.
    Str(RawStr),
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
        }
    }

    /// The encoding name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(s) if s.len() <= 44 => "embstr",
            Value::Str(_) => "raw",
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Str(_))
    }
}

/// Parses `bytes` as an i64 only if it is in canonical form (no sign on zero,
/// no leading zeros or spaces, at most 20 characters).
pub fn canonical_int(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let s = std::str::from_utf8(bytes).ok()?;
    let n: i64 = s.parse().ok()?;
    let mut buf = [0u8; 24];
    let canon = {
        use std::io::Write;
        let mut c = std::io::Cursor::new(&mut buf[..]);
        write!(c, "{n}").ok()?;
        let len = c.position() as usize;
        &buf[..len]
    };
    (canon == bytes).then_some(n)
}

/// A byte string that is not integer-encoded.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RawStr(Vec<u8>);

impl RawStr {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Appends, growing the allocation geometrically (amortized O(1) APPEND).
    pub fn append(&mut self, data: &[u8]) {
        self.0.extend_from_slice(data);
    }
    /// Grows to at least `len` bytes, padding with zero bytes.
    pub fn ensure_len(&mut self, len: usize) {
        if self.0.len() < len {
            self.0.resize(len, 0);
        }
    }
    /// Mutable access to the bytes (length cannot change through it).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl From<&[u8]> for RawStr {
    fn from(b: &[u8]) -> RawStr {
        RawStr(b.to_vec())
    }
}

impl From<Vec<u8>> for RawStr {
    fn from(v: Vec<u8>) -> RawStr {
        RawStr(v)
    }
}
