//! The `Reply` value a test receives from a server, in RESP2 and RESP3 shapes; it does no I/O.
//!
//! Every wire type keeps the distinctions the wire makes (a RESP2 nil bulk, a RESP2 nil
//! array and a RESP3 null are three values), so two replies compare equal exactly when the
//! servers sent the same bytes. Doubles and big numbers keep their text for the same reason.

use std::fmt;

/// One reply frame as the server sent it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reply {
    /// `+text`
    Simple(String),
    /// `-text`: the whole line, prefix included (`ERR ...`, `WRONGTYPE ...`).
    Error(String),
    /// `:n`
    Int(i64),
    /// `$n` with a payload.
    Bulk(Vec<u8>),
    /// `$-1`, RESP2's missing value.
    Nil,
    /// `*-1`, RESP2's missing array (BLPOP timeout, EXEC abort).
    NilArray,
    /// `_`, RESP3's null.
    Null,
    /// `*n`
    Array(Vec<Reply>),
    /// `%n`, pairs kept in wire order.
    Map(Vec<(Reply, Reply)>),
    /// `~n`, members kept in wire order.
    Set(Vec<Reply>),
    /// `,text`, kept as text so `inf` and precision compare exactly.
    Double(String),
    /// `#t` / `#f`
    Bool(bool),
    /// `=n` with its three-letter format (`txt`, `mkd`).
    Verbatim { format: String, text: Vec<u8> },
    /// `>n`, an out-of-band message such as a pub/sub delivery.
    Push(Vec<Reply>),
    /// `(digits`
    BigNum(String),
    /// `!n`, an error carried as a blob.
    BlobError(Vec<u8>),
}

impl Reply {
    /// The `+OK` reply.
    pub fn ok() -> Reply {
        Reply::Simple("OK".into())
    }

    /// A simple-string reply.
    pub fn simple(s: &str) -> Reply {
        Reply::Simple(s.into())
    }

    /// A bulk reply holding `b`.
    pub fn bulk(b: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(b.as_ref().to_vec())
    }

    /// An array of bulk strings, the shape of MGET/KEYS replies.
    pub fn bulks<B: AsRef<[u8]>>(items: &[B]) -> Reply {
        Reply::Array(items.iter().map(Reply::bulk).collect())
    }

