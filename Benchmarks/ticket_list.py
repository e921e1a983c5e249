#!/usr/bin/env python3
"""The support team's ticket list at scale: fills a SQLite store with N tickets (1,000,000 by default) and one message
each, serves it, and times the all-tickets page with each filter as an agent meets it (HTTP, page 1 and a deep page).

    python3 Benchmarks/ticket_list.py [--tickets 1000000] [--binary .build-release/release/supportops] [--keep DIR]

Prints one line per query: the median and the slowest of 5 requests, in milliseconds. A benchmark, not a test: it
asserts nothing about time. The distributions are made up but shaped like a help desk's: most tickets resolved or
closed, a few hundred waiting for a person, a tenth tagged, six languages, a year of dates.
"""
import argparse
import http.cookiejar
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import two_step  # noqa: E402  (RFC 6238 codes, shared with the browser tests)
WORDS = ("blender kettle parcel refund invoice delivery courier damaged cracked missing late address warranty "
         "replacement cancel order payment card voucher size colour lamp chair desk mug toaster").split()


def fill(db, count, now):
    """Tickets and their first messages straight into the migrated schema (the triggers index the messages)."""
    con = sqlite3.connect(db)
    customers = [row[0] for row in con.execute("SELECT id FROM users WHERE role = 'customer'")]
    agents = [row[0] for row in con.execute("SELECT id FROM users WHERE role != 'customer'")]
    statuses = ["closed"] * 55 + ["resolved"] * 30 + ["awaiting_customer"] * 10 + ["open"] * 4 + ["escalated", "in_progress"]
    priorities = ["normal"] * 80 + ["high"] * 12 + ["low"] * 6 + ["urgent"] * 2
    intents = ["status", "refund", "cancel", "replacement", "general", "escalate"]
    languages = ["en"] * 70 + ["es"] * 10 + ["fr"] * 6 + ["de"] * 6 + ["it"] * 4 + ["pt"] * 4
    rng = random.Random(20261129)
    started = time.time()
    batch = 20_000
    for start in range(0, count, batch):
        tickets, messages, tags = [], [], []
        for n in range(start, min(count, start + batch)):
            ticket_id = n + 1
            created = now - rng.random() * 365 * 86_400
            updated = min(now, created + rng.random() * 5 * 86_400)
            status = rng.choice(statuses)
            title = " ".join(rng.sample(WORDS, 3)).capitalize()
            tickets.append((ticket_id, rng.choice(customers), title, status, rng.choice(priorities), f"bench-{ticket_id}",
                            rng.choice(intents), rng.choice(agents) if status in ("in_progress", "resolved", "closed") and rng.random() < 0.4 else None,
                            rng.choice(languages), created, updated))
            messages.append((ticket_id, "customer", " ".join(rng.choice(WORDS) for _ in range(12)), created))
            if rng.random() < 0.1:
                tags.append((ticket_id, rng.choice(["vip", "fragile", "repeat", "press"])))
        con.executemany("""INSERT INTO tickets (id, user_id, title, status, priority, conversation_id, intent, trace,
                           proposal_serial, assigned_agent_id, language, created_at, updated_at, revision)
                           VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 0, ?, ?, ?, ?, 0)""", tickets)
        con.executemany("""INSERT INTO ticket_messages (ticket_id, author_kind, body, citations, created_at)
                           VALUES (?, ?, ?, '[]', ?)""", messages)
        con.executemany("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", tags)
        con.commit()
        print(f"  {min(count, start + batch):>9,} tickets ({time.time() - started:.0f} s)", end="\r", file=sys.stderr)
    con.execute("ANALYZE")
    con.commit()
    con.close()
    print(f"  {count:,} tickets written in {time.time() - started:.0f} s" + " " * 10, file=sys.stderr)


