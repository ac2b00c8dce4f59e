#!/usr/bin/env bash
# Acknowledged messages per second for `POST /api/messages`: the file store
# and PostgreSQL (synchronous_commit on, the default), one demo instance and
# two behind nginx (round robin).
#
#   apt-get install -y wrk postgresql nginx   # Debian packages, once
#   bash bench/instances.sh                   # about 3 minutes; prints a table
#
# `wrk -t2 -c64 -d30s --latency` with a Lua script that POSTs one JSON
# message per request. "Acknowledged" counts only the `201`s (wrk's
# requests minus its non-2xx answers and errors); at the end the script
# prints how many messages the stores hold, warm-ups included. Everything runs on this
# machine on loopback ports: wrk, nginx, the instances and PostgreSQL share
# its cores, so the figures are for comparing the set-ups with each other.
#
# Knobs (environment): DURATION (s per run, 30), CLIENTS (64).
# With two file-store instances, each has a file of its own: that is not
# one site, only what one disk gives to two writers.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # wait_port

DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-64}
PG_BIN=/usr/lib/postgresql/15/bin
for tool in wrk nginx "$PG_BIN/initdb"; do
    command -v "$tool" >/dev/null || [ -x "$tool" ] ||
        { echo "$tool is missing: apt-get install -y wrk postgresql nginx" >&2; exit 1; }
done

echo "building the demo (release)..."
cargo build --release --quiet -p demo
DEMO=$PWD/target/release/demo
WORK=$(mktemp -d)
PIDS=()
AS_PG=()
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$WORK"
    AS_PG=(runuser -u postgres --)
fi
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "starting PostgreSQL 15..."
PG_PORT=$(free_port)
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -U rung --auth=trust -E UTF8 >/dev/null
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c synchronous_commit=on" start >/dev/null
URL="postgres://rung:pw@127.0.0.1:$PG_PORT/postgres"
psql_count() { "${AS_PG[@]}" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U rung -d postgres -tAc "$1" 2>/dev/null || echo 0; }

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"wrk","email":"wrk@example.com","message":"A message of about the usual length, sent by the benchmark."}'
EOF

# These start a server in the background and set PORT to its port. (Not
# `port=$(start ...)`: the server would run in the subshell, and hold its
# output open, so the substitution would never end.)

# start_demo NAME ARGS...
start_demo() {
    local name=$1
    shift
    PORT=$(free_port)
    RUST_LOG=warn "$DEMO" --addr "127.0.0.1:$PORT" --secret bench "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    wait_port "$PORT" 20
}

# start_nginx PORT PORT: round robin over the two
start_nginx() {
    local port dir=$WORK/nginx-$RANDOM
    port=$(free_port)
    mkdir -p "$dir"
    {
        [ "$(id -u)" = 0 ] && echo "user root;"
        cat <<EOF
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream demo {
        server 127.0.0.1:$1;
        server 127.0.0.1:$2;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://demo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
        }
    }
}
EOF
    } >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >/dev/null 2>&1 &
    PIDS+=($!)
    wait_port "$port" 20
    PORT=$port
}

stop_all() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    PIDS=()
}

# run LABEL PORT → one table row; the stored count is checked by the caller
ROWS=()
run() {
    local label=$1 port=$2
    wrk -t2 -c"$CLIENTS" -d2s -s "$WORK/post.lua" "http://127.0.0.1:$port/api/messages" >/dev/null
    wrk -t2 -c"$CLIENTS" -d"${DURATION}s" --latency -s "$WORK/post.lua" \
        "http://127.0.0.1:$port/api/messages" >"$WORK/wrk.txt"
    read -r acked p99 < <(awk -v d="$DURATION" '
        / requests in / { reqs = $1 }
        /Non-2xx or 3xx responses:/ { bad += $5 }
        /Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
        /^ +99%/ {
            v = $2
            if (v ~ /us$/) { sub(/us$/, "", v); p99 = v / 1000 }
            else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v }
            else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000 }
        }
        END { printf "%.0f %.1f\n", (reqs - bad) / d, p99 }
    ' "$WORK/wrk.txt")
    echo "  $label: $acked acknowledged messages/s, p99 $p99 ms"
    ROWS+=("| $label | $acked | $p99 |")
}

stored_lines() { cat "$@" 2>/dev/null | wc -l; }

echo "file store, one instance..."
start_demo file1 --data-dir "$WORK/file1"
run "file store, 1 instance" "$PORT"
stop_all

echo "file store, two instances (a file each) behind nginx..."
start_demo file2a --data-dir "$WORK/file2a"
a=$PORT
start_demo file2b --data-dir "$WORK/file2b"
start_nginx "$a" "$PORT"
run "file store, 2 instances + nginx (a file each)" "$PORT"
stop_all

echo "PostgreSQL, one instance..."
start_demo pg1 --database-url "$URL" --data-dir "$WORK/unused"
run "PostgreSQL, 1 instance" "$PORT"
stop_all

echo "PostgreSQL, two instances behind nginx..."
start_demo pg2a --database-url "$URL" --data-dir "$WORK/unused"
a=$PORT
start_demo pg2b --database-url "$URL" --data-dir "$WORK/unused"
start_nginx "$a" "$PORT"
run "PostgreSQL, 2 instances + nginx" "$PORT"
stop_all

echo
echo "Stored: file store $(stored_lines "$WORK"/file*/messages.jsonl) lines," \
    "PostgreSQL $(psql_count 'SELECT count(*) FROM messages') rows" \
    "(each run's warm-up included)."
echo
echo "$(nproc) cores, $(uname -r); wrk -t2 -c$CLIENTS -d${DURATION}s --latency; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| set-up | acknowledged messages/s | p99 (ms) |"
echo "| --- | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
