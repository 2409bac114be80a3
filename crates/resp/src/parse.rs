//! Command parser: checks that a whole command is buffered before taking it
//! out of the buffer, with Redis 7.0's exact acceptance rules and error texts.
//! It must never panic on any input, never copy a bulk argument, and never
//! allocate for a command that is not complete yet.
//!
//! # What Redis does, and what we match
//!
//! A command starting with `*` is a multibulk: a count line, then that many
//! `$<len>` lines each followed by `len` bytes of data and two more bytes.
//! Anything else is an inline command: one line split like a shell would
//! (`sdssplitargs`). The rules below were checked byte for byte against
//! redis-server 7.0.15 over a raw socket; the unit tests encode them.
//!
//! - Lines of a multibulk end at the first `\r`; the byte after it is skipped
//!   unseen, and so are the two bytes after bulk data (`*1\r\n$4\r\nPINGXY`
//!   runs PING). A line is complete only once one byte follows its `\r`.
//! - Lengths follow `string2ll`: optional `-`, no `+`, no leading zeros, no
//!   spaces, at most 20 characters. `*0` and any negative count are an empty
//!   command that is skipped. A count above `INT_MAX` is "invalid multibulk
//!   length"; a bulk length below zero or above `proto-max-bulk-len` is
//!   "invalid bulk length".
//! - While a line has no terminator yet, more than 64 KiB buffered from the
//!   line's start is "too big mbulk count string", "too big bulk count
//!   string" or "too big inline request". A complete line is never too big.
//! - The `$` is checked only once the element's line is complete; the error
//!   shows the offending byte, with `\r` and `\n` shown as a space.
//! - Redis finds line ends with `strchr`, which stops at a NUL byte, so a NUL
//!   in a line that is still being looked for means the line never completes:
//!   the client waits until the 64 KiB limit above closes it. We do the same.
//! - Inline lines end at `\n`, with one `\r` before it dropped. An empty or
//!   blank line is an empty command that is skipped.
//! - With `Limits::unauthenticated`, counts above 10 and bulks above 16384
//!   bytes are refused before authentication, as Redis does.
//!
//! # Cost of partial input
//!
//! [`parse_command`] is stateless: each call walks the headers of the
//! elements already buffered (jumping over bulk data by its length, so a huge
//! bulk costs one step no matter how much of it has arrived), and allocates
//! nothing until the command is complete. A connection should hold a
//! [`CommandParser`] instead, which remembers how far it got, so the total
//! work for one command is linear in its size even when it arrives in many
//! small reads (a stateless re-walk of a million small elements would be
//! quadratic).

use bytes::{Buf, Bytes, BytesMut};

use crate::Batch;

/// Limits applied while parsing, with Redis's names and defaults.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `proto-max-bulk-len`: the longest bulk string accepted (512mb).
    pub max_bulk_len: usize,
    /// Longest unterminated line kept waiting (Redis: `PROTO_INLINE_MAX_SIZE`, 64kb).
    pub max_inline_len: usize,
    /// Most elements in one multibulk (Redis: `INT_MAX`).
    pub max_multibulk_len: usize,
    /// The client still has to authenticate: Redis then refuses multibulk
    /// counts above 10 and bulk lengths above 16384, so that an anonymous
    /// client cannot make the server reserve memory.
    pub unauthenticated: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            max_inline_len: 64 * 1024,
            max_multibulk_len: i32::MAX as usize,
            unauthenticated: false,
        }
    }
}

/// Malformed input. The connection replies `-ERR Protocol error: <msg>` and closes.
///
/// The message is ASCII except in "expected '$', got 'X'", where X is the raw
/// byte stored as the `char` of the same number (Latin-1). Use
/// [`ProtocolError::reply_bytes`] to get the exact bytes Redis would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    /// The full error reply, `-ERR Protocol error: <msg>\r\n`, byte for byte
    /// as Redis sends it (the offending byte of "expected '$'" is sent raw).
    pub fn reply_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() + 24);
        out.extend_from_slice(b"-ERR Protocol error: ");
        for c in self.0.chars() {
            // Every char we put in a message is below 256 (see the type's docs).
            out.push(u32::from(c).min(255) as u8);
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protocol error: {}", self.0)
    }
}

impl std::error::Error for ProtocolError {}

fn perr(msg: &str) -> ProtocolError {
    ProtocolError(msg.to_string())
}

/// Takes one complete command off the front of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed (nothing is consumed),
/// `Ok(Some(args))` for a command (`*0`, a negative count or a blank inline
/// line yield an empty vec, which callers skip, as Redis does), or an error
/// for malformed input (the buffer is then in no defined state).
///
/// This is the stateless form; see the module docs for why a connection
/// should prefer [`CommandParser`].
pub fn parse_command(
    buf: &mut BytesMut,
    limits: &Limits,
) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    CommandParser::new().parse(buf, limits)
}

/// A command parser that remembers how much of a partial command it has
/// already checked, so a command arriving in many reads costs linear time.
///
/// One parser belongs to one connection buffer. Between calls that return
/// `Ok(None)` the caller may only append to the buffer; if it drops or
/// consumes bytes some other way it must call [`CommandParser::reset`].
#[derive(Debug, Clone, Default)]
pub struct CommandParser {
    /// Elements the multibulk announced; 0 while its count line is incomplete
    /// (and always 0 for inline commands).
    count: usize,
    /// Offset of the first element, just after the count line.
    first: usize,
    /// Elements whose bytes are all buffered.
    done: usize,
    /// Offset where the line being looked for starts, or where the data of
    /// the bulk being waited for starts.
    at: usize,
    /// Offset up to which the line starting at `at` has no terminator.
    scanned: usize,
    /// Length of the bulk being waited for, once its `$` line was read.
    bulk: Option<usize>,
    /// Where each element read so far starts in the buffer, and its length;
    /// kept across commands so its allocation is reused.
    spans: Vec<(usize, usize)>,
}

