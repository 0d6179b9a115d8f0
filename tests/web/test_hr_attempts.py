from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import AnswerState, Attempt, AttemptStatus, Exam, Role, User
from hirebench.paths import PROJECT_ROOT


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0}


@pytest.fixture
def attempt_id(app: Flask, make_user: Any) -> Any:
    candidate = make_user(Role.candidate, email="c@example.com", name="韩梅梅 <b>")
    with app.app_context():
        load_exam(PROJECT_ROOT / "exams" / "ai-trainer-ecommerce", PROJECT_ROOT / "graders")
        exam = db.session.scalars(sa.select(Exam)).one()
        user = db.session.get(User, candidate.id)
        attempt = attempts.start_attempt(user, exam, ip="10.0.0.1", user_agent="UA")
        first = attempt.question_ids[0]
        attempts.record_event(attempt, "paste", {"size": 900})
        attempts.record_event(attempt, "tab_hidden")
        attempts.observe_request(attempt, ip="10.0.0.2", user_agent="UA", session_token=None)
        yield attempt.id, first
        grading_queue.shutdown(app)


def test_hr_sees_attempts_with_flags_and_timeline(client, auth, make_user, attempt_id) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    auth.login(hr.email)
    listing = client.get("/hr/attempts").get_data(as_text=True)
    assert "韩梅梅 &lt;b&gt;" in listing and "flagged" in listing
    # Flags in words, not codes.
    assert "Pasted 900 characters in all" in listing and "The network address changed" in listing
    assert "large_pastes," not in listing and ": large_pastes" not in listing
    detail = client.get(f"/hr/attempts/{attempt_id[0]}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "never fail it" in html
    assert re.search(r'data-signal="paste"><td>[\d:]+</td><td>Pasted 900 characters</td>', html)
    assert re.search(
        r'data-signal="tab_hidden"><td>[\d:]+</td><td>Left the exam tab</td><td></td>', html
    )
    assert "The network address changed</td><td>New address: 10.0.0.2</td>" in html
    assert "{&#34;size&#34;: 900}" not in html and "{}" not in html  # no raw JSON details
    assert client.get("/hr/attempts/99999").status_code == 404


def test_candidates_cannot_see_hr_attempt_pages(client, auth, attempt_id) -> None:  # type: ignore[no-untyped-def]
    auth.login("c@example.com")
    assert client.get("/hr/attempts").status_code == 403
    assert client.get(f"/hr/attempts/{attempt_id[0]}").status_code == 403


def test_hr_attempt_page_renders_prompts_and_option_texts(  # type: ignore[no-untyped-def]
    app, client, auth, make_user, attempt_id
) -> None:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id[0])
        assert attempt is not None
        definition = attempts.definition_of(attempt)
        by_type: dict[str, Any] = {}
        for question_id in attempt.question_ids:
            by_type.setdefault(
                definition.question(question_id).type, definition.question(question_id)
            )
        single, multiple = by_type["single_choice"], by_type["multiple_choice"]
        reasoning = by_type["assessment"]
        options = {q.id: list(q.spec.options) for q in (single, multiple, reasoning)}
        attempts.save_answer(attempt, single.id, options[single.id][1].id)
        picked = [options[multiple.id][0].id, options[multiple.id][2].id]
        attempts.save_answer(attempt, multiple.id, picked)
        attempts.save_answer(attempt, reasoning.id, options[reasoning.id][0].id)
        attempts.submit(attempt)
    auth.login(make_user(Role.hr).email)
    html = client.get(f"/hr/attempts/{attempt_id[0]}").get_data(as_text=True)

    def section(question_id: str) -> str:
        start = html.index(f'data-question="{question_id}"')
        return html[start : html.index("</section>", start)]

    chosen = re.compile(r"<p data-chosen>Answer: (.*?)</p>", re.S)
    for question, picks in (
        (single, [options[single.id][1]]),
        (multiple, [options[multiple.id][0], options[multiple.id][2]]),
        (reasoning, [options[reasoning.id][0]]),
    ):
        match = chosen.search(section(question.id))
        assert match, question.id
        assert match.group(1) == "; ".join(str(escape(o.text)) for o in picks)
    # The prompt is Markdown rendered as on the candidate's page; the CSV is folded away.
    coding = section("clean-behaviour-logs")
    assert "<h4>Task 1: <code>clean_events(path)</code></h4>" in coding
    assert '<details class="data-block"><summary>Show ' in coding
    assert "**" not in coding and "```" not in coding
    assert "Answer: <code>" not in html  # no raw option ids or JSON as the answer


def test_hr_status_says_graded_only_when_every_answer_is_final(  # type: ignore[no-untyped-def]
    client, auth, make_user, attempt_id
) -> None:
    """HR reads the same progress as the candidate: a sandbox-graded attempt whose written
    answers await the reviewers is not yet "graded". (The attempt_id fixture keeps an app
    context open, which the test client's requests share, so changes go through its session.)"""
    auth.login(make_user(Role.hr).email)

    def status_line() -> str:
        html = client.get(f"/hr/attempts/{attempt_id[0]}").get_data(as_text=True)
        found = re.search(r"<p>Status: ([^<·\n]+)", html)
        assert found is not None
        return found.group(1).strip()

    assert status_line() == "in progress"
    attempt = db.session.get(Attempt, attempt_id[0])
    assert attempt is not None
    attempts.save_answer(attempt, attempt_id[1], attempts_answer_for(attempt, attempt_id[1]))
    db.session.commit()
    attempts.submit(attempt)
    attempt.status = AttemptStatus.graded
    # "graded" is the attempt's progress word; a final answer is "scored" (AnswerState).
    for answer in attempt.answers:
        answer.state = AnswerState.scored
    attempt.answers[0].state, attempt.answers[0].grading_job_id = AnswerState.grading, None
    db.session.commit()
    assert status_line() == "submitted, grading"
    attempt.answers[0].state = AnswerState.awaiting_review
    db.session.commit()
    assert status_line() == "awaiting review"
    assert "awaiting review" in client.get("/hr/attempts").get_data(as_text=True)
    attempt.answers[0].state = AnswerState.scored
    db.session.commit()
    assert status_line() == "graded"


def attempts_answer_for(attempt: Attempt, question_id: str) -> Any:
    """Some valid answer to the question, from the type's own example."""
    question = attempts.definition_of(attempt).question(question_id)
    return {"short_answer": "an answer"}.get(question.type, "x = 1")
