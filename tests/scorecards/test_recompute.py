"""Scorecards are recomputed once per commit, not once per change (issue 12): every input
announces `evidence_changed` or `job_profile_saved`, scorecards marks the candidate or job in
the session, and the commit recomputes each marked application once. A rolled-back change
recomputes nothing and leaves no marks behind.

The sample exam is copied with a second short-answer question, so one submitted attempt has
two short answers and an annotation rationale to review (three review items)."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import (
    Application,
    Exam,
    Job,
    Resume,
    ReviewItem,
    ReviewKind,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics, workflow
from hirebench.scorecards import service as scorecards
from hirebench.screening import service as screening
from hirebench.services import invitations
from tests.screening import OVER, STRONG

SAMPLE_EXAM = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
RUBRIC = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
SHORT_ANSWER_SECTION = '    title: "Short answer · 简答题"\n    questions:\n'
SECOND_SHORT_ANSWER = """      - id: explain-overfitting
        type: short_answer
        points: 5
        prompt: "Explain overfitting to a new colleague."
        max_chars: 1000
        rubric:
          - id: idea
            title: "Explains the idea"
            levels: {1: "Vague or wrong", 5: "Clear, with an example"}
"""
ANNOTATION = {
    "rules": [
        {"conditions": [{"field": "is_bot", "op": "eq", "value": 1}], "label": "browse"},
        {"conditions": [], "label": "click"},
    ],
    "rationale": "Bots never buy, so their events are browsing; the rest defaults to click.",
}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


def exam_with_two_short_answers(tmp_path: Path) -> Path:
    folder = tmp_path / "ai-trainer-ecommerce"
    shutil.copytree(SAMPLE_EXAM, folder)
    definition = folder / "exam.yaml"
    text = definition.read_text(encoding="utf-8")
    assert text.count(SHORT_ANSWER_SECTION) == 1
    definition.write_text(
        text.replace(SHORT_ANSWER_SECTION, SHORT_ANSWER_SECTION + SECOND_SHORT_ANSWER),
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def ctx(app: Flask, tmp_path: Path) -> Iterator[None]:
    with app.app_context():
        rubrics.load_files([RUBRIC])
        load_exam(exam_with_two_short_answers(tmp_path), PROJECT_ROOT / "graders")
        yield
        grading_queue.shutdown(app)


@pytest.fixture
def hr(ctx: None, make_user: Callable[..., User]) -> User:
    for email in ("r1@example.com", "r2@example.com"):
        make_user(Role.reviewer, email=email, name=email)
    return row(User, make_user(Role.hr, email="hr@example.com", name="HR").id)


@pytest.fixture
def jobs(hr: User) -> tuple[Job, Job]:
    """Two jobs with the sample profile, so a candidate can have two applications."""
    definition = load_profile_file(PROFILE)
    first = job_service.save_profile(definition, by=hr)
    second = job_service.save_profile(
        dataclasses.replace(definition, id="second-job", title="Second job"), by=hr
    )
    return row(Job, first.job_id), row(Job, second.job_id)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[int, int]]:
    """(candidate id, job id) -> how often its scorecard was computed. Clear it to count
    from a point on."""
    calls: Counter[tuple[int, int]] = Counter()
    real = scorecards.compute

    def spy(*args: Any, **kwargs: Any) -> dict[str, Any]:
        data = real(*args, **kwargs)
        calls[(data["candidate_id"], data["job_id"])] += 1
        return data

    monkeypatch.setattr(scorecards, "compute", spy)
    return calls


def row(model: type[Any], key: int) -> Any:
    found = db.session.get(model, key)
    assert found is not None
    return found


def invite_to_both(jobs: tuple[Job, Job], hr: User) -> User:
    for job in jobs:
        issued = invitations.invite_candidate(
            name="Zhang Wei", email="zhang@example.com", job=job, invited_by=hr, ttl_hours=72
        )
        db.session.commit()
    return row(User, issued.candidate.id)


def each_application_once(candidate: User, jobs: tuple[Job, Job]) -> Counter[tuple[int, int]]:
    return Counter({(candidate.id, job.id): 1 for job in jobs})


def submitted_attempt(candidate: User) -> Any:
    exam = db.session.scalars(sa.select(Exam)).one()
    attempt = attempts.start_attempt(candidate, exam)
    attempts.save_answer(attempt, "explain-gd", "Step against the gradient, scaled by η.")
    attempts.save_answer(attempt, "explain-overfitting", "It learns the noise of the data.")
    attempts.save_answer(attempt, "behaviour-labels", ANNOTATION)
    return attempt


def test_the_scorecard_data_names_its_candidate_and_job(
    hr: User, jobs: tuple[Job, Job], computed: Counter[tuple[int, int]]
) -> None:
    # The spy keys on these two fields; without them it would count nothing.
    candidate = invite_to_both(jobs, hr)
    assert computed[(candidate.id, jobs[0].id)] >= 1


def test_a_submit_with_three_review_items_recomputes_each_application_once(
    hr: User, jobs: tuple[Job, Job], computed: Counter[tuple[int, int]]
) -> None:
    candidate = invite_to_both(jobs, hr)
    attempt = submitted_attempt(candidate)
    computed.clear()

    attempts.submit(attempt)

    kinds = db.session.scalars(sa.select(ReviewItem.kind)).all()
    assert sorted(kind.value for kind in kinds) == ["exam_answer", "exam_answer", "exam_rationale"]
    # Not k + 1 = 4 times (once per review item created, and once for the score).
    assert computed == each_application_once(candidate, jobs)
    assert not db.session.info.get(scorecards.DIRTY_KEY)


def test_settling_reviews_recomputes_once_per_commit(
    hr: User, jobs: tuple[Job, Job], computed: Counter[tuple[int, int]]
) -> None:
    candidate = invite_to_both(jobs, hr)
    attempt = submitted_attempt(candidate)
    attempts.submit(attempt)
    items = db.session.scalars(sa.select(ReviewItem).order_by(ReviewItem.id)).all()

    for item in items:
        for assignment in list(item.assignments):
            computed.clear()
            # One commit: the review, the item settled (the second time), the answer
            # rescored and the attempt's total; the scorecards once, not once per step.
            workflow.submit_review(assignment, {c.id: 4 for c in workflow.criteria_of(item)}, {})
            assert computed == each_application_once(candidate, jobs)

    db.session.refresh(attempt)
    answers = attempts.answers_by_question(attempt)
    assert answers["explain-gd"].state == answers["explain-overfitting"].state == "scored"
    assert answers["explain-overfitting"].points == 3.75  # 5 points * 75 / 100
    card = row(Application, application_id(candidate, jobs[0])).scorecard
    assert card is not None
    assert card.data["stages"]["written_test"]["status"] != "partial"


def application_id(candidate: User, job: Job) -> int:
    found = db.session.scalar(
        sa.select(Application.id).where(
            Application.candidate_id == candidate.id, Application.job_id == job.id
        )
    )
    assert found is not None
    return found


def test_a_screening_invite_recomputes_once(
    hr: User, jobs: tuple[Job, Job], computed: Counter[tuple[int, int]]
) -> None:
    job = jobs[0]
    (resume,) = screening.import_files(job, [("over.txt", OVER.encode())])
    computed.clear()

    (outcome,) = screening.invite_shortlist(
        job, [resume.id], by=hr, link_for=lambda token: f"http://hirebench.test/{token}"
    )

    assert outcome.invited
    candidate = row(User, outcome.resume.candidate_id)
    assert computed == Counter({(candidate.id, job.id): 1})
    # Computed once the salary expectation was taken from the resume, in the same commit.
    card = row(Application, application_id(candidate, job)).scorecard
    assert card is not None
    assert "over_budget" in [flag["code"] for flag in card.data["flags"]]


def test_a_new_profile_version_rescreens_and_recomputes_each_application_once(
    hr: User, jobs: tuple[Job, Job], computed: Counter[tuple[int, int]]
) -> None:
    candidate = invite_to_both(jobs, hr)
    job = jobs[0]
    (resume,) = screening.import_files(job, [("strong.txt", STRONG.encode())])
    resume.score = None  # as if never matched: only a rescreen sets it again
    db.session.commit()
    computed.clear()

    definition = job_service.definition_of(job)
    assert definition is not None
    job_service.save_profile(dataclasses.replace(definition, department="Data"), job=job, by=hr)

    # Only the job whose profile changed; screening matched its resume again.
    assert computed == Counter({(candidate.id, job.id): 1})
    assert row(Resume, resume.id).score is not None


def test_a_rolled_back_change_recomputes_nothing_and_leaves_no_marks(
    hr: User, jobs: tuple[Job, Job], computed: Counter[tuple[int, int]]
) -> None:
    candidate = invite_to_both(jobs, hr)
    computed.clear()
    workflow.create_item(
        ReviewKind.portfolio,
        candidate,
        rubric_key="portfolio-project",
        title="A case nobody keeps",
        rubric=workflow.snapshot(()),
    )
    assert db.session.info[scorecards.DIRTY_KEY]["candidates"] == {candidate.id}

    db.session.rollback()

    assert scorecards.DIRTY_KEY not in db.session.info
    db.session.commit()
    assert computed == Counter()
    assert db.session.scalar(sa.select(sa.func.count(ReviewItem.id))) == 0
