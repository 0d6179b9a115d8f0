"""What HR reads: a job's candidates as sortable, filterable rows, and scorecards in the
reader's language (for pages and exports alike)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer

from hirebench.exams.titles import bilingual
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.models import CandidateScorecard, Job
from hirebench.scorecards.compute import STAGE_TITLES, explain, rank_key, translate
from hirebench.scorecards.exports import Columns, coverage_of

RECOMMENDATION_ORDER = {"hire": 0, "hire_with_training": 1, "hold": 2, "reject": 3}


def localized(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a stored scorecard with every text in the current language. Only the parts
    that change are copied; the rest is shared with the stored data (read-only here)."""
    card = dict(data)
    recommendation = dict(card["recommendation"])
    recommendation["label"] = explain(recommendation["label_text"])
    recommendation["reasons"] = [explain(r) for r in recommendation["reason_texts"]]
    card["recommendation"] = recommendation
    card["stages"] = {
        key: {**stage, "title": translate(stage["title"]), "detail_text": explain(stage["detail"])}
        for key, stage in card["stages"].items()
    }
    card["flags"] = [{**f, "message": explain(f)} for f in card["flags"]]
    # Read from the stages, so scorecards stored before `coverage` existed show it too.
    card["coverage"] = coverage_of(card)
    return card


def columns(definition: JobProfileDefinition) -> Columns:
    return Columns(
        stages=[(stage.value, translate(STAGE_TITLES[stage])) for stage, _w in definition.stages],
        # Titles are authored "English · 中文"; a Chinese reader gets the Chinese half.
        competencies=[(c.id, bilingual(c.title)) for c in definition.competencies],
    )


@dataclass(frozen=True)
class Query:
    sort: str = "composite"  # composite | name | recommendation | c:<competency> | s:<stage>
    descending: bool = True
    recommendation: str = ""
    flag: str = ""
    search: str = ""


def _score_key(value: float | None, descending: bool) -> tuple[int, float]:
    # Candidates without a score always sort last, whichever the direction.
    if value is None:
        return (1, 0.0)
    return (0, -value if descending else value)


def rows(job: Job, query: Query) -> list[CandidateScorecard]:
    """The job's scorecards, filtered and sorted on their summaries; the full `data` is not
    loaded (see `with_data`)."""
    cards = list(
        db.session.scalars(
            sa.select(CandidateScorecard)
            .where(CandidateScorecard.job_id == job.id)
            .options(defer(CandidateScorecard.data))
            .order_by(CandidateScorecard.id)
        )
    )
    search = query.search.casefold()
    if search:
        cards = [
            c
            for c in cards
            if search in c.summary["name"].casefold() or search in c.summary["email"].casefold()
        ]
    if query.recommendation:
        cards = [c for c in cards if c.recommendation == query.recommendation]
    if query.flag:
        cards = [c for c in cards if query.flag in c.summary["flags"]]
    if query.sort == "name":
        cards.sort(key=lambda c: c.summary["name"].casefold(), reverse=query.descending)
    elif query.sort == "recommendation":
        cards.sort(
            key=lambda c: RECOMMENDATION_ORDER.get(c.recommendation, 9),
            reverse=query.descending,
        )
    elif query.sort.startswith(("c:", "s:")):
        group = "competencies" if query.sort.startswith("c:") else "stages"
        key = query.sort[2:]
        cards.sort(key=lambda c: _score_key(c.summary[group].get(key), query.descending))
    else:
        cards.sort(
            key=lambda c: rank_key(c.composite, c.summary["stages"], descending=query.descending)
        )
    return cards


def with_data(cards: list[CandidateScorecard]) -> list[dict[str, Any]]:
    """The full scorecards of these rows, in the current language, loaded in one query."""
    ids = [c.id for c in cards]
    query = sa.select(CandidateScorecard.id, CandidateScorecard.data).where(
        CandidateScorecard.id.in_(ids)
    )
    stored = {card_id: data for card_id, data in db.session.execute(query)}
    return [localized(stored[card_id]) for card_id in ids]
