"""What HR reads: a job's candidates as sortable, filterable rows, and scorecards in the
reader's language (for pages and exports alike)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import get_translations
from sqlalchemy.orm import InstrumentedAttribute, defer, load_only

from hirebench.exams.titles import bilingual
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.models import CandidateScorecard, Job
from hirebench.scorecards.compute import STAGE_TITLES, explain, translate
from hirebench.scorecards.exports import Columns, coverage_of

RECOMMENDATION_ORDER = {"hire": 0, "hire_with_training": 1, "hold": 2, "reject": 3}


def page_gettext() -> Callable[..., str]:
    """Flask-Babel's gettext with the translations looked up once instead of per string: a
    page of 100 scorecards translates some 1,300 strings, and the lookup was most of it."""
    translations = get_translations()

    def gettext(string: str, **variables: Any) -> str:
        text = translations.ugettext(string)
        return text % variables if variables else text

    return gettext


def localized(data: Mapping[str, Any], gettext: Callable[..., str] | None = None) -> dict[str, Any]:
    """A copy of a stored scorecard with every text in the current language. Only the parts
    that change are copied; the rest is shared with the stored data (read-only here)."""
    tr = gettext or translate
    card = dict(data)
    recommendation = dict(card["recommendation"])
    recommendation["label"] = explain(recommendation["label_text"], tr)
    recommendation["reasons"] = [explain(r, tr) for r in recommendation["reason_texts"]]
    card["recommendation"] = recommendation
    card["stages"] = {
        key: {**stage, "title": tr(stage["title"]), "detail_text": explain(stage["detail"], tr)}
        for key, stage in card["stages"].items()
    }
    card["flags"] = [{**f, "message": explain(f, tr)} for f in card["flags"]]
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


def _binary(column: InstrumentedAttribute[str]) -> sa.ColumnElement[str]:
    """Code-point order, as Python sorts strings: PostgreSQL's default collation would sort
    by the server's locale instead (spaces and punctuation weigh differently)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column.expression


def _filtered(job: Job, query: Query) -> sa.Select[tuple[CandidateScorecard]]:
    select = sa.select(CandidateScorecard).where(CandidateScorecard.job_id == job.id)
    search = query.search.casefold()
    if search:
        select = select.where(
            sa.or_(
                CandidateScorecard.sort_name.contains(search, autoescape=True),
                CandidateScorecard.email_key.contains(search, autoescape=True),
            )
        )
    if query.recommendation:
        select = select.where(CandidateScorecard.recommendation == query.recommendation)
    if query.flag:
        select = select.where(
            CandidateScorecard.flag_codes.contains(f" {query.flag} ", autoescape=True)
        )
    return select


def _order(query: Query) -> list[sa.ColumnElement[Any]]:
    """The ORDER BY of the ranked table (docs/scorecard.md, "Ranking"), on the scorecard's
    copy columns. Ties keep the order the scorecards were made in, whichever the direction;
    a missing score sorts last in both directions."""

    def direction(column: sa.ColumnElement[Any] | Any) -> sa.ColumnElement[Any]:
        return column.desc() if query.descending else column.asc()

    if query.sort == "name":
        keys = [direction(_binary(CandidateScorecard.sort_name))]
    elif query.sort == "recommendation":
        rank = sa.case(RECOMMENDATION_ORDER, value=CandidateScorecard.recommendation, else_=9)
        keys = [direction(rank)]
    elif query.sort.startswith(("c:", "s:")):
        group = "competencies" if query.sort.startswith("c:") else "stages"
        score = CandidateScorecard.summary[(group, query.sort[2:])].as_float()
        keys = [score.is_(None).asc(), direction(score)]
    else:
        keys = [CandidateScorecard.rank_tier.asc(), direction(CandidateScorecard.composite)]
    return [*keys, CandidateScorecard.id.asc()]


def rows(job: Job, query: Query) -> list[CandidateScorecard]:
    """The job's scorecards, filtered and sorted in SQL on their copy columns; the full
    `data` is not loaded (see `with_data`)."""
    select = _filtered(job, query).options(defer(CandidateScorecard.data)).order_by(*_order(query))
    return list(db.session.scalars(select))


def page(
    job: Job, query: Query, number: int, per_page: int
) -> tuple[list[CandidateScorecard], int, int]:
    """One page of `rows`: (its scorecards, with neither `summary` nor `data` loaded, the
    total that match, the page number). A page past the end is the last one."""
    total = int(
        db.session.scalar(sa.select(sa.func.count()).select_from(_filtered(job, query).subquery()))
        or 0
    )
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    select = (
        _filtered(job, query)
        .options(load_only(CandidateScorecard.id))
        .order_by(*_order(query))
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return list(db.session.scalars(select)), total, number


def with_data(cards: list[CandidateScorecard]) -> list[dict[str, Any]]:
    """The full scorecards of these rows, in the current language, loaded in one query."""
    ids = [c.id for c in cards]
    query = sa.select(CandidateScorecard.id, CandidateScorecard.data).where(
        CandidateScorecard.id.in_(ids)
    )
    stored = {card_id: data for card_id, data in db.session.execute(query)}
    gettext = page_gettext()
    return [localized(stored[card_id], gettext) for card_id in ids]
