"""hirebench's own tables turned into the statistics core's inputs (docs/analytics.md, "Where
the page's numbers come from"). Everything here only reads.

- **Stage scores**: each applicant's stored scorecard (`CandidateScorecard.summary["stages"]`),
  0-100 per stage of the job's current profile, blank when the stage has no score.
- **Hired**: the candidate accepted an offer for the job.
- **Performance**: the **mean** of the hire's ratings for the job, each normalised to 0..100
  from its own scale (`(rating - min) / (max - min) * 100`). The mean rather than the latest:
  one review is a noisy measure, and averaging a probation review with later ones steadies it.
- **Funnel**: the first time each applicant reached each stage (see `FUNNEL_SOURCES`).
- **Items**: per exam version, each candidate's latest fully scored attempt at it.
- **Groups**: voluntary group data, joined with whether each stage of the funnel passed the
  candidate. A funnel stage *passes* a candidate who reached it when they reached any later
  stage (as the funnel counts `passed`); candidates still waiting at a stage count as not
  passed, so figures on a cohort still in progress understate the rates of its last stages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from hirebench.analytics.funnel import FUNNEL_STAGES
from hirebench.exams.definition import ExamDefinition
from hirebench.exams.loader import version_definition
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.jobs.service import definition_of
from hirebench.models import (
    PENDING_ANSWER_STATES,
    Answer,
    Application,
    Attempt,
    AttemptStatus,
    CandidateScorecard,
    Exam,
    ExamVersion,
    Interview,
    InterviewKit,
    Invitation,
    Job,
    Offer,
    OfferStatus,
    Onboarding,
    PerformanceRating,
    Resume,
    ReviewItem,
    ReviewKind,
    Scorecard,
)
from hirebench.models.demographics import GroupData

if TYPE_CHECKING:
    import pandas as pd

#: Where each funnel stage's timestamp comes from (the earliest, when there are several).
FUNNEL_SOURCES = {
    "screened": "a resume imported for the job and matched to the candidate",
    "invited": "an invitation to the job",
    "exam_started": "an attempt at the job profile's exam started",
    "exam_submitted": "that attempt submitted",
    "portfolio_reviewed": "a portfolio case with its review complete",
    "interviewed": "an interview scorecard submitted for one of the job's interview kits",
    "offer": "an offer for the job sent",
    "accepted": "an offer for the job accepted",
    "started": "the new hire's first day recorded in onboarding",
}
#: The funnel stages adverse impact is computed for: each is a decision about the candidate
#: (the last two, accepting and starting, are the candidate's own).
SELECTION_STAGES = FUNNEL_STAGES[: FUNNEL_STAGES.index("offer")]


def applicant_ids(job: Job) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Application.candidate_id)
            .where(Application.job_id == job.id)
            .order_by(Application.candidate_id)
        )
    )


def hired_ids(job_id: int) -> set[int]:
    """Candidates with an accepted offer for the job."""
    return set(
        db.session.scalars(
            sa.select(Offer.candidate_id).where(
                Offer.job_id == job_id, Offer.status == OfferStatus.accepted
            )
        )
    )


def performance_by_candidate(job_id: int) -> dict[int, float]:
    """Each rated hire's performance on 0..100: the mean of their normalised ratings."""
    sums: dict[int, list[float]] = {}
    for rating in db.session.scalars(
        sa.select(PerformanceRating).where(PerformanceRating.job_id == job_id)
    ):
        sums.setdefault(rating.candidate_id, []).append(rating.percent)
    return {candidate: float(np.mean(values)) for candidate, values in sums.items()}


@dataclass(frozen=True)
class ValidityInput:
    """validity()'s arguments for one job: the frame, the stages and the current weights."""

    frame: pd.DataFrame
    stages: list[str]
    weights: dict[str, float]


