"""A job with a past cohort for the analytics tests: applicants whose stored scorecards carry
given stage scores (computed by the scorecard's own compute() from made-up evidence), hires
with accepted offers, and their ratings. Rows are written directly: the tests are about
reading them back, not about how the other services make them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import yaml

from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import parse_profile_text
from hirebench.models import (
    Application,
    CandidateScorecard,
    Invitation,
    Job,
    Offer,
    OfferStatus,
    OfferVersion,
    PerformanceRating,
    Role,
    User,
)
from hirebench.scorecards.compute import Evidence, StageResult, compute
from hirebench.scorecards.service import summarize
from tests.factories import application_of, row

STAGES = {"written_test": 40, "portfolio": 30, "interview": 30}
T0 = datetime(2025, 3, 1, 9, 0)


def make_job(
    stages: dict[str, float] | None = None,
    *,
    minimums: dict[str, float] | None = None,
    exam: str | None = None,
    profile_id: str = "analytics-test",
    title: str = "Analytics test job",
) -> Job:
    data: dict[str, Any] = {
        "id": profile_id,
        "title": title,
        "department": "Data",
        "competencies": [{"id": "quality", "title": "Quality"}],
        "stages": stages or STAGES,
        "cutoffs": {"hire": 70, "reject": 40, "stages": minimums or {}},
    }
    if exam:
        data["exam"] = exam
    definition = parse_profile_text(yaml.safe_dump(data, sort_keys=False), f"{profile_id}.yaml")
    return row(Job, job_service.save_profile(definition).job_id)


def candidate(email: str, name: str = "") -> User:
    user = User(email=email, name=name or email.split("@")[0], role=Role.candidate)
    db.session.add(user)
    db.session.flush()
    return user


def store_scorecard(application: Application, scores: Mapping[str, float | None]) -> None:
    """The application's scorecard as compute() makes it from complete stages with these
    scores (None: the stage is missing), stored without recomputing from the database."""
    job = application.job
    definition = job_service.definition_of(job)
    assert definition is not None and job.profile is not None
    user = application.candidate
    evidence = Evidence(user.id, user.name, user.email)
    for stage, score in scores.items():
        if score is not None:
            evidence.stages[Stage(stage)] = StageResult(score, "complete")
    data = compute(definition, job.profile.version, job.id, evidence)
    card = application.scorecard or CandidateScorecard(application=application, job_id=job.id)
    db.session.add(card)
    card.profile_id = job.profile.id
    card.composite = data["composite"]
    card.recommendation = data["recommendation"]["code"]
    card.summary = summarize(data)
    card.data = data


def hire(application: Application, accepted_at: datetime) -> Offer:
    offer = Offer(
        application_id=application.id,
        candidate_id=application.candidate_id,
        job_id=application.job_id,
        status=OfferStatus.accepted,
        sent_at=accepted_at - timedelta(days=3),
        accepted_at=accepted_at,
        responded_at=accepted_at,
    )
    offer.versions.append(
        OfferVersion(
            version=1,
            job_title=application.job.title,
            monthly_salary=18_000,
            probation_salary=16_000,
            start_date=accepted_at.date() + timedelta(days=30),
            valid_until=accepted_at.date() + timedelta(days=7),
        )
    )
    db.session.add(offer)
    return offer


def rate(
    user: User, job: Job, rated_on: date, rating: float, scale: tuple[float, float] = (1, 5)
) -> None:
    db.session.add(
        PerformanceRating(
            candidate_id=user.id,
            job_id=job.id,
            rated_on=rated_on,
            rating=rating,
            scale_min=scale[0],
            scale_max=scale[1],
            kind="periodic",
        )
    )


@dataclass
class Cohort:
    job: Job
    users: list[User] = field(default_factory=list)
    hired: list[User] = field(default_factory=list)
    performance: dict[int, float] = field(default_factory=dict)  # expected, 0..100
    scores: dict[int, dict[str, float]] = field(default_factory=dict)


def cohort(job: Job, n: int = 60, n_hired: int = 40, seed: int = 7) -> Cohort:
    """`n` invited applicants with complete scores on the job's stages; the `n_hired` best by
    the sum of their scores are hired and rated twice on a 1-5 scale, their rating following
    the written test and the portfolio (not the interview) plus noise. Committed."""
    rng = np.random.default_rng(seed)
    stages = job_service.definition_of(job)
    assert stages is not None
    names = [stage.value for stage, _ in stages.stages]
    made = Cohort(job)
    ability = rng.normal(0, 1, n)
    for i in range(n):
        user = candidate(f"c{i:03d}@example.com", f"Candidate {i:03d}")
        application = job_service.ensure_application(user, job)
        db.session.add(
            Invitation(
                token_hash=f"cohort-{job.id}-{user.id}",
                candidate_id=user.id,
                job_id=job.id,
                created_at=T0 - timedelta(days=30 - i % 10),
                expires_at=T0,
            )
        )
        scores = {
            stage: float(np.clip(60 + 12 * ability[i] + rng.normal(0, 8), 0, 100))
            for stage in names
        }
        store_scorecard(application, scores)
        made.users.append(user)
        made.scores[user.id] = scores
    order = sorted(made.users, key=lambda u: -sum(made.scores[u.id].values()))
    for k, user in enumerate(order[:n_hired]):
        application = application_of(user.id, job.id)
        hire(application, T0 + timedelta(days=k))
        s = made.scores[user.id]
        signal = (s.get("written_test", 60) + s.get("portfolio", 60)) / 2
        first = float(np.clip(round(1 + (signal - 40) / 15 + rng.normal(0, 0.4), 1), 1, 5))
        second = float(np.clip(round(first + rng.normal(0, 0.3), 1), 1, 5))
        rate(user, job, date(2025, 9, 1), first)
        rate(user, job, date(2026, 3, 1), second)
        made.hired.append(user)
        made.performance[user.id] = ((first - 1) / 4 * 100 + (second - 1) / 4 * 100) / 2
    db.session.commit()
    return made
