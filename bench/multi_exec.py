#!/usr/bin/env python3
"""multi_exec.py: a load generator for MULTI/EXEC transactions, which
redis-benchmark cannot send (it repeats one command per request). It only
INCRs the keys it is given and reads them; it must not write anything else.

Usage: multi_exec.py -p PORT [-c CLIENTS] [-P PIPELINE] [-n TRANSACTIONS] [--keys K ...]

CLIENTS connections (default 50) each send PIPELINE transactions (default 1)
in one write, every transaction being `MULTI; INCR k1; INCR k2; ...; EXEC`
(keys default to a b c), wait for all their replies, and repeat until
TRANSACTIONS (default 100000) have been sent in total. One operation is one
whole transaction. Every reply is checked: MULTI must answer +OK, each INCR
+QUEUED, EXEC an array of integers; afterwards each key must have grown by
exactly TRANSACTIONS (so nothing else may write the keys meanwhile).

Output is redis-benchmark's --csv format, so run.sh reads it unchanged:
transactions per second, and latency percentiles in milliseconds where a
transaction's latency is the round trip of the write that carried it (as
redis-benchmark counts a pipelined request). On any error the reason goes
to stderr and the exit status is 1.
"""

import argparse
import selectors
import sys
import time

from rclient import Conn, encode


def percentile(sorted_vals, q):
    if not sorted_vals:
        return 0.0
    i = min(len(sorted_vals) - 1, max(0, int(round(q / 100.0 * len(sorted_vals))) - 1))
    return sorted_vals[i]


def read_values(port, keys):
    c = Conn(port)
    vals = [c.call("GET", k) for k in keys]
    c.close()
    out = []
    for k, v in zip(keys, vals):
        try:
            out.append(int(v) if v is not None else 0)
        except (TypeError, ValueError):
            raise ValueError(f"key {k} holds {v!r}, not an integer INCR can grow") from None
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="MULTI/EXEC load generator")
    ap.add_argument("-p", type=int, required=True, dest="port")
    ap.add_argument("-c", type=int, default=50, dest="clients")
    ap.add_argument("-P", type=int, default=1, dest="pipeline")
    ap.add_argument("-n", type=int, default=100000, dest="total")
    ap.add_argument("--keys", nargs="+", default=["a", "b", "c"])
    opts = ap.parse_args(argv[1:])
    keys = opts.keys

    tx = encode(["MULTI"]) + b"".join(encode(["INCR", k]) for k in keys) + encode(["EXEC"])
    # Each transaction's replies are exactly this many lines: +OK, one
    # +QUEUED per key, the EXEC array header and one integer per key.
    lines_per_tx = 2 + 2 * len(keys)
    exec_header = b"*%d\r\n" % len(keys)

    before = read_values(opts.port, keys)
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(opts.clients):
        c = Conn(opts.port)
        c.sock.setblocking(False)
        conns.append(c)
    state = {}  # fd -> [conn, batch size, bytes received, send time]
    sent = 0
    latencies = []
    start = time.perf_counter()

    def send_batch(c):
        nonlocal sent
        n = min(opts.pipeline, opts.total - sent)
        if n <= 0:
            return False
        sent += n
        c.sock.setblocking(True)
        c.sock.sendall(tx * n)
        c.sock.setblocking(False)
        state[c.sock.fileno()] = [c, n, bytearray(), time.perf_counter()]
        return True

    for c in conns:
        if send_batch(c):
            sel.register(c.sock, selectors.EVENT_READ)
    done = 0
    while sel.get_map():
        ready = sel.select(timeout=30)
        if not ready:
            print(f"no reply for 30 s after {done} of {opts.total} transactions", file=sys.stderr)
            return 1
        for key, _ in ready:
            fd = key.fileobj.fileno()
            c, n, buf, t0 = state[fd]
            try:
                chunk = key.fileobj.recv(1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                print("the server closed a connection", file=sys.stderr)
                return 1
            buf += chunk
            if buf.count(b"\r\n") < n * lines_per_tx:
                continue
            rtt = (time.perf_counter() - t0) * 1000.0
            # A whole batch is in: check its shape before counting it.
            if buf.startswith(b"-") or b"\n-" in buf or b"\n*-1" in buf:
                print(f"error reply in a transaction batch: {bytes(buf[:300])!r}", file=sys.stderr)
                return 1
            if buf.count(b"+QUEUED\r\n") != n * len(keys) or buf.count(exec_header) != n:
                print(f"unexpected transaction replies: {bytes(buf[:300])!r}", file=sys.stderr)
                return 1
            latencies.extend([rtt] * n)
            done += n
            if not send_batch(c):
                sel.unregister(key.fileobj)
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    after = read_values(opts.port, keys)
    grown = [a - b for a, b in zip(after, before)]
    if any(g != opts.total for g in grown):
        print(f"keys {keys} grew by {grown}, expected {opts.total} each", file=sys.stderr)
        return 1
    latencies.sort()
    avg = sum(latencies) / len(latencies)
    print('"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"')
    cells = [
        done / elapsed,
        avg,
        latencies[0],
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        latencies[-1],
    ]
    name = "MULTI " + " ".join(f"INCR {k}" for k in keys) + " EXEC"
    print(f'"{name}",' + ",".join(f'"{v:.3f}"' for v in cells))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ConnectionError, ValueError) as e:
        print(f"multi_exec failed: {e}", file=sys.stderr)
        sys.exit(1)
