"""Free-text feedback on candidates from HR, the business department and interviewers, and
candidates' own feedback on the exam."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin

if TYPE_CHECKING:
    from hirebench.models.people import User


class Feedback(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # "hr", "business" or "interviewer": whose view it is.
    source: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class ExamSurvey(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """The candidate's short survey after an exam; one per attempt."""

    __tablename__ = "exam_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attempts.id", ondelete="CASCADE"), unique=True
    )
    # question id -> 1..5 (clarity, difficulty, fairness, environment).
    ratings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
