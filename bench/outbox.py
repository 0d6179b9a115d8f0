"""Webhook delivery through the outbox, to the local receiver subprocess of the tests
(tests/outbox/receiver.py: verifies every signature with standardwebhooks, dedupes by id).

  (a) stream   N events published one transaction each while the dispatcher thread runs, as
               in `hirebench serve`: throughput (events/s from the first commit to the last
               receipt) and the delay from each commit to its receipt (p50, p95, max)
  (b) backlog  N events committed first, then the dispatcher started: how fast a backlog
               drains (a receiver coming back after an outage)
  baseline     the same N bodies signed and POSTed in a plain loop to a second receiver,
               without the outbox, one connection per request as the dispatcher makes them

Every event must arrive exactly once; the script fails otherwise. The last line gives ratios
against the baseline measured in this process (these 2-core machines are noisy).
Usage: python bench/outbox.py [--events N] [--database URL]"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from hirebench import create_app  # noqa: E402
from hirebench.extensions import db  # noqa: E402
from hirebench.models import DeliveryStatus, WebhookDelivery  # noqa: E402
from hirebench.outbox import dispatcher, webhooks  # noqa: E402
from tests.outbox.receiving import ReceiverProcess  # noqa: E402

# A new-hire record of realistic size (about 1 KB), as docs/new-hire.schema.json describes.
RECORD: dict[str, Any] = {
    "record_version": 1,
    "employee": {"candidate_id": 1, "name": "王芳", "email": "wang.fang@example.com"},
    "job": {"id": 1, "title": "AI 训练师 AI Trainer", "grade": "P5"},
    "department": "数据标注部 Data Annotation",
    "start_date": "2027-01-04",
    "location": "北京市海淀区中关村大街 1 号",
    "salary": {"currency": "CNY", "monthly": 18000, "months": 13, "probation_monthly": 15000},
    "probation_months": 3,
    "social_insurance": {"enrolled": True, "base": 18000},
    "hours": {"scheme": "flexible", "daily_hours": 8, "core_hours": "10:00-16:00"},
    "bank": {"bank_name": "招商银行北京分行", "account": "6225880137006789"},
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def wait_for(receiver: ReceiverProcess, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.ids()) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(receiver.ids())} of {count} events arrived")
        time.sleep(0.02)


def baseline(receiver: ReceiverProcess, events: int) -> float:
    """Events/s of a plain signed POST loop."""
    started = time.perf_counter()
    for number in range(events):
        body = json.dumps(
            {"type": "hire.started", "timestamp": "", "data": {**RECORD, "n": number}},
            ensure_ascii=False,
        ).encode()
        headers = webhooks.signed_headers(
            f"msg_base{number}", receiver.secret, body, datetime.now(UTC)
        )
        connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
        connection.request("POST", "/hooks", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 200, response.status
    seconds = time.perf_counter() - started
    wait_for(receiver, events)
    return events / seconds


def make_app(tmp: Path, database: str | None) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database or f"sqlite:///{tmp / 'bench.sqlite3'}",
            "MAIL_BACKEND": "locmem",
            "RATELIMIT_STORAGE_URI": "memory://",
            "GRADING_AUTOSTART": False,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def endpoint_for(app: Flask, receiver: ReceiverProcess) -> None:
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "hire.started", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret


def stream(app: Flask, receiver: ReceiverProcess, events: int, rate: float) -> dict[str, float]:
    committed: dict[str, float] = {}
    dispatcher.start(app)
    try:
        first = time.time()
        with app.app_context():
            for number in range(events):
                if rate:  # paced: the n-th commit not before first + n / rate
                    time.sleep(max(0.0, first + number / rate - time.time()))
                message_id = webhooks.publish("hire.started", {**RECORD, "n": number})
                db.session.commit()
                assert message_id is not None
                committed[message_id] = time.time()
        produced = time.time()
        wait_for(receiver, events)
    finally:
        dispatcher.stop(app)
    records = receiver.records()
    check_exactly_once(app, records, set(committed))
    delays = [(r["received_at"] - committed[r["id"]]) * 1000 for r in records]
    last = max(r["received_at"] for r in records)
    return {
        "events_per_s": events / (last - first),
        "commits_per_s": events / (produced - first),
        "p50_ms": statistics.median(delays),
        "p95_ms": percentile(delays, 0.95),
        "max_ms": max(delays),
    }


def backlog(app: Flask, receiver: ReceiverProcess, events: int) -> float:
    with app.app_context():
        published = set()
        for number in range(events):
            published.add(webhooks.publish("hire.started", {**RECORD, "n": number}))
        db.session.commit()
    started = time.time()
    dispatcher.start(app)
    try:
        wait_for(receiver, events)
    finally:
        dispatcher.stop(app)
    records = receiver.records()
    check_exactly_once(app, records, {str(m) for m in published})
    return events / (max(r["received_at"] for r in records) - started)


def check_exactly_once(app: Flask, records: list[dict[str, Any]], published: set[str]) -> None:
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)) and set(ids) == published, "not exactly once"
    with app.app_context():
        pending = db.session.scalar(
            sa.select(sa.func.count(WebhookDelivery.id)).where(
                WebhookDelivery.status != DeliveryStatus.delivered,
                WebhookDelivery.message_id.in_(published),
            )
        )
        assert pending == 0, f"{pending} deliveries not marked delivered"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="Publish at most this many events/s in (a); 0 (default): as fast as commits go",
    )
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        app = make_app(tmp, args.database)
        receivers = {
            key: ReceiverProcess(webhooks.new_secret(), tmp / f"{key}.jsonl")
            for key in ("baseline", "stream", "backlog")
        }
        try:
            receivers["baseline"].start()
            base = baseline(receivers["baseline"], args.events)
            endpoint_for(app, receivers["stream"])
            receivers["stream"].start()
            streamed = stream(app, receivers["stream"], args.events, args.rate)
            with app.app_context():
                webhooks.disable(webhooks.endpoints()[0], "bench phase over", by=None)
                db.session.commit()
            endpoint_for(app, receivers["backlog"])
            receivers["backlog"].start()
            drained = backlog(app, receivers["backlog"], args.events)
        finally:
            for receiver in receivers.values():
                receiver.kill()
            with app.app_context():
                db.engine.dispose()
    database = args.database.split(":", 1)[0] if args.database else "sqlite"
    print(f"events: {args.events}, database: {database}, each delivered exactly once")
    print(f"baseline  plain signed POST loop: {base:.0f} events/s")
    print(
        f"(a) stream  {streamed['events_per_s']:.0f} events/s (published at "
        f"{streamed['commits_per_s']:.0f} commits/s); commit to delivery "
        f"p50 {streamed['p50_ms']:.1f} ms, p95 {streamed['p95_ms']:.1f} ms, "
        f"max {streamed['max_ms']:.1f} ms"
    )
    print(f"(b) backlog {drained:.0f} events/s")
    print(
        f"ratios: stream/baseline {streamed['events_per_s'] / base:.2f}, "
        f"backlog/baseline {drained / base:.2f}, "
        f"p95 delay / one baseline POST {streamed['p95_ms'] / (1000 / base):.1f}"
    )


if __name__ == "__main__":
    main()
