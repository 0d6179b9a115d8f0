"""Attempts at an exam version: answers, integrity events and per-question scores."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import utcnow

if TYPE_CHECKING:
    from hirebench.models.exams import ExamVersion
    from hirebench.models.people import User


class AttemptStatus(enum.StrEnum):
    in_progress = "in_progress"
    submitted = "submitted"  # closed; some parts may still be grading or awaiting review
    graded = "graded"  # every automatic part is scored


class AnswerState(enum.StrEnum):
    """Where an answer's score comes from. Stored as its value in the same VARCHAR(20) the
    column always had, so no migration."""

    saved = "saved"  # not graded yet (the attempt is open, or the part is not scored)
    grading = "grading"  # its code is in the sandbox queue
    awaiting_review = "awaiting_review"  # reviewers score it
    scored = "scored"  # points are final


# An answer in one of these states has no final score yet.
PENDING_ANSWER_STATES = frozenset({AnswerState.grading, AnswerState.awaiting_review})


class Attempt(db.Model):  # type: ignore[name-defined]
    __tablename__ = "attempts"
    __table_args__ = (
        # At most one open attempt per candidate and exam, enforced by the database itself.
        sa.Index(
            "uq_attempts_one_open",
            "candidate_id",
            "exam_id",
            unique=True,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exams.id"))
    exam_version_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_versions.id"))
    status: Mapped[AttemptStatus] = mapped_column(
        sa.Enum(AttemptStatus, native_enum=False, length=20), default=AttemptStatus.in_progress
    )
    seed: Mapped[str] = mapped_column(sa.String(32))
    # The candidate's variant: question ids in the order they see them.
    question_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    extra_time_factor: Mapped[float] = mapped_column(default=1.0)
    # Breaks (exams/breaks.py), copied from the candidate at the start like the factor; a
    # break in progress since break_started_at, with the deadline already moved past its end.
    breaks_allowed: Mapped[int] = mapped_column(default=0, server_default="0")
    break_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    breaks_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    break_started_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    # Minutes HR added to this attempt after it started (exams/accommodations.py).
    extension_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    # When the candidate submitted, or the deadline for an attempt closed by the deadline.
    submitted_at: Mapped[datetime | None]
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    graded_at: Mapped[datetime | None]
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    start_ip: Mapped[str] = mapped_column(sa.String(64), default="")
    start_user_agent: Mapped[str] = mapped_column(sa.String(400), default="")
    session_token: Mapped[str] = mapped_column(sa.String(64), default="")
    # Questions the candidate marked to come back to (exams/navigator.py): kept on the server so
    # the mark survives a reload and the submit page can list them.
    flagged_question_ids: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )

    candidate: Mapped[User] = relationship()
    version: Mapped[ExamVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )
    events: Mapped[list[IntegrityEvent]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="IntegrityEvent.id"
    )


class Answer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answers"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id", name="uq_answers_attempt_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    revision: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The autosave protocol (docs/attempts.md, "Saving"): which page wrote the stored revision
    # and that page's sequence number for it, so a page's own retry after a lost reply, or its
    # older request arriving late, is told apart from another tab's write.
    save_client: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    save_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # Scoring: points once known; `state` says where the score comes from.
    state: Mapped[AnswerState] = mapped_column(
        sa.Enum(AnswerState, native_enum=False, length=20), default=AnswerState.saved
    )
    points: Mapped[float | None]
    max_points: Mapped[float | None]
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    grading_job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grading_jobs.id"))

    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class IntegrityEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "integrity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    attempt: Mapped[Attempt] = relationship(back_populates="events")
