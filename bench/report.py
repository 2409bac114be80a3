#!/usr/bin/env python3
"""Helpers for bench/run.sh: parse redis-benchmark output, read process CPU
time and memory from /proc, and turn the run's records into the markdown
results table.

This file only reads files and prints; it must not start, stop or talk to
any server (run.sh owns the processes, so a crash is seen in one place).

Records file (TSV, written by run.sh, one line per event):
  run   <server> <workload> <rep> <status> <rps> <p50_ms> <p99_ms> <cpu_ticks> <requests> <note>
  mem   <server> <method> <keys> <used_memory_delta> <rss_delta> <note>
  event <server> <text>
"""

import os
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


def cpu_ticks(pid):
    """Prints utime+stime of a process (all its threads), in clock ticks."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
        stat = f.read()
    # The command name is in parentheses and may hold spaces, so the fields
    # are counted from the last ')'; utime and stime are fields 14 and 15.
    rest = stat[stat.rindex(")") + 2 :].split()
    print(int(rest[11]) + int(rest[12]))
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


def fmt_opt(x, spec):
    return "–" if x is None else format(x, spec)


def table(records_path, workloads_path, clk_tck, meta):
    clk_tck = float(clk_tck)
    runs = {}  # (workload, server) -> list of ok run dicts
    fails = {}  # (workload, server) -> list of notes
    mem = {}  # server -> (method, keys, used_delta, rss_delta)
    events = []
    with open(records_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            kind = cells[0]
            if kind == "run":
                _, server, wl, rep, status, rps, p50, p99, ticks, reqs, note = (cells + [""] * 11)[:11]
                if status != "ok":
                    fails.setdefault((wl, server), []).append(f"rep {rep}: {note}")
                    continue
                runs.setdefault((wl, server), []).append(
                    {
                        "rps": float(rps),
                        "p50": float(p50),
                        "p99": float(p99),
                        "cpu": float(ticks) / clk_tck * 1e6 / float(reqs),
                    }
                )
            elif kind == "mem":
                _, server, method, keys, used, rss, note = (cells + [""] * 7)[:7]
                mem[server] = (method, keys, used, rss, note)
            elif kind == "event":
                events.append(f"{cells[1]}: {cells[2] if len(cells) > 2 else ''}")

    def med(wl, server, key):
        rs = runs.get((wl, server))
        if not rs:
            return None
        return statistics.median(r[key] for r in rs)

    header = [
        "workload",
        "Redis ops/s",
        "Tessera ops/s",
        "ratio",
        "Redis p50 ms",
        "Tessera p50 ms",
        "Redis p99 ms",
        "Tessera p99 ms",
        "Redis CPU µs/op",
        "Tessera CPU µs/op",
        "CPU ratio",
    ]
    out = []
    if meta:
        out.append(meta)
        out.append("")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    notes = []
    for wl in read_workloads(workloads_path):
        if not any((wl, s) in runs or (wl, s) in fails for s in SERVERS):
            continue
        row = [wl]
        vals = {s: {k: med(wl, s, k) for k in ("rps", "p50", "p99", "cpu")} for s in SERVERS}

        def cell(s, k, fmt):
            v = vals[s][k]
            if v is None:
                return "FAIL" if (wl, s) in fails else "–"
            text = fmt(v)
            if (wl, s) in fails:
                text += " †"
            return text

        r, t = vals["redis"], vals["tessera"]
        row += [
            cell("redis", "rps", fmt_int),
            cell("tessera", "rps", fmt_int),
            fmt_ratio(t["rps"], r["rps"]),
            cell("redis", "p50", lambda v: f"{v:.3f}"),
            cell("tessera", "p50", lambda v: f"{v:.3f}"),
            cell("redis", "p99", lambda v: f"{v:.3f}"),
            cell("tessera", "p99", lambda v: f"{v:.3f}"),
            cell("redis", "cpu", lambda v: f"{v:.2f}"),
            cell("tessera", "cpu", lambda v: f"{v:.2f}"),
            fmt_ratio(t["cpu"], r["cpu"]),
        ]
        out.append("| " + " | ".join(row) + " |")
        for s in SERVERS:
            for n in fails.get((wl, s), []):
                notes.append(f"{wl} on {s} failed, {n}")

    def per_key(server, idx):
        m = mem.get(server)
        if not m:
            return None
        try:
            keys, delta = int(m[1]), int(m[idx])
        except ValueError:
            return None
        return delta / keys if keys > 0 else None

    if mem:
        for label, idx in (("memory/key", 2), ("RSS/key", 3)):
            r, t = per_key("redis", idx), per_key("tessera", idx)
            row = [
                label,
                fmt_opt(r, ".1f") + (" B" if r is not None else ""),
                fmt_opt(t, ".1f") + (" B" if t is not None else ""),
                fmt_ratio(t, r),
            ] + ["–"] * 7
            out.append("| " + " | ".join(row) + " |")
        for s in SERVERS:
            m = mem.get(s)
            if m and m[4]:
                notes.append(f"memory on {s}: {m[4]}")

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
    if cmd == "cpu-ticks":
        return cpu_ticks(*args)
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
