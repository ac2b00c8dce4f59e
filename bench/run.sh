#!/usr/bin/env bash
# The benchmark of rung against hyper, actix-web, tiny_http and the floor
# (a bare epoll loop with canned answers: the least a server can do).
#
#   apt-get install -y wrk     # Debian's wrk, once
#   bash bench/run.sh          # about 10 minutes; writes bench/RESULTS.md
#
# Each server runs pinned to CPU 1 and wrk (one thread, 64 connections) to
# CPU 0, so the two never compete for a core. Every server runs with its
# defaults (rung as `rung::serve` gives it). After a warm-up, 9 rounds of
# /plaintext, /json and pipelined /plaintext (16 requests per write,
# bench/pipeline.lua, as in TechEmpower), each test run against every
# server in turn, in an order rotated each round; per server and test we
# report the median requests/s, the median p99 latency, and the server's
# CPU time per request (user + system ticks of its process from
# /proc/PID/stat, before and after each wrk run, divided by the requests
# served). Then system calls per request (`perf stat -e
# raw_syscalls:sys_enter`, Debian's linux-perf) for rung, hyper and the
# floor, and the targets of the performance issue, met or not. Then the connection-scale check
# (10,000 idle keep-alive connections) and the big-file check (a 200 MB
# file to a slow client). Loopback only; every server is stopped by PID.
#
# Knobs (environment): DURATION (s per wrk run, 3), ROUNDS (9), IDLE (10000).
# Nine short rounds rather than three long ones: on a shared virtual
# machine the speed drifts by ±20 % within a minute, so the runs that are
# compared must sit close together in time, and a median of nine shrugs
# off four bad ones.
set -euo pipefail
cd "$(dirname "$0")"

DURATION=${DURATION:-3}
ROUNDS=${ROUNDS:-9}
IDLE=${IDLE:-10000}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is missing: apt-get install -y util-linux" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

. ./lib.sh
servers_built

# name  binary  port
SERVERS=("rung rung_server 8080" "hyper hyper_server 8081" "actix-web actix_server 8082" "tiny_http tiny_http_server 8083" "floor floor 8085")
TESTS=(plaintext json pipelined)

# One wrk run of test $1 on port $2, output to $3.
run_wrk() {
    case $1 in
        pipelined) taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" --latency -s pipeline.lua "http://127.0.0.1:$2/plaintext" >"$3" ;;
        *) taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$2/$1" >"$3" ;;
    esac
}
declare -A PID_OF PORT_OF

for entry in "${SERVERS[@]}"; do
    read -r name bin port <<<"$entry"
    taskset -c 1 "$BIN/$bin" "127.0.0.1:$port" >"$WORK/$name.log" 2>&1 &
    PID_OF[$name]=$!
    PORT_OF[$name]=$port
    PIDS+=($!)
    wait_port "$port"
done

# wrk output → "requests_per_sec requests p99_us"
parse_wrk() {
    awk '
        /Requests\/sec:/ { rps = $2 }
        / requests in / { reqs = $1 }
        /^ +99%/ {
            v = $2
            if (v ~ /us$/) { sub(/us$/, "", v); p99 = v }
            else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v * 1000 }
            else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000000 }
        }
        END { printf "%s %s %s\n", rps, reqs, p99 }
    ' "$1"
}

echo "warm-up..."
for entry in "${SERVERS[@]}"; do
    read -r name _ port <<<"$entry"
    for ep in plaintext json; do
        taskset -c 0 wrk -t1 -c64 -d2s "http://127.0.0.1:$port/$ep" >/dev/null
    done
done

