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
    if not candidates:
        db.session.commit()
        return []
    # One statement for the batch; the WHERE is evaluated again per row under the row's write
    # lock, so a row another worker took in between is simply not returned.
    won = list(
        db.session.scalars(
            sa.update(model)
            .where(model.id.in_(candidates), due)
            .values(lease_owner=owner, lease_until=now + LEASE)
            .returning(model.id)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return sorted(won, key=candidates.index)


def full_jitter(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff with full jitter (a random wait between 0 and base * 2^(n-1), at most
    `cap`), so the senders a receiver meets when it comes back are spread out, not a stampede."""
    ceiling = min(cap, base * (2 ** min(max(attempts, 1) - 1, 30)))
    return timedelta(seconds=random.uniform(0, ceiling.total_seconds()))  # noqa: S311 - timing, not a secret
