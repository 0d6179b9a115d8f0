"""Jobs, their versioned profiles (skills, competencies, stage weights, mappings), and the
applications that tie candidates to a job."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow

if TYPE_CHECKING:
    from hirebench.models.people import User


class Job(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    salary_min: Mapped[int | None]
    salary_max: Mapped[int | None]
    salary_period: Mapped[str] = mapped_column(sa.String(10), default="month")
    is_open: Mapped[bool] = mapped_column(default=True)
    # The profile version in force; older versions stay for the scorecards that used them.
    profile_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("job_profiles.id", use_alter=True, name="fk_jobs_profile_id_job_profiles")
    )

    profile: Mapped[JobProfile | None] = relationship(foreign_keys=[profile_id])


class JobProfile(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One version of a job's profile. Never changed once written: a new version is added."""

    __tablename__ = "job_profiles"
    __table_args__ = (sa.UniqueConstraint("job_id", "version", name="uq_job_profiles_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    version: Mapped[int]
    # jobs.profile.JobProfileDefinition.to_json()
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Application(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A candidate in the running for a job, however they arrived (invitation, screening)."""

    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("candidate_id", "job_id", name="uq_applications_candidate_job"),
        sa.Index("ix_applications_job_stage", "job_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(20), default="invitation")
    # {"min": int, "max": int, "period": "month" | "year"}, when known.
    salary_expectation: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The pipeline (hirebench/jobs/pipeline.py, docs/pipeline.md): the stage the candidate is
    # at, and, once HR rejects them, when and why; they stay at the stage they were rejected
    # at. Every change is audited.
    stage: Mapped[str] = mapped_column(sa.String(20), default="applied", server_default="applied")
    stage_changed_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    candidate: Mapped[User] = relationship()
    job: Mapped[Job] = relationship()
    scorecard: Mapped[CandidateScorecard | None] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )


class CandidateScorecard(db.Model):  # type: ignore[name-defined]
    """The composite scorecard, recomputed whenever one of its inputs changes. `data` is the
    whole explained result (docs/scorecard.md); the columns are copies for sorting."""

    __tablename__ = "candidate_scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    profile_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job_profiles.id"))
    composite: Mapped[float | None]
    recommendation: Mapped[str] = mapped_column(sa.String(30))
    # The few fields a dashboard row sorts and filters on, so listing a thousand candidates
    # does not parse a thousand full scorecards.
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # More copies, so the ranked table sorts, filters and pages in SQL (scorecards.dashboard):
    # the ranking tier (0 a complete composite, 1 a partial one, 2 none), the name and address
    # casefolded, and the flags' codes each between spaces. Kept in step with `summary` on
    # every write (scorecards.service.copy_sort_keys).
    rank_tier: Mapped[int] = mapped_column(sa.SmallInteger, default=2, server_default="2")
    sort_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    email_key: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    flag_codes: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="scorecard")
