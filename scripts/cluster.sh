#!/usr/bin/env bash
# Two `supportops serve` instances on one PostgreSQL behind Debian's nginx (round robin): the scale-out set-up of the
# production issue, for trying it and for scripts/cluster_check.py.
#   DATABASE_URL=postgres://USER:PASS@HOST:PORT/DB scripts/cluster.sh start     migrate + seed once, then start all three
#   scripts/cluster.sh stop                                                       SIGTERM to everything it started
#   scripts/cluster.sh status
#   scripts/cluster.sh restart 1                                                   one instance again (after a crash)
# nginx listens on CLUSTER_PORT (18400); the instances on CLUSTER_PORT+1 and +2. Files (pids, logs, action logs, nginx
# configuration) go to CLUSTER_DIR (${TMPDIR:-/tmp}/supportops-cluster). SUPPORTOPS_BIN picks a binary (default: the
# debug build, built if missing). Rate limits are off unless SUPPORTOPS_RATE_LIMIT_* are set (the checks are one client).
# nginx adds `X-Upstream` (which instance answered) to every answer, and never resends a POST to the other instance
# (its default for non-idempotent requests): a refund is attempted once.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${CLUSTER_DIR:-${TMPDIR:-/tmp}/supportops-cluster}
port=${CLUSTER_PORT:-18400}
nginx_bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_instance() { # number
  # nginx on this machine names the client in X-Forwarded-For.
  SUPPORTOPS_ACTION_LOG="$dir/actions-$1.jsonl" SUPPORTOPS_PUBLIC_URL="http://127.0.0.1:$port" SUPPORTOPS_TRUSTED_PROXIES=127.0.0.1 \
    "$bin" serve --hostname 127.0.0.1 --port $((port + $1)) >>"$dir/instance-$1.log" 2>&1 &
  echo $! >"$dir/instance-$1.pid"
}

wait_ready() { # port
  for _ in $(seq 1 240); do curl -sf -o /dev/null "http://127.0.0.1:$1/ready" && return 0; sleep 0.5; done
  return 1
}

# The nginx configuration with these instances in rotation ("1 2", or one of them during a restart).
write_nginx_conf() { # instances
  cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx-temp/body;
  proxy_temp_path $dir/nginx-temp/proxy;
  fastcgi_temp_path $dir/nginx-temp/fastcgi;
  uwsgi_temp_path $dir/nginx-temp/uwsgi;
  scgi_temp_path $dir/nginx-temp/scgi;
  # No kept-alive upstream connections: a POST on an idle connection that an instance closes would fail with a 502
  # nginx must not retry (the request was sent). max_fails=0: an instance that refused a connection (a crash) is
  # tried again on the next request instead of being written off for 10 s; the refused request goes to the other.
  upstream supportops {
$(for i in $1; do echo "    server 127.0.0.1:$((port + i)) max_fails=0;"; done)
  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 8m;
    location / {
      proxy_pass http://supportops;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_read_timeout 60s;
      add_header X-Upstream \$upstream_addr always;
      proxy_buffering off; # the live desk's event stream
    }
  }
}
NGINX
}

stop() {
  if running "$dir/nginx.pid"; then "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$dir/nginx.pid")"; fi
  for i in 1 2; do
    if running "$dir/instance-$i.pid"; then
      pid=$(cat "$dir/instance-$i.pid")
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { echo "cluster: instance $i did not stop within 10 s; killing it" >&2; kill -KILL "$pid"; }
    fi
    rm -f "$dir/instance-$i.pid"
  done
}

bin=${SUPPORTOPS_BIN:-.build/debug/supportops}
case ${1:-} in start|restart)
  url=${DATABASE_URL:?set DATABASE_URL=postgres://USER:PASS@HOST:PORT/DB}
  case $url in postgres://*|postgresql://*) ;; *) echo "cluster: DATABASE_URL must be PostgreSQL (instances share it)" >&2; exit 1 ;; esac
  export DATABASE_URL="$url" SUPPORTOPS_RATE_LIMIT_PER_ADDRESS=${SUPPORTOPS_RATE_LIMIT_PER_ADDRESS:-0} \
    SUPPORTOPS_RATE_LIMIT_PER_KEY=${SUPPORTOPS_RATE_LIMIT_PER_KEY:-0}
  ;;
esac

case ${1:-} in
start)
  [ -x "$nginx_bin" ] || { echo "cluster: nginx is missing (apt-get install nginx)" >&2; exit 1; }
  [ -x "$bin" ] || swift build --product supportops
  mkdir -p "$dir/nginx-temp"
  stop
  # Migrate and seed once, before the instances start, so that they do not race to fill an empty database.
  SUPPORTOPS_LOG_LEVEL=warning "$bin" migrate >/dev/null
  SUPPORTOPS_LOG_LEVEL=warning "$bin" seed >/dev/null
  for i in 1 2; do start_instance "$i"; done
  write_nginx_conf "1 2"
  "$nginx_bin" -p "$dir" -c "$dir/nginx.conf"
  for target in $((port + 1)) $((port + 2)) "$port"; do
    wait_ready "$target" || { echo "cluster: 127.0.0.1:$target is not ready; logs in $dir" >&2; stop; exit 1; }
  done
  echo "cluster: nginx http://127.0.0.1:$port → instances :$((port + 1)) and :$((port + 2)) on one PostgreSQL (files in $dir)"
  ;;
restart) # one instance, after a crash or to roll out a new binary: scripts/cluster.sh restart 1|2
  # A rolling restart: out of rotation first (nginx reloads gracefully: requests under way finish), then SIGTERM
  # (the instance finishes what it has), start, ready, back in rotation. Even HTTP/1.1 drain alone cannot close a
  # just-accepted connection without failing the request on it; taking the instance out first avoids that.
  i=${2:?which instance: 1 or 2}
  other=$((3 - i))
  write_nginx_conf "$other"
  "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -s reload 2>/dev/null
  sleep 1
  if running "$dir/instance-$i.pid"; then
    pid=$(cat "$dir/instance-$i.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  start_instance "$i"
  wait_ready $((port + i)) || { echo "cluster: instance $i is not ready again; log in $dir/instance-$i.log" >&2; exit 1; }
  write_nginx_conf "1 2"
  "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -s reload 2>/dev/null
  echo "cluster: instance $i restarted"
  ;;
stop) stop; echo "cluster: stopped" ;;
status)
  for name in nginx instance-1 instance-2; do
    if running "$dir/$name.pid"; then echo "$name: running (pid $(cat "$dir/$name.pid"))"; else echo "$name: stopped"; fi
  done
  ;;
*) echo "usage: scripts/cluster.sh start|stop|status|restart N" >&2; exit 2 ;;
esac