def validity_input(job: Job, profile: JobProfileDefinition | None = None) -> ValidityInput:
    """One row per applicant with a scorecard, indexed by candidate id: the score of every
    weighted stage of the current profile, hired, and performance (NaN when not rated, and
    always for a candidate not hired, whose rating would be a data error)."""
    profile = profile or definition_of(job)
    stages = [stage.value for stage, _ in profile.stages] if profile else []
    weights = {stage.value: weight for stage, weight in profile.stages} if profile else {}
    hired = hired_ids(job.id)
    performance = performance_by_candidate(job.id)
    records = []
    rows = db.session.execute(
        sa.select(Application.candidate_id, CandidateScorecard.summary)
        .join(CandidateScorecard, CandidateScorecard.application_id == Application.id)
        .where(Application.job_id == job.id)
    )
    for candidate_id, summary in rows:
        scores = (summary or {}).get("stages", {})
        is_hired = candidate_id in hired
        record: dict[str, Any] = {
            "candidate": candidate_id,
            "hired": int(is_hired),
            "performance": performance.get(candidate_id, math.nan) if is_hired else math.nan,
        }
        for stage in stages:
            value = scores.get(stage)
            record[stage] = float(value) if value is not None else math.nan
        records.append(record)
    import pandas as pd  # 0.3 s to import: loaded when an analysis runs, not at start-up

    frame = pd.DataFrame(records, columns=["candidate", "hired", "performance", *stages])
    return ValidityInput(frame.set_index("candidate").sort_index(), stages, weights)


def stage_scores(frame: pd.DataFrame, stages: Iterable[str]) -> dict[str, list[float]]:
    """Every score given on each stage, for the distribution charts."""
    return {stage: [float(v) for v in frame[stage].dropna()] for stage in stages}


def composite_scores(job: Job) -> list[float]:
    """Every composite of the job's scorecards, for the composite's distribution chart."""
    query = sa.select(CandidateScorecard.composite).where(CandidateScorecard.job_id == job.id)
    return [float(value) for value in db.session.scalars(query) if value is not None]


# ------------------------------------------------------------------------------ the funnel


def _earliest(
    query: sa.Executable, into: dict[int, dict[str, datetime | None]], stage: str
) -> None:
    """Fold (candidate id, timestamp) rows into `into`, keeping each candidate's earliest."""
    for candidate_id, at in db.session.execute(query):
        if at is None or candidate_id not in into:
            continue
        known = into[candidate_id].get(stage)
        if known is None or at < known:
            into[candidate_id][stage] = at


def funnel_rows(job: Job) -> pd.DataFrame:
    """One row per applicant (indexed by candidate id), one column per funnel stage with when
    they first reached it (NaT when they did not)."""
    applicants = applicant_ids(job)
    # One query per table, not per person; rows of non-applicants are dropped by _earliest.
    reached: dict[int, dict[str, datetime | None]] = {c: {} for c in applicants}
    _earliest(
        sa.select(Resume.candidate_id, Resume.created_at).where(Resume.job_id == job.id),
        reached,
        "screened",
    )
    _earliest(
        sa.select(Invitation.candidate_id, Invitation.created_at).where(
            Invitation.job_id == job.id
        ),
        reached,
        "invited",
    )
    profile = definition_of(job)
    if profile is not None and profile.exam:
        attempts = (
            sa.select(Attempt.candidate_id, Attempt.started_at, Attempt.submitted_at)
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Exam.slug == profile.exam)
            .subquery()
        )
        _earliest(
            sa.select(attempts.c.candidate_id, attempts.c.started_at), reached, "exam_started"
        )
        _earliest(
            sa.select(attempts.c.candidate_id, attempts.c.submitted_at), reached, "exam_submitted"
        )
    _earliest(
        sa.select(ReviewItem.candidate_id, ReviewItem.completed_at).where(
            ReviewItem.kind == ReviewKind.portfolio, ReviewItem.complete.is_(True)
        ),
        reached,
        "portfolio_reviewed",
    )
    _earliest(
        sa.select(Interview.candidate_id, Scorecard.submitted_at)
        .join(Scorecard, Scorecard.interview_id == Interview.id)
        .join(InterviewKit, InterviewKit.id == Interview.kit_id)
        .where(InterviewKit.job_id == job.id),
        reached,
        "interviewed",
    )
    offers = sa.select(Offer.candidate_id).where(Offer.job_id == job.id)
    _earliest(offers.add_columns(Offer.sent_at), reached, "offer")
    _earliest(
        offers.add_columns(Offer.accepted_at).where(Offer.status == OfferStatus.accepted),
        reached,
        "accepted",
    )
    _earliest(
        sa.select(Onboarding.candidate_id, Onboarding.started_at).where(
            Onboarding.job_id == job.id
        ),
        reached,
        "started",
    )
    import pandas as pd

    frame = pd.DataFrame.from_dict(reached, orient="index", columns=list(FUNNEL_STAGES))
    return frame.apply(pd.to_datetime).sort_index()


# --------------------------------------------------------------------------------- items


@dataclass(frozen=True)
class ItemInput:
    """item_analysis()'s arguments for one exam version, and what was left out."""

    version: ExamVersion
    frame: pd.DataFrame
    key: dict[str, set[str]]
    pooled: list[str]  # questions of drawn pools: not every candidate was given them

    @property
    def label(self) -> str:
        return f"{self.version.exam.slug} v{self.version.number}"


