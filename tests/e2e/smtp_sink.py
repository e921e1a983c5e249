#!/usr/bin/env python3
"""A tiny SMTP sink for the browser tests.

Listens on HOST:PORT (plain SMTP, no TLS, no auth) and writes every message it receives as one JSON file
{"from", "to": [...], "subject", "body"} into DIR (body: the decoded text part, or the HTML part if there is none).
Files are named 0001-<time>.json, ... and written atomically (temp file, then rename), so a reader never sees half a file.

    python3 tests/e2e/smtp_sink.py --host 127.0.0.1 --port 18025 DIR
"""
import argparse
import email
import email.policy
import itertools
import json
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


def decode_body(message):
    """The text a person would read: text/plain preferred, then text/html; transfer encodings and charsets decoded."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        payload = message.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(message.get_payload())
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


class SinkHandler:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(message.get("Subject", "")),
            "body": decode_body(message).replace("\r\n", "\n"),
        }
        with self.lock:
            number = next(self.counter)
        name = f"{number:04d}-{time.time():.3f}.json"
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False, indent=1)
        os.replace(temporary, os.path.join(self.directory, name))
        print(f"smtp-sink: stored {name}: from={record['from']} to={record['to']} subject={record['subject']!r}", flush=True)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="where to write one JSON file per message")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18025)
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)

    controller = Controller(SinkHandler(args.directory), hostname=args.host, port=args.port,
                            decode_data=False, enable_SMTPUTF8=True, ready_timeout=10)
    controller.start()
    print(f"smtp-sink: listening on {args.host}:{args.port}, writing to {args.directory}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
        print("smtp-sink: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
