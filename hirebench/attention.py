"""What HR's home page shows for each open job (docs/pipeline.md, "HR home"): how many
candidates stand at each stage, and what is waiting on someone. Only candidates still in the
running count (an application HR rejected needs nobody's attention):

- reviews overdue: an assignment still open `REVIEW_SLA_HOURS` after it was made;
- integrity flags nobody has looked at: a flagged pair of the latest similarity run of its
  question part, without a decision, involving one of the job's candidates;
- offers awaiting approval;
- interviews without every scorecard: a panelist has none, and the interview has taken place
  (its time has passed, or, with no time set, another panelist has already scored it).

It reads the models of several modules, and the similarity flags' one query; nothing here
changes anything. Each kind is one query for all the jobs at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from hirebench.extensions import db
from hirebench.integrity.flags import latest_done_runs
from hirebench.jobs.pipeline import StageCounts, stage_counts
from hirebench.models import (
    Answer,
    Application,
    Attempt,
    Interview,
    InterviewKit,
    Job,
    Offer,
    OfferStatus,
    Panelist,
    ReviewAssignment,
    ReviewItem,
    Scorecard,
    SimilarityPair,
)
from hirebench.models.base import utcnow

#: Items of one kind listed per job; the rest are counted and linked to their own list.
SHOWN = 5


@dataclass
class Waiting:
    """One kind of work waiting for a job: the first SHOWN items, and how many there are."""

    items: list[Any] = field(default_factory=list)
    total: int = 0

    def add(self, item: Any) -> None:
        if len(self.items) < SHOWN:
            self.items.append(item)
        self.total += 1


@dataclass
class JobOverview:
    job: Job
    counts: StageCounts
    overdue_reviews: Waiting = field(default_factory=Waiting)
    open_flags: Waiting = field(default_factory=Waiting)
    offers_awaiting: Waiting = field(default_factory=Waiting)
    interviews_unscored: Waiting = field(default_factory=Waiting)

    @property
    def needs_attention(self) -> int:
        return (
            self.overdue_reviews.total
            + self.open_flags.total
            + self.offers_awaiting.total
            + self.interviews_unscored.total
        )


def _in_running(job_ids: Sequence[int]) -> Any:
    """(candidate_id, job_id) of every application of these jobs that HR has not rejected."""
    return (
        sa.select(Application.candidate_id, Application.job_id)
        .where(Application.job_id.in_(job_ids), Application.rejected_at.is_(None))
        .subquery()
    )


def overviews(jobs: Sequence[Job], now: datetime | None = None) -> list[JobOverview]:
    """An overview per job, in the order given."""
    now = now or utcnow()
    ids = [job.id for job in jobs]
    counts = stage_counts(ids)
    result = {job.id: JobOverview(job, counts[job.id]) for job in jobs}
    if not ids:
        return []
    for job_id, assignment in _overdue_reviews(ids, now):
        result[job_id].overdue_reviews.add(assignment)
    for job_id, pair in _open_flags(ids):
        result[job_id].open_flags.add(pair)
    for offer in _offers_awaiting(ids):
        result[offer.job_id].offers_awaiting.add(offer)
    for job_id, interview in _interviews_unscored(ids, now):
        result[job_id].interviews_unscored.add(interview)
    return [result[job_id] for job_id in ids]


def _overdue_reviews(ids: Sequence[int], now: datetime) -> list[tuple[int, ReviewAssignment]]:
    cutoff = now - timedelta(hours=current_app.config["REVIEW_SLA_HOURS"])
    running = _in_running(ids)
    query = (
        sa.select(running.c.job_id, ReviewAssignment)
        .join(ReviewItem, ReviewItem.id == ReviewAssignment.item_id)
        .join(running, running.c.candidate_id == ReviewItem.candidate_id)
        .where(
            ReviewAssignment.submitted_at.is_(None),
            ReviewAssignment.created_at < cutoff,
            ReviewItem.complete.is_(False),
        )
        .options(
            selectinload(ReviewAssignment.item).selectinload(ReviewItem.candidate),
            selectinload(ReviewAssignment.reviewer),
        )
        .order_by(ReviewAssignment.created_at, ReviewAssignment.id)
    )
    return [(job_id, assignment) for job_id, assignment in db.session.execute(query)]


def _open_flags(ids: Sequence[int]) -> list[tuple[int, SimilarityPair]]:
    """Each open flagged pair once per job that one of its two candidates applied for."""
    running = _in_running(ids)
    answer_a, answer_b = aliased(Answer), aliased(Answer)
    attempt_a, attempt_b = aliased(Attempt), aliased(Attempt)
    query = (
        sa.select(running.c.job_id, SimilarityPair)
        .join(answer_a, answer_a.id == SimilarityPair.answer_a_id)
        .join(attempt_a, attempt_a.id == answer_a.attempt_id)
        .join(answer_b, answer_b.id == SimilarityPair.answer_b_id)
        .join(attempt_b, attempt_b.id == answer_b.attempt_id)
        .join(
            running,
            sa.or_(
                running.c.candidate_id == attempt_a.candidate_id,
                running.c.candidate_id == attempt_b.candidate_id,
            ),
        )
        .where(
            SimilarityPair.run_id.in_(latest_done_runs()),
            SimilarityPair.flagged,
            SimilarityPair.decision.is_(None),
        )
        .options(selectinload(SimilarityPair.candidate_a), selectinload(SimilarityPair.candidate_b))
        .order_by(running.c.job_id, SimilarityPair.score.desc(), SimilarityPair.id)
    )
    # A pair of two candidates of the same job comes twice (JSON columns rule out DISTINCT on
    # PostgreSQL), so it is counted once here.
    seen: set[tuple[int, int]] = set()
    found = []
    for job_id, pair in db.session.execute(query):
        if (job_id, pair.id) not in seen:
            seen.add((job_id, pair.id))
            found.append((job_id, pair))
    return found


def _offers_awaiting(ids: Sequence[int]) -> list[Offer]:
    return list(
        db.session.scalars(
            sa.select(Offer)
            .join(Application, Application.id == Offer.application_id)
            .where(
                Offer.job_id.in_(ids),
                Offer.status == OfferStatus.awaiting_approval,
                Application.rejected_at.is_(None),
            )
            .options(selectinload(Offer.candidate))
            .order_by(Offer.updated_at, Offer.id)
        )
    )


def _interviews_unscored(ids: Sequence[int], now: datetime) -> list[tuple[int, Interview]]:
    running = _in_running(ids)
    scored_by = sa.select(Scorecard.id).where(
        Scorecard.interview_id == Interview.id, Scorecard.is_current
    )
    missing = sa.exists().where(
        Panelist.interview_id == Interview.id,
        ~sa.exists().where(
            Scorecard.interview_id == Panelist.interview_id,
            Scorecard.interviewer_id == Panelist.interviewer_id,
            Scorecard.is_current,
        ),
    )
    query = (
        sa.select(InterviewKit.job_id, Interview)
        .join(InterviewKit, InterviewKit.id == Interview.kit_id)
        .join(
            running,
            sa.and_(
                running.c.candidate_id == Interview.candidate_id,
                running.c.job_id == InterviewKit.job_id,
            ),
        )
        .where(
            missing,
            sa.or_(
                Interview.scheduled_at <= now,
                sa.and_(Interview.scheduled_at.is_(None), scored_by.exists()),
            ),
        )
        .options(
            selectinload(Interview.candidate),
            selectinload(Interview.kit),
            selectinload(Interview.panel).selectinload(Panelist.interviewer),
            selectinload(Interview.scorecards),
        )
        .order_by(sa.func.coalesce(Interview.scheduled_at, Interview.created_at), Interview.id)
    )
    return [(job_id, interview) for job_id, interview in db.session.execute(query)]


def missing_panelists(interview: Interview) -> list[str]:
    """The names of the panelists who have no current scorecard on the interview."""
    scored = {card.interviewer_id for card in interview.scorecards if card.is_current}
    return [
        p.interviewer.name or p.interviewer.email
        for p in interview.panel
        if p.interviewer_id not in scored
    ]


def waiting_days(since: datetime, now: datetime | None = None) -> int:
    """Whole days since `since`, for "assigned 4 days ago"."""
    return max(0, ((now or utcnow()) - since).days)
