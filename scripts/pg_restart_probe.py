#!/usr/bin/env python3
"""The open PostgreSQL-restart defect, reproduced against one instance without nginx (issue 15).

Sends 300 refunds for fresh orders from 16 threads to a running `supportops serve`, restarts PostgreSQL when 75 are
answered, and prints the outcomes and the slowest requests with their durations. Start the instance with a long read
timeout so that a hung request shows how long it hangs instead of being cut off:

    DATABASE_URL=postgres://… SUPPORTOPS_READ_TIMEOUT_SECONDS=120 SUPPORTOPS_RATE_LIMIT_PER_ADDRESS=0 \\
      taskset -c 0 .build/debug/supportops serve --port 18450 &
    DATABASE_URL=postgres://… python3 scripts/pg_restart_probe.py --base http://127.0.0.1:18450

Before the fix (2026-11-29, pinned to one core): in every run 1–6 requests hung until the 120 s read timeout, and once
one event loop's pool stayed held by them (every later request on it waited out the pool timeout). The cause: PostgresNIO
drops a statement written to a connection that already closed, so a transaction between two statements when the
restart came never got an answer. After `Database.guardedTransaction` (five runs): none hung, slowest answer 0.35 s.
A diagnostic, not a test: it asserts nothing.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_check  # noqa: E402  (the fixture import it already has)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:18450")
    parser.add_argument("--binary", default=".build/debug/supportops")
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--restart", default="pg_ctlcluster 15 main restart")
    args = parser.parse_args()
    work = crash_check.import_orders(args.binary, 7_000_000 + int(time.time()) % 100_000 * 400, args.orders)
    results, lock, fired = [], threading.Lock(), threading.Event()

    def one(item):
        started = time.time()
        body = json.dumps({"user_input": f"refund order {item[1]} please, it arrived broken", "user_id": item[0]}).encode()
        request = urllib.request.Request(args.base + "/support/resolve", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                outcome = str(response.status)
        except urllib.error.HTTPError as error:
            outcome = f"http {error.code}"
        except Exception as error:  # a dropped connection is an outcome here
            outcome = type(error).__name__
        with lock:
            results.append((time.time() - started, outcome, item))
            if len(results) == args.orders // 4 and not fired.is_set():
                fired.set()
                threading.Thread(target=lambda: subprocess.run(args.restart, shell=True)).start()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, work))
    print(dict(collections.Counter(outcome for _, outcome, _ in results)))
    for duration, outcome, item in sorted(results, reverse=True)[:10]:
        print(f"{duration:7.2f} s  {outcome:20}  customer {item[0]} order {item[1]}")


if __name__ == "__main__":
    main()