    /// True for either kind of error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_) | Reply::BlobError(_))
    }

    /// True for every way of saying "nothing": RESP2 nil bulk, nil array and RESP3 null.
    pub fn is_nil(&self) -> bool {
        matches!(self, Reply::Nil | Reply::NilArray | Reply::Null)
    }

    /// The error text, if this is an error.
    pub fn error_text(&self) -> Option<String> {
        match self {
            Reply::Error(s) => Some(s.clone()),
            Reply::BlobError(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    /// The integer, if this is an integer reply.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The bytes of a bulk, simple, verbatim or double reply.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(b) | Reply::BlobError(b) => Some(b),
            Reply::Verbatim { text, .. } => Some(text),
            Reply::Simple(s) | Reply::Double(s) | Reply::BigNum(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// The text of a bulk or simple reply, lossily decoded.
    pub fn as_string(&self) -> Option<String> {
        self.as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// The elements of an array, set or push reply.
    pub fn as_array(&self) -> Option<&[Reply]> {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => Some(v),
            _ => None,
        }
    }

    /// The exact wire bytes of this reply, as a server would have sent them.
    pub fn to_resp(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// The wire form as text (lossy for non-UTF-8 payloads), for exact assertions like
    /// `assert_eq!(r.to_resp_string(), "+OK\r\n")`.
    pub fn to_resp_string(&self) -> String {
        String::from_utf8_lossy(&self.to_resp()).into_owned()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        fn line(out: &mut Vec<u8>, prefix: u8, text: &str) {
            out.push(prefix);
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        fn blob(out: &mut Vec<u8>, prefix: u8, payload: &[u8]) {
            line(out, prefix, &payload.len().to_string());
            out.extend_from_slice(payload);
            out.extend_from_slice(b"\r\n");
        }
        fn many(out: &mut Vec<u8>, prefix: u8, items: &[Reply]) {
            line(out, prefix, &items.len().to_string());
            for it in items {
                it.encode(out);
            }
        }
        match self {
            Reply::Simple(s) => line(out, b'+', s),
            Reply::Error(s) => line(out, b'-', s),
            Reply::Int(n) => line(out, b':', &n.to_string()),
            Reply::Bulk(b) => blob(out, b'$', b),
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Null => out.extend_from_slice(b"_\r\n"),
            Reply::Array(v) => many(out, b'*', v),
            Reply::Set(v) => many(out, b'~', v),
            Reply::Push(v) => many(out, b'>', v),
            Reply::Map(pairs) => {
                line(out, b'%', &pairs.len().to_string());
                for (k, v) in pairs {
                    k.encode(out);
                    v.encode(out);
                }
            }
            Reply::Double(s) => line(out, b',', s),
            Reply::Bool(b) => line(out, b'#', if *b { "t" } else { "f" }),
            Reply::Verbatim { format, text } => {
                let mut payload = format.as_bytes().to_vec();
                payload.push(b':');
                payload.extend_from_slice(text);
                blob(out, b'=', &payload);
            }
            Reply::BigNum(s) => line(out, b'(', s),
            Reply::BlobError(b) => blob(out, b'!', b),
        }
    }
}

/// Writes bytes the way a test log wants to see them: printable ASCII as is, the rest escaped.
fn quoted(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    f.write_str("\"")?;
    for &c in b {
        match c {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            b'\r' => f.write_str("\\r")?,
            b'\n' => f.write_str("\\n")?,
            b'\t' => f.write_str("\\t")?,
            0x20..=0x7e => write!(f, "{}", c as char)?,
            _ => write!(f, "\\x{c:02x}")?,
        }
    }
    f.write_str("\"")
}

/// A one-line rendering in the spirit of `redis-cli --no-raw`, used in failure messages.
impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Reply]) -> fmt::Result {
            f.write_str(open)?;
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{it}")?;
            }
            f.write_str("]")
        }
        match self {
            Reply::Simple(s) => write!(f, "{s}"),
            Reply::Error(s) => write!(f, "(error) {s}"),
            Reply::Int(n) => write!(f, "(integer) {n}"),
            Reply::Bulk(b) => quoted(f, b),
            Reply::Nil => f.write_str("(nil)"),
            Reply::NilArray => f.write_str("(nil array)"),
            Reply::Null => f.write_str("(null)"),
            Reply::Array(v) => list(f, "[", v),
            Reply::Set(v) => list(f, "(set) [", v),
            Reply::Push(v) => list(f, "(push) [", v),
            Reply::Map(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Reply::Double(s) => write!(f, "(double) {s}"),
            Reply::Bool(b) => write!(f, "({b})"),
            Reply::Verbatim { format, text } => {
                write!(f, "(verbatim {format}) ")?;
                quoted(f, text)
            }
            Reply::BigNum(s) => write!(f, "(big number) {s}"),
            Reply::BlobError(b) => {
                f.write_str("(blob error) ")?;
                quoted(f, b)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_rendering_is_exact() {
        let r = Reply::Array(vec![
            Reply::ok(),
            Reply::Int(-3),
            Reply::bulk("a\r\nb"),
            Reply::Nil,
            Reply::Null,
            Reply::NilArray,
        ]);
        assert_eq!(
            r.to_resp_string(),
            "*6\r\n+OK\r\n:-3\r\n$4\r\na\r\nb\r\n$-1\r\n_\r\n*-1\r\n"
        );
        let m = Reply::Map(vec![(Reply::simple("k"), Reply::Double("1.5".into()))]);
        assert_eq!(m.to_resp_string(), "%1\r\n+k\r\n,1.5\r\n");
        let v = Reply::Verbatim {
            format: "txt".into(),
            text: b"hi".to_vec(),
        };
        assert_eq!(v.to_resp_string(), "=6\r\ntxt:hi\r\n");
        assert_eq!(Reply::Bool(false).to_resp_string(), "#f\r\n");
        assert_eq!(Reply::BigNum("12".into()).to_resp_string(), "(12\r\n");
    }

    #[test]
    fn display_escapes_binary() {
        let r = Reply::Array(vec![Reply::bulk(b"a\x00\"".as_slice()), Reply::Int(1)]);
        assert_eq!(r.to_string(), r#"["a\x00\"", (integer) 1]"#);
    }

    #[test]
    fn nil_kinds_differ_but_all_are_nil() {
        assert_ne!(Reply::Nil, Reply::Null);
        assert!(Reply::Nil.is_nil() && Reply::Null.is_nil() && Reply::NilArray.is_nil());
        assert!(!Reply::bulk("").is_nil());
    }
}
