"""Outgoing mail through the outbox: `enqueue` adds a row to the caller's transaction and the
dispatcher sends it from a worker with Flask-Mailman, retrying with backoff. A web request
never talks to an SMTP server."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_mailman import EmailMessage
from sqlalchemy.dialects import postgresql, sqlite

from hirebench.extensions import db
from hirebench.models import MailStatus, OutgoingMail
from hirebench.models.base import utcnow
from hirebench.outbox import leases
from hirebench.outbox.webhooks import ADDED_KEY

log = logging.getLogger(__name__)

#: Attempts before a mail is given up as failed; the backoff doubles from BASE up to CAP.
MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def enqueue(to: str, subject: str, body: str, *, dedupe_key: str | None = None) -> bool:
    """Add a mail to the current transaction. With a `dedupe_key` already used (by any process,
    committed or not yet), nothing is added and False is returned; the caller's transaction
    is untouched, since ON CONFLICT DO NOTHING raises no error to roll back."""
    values = {
        "to": to,
        "subject": subject[:500],
        "body": body,
        "status": MailStatus.pending,
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "last_error": "",
        "dedupe_key": dedupe_key,
        "created_at": utcnow(),
    }
    table = OutgoingMail.__table__
    dialect = db.session.get_bind().dialect.name
    if dedupe_key is None:
        statement: sa.Insert = sa.insert(table).values(values)
    elif dialect == "postgresql":
        statement = (
            postgresql.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    elif dialect == "sqlite":
        statement = (
            sqlite.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    else:  # pragma: no cover - hirebench runs on SQLite and PostgreSQL only
        raise RuntimeError(f"mail.enqueue does not support {dialect}")
    # RETURNING rather than rowcount, which drivers report as -1 for an INSERT they rewrote.
    added = db.session.execute(statement.returning(table.c.id)).first() is not None
    if added:
        db.session.info[ADDED_KEY] = True
    return added


def send_due(owner: str, now: datetime | None = None, limit: int = 50) -> tuple[int, int]:
    """Send the mail that is due, each claimed first so two workers never send one twice.
    Returns (sent, failed attempts)."""
    now = now or utcnow()
    sent = failed = 0
    for mail_id in leases.claim(OutgoingMail, owner, now, limit):
        mail = db.session.get(OutgoingMail, mail_id)
        if mail is None:
            continue
        if _send_one(mail, now):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def _send_one(mail: OutgoingMail, now: datetime) -> bool:
    mail.attempts += 1
    mail.lease_owner = None
    mail.lease_until = None
    message = EmailMessage(subject=mail.subject, body=mail.body, to=[mail.to])
    message.encoding = "utf-8"
    try:
        message.send(fail_silently=False)
    except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if mail.attempts >= MAX_ATTEMPTS:
            mail.status = MailStatus.failed
            log.error("mail %s to %s failed for good: %s", mail.id, mail.to, exc)
        else:
            mail.next_attempt_at = now + backoff(mail.attempts)
            log.warning("mail %s failed (attempt %d): %s", mail.id, mail.attempts, exc)
        return False
    mail.status = MailStatus.sent
    mail.sent_at = utcnow()
    mail.last_error = ""
    log.info("mail %s sent to %s: %s", mail.id, mail.to, mail.subject)
    return True


def backoff(attempts: int) -> timedelta:
    return leases.full_jitter(attempts, BACKOFF_BASE, BACKOFF_CAP)
