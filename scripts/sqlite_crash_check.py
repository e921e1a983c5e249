#!/usr/bin/env python3
"""Crash safety of one server on SQLite under write load (the default, zero-setup database), where the hot writes go
through SQLite's one writer (SQLiteWriter):

  1. Refund requests for fresh orders stream in from 16 threads; in the middle the server is killed with SIGKILL, then
     started again on the same file.
  2. SIGTERM in the middle of a load: the server finishes what is in flight, then writes what it buffered (the review
     turns go through the writer, which closes last).

Then: every refund acknowledged with a 2xx is stored with its audit row; no refund exists without its audit row; the
action log never shows a refund the database lacks; after the SIGTERM every answered request has its review turn; and
the restarted server answers again. Prints the counts; exits 1 on a violation.

  python3 scripts/sqlite_crash_check.py [--orders 300] [--binary .build/debug/supportops]
"""
import argparse
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile

from crash_check import ROOT, import_orders, load, verify, wait_ready


class Server:
    """`supportops serve` on the SQLite file of DATABASE_URL, on a free port, its action log in `folder`."""

    def __init__(self, binary, folder):
        self.binary, self.folder, self.process = binary, folder, None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self):
        env = dict(os.environ, SUPPORTOPS_ACTION_LOG=os.path.join(self.folder, "actions-1.jsonl"),
                   SUPPORTOPS_RATE_LIMIT_PER_ADDRESS="0", SUPPORTOPS_RATE_LIMIT_PER_KEY="0", SUPPORTOPS_LOG_LEVEL="warning")
        log = open(os.path.join(self.folder, "server.log"), "a")
        self.process = subprocess.Popen([self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                        env=env, stdout=log, stderr=subprocess.STDOUT)
        return wait_ready(self.base)

    def signal(self, number):
        self.process.send_signal(number)

    def wait(self, seconds=60):
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--binary", default=os.environ.get("SUPPORTOPS_BIN", os.path.join(ROOT, ".build/debug/supportops")))
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="supportops-sqlite-crash-")
    path = os.path.join(folder, "crash.sqlite")
    os.environ["DATABASE_URL"] = f"sqlite://{path}"
    subprocess.run([args.binary, "migrate"], check=True, capture_output=True)

    def rows(query):
        with sqlite3.connect(path) as connection:
            return connection.execute(query).fetchall()

    order_of = "CAST(json_extract(parameters, '$.order_id') AS INTEGER)"
    failures = []
    server = Server(args.binary, folder)
    if not server.start():
        sys.exit(f"the server did not start: {open(os.path.join(folder, 'server.log')).read()[-2000:]}")

    # 1. SIGKILL under load, then a restart on the same file.
    work = import_orders(args.binary, 40_000_000, args.orders)
    outcomes = load(server.base, work, lambda: server.signal(signal.SIGKILL), args.orders // 3)
    server.wait()
    if not server.start():
        failures.append("kill -9: the server did not start again on the same file")
    verify("", folder, "kill -9 (SQLite)", work, outcomes, failures, rows=rows, order_of=order_of)

    # 2. SIGTERM under load: what is in flight finishes, and what was buffered is written before the writer closes.
    work = import_orders(args.binary, 41_000_000, args.orders)
    turns_before = rows("SELECT COUNT(*) FROM conversation_turns")[0][0]
    outcomes = load(server.base, work, lambda: server.signal(signal.SIGTERM), args.orders // 3)
    code = server.wait()
    if code != 0:
        failures.append(f"SIGTERM: the server exited with {code} (expected a clean 0)")
    verify("", folder, "SIGTERM (SQLite)", work, outcomes, failures, rows=rows, order_of=order_of)
    answered = sum(1 for outcome in outcomes.values() if outcome in ("done", "refused"))
    turns = rows("SELECT COUNT(*) FROM conversation_turns")[0][0] - turns_before
    print(f"   answered {answered}, review turns written {turns}")
    if turns < answered:
        failures.append(f"SIGTERM: {answered - turns} answered requests lost their review turn at shutdown")
    if not server.start():
        failures.append("SIGTERM: the server did not start again")
    server.signal(signal.SIGTERM)
    server.wait()

    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("SQLite crash check: every acknowledged refund is stored with its audit row; nothing without one; no turn lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
