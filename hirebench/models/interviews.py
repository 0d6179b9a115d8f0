"""Structured behavioural interviews: the question bank, kits per job stage, interviews with
their panel, and each interviewer's scorecard (versioned like reviews)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow

if TYPE_CHECKING:
    from hirebench.models.jobs import Job
    from hirebench.models.people import User


class InterviewQuestion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "interview_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    competency: Mapped[str] = mapped_column(sa.String(64), index=True)
    competency_title: Mapped[str] = mapped_column(sa.String(200))
    # interviews.bank.BankQuestion.to_json(): text, follow-ups and the 1/3/5 guide.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterviewKit(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "interview_kits"
    __table_args__ = (sa.UniqueConstraint("job_id", "stage", name="uq_interview_kits_job_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    # Copies of the chosen bank questions (with competency titles), so a later bank edit
    # cannot change what a finished interview asked.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    job: Mapped[Job] = relationship()


class Interview(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(sa.ForeignKey("interview_kits.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    scheduled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    kit: Mapped[InterviewKit] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    panel: Mapped[list[Panelist]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="Panelist.id"
    )
    scorecards: Mapped[list[Scorecard]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="Scorecard.id"
    )


class Panelist(db.Model):  # type: ignore[name-defined]
    __tablename__ = "interview_panelists"
    __table_args__ = (
        sa.UniqueConstraint("interview_id", "interviewer_id", name="uq_panelists_interviewer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    interviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)

    interview: Mapped[Interview] = relationship(back_populates="panel")
    interviewer: Mapped[User] = relationship()


class Recommendation(enum.StrEnum):
    strong_no = "strong_no"
    no = "no"
    yes = "yes"
    strong_yes = "strong_yes"


class Scorecard(db.Model):  # type: ignore[name-defined]
    __tablename__ = "interview_scorecards"
    __table_args__ = (
        sa.UniqueConstraint(
            "interview_id", "interviewer_id", "version", name="uq_scorecards_version"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    interviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    # question slug -> {"rating": 1-5, "notes": evidence}; competency id -> rating 1-5.
    question_ratings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    competency_ratings: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    recommendation: Mapped[Recommendation] = mapped_column(
        sa.Enum(Recommendation, native_enum=False, length=20)
    )
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    interview: Mapped[Interview] = relationship(back_populates="scorecards")
    interviewer: Mapped[User] = relationship()
