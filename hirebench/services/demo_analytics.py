"""A past cohort for the analytics demo (issue 15 item 9), so the analytics page of `make demo`
has something to show. Made up, seeded, and the same on every run.

The job "AI Trainer — 2025 cohort" uses the demo profile with three weighted stages
(written test 40, portfolio 30, interview 30). Its 60 candidates (cohort-NN@demo.local, who
cannot log in) each have, spread over spring 2025:

- an invitation, and a graded attempt at the sample exam: every question of their variant
  scored from the candidate's ability (choice questions right or a wrong option, the others a
  share of their points);
- a reviewed portfolio case with a panel score, and one interview scorecard;
- their stored scorecard, computed from that evidence by the scorecard's own code (stored
  without the "recommendation reached" notice: this cohort's decisions are history);
- voluntary group answers from most of them (gender and age band; some prefer not to say).

The 38 with the best composites accepted an offer; each hire has a probation review and a
periodic review on a 1-5 scale, audited as entered by the demo HR account. Performance follows
the written test and the portfolio; the interview adds little, so the analytics find the
exam and portfolio predictive and propose moving weight off the interview.

Run by services.demo.seed_demo; a second run leaves an existing cohort as it is.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from hirebench.analytics import service as analytics
from hirebench.exams.loader import version_definition
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.jobs import service as jobs
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import (
    Answer,
    AnswerState,
    Application,
    Attempt,
    AttemptStatus,
    CandidateScorecard,
    Exam,
    Interview,
    InterviewKit,
    Invitation,
    Job,
    Offer,
    OfferStatus,
    OfferVersion,
    Panelist,
    Recommendation,
    ReviewItem,
    ReviewKind,
    Role,
    Rubric,
    Scorecard,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews.rubric_file import RubricDefinition
from hirebench.reviews.workflow import snapshot
from hirebench.scorecards.compute import compute
from hirebench.scorecards.evidence import gather
from hirebench.scorecards.service import summarize

PAST_TITLE = "AI Trainer — 2025 cohort"
SAMPLE_EXAM = "ai-trainer-ecommerce"
COHORT = 60
HIRES = 38
SEED = 2025
START = datetime(2025, 3, 3, 9, 0)
STAGES = ((Stage.written_test, 40.0), (Stage.portfolio, 30.0), (Stage.interview, 30.0))
GENDERS = ("woman", "man")
AGE_BANDS = ("under_25", "25-34", "35-44")


def seed_past_cohort() -> Job | None:
    """The past cohort's job, made on the first run; None when the sample exam or rubric is
    not loaded (the caller loads them first)."""
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == SAMPLE_EXAM))
    rubric = db.session.scalars(sa.select(Rubric).order_by(Rubric.id)).first()
    if exam is None or not exam.versions or rubric is None:
        return None
    job = _job()
    if db.session.scalar(sa.select(sa.func.count()).where(Application.job_id == job.id)):
        return job
    rng = np.random.default_rng(SEED)
    hr = db.session.scalar(sa.select(User).where(User.email == "hr@demo.local"))
    interviewer = db.session.scalar(sa.select(User).where(User.email == "interviewer@demo.local"))
    kit = InterviewKit(
        job_id=job.id, stage="interview", title="Behavioural interview", questions=[]
    )
    db.session.add(kit)
    people = []
    for n in range(COHORT):
        ability = float(rng.normal(0, 1))
        user = _candidate(n)
        _evidence(job, user, exam, rubric, kit, interviewer, n, ability, rng)
        people.append((user, ability))
    db.session.flush()
    composites = {user.id: _scorecard(job, user) for user, _ in people}
    ranked = sorted(people, key=lambda p: -(composites[p[0].id] or 0))
    for rank, (user, ability) in enumerate(ranked[:HIRES]):
        _hire(job, user, rank, ability, hr, rng)
    for user, _ in people:
        _group_answers(user, rng)
    db.session.commit()
    return job


def _job() -> Job:
    job = jobs.get_or_create(PAST_TITLE, is_open=False)
    if job.profile is None:
        base = load_profile_file(PROJECT_ROOT / "exams" / "jobs" / f"{SAMPLE_EXAM}.yaml")
        definition = dataclasses.replace(
            base, id="ai-trainer-2025-cohort", title=PAST_TITLE, stages=STAGES
        )
        jobs.save_profile(definition, job=job)
    return job


# Invented names for the past cohort, so the demo's lists read like people, not test rows.
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙")
GIVEN = ("晓明", "丽娜", "子涵", "浩然", "思远", "雨桐", "一鸣", "佳怡", "俊杰", "欣然")
LATIN = (
    "Alex Kim",
    "Maria Lopez",
    "Tom Becker",
    "Aisha Khan",
    "Lena Novak",
    "Ravi Menon",
    "Grace Osei",
    "Jonas Berg",
    "Yuki Sato",
    "Omar Farouk",
    "Nina Petrova",
    "Lucas Silva",
)


def _cohort_name(n: int) -> str:
    if n % 5 == 4:  # every fifth an English name, as in a mixed cohort
        return LATIN[(n // 5) % len(LATIN)]
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]


def _candidate(n: int) -> User:
    email = f"cohort-{n:02d}@demo.local"
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:  # no password: the cohort is data to look at, not accounts to log in
        user = User(email=email, name=_cohort_name(n), role=Role.candidate)
        db.session.add(user)
        db.session.flush()
    return user


def _evidence(
    job: Job,
    user: User,
    exam: Exam,
    rubric: Rubric,
    kit: InterviewKit,
    interviewer: User | None,
    n: int,
    ability: float,
    rng: np.random.Generator,
) -> None:
    day = START + timedelta(days=n % 20, hours=n % 7)
    jobs.ensure_application(user, job, source="manual")
    db.session.add(
        Invitation(
            token_hash=f"demo-cohort-{user.id}",
            candidate_id=user.id,
            job_id=job.id,
            expires_at=day + timedelta(days=14),
            used_at=day + timedelta(days=1),
            created_at=day,
        )
    )
    _attempt(user, exam, day + timedelta(days=2), ability, rng)
    written = RubricDefinition.from_json(rubric.definition)
    db.session.add(
        ReviewItem(
            kind=ReviewKind.portfolio,
            candidate_id=user.id,
            rubric_key=rubric.slug,
            title="项目案例 / Project case",  # a candidate's own title, bilingual like the demo's
            rubric=snapshot(written.criteria, written.disagreement_threshold),
            complete=True,
            score=float(np.clip(62 + 13 * (0.7 * ability + 0.7 * rng.normal()), 5, 100)),
            completed_at=day + timedelta(days=9),
        )
    )
    interview = Interview(kit=kit, candidate_id=user.id, scheduled_at=day + timedelta(days=14))
    rating = int(np.clip(round(3 + 0.6 * (0.4 * ability + rng.normal())), 1, 5))
    if interviewer is not None:
        interview.panel.append(Panelist(interviewer_id=interviewer.id))
        interview.scorecards.append(
            Scorecard(
                interviewer_id=interviewer.id,
                question_ratings={"q1": {"rating": rating, "notes": ""}},
                competency_ratings={},
                recommendation=Recommendation.yes if rating >= 3 else Recommendation.no,
                submitted_at=day + timedelta(days=15),
            )
        )
    db.session.add(interview)


def _attempt(
    user: User, exam: Exam, at: datetime, ability: float, rng: np.random.Generator
) -> None:
    version = exam.versions[-1]
    definition = version_definition(version)
    seed = f"cohort-{user.id}"
    questions = [q for _section, qs in definition.variant(seed) for q in qs]
    attempt = Attempt(
        candidate_id=user.id,
        exam_id=exam.id,
        exam_version_id=version.id,
        status=AttemptStatus.graded,
        seed=seed,
        question_ids=[q.id for q in questions],
        started_at=at,
        deadline_at=at + timedelta(minutes=definition.time_limit_minutes),
        submitted_at=at + timedelta(minutes=50),
        graded_at=at + timedelta(minutes=55),
        max_score=definition.max_points,
    )
    total = 0.0
    for question in questions:
        chance = 1 / (1 + np.exp(-(1.1 * ability + rng.normal(0, 0.8) + 0.4)))
        value: object = None
        key = get_type(question.type).correct_options(question)
        if key is not None:  # a choice question answered by one option id
            options = [o.id for o in question.spec.options]
            right = sorted(key)[0]
            correct = bool(rng.random() < chance)
            value = right if correct else str(rng.choice([o for o in options if o != right]))
            points = question.points if correct else 0.0
        else:
            points = round(float(question.points * chance), 1)
        total += points
        attempt.answers.append(
            Answer(
                question_id=question.id,
                value=value,
                state=AnswerState.scored,
                points=points,
                max_points=question.points,
                saved_at=at + timedelta(minutes=30),
            )
        )
    attempt.score = total
    db.session.add(attempt)


def _scorecard(job: Job, user: User) -> float | None:
    """The scorecard from the evidence just written, stored as the scorecard service stores
    it, but without announcing a recommendation: this cohort was decided long ago."""
    application = db.session.scalars(
        sa.select(Application).where(
            Application.candidate_id == user.id, Application.job_id == job.id
        )
    ).one()
    definition = jobs.definition_of(job)
    assert definition is not None and job.profile is not None
    data = compute(definition, job.profile.version, job.id, gather(application, definition))
    card = CandidateScorecard(application=application, job_id=job.id, profile_id=job.profile.id)
    card.composite = data["composite"]
    card.recommendation = data["recommendation"]["code"]
    card.summary, card.data = summarize(data), data
    db.session.add(card)
    return data["composite"]


def _hire(
    job: Job, user: User, rank: int, ability: float, hr: User | None, rng: np.random.Generator
) -> None:
    accepted = START + timedelta(days=30 + rank % 10)
    application = db.session.scalars(
        sa.select(Application).where(
            Application.candidate_id == user.id, Application.job_id == job.id
        )
    ).one()
    offer = Offer(
        application_id=application.id,
        candidate_id=user.id,
        job_id=job.id,
        status=OfferStatus.accepted,
        sent_at=accepted - timedelta(days=3),
        responded_at=accepted,
        accepted_at=accepted,
        accepted_name=user.name,
        accepted_version=1,
        created_by_id=hr.id if hr else None,
    )
    start = accepted.date() + timedelta(days=28)
    offer.versions.append(
        OfferVersion(
            version=1,
            job_title=PAST_TITLE,
            monthly_salary=18_000,
            probation_salary=16_000,
            probation_months=3,
            start_date=start,
            valid_until=accepted.date(),
        )
    )
    db.session.add(offer)
    card = db.session.scalars(
        sa.select(CandidateScorecard).where(CandidateScorecard.application_id == application.id)
    ).one()
    stages = card.summary["stages"]
    # What the job later showed: the exam and the portfolio foretold it, the interview hardly.
    signal = (
        0.5 * ((stages["written_test"] or 60) - 60) / 15
        + 0.45 * ((stages["portfolio"] or 60) - 60) / 15
        + 0.1 * ((stages["interview"] or 50) - 50) / 25
    )
    first = float(np.clip(round((3.2 + 0.7 * signal + rng.normal(0, 0.45)) * 2) / 2, 1, 5))
    second = float(np.clip(round((first + rng.normal(0.1, 0.35)) * 2) / 2, 1, 5))
    for rated_on, rating, kind in (
        (start + timedelta(days=90), first, "probation"),
        (date(2026, 3, 1), second, "periodic"),
    ):
        analytics.record_rating(
            job, user, rated_on=rated_on, rating=rating, scale=(1, 5), kind=kind, by=hr
        )


def _group_answers(user: User, rng: np.random.Generator) -> None:
    if rng.random() < 0.12:
        return  # some never open the voluntary form
    gender = str(rng.choice(GENDERS)) if rng.random() > 0.08 else "prefer_not"
    age = str(rng.choice(AGE_BANDS, p=[0.35, 0.5, 0.15])) if rng.random() > 0.1 else "prefer_not"
    analytics.save_group_data(user, {"gender": gender, "age_band": age})
