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

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from hirebench.extensions import db
from hirebench.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
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
    message_id: str
    url: str
    secret: str
    allow_private: bool
    enabled: bool
    body: bytes


def run_once(now: datetime | None = None) -> DispatchStats:
    """Deliver what is due once: webhook deliveries, then mail. `now` (naive UTC) decides what
    is due and when retries fall; tests pass it to move time. Signatures always carry the wall
    clock, since that is what receivers check."""
    now = now or utcnow()
    stats = DispatchStats()
    owner = owner_id()
    ids = leases.claim(WebhookDelivery, owner, now, BATCH)
    stats.claimed = len(ids)
    jobs = [_job(delivery_id) for delivery_id in ids]
    sendable = [job for job in jobs if job is not None and job.enabled]
    for job in jobs:
        if job is not None and not job.enabled:
            _cancel(job.delivery_id, stats)
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    workers = max(1, min(int(current_app.config.get("OUTBOX_CONCURRENCY", 8)), len(sendable)))
    if sendable:
        with ThreadPoolExecutor(workers, thread_name_prefix="hirebench-webhook") as pool:
            results = list(pool.map(lambda job: (job, _send(job, timeout)), sendable))
        for job, (attempted_at, result) in results:
            _record(job, attempted_at, result, now, stats)
            db.session.commit()
    stats.mail_sent, stats.mail_failed = mail.send_due(owner, now)
    return stats


def _job(delivery_id: int) -> _Job | None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    return _Job(
        delivery_id=delivery.id,
        message_id=delivery.message_id,
        url=endpoint.url,
        secret=endpoint.secret,
        allow_private=endpoint.allow_private,
        enabled=endpoint.enabled,
        body=delivery.message.body.encode(),
    )


def _send(job: _Job, timeout: float) -> tuple[datetime, http.PostResult]:
    at = datetime.now(UTC)
    headers = webhooks.signed_headers(job.message_id, job.secret, job.body, at)
    result = http.post(job.url, job.body, headers, allow_private=job.allow_private, timeout=timeout)
    return at.replace(tzinfo=None), result


def _cancel(delivery_id: int, stats: DispatchStats) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is not None and delivery.status == DeliveryStatus.pending:
        delivery.status = DeliveryStatus.cancelled
        delivery.lease_owner = delivery.lease_until = None
        stats.cancelled += 1
    db.session.commit()


def _record(
    job: _Job, attempted_at: datetime, result: http.PostResult, now: datetime, stats: DispatchStats
) -> None:
    delivery = db.session.get(WebhookDelivery, job.delivery_id)
    if delivery is None:  # deleted with its endpoint meanwhile
        return
    delivery.attempts.append(
        WebhookAttempt(
            attempted_at=attempted_at,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    delivery.attempt_count += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    delivery.lease_owner = delivery.lease_until = None
    if delivery.status != DeliveryStatus.pending:
        return  # cancelled meanwhile (its endpoint answered 410 to another delivery)
    code = result.status_code
    if code is not None and 200 <= code < 300:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = now
        stats.delivered += 1
        return
    if code is None:
        pass
    elif code == 410:
        delivery.status = DeliveryStatus.failed
        stats.failed += 1
        if delivery.endpoint.enabled:
            webhooks.disable(delivery.endpoint, "the receiver answered 410 Gone", by=None)
            stats.endpoints_disabled += 1
        return
    else:
        delivery.last_error = result.error or f"HTTP {code}"
    deadline = delivery.first_attempt_at + RETRY_WINDOW
    if now >= deadline:
        delivery.status = DeliveryStatus.failed
        stats.failed += 1
        log.warning("webhook delivery %s failed for good: %s", delivery.id, delivery.last_error)
        return
    delivery.next_attempt_at = min(now + backoff(delivery.attempt_count), deadline)
    stats.retrying += 1


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
