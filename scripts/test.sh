#!/usr/bin/env bash
# The one command that checks Tessera: installs the reference Redis if missing, then runs
# rustfmt, clippy and every test. It changes nothing in the tree and exits non-zero on the
# first failing step.
#
#   scripts/test.sh          everything (what CI runs)
#   scripts/test.sh --deps   only install what the tests need (redis-server, redis-tools)
#
# Environment:
#   TESSERA_TEST_RELEASE=1   also build tessera-server with the release profile and run the
#                            integration tests against that binary (slower to build).
#   TESSERA_TEST_SERVER=redis  run the integration suite against redis-server instead of
#                            tessera-server, to check the tests themselves.
#
# Why no release build by default: the integration tests start the binary cargo builds
# for them, in the dev profile, which already has opt-level 1 for our crates and 2 for
# dependencies. That is fast enough for every test here, and a fat-LTO release build would
# roughly double the time of a CI run on two cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
    printf '\n==> %s\n' "$*"
}

# redis-server is the behavioural reference the differential test compares against, and
# redis-cli is handy when a test fails. Debian packages both.
ensure_redis() {
    if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
        return
    fi
    step "installing redis-server and redis-tools (apt-get)"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        else
            echo "error: redis-server is not installed and installing it needs root." >&2
            echo "       Run as root, or first: sudo apt-get update && sudo apt-get install -y redis-server redis-tools" >&2
            exit 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: redis-server is not installed and apt-get is not available; install Redis 7 by hand." >&2
        exit 1
    fi
    "${sudo[@]}" apt-get update -q
    # The package's own service is not needed (tests start private instances on free
    # ports); noninteractive keeps apt from asking anything when there is no terminal.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        redis-server redis-tools
    command -v redis-server >/dev/null 2>&1 || {
        echo "error: redis-server still not on PATH after apt-get install" >&2
        exit 1
    }
}

ensure_redis
if [ "${1:-}" = "--deps" ]; then
    exit 0
fi
echo "reference: $(redis-server --version)"

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

if [ "${TESSERA_TEST_RELEASE:-}" = "1" ]; then
    step "cargo build --release -p tessera-server"
    cargo build --release -p tessera-server
    TESSERA_BIN="$(pwd)/target/release/tessera-server"
    export TESSERA_BIN
    echo "integration tests will run $TESSERA_BIN"
fi

if cargo nextest --version >/dev/null 2>&1; then
    # nextest does not run doctests, so they run first; nextest runs last so that its
    # summary is the closing line of the output.
    step "cargo test --workspace --doc"
    cargo test --workspace --doc
    step "cargo nextest run --workspace"
    cargo nextest run --workspace --no-fail-fast
else
    step "cargo test --workspace"
    cargo test --workspace --no-fail-fast
fi
