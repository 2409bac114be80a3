//! Command parser: checks that a whole command is buffered before taking it
//! out of the buffer, so a partial command costs one scan and no allocation.

use bytes::{Buf, Bytes, BytesMut};

/// Limits applied while parsing, with Redis's names and defaults.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `proto-max-bulk-len`: the longest bulk string accepted (512mb).
    pub max_bulk_len: usize,
    /// Longest inline command line (Redis: 64kb).
    pub max_inline_len: usize,
    /// Most elements in one multibulk (Redis: 1024*1024*1024 - 1 with INT_MAX check).
    pub max_multibulk_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_inline_len: 64 * 1024,
            max_multibulk_len: i32::MAX as usize,
        }
    }
}

/// Malformed input. The connection replies `-ERR Protocol error: <msg>` and closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protocol error: {}", self.0)
    }
}

fn perr(msg: &str) -> ProtocolError {
    ProtocolError(msg.to_string())
}

/// Takes one complete command off the front of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed (nothing is consumed),
/// `Ok(Some(args))` for a command (an empty inline line yields an empty vec,
/// which callers skip), or an error for malformed input.
pub fn parse_command(
    buf: &mut BytesMut,
    limits: &Limits,
) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] == b'*' {
        parse_multibulk(buf, limits)
    } else {
        parse_inline(buf, limits)
    }
}

fn find_crlf(b: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'\r', &b[from..]).map(|i| i + from)
}

/// Parses a decimal length between `start` and the CR at `end`.
fn parse_len(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let (neg, digits) = if b[0] == b'-' {
        (true, &b[1..])
    } else {
        (false, b)
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    Some(if neg { -v } else { v })
}

fn parse_multibulk(
    buf: &mut BytesMut,
    limits: &Limits,
) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let b = &buf[..];
    let Some(cr) = find_crlf(b, 1) else {
        if b.len() > limits.max_inline_len {
            return Err(perr("too big mbulk count string"));
        }
        return Ok(None);
    };
    if cr + 1 >= b.len() {
        return Ok(None);
    }
    let count = match parse_len(&b[1..cr]) {
        Some(n) if n <= limits.max_multibulk_len as i64 => n,
        _ => return Err(perr("invalid multibulk length")),
    };
    let mut pos = cr + 2;
    if count <= 0 {
        buf.advance(pos);
        return Ok(Some(Vec::new()));
    }
    // Check pass: find where every bulk starts and that all are complete.
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity((count as usize).min(1024));
    for _ in 0..count {
        if pos >= b.len() {
            return Ok(None);
        }
        if b[pos] != b'$' {
            return Err(ProtocolError(format!(
                "expected '$', got '{}'",
                b[pos] as char
            )));
        }
        let Some(cr) = find_crlf(b, pos + 1) else {
            if b.len() - pos > limits.max_inline_len {
                return Err(perr("too big bulk count string"));
            }
            return Ok(None);
        };
        let len = match parse_len(&b[pos + 1..cr]) {
            Some(n) if n >= 0 && n as usize <= limits.max_bulk_len => n as usize,
            _ => return Err(perr("invalid bulk length")),
        };
        let start = cr + 2;
        if start + len + 2 > b.len() {
            return Ok(None);
        }
        if &b[start + len..start + len + 2] != b"\r\n" {
            return Err(perr("expected CRLF after bulk"));
        }
        spans.push((start, len));
        pos = start + len + 2;
    }
    let frame = buf.split_to(pos).freeze();
    Ok(Some(
        spans
            .into_iter()
            .map(|(s, l)| frame.slice(s..s + l))
            .collect(),
    ))
}

fn parse_inline(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > limits.max_inline_len {
            return Err(perr("too big inline request"));
        }
        return Ok(None);
    };
    let line = buf.split_to(nl + 1);
    let mut end = nl;
    if end > 0 && line[end - 1] == b'\r' {
        end -= 1;
    }
    let args = split_inline(&line[..end]).ok_or_else(|| perr("unbalanced quotes in request"))?;
    Ok(Some(args.into_iter().map(Bytes::from).collect()))
}

/// Splits an inline command line like `sdssplitargs`: whitespace separated,
/// with "double quotes" (C escapes, \xHH) and 'single quotes'.
fn split_inline(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut inq = false;
        let mut insq = false;
        loop {
            if inq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    let h = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                    cur.push(h(line[i + 2]) * 16 + h(line[i + 3]));
                    i += 3;
                } else if line[i] == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        c => c,
                    });
                } else if line[i] == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else if insq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if line[i] == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        break;
                    }
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// Splits encoded replies back into their top-level elements. Given the bytes
/// of `n` complete RESP values (as produced by [`crate::Out`]), returns the byte
/// range of each. Used to interleave replies computed on several shards.
pub fn split_elements(data: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let end = skip_value(data, pos);
        out.push(pos..end);
        pos = end;
    }
    out
}

/// Returns the end of the RESP value starting at `pos`. The input is trusted
/// (it was produced by our own encoder).
fn skip_value(d: &[u8], pos: usize) -> usize {
    let cr = find_crlf(d, pos).unwrap_or(d.len());
    let after = (cr + 2).min(d.len());
    let n = parse_len(&d[pos + 1..cr]).unwrap_or(0);
    match d[pos] {
        b'$' | b'=' | b'!' if n >= 0 => (after + n as usize + 2).min(d.len()),
        b'*' | b'~' | b'>' | b'%' if n > 0 => {
            let count = if d[pos] == b'%' { n * 2 } else { n };
            let mut p = after;
            for _ in 0..count {
                p = skip_value(d, p);
            }
            p
        }
        _ => after,
    }
}
