#!/usr/bin/env bash
# bench/steady.sh: server CPU per command in the steady state, Tessera
# against Debian's redis-server, split into user and kernel time.
#
# run.sh times whole runs, connection set-up and warm-up included. This
# script starts a long redis-benchmark, lets it warm up for a second, and
# reads the server's user and system time (/proc/<pid>/stat) and its
# command count (INFO stats) over a fixed window in the middle, alternating
# the servers REPS times; it prints the medians. It answers "where does the
# time go, kernel or us" for one command shape, e.g. a command that does
# almost nothing (GET of a missing key).
#
#   bench/steady.sh                          # GET nokey, SPOP nokey, LPUSH, at P16
#   CMDS="-t hset|ZRANGE myzset 0 9" bench/steady.sh
#
# Options (environment variables):
#   CMDS   redis-benchmark arguments per case, separated by '|'
#   REPS=3 WINDOW=3 (seconds) P=16 SHARDS=1
#   TESSERA_BIN (default: <target>/release/tessera-server), PORT=7430 (Redis: PORT+1)

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CMDS=${CMDS:-"GET nokey|SPOP nokey|-t lpush"}
REPS=${REPS:-3}
WINDOW=${WINDOW:-3}
P=${P:-16}
SHARDS=${SHARDS:-1}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TESSERA_BIN=${TESSERA_BIN:-$TARGET_DIR/release/tessera-server}
PORT=${PORT:-7430}
RPORT=$((PORT + 1))
TCK=$(getconf CLK_TCK)

for port in $PORT $RPORT; do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "steady.sh: something already answers on port $port" >&2
        exit 1
    fi
done
WORK="$(mktemp -d /tmp/tessera-steady.XXXXXX)"
"$TESSERA_BIN" --port "$PORT" --shards "$SHARDS" --save '' --appendonly no \
    --dir "$WORK" >"$WORK/tessera.log" 2>&1 &
TPID=$!
redis-server --port "$RPORT" --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
RPID=$!
cleanup() {
    pkill -f "redis-benchmark -p ($PORT|$RPORT) " 2>/dev/null
    kill "$TPID" "$RPID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
for port in $PORT $RPORT; do
    for _ in $(seq 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
done

commands() {
    redis-cli -p "$1" info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'
}

# Prints "total user sys" µs per command for one server and one case.
window() {
    local pid=$1 port=$2 u0 s0 u1 s1 c0 c1
    shift 2
    # shellcheck disable=SC2068
    redis-benchmark -p "$port" -n 1000000000 -P "$P" -c 50 -r 1000000 -q $@ >/dev/null 2>&1 &
    local rb=$!
    sleep 1
    c0=$(commands "$port")
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    sleep "$WINDOW"
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    c1=$(commands "$port")
    kill "$rb" 2>/dev/null
    wait "$rb" 2>/dev/null
    awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n=$((c1 - c0)) -v t="$TCK" \
        'BEGIN { f = 1e6 / t / n; printf "%.3f %.3f %.3f\n", (u + s) * f, u * f, s * f }'
}

IFS='|' read -ra cases <<<"$CMDS"
for c in "${cases[@]}"; do
    : >"$WORK/r"
    : >"$WORK/t"
    for _ in $(seq "$REPS"); do
        # shellcheck disable=SC2086
        window "$RPID" "$RPORT" $c >>"$WORK/r"
        # shellcheck disable=SC2086
        window "$TPID" "$PORT" $c >>"$WORK/t"
    done
    python3 - "$c" "$WORK/r" "$WORK/t" "$P" <<'PY'
import statistics as st
import sys

name, rpath, tpath, depth = sys.argv[1:]
def cols(path):
    rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
    return [st.median(r[i] for r in rows) for i in range(3)]
r, t = cols(rpath), cols(tpath)
print(f"{name} P{depth}: CPU us/cmd redis {r[0]:.3f} tessera {t[0]:.3f} ratio {t[0] / r[0]:.2f}"
      f" | user {r[1]:.3f} vs {t[1]:.3f} | sys {r[2]:.3f} vs {t[2]:.3f}")
PY
done
