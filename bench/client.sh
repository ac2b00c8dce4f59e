#!/usr/bin/env bash
# What the client pays: the other half of bench/run.sh's one-request-per-read
# tests. There one wrk thread drives the server, and it is often wrk, not the
# server, that sets the pace; what wrk spends on a response grows with the
# response's headers, since its HTTP parser reads every byte of them.
#
#   apt-get install -y wrk valgrind time          # once
#   bash bench/client.sh                          # about 3 minutes
#
# For rung, actix-web, hyper and the floor, on /plaintext, it prints:
#   1. the bytes of one response (head and body);
#   2. wrk's user-space instructions per response, counted by callgrind
#      (an exact count, unlike time on a shared machine);
#   3. over ROUNDS alternated runs of DURATION s (medians): requests/s, how
#      busy the server's CPU and wrk's CPU were (1.00 = the whole second),
#      and wrk's user and system time per request.
# Pinning as in run.sh: the server on CPU 1, wrk on CPU 0. It writes no file.
set -euo pipefail
cd "$(dirname "$0")"

DURATION=${DURATION:-3}
ROUNDS=${ROUNDS:-5}
for tool in wrk taskset valgrind callgrind_annotate python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (see the top of this script)" >&2; exit 1; }
done

. ./lib.sh
servers_built

# name  binary  port (ports of their own, so run.sh may not be running)
SERVERS=("rung rung_server 8180" "actix-web actix_server 8182" "hyper hyper_server 8181" "floor floor 8185")
declare -A PID_OF
for entry in "${SERVERS[@]}"; do
    read -r name bin port <<<"$entry"
    taskset -c 1 "$BIN/$bin" "127.0.0.1:$port" >/dev/null 2>&1 &
    PID_OF[$name]=$!
    PIDS+=($!)
    wait_port "$port"
done

# The bytes of one response to a bare GET, read until the server has sent it all.
response_bytes() {
    python3 - "$1" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n")
s.settimeout(0.3)
data = b""
try:
    while True:
        part = s.recv(65536)
        if not part:
            break
        data += part
except socket.timeout:
    pass
print(len(data))
PY
}

echo
echo "| server | response bytes | wrk instructions per response |"
echo "| --- | ---: | ---: |"
for entry in "${SERVERS[@]}"; do
    read -r name _ port <<<"$entry"
    bytes=$(response_bytes "$port")
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" \
        wrk -t1 -c64 -d5s "http://127.0.0.1:$port/plaintext" >"$WORK/wrk.txt" 2>/dev/null
    reqs=$(awk '/ requests in / { print $1 }' "$WORK/wrk.txt")
    total=$(callgrind_annotate "$WORK/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    echo "| $name | $bytes | $((total / reqs)) |"
done

RAW="$WORK/raw.txt"
: >"$RAW"
for _ in $(seq "$ROUNDS"); do
    for entry in "${SERVERS[@]}"; do
        read -r name _ port <<<"$entry"
        before=$(cpu_ticks "${PID_OF[$name]}")
        taskset -c 0 /usr/bin/time -f "%U %S" -o "$WORK/time.txt" \
            wrk -t1 -c64 -d"${DURATION}s" "http://127.0.0.1:$port/plaintext" >"$WORK/wrk.txt"
        after=$(cpu_ticks "${PID_OF[$name]}")
        reqs=$(awk '/ requests in / { print $1 }' "$WORK/wrk.txt")
        read -r user sys <"$WORK/time.txt"
        awk -v n="$name" -v r="$reqs" -v d=$((after - before)) -v t="$TICK" -v s="$DURATION" -v u="$user" -v k="$sys" \
            'BEGIN { printf "%s %.0f %.2f %.2f %.2f %.2f\n", n, r / s, d / t / s, (u + k) / s, u * 1e6 / r, k * 1e6 / r }' >>"$RAW"
    done
done

stat_of() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$RAW" | median; }
echo
echo "Medians of $ROUNDS alternated runs of ${DURATION} s, /plaintext:"
echo
echo "| server | requests/s | server CPU busy | wrk CPU busy | wrk user µs/req | wrk system µs/req |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for entry in "${SERVERS[@]}"; do
    read -r name _ _ <<<"$entry"
    echo "| $name | $(stat_of "$name" 2) | $(stat_of "$name" 3) | $(stat_of "$name" 4) | $(stat_of "$name" 5) | $(stat_of "$name" 6) |"
done
