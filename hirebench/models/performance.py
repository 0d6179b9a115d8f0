"""Performance ratings of hires (issue 15): a probation review, then periodic reviews, each a
number on the scale it was given on, so the analytics can relate later performance to the
scores that got the hire the job (docs/analytics.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow

if TYPE_CHECKING:
    from hirebench.models.jobs import Job
    from hirebench.models.people import User

RATING_KINDS = ("probation", "periodic")


class PerformanceRating(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "performance_ratings"
    __table_args__ = (
        # One rating per hire, job and day: a second one the same day is a duplicate, which
        # the import reports rather than averaging away.
        sa.UniqueConstraint(
            "candidate_id", "job_id", "rated_on", name="uq_performance_ratings_candidate_job_day"
        ),
        sa.CheckConstraint("scale_max > scale_min", name="scale"),
        sa.CheckConstraint("rating >= scale_min AND rating <= scale_max", name="rating_in_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    rated_on: Mapped[date]
    rating: Mapped[float]
    # The scale the rating was given on (1-5, 1-10, ...): kept with each rating, so ratings
    # on different scales can still be compared once normalised to 0..100.
    scale_min: Mapped[float]
    scale_max: Mapped[float]
    kind: Mapped[str] = mapped_column(sa.String(20), default="periodic")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    job: Mapped[Job] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def percent(self) -> float:
        """The rating on 0..100: where it lies between the scale's ends."""
        return (self.rating - self.scale_min) / (self.scale_max - self.scale_min) * 100
