"""The delivery loop: a thread in the worker process (`hirebench serve`, `hirebench worker`)
that sends due webhook deliveries and mail, and runs the periodic tasks registered with it
(onboarding reminders, offer expiry). It never runs inside a web request.

It wakes when a commit added outbox rows in this process (the doorbell), and polls every
OUTBOX_POLL_SECONDS anyway, which is how rows committed by other processes are found."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session, joinedload

from hirebench.extensions import db
from hirebench.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from hirebench.models.base import utcnow
from hirebench.outbox import http, leases, mail, webhooks

log = logging.getLogger(__name__)

EXTENSION_KEY = "hirebench.outbox.dispatcher"

#: A delivery is retried until this long after its first attempt, then it has failed.
RETRY_WINDOW = timedelta(days=3)
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(hours=1)
#: Rows claimed per round; the loop goes round again at once while rounds come back full.
BATCH = 50


@dataclass
class DispatchStats:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    endpoints_disabled: int = 0
    mail_sent: int = 0
    mail_failed: int = 0

    @property
    def busy(self) -> bool:
        """A full batch came back: more is probably due."""
        return self.claimed >= BATCH


@dataclass
class _Periodic:
    task: Callable[[], Any]
    every: float


_periodic: dict[str, _Periodic] = {}
_periodic_lock = threading.Lock()


def register_periodic(name: str, task: Callable[[], Any], every_seconds: float) -> None:
    """Run `task` every `every_seconds` in each worker process's delivery loop, inside an app
    context, committing nothing itself (the task commits its own work). Several workers may
    run it at once, so a task must be idempotent (mail.enqueue with a dedupe_key is). The same
    name registered again replaces the earlier task."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    with _periodic_lock:
        _periodic[name] = _Periodic(task, float(every_seconds))


