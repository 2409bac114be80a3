#!/usr/bin/env python3
"""load.py: loads data into a server for bench/run.sh and reports where keys
live. It writes only the keys it is asked to write and never flushes,
starts or stops a server (run.sh owns the servers and the FLUSHALLs).

Subcommands:
  setup PORT 'CMD ARG ...; CMD ARG ...'
      Sends the commands pipelined and fails on any error reply. A token
      `pre{a..b}post` expands to one argument per integer from a to b, so
      `SADD s1 {1..20}` adds twenty members.
  collections PORT KIND COUNT
      Writes COUNT keys of one shape, pipelined (KIND: hash = 10 fields of
      about 8 bytes, set = 10 small integers, zset = 10 members with integer
      scores). Prints the number of commands sent.
  spread PORT KEY...
      Prints how the keys group by shard, e.g. `{s1 s3} {s2}`, found from
      outside: a multi-key EXISTS raises Tessera's INFO multi_shard_ops only
      when its keys live on different shards. Prints nothing when the server
      has no such counter (Redis).
"""

import re
import sys

from rclient import Conn, ReplyError, encode

RANGE = re.compile(r"^(.*)\{(-?\d+)\.\.(-?\d+)\}(.*)$")
BATCH = 1000


def expand(token):
    m = RANGE.match(token)
    if not m:
        return [token]
    pre, a, b, post = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    return [f"{pre}{i}{post}" for i in range(a, b + 1)]


def parse_script(text):
    cmds = []
    for part in text.split(";"):
        words = part.split()
        if not words:
            continue
        args = []
        for w in words:
            args.extend(expand(w))
        cmds.append(args)
    return cmds


def pipeline(conn, cmds):
    """Sends commands in batches and returns the first error reply, if any."""
    first_error = None
    for i in range(0, len(cmds), BATCH):
        batch = cmds[i : i + BATCH]
        conn.send(b"".join(encode(c) for c in batch))
        for c in batch:
            r = conn.read()
            if isinstance(r, ReplyError) and first_error is None:
                first_error = f"{' '.join(map(str, c[:3]))} ...: {r}"
    return first_error


def setup(port, text):
    conn = Conn(int(port))
    err = pipeline(conn, parse_script(text))
    if err:
        print(f"setup failed: {err}", file=sys.stderr)
        return 1
    return 0


def shape(kind, i):
    """The command that writes key number i of a shape."""
    if kind == "hash":
        args = ["HSET", f"hash:{i}"]
        for j in range(10):
            args += [f"field{j}", f"v{(i * 10 + j) % 1000000:06d}"]
        return args
    if kind == "set":
        # Distinct members below 10,000 keep both servers on 16-bit intsets.
        return ["SADD", f"set:{i}"] + [str(j * 1000 + i % 1000) for j in range(10)]
    if kind == "zset":
        args = ["ZADD", f"zset:{i}"]
        for j in range(10):
            args += [str(j + i % 100), f"member:{j}"]
        return args
    raise ValueError(f"unknown kind {kind} (hash, set or zset)")


def collections(port, kind, count):
    conn = Conn(int(port))
    count = int(count)
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        conn.send(b"".join(encode(shape(kind, i)) for i in range(start, start + n)))
        for _ in range(n):
            r = conn.read()
            if isinstance(r, ReplyError):
                print(f"{kind} load failed: {r}", file=sys.stderr)
                return 1
    print(count)
    return 0


def multi_shard_ops(conn):
    info = conn.call("INFO", "stats")
    for line in info.decode().splitlines():
        if line.startswith("multi_shard_ops:"):
            return int(line.split(":", 1)[1])
    return None


def spread(port, keys):
    conn = Conn(int(port))
    if multi_shard_ops(conn) is None:
        return 0
    groups = []
    for k in keys:
        for g in groups:
            before = multi_shard_ops(conn)
            conn.call("EXISTS", g[0], k)
            if multi_shard_ops(conn) == before:
                g.append(k)
                break
        else:
            groups.append([k])
    print(" ".join("{" + " ".join(g) + "}" for g in groups))
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "setup":
        return setup(*args)
    if cmd == "collections":
        return collections(*args)
    if cmd == "spread":
        return spread(args[0], args[1:])
    print(f"unknown subcommand {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