/// What a search for the end of a line found.
enum Line {
    /// The terminator is at this offset.
    End(usize),
    /// No terminator yet (or a NUL hides it, as it does from `strchr`).
    Open,
}

impl CommandParser {
    pub fn new() -> CommandParser {
        CommandParser::default()
    }

    /// Forgets any partial progress; needed only if the buffer was changed
    /// other than by appending.
    pub fn reset(&mut self) {
        self.count = 0;
        self.first = 0;
        self.done = 0;
        self.at = 0;
        self.scanned = 0;
        self.bulk = None;
        self.spans.clear();
    }

    /// How many bytes the buffer must hold before the next call can make
    /// progress, when that is known (a bulk whose length line was read).
    /// A connection can reserve this much to receive a big value without
    /// repeated reallocation.
    pub fn bytes_needed(&self) -> Option<usize> {
        self.bulk
            .map(|len| self.at.saturating_add(len).saturating_add(2))
    }

    /// Takes one complete command off the front of `buf`; same contract as
    /// [`parse_command`].
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let mut argv = Vec::new();
        Ok(self.parse_into(buf, limits, &mut argv)?.map(|_| argv))
    }

    /// Like [`CommandParser::parse`], but appends the arguments of a complete
    /// command to `out` and returns how many there were (0 for an empty
    /// command, which callers skip), so a connection can keep the arguments
    /// of a whole pipeline in one reused vector. Nothing is appended unless a
    /// command is complete.
    pub fn parse_into(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        out: &mut Vec<Bytes>,
    ) -> Result<Option<usize>, ProtocolError> {
        if self.at > buf.len() || self.scanned > buf.len() || self.first > buf.len() {
            // The buffer shrank under us: our offsets mean nothing any more.
            self.reset();
        }
        if buf.is_empty() {
            return Ok(None);
        }
        let res = if buf[0] == b'*' {
            self.multibulk(&buf[..], limits).map(|done| {
                done.map(|end| {
                    // Every element is buffered: slice the arguments out of
                    // the frozen frame without copying.
                    let frame = buf.split_to(end).freeze();
                    out.reserve(self.spans.len());
                    for &(start, len) in &self.spans {
                        out.push(frame.slice(start..start + len));
                    }
                    self.spans.len()
                })
            })
        } else {
            self.inline(buf, limits, out)
        };
        if !matches!(res, Ok(None)) {
            self.reset();
        }
        res
    }

    /// Takes every complete command off the front of `buf` and appends the
    /// non-empty ones to `batch`. Returns the protocol error that stopped it, if
    /// any; the commands before the error are still delivered, as Redis runs
    /// them before it replies with the error.
    ///
    /// The multibulk commands of one call share one frozen frame, split off
    /// the buffer once, rather than one each: on a pipeline that saves two
    /// reference-count updates per command. Their arguments are recorded in
    /// `batch` as they are parsed, at their offsets in the buffer, which are
    /// their offsets in the frame split off it later; so handing over the
    /// frame is one split whatever the number of arguments. Same
    /// partial-input contract as [`CommandParser::parse_into`].
    pub fn parse_batch(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        batch: &mut Batch,
    ) -> Option<ProtocolError> {
        // `base` is where the next command starts: everything before it is
        // complete commands already recorded in `batch`, against the frame
        // that will be pushed next.
        let mut base = 0;
        let mut error = None;
        if self.at > buf.len() || self.scanned > buf.len() || self.first > buf.len() {
            self.reset();
        }
        loop {
            // Commands the parser has not started on yet may be taken in one
            // pass (one that arrived partly is resumed instead, so a command
            // spread over many reads still costs linear time).
            if self.count == 0 && self.scanned == 0 && !limits.unauthenticated {
                base = quick_commands(&buf[..], base, limits, batch);
            }
            let window = &buf[base..];
            let Some(&lead) = window.first() else {
                break;
            };
            if lead != b'*' {
                // An inline command: hand over the frame so far, then let
                // the one-command path take the line off the buffer.
                Self::flush_frame(buf, &mut base, batch);
                let mut words = Vec::new();
                match self.parse_into(buf, limits, &mut words) {
                    Ok(Some(n)) => {
                        if n > 0 {
                            // Each word of an inline command is its own frame.
                            let start = batch.args.len();
                            for w in words {
                                batch.args.push((batch.frames.len() as u32, 0, w.len()));
                                batch.frames.push(w);
                            }
                            batch.cmds.push((start, start + n));
                        }
                        continue;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            match self.multibulk(window, limits) {
                Ok(Some(end)) => {
                    if !self.spans.is_empty() {
                        let f = batch.frames.len() as u32;
                        let start = batch.args.len();
                        batch.args.extend(
                            self.spans
                                .iter()
                                .map(|&(s, len)| (f, base + s, base + s + len)),
                        );
                        batch.cmds.push((start, batch.args.len()));
                    }
                    base += end;
                    self.reset();
                }
                Ok(None) => break,
                Err(e) => {
                    self.reset();
                    error = Some(e);
                    break;
                }
            }
        }
        Self::flush_frame(buf, &mut base, batch);
        error
    }

    /// Splits the first `base` bytes (complete multibulk commands, whose
    /// arguments `batch` already lists against the frame it gets next) off
    /// `buf` as that frame. The parser's partial progress is relative to
    /// `base` and stays valid, since `base` becomes the buffer's start.
    fn flush_frame(buf: &mut BytesMut, base: &mut usize, batch: &mut Batch) {
        if *base == 0 {
            return;
        }
        batch.frames.push(buf.split_to(*base).freeze());
        *base = 0;
    }

    /// Looks for `term` in the line starting at `self.at`, resuming where the
    /// previous call stopped.
    fn find_line(&mut self, b: &[u8], term: u8) -> Line {
        let from = self.scanned.max(self.at);
        match memchr::memchr2(term, 0, &b[from..]) {
            Some(i) if b[from + i] == term => {
                self.scanned = from + i;
                Line::End(from + i)
            }
            Some(i) => {
                // A NUL ends the search for good, as strchr does; staying on
                // it makes the next look a single step.
                self.scanned = from + i;
                Line::Open
            }
            None => {
                self.scanned = b.len();
                Line::Open
            }
        }
    }

    /// Parses the multibulk at the start of `b`. When it is complete,
    /// returns where it ends, with its elements in `self.spans` (offsets
    /// into `b`); nothing is taken out of any buffer here.
    fn multibulk(&mut self, b: &[u8], limits: &Limits) -> Result<Option<usize>, ProtocolError> {
        if self.count == 0 {
            self.at = 0;
            let cr = match self.find_line(b, b'\r') {
                Line::End(cr) => cr,
                Line::Open if b.len() > limits.max_inline_len => {
                    return Err(perr("too big mbulk count string"))
                }
                Line::Open => return Ok(None),
            };
            if cr + 1 >= b.len() {
                return Ok(None);
            }
            let n = match string2ll(&b[1..cr]) {
                Some(n)
                    if n <= i64::from(i32::MAX)
                        && (n <= 0 || n as u64 <= limits.max_multibulk_len as u64) =>
                {
                    n
                }
                _ => return Err(perr("invalid multibulk length")),
            };
            if n <= 0 {
                return Ok(Some(cr + 2));
            }
            if limits.unauthenticated && n > 10 {
                return Err(perr("unauthenticated multibulk length"));
            }
            self.count = n as usize;
            self.first = cr + 2;
            self.at = cr + 2;
            self.scanned = cr + 2;
        }
        while self.done < self.count {
            if let Some(len) = self.bulk {
                if b.len() - self.at < len.saturating_add(2) {
                    return Ok(None);
                }
                self.done += 1;
                self.at += len + 2;
                self.scanned = self.at;
                self.bulk = None;
                continue;
            }
            // Fast path for the usual header, `$<digits>\r` and one more byte,
            // with no leading zero: no search, no second scan of the digits.
            // Anything else takes the general path below, which decides.
            if let Some((len, cr)) = quick_bulk_header(b, self.at) {
                if len as u64 <= limits.max_bulk_len as u64
                    && !(limits.unauthenticated && len > 16384)
                {
                    self.bulk = Some(len);
                    self.at = cr + 2;
                    self.scanned = self.at;
                    self.spans.push((self.at, len));
                    continue;
                }
            }
            let cr = match self.find_line(b, b'\r') {
                Line::End(cr) => cr,
                Line::Open if b.len() - self.at > limits.max_inline_len => {
                    return Err(perr("too big bulk count string"))
                }
                Line::Open => return Ok(None),
            };
            if cr + 1 >= b.len() {
                return Ok(None);
            }
            let lead = b[self.at];
            if lead != b'$' {
                let shown = if lead == b'\r' || lead == b'\n' {
                    ' '
                } else {
                    char::from(lead)
                };
                return Err(ProtocolError(format!("expected '$', got '{shown}'")));
            }
            let len = match string2ll(&b[self.at + 1..cr]) {
                Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len as u64 => n as usize,
                _ => return Err(perr("invalid bulk length")),
            };
            if limits.unauthenticated && len > 16384 {
                return Err(perr("unauthenticated bulk length"));
            }
            self.bulk = Some(len);
            self.at = cr + 2;
            self.scanned = self.at;
            self.spans.push((self.at, len));
        }
        Ok(Some(self.at))
    }

    fn inline(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
        out: &mut Vec<Bytes>,
    ) -> Result<Option<usize>, ProtocolError> {
        self.at = 0;
        let nl = match self.find_line(&buf[..], b'\n') {
            Line::End(nl) => nl,
            Line::Open if buf.len() > limits.max_inline_len => {
                return Err(perr("too big inline request"))
            }
            Line::Open => return Ok(None),
        };
        let end = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let args = split_args(&buf[..end]).ok_or_else(|| perr("unbalanced quotes in request"))?;
        buf.advance(nl + 1);
        let n = args.len();
        out.extend(args.into_iter().map(Bytes::from));
        Ok(Some(n))
    }
}

/// Takes every whole multibulk command of the usual shape at `at` and on
/// in `b` (see [`quick_command`]), recording them in `batch` against the
/// frame it gets next, and returns where the first command it did not take
/// starts.
#[inline]
fn quick_commands(b: &[u8], mut at: usize, limits: &Limits, batch: &mut Batch) -> usize {
    let f = batch.frames.len() as u32;
    loop {
        let start = batch.args.len();
        match quick_command(b, at, limits, f, &mut batch.args) {
            Some(end) => {
                if batch.args.len() > start {
                    batch.cmds.push((start, batch.args.len()));
                }
                at = end;
            }
            None => return at,
        }
    }
}

/// Takes the whole multibulk command at `at` in `b` in one pass, when it
/// has the usual shape: a count line and bulk headers that [`quick_line`]
/// takes, within the limits, with every element buffered. Appends each
/// element's `(frame, start, end)` to `args` and returns where the command
/// ends. For anything else, incomplete input included, returns None with
/// `args` as it was, and the general path decides: this path only ever
/// accepts what that path would accept, the same way.
///
/// Only complete lines are taken, so no line limit applies. The caller
/// checks that the client is authenticated (an anonymous client has lower
/// limits, left to the general path).
#[inline(always)]
fn quick_command(
    b: &[u8],
    at: usize,
    limits: &Limits,
    f: u32,
    args: &mut Vec<(u32, usize, usize)>,
) -> Option<usize> {
    let (n, cr) = quick_line(b.get(at..)?, b'*')?;
    // At most nine digits: far below INT_MAX.
    if n > limits.max_multibulk_len {
        return None;
    }
    let mark = args.len();
    let mut at = at + cr + 2;
    for _ in 0..n {
        let taken = b.get(at..).and_then(|rest| {
            let (len, cr) = quick_line(rest, b'$')?;
            // `cr + 2 <= rest.len()` (a byte follows the \r), and `len` has
            // at most nine digits, so neither side overflows.
            (len <= limits.max_bulk_len && rest.len() - (cr + 2) >= len + 2).then_some((cr, len))
        });
        let Some((cr, len)) = taken else {
            args.truncate(mark);
            return None;
        };
        let data = at + cr + 2;
        args.push((f, data, data + len));
        at = data + len + 2;
    }
    Some(at)
}

/// Reads a line `<lead><digits>\r` at the start of `rest` whose number has
/// at most nine digits and no leading zero (or is a lone `0`), followed by
/// at least one more byte, as `(number, offset of the \r)`. None when the
/// line is anything else, including incomplete: the general path handles
/// those.
///
/// The shortest such line and the byte after it are four bytes; one length
/// check covers them, so a one- or two-digit number (nearly every bulk
/// header and count) costs no other bounds check. The byte after the `\r`
/// is not looked at, as Redis does not look at it.
#[inline(always)]
fn quick_line(rest: &[u8], lead: u8) -> Option<(usize, usize)> {
    let h: &[u8; 4] = rest.first_chunk()?;
    let d1 = h[1].wrapping_sub(b'0');
    if h[0] != lead || d1 > 9 {
        return None;
    }
    if h[2] == b'\r' {
        return Some((usize::from(d1), 2));
    }
    let d2 = h[2].wrapping_sub(b'0');
    if d1 == 0 || d2 > 9 {
        return None;
    }
    let mut v = usize::from(d1) * 10 + usize::from(d2);
    let mut i = 3;
    loop {
        let c = *rest.get(i)?;
        if c == b'\r' {
            // A complete line needs the byte after the \r.
            return (i + 1 < rest.len()).then_some((v, i));
        }
        let d = c.wrapping_sub(b'0');
        if d > 9 || i > 9 {
            return None;
        }
        v = v * 10 + usize::from(d);
        i += 1;
    }
}

/// Reads a `$<len>\r` bulk header at `at`, as [`quick_line`] does, as
/// `(len, offset of the \r)`.
#[inline]
fn quick_bulk_header(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let (len, cr) = quick_line(b.get(at..)?, b'$')?;
    Some((len, at + cr))
}

/// Parses a signed 64-bit integer as Redis's `string2ll` does: an optional
/// `-`, then digits with no leading zero (or a lone `0`), nothing else, and
/// no `-0`. Command arguments follow the same rule.
#[inline]
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        // i64::MIN has no positive counterpart, so negate in the wider type.
        let m = 0i128 - i128::from(v);
        i64::try_from(m).ok()
    } else {
        i64::try_from(v).ok()
    }
}