def _fixed_questions(definition: ExamDefinition) -> tuple[list[str], list[str]]:
    """Questions every candidate gets, and those of sections that draw from a pool. A pool
    question a candidate never saw would count as a 0 in the item statistics, so pools are
    left out of them."""
    fixed: list[str] = []
    pooled: list[str] = []
    for section in definition.sections:
        drawn = section.draw is not None and section.draw < len(section.questions)
        for question in section.questions:
            if question.points > 0:
                (pooled if drawn else fixed).append(question.id)
    return fixed, pooled


def _choice_key(definition: ExamDefinition, questions: Iterable[str]) -> dict[str, set[str]]:
    key = {}
    for question_id in questions:
        question = definition.question(question_id)
        correct = get_type(question.type).correct_options(question)
        if correct is not None:
            key[question_id] = set(correct)
    return key


def _latest_scored_attempts(version: ExamVersion) -> list[Attempt]:
    """Each candidate's latest closed attempt at the version with every answer scored: an
    answer still being graded or reviewed has no score yet, and a blank would count as 0."""
    attempts = db.session.scalars(
        sa.select(Attempt)
        .where(
            Attempt.exam_version_id == version.id,
            Attempt.status.in_([AttemptStatus.submitted, AttemptStatus.graded]),
        )
        .order_by(Attempt.candidate_id, Attempt.started_at.desc(), Attempt.id.desc())
    )
    latest: dict[int, Attempt] = {}
    for attempt in attempts:
        if attempt.candidate_id in latest:
            continue
        if any(a.state in PENDING_ANSWER_STATES for a in attempt.answers):
            continue
        latest[attempt.candidate_id] = attempt
    return list(latest.values())


def item_input(version: ExamVersion) -> ItemInput:
    definition = version_definition(version)
    fixed, pooled = _fixed_questions(definition)
    key = _choice_key(definition, fixed)
    records = []
    for attempt in _latest_scored_attempts(version):
        answers: Mapping[str, Answer] = {a.question_id: a for a in attempt.answers}
        for question_id in fixed:
            answer = answers.get(question_id)
            points = answer.points if answer is not None else None
            option = None
            if question_id in key and answer is not None and isinstance(answer.value, str):
                option = answer.value
            records.append(
                (
                    str(attempt.candidate_id),
                    question_id,
                    math.nan if points is None else float(points),
                    float(definition.question(question_id).points),
                    option,
                )
            )
    import pandas as pd

    frame = pd.DataFrame(records, columns=["candidate", "question", "score", "max_score", "option"])
    return ItemInput(version, frame, key, pooled)


def exam_versions(slug: str) -> list[ExamVersion]:
    return list(
        db.session.scalars(
            sa.select(ExamVersion)
            .join(Exam, Exam.id == ExamVersion.exam_id)
            .where(Exam.slug == slug)
            .order_by(ExamVersion.number)
        )
    )


# ------------------------------------------------------------------------- group data


def group_answers(candidate_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The group answers of these candidates (those who gave any). Only the analytics read
    them, and only to count per group."""
    wanted = list(candidate_ids)
    if not wanted:
        return {}
    return {
        row.candidate_id: dict(row.answers or {})
        for row in db.session.scalars(
            sa.select(GroupData).where(GroupData.candidate_id.in_(wanted))
        )
    }


def adverse_input(job: Job, question: str, funnel: pd.DataFrame | None = None) -> pd.DataFrame:
    """adverse_impact()'s frame for one group question: a row per applicant per selection
    stage they reached, with their answer (None when they gave none) and whether the stage
    passed them (they reached a later stage)."""
    funnel = funnel_rows(job) if funnel is None else funnel
    answers = group_answers(funnel.index)
    reached = funnel.reindex(columns=list(FUNNEL_STAGES)).notna().to_numpy()
    # later[:, i]: reached any stage after i.
    later = np.flip(np.cumsum(np.flip(reached, axis=1), axis=1), axis=1) - reached > 0
    records = []
    for row, candidate_id in enumerate(funnel.index):
        group = answers.get(int(candidate_id), {}).get(question)
        for i, stage in enumerate(SELECTION_STAGES):
            if reached[row, i]:
                records.append((str(candidate_id), group, stage, int(later[row, i])))
    import pandas as pd

    return pd.DataFrame(records, columns=["candidate", "group", "stage", "passed"])
