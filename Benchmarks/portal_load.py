#!/usr/bin/env python3
"""Portal benchmark: starts `supportops serve` on a fresh SQLite demo store, signs customers in, and times the ticket
workflow over HTTP — open a ticket (the agent answers in propose mode), confirm the proposal, view the ticket — with
several customers in parallel. Prints requests/s and latency percentiles; asserts nothing about time.

    python3 Benchmarks/portal_load.py [--tickets 60] [--workers 4]     (SUPPORTOPS_BIN for a release binary)
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import requests

PORT = 18191
BASE = f"http://127.0.0.1:{PORT}"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
SERIAL = re.compile(r'name="serial" value="(\d+)"')


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p * len(ordered) + 0.5)) - 1))] * 1000


def session_for(email):
    s = requests.Session()
    s.email = email
    token = CSRF.search(s.get(f"{BASE}/login").text).group(1)
    r = s.post(f"{BASE}/login", data={"csrf": token, "email": email, "password": "supportops-demo"}, allow_redirects=False)
    assert r.status_code == 303, f"sign-in of {email} failed: {r.status_code}"
    return s


# A cancellable order of each demo customer (the proposal is declined, so it stays cancellable), else a status question.
OWN_ORDER = {"alice@example.com": "please cancel order 1002", "dan@example.com": "please cancel order 4002",
             "bob@example.com": "where is my order 2001?", "carol@example.com": "where is my order 3001?"}


def workflow(s, n, timings):
    page = s.get(f"{BASE}/tickets/new").text
    token = CSRF.search(page).group(1)
    start = time.perf_counter()
    r = s.post(f"{BASE}/tickets", data={"csrf": token, "title": f"Question {n}",
                                        "description": OWN_ORDER[s.email]},
               allow_redirects=False)
    timings["open"].append(time.perf_counter() - start)
    assert r.status_code == 303, r.status_code
    location = r.headers["location"]
    start = time.perf_counter()
    page = s.get(f"{BASE}{location}" if location.startswith("/") else location).text
    timings["view"].append(time.perf_counter() - start)
    serial = SERIAL.search(page)
    if serial:
        start = time.perf_counter()
        r = s.post(f"{BASE}{location}/decline", data={"csrf": CSRF.search(page).group(1), "serial": serial.group(1)},
                   allow_redirects=False)
        timings["decline"].append(time.perf_counter() - start)
        assert r.status_code == 303, r.status_code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.environ.get("SUPPORTOPS_BIN", os.path.join(root, ".build/debug/supportops"))
    if not os.path.exists(binary):
        subprocess.run(["swift", "build", "--product", "supportops"], cwd=root, check=True)
    work = os.environ.get("PORTAL_BENCH_DIR") or tempfile.mkdtemp()
    env = dict(os.environ, DATABASE_URL=f"sqlite://{work}/bench.sqlite", SUPPORTOPS_LOG_LEVEL="warning",
               SUPPORTOPS_ACTION_LOG=f"{work}/actions.jsonl")
    env.pop("MAIL_SERVER", None)
    server = subprocess.Popen([binary, "serve", "--port", str(PORT)], cwd=work, env=env,
                              stdout=open(f"{work}/server.log", "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            try:
                if requests.get(f"{BASE}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        # Each worker is one customer (the row lock serialises one customer's tool calls, as in real traffic).
        emails = ["alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"]
        sessions = [session_for(emails[i % len(emails)]) for i in range(args.workers)]
        timings = {"open": [], "view": [], "decline": []}
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            futures = [pool.submit(workflow, sessions[n % args.workers], n, timings) for n in range(args.tickets)]
            for future in futures:
                future.result()
        elapsed = time.perf_counter() - started
        requests_done = sum(len(v) for v in timings.values())
        print(f"{args.tickets} tickets, {args.workers} customers in parallel, {elapsed:.1f} s: "
              f"{args.tickets / elapsed:.1f} tickets/s, {requests_done / elapsed:.1f} workflow requests/s")
        for name, values in timings.items():
            if values:
                print(f"  {name:8s} n={len(values):4d}  p50 {percentile(values, 0.5):7.1f} ms  p99 {percentile(values, 0.99):7.1f} ms")
        rss = open(f"/proc/{server.pid}/status").read()
        print("  server " + next(line for line in rss.splitlines() if line.startswith("VmRSS")).replace("\t", " "))
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not os.environ.get("PORTAL_BENCH_DIR"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
