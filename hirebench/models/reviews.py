"""Human review: rubrics, review items with their assigned reviewers, and submitted reviews.

A review is never edited in place: an edit adds a new version and marks the old one as not
current, so every manual score keeps its history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow

if TYPE_CHECKING:
    from hirebench.models.attempts import Answer
    from hirebench.models.people import User
    from hirebench.models.portfolios import Portfolio


class Rubric(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # RubricDefinition.to_json(): the criteria with their anchored levels.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewKind(enum.StrEnum):
    portfolio = "portfolio"
    exam_answer = "exam_answer"  # a short answer, scored into the exam
    exam_rationale = "exam_rationale"  # an annotation task's rationale, a separate human score


class ReviewItem(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "review_items"
    __table_args__ = (
        sa.UniqueConstraint("kind", "answer_id", name="uq_review_items_kind_answer"),
        sa.UniqueConstraint("portfolio_id", name="uq_review_items_portfolio"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReviewKind] = mapped_column(sa.Enum(ReviewKind, native_enum=False, length=20))
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    portfolio_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portfolios.id"))
    answer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("answers.id"))
    # Which rubric: a reusable rubric's slug, or "exam:<version id>:<question id>".
    rubric_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    # A copy of the rubric as it was when the item was created, so later rubric edits
    # cannot change what earlier reviews meant.
    rubric: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    required_reviews: Mapped[int] = mapped_column(default=2)
    blind: Mapped[bool] = mapped_column(default=True)
    complete: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    flag_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # The panel's score, 0-100: the median of the current reviews once enough are in, so one
    # outlying reviewer cannot move it far (reviews/workflow.py).
    score: Mapped[float | None]
    completed_at: Mapped[datetime | None]

    candidate: Mapped[User] = relationship()
    portfolio: Mapped[Portfolio | None] = relationship()
    answer: Mapped[Answer | None] = relationship()
    assignments: Mapped[list[ReviewAssignment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ReviewAssignment.id"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Review.id"
    )


class ReviewAssignment(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "review_assignments"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "reviewer_id", name="uq_review_assignments_item_reviewer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_items.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Null when the round robin chose the reviewer.
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(20), default="initial")
    submitted_at: Mapped[datetime | None]

    item: Mapped[ReviewItem] = relationship(back_populates="assignments")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])


class Review(db.Model):  # type: ignore[name-defined]
    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "version", name="uq_reviews_assignment_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_items.id", ondelete="CASCADE"), index=True
    )
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_assignments.id", ondelete="CASCADE")
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    # criterion id -> level, and criterion id -> the reviewer's comment on it.
    levels: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    comments: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[float]  # 0-100, the weighted mean of the levels
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ReviewItem] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()


class CommentBankEntry(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A reusable reviewer comment for one criterion of one rubric."""

    __tablename__ = "comment_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    criterion_id: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str] = mapped_column(sa.String(1000))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
