"""A promise kept in business hours, across a weekend, in a real browser against a served process whose clock the test
sets: a second supportops server runs under libfaketime (the system clock of that process only; its monotonic clock,
which timers use, is left alone). Friday 16:00 UTC, a customer asks for a person: the first response is due on Monday
16:00 (one working hour on Friday, seven on Monday), not on Saturday. On Monday 15:30 the ticket is due within the
hour; at 16:30 the scheduled work records the breach, raises the priority and notes it for the team."""
import os
import socket
import subprocess
import time
import urllib.request
from datetime import datetime, timezone

import pytest
from selenium.webdriver.common.by import By

from conftest import Portal
from test_portal import unique

BINARY = os.environ.get("E2E_BINARY", "")
FAKETIME_LIB = os.environ.get("E2E_FAKETIME_LIB", "")


def at(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc).timestamp()


FRIDAY_AFTERNOON = at("2026-11-27 16:00")
MONDAY_BEFORE_DUE = at("2026-11-30 15:30")
MONDAY_AFTER_DUE = at("2026-11-30 16:30")


class FakeClockServer:
    def __init__(self, folder):
        assert BINARY and os.access(BINARY, os.X_OK), "E2E_BINARY (set by scripts/e2e.sh) names no supportops binary"
        assert FAKETIME_LIB and os.path.exists(FAKETIME_LIB), "E2E_FAKETIME_LIB names no libfaketime (apt-get install faketime)"
        self.clock_file = folder / "faketime"
        self.offset = 0.0
        self.set_time(FRIDAY_AFTERNOON, settle=False)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        env = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "SUPPORTOPS_LLM_PROVIDER", "SUPPORTOPS_LLM_BASE_URL", "SUPPORTOPS_API_KEYS")}
        env.update({
            "LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": str(self.clock_file),
            "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_CACHE_DURATION": "1", "TZ": "UTC",
            "DATABASE_URL": f"sqlite://{folder / 'sla.sqlite'}", "SUPPORTOPS_ACTION_LOG": str(folder / "actions.jsonl"),
            "SUPPORTOPS_AUTOMATION_INTERVAL_SECONDS": "1", "SUPPORTOPS_PUBLIC_URL": self.base_url,
            "SUPPORTOPS_RATE_LIMIT_PER_ADDRESS": "0", "SUPPORTOPS_RATE_LIMIT_PER_KEY": "0",
        })
        self.log = open(folder / "server.log", "w")
        # Under `timeout`, which also ends a server a crashed test leaves behind. It is needed too: preloaded into the
        # first process, libfaketime sets FAKETIME_SHARED with setenv, which moves `environ`, and the Swift runtime,
        # which finds argv next to the original environ, then sees no arguments (the server would ignore --port).
        # In timeout's child the variable is already set, and the arguments arrive intact.
        self.process = subprocess.Popen(["timeout", "900", BINARY, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while True:
            assert self.process.poll() is None, f"the fake-clock server exited: {(folder / 'server.log').read_text()[-2000:]}"
            try:
                urllib.request.urlopen(self.base_url + "/health", timeout=2).read()
                break
            except OSError:
                assert time.time() < deadline, "the fake-clock server did not answer /health within 120 s"
                time.sleep(0.3)

    def set_time(self, moment, settle=True):
        """From now on the server's clock reads `moment` (and runs on from there)."""
        self.offset = moment - time.time()
        self.clock_file.write_text(f"{self.offset:+.0f}\n")
        if settle:
            time.sleep(2.5)  # libfaketime re-reads the file once a second; the scheduled work runs every second

    def now(self):
        return time.time() + self.offset

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def weekend_server(tmp_path):
    server = FakeClockServer(tmp_path)
    yield server
    server.stop()


def test_a_promise_breached_across_a_weekend(driver, weekend_server):
    portal = Portal(driver, base_url=weekend_server.base_url, clock=weekend_server.now)
    portal.login("bob@example.com")
    ticket = portal.new_ticket(unique("Need a person"), "I want to speak to a human about order 2001")
    portal.clickable("#escalate-ticket").click()
    portal.wait_status("escalated")
    portal.logout()

    portal.login("agent@example.com")
    portal.open(f"/tickets/{ticket}")
    panel = portal.el("#ticket-sla").text
    assert "2026-11-30 16:00" in panel, f"the first response is not due on Monday 16:00: {panel}"
    assert portal.el("#sla-state").text == "On track"
    portal.shot("sla-friday")

    weekend_server.set_time(MONDAY_BEFORE_DUE)
    portal.open(f"/tickets/{ticket}")
    assert portal.el("#sla-state").text == "Due within an hour"

    weekend_server.set_time(MONDAY_AFTER_DUE)

    def breached(_):
        portal.open(f"/tickets/{ticket}")
        return portal.el("#sla-state").text == "Breached" and portal.els("#ticket-sla .sla-breach")
    portal.wait(breached, "the breach recorded by the scheduled work", timeout=30)
    assert portal.el("#ticket-priority").text == "high", "the breach did not raise the priority"
    notes = [m.text for m in portal.els("#conversation .message")]
    assert any("first response" in n.lower() for n in notes), f"no note of the breach on the ticket: {notes}"
    portal.shot("sla-breached-monday")
