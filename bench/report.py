#!/usr/bin/env python3
"""Helpers for bench/run.sh: parse redis-benchmark output, read process CPU
time (the kernel's per-process CPU clock) and memory (/proc), and turn the run's records into the markdown
results table.

This file only reads files and prints; it must not start, stop or talk to
any server (run.sh owns the processes, so a crash is seen in one place).

Records file (TSV, written by run.sh, one line per event):
  run   <server> <workload> <rep> <status> <rps> <p50_ms> <p99_ms> <cpu_ns> <requests> <note>
  mem   <server> <row> <keys> <used_memory_delta> <rss_delta> <note>
  note  <text>
  event <server> <text>

<server> is `redis` or `tessera:<shards>`; <row> is strings, hash, set or
zset; an empty <rss_delta> means RSS was not measured. A `note` is printed
under the table once, however often it was recorded.
"""

import os
import time
import statistics
import sys

SERVERS = ("redis", "tessera")


def parse_rb(path):
    """Prints `rps p50 p99` from one redis-benchmark --csv output file.

    redis-benchmark 7 prints a quoted header line and then one line per test;
    run.sh runs one test per invocation, so the first data line is the one.
    Exits with status 1 when there is no data line (the server replied with
    an error, or the run was cut short), so the caller can record a failure.
    """
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith('"') or line.startswith('"test"'):
                continue
            cells = [c.strip('"') for c in line.split(",")]
            # Columns: test, rps, avg, min, p50, p95, p99, max.
            if len(cells) < 8:
                continue
            try:
                rps, p50, p99 = float(cells[1]), float(cells[4]), float(cells[6])
            except ValueError:
                continue
            print(f"{rps}\t{p50}\t{p99}")
            return 0
    return 1


def cpu_ns(pid):
    """Prints the CPU time a process has used (all its threads, including
    threads that have exited), in nanoseconds.

    This is the process's CPU-time clock, the one `clock_getcpuclockid(pid)`
    names; glibc builds its id as `(~pid << 3) | 2` (CPUCLOCK_SCHED), which
    Python does not wrap. utime+stime in /proc/<pid>/stat count the same
    time but in 10 ms clock ticks: a 0.2 s run at pipeline 16 is only ~20
    ticks, so one tick either way moved the CPU column by 5%.
    """
    clock = ((~int(pid)) << 3) | 2
    print(time.clock_gettime_ns(clock))
    return 0


def rss_bytes(pid):
    """Prints VmRSS of a process in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                parts = line.split()
                print(int(parts[1]) * 1024)
                return 0
    return 1


def info_field(path, field):
    """Prints one `field:value` from saved INFO output, or nothing."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith(field + ":"):
                print(line.split(":", 1)[1])
                return 0
    return 1


def read_workloads(path):
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            names.append(line.rstrip("\n").split("\t")[0])
    return names


def fmt_int(x):
    return f"{x:,.0f}"


def fmt_ratio(a, b):
    """Tessera over Redis; a dash when either side is missing."""
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}x"


def fmt_x(ratio):
    """A ratio computed elsewhere; a dash when it is missing."""
    return "–" if ratio is None else f"{ratio:.2f}x"


def fmt_opt(x, spec):
    return "–" if x is None else format(x, spec)


# Memory rows: (record row, table label, which delta: 4 = used_memory, 5 = RSS).
MEM_ROWS = (
    ("strings", "memory/key, 32 B strings", 4),
    ("strings", "RSS/key, 32 B strings", 5),
    ("hash", "memory/key, hash of 10 fields", 4),
    ("set", "memory/key, set of 10 ints", 4),
    ("zset", "memory/key, zset of 10 members", 4),
)


def tessera_variants(servers_seen):
    """Tessera's record names (`tessera:<shards>`), fewest shards first."""
    names = {s for s in servers_seen if s.startswith("tessera")}

    def shards(name):
        tail = name.partition(":")[2]
        return int(tail) if tail.isdigit() else 0

    return sorted(names, key=shards)


def variant_label(name, many):
    """`Tessera`, or `Tessera 2sh` when the table holds several shard counts."""
    if not many:
        return "Tessera"
    return f"Tessera {name.partition(':')[2]}sh"


