#!/usr/bin/env bash
# The soak test: the demo site under a hostile mix of clients for a while.
#
#   bash bench/soak.sh               # 10 minutes; writes bench/SOAK.md
#   SOAK_SECS=60 bash bench/soak.sh  # a shorter run
#
# Builds the demo (release) and the load program (bench/src/bin/soak.rs),
# starts `target/release/demo` on a free loopback port with a fresh data
# dir, and runs the load for SOAK_SECS seconds: keep-alive GETs, form and
# JSON posts, static ranges, slowloris heads, random garbage and idle
# connections, one kind per client thread, each at a bounded rate. Every
# response is parsed strictly. Then it checks that the server is still up,
# that no worker was lost (as many concurrent /sleep?ms=500 as there are
# workers finish together), that memory did not grow by more than 10 %
# after the warm-up, that every acknowledged message is in the API and in
# the store file, that SIGTERM makes the server exit 0, and that the
# messages are all still there after a restart on the same data dir.
# Writes bench/SOAK.md; exits non-zero on FAIL.
#
# Knobs (environment): SOAK_SECS (600), SOAK_KEEP=1 keeps the work dir
# (server logs, data dir, state.json) for a look afterwards.
#
# Loopback only. Every wait is bounded; the server is stopped by its PID at
# the end and on any exit (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SECS=${SOAK_SECS:-600}
case "$SECS" in
'' | *[!0-9]*)
    echo "SOAK_SECS must be a whole number of seconds, not '$SECS'" >&2
    exit 2
    ;;
esac
[ "$SECS" -ge 10 ] || SECS=10

echo "building the demo and the load program (release)..."
cargo build --release --quiet -p demo
(cd bench && cargo build --release --quiet --bin soak)
DEMO=$ROOT/target/release/demo
SOAK=$ROOT/bench/target/release/soak

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rung-soak.XXXXXX")
DATA=$WORK/data
STATE=$WORK/state.json
TOKEN=soak-admin-token
SERVER_PID=""

# Whether process $1 runs (a child that exited is a zombie until waited
# for, and `kill -0` would still find it).
running() {
    [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Stops the server by PID: SIGTERM, up to 30 s for the graceful shutdown,
# then SIGKILL. Sets EXIT_CODE (its exit status, or "hung").
stop_server() {
    EXIT_CODE=none
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 300); do
        running "$SERVER_PID" || break
        sleep 0.1
    done
    if running "$SERVER_PID"; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        EXIT_CODE=hung
    else
        EXIT_CODE=0
        wait "$SERVER_PID" || EXIT_CODE=$?
    fi
    SERVER_PID=""
}

cleanup() {
    stop_server
    if [ "${SOAK_KEEP:-0}" = 1 ]; then
        echo "work dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the demo on a free port (port 0; the port is read from the URL it
# prints). Sets SERVER_PID, ADDR and WORKERS. $1 names its log files.
start_server() {
    RUST_LOG=warn "$DEMO" --addr 127.0.0.1:0 --data-dir "$DATA" --admin-token "$TOKEN" \
        >"$WORK/$1.out" 2>"$WORK/$1.err" &
    SERVER_PID=$!
    ADDR=""
    for _ in $(seq 100); do
        ADDR=$(sed -n 's|^rung demo site: http://\([^/]*\)/.*|\1|p' "$WORK/$1.out")
        [ -n "$ADDR" ] && break
        if ! running "$SERVER_PID"; then
            echo "the demo did not start:" >&2
            cat "$WORK/$1.err" >&2
            exit 1
        fi
        sleep 0.1
    done
    if [ -z "$ADDR" ]; then
        echo "the demo printed no URL within 10 s" >&2
        exit 1
    fi
    WORKERS=$(sed -n 's/.* \([0-9][0-9]*\) worker threads.*/\1/p' "$WORK/$1.out")
    WORKERS=${WORKERS:-16}
    echo "demo (pid $SERVER_PID) on $ADDR, $WORKERS workers, data in $DATA"
}

start_server server
"$SOAK" load --addr "$ADDR" --pid "$SERVER_PID" --secs "$SECS" --workers "$WORKERS" \
    --data-dir "$DATA" --static-file "$ROOT/demo/public/style.css" --state "$STATE" \
    --admin-token "$TOKEN"

ALIVE=no
running "$SERVER_PID" && ALIVE=yes
echo "server alive at the end: $ALIVE; stopping it with SIGTERM..."
stop_server
FIRST_EXIT=$EXIT_CODE
echo "exit code: $FIRST_EXIT"

echo "restarting on the same data dir..."
start_server restart
"$SOAK" verify --addr "$ADDR" --state "$STATE" --data-dir "$DATA"
stop_server
RESTART_EXIT=$EXIT_CODE

status=0
"$SOAK" report --state "$STATE" --out "$ROOT/bench/SOAK.md" \
    --alive-at-end "$ALIVE" --exit-code "$FIRST_EXIT" --restart-exit-code "$RESTART_EXIT" \
    --server-log "$WORK/server.err" --server-log "$WORK/restart.err" \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)" || status=$?
echo "wrote bench/SOAK.md"
exit "$status"
