#!/usr/bin/env python3
"""Crash safety under write load (the production issue), against scripts/cluster.sh's nginx and instances:

  1. Refund requests for fresh orders stream through nginx from many threads; in the middle, instance 1 is killed with
     SIGKILL, then started again (scripts/cluster.sh restart 1).
  2. A rolling restart: SIGTERM to instance 2 in the middle of a load; not one request may fail (it finishes what is in
     flight, and nginx sends the rest to instance 1).
  3. With --restart-postgres COMMAND, PostgreSQL itself is restarted in the middle of a load.

Then: every refund acknowledged with a 2xx is stored with its audit row; no refund exists without its audit row;
every refund the action logs show is stored (the logs may lag, never lead); the failures during the faults were clean
(an HTTP error status or a dropped connection, no 2xx that did not happen); and the service answers again by itself.
Prints the counts; exits 1 on a violation.

  DATABASE_URL=postgres://… CLUSTER_DIR=… python3 scripts/crash_check.py [--orders 600] [--restart-postgres "pg_ctlcluster 15 main restart"]
"""
import argparse
import collections
import datetime
import glob
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from cluster_support import import_document, psql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))



def import_orders(binary, base_id, count):
    """count customers with one fresh refundable order each (one refund each is always within the rules)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    day = lambda n: (now - datetime.timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    customers = [{"id": base_id + n, "name": f"Crash Customer {n}", "email": f"crash{base_id + n}@example.com",
                  "created_at": day(400)} for n in range(count)]
    orders = [{"id": (base_id + n) * 10, "customer_id": base_id + n, "status": "delivered", "created_at": day(6),
               "shipped_at": day(5), "delivered_at": day(3), "items": [{"product_id": 1, "quantity": 1, "unit_price": "9.99"}]}
              for n in range(count)]
    import_document(binary, {"customers": customers, "products": [], "orders": orders, "refunds": []})
    return [(c["id"], o["id"]) for c, o in zip(customers, orders)]


def refund(base, customer, order):
    body = json.dumps({"user_input": f"refund order {order} please, it arrived broken", "user_id": customer}).encode()
    request = urllib.request.Request(base + "/support/resolve", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
            result = answer.get("action_result") or {}
            return "done" if result.get("action") == "issue_refund" and result.get("success") else "refused"
    except urllib.error.HTTPError as error:
        return f"http {error.code}" + (" retry-after" if error.headers.get("Retry-After") else "")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return f"connection ({type(getattr(error, 'reason', error)).__name__})"


def load(base, work, fault, fault_after):
    """Sends every (customer, order) once from 16 threads; runs `fault` once fault_after requests were answered."""
    outcomes = {}
    answered = [0]
    lock = threading.Lock()
    fired = threading.Event()

    def one(item):
        outcome = refund(base, *item)
        with lock:
            outcomes[item[1]] = outcome
            answered[0] += 1
            trigger = answered[0] >= fault_after and not fired.is_set()
            if trigger:
                fired.set()
        if trigger:
            fault()
        return outcome

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, work))
    return outcomes


def wait_ready(base, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/ready", timeout=2).read()
            return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    return False


def verify(url, cluster_dir, name, work, outcomes, failures, rows=None, order_of=None):
    """Every acknowledged refund stored, none without its audit row, the action logs never ahead of the database.
    `rows(query)` runs a query (default: psql on `url`); `order_of` is the SQL for the audit row's order id."""
    rows = rows or (lambda query: psql(url, query))
    order_of = order_of or "(parameters::json->>'order_id')::bigint"
    orders = [order for _, order in work]
    order_list = ",".join(map(str, orders))
    stored = {int(r[0]) for r in rows(f"SELECT order_id FROM refunds WHERE order_id IN ({order_list})")}
    audited = {int(r[0]) for r in rows(f"""SELECT DISTINCT {order_of} FROM audit_entries
        WHERE action = 'issue_refund' AND result LIKE '%"success":"true"%'
          AND {order_of} IN ({order_list})""")}
    logged = set()
    for path in glob.glob(os.path.join(cluster_dir, "actions-*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    failures.append(f"{name}: a torn action-log line in {os.path.basename(path)}")
                    continue
                if entry.get("action") == "issue_refund" and entry.get("result", {}).get("success") == "true":
                    order = int(entry.get("parameters", {}).get("order_id", 0))
                    if order in set(orders):
                        logged.add(order)
    acknowledged = {order for order, outcome in outcomes.items() if outcome == "done"}
    kinds = collections.Counter(outcomes.values())
    if acknowledged - stored:
        failures.append(f"{name}: acknowledged refunds missing from the database: {sorted(acknowledged - stored)[:10]}")
    if stored - audited:
        failures.append(f"{name}: refunds without their audit row: {sorted(stored - audited)[:10]}")
    if logged - stored:
        failures.append(f"{name}: the action log shows refunds the database lacks: {sorted(logged - stored)[:10]}")
    if any(k.startswith("http 2") for k in kinds):
        failures.append(f"{name}: unexpected answers {dict(kinds)}")
    print(f"{name}: {len(work)} refund requests → {dict(kinds)}")
    print(f"   stored {len(stored)} (acknowledged {len(acknowledged)}, stored without an acknowledgement {len(stored - acknowledged)}:"
          f" the answer was lost with the connection), with audit rows {len(stored & audited)}, in the action logs {len(logged)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:18400")
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--binary", default=os.environ.get("SUPPORTOPS_BIN", os.path.join(ROOT, ".build/debug/supportops")))
    parser.add_argument("--restart-postgres", default="", help="a command that restarts PostgreSQL")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    cluster_dir = os.environ.get("CLUSTER_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "supportops-cluster"))
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL to the cluster's PostgreSQL")
    failures = []
    base_id = 30_000_000 + random.randrange(0, 900) * 10_000

    # 1. SIGKILL of instance 1 under load, then a restart.
    work = import_orders(args.binary, base_id, args.orders)

    def kill_instance():
        with open(os.path.join(cluster_dir, "instance-1.pid")) as handle:
            os.kill(int(handle.read().strip()), signal.SIGKILL)

    outcomes = load(args.base, work, kill_instance, args.orders // 4)
    subprocess.run([os.path.join(ROOT, "scripts/cluster.sh"), "restart", "1"], check=True)
    if not wait_ready(args.base):
        failures.append("kill -9: the cluster is not ready again after the restart")
    verify(url, cluster_dir, "kill -9 of instance 1", work, outcomes, failures)

    # 2. A rolling restart: SIGTERM to instance 2 under load. It stops accepting, finishes what is in flight, and nginx
    #    sends new requests to instance 1: not one request may fail.
    work = import_orders(args.binary, base_id + 3 * args.orders, args.orders)
    restarted = []

    def rolling_restart():
        restarted.append(subprocess.run([os.path.join(ROOT, "scripts/cluster.sh"), "restart", "2"], capture_output=True))

    outcomes = load(args.base, work, rolling_restart, args.orders // 4)
    if not restarted or restarted[0].returncode != 0:
        failures.append("SIGTERM: instance 2 did not come back after its restart")
    failed = {order: outcome for order, outcome in outcomes.items() if outcome != "done"}
    if failed:
        failures.append(f"SIGTERM: {len(failed)} requests failed during a rolling restart: {collections.Counter(failed.values())}")
    verify(url, cluster_dir, "SIGTERM (rolling restart) of instance 2", work, outcomes, failures)

    # 3. PostgreSQL restarted under load.
    if args.restart_postgres:
        work = import_orders(args.binary, base_id + args.orders, args.orders)
        outcomes = load(args.base, work, lambda: subprocess.run(args.restart_postgres, shell=True, check=True,
                                                               capture_output=True), args.orders // 4)
        if not wait_ready(args.base):
            failures.append("PostgreSQL restart: the service did not become ready again by itself")
        verify(url, cluster_dir, "PostgreSQL restarted", work, outcomes, failures)
        # A request must fail fast while the database is away, not hang: nginx answers 504 after its 30 s read timeout,
        # and the client gives up after 60 s (PostgresNIO loses a statement written to a connection that already
        # closed; Database.guardedTransaction is what prevents that hang).
        hung = [outcome for outcome in outcomes.values() if outcome == "http 504" or "Timeout" in outcome]
        if hung:
            failures.append(f"PostgreSQL restart: {len(hung)} requests hung instead of failing fast: {collections.Counter(hung)}")
        # Afterwards it serves again without a restart of its own. A client does what a 503 with Retry-After asks (a
        # pooled connection that died with the old server may fail one request cleanly), at most three times.
        item = import_orders(args.binary, base_id + 2 * args.orders, 1)[0]
        after = [refund(args.base, *item)]
        while after[-1] == "http 503 retry-after" and len(after) < 4:
            time.sleep(1)
            after.append(refund(args.base, *item))
        print(f"   a refund after the restart: {' → '.join(after)}")
        if after[-1] != "done":
            failures.append("PostgreSQL restart: a refund after the restart did not succeed")

    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("crash check: every acknowledged refund is stored with its audit row; nothing without one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
