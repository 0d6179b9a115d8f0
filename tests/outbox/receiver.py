"""A webhook receiver for tests and bench/outbox.py, run as a subprocess so a test can kill it:

    python -m tests.outbox.receiver --secret whsec_... --record FILE [--port 0] [--answer 200]
        [--skew SECONDS]

It verifies every request with `standardwebhooks.Webhook(secret).verify`, answering 401 to a
bad signature and 400 to a timestamp outside the 5-minute tolerance or missing headers. A
verified message is handled once per webhook-id, as docs/webhooks.md asks of receivers: the
first time, one JSON line goes to the record file (id, type, received_at as time.time(), the
three webhook headers),
and a repeat of the id is answered 200 without a new line. `--answer` makes it answer every
verified request with that status instead (410 to be disabled, 500 to be retried) and record
nothing. `--skew` moves its clock forward, as if requests arrived that much later.

Once listening it prints "listening <port>" on stdout, so a parent started with --port 0
learns the port."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import standardwebhooks.webhooks as sw

#: Recorded with each message, so a test can replay exactly what was sent.
SIGNED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def _skew_clock(seconds: float) -> None:
    """standardwebhooks reads datetime.now for its tolerance check; shift what it reads."""
    if not seconds:
        return
    offset = timedelta(seconds=seconds)

    class SkewedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> SkewedDatetime:  # type: ignore[override]
            return datetime.now(tz) + offset  # type: ignore[return-value]

    sw.datetime = SkewedDatetime  # type: ignore[misc]


class Receiver(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections from concurrent senders, which
    # then wait a second for the SYN to be sent again: a real server's backlog is far larger.
    request_queue_size = 1024

    def __init__(self, port: int, secret: str, record: str, answer: int | None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.webhook = sw.Webhook(secret)
        self.answer = answer
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        if os.path.exists(record):  # a restarted receiver remembers what it already has
            with open(record, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        self.seen.add(json.loads(line)["id"])
        self.record = open(record, "a", encoding="utf-8")  # noqa: SIM115 - lives with the server


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: a bench sends thousands

    def _reply(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        received_at = time.time()
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            payload = self.server.webhook.verify(body, headers)
        except sw.WebhookVerificationError as exc:
            status = 401 if "signature" in str(exc).lower() else 400
            self._reply(status, str(exc))
            return
        if self.server.answer is not None:
            self._reply(self.server.answer, "as told")
            return
        message_id = headers["webhook-id"]
        with self.server.lock:
            first = message_id not in self.server.seen
            if first:
                self.server.seen.add(message_id)
                line = {
                    "id": message_id,
                    "type": payload.get("type"),
                    "received_at": received_at,
                    "headers": {key: headers[key] for key in SIGNED_HEADERS},
                }
                self.server.record.write(json.dumps(line) + "\n")
                self.server.record.flush()
        self._reply(200, "ok" if first else "duplicate")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--answer", type=int, default=None)
    parser.add_argument("--skew", type=float, default=0.0)
    args = parser.parse_args(argv)
    _skew_clock(args.skew)
    server = Receiver(args.port, args.secret, args.record, args.answer)
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.record.close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
