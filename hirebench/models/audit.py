"""Audit trail: who did what, when, from where. Rows are only ever appended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hirebench.extensions import db
from hirebench.models.base import utcnow


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The email is copied so the trail still reads right after an account is renamed or removed.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(64), default="")
    target_id: Mapped[str] = mapped_column(sa.String(64), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
