#!/usr/bin/env bash
# bench/run.sh: compares Tessera with Debian's redis-server on this machine.
# It builds tessera-server in release mode, starts both servers with the same
# settings, measures memory per key, then runs every workload of
# bench/workloads.tsv with redis-benchmark against both (alternating which
# goes first), and prints one markdown table of medians, also written to
# bench/results/latest.md. It only kills the two servers it started.
#
# Options (environment variables):
#   N=300000          requests per redis-benchmark run
#   REPS=3            repetitions per workload and server (medians are reported)
#   QUICK=1           smoke run: defaults become N=20000, REPS=1, MEM_KEYS=200000
#   CLIENTS=50        redis-benchmark -c
#   KEYSPACE=1000000  redis-benchmark -r
#   SHARDS=2          tessera-server --shards
#   TESSERA_PORT=7400 REDIS_PORT=7401
#   TESSERA_ARGS=     extra tessera-server arguments
#   REDIS_ARGS=       extra redis-server arguments
#   RB_ARGS=          extra redis-benchmark arguments for every run (e.g. --threads 2)
#   ONLY=             extended regex; run only workloads whose name matches
#   WORKLOADS=        workload file (default bench/workloads.tsv)
#   MEMORY=1          0 skips the memory test
#   MEM_KEYS=1000000  keys loaded for the memory test
#   BUILD=1           0 skips cargo build (uses the existing binary)
#   TESSERA_BIN=      path of the binary (default: <target>/release/tessera-server)
#   RUN_TIMEOUT=300   seconds before one redis-benchmark run is abandoned

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY="python3 $HERE/report.py"

if [[ "${QUICK:-0}" == 1 ]]; then
    N=${N:-20000}
    REPS=${REPS:-1}
    MEM_KEYS=${MEM_KEYS:-200000}
