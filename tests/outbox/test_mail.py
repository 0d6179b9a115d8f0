"""Outgoing mail through the outbox: enqueued in the caller's transaction, sent by the
dispatcher through the app's mail backend, deduplicated by key, retried when SMTP fails."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import create_app
from hirebench.extensions import db
from hirebench.models import MailStatus, OutgoingMail
from hirebench.models.base import utcnow
from hirebench.outbox import dispatcher, mail
from tests.outbox.receiving import free_port


def _sent(app: Flask) -> list[Any]:
    return list(getattr(app.extensions["mailman"], "outbox", []))


def test_enqueued_mail_is_sent_by_the_dispatcher_not_before(app: Flask) -> None:
    with app.app_context():
        assert mail.enqueue("new.hire@example.com", "入职提醒 Day one", "请于 9:00 到达。")
        db.session.commit()
        assert _sent(app) == []  # enqueue never sends

        stats = dispatcher.run_once()

        assert (stats.mail_sent, stats.mail_failed) == (1, 0)
        (message,) = _sent(app)
        assert message.to == ["new.hire@example.com"]
        assert message.subject == "入职提醒 Day one" and "9:00" in message.body
        row = db.session.scalars(sa.select(OutgoingMail)).one()
        assert row.status is MailStatus.sent and row.sent_at is not None and row.attempts == 1
        assert dispatcher.run_once().mail_sent == 0


def test_a_used_dedupe_key_adds_nothing_and_keeps_the_transaction(app: Flask) -> None:
    key = "onboarding-task:7:due:2026-12-01"
    with app.app_context():
        assert mail.enqueue("a@example.com", "Reminder", "body", dedupe_key=key)
        # In the same transaction, and the caller's other work survives the duplicate.
        assert not mail.enqueue("a@example.com", "Reminder", "body", dedupe_key=key)
        assert mail.enqueue("b@example.com", "Other", "body")
        db.session.commit()
        # After a restart (a new transaction), still a duplicate, even once sent.
        dispatcher.run_once()
        assert not mail.enqueue("a@example.com", "Reminder", "body", dedupe_key=key)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 2
        assert len(_sent(app)) == 2


def test_rolled_back_mail_is_never_sent(app: Flask) -> None:
    with app.app_context():
        assert mail.enqueue("c@example.com", "Offer", "body", dedupe_key="offer:1:sent")
        db.session.rollback()
        assert dispatcher.run_once().mail_sent == 0
        assert _sent(app) == []
        # The key was never used: the change can be made again.
        assert mail.enqueue("c@example.com", "Offer", "body", dedupe_key="offer:1:sent")


def test_smtp_failure_is_retried_with_backoff_then_failed(app_config: dict[str, Any]) -> None:
    port = free_port()  # nothing listens: every connection is refused
    app = create_app(
        {**app_config, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    )
    with app.app_context():
        db.create_all()
        mail.enqueue("d@example.com", "Subject", "body")
        db.session.commit()
        start = utcnow()
        stats = dispatcher.run_once(start)
        assert (stats.mail_sent, stats.mail_failed) == (0, 1)
        row = db.session.scalars(sa.select(OutgoingMail)).one()
        assert row.status is MailStatus.pending and row.attempts == 1
        assert "Connection" in row.last_error or "refused" in row.last_error
        assert start <= row.next_attempt_at <= start + mail.BACKOFF_BASE
        now = start
        while row.status is MailStatus.pending:
            now += mail.BACKOFF_CAP + timedelta(seconds=1)
            dispatcher.run_once(now)
            db.session.refresh(row)
        assert row.status is MailStatus.failed and row.attempts == mail.MAX_ATTEMPTS
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_concurrent_enqueues_of_one_key_add_one_row_on_postgres(
    app_config: dict[str, Any], postgres_url: str
) -> None:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        db.create_all()
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            results.append(mail.enqueue("e@example.com", "S", "b", dedupe_key="same"))
            db.session.commit()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with app.app_context():
        assert sorted(results) == [False, False, False, True]
        assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 1
        db.session.remove()
        db.engine.dispose()
