#!/usr/bin/env python3
"""The leads' pages at scale: seeds a store with N generated conversations (1,000,000 by default, about 1.7 turns each,
over a year) and M generated tickets (1,000,000 by default; `supportops seed --conversations N --tickets M`), serves it, and times the dashboard and the conversation review list
over HTTP as a signed-in agent meets them. SQLite by default; PostgreSQL with --database-url (the database is reset).

    python3 Benchmarks/dashboard.py [--conversations 1000000] [--tickets 1000000] [--database-url postgres://USER:PASS@127.0.0.1:5432/DB]
                                    [--binary .build-release/release/supportops] [--keep DIR]

Prints the seed time and one line per page: the median and the slowest of 5 requests in milliseconds. A benchmark, not
a test: it asserts nothing about time.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Benchmarks"))
from ticket_list import bench_env, find_binary, serve_signed_in  # noqa: E402  (the server, its environment, the signed-in agent)


def day(offset_days):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - offset_days * 86400))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (emptied); SQLite in a temporary folder without it")
    parser.add_argument("--binary", default=None)
    parser.add_argument("--port", type=int, default=18991)
    parser.add_argument("--keep", default=None, help="a folder for the SQLite store, kept and reused when it exists")
    args = parser.parse_args()
    binary = find_binary(args.binary)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="supportops-dashboard-"))
    folder.mkdir(parents=True, exist_ok=True)
    sqlite_path = folder / "dashboard.sqlite"
    url = args.database_url or f"sqlite://{sqlite_path}"
    env = bench_env(url, folder, SUPPORTOPS_RETENTION_DAYS="0")
    kind = "PostgreSQL" if args.database_url else "SQLite"
    fresh = args.database_url or not sqlite_path.exists()
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
    if fresh:
        started = time.time()
        seeded = subprocess.run([binary, "seed", "--reset", "--customers", "2000", "--orders", "6000",
                                 "--conversations", str(args.conversations), "--tickets", str(args.tickets)], env=env, check=True, capture_output=True, text=True)
        print(f"seed: {time.time() - started:.0f} s · {seeded.stdout.strip().splitlines()[-1]}")
        if args.database_url:
            for table in ["conversation_turns", "conversation_rollups", "tickets"]:
                subprocess.run(["psql", args.database_url, "-qc", f"ANALYZE {table}"], check=True)
        else:
            subprocess.run(["sqlite3", str(sqlite_path), "ANALYZE"], check=False)
    # A kept store's agent set up two-step sign-in in an earlier run: set it up again (the key is not kept).
    reset = "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE email = 'agent@example.com'"
    if args.database_url:
        subprocess.run(["psql", args.database_url, "-qc", reset], check=True)
    else:
        subprocess.run(["sqlite3", str(sqlite_path), reset], check=True)
    server, agent = serve_signed_in(binary, args.port, env)
    try:
        pages = [
            ("dashboard, last 30 days", "/agent/dashboard"),
            ("dashboard, 30 days, language es", "/agent/dashboard?language=es"),
            ("dashboard, 30 days, intent refund", "/agent/dashboard?intent=refund"),
            ("dashboard, 90 days", f"/agent/dashboard?from={day(89)}"),
            ("dashboard, a whole year", f"/agent/dashboard?from={day(364)}"),
            ("CSV conversations, 30 days", "/agent/dashboard/csv?table=conversations"),
            ("CSV tickets per day, 30 days", "/agent/dashboard/csv?table=days"),
            ("review list, last 7 days", "/agent/review"),
            ("review list, 30 days, escalated", f"/agent/review?from={day(29)}&escalated=yes"),
        ]
        print(f"dashboard and review, {args.conversations:,} generated conversations and {args.tickets:,} tickets, {kind}, "
              f"{Path(binary).parent.name} build")
        print(f"{'page':36} {'median ms':>10} {'max ms':>8}")
        for label, path in pages:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                agent.get(path)
                times.append((time.perf_counter() - started) * 1000)
            print(f"{label:36} {statistics.median(times):>10.1f} {max(times):>8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
