"""Similarity across submissions (issue 16, docs/integrity.md): a run compares every closed
attempt's answer to one question of one exam version, and keeps the pairs worth a look with
the matched fragments and the cohort's distribution. A flagged pair is never a verdict: HR or
a reviewer records a decision on it (dismissed, or confirmed with a note), kept on the pair."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin

if TYPE_CHECKING:
    from hirebench.models.exams import Exam, ExamVersion
    from hirebench.models.people import User


class SimilarityStatus(enum.StrEnum):
    queued = "queued"  # asked for (by HR or the worker's schedule); the worker picks it up
    running = "running"
    done = "done"
    failed = "failed"


class SimilarityDecision(enum.StrEnum):
    dismissed = "dismissed"  # honest likeness (a short task, a common idiom)
    confirmed = "confirmed"  # shared material; the note says what HR does about it


class SimilarityRun(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One comparison of a question's submissions. `created_at` is when it was queued."""

    __tablename__ = "similarity_runs"
    __table_args__ = (
        # At most one run waiting or running per question of a version, enforced by the
        # database, so two workers (or a click and the schedule) cannot queue it twice.
        sa.Index(
            "uq_similarity_runs_one_pending",
            "exam_version_id",
            "question_id",
            "part",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
        sa.Index("ix_similarity_runs_exam_status", "exam_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exams.id"))
    exam_version_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_versions.id"))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    # Which part of the answer: "" for the whole of it (code, a short answer); an annotation
    # task's "rules" (the table, as normalised conditions) and "rationale" are compared apart,
    # since honest rule tables are alike far more often than honest prose.
    part: Mapped[str] = mapped_column(sa.String(20), default="")
    kind: Mapped[str] = mapped_column(sa.String(10))  # code | text
    status: Mapped[SimilarityStatus] = mapped_column(
        sa.Enum(SimilarityStatus, native_enum=False, length=20), default=SimilarityStatus.queued
    )
    # Who asked for it; None when the worker queued it after the submissions closed.
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    submissions: Mapped[int] = mapped_column(default=0)
    # The score above which a pair is unusual for this cohort (the engine's, per run).
    threshold: Mapped[float | None]
    # The cohort's scores as the engine summarises them (bins, median, spread), for the
    # histogram: every pair's score is not stored, only the pairs worth a look.
    distribution: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Groups of three or more who share material: lists of answer ids.
    clusters: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Submissions that could not be compared as asked, each with its reason (not tokenized,
    # empty, not a notebook, capped); they never stop the run.
    problems: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    error: Mapped[str] = mapped_column(sa.Text, default="")

    exam: Mapped[Exam] = relationship()
    version: Mapped[ExamVersion] = relationship()
    requested_by: Mapped[User | None] = relationship()
    pairs: Mapped[list[SimilarityPair]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        part = f".{self.part}" if self.part else ""
        return f"<SimilarityRun {self.id} {self.question_id}{part} {self.status}>"


class SimilarityPair(db.Model):  # type: ignore[name-defined]
    """Two answers that look alike: every flagged pair of a run and the top of the rest."""

    __tablename__ = "similarity_pairs"
    __table_args__ = (
        sa.UniqueConstraint(
            "run_id", "answer_a_id", "answer_b_id", name="uq_similarity_pairs_run_answers"
        ),
        sa.CheckConstraint("answer_a_id < answer_b_id", name="ordered"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("similarity_runs.id", ondelete="CASCADE"), index=True
    )
    answer_a_id: Mapped[int] = mapped_column(sa.ForeignKey("answers.id", ondelete="CASCADE"))
    answer_b_id: Mapped[int] = mapped_column(sa.ForeignKey("answers.id", ondelete="CASCADE"))
    candidate_a_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    candidate_b_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    score: Mapped[float]
    flagged: Mapped[bool] = mapped_column(default=False)
    # [{"a_lines": [start, end], "b_lines": [start, end]}, ...], lines counted from 1.
    fragments: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    cluster: Mapped[int | None]  # index into the run's clusters
    decision: Mapped[SimilarityDecision | None] = mapped_column(
        sa.Enum(SimilarityDecision, native_enum=False, length=20)
    )
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    run: Mapped[SimilarityRun] = relationship(back_populates="pairs")
    candidate_a: Mapped[User] = relationship(foreign_keys=[candidate_a_id])
    candidate_b: Mapped[User] = relationship(foreign_keys=[candidate_b_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<SimilarityPair {self.id} {self.answer_a_id}~{self.answer_b_id} {self.score:.2f}>"
