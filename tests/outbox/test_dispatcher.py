"""The dispatcher as a worker runs it: several at once over the same rows (threads, on SQLite
and PostgreSQL), the doorbell after a commit, the poll, periodic tasks, a clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import create_app
from hirebench.extensions import db
from hirebench.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from hirebench.outbox import dispatcher, webhooks
from tests.outbox.receiving import ReceiverProcess

Receivers = Callable[..., ReceiverProcess]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_app(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> Iterator[Flask]:
    config = dict(app_config)
    if request.param == "postgres":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_url")
    app = create_app(config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_two_dispatchers_never_send_one_attempt_twice(
    any_db_app: Flask, receivers: Receivers
) -> None:
    app = any_db_app
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "hire.started", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
        published = []
        for number in range(120):
            published.append(webhooks.publish("hire.started", {"n": number}))
        db.session.commit()
    receiver.start()
    barrier = threading.Barrier(3)
    errors: list[Exception] = []

    def work() -> None:
        try:
            with app.app_context():
                barrier.wait()
                while dispatcher.run_once().claimed:
                    pass
        except Exception as exc:  # noqa: BLE001 - surfaced by the main thread's assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(WebhookDelivery.status)))
        assert statuses == {DeliveryStatus.delivered}
        attempts = db.session.scalar(sa.select(sa.func.count(WebhookAttempt.id)))
        assert attempts == 120  # one attempt per delivery: no attempt was made twice
    assert sorted(receiver.ids()) == sorted(published)


def test_a_commit_rings_the_running_dispatcher(app: Flask, receivers: Receivers) -> None:
    """The poll is 30 s here, so only the doorbell explains a delivery within a second."""
    app.config["OUTBOX_POLL_SECONDS"] = 30
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "hire.started", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
    receiver.start()
    dispatcher.start(app)
    try:
        time.sleep(0.2)  # let its first round find nothing and go to sleep
        with app.app_context():
            committed = time.time()
            message_id = webhooks.publish("hire.started", {"n": 1})
            db.session.commit()
        deadline = time.monotonic() + 5
        while not receiver.ids() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        dispatcher.stop(app)
    (record,) = receiver.records()
    assert record["id"] == message_id
    assert record["received_at"] - committed < 3.0  # a poll would take 30 s


def test_the_poll_finds_rows_committed_elsewhere(app: Flask, receivers: Receivers) -> None:
    app.config["OUTBOX_POLL_SECONDS"] = 0.1
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "hire.started", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
    receiver.start()
    dispatcher.start(app)
    try:
        with app.app_context():
            message_id = webhooks.publish("hire.started", {"n": 2})
            # Simulate another process: no doorbell in this one.
            db.session.info.pop(webhooks.ADDED_KEY)
            db.session.commit()
        deadline = time.monotonic() + 5
        while not receiver.ids() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        dispatcher.stop(app)
    assert receiver.ids() == [message_id]


def test_periodic_tasks_run_in_the_loop_and_a_failing_one_does_not_stop_it(
    app: Flask,
) -> None:
    app.config["OUTBOX_POLL_SECONDS"] = 0.02
    runs: list[str] = []
    ran = threading.Event()

    def good() -> None:
        runs.append("good")
        if runs.count("good") >= 3:
            ran.set()

    def bad() -> None:
        runs.append("bad")
        raise RuntimeError("a bug in a task")

    dispatcher.register_periodic("test-good", lambda: runs.append("replaced"), 0.01)
    dispatcher.register_periodic("test-good", good, 0.01)  # the same name replaces
    dispatcher.register_periodic("test-bad", bad, 0.01)
    dispatcher.register_periodic("test-hourly", lambda: runs.append("hourly"), 3600)
    try:
        dispatcher.start(app)
        assert ran.wait(5)
        dispatcher.stop(app)
    finally:
        dispatcher._periodic.pop("test-good", None)
        dispatcher._periodic.pop("test-bad", None)
        dispatcher._periodic.pop("test-hourly", None)
    assert "replaced" not in runs and runs.count("bad") >= 2
    assert runs.count("hourly") == 1
    with pytest.raises(ValueError):
        dispatcher.register_periodic("never", good, 0)


def test_start_is_once_per_app_and_stop_ends_the_thread(app: Flask) -> None:
    first = dispatcher.start(app)
    assert dispatcher.start(app) is first and first.alive
    dispatcher.stop(app)
    assert not first.alive
    dispatcher.stop(app)  # twice is harmless


def test_no_dispatcher_runs_in_a_web_request(app: Flask, client: Any) -> None:
    client.get("/login")
    assert dispatcher.EXTENSION_KEY not in app.extensions
