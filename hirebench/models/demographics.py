"""Voluntary, self-identified group data for adverse-impact analysis (issue 15).

Only `hirebench.analytics` may import this module (tests/analytics/test_group_data_access.py
enforces it): the answers are never shown next to a person, never reach reviewers,
interviewers or HR pages about a candidate, and never enter a score. They are read only to
count selection rates per group, with small groups suppressed (docs/analytics.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hirebench.extensions import db
from hirebench.models.base import utcnow


class GroupData(db.Model):  # type: ignore[name-defined]
    __tablename__ = "group_data"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # question key -> the chosen answer's key, e.g. {"gender": "woman", "age_band": "25-34"};
    # a question answered "prefer not to say" is left out.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