def table(records_path, workloads_path, meta):
    runs = {}  # (workload, server) -> list of ok run dicts
    fails = {}  # (workload, server) -> list of notes
    mem = {}  # (row, server) -> record cells
    events = []
    run_notes = []  # texts of `note` records, in order, without repeats
    seen = []
    with open(records_path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f):
            cells = line.rstrip("\n").split("\t")
            kind = cells[0]
            if kind == "run":
                _, server, wl, rep, status, rps, p50, p99, cpu_ns, reqs, note = (cells + [""] * 11)[:11]
                seen.append(server)
                if status != "ok":
                    fails.setdefault((wl, server), []).append(f"rep {rep}: {note}")
                    continue
                runs.setdefault((wl, server), []).append(
                    {
                        "rps": float(rps),
                        "p50": float(p50),
                        "p99": float(p99),
                        "cpu": float(cpu_ns) / 1e3 / float(reqs),
                        "rep": rep,
                        "line": lineno,
                    }
                )
            elif kind == "mem":
                cells = (cells + [""] * 7)[:7]
                seen.append(cells[1])
                mem[(cells[2], cells[1])] = cells
            elif kind == "event":
                events.append(f"{cells[1]}: {cells[2] if len(cells) > 2 else ''}")
            elif kind == "note":
                text = cells[1] if len(cells) > 1 else ""
                if text not in run_notes:
                    run_notes.append(text)

    variants = tessera_variants(seen)
    many = len(variants) > 1
    servers = ["redis"] + variants
    labels = {v: variant_label(v, many) for v in variants}
    suffix = {v: (f" {v.partition(':')[2]}sh" if many else "") for v in variants}

    def med(wl, server, key):
        rs = runs.get((wl, server))
        if not rs:
            return None
        return statistics.median(r[key] for r in rs)

    def paired_ratio(wl, variant, key):
        """The median over repetitions of Tessera's figure divided by
        Redis's in the same repetition: the Redis run of the same rep that
        ran right before or after it (nearest in the records), on the same
        data and in the same state of the machine."""
        ratios = []
        reds = runs.get((wl, "redis"), [])
        for t in runs.get((wl, variant), []):
            same = [r for r in reds if r["rep"] == t["rep"]]
            if not same:
                continue
            r = min(same, key=lambda r: abs(r["line"] - t["line"]))
            if r[key] > 0:
                ratios.append(t[key] / r[key])
        return statistics.median(ratios) if ratios else None

    # Columns: throughput with a ratio per variant, then latencies, then CPU
    # with a ratio per variant, so one shard count reads across like the
    # single-count table.
    header = ["workload", "Redis ops/s"]
    for v in variants:
        header += [f"{labels[v]} ops/s", "ratio" + suffix[v]]
    header += ["Redis p50 ms"] + [f"{labels[v]} p50 ms" for v in variants]
    header += ["Redis p99 ms"] + [f"{labels[v]} p99 ms" for v in variants]
    header += ["Redis CPU µs/op"]
    for v in variants:
        header += [f"{labels[v]} CPU µs/op", "CPU ratio" + suffix[v]]

    out = []
    if meta:
        out.append(meta)
        out.append("")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    notes = []
    for wl in read_workloads(workloads_path):
        if not any((wl, s) in runs or (wl, s) in fails for s in servers):
            continue
        vals = {s: {k: med(wl, s, k) for k in ("rps", "p50", "p99", "cpu")} for s in servers}

        def cell(s, k, fmt):
            v = vals[s][k]
            if v is None:
                return "FAIL" if (wl, s) in fails else "–"
            text = fmt(v)
            if (wl, s) in fails:
                text += " †"
            return text

        def ms(v):
            return f"{v:.3f}"

        def us(v):
            return f"{v:.2f}"

        r = vals["redis"]
        row = [wl, cell("redis", "rps", fmt_int)]
        for v in variants:
            row += [cell(v, "rps", fmt_int), fmt_x(paired_ratio(wl, v, "rps"))]
        row += [cell(s, "p50", ms) for s in servers]
        row += [cell(s, "p99", ms) for s in servers]
        row += [cell("redis", "cpu", us)]
        for v in variants:
            row += [cell(v, "cpu", us), fmt_x(paired_ratio(wl, v, "cpu"))]
        out.append("| " + " | ".join(row) + " |")
        for s in servers:
            for n in fails.get((wl, s), []):
                notes.append(f"{wl} on {s} failed, {n}")

    def per_key(row, server, idx):
        m = mem.get((row, server))
        if not m:
            return None
        try:
            keys, delta = int(m[3]), int(m[idx])
        except ValueError:
            return None
        return delta / keys if keys > 0 else None

    def bytes_cell(x):
        return fmt_opt(x, ",.1f") + (" B" if x is not None else "")

    for row_name, label, idx in MEM_ROWS:
        if not any((row_name, s) in mem for s in servers):
            continue
        r = per_key(row_name, "redis", idx)
        row = [label, bytes_cell(r)]
        for v in variants:
            t = per_key(row_name, v, idx)
            row += [bytes_cell(t), fmt_ratio(t, r)]
        row += ["–"] * (len(header) - len(row))
        out.append("| " + " | ".join(row) + " |")
    for (row_name, s), m in mem.items():
        if m[6]:
            notes.append(f"memory ({row_name}) on {s}: {m[6]}")

    notes += run_notes
    notes += events
    if notes:
        out.append("")
        out.append("Notes († = median over the repetitions that succeeded):" if fails else "Notes:")
        out.append("")
        for n in notes:
            out.append(f"- {n}")
    print("\n".join(out))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "parse-rb":
        return parse_rb(*args)
    if cmd == "cpu-ns":
        return cpu_ns(*args)
    if cmd == "rss":
        return rss_bytes(*args)
    if cmd == "info-field":
        return info_field(*args)
    if cmd == "table":
        meta = os.environ.get("BENCH_META", "")
        return table(*args, meta=meta)
    print(f"unknown subcommand {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
