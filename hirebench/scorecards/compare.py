"""Candidates of one job side by side (issue 17 item 3, docs/scorecard.md "Comparing
candidates"): two to four of the job's applicants, each with their scorecard in the reader's
language and, for HR, what the interviewers and reviewers wrote of them.

The compare page asks for candidates by user id in its query string, so everything it is given
is checked here: a number, not repeated, 2 to 4 of them, each an applicant of this job. A
refusal is a CompareError whose message says what to change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from hirebench.extensions import db
from hirebench.interviews.service import current_scorecards, interviews_for_job
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.jobs.service import definition_of
from hirebench.models import Application, Job, ReviewItem, ReviewKind, User
from hirebench.reviews.workflow import current_reviews
from hirebench.scorecards import dashboard
from hirebench.scorecards.exports import Columns
from hirebench.scorecards.service import refresh
from hirebench.services.errors import ServiceError

MIN_COMPARED = 2
MAX_COMPARED = 4
# More values than this in the query string is not a selection but noise: refused before
# any of them is parsed.
MAX_VALUES = 20


class CompareError(ServiceError):
    """A selection that cannot be compared; the message says what to change."""


@dataclass(frozen=True)
class PanelNote:
    """One interviewer's scorecard or one reviewer's review of the candidate: who, on what,
    their verdict (an interview recommendation code) or score (a review, 0-100), and their
    summary in their own words."""

    kind: str  # "interview" or "review"
    subject: str  # the interview kit's or the reviewed case's title
    author: str
    at: datetime
    summary: str
    verdict: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Compared:
    person: User
    card: dict[str, Any] | None  # dashboard.localized, or None without a job profile
    notes: list[PanelNote] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.person.name or self.person.email


@dataclass(frozen=True)
class Comparison:
    job: Job
    definition: JobProfileDefinition | None
    columns: Columns | None
    candidates: list[Compared]

    def competency_rows(self) -> list[tuple[str, list[float | None]]]:
        """(competency title, one score or None per candidate in order), for the chart and its
        table."""
        if self.columns is None:
            return []
        return [
            (title, [_score(c.card, "competencies", key) for c in self.candidates])
            for key, title in self.columns.competencies
        ]

    def stage_rows(self) -> list[tuple[str, str, list[dict[str, Any] | None]]]:
        """(stage id, title, the candidate's stage entry or None per candidate)."""
        if self.columns is None:
            return []
        return [
            (key, title, [((c.card or {}).get("stages") or {}).get(key) for c in self.candidates])
            for key, title in self.columns.stages
        ]


def _score(card: dict[str, Any] | None, group: str, key: str) -> float | None:
    value = (((card or {}).get(group) or {}).get(key) or {}).get("score")
    return None if value is None else float(value)


def candidate_ids(values: Sequence[str]) -> list[int]:
    """The ids asked for, in the order given, each once; blanks are ignored."""
    if len(values) > MAX_VALUES:
        raise CompareError(_too_many(len(values)))
    ids: list[int] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if not value.isascii() or not value.isdigit() or len(value) > 12:
            raise CompareError(
                _(
                    "“%(value)s” is not a candidate. Choose candidates from the job's list.",
                    value=value[:40],
                )
            )
        if int(value) not in ids:
            ids.append(int(value))
    return ids


def _too_many(count: int) -> str:
    return _(
        "Compare at most %(max)d candidates at a time; %(count)d were chosen.",
        max=MAX_COMPARED,
        count=count,
    )


def check_count(ids: Sequence[int]) -> None:
    if len(ids) < MIN_COMPARED:
        raise CompareError(
            ngettext(
                "Choose at least %(min)d candidates to compare; %(num)d was chosen.",
                "Choose at least %(min)d candidates to compare; %(num)d were chosen.",
                len(ids),
                min=MIN_COMPARED,
            )
        )
    if len(ids) > MAX_COMPARED:
        raise CompareError(_too_many(len(ids)))


def _applications(job: Job, ids: Sequence[int]) -> list[Application]:
    found = {
        a.candidate_id: a
        for a in db.session.scalars(
            sa.select(Application)
            .where(Application.job_id == job.id, Application.candidate_id.in_(ids))
            .options(selectinload(Application.candidate), selectinload(Application.scorecard))
        )
    }
    strangers = [str(i) for i in ids if i not in found]
    if strangers:
        raise CompareError(
            ngettext(
                "Candidate %(ids)s has not applied to this job. Choose candidates from the "
                "job's list.",
                "Candidates %(ids)s have not applied to this job. Choose candidates from the "
                "job's list.",
                len(strangers),
                ids=", ".join(strangers),
            )
        )
    return [found[i] for i in ids]


def compare(job: Job, ids: Sequence[int], *, with_panel: bool) -> Comparison:
    """The selection side by side. `with_panel` adds the interviewers' and reviewers' own
    notes, which only HR's pages show; everyone who may compare sees the scorecards' feedback.
    A scorecard not computed yet is computed as HR's scorecard page does (not committed)."""
    check_count(ids)
    definition = definition_of(job)
    compared = []
    for application in _applications(job, ids):
        card = application.scorecard or (refresh(application) if definition else None)
        notes = panel_notes(application.candidate_id, job.id) if with_panel else []
        compared.append(
            Compared(application.candidate, dashboard.localized(card.data) if card else None, notes)
        )
    columns = dashboard.columns(definition) if definition else None
    return Comparison(job, definition, columns, compared)


def panel_notes(candidate_id: int, job_id: int) -> list[PanelNote]:
    """The current interview scorecards from this job's interviews and the current reviews of
    the candidate's portfolio cases, oldest first."""
    notes = [
        PanelNote(
            "interview",
            interview.kit.title,
            card.interviewer.name or card.interviewer.email,
            card.submitted_at,
            card.summary or "",
            verdict=card.recommendation.value,
        )
        for interview in interviews_for_job(candidate_id, job_id)
        for card in current_scorecards(interview)
    ]
    items = db.session.scalars(
        sa.select(ReviewItem)
        .where(ReviewItem.candidate_id == candidate_id, ReviewItem.kind == ReviewKind.portfolio)
        .order_by(ReviewItem.id)
    )
    notes += [
        PanelNote(
            "review",
            item.title,
            review.reviewer.name or review.reviewer.email,
            review.submitted_at,
            review.summary or "",
            score=review.score,
        )
        for item in items
        for review in current_reviews(item)
    ]
    return sorted(notes, key=lambda note: note.at)
