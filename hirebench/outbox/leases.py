"""Claiming outbox rows. A worker takes a due row with a conditional UPDATE that only succeeds
while the row is still pending, due and unleased (or its lease ran out), and commits at once:
two workers, in threads, processes or on other hosts, can never hold one row together, on
SQLite and PostgreSQL alike. A worker that dies mid-attempt leaves a lease that simply expires,
and the row is taken again; that is the one case where a receiver may see an id twice."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db

#: Longer than one attempt can take (the HTTP timeout, or an SMTP exchange), with room to spare.
LEASE = timedelta(seconds=60)


def claim(model: Any, owner: str, now: datetime, limit: int) -> list[int]:
    """Lease up to `limit` due rows of `model` (WebhookDelivery or OutgoingMail) to `owner` and
    commit. Returns the ids this call won, oldest due first."""
    status = model.status.type.enum_class.pending
    free = sa.or_(model.lease_until.is_(None), model.lease_until < now)
    due = sa.and_(model.status == status, model.next_attempt_at <= now, free)
    candidates = list(
        db.session.scalars(
            sa.select(model.id).where(due).order_by(model.next_attempt_at, model.id).limit(limit)
        )
    )
    won: list[int] = []
    for row_id in candidates:
        result = db.session.execute(
            sa.update(model)
            .where(model.id == row_id, due)
            .values(lease_owner=owner, lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            won.append(row_id)
    db.session.commit()
    return won


def full_jitter(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff with full jitter (a random wait between 0 and base * 2^(n-1), at most
    `cap`), so the senders a receiver meets when it comes back are spread out, not a stampede."""
    ceiling = min(cap, base * (2 ** min(max(attempts, 1) - 1, 30)))
    return timedelta(seconds=random.uniform(0, ceiling.total_seconds()))  # noqa: S311 - timing, not a secret
