#!/usr/bin/env bash
# Load test of POST /support/resolve on loopback: starts `supportops serve` on a fresh SQLite demo store, drives it with
# wrk (Debian package `wrk`) for a fixed, bounded time, prints requests/s and latency, and stops the server.
#   bash Benchmarks/api_load.sh [duration-seconds] [connections]     (set SUPPORTOPS_BIN for a release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-20}
bin=${SUPPORTOPS_BIN:-.build/debug/supportops}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
[ -x "$bin" ] || swift build --product supportops
work=$(mktemp -d)
port=18181
binary=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
(cd "$work" && exec env DATABASE_URL="sqlite://$work/bench.sqlite" SUPPORTOPS_LOG_LEVEL=warning "$binary" serve --port $port \
  > "$work/server.log" 2>&1) &
server=$!
if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then echo "port $port is already in use"; exit 1; fi
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
cat > "$work/status.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"user_input": "where is my order 1003? it has not arrived", "user_id": 1}'
LUA
echo "== read path: status question (understand, retrieve, get_order_status, audit write), $connections connections, ${duration}s"
wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/status.lua" "http://127.0.0.1:$port/support/resolve" \
  | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
echo "== health check"
wrk -t2 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port/health" | grep -E "Requests/sec|50%|99%"
echo "server RSS after load: $(ps -o rss= -p $server | awk '{print int($1/1024)" MB"}')"
grep -q " error " "$work/server.log" && { echo "server errors:"; grep " error " "$work/server.log" | head -5; } || true
