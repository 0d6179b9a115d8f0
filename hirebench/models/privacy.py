"""Personal data (issue 19): consent records, the log of privacy requests, and legal holds.

The log keeps who asked for what, when and how many rows of each kind were exported or
erased, never the data itself: an erasure must not leave a copy of what it erased."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hirebench.extensions import db
from hirebench.models.base import utcnow


class ConsentPurpose(enum.StrEnum):
    application = "application"  # processing for this application (exams, reviews, scores)
    proctoring = "proctoring"  # the integrity signals recorded during an exam
    group_data = "group_data"  # the voluntary group data for adverse-impact analysis
    future_openings = "future_openings"  # keeping the profile after this process ends


class ConsentRecord(db.Model):  # type: ignore[name-defined]
    __tablename__ = "consent_records"
    __table_args__ = (sa.Index("ix_consent_records_candidate_purpose", "candidate_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    # The version and a hash of the text shown, so what was agreed to can be proven later.
    text_version: Mapped[str] = mapped_column(sa.String(32))
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    withdrawn_at: Mapped[datetime | None]

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class PrivacyRequest(db.Model):  # type: ignore[name-defined]
    """One export or erasure, done or refused. Appended only."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "export" | "erasure"
    outcome: Mapped[str] = mapped_column(sa.String(20))  # "done" | "refused"
    # Who asked: "candidate" (the data page), "hr" (a mailed request), "cli", "retention".
    channel: Mapped[str] = mapped_column(sa.String(20))
    # After an erasure this points at the anonymised tombstone, which names no one.
    subject_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Kind of data -> rows (or files) exported or erased; for a refusal, {"hold": ...}.
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class LegalHold(db.Model):  # type: ignore[name-defined]
    """A dispute HR placed on a candidate's data: no erasure while it stands."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    placed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None]