fi
N=${N:-300000}
REPS=${REPS:-3}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-1000000}
SHARDS=${SHARDS:-2}
TESSERA_PORT=${TESSERA_PORT:-7400}
REDIS_PORT=${REDIS_PORT:-7401}
TESSERA_ARGS=${TESSERA_ARGS:-}
REDIS_ARGS=${REDIS_ARGS:-}
RB_ARGS=${RB_ARGS:-}
ONLY=${ONLY:-}
MEMORY=${MEMORY:-1}
MEM_KEYS=${MEM_KEYS:-1000000}
BUILD=${BUILD:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TESSERA_BIN=${TESSERA_BIN:-$TARGET_DIR/release/tessera-server}
WORKLOADS=${WORKLOADS:-$HERE/workloads.tsv}
RESULTS="$HERE/results"
LOGS="$RESULTS/logs"
CLK_TCK=$(getconf CLK_TCK)

log() { echo "[bench] $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

for tool in redis-server redis-cli redis-benchmark python3 timeout; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH (redis-server and redis-tools provide the redis ones)"
done

mkdir -p "$LOGS"
WORK="$(mktemp -d /tmp/tessera-bench.XXXXXX)"
RECORDS="$WORK/records.tsv"
: >"$RECORDS"
REDIS_PID=""
TESSERA_PID=""

cleanup() {
    local pid
    for pid in "$REDIS_PID" "$TESSERA_PID"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- servers -----------------------------------------------------------------

# Prints the pid variable's value for a server name.
pid_of() { if [[ "$1" == redis ]]; then echo "$REDIS_PID"; else echo "$TESSERA_PID"; fi; }
port_of() { if [[ "$1" == redis ]]; then echo "$REDIS_PORT"; else echo "$TESSERA_PORT"; fi; }

cli() {
    local port=$1
    shift
    timeout 300 redis-cli -p "$port" "$@"
}

start_server() {
    local server=$1 port
    port=$(port_of "$server")
    mkdir -p "$WORK/$server"
    # DEBUG is off by default (as in Redis 7); the memory test needs POPULATE.
    if [[ "$server" == redis ]]; then
        # shellcheck disable=SC2086
        redis-server --port "$REDIS_PORT" --save '' --appendonly no \
            --dir "$WORK/redis" --enable-debug-command local $REDIS_ARGS \
            >>"$LOGS/redis.log" 2>&1 &
        REDIS_PID=$!
    else
        # shellcheck disable=SC2086
        "$TESSERA_BIN" --port "$TESSERA_PORT" --shards "$SHARDS" --save '' \
            --appendonly no --dir "$WORK/tessera" --enable-debug-command local $TESSERA_ARGS \
            >>"$LOGS/tessera.log" 2>&1 &
        TESSERA_PID=$!
    fi
    local i
    for ((i = 0; i < 100; i++)); do
        if [[ "$(timeout 2 redis-cli -p "$port" ping 2>/dev/null)" == PONG ]]; then
            log "$server is up on port $port (pid $(pid_of "$server"))"
            return 0
        fi
        if ! alive "$server"; then
            tail -n 20 "$LOGS/$server.log" >&2
            die "$server exited during startup (log: $LOGS/$server.log)"
        fi
        sleep 0.1
    done
    die "$server does not answer PING on port $port after 10 s"
}

# True while the server process runs; a zombie (exited, not yet reaped) is dead.
# Uses only builtins because run_one polls it while a benchmark runs.
alive() {
    local pid stat state
    pid=$(pid_of "$1")
    [[ -n "$pid" ]] || return 1
    read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    state=${stat##*) }
    [[ "${state%% *}" != Z ]]
}

# Called when a server died or hung: notes what happened, then starts it again
# so the remaining workloads still run.
recover() {
    local server=$1 during=$2 pid status
    pid=$(pid_of "$server")
    if alive "$server"; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        status="hung; killed"
    else
        wait "$pid" 2>/dev/null
        status="exited with status $?"
    fi
    local tailtext
    tailtext=$(tail -n 5 "$LOGS/$server.log" | cut -c1-160 | tr '\t\n' '  ')
    log "$server $status during $during; last log lines: $tailtext"
    printf 'event\t%s\t%s during %s; log %s ends: %s\n' "$server" "$status" "$during" \
        "$LOGS/$server.log" "$tailtext" >>"$RECORDS"
    start_server "$server"
}

for port in "$TESSERA_PORT" "$REDIS_PORT"; do
    if timeout 2 redis-cli -p "$port" ping >/dev/null 2>&1; then
        die "something already answers on port $port; pick free ports with TESSERA_PORT/REDIS_PORT"
    fi
done

if [[ "$BUILD" == 1 ]]; then
    log "building tessera-server (release)"
    (cd "$ROOT" && cargo build --release -p tessera-server) || die "cargo build failed"
fi
[[ -x "$TESSERA_BIN" ]] || die "no binary at $TESSERA_BIN"

: >"$LOGS/redis.log"
: >"$LOGS/tessera.log"
start_server redis
start_server tessera

# --- memory ------------------------------------------------------------------

used_memory() {
    cli "$1" info memory >"$WORK/info" 2>&1
    $PY info-field "$WORK/info" used_memory | tr -d '\r'
}

memory_test() {
    local server port pid method="DEBUG POPULATE" note
    declare -A base_used base_rss
    for server in redis tessera; do
        port=$(port_of "$server")
        cli "$port" flushall >/dev/null
        base_used[$server]=$(used_memory "$port")
        base_rss[$server]=$($PY rss "$(pid_of "$server")")
    done
    # Both servers are loaded the same way so the key and value shapes match.
    for server in redis tessera; do
        local reply
        reply=$(cli "$(port_of "$server")" debug populate 0 key 32 2>&1)
        if [[ "$reply" != OK ]]; then
            log "DEBUG POPULATE on $server answered '$reply'; loading with redis-benchmark instead"
            method="redis-benchmark"
        fi
    done
    for server in redis tessera; do
        port=$(port_of "$server")
        log "memory: loading $MEM_KEYS keys into $server with $method"
        if [[ "$method" == "DEBUG POPULATE" ]]; then
            cli "$port" debug populate "$MEM_KEYS" key 32 >/dev/null
        else
            # 2x draws over the key range leave about 86% of the range set;
            # DBSIZE below gives the real count.
            timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" -c "$CLIENTS" -P 16 -t set \
                -r "$MEM_KEYS" -n $((MEM_KEYS * 2)) -d 32 -q >/dev/null 2>&1
        fi
        if ! alive "$server"; then
            recover "$server" "the memory test"
            continue
        fi
        local keys used rss
        keys=$(cli "$port" dbsize | tr -d '\r')
        used=$(used_memory "$port")
        rss=$($PY rss "$(pid_of "$server")")
        note=""
        if [[ -n "$used" && -n "${base_used[$server]}" ]]; then
            used=$((used - base_used[$server]))
        else
            used="n/a"
            note="INFO memory gives no used_memory"
        fi
        rss=$((rss - base_rss[$server]))
        note="${note:+$note; }$keys keys loaded with $method"
        printf 'mem\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$method" "$keys" "$used" "$rss" "$note" >>"$RECORDS"
        log "memory: $server keys=$keys used_memory delta=$used RSS delta=$rss"
        cli "$port" flushall >/dev/null
    done
}

if [[ "$MEMORY" == 1 ]]; then
    memory_test
fi

# --- throughput, latency and CPU -------------------------------------------

run_one() {
    local server=$1 wl=$2 test=$3 pipe=$4 extra=$5 rep=$6
    local port pid before after rc parsed status note rps p50 p99 ticks
    port=$(port_of "$server")
    if ! alive "$server"; then
        recover "$server" "the pause before $wl rep $rep"
    fi
    pid=$(pid_of "$server")
    before=$($PY cpu-ticks "$pid")
    # shellcheck disable=SC2086
    timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" -c "$CLIENTS" -P "$pipe" \
        -r "$KEYSPACE" -n "$N" -t "$test" --csv $extra $RB_ARGS \
        >"$WORK/out" 2>"$WORK/err" &
    local rb=$!
    # redis-benchmark keeps reconnecting to a dead server, so stop it as soon
    # as the server is gone instead of waiting for the timeout.
    while kill -0 "$rb" 2>/dev/null; do
        if ! alive "$server"; then
            kill "$rb" 2>/dev/null
            break
        fi
        sleep 0.5
    done
    wait "$rb"
    rc=$?
    after=$($PY cpu-ticks "$pid" 2>/dev/null || echo "")
    status=ok
    note=""
    rps="" p50="" p99="" ticks=""
    if parsed=$($PY parse-rb "$WORK/out") && [[ $rc == 0 && -n "$after" ]]; then
        IFS=$'\t' read -r rps p50 p99 <<<"$parsed"
        ticks=$((after - before))
    else
        status=fail
        if [[ $rc == 124 ]]; then
            note="redis-benchmark timed out after ${RUN_TIMEOUT}s"
        elif ! alive "$server"; then
            note="the server died during the run"
        else
            note="redis-benchmark exit $rc: $(tr '\t\n\r' '   ' <"$WORK/err" | cut -c1-200)"
        fi
    fi
    printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$wl" "$rep" "$status" \
        "$rps" "$p50" "$p99" "$ticks" "$N" "$note" >>"$RECORDS"
    if [[ $status == ok ]]; then
        log "$wl rep $rep $server: $rps ops/s p50 $p50 ms p99 $p99 ms cpu ticks $ticks"
    else
        log "$wl rep $rep $server: FAILED ($note)"
    fi
    if ! alive "$server" || [[ "$(timeout 5 redis-cli -p "$port" ping 2>/dev/null)" != PONG ]]; then
        recover "$server" "$wl rep $rep"
    fi
}

while IFS=$'\t' read -r wl test pipe extra; do
    [[ -z "$wl" || "$wl" == \#* ]] && continue
    if [[ -n "$ONLY" && ! "$wl" =~ $ONLY ]]; then
        continue
    fi
    for ((rep = 1; rep <= REPS; rep++)); do
        # Alternate which server goes first so drift on the shared box
        # (other load, thermal state) does not always favour one side.
        if ((rep % 2)); then order="redis tessera"; else order="tessera redis"; fi
        for server in $order; do
            run_one "$server" "$wl" "$test" "$pipe" "${extra:-}" "$rep"
        done
    done
done <"$WORKLOADS"

# --- report ------------------------------------------------------------------

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
redis_version=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
BENCH_META="Tessera ($commit, --shards $SHARDS) vs Redis $redis_version on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ). redis-benchmark -c $CLIENTS -r $KEYSPACE -n $N, $REPS rep(s), medians; ratio and CPU ratio are Tessera/Redis; memory rows are bytes per key over the empty server."
export BENCH_META
$PY table "$RECORDS" "$WORKLOADS" "$CLK_TCK" | tee "$RESULTS/latest.md"
