"""rclient.py: the smallest RESP2 client the bench helpers need (encode a
command, parse replies incrementally, call over one blocking socket).

It is for benchmark helpers only: it must not grow retries, pooling or
anything that would hide a server error; error replies come back as
ReplyError values so a pipelined caller can count and report them.
"""

import socket


class ReplyError(str):
    """An error reply (`-ERR ...`), kept as a value rather than raised."""


class Incomplete(Exception):
    """The buffer does not yet hold a whole reply."""


NIL = None


def encode(args):
    """One command as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = b"%d" % a
        elif isinstance(a, str):
            a = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


def parse(buf, pos):
    """Parses one reply at `pos`; returns (reply, next_pos).

    Raises Incomplete when the reply is not whole yet, so the caller reads
    more and tries again from the same position.
    """
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete
    kind = buf[pos : pos + 1]
    line = buf[pos + 1 : end]
    nxt = end + 2
    if kind == b"+":
        return line.decode("utf-8", "replace"), nxt
    if kind == b"-":
        return ReplyError(line.decode("utf-8", "replace")), nxt
    if kind == b":":
        return int(line), nxt
    if kind == b"$":
        n = int(line)
        if n < 0:
            return NIL, nxt
        if len(buf) < nxt + n + 2:
            raise Incomplete
        return bytes(buf[nxt : nxt + n]), nxt + n + 2
    if kind == b"*":
        n = int(line)
        if n < 0:
            return NIL, nxt
        items = []
        for _ in range(n):
            item, nxt = parse(buf, nxt)
            items.append(item)
        return items, nxt
    raise ValueError(f"unexpected reply type byte {kind!r} at offset {pos}")


class Conn:
    """One blocking connection; replies are read in order."""

    def __init__(self, port, host="127.0.0.1", timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def send(self, data):
        self.sock.sendall(data)

    def read(self):
        """The next reply, reading from the socket as needed."""
        while True:
            try:
                reply, self.pos = parse(self.buf, self.pos)
            except Incomplete:
                chunk = self.sock.recv(1 << 18)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                # Drop what was consumed before growing the buffer so it
                # stays the size of one pipeline's replies.
                del self.buf[: self.pos]
                self.pos = 0
                self.buf += chunk
                continue
            return reply

    def call(self, *args):
        self.send(encode(args))
        return self.read()

    def close(self):
        self.sock.close()
