#!/usr/bin/env bash
# bench/run.sh: compares Tessera with Debian's redis-server on this machine.
# It builds tessera-server in release mode, starts both servers with the same
# settings, measures memory per key (strings, then small hashes, sets and
# sorted sets), then runs every workload of bench/workloads.tsv against both
# (alternating which goes first), and prints one markdown table of medians,
# also written to bench/results/latest.md. With several shard counts in
# SHARDS the whole suite runs once per count, Tessera restarted with that
# count, and the table gets one set of Tessera columns per count. It only
# kills the servers and helpers it started.
#
# Options (environment variables):
#   N=300000          requests per redis-benchmark run
#   REPS=3            repetitions per workload and server (medians are reported)
#   QUICK=1           smoke run: defaults become N=20000, REPS=1, MEM_KEYS=200000
#   CLIENTS=50        redis-benchmark -c
#   KEYSPACE=1000000  redis-benchmark -r
#   SHARDS=2          tessera-server --shards; a list ("1 2") runs the suite per count
#   TESSERA_PORT=7400 REDIS_PORT=7401
#   TESSERA_ARGS=     extra tessera-server arguments
#   REDIS_ARGS=       extra redis-server arguments
#   RB_ARGS=          extra redis-benchmark arguments for every run (e.g. --threads 2)
#   ONLY=             extended regex; run only workloads whose name matches
#   WORKLOADS=        workload file (default bench/workloads.tsv)
#   MEMORY=1          0 skips the memory test
#   MEM_KEYS=1000000  keys loaded for the memory test of strings
#   MEM_COLL_KEYS=100000 keys loaded per collection memory test (hash, set, zset)
#   MEM_COLL=hash set zset  which collection memory tests run (empty: none)
#   BUILD=1           0 skips cargo build (uses the existing binary)
#   TESSERA_BIN=      path of the binary (default: <target>/release/tessera-server)
#   RUN_TIMEOUT=300   seconds before one redis-benchmark run is abandoned

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY="python3 $HERE/report.py"
LOAD="python3 $HERE/load.py"

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
MEM_COLL_KEYS=${MEM_COLL_KEYS:-100000}
MEM_COLL=${MEM_COLL-hash set zset}
BUILD=${BUILD:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TESSERA_BIN=${TESSERA_BIN:-$TARGET_DIR/release/tessera-server}
WORKLOADS=${WORKLOADS:-$HERE/workloads.tsv}
RESULTS="$HERE/results"
LOGS="$RESULTS/logs"

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
HELPER_PID=""
HELPER_OUT=""
# The shard count of the Tessera instance running now.
CUR_SHARDS=""

cleanup() {
    local pid
    for pid in "$HELPER_PID" "$REDIS_PID" "$TESSERA_PID"; do
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
# The name a server's results are recorded under: Tessera's carries its
# shard count, so the passes of SHARDS="1 2" stay apart in the table.
label_of() { if [[ "$1" == redis ]]; then echo redis; else echo "tessera:$CUR_SHARDS"; fi; }

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
        "$TESSERA_BIN" --port "$TESSERA_PORT" --shards "$CUR_SHARDS" --save '' \
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
    pid_alive "$(pid_of "$1")"
}

pid_alive() {
    local pid=$1 stat state
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
    printf 'event\t%s\t%s during %s; log %s ends: %s\n' "$(label_of "$server")" "$status" "$during" \
        "$LOGS/$server.log" "$tailtext" >>"$RECORDS"
    start_server "$server"
}

stop_server() {
    local pid
    pid=$(pid_of "$1")
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
}

for port in "$TESSERA_PORT" "$REDIS_PORT"; do
    if timeout 2 redis-cli -p "$port" ping >/dev/null 2>&1; then
        die "something already answers on port $port; pick free ports with TESSERA_PORT/REDIS_PORT"
    fi
done
for shards in $SHARDS; do
    [[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a list of positive integers, not '$SHARDS'"
done

if [[ "$BUILD" == 1 ]]; then
    log "building tessera-server (release)"
    (cd "$ROOT" && cargo build --release -p tessera-server) || die "cargo build failed"
fi
[[ -x "$TESSERA_BIN" ]] || die "no binary at $TESSERA_BIN"

: >"$LOGS/redis.log"
: >"$LOGS/tessera.log"
start_server redis

# --- memory ------------------------------------------------------------------

used_memory() {
    cli "$1" info memory >"$WORK/info" 2>&1
    $PY info-field "$WORK/info" used_memory | tr -d '\r'
}

# Strings: DEBUG POPULATE keys (or redis-benchmark SETs) on the given servers.
memory_strings() {
    local server port method="DEBUG POPULATE" note
    declare -A base_used base_rss
    for server in "$@"; do
        port=$(port_of "$server")
        cli "$port" flushall >/dev/null
        base_used[$server]=$(used_memory "$port")
        base_rss[$server]=$($PY rss "$(pid_of "$server")")
    done
    # Both servers are loaded the same way so the key and value shapes match;
    # Redis always accepts POPULATE, so Tessera decides the method.
    local reply
    reply=$(cli "$TESSERA_PORT" debug populate 0 key 32 2>&1)
    if [[ "$reply" != OK ]]; then
        log "DEBUG POPULATE on tessera answered '$reply'; loading with redis-benchmark instead"
        method="redis-benchmark"
    fi
    for server in "$@"; do
        port=$(port_of "$server")
        log "memory: loading $MEM_KEYS keys into $(label_of "$server") with $method"
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
        printf 'mem\t%s\tstrings\t%s\t%s\t%s\t%s\n' "$(label_of "$server")" "$keys" "$used" "$rss" "$note" >>"$RECORDS"
        log "memory: $(label_of "$server") keys=$keys used_memory delta=$used RSS delta=$rss"
        cli "$port" flushall >/dev/null
    done
}

# Collections: MEM_COLL_KEYS keys of one shape (see load.py) per server.
# Only used_memory is compared: RSS after the previous test's FLUSHALL keeps
# freed pages, so its delta would say more about the allocator than the data.
memory_collection() {
    local kind=$1 server port base keys used note out
    shift
    for server in "$@"; do
        port=$(port_of "$server")
        cli "$port" flushall >/dev/null
        base=$(used_memory "$port")
        log "memory: loading $MEM_COLL_KEYS keys of type $kind into $(label_of "$server")"
        note=""
        if ! out=$(timeout "$RUN_TIMEOUT" $LOAD collections "$port" "$kind" "$MEM_COLL_KEYS" 2>&1); then
            note="loading failed: $(echo "$out" | tail -n 1 | cut -c1-200)"
        fi
        if ! alive "$server"; then
            recover "$server" "the $kind memory test"
            continue
        fi
        keys=$(cli "$port" dbsize | tr -d '\r')
        used=$(used_memory "$port")
        if [[ -n "$used" && -n "$base" ]]; then
            used=$((used - base))
        else
            used="n/a"
            note="${note:+$note; }INFO memory gives no used_memory"
        fi
        printf 'mem\t%s\t%s\t%s\t%s\t\t%s\n' "$(label_of "$server")" "$kind" "$keys" "$used" "$note" >>"$RECORDS"
        log "memory: $(label_of "$server") $kind keys=$keys used_memory delta=$used${note:+ ($note)}"
        cli "$port" flushall >/dev/null
    done
}

# Redis's memory does not depend on Tessera's shard count, so it is measured
# in the first pass only.
memory_test() {
    local servers="tessera" kind
    if [[ -z "${REDIS_MEM_DONE:-}" ]]; then
        servers="redis tessera"
        REDIS_MEM_DONE=1
    fi
    # shellcheck disable=SC2086
    memory_strings $servers
    for kind in $MEM_COLL; do
        # shellcheck disable=SC2086
        memory_collection "$kind" $servers
    done
}

# --- throughput, latency and CPU -------------------------------------------

# Starts the helper named in a workload's `during` column against a server
# and waits until it is ready; on failure HELPER_OUT says why. Only
# `subscribers <clients> <channel>` exists. Not called in a subshell, so
# that HELPER_PID stays known to stop_helper and cleanup.
start_helper() {
    local port=$1 spec=$2 kind clients channel i
    read -r kind clients channel <<<"$spec"
    if [[ "$kind" != subscribers ]]; then
        HELPER_OUT="unknown helper '$spec'"
        return 1
    fi
    # Emptied here, not by the redirection below: that one happens in the
    # background child, and until it does the previous run's `ready` would
    # still be in the file and start the benchmark before anyone subscribed.
    : >"$WORK/helper"
    python3 "$HERE/subscribers.py" "$port" "$clients" "$channel" "$N" >>"$WORK/helper" 2>&1 &
    HELPER_PID=$!
    for ((i = 0; i < 100; i++)); do
        grep -q '^ready' "$WORK/helper" && return 0
        kill -0 "$HELPER_PID" 2>/dev/null || break
        sleep 0.1
    done
    stop_helper
    HELPER_OUT="subscribers not ready: $HELPER_OUT"
    return 1
}

# Lets the helper finish counting (it exits by itself once every subscriber
# has all messages; messages still queued in the server are being read), then
# stops it; HELPER_OUT gets its summary line and the status says whether
# every message arrived. After SIGTERM the helper still reads until the
# sockets stay quiet for two seconds.
stop_helper() {
    local i
    for ((i = 0; i < 300; i++)); do
        pid_alive "$HELPER_PID" || break
        sleep 0.1
    done
    kill -TERM "$HELPER_PID" 2>/dev/null
    wait "$HELPER_PID" 2>/dev/null
    HELPER_PID=""
    HELPER_OUT=$(tail -n 1 "$WORK/helper" | tr '\t\r' '  ' | cut -c1-200)
    grep -q 'messages each$' "$WORK/helper"
}

run_one() {
    local server=$1 wl=$2 test=$3 pipe=$4 extra=$5 setup=$6 during=$7 rep=$8
    local port pid before after rc parsed status note rps p50 p99 cpu_ns label out
    local -a extra_args cmd
    port=$(port_of "$server")
    label=$(label_of "$server")
    if ! alive "$server"; then
        recover "$server" "the pause before $wl rep $rep"
    fi
    pid=$(pid_of "$server")
    # The extra column is split on spaces only (no globbing), so a custom
    # command's arguments reach redis-benchmark as written.
    read -r -a extra_args <<<"$extra"
    case "$test" in
    multi_exec)
        cmd=(python3 "$HERE/multi_exec.py" -p "$port" -c "$CLIENTS" -P "$pipe" -n "$N" "${extra_args[@]}")
        ;;
    -)
        # shellcheck disable=SC2206
        cmd=(redis-benchmark -p "$port" -c "$CLIENTS" -P "$pipe" -r "$KEYSPACE" -n "$N" --csv
            $RB_ARGS "${extra_args[@]}")
        ;;
    *)
        # shellcheck disable=SC2206
        cmd=(redis-benchmark -p "$port" -c "$CLIENTS" -P "$pipe" -r "$KEYSPACE" -n "$N" -t "$test"
            --csv $RB_ARGS "${extra_args[@]}")
        ;;
    esac
    status=ok
    note=""
    rps="" p50="" p99="" cpu_ns=""
    if [[ -n "$setup" ]] && ! out=$(timeout "$RUN_TIMEOUT" $LOAD setup "$port" "$setup" 2>&1); then
        status=fail
        note=$(echo "$out" | tail -n 1 | tr '\t\r' '  ' | cut -c1-200)
    elif [[ -n "$during" ]] && ! start_helper "$port" "$during"; then
        status=fail
        note=$HELPER_OUT
    fi
    if [[ $status == ok ]]; then
        before=$($PY cpu-ns "$pid")
        timeout "$RUN_TIMEOUT" "${cmd[@]}" >"$WORK/out" 2>"$WORK/err" &
        local rb=$!
        # redis-benchmark keeps reconnecting to a dead server, so stop it as
        # soon as the server is gone instead of waiting for the timeout.
        while kill -0 "$rb" 2>/dev/null; do
            if ! alive "$server"; then
                kill "$rb" 2>/dev/null
                break
            fi
            sleep 0.5
        done
        wait "$rb"
        rc=$?
        after=$($PY cpu-ns "$pid" 2>/dev/null || echo "")
        if parsed=$($PY parse-rb "$WORK/out") && [[ $rc == 0 && -n "$after" ]]; then
            IFS=$'\t' read -r rps p50 p99 <<<"$parsed"
            cpu_ns=$((after - before))
        else
            status=fail
            if [[ $rc == 124 ]]; then
                note="timed out after ${RUN_TIMEOUT}s"
            elif ! alive "$server"; then
                note="the server died during the run"
            else
                note="${cmd[0]##*/} exit $rc: $(tr '\t\n\r' '   ' <"$WORK/err" | cut -c1-200)"
            fi
        fi
        if [[ -n "$during" ]]; then
            # What the subscribers counted is a correctness check, not a
            # figure: it goes under the table.
            if stop_helper; then
                printf 'note\t%s: %s\n' "$wl" "$HELPER_OUT" >>"$RECORDS"
            else
                printf 'note\t%s on %s, rep %s: %s\n' "$wl" "$label" "$rep" "$HELPER_OUT" >>"$RECORDS"
            fi
        fi
    fi
    printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$wl" "$rep" "$status" \
        "$rps" "$p50" "$p99" "$cpu_ns" "$N" "$note" >>"$RECORDS"
    if [[ $status == ok ]]; then
        log "$wl rep $rep $label: $rps ops/s p50 $p50 ms p99 $p99 ms cpu $((cpu_ns / 1000000)) ms"
    else
        log "$wl rep $rep $label: FAILED ($note)"
    fi
    if ! alive "$server" || [[ "$(timeout 5 redis-cli -p "$port" ping 2>/dev/null)" != PONG ]]; then
        recover "$server" "$wl rep $rep"
    fi
}

