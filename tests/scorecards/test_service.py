"""Stored scorecards stay in step with their inputs: after every kind of change (an application,
an exam attempt started, graded and reviewed, portfolio reviews with and without disagreement,
an interview, feedback, a new profile version, a salary expectation) the stored scorecard equals
a fresh computation from the database. Also the export guard, the API payload and the
`hirebench scorecards recompute` command. Uses the sample exam with the coding question left
unanswered, so no sandbox is needed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.interviews import service as interviews
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs import service as job_service
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import (
    Application,
    Attempt,
    CandidateScorecard,
    Exam,
    Interview,
    InterviewKit,
    Job,
    JobProfile,
    ReviewItem,
    ReviewKind,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics, workflow
from hirebench.scorecards import service as scorecards
from hirebench.scorecards.compute import compute, evidence_name, explain
from hirebench.scorecards.evidence import gather
from hirebench.services import feedback, invitations
from tests.factories import application_of, portfolio_item, row

SAMPLE_EXAM = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
RUBRIC = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
BANK = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
# One question each for communication, ambiguity and business understanding.
KIT_QUESTIONS = ("model-needs-changing", "ambiguous-annotation-cases", "label-to-business-goal")
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


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        rubrics.load_files([RUBRIC])
        load_exam(SAMPLE_EXAM, PROJECT_ROOT / "graders")
        interviews.load_bank(load_bank_file(BANK))
        yield
        grading_queue.shutdown(app)


@pytest.fixture
def people(ctx: None, make_user: Callable[..., User]) -> dict[str, User]:
    made = {
        "hr": make_user(Role.hr, email="hr@example.com", name="王芳"),
        "r1": make_user(Role.reviewer, email="r1@example.com", name="Rita"),
        "r2": make_user(Role.reviewer, email="r2@example.com", name="Rob"),
        "r3": make_user(Role.reviewer, email="r3@example.com", name="Ria"),
        "ann": make_user(Role.interviewer, email="ann@example.com", name="Ann"),
        "bob": make_user(Role.interviewer, email="bob@example.com", name="Bob"),
    }
    return {key: row(User, user.id) for key, user in made.items()}


@pytest.fixture
def job(people: dict[str, User]) -> Job:
    profile = job_service.save_profile(load_profile_file(PROFILE), by=people["hr"])
    return row(Job, profile.job_id)


def invite(job: Job, hr: User, name: str, email: str) -> Application:
    issued = invitations.invite_candidate(
        name=name, email=email, job=job, invited_by=hr, ttl_hours=72
    )
    db.session.commit()
    return application_of(issued.invitation.candidate_id, job.id)


def assert_in_step(app: Flask, application: Application) -> dict[str, Any]:
    """The committed scorecard, read in a fresh session, equals a fresh computation from the
    database (apart from when it was computed). Returns the stored data."""
    application_id = application.id
    with app.app_context():  # a new app context: a new session, only committed rows
        fresh_application = row(Application, application_id)
        stored = db.session.scalars(
            sa.select(CandidateScorecard).where(CandidateScorecard.application_id == application_id)
        ).one()
        job = fresh_application.job
        definition = job_service.definition_of(job)
        assert definition is not None and job.profile is not None
        fresh = compute(
            definition, job.profile.version, job.id, gather(fresh_application, definition)
        )
        fresh = json.loads(json.dumps(fresh))  # as the JSON column gives it back
        data = dict(stored.data)
        data.pop("computed_at")
        fresh.pop("computed_at")
        assert data == fresh
        # The sort columns are copies of the data.
        assert stored.composite == data["composite"]
        assert stored.recommendation == data["recommendation"]["code"]
        assert stored.profile_id == job.profile_id
        assert stored.job_id == job.id
        return data


def statuses(data: dict[str, Any]) -> dict[str, str]:
    return {key: stage["status"] for key, stage in data["stages"].items()}


def flag_codes(data: dict[str, Any]) -> list[str]:
    return [f["code"] for f in data["flags"]]


def exam() -> Exam:
    return db.session.scalars(sa.select(Exam)).one()


def answer_exam(attempt: Attempt) -> None:
    """Everything but the coding question (and the drawn ML questions)."""
    for question_id in attempt.question_ids:
        if question_id.startswith("logic-"):
            attempts.save_answer(attempt, question_id, "a")
    attempts.save_answer(attempt, "explain-gd", "Step against the gradient, scaled by η.")
    attempts.save_answer(attempt, "behaviour-labels", ANNOTATION)


def item_of(candidate: User, kind: ReviewKind, title: str | None = None) -> ReviewItem:
    query = sa.select(ReviewItem).where(
        ReviewItem.candidate_id == candidate.id, ReviewItem.kind == kind
    )
    if title is not None:
        query = query.where(ReviewItem.title == title)
    return db.session.scalars(query).one()


def review(item: ReviewItem, *levels: int) -> None:
    """The open assignments, in order, review every criterion at the given levels."""
    waiting = [a for a in item.assignments if a.submitted_at is None]
    assert len(waiting) >= len(levels)
    for assignment, level in zip(waiting, levels, strict=False):
        workflow.submit_review(
            assignment, {c.id: level for c in workflow.criteria_of(item)}, {}, ip="10.0.0.3"
        )


def schedule_interview(job: Job, candidate: User, people: dict[str, User]) -> Interview:
    kit = interviews.create_kit(job, "behavioural-1", "Behavioural", KIT_QUESTIONS, by=people["hr"])
    return interviews.schedule(
        kit, candidate, [people["ann"], people["bob"]], None, by=people["hr"]
    )


def score_interview(
    interview: Interview, interviewer: User, rating: int, communication: int
) -> None:
    interviews.submit_scorecard(
        interview,
        interviewer,
        question_ratings={q: {"rating": rating, "notes": "evidence"} for q in KIT_QUESTIONS},
        competency_ratings={
            "communication": communication,
            "ambiguity": rating,
            "business-understanding": rating,
        },
        recommendation="yes",
    )


# --------------------------------------------------------------------------- in step


def test_the_stored_scorecard_follows_every_input(
    app: Flask, people: dict[str, User], job: Job
) -> None:
    application = invite(job, people["hr"], "张伟", "zhang@example.com")
    candidate = application.candidate

    # An application by invitation has a scorecard at once: nothing scored, on hold.
    data = assert_in_step(app, application)
    assert data["name"] == "张伟" and data["profile_version"] == 1
    assert set(statuses(data).values()) == {"missing"} and data["composite"] is None
    assert data["recommendation"]["code"] == "hold"

    # Exam attempt started: the exam stages are pending.
    attempt = attempts.start_attempt(candidate, exam(), ip="10.0.0.1", user_agent="UA")
    data = assert_in_step(app, application)
    assert statuses(data)["written_test"] == statuses(data)["assessment"] == "pending"

    # Submitted and graded, with a server integrity signal on the way.
    answer_exam(attempt)
    attempts.observe_request(attempt, ip="10.9.9.9", user_agent="UA", session_token=None)
    attempts.submit(attempt)
    data = assert_in_step(app, application)
    # The short answer waits for its reviewers; the score covers what is scored.
    assert statuses(data)["written_test"] == "partial"
    assert statuses(data)["assessment"] == "complete"
    assert data["stages"]["written_test"]["score"] is not None
    assert "integrity" in flag_codes(data)
    assert data["competencies"]["communication"]["score"] is None  # explain-gd not yet scored

    # The short answer reviewed (75 from both): the written test is complete and explain-gd is
    # evidence for communication.
    review(item_of(candidate, ReviewKind.exam_answer), 4, 4)
    data = assert_in_step(app, application)
    assert statuses(data)["written_test"] == "complete"
    evidence = data["competencies"]["communication"]["evidence"]
    assert {
        "source": "exam",
        "label": "explain-gd",
        "title": "Short answer · 简答题",  # the question's section: what people call it
        "score": 75.0,
        "weight": 10.0,
    } in evidence

    # The annotation rationale reviewed: evidence for annotation quality.
    review(item_of(candidate, ReviewKind.exam_rationale), 3, 3)
    data = assert_in_step(app, application)
    labels = [e["label"] for e in data["competencies"]["annotation-quality"]["evidence"]]
    assert "behaviour-labels rationale" in labels
    rationale = next(
        e for e in data["competencies"]["annotation-quality"]["evidence"] if "part" in e
    )
    assert evidence_name(rationale) == "Annotation-rule design · 标注规则设计 · rationale"
    with force_locale("zh_Hans"):
        assert evidence_name(rationale) == "Annotation-rule design · 标注规则设计 · 理由说明"

    # A portfolio case reviewed: the portfolio stage is scored, its criteria are evidence.
    first = portfolio_item(candidate, "Search relevance")
    review(first, 4, 4)
    data = assert_in_step(app, application)
    assert data["stages"]["portfolio"]["score"] == 75.0
    assert statuses(data)["portfolio"] == "complete"
    business = data["competencies"]["business"]["evidence"]
    assert {e["label"] for e in business} == {"problem-framing", "measured-impact"}
    assert {e["title"] for e in business} == {
        "Problem framing and business goal · 问题定义与业务目标",
        "Evidence of impact, and how it was measured · 效果证据及衡量方法",
    }

    # A second case on which the reviewers disagree (0 against 100): flagged, a tie-break
    # reviewer is added, and the portfolio waits for it.
    second = portfolio_item(candidate, "Query labelling")
    review(second, 1, 5)
    db.session.refresh(second)
    assert second.flagged
    data = assert_in_step(app, application)
    assert "disagreement" in flag_codes(data)
    assert statuses(data)["portfolio"] == "partial"
    review(second, 3)  # the tie-break: the median of 0, 50 and 100 is 50
    data = assert_in_step(app, application)
    assert statuses(data)["portfolio"] == "complete"
    assert data["stages"]["portfolio"]["score"] == 62.5  # (75 + 50) / 2
    assert "disagreement" in flag_codes(data)  # still open for someone to look at

    # An interview scheduled, then scored by one and then both of the panel.
    interview = schedule_interview(job, candidate, people)
    data = assert_in_step(app, application)
    assert statuses(data)["interview"] == "pending"
    score_interview(interview, people["ann"], 4, communication=2)
    data = assert_in_step(app, application)
    assert statuses(data)["interview"] == "partial"
    assert data["stages"]["interview"]["score"] == 75.0  # (4 - 1) / 4 * 100
    score_interview(interview, people["bob"], 3, communication=2)
    data = assert_in_step(app, application)
    assert statuses(data)["interview"] == "complete"
    assert data["stages"]["interview"]["score"] == 62.5  # mean rating 3.5
    assert data["stages"]["interview"]["detail"]["text"] == "2 of 2 scorecards: Yes, Yes"
    with force_locale("zh_Hans"):
        # The verdicts are in the reader's language too, not English inside Chinese.
        detail = explain(data["stages"]["interview"]["detail"])
        assert "推荐" in detail and "Yes" not in detail, detail
    assert {
        "source": "interview",
        "label": "interview communication",
        "title": "Communication · 沟通表达",
        "score": 25.0,
        "weight": 1.0,
    } in data["competencies"]["communication"]["evidence"]
    assert set(statuses(data).values()) == {"complete"}
    assert data["composite"] is not None

    # Feedback added.
    feedback.add_feedback(candidate, job, people["hr"], "strong technically", ip="10.0.0.4")
    data = assert_in_step(app, application)
    assert [(f["source"], f["author"], f["text"]) for f in data["feedback"]] == [
        ("hr", "王芳", "strong technically")
    ]


def test_a_new_profile_version_recomputes_every_scorecard(
    app: Flask, people: dict[str, User], job: Job
) -> None:
    application = invite(job, people["hr"], "李娜", "li@example.com")
    candidate = application.candidate
    attempt = attempts.start_attempt(candidate, exam())
    answer_exam(attempt)
    attempts.submit(attempt)
    review(item_of(candidate, ReviewKind.exam_answer), 5, 5)
    review(portfolio_item(candidate, "Search relevance"), 4, 4)
    before = assert_in_step(app, application)
    assert before["profile_version"] == 1
    assert before["composite"] is not None
    scored = {key: s["score"] for key, s in before["stages"].items() if s["score"] is not None}
    assert set(scored) == {"written_test", "portfolio", "assessment"}  # no interview yet

    definition = job_service.definition_of(job)
    assert definition is not None
    weights = {
        Stage.written_test: 10.0,
        Stage.portfolio: 60.0,
        Stage.interview: 20.0,
        Stage.assessment: 10.0,
    }
    changed = dataclasses.replace(definition, stages=tuple(weights.items()))
    profile = job_service.save_profile(changed, job=job, by=people["hr"])
    assert profile.version == 2

    after = assert_in_step(app, application)
    assert after["profile_version"] == 2
    assert {key: s["weight"] for key, s in after["stages"].items()} == {
        key.value: weight for key, weight in weights.items()
    }
    # Reweighted over the scored stages (the interview is missing).
    present = {key: weights[Stage(key)] for key in scored}
    expected = sum(present[key] * scored[key] for key in scored) / sum(present.values())
    assert after["composite"] == pytest.approx(expected, abs=0.051)
    assert after["composite"] != before["composite"]
    card = db.session.scalars(sa.select(CandidateScorecard)).one()
    assert card.profile_id == profile.id

    # Saving the same content again adds no version and leaves the scorecard as it was.
    assert job_service.save_profile(changed, job=job, by=people["hr"]).id == profile.id
    count = sa.select(sa.func.count(JobProfile.id)).where(JobProfile.job_id == job.id)
    assert db.session.scalar(count) == 2
    assert assert_in_step(app, application)["profile_version"] == 2


def test_a_salary_expectation_above_the_budget_raises_over_budget(
    app: Flask, people: dict[str, User], job: Job
) -> None:
    application = invite(job, people["hr"], "张伟", "zhang@example.com")
    assert "over_budget" not in flag_codes(assert_in_step(app, application))

    # 240,000 a year is 20,000 a month: within the budget of up to 22,000 a month.
    application.salary_expectation = {"min": 240000, "max": 260000, "period": "year"}
    scorecards.refresh(application)
    db.session.commit()
    assert "over_budget" not in flag_codes(assert_in_step(app, application))

    application.salary_expectation = {"min": 30000, "max": 35000, "period": "month"}
    scorecards.refresh(application)
    db.session.commit()
    data = assert_in_step(app, application)
    over = [f for f in data["flags"] if f["code"] == "over_budget"]
    assert len(over) == 1
    assert "30000" in over[0]["message"] and "22000" in over[0]["message"]
    # A negotiation, not a verdict: the flag alone never decides the recommendation.
    assert data["recommendation"]["code"] == "hold"


def test_a_new_portfolio_case_puts_the_portfolio_stage_at_pending(
    app: Flask, people: dict[str, User], job: Job
) -> None:
    application = invite(job, people["hr"], "张伟", "zhang@example.com")
    portfolio_item(application.candidate, "Search relevance")
    assert statuses(assert_in_step(app, application))["portfolio"] == "pending"


# ------------------------------------------------------------------ exports and the API


def test_require_model_refuses_a_job_without_a_profile(people: dict[str, User], job: Job) -> None:
    bare = job_service.get_or_create("Warehouse lead · 仓库主管")
    db.session.commit()
    with pytest.raises(scorecards.ExportError) as raised:
        scorecards.require_model(bare)
    message = str(raised.value)
    assert "Warehouse lead · 仓库主管" in message and "no competency model" in message
    assert "job profile" in message
    with pytest.raises(scorecards.ExportError):
        scorecards.api_payload(bare)
    assert scorecards.require_model(job).id == "ai-trainer-ecommerce"


def test_api_payload_lists_each_candidate_best_first(
    app: Flask, people: dict[str, User], job: Job
) -> None:
    strong = invite(job, people["hr"], "Strong", "strong@example.com")
    weak = invite(job, people["hr"], "Weak", "weak@example.com")
    unscored = invite(job, people["hr"], "Unscored", "unscored@example.com")
    review(portfolio_item(strong.candidate, "Case A"), 5, 5)
    review(portfolio_item(weak.candidate, "Case B"), 2, 2)

    payload = scorecards.api_payload(job)
    assert (payload["job_id"], payload["job_title"], payload["profile_version"]) == (
        job.id,
        "AI Trainer — e-commerce",
        1,
    )
    candidates = payload["candidates"]
    assert [c["name"] for c in candidates] == ["Strong", "Weak", "Unscored"]
    assert [c["composite"] for c in candidates] == [100.0, 25.0, None]
    for entry, application in zip(candidates, (strong, weak, unscored), strict=True):
        data = assert_in_step(app, application)
        assert set(entry) == {
            "candidate_id",
            "name",
            "stages",
            "competencies",
            "composite",
            "coverage",
            "recommendation",
            "flags",
            "profile_version",
        }
        assert entry["candidate_id"] == application.candidate_id
        assert entry["composite"] == data["composite"]
        assert entry["profile_version"] == 1
        assert list(entry["stages"]) == ["written_test", "portfolio", "interview", "assessment"]
        assert entry["stages"]["portfolio"] == {
            "score": data["stages"]["portfolio"]["score"],
            "status": data["stages"]["portfolio"]["status"],
            "weight": 30.0,
        }
        assert entry["competencies"] == {key: c["score"] for key, c in data["competencies"].items()}
        assert entry["recommendation"] == {
            "code": data["recommendation"]["code"],
            "label": data["recommendation"]["label"],
            "reasons": data["recommendation"]["reasons"],
        }
        assert entry["flags"] == [
            {"code": f["code"], "message": f["message"]} for f in data["flags"]
        ]
    json.dumps(payload)


def test_api_ranks_complete_records_before_a_partial_composite(
    app: Flask, people: dict[str, User], job: Job
) -> None:
    """A composite standing on one stage (75 from the interview alone) ranks after a complete
    record with a lower composite, and says what it stands on."""
    definition = job_service.definition_of(job)
    assert definition is not None
    two_stages = dataclasses.replace(
        definition,
        stages=((Stage.portfolio, 50.0), (Stage.interview, 50.0)),
        cutoffs=dataclasses.replace(definition.cutoffs, stages=()),
    )
    job_service.save_profile(two_stages, job=job, by=people["hr"])
    full = invite(job, people["hr"], "Full", "full@example.com")
    solo = invite(job, people["hr"], "Solo", "solo@example.com")
    invite(job, people["hr"], "Nothing", "nothing@example.com")
    review(portfolio_item(full.candidate, "Case A"), 3, 3)
    for application, rating in ((full, 3), (solo, 4)):
        interview = interviews.schedule(
            db.session.scalars(sa.select(InterviewKit)).first()
            or interviews.create_kit(job, "b-1", "Behavioural", KIT_QUESTIONS, by=people["hr"]),
            application.candidate,
            [people["ann"]],
            None,
            by=people["hr"],
        )
        score_interview(interview, people["ann"], rating, communication=rating)

    candidates = scorecards.api_payload(job)["candidates"]
    assert [c["name"] for c in candidates] == ["Full", "Solo", "Nothing"]
    assert [c["composite"] for c in candidates] == [50.0, 75.0, None]
    assert [c["coverage"] for c in candidates] == [
        {"scored": 2, "stages": 2, "partial": False},
        {"scored": 1, "stages": 2, "partial": True},
        {"scored": 0, "stages": 2, "partial": False},
    ]
    assert assert_in_step(app, solo)["coverage"] == candidates[1]["coverage"]


def test_recompute_command_brings_stale_scorecards_back(
    app: Flask, runner: FlaskCliRunner, people: dict[str, User], job: Job
) -> None:
    application = invite(job, people["hr"], "张伟", "zhang@example.com")
    review(portfolio_item(application.candidate, "Case A"), 4, 4)
    good = assert_in_step(app, application)

    # A restored backup: the stored scorecard no longer matches its inputs.
    card = db.session.scalars(sa.select(CandidateScorecard)).one()
    card.data = {**card.data, "composite": 1.0, "stages": {}}
    card.composite, card.recommendation = 1.0, "reject"
    db.session.commit()
    with pytest.raises(AssertionError):
        assert_in_step(app, application)

    result = runner.invoke(args=["scorecards", "recompute"])
    assert result.exit_code == 0, result.output
    assert f"job {job.id} 'AI Trainer — e-commerce': recomputed" in result.output
    assert assert_in_step(app, application) == good

    only = runner.invoke(args=["scorecards", "recompute", "--job", str(job.id)])
    assert only.exit_code == 0 and "recomputed" in only.output
    missing = runner.invoke(args=["scorecards", "recompute", "--job", "9999"])
    assert missing.exit_code != 0 and "no job with id 9999" in missing.output
