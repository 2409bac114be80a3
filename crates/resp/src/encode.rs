//! Reply encoder. Handlers write replies into an [`Out`], which knows the
//! protocol version of the connection and picks the RESP2 or RESP3 form.

use bytes::{BufMut, BytesMut};

/// Protocol version negotiated with HELLO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Proto {
    #[default]
    Resp2,
    Resp3,
}

/// An output buffer for replies of one protocol version.
#[derive(Debug, Default)]
pub struct Out {
    pub buf: BytesMut,
    pub proto: Proto,
}

impl Out {
    pub fn new(proto: Proto) -> Out {
        Out {
            buf: BytesMut::new(),
            proto,
        }
    }

    pub fn with_buf(buf: BytesMut, proto: Proto) -> Out {
        Out { buf, proto }
    }

    pub fn is_resp3(&self) -> bool {
        self.proto == Proto::Resp3
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends already-encoded reply bytes (for example a reply computed on another shard).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn line(&mut self, prefix: u8, body: &[u8]) {
        self.buf.reserve(body.len() + 3);
        self.buf.put_u8(prefix);
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\r\n");
    }

    fn len_line(&mut self, prefix: u8, n: i64) {
        let h = Header::new(prefix, n);
        self.buf.reserve(HEADER_COPY);
        // SAFETY: `reserve` made room for HEADER_COPY bytes after `len`;
        // `set_len` covers only the header's bytes, all written here.
        unsafe {
            let len = self.buf.len();
            h.copy_to(self.buf.as_mut_ptr().add(len));
            self.buf.set_len(len + h.len);
        }
    }

    /// `+OK`
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string. `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.line(b'+', s.as_bytes());
    }

    /// An error reply. `msg` carries its own code, e.g. `ERR syntax error` or
    /// `WRONGTYPE Operation against ...`. CR and LF are replaced by spaces, as Redis does.
    pub fn error(&mut self, msg: &str) {
        if msg.bytes().any(|c| c == b'\r' || c == b'\n') {
            let clean: String = msg
                .chars()
                .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
                .collect();
            self.line(b'-', clean.as_bytes());
        } else {
            self.line(b'-', msg.as_bytes());
        }
    }

    pub fn int(&mut self, n: i64) {
        self.len_line(b':', n);
    }

    pub fn bulk(&mut self, data: &[u8]) {
        // Replies of many elements are mostly bulks: one reservation and
        // three copies, the first of a fixed size, instead of a capacity
        // check per piece.
        if data.len() < 100 {
            self.short_bulk(data);
            return;
        }
        let h = Header::new(b'$', data.len() as i64);
        self.buf.reserve(HEADER_COPY + data.len() + 2);
        // SAFETY: `reserve` made room for HEADER_COPY + data + 2 bytes after
        // `len`, which covers the header copy (HEADER_COPY bytes, of which
        // the first `h.len` are the header), the data right after the header
        // and the CRLF after the data; `set_len` covers exactly the header,
        // data and CRLF, all written here. `data` cannot overlap the spare
        // capacity of a buffer we hold mutably.
        unsafe {
            let len = self.buf.len();
            let p = self.buf.as_mut_ptr().add(len);
            h.copy_to(p);
            std::ptr::copy_nonoverlapping(data.as_ptr(), p.add(h.len), data.len());
            std::ptr::copy_nonoverlapping(b"\r\n".as_ptr(), p.add(h.len + data.len()), 2);
            self.buf.set_len(len + h.len + data.len() + 2);
        }
    }

    /// A bulk of fewer than 100 bytes (members, fields, small values): its
    /// one- or two-digit length is written directly.
    #[inline]
    fn short_bulk(&mut self, data: &[u8]) {
        let len = data.len();
        debug_assert!(len < 100);
        self.buf.reserve(len + 7);
        // SAFETY: `reserve` made room for len + 7 bytes after `at`: at most
        // five of header, `len` of data and two of CRLF are written, and
        // `set_len` covers exactly those. `data` cannot overlap the spare
        // capacity of a buffer we hold mutably.
        unsafe {
            let at = self.buf.len();
            let p = self.buf.as_mut_ptr().add(at);
            *p = b'$';
            let digits = if len < 10 {
                *p.add(1) = b'0' + len as u8;
                1
            } else {
                *p.add(1) = b'0' + (len / 10) as u8;
                *p.add(2) = b'0' + (len % 10) as u8;
                2
            };
            *p.add(1 + digits) = b'\r';
            *p.add(2 + digits) = b'\n';
            let d = p.add(3 + digits);
            std::ptr::copy_nonoverlapping(data.as_ptr(), d, len);
            *d.add(len) = b'\r';
            *d.add(len + 1) = b'\n';
            self.buf.set_len(at + 3 + digits + len + 2);
        }
    }

    pub fn bulk_str(&mut self, s: &str) {
        self.bulk(s.as_bytes());
    }

    /// An integer sent as a bulk string (GET of an integer-encoded value).
    pub fn bulk_int(&mut self, n: i64) {
        let mut b = itoa_buf();
        let s = fmt_i64(&mut b, n);
        let len = s.len();
        self.len_line(b'$', len as i64);
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn bulk_opt(&mut self, data: Option<&[u8]>) {
        match data {
            Some(d) => self.bulk(d),
            None => self.null(),
        }
    }

    /// Null bulk string: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.proto {
            Proto::Resp2 => self.buf.extend_from_slice(b"$-1\r\n"),
            Proto::Resp3 => self.buf.extend_from_slice(b"_\r\n"),
        }
    }

    /// Null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.proto {
            Proto::Resp2 => self.buf.extend_from_slice(b"*-1\r\n"),
            Proto::Resp3 => self.buf.extend_from_slice(b"_\r\n"),
        }
    }

    pub fn array(&mut self, n: usize) {
        self.len_line(b'*', n as i64);
    }

    /// A map of `n` pairs: `%n` in RESP3, a flat array of `2n` in RESP2.
    pub fn map(&mut self, n: usize) {
        match self.proto {
            Proto::Resp2 => self.len_line(b'*', 2 * n as i64),
            Proto::Resp3 => self.len_line(b'%', n as i64),
        }
    }

    /// A set of `n` elements: `~n` in RESP3, an array in RESP2.
    pub fn set(&mut self, n: usize) {
        match self.proto {
            Proto::Resp2 => self.len_line(b'*', n as i64),
            Proto::Resp3 => self.len_line(b'~', n as i64),
        }
    }

    /// An out-of-band push of `n` elements: `>n` in RESP3, an array in RESP2.
    pub fn push(&mut self, n: usize) {
        match self.proto {
            Proto::Resp2 => self.len_line(b'*', n as i64),
            Proto::Resp3 => self.len_line(b'>', n as i64),
        }
    }

    /// A double: `,x` in RESP3, a bulk string in RESP2, formatted as Redis 7.0 does.
    pub fn double(&mut self, d: f64) {
        let s = format_double(d);
        match self.proto {
            Proto::Resp2 => self.bulk(s.as_bytes()),
            Proto::Resp3 => self.line(b',', s.as_bytes()),
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn bool(&mut self, b: bool) {
        match self.proto {
            Proto::Resp2 => self.int(b as i64),
            Proto::Resp3 => self
                .buf
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    /// Verbatim text (`=` in RESP3 with a three-letter format, a bulk string in RESP2).
    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        match self.proto {
            Proto::Resp2 => self.bulk(text),
            Proto::Resp3 => {
                self.len_line(b'=', (text.len() + 4) as i64);
                self.buf.extend_from_slice(format.as_bytes());
                self.buf.put_u8(b':');
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
        }
    }
}

/// Formats a double the way Redis 7.0's `addReplyDouble` does (ZSCORE,
/// ZINCRBY, GEODIST...): `inf` and `-inf` spelled out, everything else with
/// C's `%.17g`, which glibc prints as `nan` or `-nan` (by the sign bit) for
/// NaN and as `-0` for negative zero. Callers wrap it: a bulk string in RESP2,
/// a `,` line in RESP3. (INCRBYFLOAT's long-double "human" format is a
/// different function and does not belong here.)
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return if d.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    fmt_g17(d)
}

/// C's `%.17g` for a finite value: 17 significant digits, trailing zeros
/// dropped, scientific notation when the decimal exponent is below -4 or at
/// least 17, with a sign and at least two exponent digits.
fn fmt_g17(d: f64) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rounding to 17 significant digits first gives the exponent %g decides
    // on (rounding can carry into a new digit, e.g. 9.99...e16 -> 1e17).
    let sci = format!("{:.16e}", d);
    let (mant, e) = sci.split_once('e').unwrap_or((&sci, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    if !(-4..17).contains(&e) {
        let mant = trim_zeros(mant);
        let sign = if e < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", mant, sign, e.abs())
    } else {
        let decimals = (16 - e).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, d)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// "00" to "99", back to back.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// How many bytes [`Header::copy_to`] writes: more than the longest header
/// (a prefix, 20 digits and CRLF), so the copy has a fixed size.
const HEADER_COPY: usize = 24;

/// A type-and-length line (`$5\r\n`, `*10\r\n`, `:-3\r\n`) built on the
/// stack: its bytes are `bytes[start..start + len]`, and the array is long
/// enough that HEADER_COPY bytes can always be copied from `start`.
struct Header {
    bytes: [u8; 2 * HEADER_COPY],
    start: usize,
    len: usize,
}

impl Header {
    #[inline]
    fn new(prefix: u8, n: i64) -> Header {
        let mut bytes = [0u8; 2 * HEADER_COPY];
        // Built backwards from the CRLF, which ends at HEADER_COPY + 2.
        let mut i = HEADER_COPY;
        bytes[i] = b'\r';
        bytes[i + 1] = b'\n';
        let mut v = n.unsigned_abs();
        // Two digits per division, as the length of a list reply or a big
        // counter has several.
        while v >= 100 {
            let d = (v % 100) as usize * 2;
            v /= 100;
            i -= 2;
            bytes[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
        }
        if v >= 10 {
            let d = v as usize * 2;
            i -= 2;
            bytes[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
        } else {
            i -= 1;
            bytes[i] = b'0' + v as u8;
        }
        if n < 0 {
            i -= 1;
            bytes[i] = b'-';
        }
        i -= 1;
        bytes[i] = prefix;
        Header {
            bytes,
            start: i,
            len: HEADER_COPY + 2 - i,
        }
    }

    /// Copies HEADER_COPY bytes, the header first, to `dst`.
    ///
    /// # Safety
    /// `dst` must be valid for writes of HEADER_COPY bytes.
    #[inline]
    unsafe fn copy_to(&self, dst: *mut u8) {
        // `start` is at least 2: the header has at most 23 bytes and ends at
        // HEADER_COPY + 2, so `start + HEADER_COPY` stays inside `bytes`.
        // SAFETY: the source range lies in `bytes` (above); the caller
        // vouches for `dst`.
        unsafe {
            std::ptr::copy_nonoverlapping(self.bytes.as_ptr().add(self.start), dst, HEADER_COPY);
        }
    }
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

fn fmt_i64(buf: &mut [u8; 20], n: i64) -> &[u8] {
    let mut i = buf.len();
    let neg = n < 0;
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if neg {
        // 20 digits is enough for u64::MAX; i64::MIN has 19 digits plus the sign.
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_bulks_match_their_formatted_form() {
        let mut nums: Vec<i64> = vec![i64::MIN, i64::MIN + 1, i64::MAX, -1, 0, 1];
        let mut p: i64 = 1;
        for _ in 0..18 {
            p *= 10;
            nums.extend([p - 1, p, p + 1, -p, 1 - p]);
        }
        for n in nums {
            let mut out = Out::new(Proto::Resp2);
            out.int(n);
            assert_eq!(&out.buf[..], format!(":{n}\r\n").as_bytes());
        }
        for len in [0usize, 1, 9, 10, 22, 23, 24, 25, 99, 100, 1000, 70000] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut out = Out::new(Proto::Resp2);
            // Several in a row, so each one starts where the last one ended.
            for _ in 0..3 {
                out.bulk(&data);
            }
            let mut want = format!("${len}\r\n").into_bytes();
            want.extend_from_slice(&data);
            want.extend_from_slice(b"\r\n");
            assert_eq!(&out.buf[..], want.repeat(3).as_slice(), "len {len}");
        }
    }

    fn enc(proto: Proto, f: impl FnOnce(&mut Out)) -> String {
        let mut o = Out::new(proto);
        f(&mut o);
        String::from_utf8(o.buf.to_vec()).unwrap()
    }

    #[test]
    fn integers_and_bulks() {
        assert_eq!(
            enc(Proto::Resp2, |o| o.int(i64::MIN)),
            ":-9223372036854775808\r\n"
        );
        assert_eq!(enc(Proto::Resp2, |o| o.bulk(b"hi")), "$2\r\nhi\r\n");
        assert_eq!(enc(Proto::Resp2, |o| o.bulk_int(-12)), "$3\r\n-12\r\n");
        assert_eq!(enc(Proto::Resp3, |o| o.null()), "_\r\n");
        assert_eq!(enc(Proto::Resp2, |o| o.map(2)), "*4\r\n");
    }

    /// Replies of redis-server 7.0.15 to ZSCORE after ZADD of each value,
    /// in RESP2 (a bulk) and RESP3 (a `,` line).
    #[test]
    fn doubles_like_redis() {
        let rows: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (0.1, "0.10000000000000001"),
            (3.0, "3"),
            (1e20, "1e+20"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (12345678901234567.0, "12345678901234568"),
            (0.0, "0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (1e-5, "1.0000000000000001e-05"),
            (0.0001, "0.0001"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "4.9406564584124654e-324"),
            (-2.5e-7, "-2.4999999999999999e-07"),
        ];
        for &(d, want) in rows {
            assert_eq!(format_double(d), want);
            assert_eq!(
                enc(Proto::Resp2, |o| o.double(d)),
                format!("${}\r\n{}\r\n", want.len(), want)
            );
            assert_eq!(enc(Proto::Resp3, |o| o.double(d)), format!(",{want}\r\n"));
        }
        assert_eq!(enc(Proto::Resp3, |o| o.double(f64::NAN)), ",nan\r\n");
        assert_eq!(format_double(-f64::NAN), "-nan");
        assert_eq!(format_double(-0.0), "-0");
    }

    extern "C" {
        fn snprintf(
            buf: *mut std::ffi::c_char,
            len: usize,
            fmt: *const std::ffi::c_char,
            ...
        ) -> std::ffi::c_int;
    }

    /// What the C library's `%.17g` prints, which is what Redis sends.
    fn c_g17(d: f64) -> String {
        let mut buf = [0 as std::ffi::c_char; 64];
        // SAFETY: the buffer is large enough for any %.17g output and its
        // length is passed; the format consumes exactly one double.
        let n = unsafe { snprintf(buf.as_mut_ptr(), buf.len(), c"%.17g".as_ptr(), d) };
        let bytes: Vec<u8> = buf[..n as usize].iter().map(|&c| c as u8).collect();
        String::from_utf8(bytes).expect("printf output is ASCII")
    }

    proptest::proptest! {
        #[test]
        fn format_double_is_printf_g17(bits in proptest::prelude::any::<u64>()) {
            let d = f64::from_bits(bits);
            if !d.is_infinite() {
                proptest::prop_assert_eq!(format_double(d), c_g17(d));
            }
        }

        #[test]
        fn format_double_is_printf_g17_near_exponent_edges(
            mant in 1.0f64..10.0,
            exp in -330i32..310,
        ) {
            let d = mant * 10f64.powi(exp);
            if d.is_finite() {
                proptest::prop_assert_eq!(format_double(d), c_g17(d));
                proptest::prop_assert_eq!(format_double(-d), c_g17(-d));
            }
        }
    }

    #[test]
    fn format_double_at_notation_edges_like_printf() {
        // The largest doubles below 1e17, 1e-4 and 1e-5 sit where %g switches
        // between fixed and scientific notation or changes the exponent.
        for d in [
            f64::from_bits(1e17f64.to_bits() - 1),
            f64::from_bits(1e-4f64.to_bits() - 1),
            f64::from_bits(1e-5f64.to_bits() - 1),
        ] {
            assert_eq!(format_double(d), c_g17(d));
        }
    }
}
