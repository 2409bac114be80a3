//! A blocking RESP2/RESP3 client over a std `TcpStream` for tests; it must never wait forever.
//!
//! Every read has a timeout (10 s unless changed), so a server that hangs fails the test
//! with a message instead of hanging CI. Methods without `try_` panic with context because
//! that is what a test wants; the `try_` forms return the I/O error for tests that expect
//! the server to close the connection.

use crate::Reply;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The read timeout a new connection gets.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Bulk payloads above this are treated as a protocol error rather than allocated: no test
/// sends more than a few megabytes, so a larger length means a corrupt stream.
const MAX_BULK: usize = 600 << 20;

/// How deeply aggregates may nest before the stream is declared corrupt.
const MAX_DEPTH: usize = 64;

/// One client connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    addr: SocketAddr,
    timeout: Duration,
}

/// Encodes `args` as a RESP array of bulk strings, the form every client sends.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn corrupt(msg: String) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, msg)
}

impl Conn {
    /// The bytes a client sends for `args` (a RESP array of bulk strings), for tests that
    /// assemble pipelines by hand.
    pub fn encode<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
        encode_command(args)
    }

    /// Connects to `addr` with the default read timeout.
    pub fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, DEFAULT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(DEFAULT_TIMEOUT))?;
        stream.set_write_timeout(Some(DEFAULT_TIMEOUT))?;
        let writer = stream.try_clone()?;
        Ok(Conn {
            reader: BufReader::new(stream),
            writer,
            addr,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The address this connection talks to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Changes how long a read may wait for the server.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
        // A zero timeout is rejected by std; treat it as the smallest real one.
        let t = timeout.max(Duration::from_millis(1));
        self.writer
            .set_read_timeout(Some(t))
            .expect("set_read_timeout");
        self.writer
            .set_write_timeout(Some(t))
            .expect("set_write_timeout");
    }

    /// Sends one command and reads its reply, or panics naming the command.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        match self.try_cmd(args) {
            Ok(r) => r,
            Err(e) => panic!("command {} to {} failed: {e}", show_args(args), self.addr),
        }
    }

    /// Sends one command and reads its reply.
    pub fn try_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Reply> {
        self.try_send_raw(&encode_command(args))?;
        self.try_read_reply()
    }

    /// Writes one command without waiting for its reply (for pipelines).
    pub fn send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send_raw(&encode_command(args));
    }

    /// Writes raw bytes, or panics.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(e) = self.try_send_raw(bytes) {
            panic!("write to {} failed: {e}", self.addr);
        }
    }

    /// Writes raw bytes.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }

    /// Reads the next reply, or panics (timeout, closed connection, corrupt stream).
    pub fn read_reply(&mut self) -> Reply {
        match self.try_read_reply() {
            Ok(r) => r,
            Err(e) => panic!("reading a reply from {} failed: {e}", self.addr),
        }
    }

    /// Reads the next reply. A closed connection is `ErrorKind::UnexpectedEof`, a timeout
    /// is `ErrorKind::TimedOut`.
    pub fn try_read_reply(&mut self) -> io::Result<Reply> {
        self.read_frame(0).map_err(|e| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => io::Error::new(
                ErrorKind::TimedOut,
                format!("no reply within {:?}", self.timeout),
            ),
            _ => e,
        })
    }

    /// Waits up to the read timeout for the server to close the connection; true if it did.
    /// Bytes that arrive first are discarded, so call this after reading the replies you
    /// care about.
    pub fn wait_closed(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        loop {
            match self.reader.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return false
                }
                // A reset is a close too: the server may drop unread input with RST.
                Err(_) => return true,
            }
        }
    }

    fn read_line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        let n = self.reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Err(io::Error::new(
                ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        if !line.ends_with(b"\r\n") {
            return Err(io::Error::new(
                ErrorKind::UnexpectedEof,
                format!(
                    "line not terminated by CRLF before close: {:?}",
                    String::from_utf8_lossy(&line)
                ),
            ));
        }
        line.truncate(line.len() - 2);
        String::from_utf8(line).map_err(|e| corrupt(format!("non-UTF-8 header line: {e}")))
    }

    fn read_blob(&mut self, len: &str) -> io::Result<Vec<u8>> {
        let n: usize = len
            .parse()
            .map_err(|_| corrupt(format!("bad blob length {len:?}")))?;
        if n > MAX_BULK {
            return Err(corrupt(format!("blob length {n} is implausible")));
        }
        let mut buf = vec![0u8; n + 2];
        self.reader.read_exact(&mut buf)?;
        if !buf.ends_with(b"\r\n") {
            return Err(corrupt("blob not followed by CRLF".into()));
        }
        buf.truncate(n);
        Ok(buf)
    }

    fn read_count(text: &str) -> io::Result<Option<usize>> {
        if text == "-1" {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| corrupt(format!("bad aggregate length {text:?}")))
    }

    fn read_many(&mut self, n: usize, depth: usize) -> io::Result<Vec<Reply>> {
        // Capacity is capped so a corrupt length cannot allocate a huge vector up front.
        let mut v = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            v.push(self.read_frame(depth + 1)?);
        }
        Ok(v)
    }

    fn read_frame(&mut self, depth: usize) -> io::Result<Reply> {
        if depth > MAX_DEPTH {
            return Err(corrupt("aggregates nested too deeply".into()));
        }
        let line = self.read_line()?;
        let Some(kind) = line.chars().next() else {
            return Err(corrupt("empty header line".into()));
        };
        let rest = &line[kind.len_utf8()..];
        Ok(match kind {
            '+' => Reply::Simple(rest.to_string()),
            '-' => Reply::Error(rest.to_string()),
            ':' => Reply::Int(
                rest.parse()
                    .map_err(|_| corrupt(format!("bad integer {rest:?}")))?,
            ),
            '$' if rest == "-1" => Reply::Nil,
            '$' => Reply::Bulk(self.read_blob(rest)?),
            '*' => match Self::read_count(rest)? {
                None => Reply::NilArray,
                Some(n) => Reply::Array(self.read_many(n, depth)?),
            },
            '~' => {
                let n = Self::read_count(rest)?.unwrap_or(0);
                Reply::Set(self.read_many(n, depth)?)
            }
            '>' => {
                let n = Self::read_count(rest)?.unwrap_or(0);
                Reply::Push(self.read_many(n, depth)?)
            }
            '%' => {
                let n = Self::read_count(rest)?.unwrap_or(0);
                let flat = self.read_many(n * 2, depth)?;
                let mut pairs = Vec::with_capacity(n);
                let mut it = flat.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Reply::Map(pairs)
            }
            '_' => Reply::Null,
            ',' => Reply::Double(rest.to_string()),
            '#' => match rest {
                "t" => Reply::Bool(true),
                "f" => Reply::Bool(false),
                _ => return Err(corrupt(format!("bad boolean {rest:?}"))),
            },
            '(' => Reply::BigNum(rest.to_string()),
            '!' => Reply::BlobError(self.read_blob(rest)?),
            '=' => {
                let payload = self.read_blob(rest)?;
                if payload.len() < 4 || payload[3] != b':' {
                    return Err(corrupt("verbatim string without a format".into()));
                }
                Reply::Verbatim {
                    format: String::from_utf8_lossy(&payload[..3]).into_owned(),
                    text: payload[4..].to_vec(),
                }
            }
            // Attributes describe the reply that follows; tests want the reply itself.
            '|' => {
                let n = Self::read_count(rest)?.unwrap_or(0);
                self.read_many(n * 2, depth)?;
                self.read_frame(depth)?
            }
            other => return Err(corrupt(format!("unknown reply type {other:?} in {line:?}"))),
        })
    }
}

