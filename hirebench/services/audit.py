"""Append-only audit trail. Events join the caller's transaction, so an action and its audit
row are committed (or rolled back) together."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import AuditEvent, User


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


def recent_events_query(action_prefix: str = "") -> sa.Select[tuple[AuditEvent]]:
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action_prefix:
        query = query.where(AuditEvent.action.startswith(action_prefix))
    return query