# Runs every workload of the file against Redis and the current Tessera.
run_workloads() {
    local wl test pipe extra setup during spread rep order server groups
    while IFS=$'\t' read -r wl test pipe extra setup during spread; do
        [[ -z "$wl" || "$wl" == \#* ]] && continue
        if [[ -n "$ONLY" && ! "$wl" =~ $ONLY ]]; then
            continue
        fi
        # A dash stands for an empty column: bash's read merges adjacent tabs.
        [[ "${extra:-}" == - ]] && extra=""
        [[ "${setup:-}" == - ]] && setup=""
        [[ "${during:-}" == - ]] && during=""
        [[ "${spread:-}" == - ]] && spread=""
        # With one shard every key is on it; the grouping says nothing then.
        if [[ -n "$spread" && "$CUR_SHARDS" != 1 ]]; then
            # shellcheck disable=SC2086
            groups=$($LOAD spread "$TESSERA_PORT" $spread 2>&1)
            printf 'note\t%s: with %s shard(s), Tessera groups its keys by shard as %s\n' \
                "$wl" "$CUR_SHARDS" "$groups" >>"$RECORDS"
        fi
        for ((rep = 1; rep <= REPS; rep++)); do
            # Alternate which server goes first so drift on the shared box
            # (other load, thermal state) does not always favour one side.
            if ((rep % 2)); then order="redis tessera"; else order="tessera redis"; fi
            for server in $order; do
                run_one "$server" "$wl" "$test" "$pipe" "${extra:-}" "${setup:-}" "${during:-}" "$rep"
            done
        done
    done <"$WORKLOADS"
}

# One pass per shard count: Tessera restarts with that count, both servers
# start empty, and Redis runs again beside it so each pass compares the two
# under the same machine conditions.
for shards in $SHARDS; do
    stop_server tessera
    CUR_SHARDS=$shards
    echo "=== tessera-server --shards $shards" >>"$LOGS/tessera.log"
    start_server tessera
    cli "$REDIS_PORT" flushall >/dev/null
    if [[ "$MEMORY" == 1 ]]; then
        memory_test
    fi
    run_workloads
done

# --- report ------------------------------------------------------------------

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
redis_version=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
shard_text=$(echo $SHARDS | sed 's/ /, /g')
BENCH_META="Tessera ($commit, --shards $shard_text) vs Redis $redis_version on $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ). redis-benchmark -c $CLIENTS -r $KEYSPACE -n $N, $REPS rep(s), medians; ratios are medians of per-repetition Tessera/Redis ratios; memory rows are bytes per key over the empty server."
export BENCH_META
$PY table "$RECORDS" "$WORKLOADS" | tee "$RESULTS/latest.md"
cp "$RECORDS" "$RESULTS/records.tsv"