class Agent:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def post(self, path, fields):
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', self.get(path)).group(1)
        data = urllib.parse.urlencode({"csrf": csrf, **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.read().decode()

    def login(self):
        """Signs the demo agent in, setting up two-step sign-in (staff must) with a code computed from the key."""
        self.post("/login", {"email": "agent@example.com", "password": "supportops-demo"})
        key = re.search(r'id="two-step-key"[^>]*>([A-Z2-7 ]+)<', self.get("/profile/two-step")).group(1)
        self.post("/profile/two-step", {"code": two_step.code(key, two_step.current_step())})


def serve_signed_in(binary, port, env):
    """Starts `supportops serve` on the port, waits until it answers, and returns the process and the signed-in agent."""
    server = subprocess.Popen([binary, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        agent = Agent(base)
        agent.login()
    except BaseException:
        server.terminate()
        server.wait(timeout=30)
        raise
    return server, agent


def find_binary(given):
    """The supportops binary to measure: the one given, else the release build, else the debug build."""
    binary = given or next((str(p) for p in [ROOT / ".build-release/release/supportops", ROOT / ".build/debug/supportops"]
                            if p.exists()), None)
    if not binary:
        sys.exit("build supportops first (swift build -c release --scratch-path .build-release --product supportops)")
    return binary


def bench_env(url, folder, **extra):
    """The server's environment for a benchmark: its database, its action log in `folder`, no scheduled work, no rate
    limits (one client sends as fast as it can), warnings only."""
    return {**os.environ, "DATABASE_URL": url, "SUPPORTOPS_ACTION_LOG": str(folder / "actions.jsonl"),
            "SUPPORTOPS_AUTOMATION_INTERVAL_SECONDS": "0", "SUPPORTOPS_RATE_LIMIT_PER_ADDRESS": "0",
            "SUPPORTOPS_RATE_LIMIT_PER_KEY": "0", "SUPPORTOPS_LOG_LEVEL": "warning", **extra}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--binary", default=None)
    parser.add_argument("--port", type=int, default=18990)
    parser.add_argument("--keep", default=None, help="a folder to build the store in and keep (reused when it exists)")
    args = parser.parse_args()
    binary = find_binary(args.binary)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="supportops-list-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "list.sqlite"
    env = bench_env(f"sqlite://{db}", folder)
    if not db.exists():
        subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([binary, "seed"], env=env, check=True, capture_output=True)
        fill(str(db), args.tickets, time.time())
    server, agent = serve_signed_in(binary, args.port, env)
    try:
        queries = [
            ("every ticket, page 1", "/agent/tickets"),
            ("every ticket, page 200", "/agent/tickets?page=200"),
            ("status escalated", "/agent/tickets?status=escalated"),
            ("priority urgent + intent refund", "/agent/tickets?priority=urgent&intent=refund"),
            ("unassigned", "/agent/tickets?unassigned=1"),
            ("tag vip", "/agent/tickets?tag=vip"),
            ("language es", "/agent/tickets?language=es"),
            ("opened in one week", "/agent/tickets?from=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 8 * 86400))
             + "&to=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))),
            ("words: kettle cracked", "/agent/tickets?q=kettle+cracked"),
            ("SLA breached", "/agent/tickets?sla=breached"),
            ("the queue", "/agent/queue"),
            ("queue badge (event)", "/agent/events?once=1"),
            ("dashboard, last 30 days", "/agent/dashboard"),
            ("dashboard, 30 days, intent refund", "/agent/dashboard?intent=refund"),
            ("dashboard, a whole year", "/agent/dashboard?from=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 364 * 86400))),
            ("dashboard CSV (days), 30 days", "/agent/dashboard/csv?table=days"),
        ]
        count = sqlite3.connect(str(db)).execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        print(f"ticket list, {count:,} tickets, SQLite, {Path(binary).parent.name} build")
        print(f"{'query':34} {'median ms':>10} {'max ms':>8}  tickets found")
        for label, path in queries:
            times, found = [], ""
            for _ in range(5):
                started = time.perf_counter()
                page = agent.get(path)
                times.append((time.perf_counter() - started) * 1000)
                match = re.search(r"([\d,]+) tickets · page", page) or re.search(r'figure-opened".*?figure-value">([\d,]+)<', page)
                found = match.group(1) if match else "-"
            print(f"{label:34} {statistics.median(times):>10.1f} {max(times):>8.1f}  {found}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
