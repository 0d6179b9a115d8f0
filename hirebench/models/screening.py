"""Imported resumes with what was read from them and how they match the job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin

if TYPE_CHECKING:
    from hirebench.models.people import User


class Resume(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "resumes"
    __table_args__ = (
        # The same file imported twice for a job is one resume, updated in place.
        sa.UniqueConstraint("job_id", "sha256", name="uq_resumes_job_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # "ok", or "error" with a code and a message saying why the file could not be read.
    status: Mapped[str] = mapped_column(sa.String(10))
    error_code: Mapped[str] = mapped_column(sa.String(30), default="")
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    # screening.fields.ResumeFields.to_json() and screening.match.MatchResult.to_json().
    fields: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    match: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    score: Mapped[float | None]
    over_budget: Mapped[bool] = mapped_column(default=False)
    unstable: Mapped[bool] = mapped_column(default=False)
    # HR may keep an over-budget resume in the ranked list; the reason is audit-logged too.
    included: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    candidate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    candidate: Mapped[User | None] = relationship(foreign_keys=[candidate_id])
