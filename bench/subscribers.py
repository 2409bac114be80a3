#!/usr/bin/env python3
"""subscribers.py: holds SUBSCRIBE connections open while bench/run.sh runs a
PUBLISH benchmark, and counts the messages each one receives. It only
subscribes and reads; it must not publish or write keys.

Usage: subscribers.py PORT CLIENTS CHANNEL EXPECT

Opens CLIENTS connections, subscribes each to CHANNEL, prints `ready` once
every subscription is confirmed, then counts `message` pushes per
connection. It stops when every connection has EXPECT messages, or after
SIGTERM once the sockets have been quiet for two seconds (what is queued is
still counted). The last line on stdout summarizes, e.g.
`10 subscribers got 20000/20000 messages each` or, when some fell short,
`subscribers got 19990..20000 of 20000 messages (3 short, 1 closed)`.
The exit status is 0 when every subscriber got EXPECT messages.
"""

import selectors
import signal
import sys

from rclient import Conn, encode

# Every pushed message starts with this (RESP2 array of three bulk strings).
MARKER = b"$7\r\nmessage\r\n"

stopping = False


def on_term(_sig, _frame):
    global stopping
    stopping = True


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    port, clients, channel, expect = int(argv[1]), int(argv[2]), argv[3], int(argv[4])
    signal.signal(signal.SIGTERM, on_term)
    conns = []
    for _ in range(clients):
        c = Conn(port)
        c.send(encode(["SUBSCRIBE", channel]))
        conns.append(c)
    for c in conns:
        reply = c.read()
        if not (isinstance(reply, list) and reply[:1] == [b"subscribe"]):
            print(f"SUBSCRIBE answered {reply!r}", file=sys.stderr)
            return 1
    print("ready", flush=True)

    sel = selectors.DefaultSelector()
    counts = [0] * clients
    tails = [b""] * clients
    closed = 0
    for i, c in enumerate(conns):
        # Anything read past the confirmation is already a message.
        rest = bytes(c.buf[c.pos :])
        counts[i] = rest.count(MARKER)
        tails[i] = rest[-(len(MARKER) - 1) :]
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, i)
    while True:
        if all(n >= expect for n in counts):
            break
        if not sel.get_map():
            break
        # Once asked to stop, two seconds without anything to read end the
        # count. The quiet time is measured by select, not by a clock, so a
        # helper that was itself starved of CPU still reads what is queued.
        ready = sel.select(timeout=2.0 if stopping else 0.2)
        if not ready and stopping:
            break
        for key, _ in ready:
            i = key.data
            try:
                chunk = key.fileobj.recv(1 << 18)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(key.fileobj)
                closed += 1
                continue
            # Count markers across chunk boundaries by keeping the last few
            # bytes of the previous chunk in front of this one.
            data = tails[i] + chunk
            counts[i] += data.count(MARKER)
            tails[i] = data[-(len(MARKER) - 1) :]
    lo, hi = min(counts), max(counts)
    short = sum(1 for n in counts if n < expect)
    if short == 0 and closed == 0:
        print(f"{clients} subscribers got {expect}/{expect} messages each")
        return 0
    print(
        f"subscribers got {lo}..{hi} of {expect} messages ({short} short, {closed} closed by the server)"
    )
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ConnectionError) as e:
        print(f"subscribers failed: {e}")
        sys.exit(1)
