#!/usr/bin/env bash
# Runs the differential test (tessera-server against redis-server) for much longer than CI
# does, with a fresh seed unless one is given. A failure prints the shortest command
# sequence that still disagrees and the DIFF_SEED that replays it.
#
#   scripts/diff-long.sh [SEQUENCES [SEED [LENGTH]]]     defaults: 2000, time-based, 60
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/test.sh --deps

export DIFF_SEQUENCES="${1:-2000}"
export DIFF_SEED="${2:-$(date +%s)}"
export DIFF_LEN="${3:-60}"
echo "differential: DIFF_SEQUENCES=$DIFF_SEQUENCES DIFF_SEED=$DIFF_SEED DIFF_LEN=$DIFF_LEN"

# --nocapture shows the per-run summary; DIFF_STATS adds per-command counts.
DIFF_STATS="${DIFF_STATS:-1}" cargo test -p tessera-server --test it differential_against_redis \
    -- --nocapture