/// C's `isspace` in the "C" locale, which is what Redis runs under.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Splits an inline command line with the rules of Redis's `sdssplitargs`.
/// Returns `None` for unbalanced quotes.
///
/// Words are separated by blanks (`isspace`), but an unquoted word ends only
/// at space, tab, CR or LF, so a vertical tab or form feed inside a word is
/// kept. `"..."` understands `\n \r \t \b \a`, `\xHH` and `\<any>` for the
/// character itself; `'...'` understands only `\'`. A closing quote must be
/// followed by a blank or the end of the line. Quotes may start in the
/// middle of a word (`a"b c"` is one word `ab c`). The line never holds a
/// NUL (the line search stops there), so the end of the slice plays the role
/// of C's terminator.
fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    // Should a NUL ever reach here, C would stop reading at it; cutting the
    // line there keeps that meaning and keeps every loop below advancing.
    let line = &line[..memchr::memchr(0, line).unwrap_or(line.len())];
    // Reading past the end yields 0, like reading a C string's terminator.
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while at(i) != 0 && is_c_space(at(i)) {
            i += 1;
        }
        if i >= line.len() {
            return Some(out);
        }
        let mut word = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(i);
            let mut done = false;
            if in_double {
                if c == b'\\' && at(i + 1) == b'x' {
                    if let (Some(hi), Some(lo)) = (hex_value(at(i + 2)), hex_value(at(i + 3))) {
                        word.push(hi * 16 + lo);
                        i += 3;
                    } else {
                        // Not a hex escape: `\x` stands for a plain `x`.
                        word.push(b'x');
                        i += 1;
                    }
                } else if c == b'\\' && at(i + 1) != 0 {
                    i += 1;
                    word.push(match at(i) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    word.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(i + 1) == b'\'' {
                    i += 1;
                    word.push(b'\'');
                } else if c == b'\'' {
                    if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    word.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => word.push(other),
                }
            }
            if at(i) != 0 {
                i += 1;
            }
            if done {
                break;
            }
        }
        out.push(word);
    }
}