/// Renders a command for a failure message.
pub(crate) fn show_args<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.iter()
        .map(|a| Reply::Bulk(a.as_ref().to_vec()).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// Runs a fake server that sends `bytes` to the first client and then closes.
    fn scripted(bytes: &'static [u8]) -> Conn {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.write_all(bytes).unwrap();
        });
        Conn::connect(addr).unwrap()
    }

    #[test]
    fn parses_every_resp3_type() {
        let mut c = scripted(
            b"+OK\r\n-ERR x\r\n:-5\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n_\r\n*2\r\n:1\r\n$0\r\n\r\n\
              %1\r\n+a\r\n#t\r\n~1\r\n,3.14\r\n=8\r\ntxt:some\r\n>2\r\n+m\r\n(123\r\n\
              !3\r\nbad\r\n|1\r\n+k\r\n+v\r\n:7\r\n",
        );
        let got: Vec<Reply> = (0..14).map(|_| c.read_reply()).collect();
        assert_eq!(
            got,
            vec![
                Reply::ok(),
                Reply::Error("ERR x".into()),
                Reply::Int(-5),
                Reply::bulk("abc"),
                Reply::Nil,
                Reply::NilArray,
                Reply::Null,
                Reply::Array(vec![Reply::Int(1), Reply::bulk("")]),
                Reply::Map(vec![(Reply::simple("a"), Reply::Bool(true))]),
                Reply::Set(vec![Reply::Double("3.14".into())]),
                Reply::Verbatim {
                    format: "txt".into(),
                    text: b"some".to_vec()
                },
                Reply::Push(vec![Reply::simple("m"), Reply::BigNum("123".into())]),
                Reply::BlobError(b"bad".to_vec()),
                Reply::Int(7),
            ]
        );
        assert!(c.wait_closed());
    }

    #[test]
    fn closed_connection_is_eof() {
        let mut c = scripted(b"$5\r\nab");
        let e = c.try_read_reply().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedEof);
    }

    #[test]
    fn silence_times_out() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = Conn::connect(l.local_addr().unwrap()).unwrap();
        c.set_timeout(Duration::from_millis(50));
        let e = c.try_read_reply().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TimedOut);
        drop(l);
    }

    #[test]
    fn encodes_commands_as_bulk_arrays() {
        assert_eq!(
            encode_command(&["SET", "k", ""]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
        );
    }
}
