# What the bench scripts share: sourced, not run.
#
# `servers_built` builds the servers and sets BIN (their folder), TICK (CPU
# ticks per second) and WORK (a temporary folder); on exit, every PID in
# PIDS is killed and WORK removed.

servers_built() {
    echo "building the servers (release)..."
    cargo build --release --quiet --bins
    BIN=target/release
    TICK=$(getconf CLK_TCK)
    WORK=$(mktemp -d)
    PIDS=()
    trap 'for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
}

# Waits until something listens on loopback port $1, for at most $2
# seconds (10 if not given).
wait_port() {
    for _ in $(seq $((${2:-10} * 10))); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}

# User + system CPU ticks of process $1 so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