def periodic_tasks() -> dict[str, tuple[Callable[[], Any], float]]:
    with _periodic_lock:
        return {name: (entry.task, entry.every) for name, entry in _periodic.items()}


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: a random wait between 0 and 5 s * 2^(n-1), capped
    at an hour, so receivers coming back are not met by every sender at the same instant.
    WEBHOOK_BACKOFF_BASE_SECONDS changes the 5 s (tests shorten it)."""
    seconds = current_app.config.get("WEBHOOK_BACKOFF_BASE_SECONDS")
    base = BACKOFF_BASE if seconds is None else timedelta(seconds=float(seconds))
    return leases.full_jitter(attempts, base, BACKOFF_CAP)


@dataclass(frozen=True)
class _Job:
    """What one attempt needs, read before sending so no thread touches the session."""

    delivery_id: int
    endpoint_id: int
    message_id: str
    url: str
    secret: str
    allow_private: bool
    enabled: bool
    body: bytes
    attempt_count: int
    first_attempt_at: datetime | None


def run_once(now: datetime | None = None) -> DispatchStats:
    """Deliver what is due once: webhook deliveries, then mail. `now` (naive UTC) decides what
    is due and when retries fall; tests pass it to move time. Signatures always carry the wall
    clock, since that is what receivers check."""
    now = now or utcnow()
    stats = DispatchStats()
    owner = owner_id()
    ids = leases.claim(WebhookDelivery, owner, now, BATCH)
    stats.claimed = len(ids)
    jobs = _jobs(ids)
    db.session.commit()  # no transaction stays open while we wait on receivers
    _cancel([job.delivery_id for job in jobs if not job.enabled], stats)
    sendable = [job for job in jobs if job.enabled]
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    workers = max(1, min(int(current_app.config.get("OUTBOX_CONCURRENCY", 8)), len(sendable)))
    if sendable:
        with ThreadPoolExecutor(workers, thread_name_prefix="hirebench-webhook") as pool:
            results = list(pool.map(lambda job: _send(job, timeout), sendable))
        # One transaction for the batch's outcomes: a crash before this commit leaves leases
        # that expire, and those attempts are made again under the same webhook-ids.
        _record(results, now, stats)
        db.session.commit()
    stats.mail_sent, stats.mail_failed = mail.send_due(owner, now)
    return stats


def _jobs(ids: list[int]) -> list[_Job]:
    if not ids:
        return []
    deliveries = db.session.scalars(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .options(joinedload(WebhookDelivery.endpoint), joinedload(WebhookDelivery.message))
    )
    return [
        _Job(
            delivery_id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            message_id=delivery.message_id,
            url=delivery.endpoint.url,
            secret=delivery.endpoint.secret,
            allow_private=delivery.endpoint.allow_private,
            enabled=delivery.endpoint.enabled,
            body=delivery.message.body.encode(),
            attempt_count=delivery.attempt_count,
            first_attempt_at=delivery.first_attempt_at,
        )
        for delivery in deliveries
    ]


@dataclass(frozen=True)
class _Outcome:
    job: _Job
    attempted_at: datetime
    result: http.PostResult


def _send(job: _Job, timeout: float) -> _Outcome:
    at = datetime.now(UTC)
    headers = webhooks.signed_headers(job.message_id, job.secret, job.body, at)
    result = http.post(job.url, job.body, headers, allow_private=job.allow_private, timeout=timeout)
    return _Outcome(job, at.replace(tzinfo=None), result)


def _cancel(ids: list[int], stats: DispatchStats) -> None:
    """Leased deliveries whose endpoint was switched off meanwhile."""
    if not ids:
        return
    table = WebhookDelivery.__table__
    cancelled = db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(ids), table.c.status == DeliveryStatus.pending.name)
        .values(status=DeliveryStatus.cancelled.name, lease_owner=None, lease_until=None)
    )
    stats.cancelled += int(cancelled.rowcount or 0)  # type: ignore[attr-defined]
    db.session.commit()


def _record(outcomes: list[_Outcome], now: datetime, stats: DispatchStats) -> None:
    """Store each attempt and move each delivery on, with two executemany statements."""
    deliveries = WebhookDelivery.__table__
    db.session.execute(
        sa.insert(WebhookAttempt.__table__),
        [
            {
                "delivery_id": outcome.job.delivery_id,
                "attempted_at": outcome.attempted_at,
                "status_code": outcome.result.status_code,
                "error": outcome.result.error,
                "duration_ms": outcome.result.duration_ms,
            }
            for outcome in outcomes
        ],
    )
    # Only a delivery still pending moves on: one cancelled meanwhile (its endpoint answered
    # 410 to another delivery, or an admin switched it off) stays cancelled.
    db.session.execute(
        sa.update(deliveries)
        .where(
            deliveries.c.id == sa.bindparam("delivery_id"),
            deliveries.c.status == DeliveryStatus.pending.name,
        )
        .values({name: sa.bindparam(f"new_{name}") for name in _OUTCOME_COLUMNS}),
        [_outcome_values(outcome, now, stats) for outcome in outcomes],
    )
    gone = {o.job.endpoint_id for o in outcomes if o.result.status_code == 410}
    for endpoint_id in sorted(gone):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is not None and endpoint.enabled:
            webhooks.disable(endpoint, "the receiver answered 410 Gone", by=None)
            stats.endpoints_disabled += 1


_OUTCOME_COLUMNS = (
    "status",
    "attempt_count",
    "first_attempt_at",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "delivered_at",
    "next_attempt_at",
    "lease_owner",
    "lease_until",
)


def _outcome_values(outcome: _Outcome, now: datetime, stats: DispatchStats) -> dict[str, Any]:
    """The delivery's columns after this attempt: delivered (2xx), failed (410, or the retry
    window is over), or pending with its next attempt after a jittered backoff."""
    job, code = outcome.job, outcome.result.status_code
    attempts = job.attempt_count + 1
    first = job.first_attempt_at or now
    deadline = first + RETRY_WINDOW
    error = outcome.result.error or ("" if code is None or 200 <= code < 300 else f"HTTP {code}")
    status, delivered_at, next_at = DeliveryStatus.pending, None, now
    if code is not None and 200 <= code < 300:
        status, delivered_at = DeliveryStatus.delivered, now
        stats.delivered += 1
    elif code == 410 or now >= deadline:
        status = DeliveryStatus.failed
        stats.failed += 1
        log.warning("webhook delivery %s failed for good: %s", job.delivery_id, error)
    else:
        next_at = min(now + backoff(attempts), deadline)
        stats.retrying += 1
    values = {
        "status": status.name,
        "attempt_count": attempts,
        "first_attempt_at": first,
        "last_attempt_at": now,
        "last_status_code": code,
        "last_error": error,
        "delivered_at": delivered_at,
        "next_attempt_at": next_at,
        "lease_owner": None,
        "lease_until": None,
    }
    return {"delivery_id": job.delivery_id, **{f"new_{k}": v for k, v in values.items()}}


@dataclass
class Dispatcher:
    """The loop of one app in one process."""

    app: Flask
    poll_seconds: float = 1.0
    _stopped: threading.Event = field(default_factory=threading.Event)
    _doorbell: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _last_run: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="hirebench-outbox", daemon=True)
        self._thread.start()

    def ring(self) -> None:
        self._doorbell.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stopped.set()
        self._doorbell.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopped.is_set()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._doorbell.clear()
            busy = False
            with self.app.app_context():
                self._run_periodic()
                try:
                    busy = run_once().busy
                # A bad row or a database hiccup must not end delivery for the process.
                except Exception:
                    db.session.rollback()
                    log.exception("outbox round failed; trying again in %s s", self.poll_seconds)
            if not busy:
                self._doorbell.wait(self.poll_seconds)

    def _run_periodic(self) -> None:
        now = time.monotonic()
        for name, (task, every) in periodic_tasks().items():
            last = self._last_run.get(name)
            if last is not None and now - last < every:
                continue
            self._last_run[name] = now
            try:
                task()
            # Registered tasks belong to other packages; one failing must not stop the rest.
            except Exception:
                db.session.rollback()
                log.exception("periodic task %s failed; it runs again in %s s", name, every)


def start(app: Flask) -> Dispatcher:
    """Start the app's delivery loop in this process (once)."""
    running = app.extensions.get(EXTENSION_KEY)
    if isinstance(running, Dispatcher) and running.alive:
        return running
    dispatcher = Dispatcher(app, poll_seconds=float(app.config.get("OUTBOX_POLL_SECONDS", 1.0)))
    app.extensions[EXTENSION_KEY] = dispatcher
    dispatcher.start()
    log.info("outbox dispatcher started (poll every %s s)", dispatcher.poll_seconds)
    return dispatcher


def stop(app: Flask, timeout: float = 15.0) -> None:
    """Stop the loop; an attempt under way finishes (at most the HTTP timeout)."""
    dispatcher = app.extensions.pop(EXTENSION_KEY, None)
    if isinstance(dispatcher, Dispatcher):
        dispatcher.stop(timeout)


def ring_after_commit(session: Session) -> None:
    """SQLAlchemy after_commit (wired in wiring.py): the commit added outbox rows, so wake this
    process's dispatcher now rather than at its next poll."""
    if not session.info.pop(webhooks.ADDED_KEY, False) or not has_app_context():
        return
    dispatcher = current_app.extensions.get(EXTENSION_KEY)
    if isinstance(dispatcher, Dispatcher):
        dispatcher.ring()


def forget_after_rollback(session: Session) -> None:
    session.info.pop(webhooks.ADDED_KEY, None)
