"""Attempts: server-side timing, one open attempt, saving and validation, integrity signals,
grading on submit, and the results policy. The coding part runs in the real sandbox in
tests/web and tests/browser; here it is checked up to the grading job it creates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm.attributes import set_committed_value

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.exams.questions import AnswerError
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import (
    Answer,
    AnswerState,
    Attempt,
    AttemptStatus,
    AuditEvent,
    Exam,
    GradingJob,
    Role,
    User,
)
from hirebench.models.base import utcnow
from tests.exams import copy_fixture


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # No grading threads: these tests look at the jobs, not at the sandbox.
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def ctx(app: Flask, make_user: Any, tmp_path: Any) -> Iterator[dict[str, Any]]:
    candidate = make_user(Role.candidate, email="cand@example.com")
    other = make_user(Role.candidate, email="other@example.com")
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        yield {
            "candidate": db.session.get(User, candidate.id),
            "other": db.session.get(User, other.id),
            "exam": db.session.scalars(sa.select(Exam)).one(),
        }
        grading_queue.shutdown(app)


def start(ctx: dict[str, Any], **kw: Any) -> Attempt:
    return attempts.start_attempt(
        ctx["candidate"], ctx["exam"], ip="10.0.0.1", user_agent="UA", **kw
    )


def test_start_sets_deadline_and_variant(ctx: dict[str, Any]) -> None:
    now = utcnow()
    attempt = attempts.start_attempt(ctx["candidate"], ctx["exam"], now=now)
    assert attempt.deadline_at == now + timedelta(minutes=30)
    definition = attempts.definition_of(attempt)
    expected = {
        section.id: section.draw or len(section.questions) for section in definition.sections
    }
    drawn = {section.id: 0 for section in definition.sections}
    for question_id in attempt.question_ids:
        section = next(
            s for s in definition.sections if any(q.id == question_id for q in s.questions)
        )
        drawn[section.id] += 1
    assert drawn == expected  # pools give each candidate a seeded sample
    again = attempts.start_attempt(ctx["candidate"], ctx["exam"])
    assert again.id == attempt.id and again.question_ids == attempt.question_ids  # resumed


def test_extra_time_factor_extends_the_deadline(ctx: dict[str, Any]) -> None:
    ctx["candidate"].extra_time_factor = 1.5
    db.session.commit()
    now = utcnow()
    attempt = start(ctx, now=now)
    assert attempt.deadline_at == now + timedelta(minutes=45)


def test_one_open_attempt_enforced_by_the_database(ctx: dict[str, Any]) -> None:
    first = start(ctx)
    duplicate = Attempt(
        candidate_id=first.candidate_id,
        exam_id=first.exam_id,
        exam_version_id=first.exam_version_id,
        seed="x",
        question_ids=[],
        deadline_at=first.deadline_at,
    )
    db.session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_answers_save_validate_and_count_revisions(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    answer = attempts.save_answer(attempt, "gd-step", "a")
    assert answer.revision == 1
    answer = attempts.save_answer(attempt, "gd-step", "b")
    assert answer.revision == 2 and answer.value == "b"
    with pytest.raises(AnswerError):
        attempts.save_answer(attempt, "gd-step", "zz-tampered")
    with pytest.raises(AnswerError):
        attempts.save_answer(attempt, "explain-gd", "x" * 600)
    with pytest.raises(AnswerError, match="larger than"):
        attempts.save_answer(attempt, "explain-gd", "x" * 300_000)
    with pytest.raises(attempts.AttemptError, match="not part of this exam"):
        attempts.save_answer(attempt, "no-such-question", "a")
    db.session.refresh(answer)
    assert answer.value == "b" and answer.revision == 2


def test_save_after_deadline_is_refused_and_submits_at_the_deadline(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "gd-step", "a")
    attempt.deadline_at = utcnow() - timedelta(minutes=3)
    db.session.commit()
    with pytest.raises(attempts.AttemptClosed):
        attempts.save_answer(attempt, "gd-step", "b")
    assert attempt.status is not AttemptStatus.in_progress
    assert attempt.submitted_at == attempt.deadline_at and attempt.auto_submitted
    assert attempts.answers_by_question(attempt)["gd-step"].value == "a"


def test_sweeper_closes_abandoned_attempts_at_their_deadline(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    deadline = utcnow() - timedelta(hours=2)
    attempt.deadline_at = deadline
    db.session.commit()
    assert attempts.expire_overdue() == 1
    db.session.refresh(attempt)
    assert attempt.submitted_at == deadline and attempt.auto_submitted
    assert attempts.expire_overdue() == 0


def test_submit_grades_automatic_parts_and_queues_code(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "gd-step", "a")
    attempts.save_answer(attempt, "overfit-signs", ["a", "c"])
    attempts.save_answer(attempt, "f1-value", "0.82")
    attempts.save_answer(attempt, "explain-gd", "Step against the gradient, scaled by a rate.")
    attempts.save_answer(attempt, "add-task", "def add(x):\n    return x + 1\n")
    attempts.submit(attempt)
    answers = attempts.answers_by_question(attempt)
    assert answers["gd-step"].points == 2
    assert answers["overfit-signs"].points == pytest.approx(0.0)  # one right, one wrong
    assert answers["f1-value"].points == pytest.approx(1.0)  # inside the partial band
    assert answers["explain-gd"].state == "awaiting_review"
    coding = answers["add-task"]
    assert coding.state == "grading"
    job = db.session.get(GradingJob, coding.grading_job_id)
    assert job is not None and job.grader_ref == f"attempt-answer:{coding.id}"
    assert attempts.grader_for_ref(job.grader_ref) is not None
    assert attempt.status is AttemptStatus.submitted  # still grading the code
    view = attempts.result_view(attempt)
    assert view.show_score is False and view.pending  # after_review policy


def test_answer_states_are_the_enum_in_the_database_too(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "gd-step", "a")
    assert attempts.answers_by_question(attempt)["gd-step"].state is AnswerState.saved
    attempts.save_answer(attempt, "explain-gd", "Step against the gradient, scaled by a rate.")
    attempts.submit(attempt)
    db.session.expire_all()  # read back what was stored, not the objects in memory
    stored = dict(db.session.execute(sa.select(Answer.question_id, Answer.state)).all())
    assert (stored["gd-step"], stored["explain-gd"]) == (
        AnswerState.scored,
        AnswerState.awaiting_review,
    )
    assert all(type(state) is AnswerState for state in stored.values())
    # Still the plain strings the column always held, so no migration was needed.
    raw = db.session.execute(sa.text("SELECT DISTINCT state FROM answers")).scalars().all()
    assert sorted(raw) == ["awaiting_review", "scored"]


def test_coding_result_is_taken_in(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "add-task", "def add(x):\n    return x + 1\n")
    attempts.submit(attempt)
    coding = attempts.answers_by_question(attempt)["add-task"]
    job = db.session.get(GradingJob, coding.grading_job_id)
    assert job is not None
    job.status = type(job.status)("done")
    job.result = {
        "status": "graded",
        "total": 1.0,
        "max_total": 2.0,
        "tests": [
            {"id": "v", "status": "passed", "hidden": False, "points": 1, "max_points": 1},
            {"id": "h", "status": "failed", "hidden": True, "points": 0, "max_points": 1},
        ],
    }
    db.session.commit()
    attempts.sync_coding_results(attempt)
    question = attempts.definition_of(attempt).question("add-task")
    grader_max = question.spec.grader_max_points  # the share is of the grader's own points
    assert coding.state == "scored"
    assert coding.points == pytest.approx(question.points * 1.0 / grader_max)
    assert [t["id"] for t in coding.detail["result"]["tests"]] == ["v"]  # hidden stay hidden


def test_integrity_events_are_recorded_and_summarised(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    for _ in range(5):
        attempts.record_event(attempt, "focus_lost")
    attempts.record_event(attempt, "paste", {"size": 800, "evil": "x" * 10_000})
    attempts.observe_request(attempt, ip="10.9.9.9", user_agent="UA", session_token="other")
    attempts.observe_request(attempt, ip="10.9.9.9", user_agent="UA", session_token="other")
    summary = attempts.integrity_summary(attempt)
    assert summary["counts"]["ip_changed"] == 1 and summary["counts"]["second_session"] == 1
    assert set(summary["flags"]) == {
        "ip_changed",
        "second_session",
        "frequent_focus_loss",
        "large_pastes",
    }
    paste = next(e for e in attempt.events if e.kind == "paste")
    assert paste.detail == {"size": 800}
    with pytest.raises(attempts.AttemptError):
        attempts.record_event(attempt, "made_up")
    with pytest.raises(attempts.AttemptError):  # a kind from JSON may be a list
        attempts.record_event(attempt, ["paste"])  # type: ignore[arg-type]
    assert attempt.status is AttemptStatus.in_progress  # signals never fail an attempt


def test_another_candidates_attempt_is_not_found_and_logged(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    assert attempts.attempt_for(ctx["other"], attempt.id, ip="1.2.3.4") is None
    assert attempts.attempt_for(ctx["candidate"], attempt.id) is attempt
    denied = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "attempt.denied")
    ).one()
    assert denied.actor_email == "other@example.com" and denied.detail["attempt_id"] == attempt.id


def test_visible_test_runs_are_rate_limited(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "add-task", "def add(x):\n    return x\n")
    job = attempts.run_visible_tests(attempt, "add-task")
    assert job.mode.value == "visible"
    # A typed error, so the web answers 429 without comparing (translated) messages.
    with pytest.raises(attempts.RateLimited, match="wait"):
        attempts.run_visible_tests(attempt, "add-task")
    with pytest.raises(attempts.AttemptError, match="Only coding") as refused:
        attempts.run_visible_tests(attempt, "gd-step")
    assert not isinstance(refused.value, attempts.RateLimited)


def test_the_last_visible_run_is_a_rate_limit(
    ctx: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attempts, "MAX_RUNS_PER_QUESTION", 1)
    attempt = start(ctx)
    attempts.save_answer(attempt, "add-task", "def add(x):\n    return x\n")
    attempts.run_visible_tests(attempt, "add-task")
    later = utcnow() + attempts.RUN_COOLDOWN * 2
    with pytest.raises(attempts.RateLimited, match="used all test runs"):
        attempts.run_visible_tests(attempt, "add-task", now=later)


def test_results_policy_immediate(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "gd-step", "a")
    attempts.submit(attempt)
    definition = attempts.definition_of(attempt)
    object.__setattr__(definition, "results_policy", type(definition.results_policy)("immediate"))
    try:
        view = attempts.result_view(attempt)
        assert view.show_score and view.score == 2
        assert view.passed is False  # 2 of the whole exam is below the cut-off
    finally:
        object.__setattr__(
            definition, "results_policy", type(definition.results_policy)("after_review")
        )


def test_concurrent_close_grades_once(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "gd-step", "a")
    # Another process (the sweeper) closed it first; this process still holds the old state.
    db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id).values(status=AttemptStatus.submitted)
    )
    db.session.commit()
    # The stale in-memory view, without marking it as a change to write back.
    set_committed_value(attempt, "status", AttemptStatus.in_progress)
    attempts.submit(attempt)
    assert attempt.status is AttemptStatus.submitted
    assert attempts.answers_by_question(attempt)["gd-step"].state == "saved"  # not graded twice


def test_no_verdict_until_every_answer_is_final(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.save_answer(attempt, "gd-step", "a")
    attempts.save_answer(attempt, "explain-gd", "Step against the gradient, scaled by a rate.")
    attempts.save_answer(attempt, "add-task", "def add(x):\n    return x + 1\n")
    attempts.submit(attempt)
    definition = attempts.definition_of(attempt)
    object.__setattr__(definition, "results_policy", type(definition.results_policy)("immediate"))
    try:
        assert attempts.progress(attempt) == "grading"
        view = attempts.result_view(attempt)
        assert view.show_score and view.pending and view.passed is None
        assert (view.grading, view.awaiting_review) == (1, 1)
        # The code is graded; the written answer still waits for a reviewer.
        coding = attempts.answers_by_question(attempt)["add-task"]
        coding.state, coding.points = AnswerState.scored, 0.0
        attempts.refresh_score(attempt)
        assert attempt.status is AttemptStatus.graded  # the model's status runs ahead
        assert attempts.progress(attempt) == "awaiting_review"
        assert attempts.result_view(attempt).passed is None
        written = attempts.answers_by_question(attempt)["explain-gd"]
        written.state, written.points = AnswerState.scored, 1.0
        attempts.refresh_score(attempt)
        assert attempts.progress(attempt) == "graded"
        view = attempts.result_view(attempt)
        assert not view.pending and view.passed is False
    finally:
        object.__setattr__(
            definition, "results_policy", type(definition.results_policy)("after_review")
        )


def test_a_closed_attempt_says_why_it_is_closed(ctx: dict[str, Any]) -> None:
    attempt = start(ctx)
    attempts.submit(attempt)
    with pytest.raises(attempts.AttemptClosed, match="already submitted"):
        attempts.save_answer(attempt, "gd-step", "a")
    late = attempts.start_attempt(ctx["other"], ctx["exam"])
    late.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(attempts.AttemptClosed, match="time for this exam is over"):
        attempts.save_answer(late, "gd-step", "a")
