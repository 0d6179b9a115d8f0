"""Append-only audit trail. Events join the caller's transaction, so an action and its audit
row are committed (or rolled back) together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import AuditEvent, User
from hirebench.models.base import utcnow

# Repeated refusals of one actor on one target within this time share one audit row.
DENIAL_WINDOW = timedelta(minutes=10)


def record(
    action: str,
    actor: User | None = None,
    *,
    target: object | None = None,
    actor_email: str = "",
    ip: str = "",
    **detail: Any,
) -> AuditEvent:
    target_type = type(target).__name__ if target is not None else ""
    target_id = str(getattr(target, "id", "") or "") if target is not None else ""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else actor_email,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=ip or "",
        detail=detail,
    )
    db.session.add(event)
    return event


def record_denial(
    action: str,
    actor: User,
    *,
    target_type: str,
    target_id: int | str,
    ip: str = "",
    **detail: Any,
) -> AuditEvent:
    """Log that `actor` was refused `target` (an attempt, review item or interview that is not
    theirs, or does not exist). Someone probing the same id again and again would otherwise
    add a row per request and bury the rest of the trail, so a repeat within DENIAL_WINDOW of
    the first refusal counts up that row's `count` and moves its `last_at` instead."""
    now = utcnow()
    target = str(target_id)
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.action == action,
            AuditEvent.actor_id == actor.id,
            AuditEvent.target_type == target_type,
            AuditEvent.target_id == target,
            AuditEvent.at >= now - DENIAL_WINDOW,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
        .with_for_update()  # PostgreSQL: two requests at once count two; SQLite ignores it
    ).first()
    if event is None:
        event = AuditEvent(
            actor_id=actor.id,
            actor_email=actor.email,
            action=action,
            target_type=target_type,
            target_id=target,
            ip=ip or "",
            detail={**detail, "count": 1, "last_at": now.isoformat()},
        )
        db.session.add(event)
        return event
    # A new dict: the JSON column notices reassignment, not changes made inside it.
    count = int(event.detail.get("count", 1)) + 1
    event.detail = {**event.detail, "count": count, "last_at": now.isoformat()}
    return event


def recent_events_query(action_prefix: str = "") -> sa.Select[tuple[AuditEvent]]:
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action_prefix:
        query = query.where(AuditEvent.action.startswith(action_prefix))
    return query