RAW="$WORK/raw.txt"
: >"$RAW"
count=${#SERVERS[@]}
# Test by test, every server in turn (rotated each round): the runs that
# are compared sit close together in time, so a slow spell of the machine
# falls on all the servers of one test rather than on one server.
for round in $(seq 1 "$ROUNDS"); do
    for ep in "${TESTS[@]}"; do
        for i in $(seq 0 $((count - 1))); do
            entry=${SERVERS[$(((i + round - 1) % count))]}
            read -r name _ port <<<"$entry"
            pid=${PID_OF[$name]}
            before=$(cpu_ticks "$pid")
            run_wrk "$ep" "$port" "$WORK/wrk.txt"
            after=$(cpu_ticks "$pid")
            read -r rps reqs p99 < <(parse_wrk "$WORK/wrk.txt")
            cpu_us=$(awk -v d=$((after - before)) -v t="$TICK" -v r="$reqs" 'BEGIN { printf "%.2f", d / t * 1e6 / r }')
            echo "$name $ep $rps $p99 $cpu_us" | tee -a "$RAW"
        done
    done
done

stat_of() { awk -v n="$1" -v e="$2" -v c="$3" '$1 == n && $2 == e { print $c }' "$RAW" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# System calls per request: perf counts the server's syscalls during one
# more plaintext run (not timed; only counted).
SYSCALLS="$WORK/syscalls.txt"
: >"$SYSCALLS"
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
    for name in rung hyper floor; do
        pid=${PID_OF[$name]}
        port=${PORT_OF[$name]}
        perf stat -e raw_syscalls:sys_enter -x, -p "$pid" -o "$WORK/perf.txt" -- sleep "$DURATION" &
        perf_pid=$!
        taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" "http://127.0.0.1:$port/plaintext" >"$WORK/wrk.txt"
        wait "$perf_pid"
        calls=$(awk -F, '/raw_syscalls/ { print $1 }' "$WORK/perf.txt")
        reqs=$(awk '/ requests in / { print $1 }' "$WORK/wrk.txt")
        echo "$name $(awk -v c="$calls" -v r="$reqs" 'BEGIN { printf "%.2f", c / r }')" | tee -a "$SYSCALLS"
    done
else
    echo "perf is missing (apt-get install -y linux-perf): no syscall counts" >&2
fi
syscalls_of() { awk -v n="$1" '$1 == n { print $2 }' "$SYSCALLS"; }

{
    echo "# Benchmark results"
    echo
    echo "Produced by \`bash bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -r)."
    echo "Each server pinned to CPU 1, \`wrk -t1 -c64 -d${DURATION}s --latency\` pinned to CPU 0; medians of $ROUNDS rounds in rotated order."
    echo "Every server with its defaults; rung as \`rung::serve\` gives it. \"pipelined\" is /plaintext with 16 requests per write (bench/pipeline.lua)."
    echo
    echo "| server | test | requests/s | p99 (µs) | server CPU per request (µs) |"
    echo "| --- | --- | ---: | ---: | ---: |"
    for entry in "${SERVERS[@]}"; do
        read -r name _ _ <<<"$entry"
        for ep in "${TESTS[@]}"; do
            echo "| $name | $ep | $(stat_of "$name" "$ep" 3 | awk '{printf "%.0f", $1}') | $(stat_of "$name" "$ep" 4 | awk '{printf "%.0f", $1}') | $(stat_of "$name" "$ep" 5) |"
        done
    done
    echo
    echo "Ratios, rung / other (requests/s: higher is better for rung; CPU and p99: lower is better):"
    echo
    echo "| other | test | requests/s | CPU per request | p99 |"
    echo "| --- | --- | ---: | ---: | ---: |"
    for peer in hyper actix-web tiny_http floor; do
        for ep in "${TESTS[@]}"; do
            r=$(ratio "$(stat_of rung "$ep" 3)" "$(stat_of "$peer" "$ep" 3)")
            c=$(ratio "$(stat_of rung "$ep" 5)" "$(stat_of "$peer" "$ep" 5)")
            p=$(ratio "$(stat_of rung "$ep" 4)" "$(stat_of "$peer" "$ep" 4)")
            echo "| $peer | $ep | $r | $c | $p |"
        done
    done
    if [ -s "$SYSCALLS" ]; then
        echo
        echo "System calls per request (plaintext, \`perf stat -e raw_syscalls:sys_enter\`):"
        echo
        echo "| server | syscalls per request |"
        echo "| --- | ---: |"
        for name in rung hyper floor; do echo "| $name | $(syscalls_of "$name") |"; done
    fi
    echo
    echo "## Against the targets"
    echo
    echo "| target | this run | verdict |"
    echo "| --- | --- | --- |"
    verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "met" : "**not met**" }'; }
    for ep in plaintext json; do
        rung_p99=$(stat_of rung "$ep" 4); hyper_p99=$(stat_of hyper "$ep" 4)
        echo "| $ep p99 ≤ hyper's | ${rung_p99} µs vs ${hyper_p99} µs | $(verdict "$rung_p99" "<=" "$hyper_p99") |"
        best=$(printf '%s\n%s\n' "$(stat_of hyper "$ep" 3)" "$(stat_of actix-web "$ep" 3)" | sort -n | tail -1)
        # Verdicts compare the medians themselves, never a rounded ratio.
        rung_rps=$(stat_of rung "$ep" 3)
        r=$(ratio3 "$rung_rps" "$best")
        echo "| $ep requests/s ≥ 1.0× the best of hyper and actix-web | ${r}× | $(verdict "$rung_rps" ">=" "$best") |"
        rung_cpu=$(stat_of rung "$ep" 5); hyper_cpu=$(stat_of hyper "$ep" 5)
        c=$(ratio3 "$rung_cpu" "$hyper_cpu")
        allowed=$(awk -v h="$hyper_cpu" 'BEGIN { printf "%.4f", 0.95 * h }')
        echo "| $ep CPU per request ≤ 0.95× hyper's | ${c}× (floor: $(ratio "$rung_cpu" "$(stat_of floor "$ep" 5)")×) | $(verdict "$rung_cpu" "<=" "$allowed") |"
    done
    best=$(for peer in hyper actix-web tiny_http; do stat_of "$peer" pipelined 3; done | sort -n | tail -1)
    rung_rps=$(stat_of rung pipelined 3)
    r=$(ratio3 "$rung_rps" "$best")
    echo "| pipelined requests/s ≥ 1.0× the best peer | ${r}× | $(verdict "$rung_rps" ">=" "$best") |"
} >RESULTS.md.new

# Stop the peers: the remaining checks measure rung alone.
for entry in "${SERVERS[@]}"; do
    read -r name _ _ <<<"$entry"
    [ "$name" = rung ] || kill "${PID_OF[$name]}" 2>/dev/null || true
done

echo "connection-scale check: $IDLE idle keep-alive connections..."
RUNG_PID=${PID_OF[rung]}
taskset -c 0 "$BIN/idle_check" "127.0.0.1:8080" "$IDLE" "$RUNG_PID" | tee "$WORK/idle.txt"
val() { awk -F= -v k="$1" '$1 == k { print $2 }' "$2"; }

echo "big-file check: 200 MB to a slow client..."
kill "$RUNG_PID"
mkdir -p "$WORK/files"
head -c $((200 * 1024 * 1024)) /dev/urandom >"$WORK/files/big.bin"
RUNG_BENCH_FILES="$WORK/files" taskset -c 1 "$BIN/rung_server" 127.0.0.1:8084 >"$WORK/rung-files.log" 2>&1 &
FILES_PID=$!
PIDS+=($FILES_PID)
wait_port 8084
taskset -c 0 "$BIN/slow_download" 127.0.0.1:8084 /files/big.bin "$FILES_PID" $((40 * 1024 * 1024)) | tee "$WORK/big.txt"

{
    echo
    echo "## $IDLE idle keep-alive connections (rung)"
    echo
    echo "| measure | value |"
    echo "| --- | ---: |"
    echo "| connections held (each after one completed request) | $(val held "$WORK/idle.txt") |"
    echo "| RSS before | $(( $(val rss_before_kib "$WORK/idle.txt") / 1024 )) MiB |"
    echo "| RSS while held | $(( $(val rss_held_kib "$WORK/idle.txt") / 1024 )) MiB |"
    echo "| server threads | $(val threads "$WORK/idle.txt") |"
    echo "| fresh client GET /plaintext, worst of 20 | $(val fresh_client_worst_ms "$WORK/idle.txt") ms |"
    echo "| held connections answering a second request | $(val second_request_answered "$WORK/idle.txt") |"
    echo "| held connections closed by the idle timeout | $(val second_request_closed "$WORK/idle.txt") |"
    echo
    echo "## 200 MB static file to a client reading 40 MB/s (rung)"
    echo
    echo "| measure | value |"
    echo "| --- | ---: |"
    echo "| bytes received | $(val bytes "$WORK/big.txt") |"
    echo "| seconds | $(val secs "$WORK/big.txt") |"
    echo "| RSS before | $(( $(val rss_before_kib "$WORK/big.txt") / 1024 )) MiB |"
    echo "| RSS peak during the download | $(( $(val rss_peak_kib "$WORK/big.txt") / 1024 )) MiB |"
    echo "| RSS growth | $(val rss_growth_kib "$WORK/big.txt") KiB |"
    echo
    echo "## What must still hold"
    echo
    echo "| check | this run | verdict |"
    echo "| --- | --- | --- |"
    held_mib=$(( $(val rss_held_kib "$WORK/idle.txt") / 1024 ))
    fresh=$(val fresh_client_worst_ms "$WORK/idle.txt")
    ok=$(awk -v m="$held_mib" -v f="$fresh" 'BEGIN { print (m < 64 && f < 100) ? "met" : "**not met**" }')
    echo "| $IDLE idle connections under 64 MiB, a fresh client served | $held_mib MiB, ${fresh} ms | $ok |"
    growth=$(val rss_growth_kib "$WORK/big.txt")
    ok=$(awk -v g="$growth" 'BEGIN { print (g < 16384) ? "met" : "**not met**" }')
    echo "| flat RSS on a 200 MB download (growth < 16 MiB) | $growth KiB | $ok |"
} >>RESULTS.md.new
mv RESULTS.md.new RESULTS.md
echo "wrote bench/RESULTS.md"
