"""Inter-rater agreement as HR sees it: per rubric and per interview kit, every pair of
raters with weighted kappa and the number of items behind it, and raters who drift."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from hirebench.extensions import db
from hirebench.models import (
    Interview,
    InterviewKit,
    Review,
    ReviewItem,
    Rubric,
    Scorecard,
    User,
)
from hirebench.reviews.agreement import (
    PairAgreement,
    RaterDrift,
    Rating,
    pairwise_agreement,
    rater_drift,
)
from hirebench.reviews.workflow import criteria_of, item_title, top_level


@dataclass(frozen=True)
class InstrumentAgreement:
    key: str
    title: str
    kind: str  # "rubric" or "interview"
    items: int
    raters: int
    pairs: list[PairAgreement]
    drift: list[RaterDrift]
    names: dict[Hashable, str]

    @property
    def flagged_raters(self) -> list[RaterDrift]:
        return [d for d in self.drift if d.flagged]


def agreement_report(keys: Collection[str] | None = None) -> list[InstrumentAgreement]:
    """Every rubric and kit with ratings, or only those in `keys` ("rubric:<key>",
    "kit:<id>")."""
    threshold = float(current_app.config["RATER_DRIFT_THRESHOLD"])
    instruments: list[tuple[str, str, str, list[Rating], int]] = []
    instruments += _rubric_ratings()
    instruments += _interview_ratings()
    names: dict[Hashable, str] = {
        u.id: u.name or u.email for u in db.session.scalars(sa.select(User))
    }
    report = []
    for key, title, kind, ratings, top in instruments:
        if keys is not None and key not in keys:
            continue
        report.append(
            InstrumentAgreement(
                key=key,
                title=title,
                kind=kind,
                items=len({r.item for r in ratings}),
                raters=len({r.rater for r in ratings}),
                pairs=pairwise_agreement(ratings, categories=tuple(range(1, top + 1))),
                drift=rater_drift(ratings, threshold=threshold),
                names=names,
            )
        )
    return report


def _rubric_ratings() -> list[tuple[str, str, str, list[Rating], int]]:
    rows = db.session.execute(
        sa.select(Review, ReviewItem).join(ReviewItem).where(Review.is_current).order_by(Review.id)
    ).all()
    titles = {
        slug: title for slug, title in db.session.execute(sa.select(Rubric.slug, Rubric.title))
    }
    grouped: dict[str, list[Rating]] = defaultdict(list)
    meta: dict[str, tuple[str, int]] = {}
    for review, item in rows:
        meta.setdefault(
            item.rubric_key,
            (titles.get(item.rubric_key) or item_title(item), top_level(criteria_of(item))),
        )
        for criterion, level in review.levels.items():
            grouped[item.rubric_key].append(Rating(item.id, criterion, review.reviewer_id, level))
    return [
        (f"rubric:{key}", meta[key][0], "rubric", ratings, meta[key][1])
        for key, ratings in grouped.items()
    ]


def _interview_ratings() -> list[tuple[str, str, str, list[Rating], int]]:
    rows = db.session.execute(
        sa.select(Scorecard, Interview.kit_id)
        .join(Interview, Interview.id == Scorecard.interview_id)
        .where(Scorecard.is_current)
        .order_by(Scorecard.id)
    ).all()
    kits = {k.id: k for k in db.session.scalars(sa.select(InterviewKit))}
    grouped: dict[int, list[Rating]] = defaultdict(list)
    for card, kit_id in rows:
        for question, given in card.question_ratings.items():
            grouped[kit_id].append(
                Rating(card.interview_id, question, card.interviewer_id, int(given["rating"]))
            )
    return [
        (f"kit:{kit_id}", f"{kits[kit_id].job.title} · {kits[kit_id].title}", "interview", r, 5)
        for kit_id, r in grouped.items()
    ]


def keys_for_candidate(candidate: User) -> set[str]:
    rubric_keys = db.session.scalars(
        sa.select(ReviewItem.rubric_key).where(ReviewItem.candidate_id == candidate.id)
    )
    kit_ids = db.session.scalars(
        sa.select(Interview.kit_id).where(Interview.candidate_id == candidate.id)
    )
    return {f"rubric:{k}" for k in rubric_keys} | {f"kit:{k}" for k in kit_ids}
