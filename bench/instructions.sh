#!/usr/bin/env bash
# bench/instructions.sh: user-space instructions per operation, Tessera
# against Debian's redis-server, counted by valgrind's callgrind.
#
# Wall-clock and CPU-time benchmarks on a shared 2-CPU box move by 10% from
# run to run; an instruction count does not. It leaves out the kernel (the
# TCP work, about half of either server's time at pipeline 16), so it says
# how much work our own code does per command, not how fast the server is:
# use it to compare two builds, and run.sh for the verdict.
#
# Each server runs under callgrind with instrumentation off; for every
# workload the script turns it on, zeroes the counters, runs redis-benchmark
# (50 clients, pipeline 16), dumps the counters and divides by the requests.
# Tessera runs with one shard, so no mesh traffic is counted.
#
# Options (environment variables):
#   N=40000            requests per workload (callgrind runs ~50x slower)
#   TESTS="lpush lpop sadd spop hset zadd zrange get set"
#                      (zrange reads the sorted set zadd filled; lpop and
#                      spop pop what lpush and sadd pushed)
#   TESSERA_BIN=       binary to count (default: <target>/release/tessera-server)
#   REDIS=1            0 skips redis-server
#   PORT=7420          Tessera's port; Redis uses PORT+1
# Needs valgrind (apt-get install -y valgrind) and redis-tools.

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
N=${N:-40000}
TESTS=${TESTS:-lpush lpop sadd spop hset zadd zrange get set}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TESSERA_BIN=${TESSERA_BIN:-$TARGET_DIR/release/tessera-server}
REDIS=${REDIS:-1}
PORT=${PORT:-7420}

for tool in valgrind callgrind_control redis-benchmark redis-cli; do
    command -v "$tool" >/dev/null || {
        echo "instructions.sh: $tool is not on PATH" >&2
        exit 1
    }
done
WORK="$(mktemp -d /tmp/tessera-instr.XXXXXX)"
cleanup() {
    # The servers run under valgrind in background subshells: find them by
    # the output path only this run uses.
    pkill -f "callgrind-out-file=$WORK" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# Prints "name test=Ir/op ..." for one server command line.
count() {
    local name=$1 port=$2
    shift 2
    valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$WORK/$name.%p" "$@" >"$WORK/$name.log" 2>&1 &
    local vp=$!
    local i
    for ((i = 0; i < 150; i++)); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    local line="$name" t args f ir
    for t in $TESTS; do
        case $t in
            zadd) args=(-r 1000000 ZADD myzset __rand_int__ member:__rand_int__) ;;
            zrange) args=(ZRANGE myzset 0 9) ;;
            *) args=(-r 1000000 -t "$t") ;;
        esac
        callgrind_control -i on "$vp" >/dev/null 2>&1
        callgrind_control -z "$vp" >/dev/null 2>&1
        redis-benchmark -p "$port" -n "$N" -P 16 -c 50 -q "${args[@]}" >/dev/null 2>&1
        callgrind_control -d "$t" "$vp" >/dev/null 2>&1
        callgrind_control -i off "$vp" >/dev/null 2>&1
        # shellcheck disable=SC2012
        f=$(ls -t "$WORK/$name".* | grep -v '\.log$' | head -1)
        ir=$(grep -E '^(summary|totals):' "$f" | head -1 | awk '{print $2}')
        line="$line $t=$((ir / N))"
    done
    echo "$line"
    kill "$vp" 2>/dev/null
    wait "$vp" 2>/dev/null
}

count tessera "$PORT" "$TESSERA_BIN" --port "$PORT" --shards 1 --save '' --appendonly no \
    --dir "$WORK" &
if [[ "$REDIS" == 1 ]]; then
    count redis $((PORT + 1)) redis-server --port $((PORT + 1)) --save '' --appendonly no \
        --dir "$WORK" &
fi
wait