/// Splits encoded replies back into their top-level elements. Given the bytes
/// of `n` complete RESP values (as produced by [`crate::Out`]), returns the byte
/// range of each. Used to interleave replies computed on several shards.
///
/// The input is expected to come from our own encoder; on anything else this
/// still returns ranges that cover the input in order, and never panics.
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

/// The end of the encoded RESP value that starts at `pos` in `data` (the
/// start of the next one): [`split_elements`] one element at a time, without
/// building a list. Never panics; past the end of `data` it returns its length.
pub fn element_end(data: &[u8], pos: usize) -> usize {
    if pos >= data.len() {
        return data.len();
    }
    skip_value(data, pos)
}

/// Returns the end of the RESP value starting at `pos` (which must be inside
/// `d`). Nested aggregates are walked with a counter instead of recursion, so
/// deep nesting cannot overflow the stack.
fn skip_value(d: &[u8], mut pos: usize) -> usize {
    // Values still to skip, counting the one that starts at `pos`.
    let mut pending: u64 = 1;
    while pending > 0 && pos < d.len() {
        pending -= 1;
        let kind = d[pos];
        let cr = memchr::memchr(b'\r', &d[pos..]).map_or(d.len(), |i| pos + i);
        let after = cr.saturating_add(2).min(d.len());
        let n = string2ll(&d[(pos + 1).min(cr)..cr]).unwrap_or(-1);
        pos = after;
        match kind {
            b'$' | b'=' | b'!' if n >= 0 => {
                pos = pos
                    .saturating_add(n as usize)
                    .saturating_add(2)
                    .min(d.len());
            }
            b'*' | b'~' | b'>' | b'%' | b'|' if n > 0 => {
                let children = if kind == b'%' || kind == b'|' {
                    (n as u64).saturating_mul(2)
                } else {
                    n as u64
                };
                // An attribute precedes the value it describes.
                let extra = u64::from(kind == b'|');
                pending = pending.saturating_add(children).saturating_add(extra);
            }
            _ => {}
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` through the parser like a connection that received it
    /// in one read, and describes what came out: each command as `[a b]`,
    /// then `wait:N` (N bytes left unconsumed) or `err:<message>`.
    fn run_with(input: &[u8], limits: &Limits) -> String {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            match parse_command(&mut buf, limits) {
                Ok(Some(args)) => {
                    let words: Vec<String> =
                        args.iter().map(|a| a.escape_ascii().to_string()).collect();
                    out.push(format!("[{}]", words.join(" ")));
                }
                Ok(None) => {
                    out.push(format!("wait:{}", buf.len()));
                    break;
                }
                Err(e) => {
                    out.push(format!("err:{}", e.0));
                    break;
                }
            }
        }
        out.join(" ")
    }

    fn run(input: &[u8]) -> String {
        run_with(input, &Limits::default())
    }

    /// Each row was sent to redis-server 7.0.15 over a raw socket; the
    /// expectation restates what it did (commands run, then either waiting
    /// for more input or a protocol error and a closed connection).
    #[test]
    fn multibulk_matches_redis() {
        let rows: &[(&[u8], &str)] = &[
            (b"*1\r\n$4\r\nPING\r\n", "[PING] wait:0"),
            // The two bytes after bulk data are skipped unchecked.
            (b"*1\r\n$4\r\nPINGXY", "[PING] wait:0"),
            (
                b"*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n",
                "[PING] [PING] wait:0",
            ),
            // So is the byte after a line's CR.
            (b"*1\rX$4\r\nPING\r\n", "[PING] wait:0"),
            (b"*\r\n", "err:invalid multibulk length"),
            (b"*-0\r\n", "err:invalid multibulk length"),
            (b"*01\r\n", "err:invalid multibulk length"),
            (b"*+1\r\n", "err:invalid multibulk length"),
            (b"*1 \r\n", "err:invalid multibulk length"),
            (b"* 1\r\n", "err:invalid multibulk length"),
            (b"*2147483648\r\n", "err:invalid multibulk length"),
            (b"*2147483647\r\n", "wait:13"),
            (b"*-5\r\nPING\r\n", "[] [PING] wait:0"),
            (b"*0\r\nPING\r\n", "[] [PING] wait:0"),
            (b"*1\r\n$-0\r\n", "err:invalid bulk length"),
            (b"*1\r\n$-1\r\n", "err:invalid bulk length"),
            (b"*1\r\n$01\r\n", "err:invalid bulk length"),
            (b"*1\r\n$4 \r\nPING\r\n", "err:invalid bulk length"),
            (b"*1\r\n$536870913\r\n", "err:invalid bulk length"),
            (b"*1\r\n$536870912\r\n", "wait:16"),
            // The '$' is checked only once the element's line is complete.
            (b"*1\r\nfoo", "wait:7"),
            (b"*1\r\nfoo\r", "wait:8"),
            (b"*1\r\nfoo\rX", "err:expected '$', got 'f'"),
            (b"*1\r\n\r\n", "err:expected '$', got ' '"),
            (b"*1\r\n\n\r\n", "err:expected '$', got ' '"),
            // A NUL hides the line end from Redis's strchr: it waits.
            (b"*1\r\n\x00\r\n", "wait:7"),
            (b"*1\x00\r\n", "wait:5"),
            (b"*1\r\n$\x004\r\nPING\r\n", "wait:15"),
            (b"*1\r\n$4\r\nP", "wait:9"),
            // Commands before a bad one still run.
            (
                b"*1\r\n$4\r\nPING\r\n*x\r\n",
                "[PING] err:invalid multibulk length",
            ),
        ];
        for (input, want) in rows {
            assert_eq!(
                run(input),
                *want,
                "input {:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn expected_dollar_error_carries_the_raw_byte() {
        let mut buf = BytesMut::from(&b"*1\r\n\xff\r\n"[..]);
        let err = parse_command(&mut buf, &Limits::default()).unwrap_err();
        assert_eq!(
            err.reply_bytes(),
            b"-ERR Protocol error: expected '$', got '\xff'\r\n".to_vec()
        );
        assert_eq!(
            perr("invalid bulk length").reply_bytes(),
            b"-ERR Protocol error: invalid bulk length\r\n".to_vec()
        );
    }

    #[test]
    fn inline_matches_redis() {
        let rows: &[(&[u8], &str)] = &[
            (b"PING\r\n", "[PING] wait:0"),
            (b"\r\nPING\r\n", "[] [PING] wait:0"),
            (b"\nPING\n", "[] [PING] wait:0"),
            (b" \r\n", "[] wait:0"),
            (b"PING\r\r\n", "[PING] wait:0"),
            (b"EC\rHO x\n", "[EC HO x] wait:0"),
            (b"PI\x00NG\r\n", "wait:7"),
            (b"ECHO \"a b\"\r\n", "[ECHO a b] wait:0"),
            (b"ECHO \"a\"b\r\n", "err:unbalanced quotes in request"),
            (b"ECHO \"a\r\n", "err:unbalanced quotes in request"),
            (b"ECHO \"a\\\r\n", "err:unbalanced quotes in request"),
            (b"ECHO \"x\\\"\r\n", "err:unbalanced quotes in request"),
            (b"ECHO 'x\\'\r\n", "err:unbalanced quotes in request"),
            (b"ECHO 'x\\' \r\n", "err:unbalanced quotes in request"),
            (b"ECHO \"\\x41\\x4g\\n\\q\"\r\n", "[ECHO Ax4g\\nq] wait:0"),
            (b"ECHO \"\\x4\"\r\n", "[ECHO x4] wait:0"),
            (b"ECHO \"\\x\"\r\n", "[ECHO x] wait:0"),
            (b"ECHO \"\\xAf\"\r\n", "[ECHO \\xaf] wait:0"),
            (b"ECHO \"\\\"\"\r\n", "[ECHO \\\"] wait:0"),
            (b"ECHO 'a\\'b'\r\n", "[ECHO a\\'b] wait:0"),
            (b"ECHO 'a\\nb'\r\n", "[ECHO a\\\\nb] wait:0"),
            (b"ECHO 'a\"b'\r\n", "[ECHO a\\\"b] wait:0"),
            (b"ECHO \"a'b\"\r\n", "[ECHO a\\'b] wait:0"),
            (b"ECHO a'b c'\r\n", "[ECHO ab c] wait:0"),
            (b"ECHO a\"b\"\r\n", "[ECHO ab] wait:0"),
            (b"ECHO a\\x41\r\n", "[ECHO a\\\\x41] wait:0"),
            (b"ECHO \"\"\r\n", "[ECHO ] wait:0"),
            (b"ECHO ''\r\n", "[ECHO ] wait:0"),
            // Vertical tab and form feed separate words only between words.
            (b"ECHO a\x0bb\r\n", "[ECHO a\\x0bb] wait:0"),
            (b"\x0bECHO\x0ba\r\n", "[ECHO\\x0ba] wait:0"),
            (b"ECHO \x0cx\r\n", "[ECHO x] wait:0"),
            (b"ECHO \"a\"\x0bPING\r\n", "[ECHO a PING] wait:0"),
            (b"ECHO 'a'\x0bPING\r\n", "[ECHO a PING] wait:0"),
        ];
        for (input, want) in rows {
            assert_eq!(
                run(input),
                *want,
                "input {:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    /// The 64 KiB limits apply only while a line has no terminator, counted
    /// from the start of that line (checked against redis-server with the
    /// bytes sent in 8 KiB pieces).
    #[test]
    fn line_limits_match_redis() {
        let limits = Limits::default();
        let k64 = 64 * 1024;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![b'a'; k64], "wait:65536"),
            (vec![b'a'; k64 + 1], "err:too big inline request"),
            (
                [b"*".as_slice(), &vec![b'1'; k64 - 1]].concat(),
                "wait:65536",
            ),
            (
                [b"*".as_slice(), &vec![b'1'; k64]].concat(),
                "err:too big mbulk count string",
            ),
            (
                [b"*1\r\n$".as_slice(), &vec![b'1'; k64 - 1]].concat(),
                "wait:65540",
            ),
            (
                [b"*1\r\n$".as_slice(), &vec![b'1'; k64]].concat(),
                "err:too big bulk count string",
            ),
            (
                [b"PING\x00".as_slice(), &vec![b'a'; k64 - 4]].concat(),
                "err:too big inline request",
            ),
            // A line that is complete is never too big.
            (
                [b"ECHO ".as_slice(), &vec![b'a'; 69_995], b"\r\n"].concat(),
                "wait:0",
            ),
            (
                [b"*".as_slice(), &vec![b'1'; k64 + 10], b"\r\n"].concat(),
                "err:invalid multibulk length",
            ),
        ];
        for (input, want) in cases {
            let got = run_with(&input, &limits);
            assert!(
                got.ends_with(want),
                "{} bytes: got {got}, want {want}",
                input.len()
            );
        }
    }

    #[test]
    fn unauthenticated_limits_match_redis() {
        let limits = Limits {
            unauthenticated: true,
            ..Limits::default()
        };
        assert_eq!(run_with(b"*10\r\n", &limits), "wait:5");
        assert_eq!(
            run_with(b"*11\r\n", &limits),
            "err:unauthenticated multibulk length"
        );
        assert_eq!(run_with(b"*1\r\n$16384\r\n", &limits), "wait:12");
        assert_eq!(
            run_with(b"*1\r\n$16385\r\n", &limits),
            "err:unauthenticated bulk length"
        );
        assert_eq!(run_with(b"*-20\r\nPING\r\n", &limits), "[] [PING] wait:0");
    }

    #[test]
    fn configured_limits_are_lengths_not_errors_of_syntax() {
        let limits = Limits {
            max_bulk_len: 3,
            max_multibulk_len: 2,
            ..Limits::default()
        };
        assert_eq!(
            run_with(b"*2\r\n$3\r\nabc\r\n$0\r\n\r\n", &limits),
            "[abc ] wait:0"
        );
        assert_eq!(
            run_with(b"*1\r\n$4\r\n", &limits),
            "err:invalid bulk length"
        );
        assert_eq!(run_with(b"*3\r\n", &limits), "err:invalid multibulk length");
    }

    #[test]
    fn split_args_stops_at_a_nul_like_c() {
        assert_eq!(
            split_args(b"a b\x00c d"),
            Some(vec![b"a".to_vec(), b"b".to_vec()])
        );
        assert_eq!(split_args(b"\x00"), Some(vec![]));
        assert_eq!(split_args(b"\"a\x00\""), None);
    }

    /// Parses `input` with `parse_batch` and with `parse` one command at a
    /// time, and checks both give the same commands and the same error.
    fn batch_agrees(input: &[u8], limits: &Limits) {
        let mut buf = BytesMut::from(input);
        let mut one = Vec::new();
        let one_err = loop {
            match CommandParser::new().parse(&mut buf, limits) {
                Ok(Some(a)) if a.is_empty() => {}
                Ok(Some(a)) => one.push(a),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        let left = buf.len();
        let mut buf = BytesMut::from(input);
        let mut got = Batch::new();
        let err = CommandParser::new().parse_batch(&mut buf, limits, &mut got);
        let batch: Vec<Vec<Bytes>> = got.to_vecs();
        let shown = String::from_utf8_lossy(input);
        assert_eq!(batch, one, "{shown:?}");
        assert_eq!(err, one_err, "{shown:?}");
        if err.is_none() {
            assert_eq!(buf.len(), left, "{shown:?}");
        }
    }

    #[test]
    fn batches_follow_the_general_rules() {
        let limits = Limits {
            max_bulk_len: 5,
            max_multibulk_len: 3,
            ..Limits::default()
        };
        for input in [
            &b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n"[..],
            b"*1\r\n$6\r\nTOOBIG\r\n",
            b"*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
            b"*03\r\n$1\r\na\r\n",
            b"*0\r\n*1\r\n$1\r\na\r\n",
            b"*-1\r\nPING\r\n*1\r\n$1\r\na\r\n",
            b"*1\r\n$01\r\na\r\n",
            b"*1\r\n$1\r\naXY*1\r\n$1\r\nb\r\n",
            b"*1\rX$1\rXaXY",
            b"*2\r\n$1\r\na\r\n$1\r\n",
            b"*1\r\n$1\r\na\r\n*1\r\nx1\r\n",
            b"*1000\r\n",
        ] {
            batch_agrees(input, &limits);
            batch_agrees(input, &Limits::default());
            let anonymous = Limits {
                unauthenticated: true,
                ..Limits::default()
            };
            batch_agrees(input, &anonymous);
        }
    }

    /// The one-pass path takes counts and lengths of one to nine digits,
    /// `*0` and `$0`, and stops at any byte where the input is cut short;
    /// every prefix of a pipeline of such shapes must give what the general
    /// path gives, under tight limits and default ones.
    #[test]
    fn quick_path_agrees_on_every_prefix() {
        let mut input = Vec::new();
        input.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$16\r\nkey:000000123456\r\n");
        input.extend_from_slice(b"*0\r\n*1\r\n$0\r\n\r\n");
        input.extend_from_slice(b"*10\r\n");
        for _ in 0..10 {
            input.extend_from_slice(b"$1\r\na\r\n");
        }
        input.extend_from_slice(b"*1\r\n$100\r\n");
        input.extend_from_slice(&[b'v'; 100]);
        input.extend_from_slice(b"XY*1\r\n$4\r\nPING\r\n");
        let tight = Limits {
            max_bulk_len: 16,
            max_multibulk_len: 9,
            ..Limits::default()
        };
        for cut in 0..=input.len() {
            batch_agrees(&input[..cut], &Limits::default());
            batch_agrees(&input[..cut], &tight);
        }
        for input in [
            &b"*1\r\n$123456789\r\nab"[..],
            b"*1\r\n$1234567890\r\nab",
            b"*123456789\r\n$1\r\na\r\n",
            b"*1234567890\r\n$1\r\na\r\n",
            b"*00\r\n",
            b"*1\r\n$00\r\n\r\n",
            b"*1\r\n$1\x00\r\na\r\n",
            b"*1\r\n$:\r\na\r\n",
            b"*:\r\n",
        ] {
            batch_agrees(input, &Limits::default());
            batch_agrees(input, &tight);
        }
    }

    #[test]
    fn quick_bulk_header_takes_only_plain_complete_headers() {
        assert_eq!(quick_bulk_header(b"$3\r\nabc", 0), Some((3, 2)));
        assert_eq!(quick_bulk_header(b"xx$12\r\n", 2), Some((12, 5)));
        assert_eq!(quick_bulk_header(b"$0\r\n", 0), Some((0, 2)));
        assert_eq!(
            quick_bulk_header(b"$123456789\r\n", 0),
            Some((123_456_789, 10))
        );
        for other in [
            &b"$3\r"[..],       // the byte after \r is not there yet
            b"$3",              // no \r yet
            b"$",               // nothing
            b"$\r\n",           // no digits
            b"$03\r\n",         // leading zero
            b"$-1\r\n",         // negative
            b"$1234567890\r\n", // ten digits
            b"$3x\r\n",         // junk
            b"$3\0\r\n",        // NUL hides the \r, as strchr sees it
            b"*3\r\n",          // not a bulk header
        ] {
            assert_eq!(
                quick_bulk_header(other, 0),
                None,
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-1"), Some(-1));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"00",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"1x",
        ] {
            assert_eq!(string2ll(bad), None, "{:?}", bad.escape_ascii().to_string());
        }
    }

    #[test]
    fn bulk_arguments_are_slices_of_the_input_allocation() {
        let big = vec![b'v'; 1 << 20];
        let mut input = BytesMut::new();
        input.extend_from_slice(b"*2\r\n$3\r\nSET\r\n$1048576\r\n");
        input.extend_from_slice(&big);
        input.extend_from_slice(b"\r\n");
        let base = input.as_ptr() as usize;
        let end = base + input.len();
        let args = parse_command(&mut input, &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(args[1].len(), big.len());
        let p = args[1].as_ptr() as usize;
        assert!(p >= base && p < end, "the value was copied");
        assert!(input.is_empty());
    }

    /// A command dribbled in one byte at a time through a `CommandParser`
    /// gives the same result as the stateless parser on the whole input, and
    /// a partial command leaves the buffer untouched.
    #[test]
    fn stateful_parser_resumes() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n";
        let mut parser = CommandParser::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &byte in input.iter() {
            buf.extend_from_slice(&[byte]);
            loop {
                let before = buf.len();
                match parser.parse(&mut buf, &Limits::default()).unwrap() {
                    Some(args) => got.push(args),
                    None => {
                        assert_eq!(buf.len(), before);
                        break;
                    }
                }
            }
        }
        let names: Vec<&[u8]> = got.iter().map(|a| &a[0][..]).collect();
        assert_eq!(names, vec![&b"SET"[..], b"PING", b"QUIT"]);
        assert_eq!(&got[0][2][..], b"hello");
    }

    #[test]
    fn bytes_needed_reports_the_pending_bulk() {
        let mut parser = CommandParser::new();
        let mut buf = BytesMut::from(&b"*1\r\n$100\r\nabc"[..]);
        assert_eq!(parser.parse(&mut buf, &Limits::default()), Ok(None));
        assert_eq!(parser.bytes_needed(), Some(10 + 100 + 2));
    }

    #[test]
    fn a_parser_survives_a_buffer_that_shrank() {
        let mut parser = CommandParser::new();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\n"[..]);
        assert_eq!(parser.parse(&mut buf, &Limits::default()), Ok(None));
        buf.clear();
        buf.extend_from_slice(b"PING\r\n");
        let args = parser.parse(&mut buf, &Limits::default()).unwrap().unwrap();
        assert_eq!(args, vec![Bytes::from_static(b"PING")]);
    }

    #[test]
    fn split_elements_handles_nesting_and_garbage() {
        let data = b"+OK\r\n*2\r\n$1\r\na\r\n%1\r\n:1\r\n_\r\n$-1\r\n*-1\r\n,1.5\r\n";
        let parts: Vec<&[u8]> = split_elements(data).into_iter().map(|r| &data[r]).collect();
        assert_eq!(
            parts,
            vec![
                &b"+OK\r\n"[..],
                b"*2\r\n$1\r\na\r\n%1\r\n:1\r\n_\r\n",
                b"$-1\r\n",
                b"*-1\r\n",
                b",1.5\r\n",
            ]
        );
        // Deep nesting must not recurse.
        let deep = b"*1\r\n".repeat(1_000_000);
        assert_eq!(split_elements(&deep), vec![0..deep.len()]);
        for junk in [
            &b"\r"[..],
            b"$",
            b"$5\r\nab",
            b"*3\r\n",
            b"\r\n\r\n",
            b"*\r",
        ] {
            let ranges = split_elements(junk);
            assert_eq!(ranges.last().map(|r| r.end), Some(junk.len()));
        }
    }

    #[test]
    fn element_end_steps_through_what_split_elements_splits() {
        let data = b"+OK\r\n*2\r\n$1\r\na\r\n%1\r\n:1\r\n_\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n-ERR x\r\n";
        let mut ends = Vec::new();
        let mut pos = 0;
        while pos < data.len() {
            pos = element_end(data, pos);
            ends.push(pos);
        }
        let want: Vec<usize> = split_elements(data).into_iter().map(|r| r.end).collect();
        assert_eq!(ends, want);
        assert_eq!(element_end(data, data.len() + 5), data.len());
    }
}
