#!/usr/bin/env bash
# Browser end-to-end tests of the portal: builds the service, starts an SMTP sink and the server on a fresh SQLite
# database in a temp dir, and runs tests/e2e with pytest + Selenium (headless Chromium). Screenshots: screenshots/.
# Needs Debian's chromium and chromium-driver and pip's selenium, pytest and aiosmtpd; without them it says
# "skipped" and exits 0, except under CI=true, where it fails. Extra arguments go to pytest (e.g. -k kb -x).
# Ports: E2E_PORT (18080) and E2E_SMTP_PORT (18025). E2E_KEEP_TMP=1 keeps the temp dir (database, logs, mail).
# `scripts/e2e.sh --check` only says whether the browser tests can run here (exit 0) or what is missing (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
log() { echo "[e2e $(( $(date +%s) - started ))s] $*"; }

chromium_bin=${E2E_CHROMIUM:-/usr/bin/chromium}
chromedriver_bin=${E2E_CHROMEDRIVER:-/usr/bin/chromedriver}
missing=()
[ -x "$chromium_bin" ] || missing+=("$chromium_bin")
[ -x "$chromedriver_bin" ] || missing+=("$chromedriver_bin")
python3 -c "import selenium, pytest, aiosmtpd, cv2" 2>/dev/null || missing+=("python modules selenium/pytest/aiosmtpd/opencv-python-headless")
# libfaketime sets the clock of a second server (the service-level test across a weekend).
faketime_lib=${E2E_FAKETIME_LIB:-$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)}
[ -n "$faketime_lib" ] && [ -e "$faketime_lib" ] || missing+=("libfaketime (apt-get install faketime)")
if [ "${1:-}" = "--check" ]; then # for scripts/test.sh: say whether the browser tests can run here
  if [ ${#missing[@]} -eq 0 ]; then echo "on"; exit 0; fi
  echo "missing ${missing[*]}"; exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "browser tests: FAILED, missing under CI: ${missing[*]} (install chromium chromium-driver faketime and pip selenium pytest aiosmtpd opencv-python-headless)" >&2
    exit 1
  fi
  echo "browser tests: skipped (install chromium chromium-driver faketime and pip selenium pytest aiosmtpd opencv-python-headless)"
  exit 0
fi

port=${E2E_PORT:-18080}
smtp_port=${E2E_SMTP_PORT:-18025}
base_url="http://127.0.0.1:$port"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$smtp_port"; do
  if port_busy "$p"; then
    echo "e2e: port $p on 127.0.0.1 is already in use (a leftover server?); stop it or set E2E_PORT / E2E_SMTP_PORT" >&2
    exit 1
  fi
done

log "building supportops"
swift build --product supportops
binary="$root/.build/debug/supportops"
[ -x "$binary" ] || { echo "e2e: $binary was not built" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/supportops-e2e.XXXXXX")
mail_dir="$tmp/mail"
mkdir -p "$mail_dir" "$root/screenshots"
rm -f "$root"/screenshots/FAILED-*.png "$root"/screenshots/FAILED-*.html
server_log="$tmp/server.log"
sink_log="$tmp/smtp-sink.log"
server_pid=""
sink_pid=""
status=1

stop_process() { # pid: TERM, up to 5 s, then KILL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  trap - EXIT INT TERM
  stop_process "$server_pid"
  stop_process "$sink_pid"
  if [ "$status" -ne 0 ]; then
    echo "----- server log (last 200 lines of $server_log) -----"
    tail -n 200 "$server_log" 2>/dev/null || true
    echo "----- SMTP sink log -----"
    cat "$sink_log" 2>/dev/null || true
    echo "----- mail received: $(ls "$mail_dir" 2>/dev/null | wc -l) message(s) -----"
    for f in "$mail_dir"/*.json; do [ -e "$f" ] && { echo "== $f"; cat "$f"; echo; }; done
    echo "-----"
  fi
  if [ "${E2E_KEEP_TMP:-}" = "1" ]; then echo "e2e: kept $tmp"; else rm -rf "$tmp"; fi
  log "browser tests finished (exit $status)"
  exit "$status"
}
trap cleanup EXIT
trap 'status=130; exit 130' INT TERM

log "starting the SMTP sink on 127.0.0.1:$smtp_port"
python3 "$root/tests/e2e/smtp_sink.py" --host 127.0.0.1 --port "$smtp_port" "$mail_dir" >"$sink_log" 2>&1 &
sink_pid=$!
for _ in $(seq 1 100); do port_busy "$smtp_port" && break; kill -0 "$sink_pid" 2>/dev/null || break; sleep 0.1; done
port_busy "$smtp_port" || { echo "e2e: the SMTP sink did not start" >&2; exit 1; }

read_timeout=${E2E_READ_TIMEOUT:-5} # short, so that the stalled-client test does not wait long
log "starting supportops serve on $base_url (database $tmp/e2e.sqlite)"
# env -u: a DATABASE_URL or language-model setting of the caller must not leak into the test server.
env -u DATABASE_URL -u SUPPORTOPS_LLM_PROVIDER -u SUPPORTOPS_LLM_BASE_URL -u SUPPORTOPS_API_KEYS \
  DATABASE_URL="sqlite://$tmp/e2e.sqlite" \
  SUPPORTOPS_ACTION_LOG="$tmp/actions.jsonl" \
  MAIL_SERVER=127.0.0.1 MAIL_PORT="$smtp_port" MAIL_USE_TLS=false MAIL_FROM=support@supportops.local \
  SUPPORTOPS_OUTBOX_INTERVAL_MS=300 \
  SUPPORTOPS_RATE_LIMIT_PER_ADDRESS=0 SUPPORTOPS_RATE_LIMIT_PER_KEY=0 \
  SUPPORTOPS_PUBLIC_URL="$base_url" \
  SUPPORTOPS_READ_TIMEOUT_SECONDS="$read_timeout" \
  "$binary" serve --hostname 127.0.0.1 --port "$port" >"$server_log" 2>&1 &
server_pid=$!

deadline=$(( $(date +%s) + 120 ))
until curl -sf "$base_url/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then echo "e2e: the server exited before answering /health" >&2; exit 1; fi
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "e2e: the server did not answer /health within 120 s" >&2; exit 1; fi
  sleep 0.5
done
log "server is up; running the browser tests"

set +e
E2E_BASE_URL="$base_url" E2E_MAIL_DIR="$mail_dir" E2E_ACTION_LOG="$tmp/actions.jsonl" E2E_READ_TIMEOUT="$read_timeout" \
  E2E_SCREENSHOT_DIR="$root/screenshots" E2E_CHROMIUM="$chromium_bin" E2E_CHROMEDRIVER="$chromedriver_bin" \
  E2E_BINARY="$binary" E2E_FAKETIME_LIB="$faketime_lib" \
  timeout 1200 python3 -m pytest -q -p no:cacheprovider "$root/tests/e2e" "$@"
status=$?
# The API fuzzer last (its generated requests may refund demo orders the browser tests use): every operation of the
# served document, over 1,000 generated requests, each answer checked against the document.
if command -v st >/dev/null 2>&1 && [ -z "${E2E_SKIP_FUZZ:-}" ]; then
  log "schemathesis against $base_url/openapi.json"
  timeout 900 st run "$base_url/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples 250 --request-timeout 20 --seed 20261128 --report junit --report-dir "$tmp/schemathesis"
  fuzz=$?
  [ "$fuzz" -eq 0 ] || { echo "e2e: schemathesis found failures (exit $fuzz)" >&2; status=1; }
elif [ "${CI:-}" = "true" ]; then
  echo "e2e: schemathesis is required under CI=true (pip install schemathesis)" >&2
  status=1
else
  log "schemathesis: skipped ($([ -n "${E2E_SKIP_FUZZ:-}" ] && echo "E2E_SKIP_FUZZ is set" || echo "pip install schemathesis"))"
fi
set -e
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "e2e: the server died during the tests" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
