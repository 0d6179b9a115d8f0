"""Grading jobs: one row per submission to be graded (or regraded). The row, not any message
broker, is the source of truth for a job's state; see docs/grading-queue.md."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import utcnow

if TYPE_CHECKING:
    from hirebench.models.people import User


class JobStatus(enum.StrEnum):
    queued = "queued"  # waiting for a worker (also after a lost worker, while retries remain)
    running = "running"  # claimed by `worker`, which refreshes `heartbeat_at` while it grades
    done = "done"  # a result is stored (the result itself may say status "error")
    failed = "failed"  # no worker could finish it; `error` says why, `result` is a failure


class GradingMode(enum.StrEnum):
    full = "full"  # visible and hidden tests: the score of record
    visible = "visible"  # visible tests only: the candidate's "check my work"


class GradingJob(db.Model):  # type: ignore[name-defined]
    __tablename__ = "grading_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A grader notebook path today; an exam item id later. `grader_digest` is the SHA-256 of the
    # grader the job last ran against, so a regrade after a grader fix is visible in the data.
    grader_ref: Mapped[str] = mapped_column(sa.String(500), index=True)
    grader_digest: Mapped[str] = mapped_column(sa.String(64), default="")
    # Capped by the queue service (GRADING_SUBMISSION_MAX_BYTES) before it is stored.
    submission: Mapped[bytes] = mapped_column(sa.LargeBinary)
    submission_name: Mapped[str] = mapped_column(sa.String(255))
    mode: Mapped[GradingMode] = mapped_column(
        sa.Enum(GradingMode, native_enum=False, length=10), default=GradingMode.full
    )
    status: Mapped[JobStatus] = mapped_column(
        sa.Enum(JobStatus, native_enum=False, length=10), default=JobStatus.queued, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)  # claims so far, counted at claim time
    max_attempts: Mapped[int] = mapped_column(default=2)
    # PrairieLearn's timeline: finished = the grader (sandbox) returned; graded = result stored.
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    # The claim's owner id (host:pid:start.ns, see sandbox/owner.py) and grading thread.
    worker: Mapped[str | None] = mapped_column(sa.String(200))
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # GradeResult.to_json()
    error: Mapped[str | None] = mapped_column(sa.Text)  # why the job failed or the grader crashed
    # A regrade points at the original submission's job (never at another regrade).
    regrade_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("grading_jobs.id", ondelete="SET NULL"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    regrade_of: Mapped[GradingJob | None] = relationship(remote_side=[id])
    requested_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.done, JobStatus.failed)

    def __repr__(self) -> str:
        return f"<GradingJob {self.id} {self.status} attempt {self.attempts}/{self.max_attempts}>"
