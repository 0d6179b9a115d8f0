"""The candidate's side of a timed exam through the Flask test client: the exams list, consent,
starting and resuming, autosave of every question type, bad input, the server-side deadline,
integrity signals, visible test runs and the result page under each results policy.

Grading jobs run in the embedded queue with a small in-process grader instead of the Docker
sandbox (the browser tests grade in the real sandbox)."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.exams.attempts import MAX_ANSWER_BYTES, integrity_summary, refresh_score
from hirebench.exams.loader import load_exam
from hirebench.exams.prompts import render_prompt
from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading import queue as gq
from hirebench.grading.result import GradeResult, ResultStatus, TestResult, TestStatus
from hirebench.models import (
    Answer,
    Attempt,
    AttemptStatus,
    AuditEvent,
    GradingJob,
    IntegrityEvent,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from tests.conftest import AuthActions, csrf_from

FIXTURES = PROJECT_ROOT / "tests" / "exams" / "fixtures"
MINI = FIXTURES / "exams" / "mini"
GRADERS = FIXTURES / "graders"
SAMPLE = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HIDDEN_SECRET = "SECRET-HIDDEN-MESSAGE"

# One valid answer per question of the mini exam (the assessment pool draws 2 of 3).
ANNOTATION_RULES = [
    {"conditions": [{"field": "action", "op": "eq", "value": "pay"}], "label": "purchase"},
    {"conditions": [{"field": "action", "op": "eq", "value": "click"}], "label": "click"},
    {"conditions": [], "label": "browse"},
]
VALID: dict[str, Any] = {
    "add-task": "def add(x):\n    return x + 10\n",
    "gd-step": "a",
    "overfit-signs": ["b", "a"],
    "f1-value": "0.8",
    "explain-gd": "Step against the gradient, scaled by the learning rate. 中文也可以。",
    "event-labels": {"rules": ANNOTATION_RULES, "rationale": "Payments are purchases."},
    "logic-1": "b",
    "logic-2": "b",
    "logic-3": "b",
}


def fake_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """One visible test that passes when the code adds 10, and a hidden one whose message
    must never reach the candidate."""
    right = b"x + 10" in submission
    status = TestStatus.passed if right else TestStatus.failed
    tests = [
        TestResult("adds", 1.0 if right else 0.0, 1.0, status, "" if right else "add(1) is not 11"),
        TestResult("secret", 0.0, 2.0, TestStatus.failed, HIDDEN_SECRET, hidden=True),
    ]
    total = sum(t.points for t in tests)
    return GradeResult(ResultStatus.graded, total, 3.0, tests, mode=mode)


@pytest.fixture(autouse=True)
def _grader(app: Flask) -> Iterator[None]:
    claims.set_grader(fake_grader)
    yield
    gq.shutdown(app)
    claims.set_grader(None)


def _load(app: Flask, folder: Path, graders: Path = GRADERS) -> str:
    with app.app_context():
        return load_exam(folder, graders).exam.slug


def _exam_copy(tmp_path: Path, name: str, **changes: str) -> Path:
    """The mini exam under another id, with top-level keys replaced (e.g. results_policy)."""
    folder = tmp_path / name
    shutil.copytree(MINI, folder)
    text = (folder / "exam.yaml").read_text().replace("id: mini\n", f"id: {name}\n", 1)
    for key, value in changes.items():
        text, count = re.subn(rf"^{key}: .*$", f"{key}: {value}", text, count=1, flags=re.M)
        assert count == 1, key
    (folder / "exam.yaml").write_text(text)
    return folder


@pytest.fixture
def mini(app: Flask) -> str:
    return _load(app, MINI)


@pytest.fixture
def candidate(make_user: Callable[..., User], auth: AuthActions) -> User:
    user = make_user(Role.candidate, name="王芳")
    assert auth.login(user.email).status_code == 302
    return user


def _token(client: FlaskClient, url: str = "/exam/") -> str:
    match = META_CSRF.search(client.get(url).get_data(as_text=True))
    assert match, "page has no csrf-token meta"
    return match.group(1)


def _start(client: FlaskClient, slug: str) -> int:
    page = client.get(f"/exam/exams/{slug}")
    assert page.status_code == 200
    response = client.post(
        f"/exam/exams/{slug}",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "consent": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/exam/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


class Api:
    """The exam page's JSON calls, with the CSRF header the page's script sends."""

    def __init__(self, client: FlaskClient, attempt_id: int) -> None:
        self.client = client
        self.base = f"/exam/attempts/{attempt_id}"
        self.token = _token(client)

    def post(self, path: str, body: Any = None, *, data: bytes | None = None) -> Any:
        headers = {"X-CSRFToken": self.token}
        if data is not None:
            return self.client.post(
                self.base + path, data=data, headers=headers, content_type="application/json"
            )
        return self.client.post(self.base + path, json=body, headers=headers)

    def save(self, question_id: str, value: Any) -> Any:
        return self.post(f"/answers/{question_id}", {"value": value})


def _attempt(app: Flask, attempt_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        db.session.expunge(attempt)
        return attempt


def _answers(app: Flask, attempt_id: int) -> dict[str, tuple[Any, int]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt_id))
        return {a.question_id: (a.value, a.revision) for a in rows}


def _set_deadline(app: Flask, attempt_id: int, delta: timedelta) -> None:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.deadline_at = utcnow() + delta
        db.session.commit()


# ------------------------------------------------------------------------------ list, consent


def test_home_lists_exams_with_the_candidates_state(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    html = client.get("/exam/").get_data(as_text=True)
    assert 'data-exam="mini" data-state="not_started"' in html
    assert 'href="/exam/exams/mini"' in html
    attempt_id = _start(client, mini)
    html = client.get("/exam/").get_data(as_text=True)
    assert 'data-state="in_progress"' in html and "30 min left" in html
    assert f'href="/exam/attempts/{attempt_id}"' in html
    _submit(client, attempt_id)
    html = client.get("/exam/").get_data(as_text=True)
    # Nothing was answered, so nothing waits for the sandbox: every automatic part is graded.
    assert _attempt(app, attempt_id).status is AttemptStatus.graded
    assert 'data-state="graded"' in html and "View result" in html
    assert f'href="/exam/attempts/{attempt_id}/result"' in html


def test_consent_must_be_ticked(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    page = client.get("/exam/exams/mini")
    html = page.get_data(as_text=True)
    for recorded in ("loses focus", "paste", "full screen", "network address", "second session"):
        assert recorded in html
    assert "never fail an attempt by themselves" in html
    response = client.post("/exam/exams/mini", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 400
    assert "Tick the box" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    # And without the form's CSRF token nothing starts either.
    assert client.post("/exam/exams/mini", data={"consent": "y"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0


IMMEDIATE_SENTENCE = "Your points are shown as each answer is graded; whether you passed"
AFTER_REVIEW_SENTENCE = "Your score and whether you passed are shown once every answer"
NEVER_SENTENCE = "Scores of this exam are not shown to candidates."


@pytest.mark.parametrize(
    ("policy", "sentence"),
    [
        ("immediate", IMMEDIATE_SENTENCE),
        ("after_review", AFTER_REVIEW_SENTENCE),
        ("never", NEVER_SENTENCE),
    ],
)
def test_consent_states_the_results_policy_once(
    app: Flask, client: FlaskClient, candidate: User, tmp_path: Path, policy: str, sentence: str
) -> None:
    slug = _load(
        app, _exam_copy(tmp_path, "mini-" + policy.replace("_", "-"), results_policy=policy)
    )
    html = client.get(f"/exam/exams/{slug}").get_data(as_text=True)
    assert sentence in html
    others = {IMMEDIATE_SENTENCE, AFTER_REVIEW_SENTENCE, NEVER_SENTENCE} - {sentence}
    assert not any(other in html for other in others)


def test_the_sample_exams_description_does_not_contradict_its_policy(
    app: Flask, client: FlaskClient, candidate: User
) -> None:
    slug = _load(app, SAMPLE, PROJECT_ROOT / "graders")
    html = client.get(f"/exam/exams/{slug}").get_data(as_text=True)
    assert IMMEDIATE_SENTENCE in html  # the sample shows points at once
    assert "after reviewers" not in html and "as soon as the exam is graded" not in html
    zh = client.get(f"/exam/exams/{slug}", headers={"Accept-Language": "zh-CN"})
    assert "评阅完成后公布成绩" not in zh.get_data(as_text=True)


def test_unknown_exam_is_404(client: FlaskClient, candidate: User) -> None:
    assert client.get("/exam/exams/no-such-exam").status_code == 404


def test_start_then_resume_keeps_one_open_attempt(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    first = _start(client, mini)
    page = client.get("/exam/exams/mini").get_data(as_text=True)
    assert "Continue the exam" in page
    assert _start(client, mini) == first
    with app.app_context():
        attempts = db.session.scalars(sa.select(Attempt)).all()
        assert [a.id for a in attempts] == [first]
        assert attempts[0].status is AttemptStatus.in_progress
        assert attempts[0].deadline_at - attempts[0].started_at == timedelta(minutes=30)
    # The browser session that started it holds its token: no second-session signal.
    assert client.get(f"/exam/attempts/{first}").status_code == 200
    with app.app_context():
        kinds = db.session.scalars(sa.select(IntegrityEvent.kind)).all()
        assert "second_session" not in kinds


def test_a_second_session_is_recorded_but_allowed(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    other = app.test_client()
    AuthActions(other).login(candidate.email)
    assert other.get(f"/exam/attempts/{attempt_id}").status_code == 200
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        summary = integrity_summary(attempt)
        assert summary["counts"].get("second_session") == 1
        assert "second_session" in summary["flags"]
        assert attempt.status is AttemptStatus.in_progress  # a flag, never a failure


def test_extra_time_factor_lengthens_the_deadline(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    with app.app_context():
        user = db.session.get(User, candidate.id)
        assert user is not None
        user.extra_time_factor = 1.5
        db.session.commit()
    assert "45 minutes, including your extra time" in client.get("/exam/exams/mini").get_data(
        as_text=True
    )
    attempt = _attempt(app, _start(client, mini))
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=45)
    assert attempt.extra_time_factor == 1.5


# ------------------------------------------------------------------------------ the exam page


def test_exam_page_renders_every_type_with_timer_and_csp_nonce(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    response = client.get(f"/exam/attempts/{attempt_id}")
    html = response.get_data(as_text=True)
    attempt = _attempt(app, attempt_id)
    for question_id in attempt.question_ids:
        assert f'data-question="{question_id}"' in html
    for kind in ("coding", "single_choice", "multiple_choice", "numeric", "short_answer"):
        assert f'data-type="{kind}"' in html
    assert 'data-type="annotation_rules"' in html and 'data-type="assessment"' in html
    assert "data-deadline-ms=" in html and "data-server-now-ms=" in html
    assert 'type="radio"' in html and 'type="checkbox"' in html
    assert '<textarea name="code"' in html and "data-code-editor" in html
    assert "def add(x):" in html  # the starter code
    assert 'data-run-tests="add-task"' in html
    assert 'maxlength="500"' in html  # the short answer's limit
    assert "<script>" not in html  # no inline scripts: the CSP forbids them
    nonce = re.search(r'<meta name="csp-nonce" content="([^"]+)"', html)
    assert nonce is not None
    csp = response.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'nonce-{nonce.group(1)}'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # A new nonce for every response.
    assert client.get(f"/exam/attempts/{attempt_id}").headers["Content-Security-Policy"] != csp


def test_every_type_saves_and_reloads(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    question_ids = _attempt(app, attempt_id).question_ids
    for question_id in question_ids:
        response = api.save(question_id, VALID[question_id])
        assert response.status_code == 200, (question_id, response.get_json())
        body = response.get_json()
        assert body["revision"] == 1 and body["saved_at"]
    assert api.save("gd-step", "b").get_json()["revision"] == 2
    stored = _answers(app, attempt_id)
    assert stored["overfit-signs"][0] == ["a", "b"]  # the author's order
    assert stored["f1-value"][0] == 0.8
    assert stored["event-labels"][0]["rules"] == ANNOTATION_RULES

    html = client.get(f"/exam/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'name="q-gd-step" value="b"\s+checked', html)
    assert not re.search(r'name="q-gd-step" value="a"\s+checked', html)
    assert re.search(r'name="q-overfit-signs" value="a"\s+checked', html)
    assert re.search(r'name="q-overfit-signs" value="b"\s+checked', html)
    assert 'name="q-f1-value" value="0.8"' in html
    assert "return x + 10" in html
    assert "中文也可以。" in html
    assert "Payments are purchases." in html
    assert "&#34;label&#34;: &#34;purchase&#34;" in html or '"label": "purchase"' in html
    drawn = [q for q in question_ids if q.startswith("logic-")]
    for question_id in drawn:
        assert re.search(rf'name="q-{question_id}" value="b"\s+checked', html)
    assert html.count('data-kind="saved"') == 2 * len(question_ids)


def test_the_annotation_placeholder_is_a_valid_rule_table(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    html = client.get(f"/exam/attempts/{attempt_id}").get_data(as_text=True)
    placeholder = re.search(r'<textarea name="rules"[^>]*placeholder="([^"]+)"', html)
    assert placeholder is not None
    example = json.loads(placeholder.group(1).replace("&#34;", '"').replace("&#39;", "'"))
    response = Api(client, attempt_id).save("event-labels", {"rules": example, "rationale": ""})
    assert response.status_code == 200, response.get_json()


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("question_id", "value", "message"),
    [
        ("gd-step", "z", "not an option"),  # a tampered option id
        ("gd-step", ["a"], "one option id"),
        ("overfit-signs", ["a", "zz"], "not an option"),
        ("f1-value", "zero point eight", "not a number"),
        ("explain-gd", "x" * 501, "limit is 500"),
        ("explain-gd", "x" * (MAX_ANSWER_BYTES + 10), "larger than"),  # oversized
        ("event-labels", {"rules": [{"conditions": [], "label": "nope"}]}, "rule 1"),
        ("event-labels", {"rules": [], "rationale": "", "extra": 1}, "'rules' and 'rationale'"),
        ("no-such-question", "a", "not part of this exam"),
    ],
)
def test_a_refused_answer_saves_nothing(
    app: Flask,
    client: FlaskClient,
    candidate: User,
    mini: str,
    question_id: str,
    value: Any,
    message: str,
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    assert api.save("gd-step", "a").status_code == 200
    before = _answers(app, attempt_id)
    response = api.save(question_id, value)
    assert response.status_code == 400
    assert message in response.get_json()["message"]
    assert _answers(app, attempt_id) == before


def test_a_question_outside_the_variant_is_refused(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    drawn = set(_attempt(app, attempt_id).question_ids)
    (left_out,) = {"logic-1", "logic-2", "logic-3"} - drawn  # the pool draws 2 of 3
    response = Api(client, attempt_id).save(left_out, "b")
    assert response.status_code == 400
    assert "not part of this exam" in response.get_json()["message"]
    assert _answers(app, attempt_id) == {}


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"",
        b"null",
        b'["value", 1]',
        b'{"answer": "a"}',
        b'{"value": "a", "more": 1}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["malformed", "empty", "null", "list", "wrong-key", "extra-key", "not-utf8", "deep"],
)
def test_a_malformed_body_is_a_400_with_a_message(
    app: Flask, client: FlaskClient, candidate: User, mini: str, data: bytes
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    for path in ("/answers/gd-step", "/events"):
        response = api.post(path, data=data)
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json()["message"]
    assert _answers(app, attempt_id) == {}


def test_a_huge_body_is_refused_before_parsing(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    body = json.dumps({"value": "x" * 2_000_000}).encode()
    response = Api(client, attempt_id).post("/answers/explain-gd", data=body)
    assert response.status_code == 413
    assert response.get_json()["message"]
    assert _answers(app, attempt_id) == {}


def test_json_calls_need_the_csrf_header(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    response = client.post(f"/exam/attempts/{attempt_id}/answers/gd-step", json={"value": "a"})
    assert response.status_code == 400
    assert _answers(app, attempt_id) == {}


def test_someone_elses_attempt_is_404_and_logged(
    app: Flask,
    client: FlaskClient,
    candidate: User,
    mini: str,
    make_user: Callable[..., User],
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    assert api.save("gd-step", "a").status_code == 200
    intruder = make_user(Role.candidate)
    other = app.test_client()
    AuthActions(other).login(intruder.email)
    token = _token(other)
    base = f"/exam/attempts/{attempt_id}"
    headers = {"X-CSRFToken": token}
    responses = [
        other.get(base),
        other.get(f"{base}/result"),
        other.get(f"{base}/submit"),
        other.post(f"{base}/submit", data={"csrf_token": token}),
        other.post(f"{base}/answers/gd-step", json={"value": "b"}, headers=headers),
        other.post(f"{base}/events", json={"kind": "paste", "size": 1}, headers=headers),
        other.post(f"{base}/run/add-task", json={}, headers=headers),
        other.get(f"{base}/run/add-task/1"),
        other.get("/exam/attempts/999999"),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert responses[4].get_json()["message"]  # JSON calls get a JSON 404
    assert _answers(app, attempt_id)["gd-step"] == ("a", 1)
    attempt = _attempt(app, attempt_id)
    assert attempt.status is AttemptStatus.in_progress
    with app.app_context():
        denied = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "attempt.denied")
        ).all()
        # Repeated refusals of one attempt share a row and count up (audit.record_denial).
        assert sum(e.detail["count"] for e in denied) == len(responses)
        assert {e.actor_id for e in denied} == {intruder.id}
        assert [(e.detail["attempt_id"], e.detail["count"]) for e in denied] == [
            (attempt_id, len(responses) - 1),
            (999999, 1),
        ]
        assert db.session.scalar(sa.select(sa.func.count(IntegrityEvent.id))) == 0


# ------------------------------------------------------------------------------ the deadline


def test_a_save_after_the_deadline_is_409_and_closes_at_the_deadline(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    assert api.save("gd-step", "a").status_code == 200
    _set_deadline(app, attempt_id, -timedelta(minutes=3))
    response = api.save("gd-step", "b")
    assert response.status_code == 409
    body = response.get_json()
    assert body["redirect"] == f"/exam/attempts/{attempt_id}/result"
    assert body["message"] == "The time for this exam is over; your answers were submitted."
    assert _answers(app, attempt_id)["gd-step"] == ("a", 1)
    attempt = _attempt(app, attempt_id)
    assert attempt.status is not AttemptStatus.in_progress
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.auto_submitted
    # Every other call on the closed attempt says so too.
    assert api.post("/events", {"kind": "paste", "size": 3}).status_code == 409
    assert api.post("/run/add-task", {}).status_code == 409
    page = client.get(f"/exam/attempts/{attempt_id}")
    assert page.status_code == 302 and page.headers["Location"].endswith("/result")
    result = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Submitted automatically when the time ran out" in result


def test_opening_the_page_after_the_deadline_submits_at_the_deadline(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    _set_deadline(app, attempt_id, -timedelta(hours=2))
    assert client.get("/exam/").status_code == 200  # the list closes it too
    attempt = _attempt(app, attempt_id)
    assert attempt.status is not AttemptStatus.in_progress
    assert attempt.submitted_at == attempt.deadline_at
    # One sitting: the consent screen now leads to the result, not to a new attempt.
    response = client.get("/exam/exams/mini")
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


# ------------------------------------------------------------------------------ integrity


def test_integrity_signals_are_recorded_and_summarised(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    for kind in ("tab_hidden", "focus_lost", "tab_hidden", "focus_lost", "tab_hidden"):
        assert api.post("/events", {"kind": kind}).status_code == 204
    assert api.post("/events", {"kind": "paste", "size": 700}).status_code == 204
    assert api.post("/events", {"kind": "fullscreen_exit"}).status_code == 204
    # The server's own signals cannot be sent by a page, and sizes are whole numbers.
    assert api.post("/events", {"kind": "second_session"}).status_code == 400
    assert api.post("/events", {"kind": "ip_changed"}).status_code == 400
    assert api.post("/events", {"kind": "paste", "size": "big"}).status_code == 400
    assert api.post("/events", {"kind": "paste", "size": -1}).status_code == 400
    # A new address and a new browser, seen on a page load and on a save.
    client.get(f"/exam/attempts/{attempt_id}", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    client.post(
        f"/exam/attempts/{attempt_id}/answers/gd-step",
        json={"value": "a"},
        headers={"X-CSRFToken": api.token, "User-Agent": "OtherBrowser/1.0"},
    )
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        summary = integrity_summary(attempt)
        assert summary["counts"]["tab_hidden"] == 3 and summary["counts"]["focus_lost"] == 2
        assert summary["counts"]["paste"] == 1 and summary["pasted_chars"] == 700
        assert summary["counts"]["fullscreen_exit"] == 1
        assert summary["counts"]["ip_changed"] == 1
        assert summary["counts"]["user_agent_changed"] == 1
        assert "second_session" not in summary["counts"]
        assert {"frequent_focus_loss", "large_pastes", "ip_changed", "user_agent_changed"} <= set(
            summary["flags"]
        )
        ip_event = next(e for e in attempt.events if e.kind == "ip_changed")
        assert ip_event.detail == {"ip": "10.9.8.7"}
        assert attempt.status is AttemptStatus.in_progress  # flagged, never failed


# ------------------------------------------------------------------------------ visible tests


def test_run_visible_tests_reports_visible_tests_only(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    response = api.post("/run/add-task", {})
    assert response.status_code == 400 and "Write some code" in response.get_json()["message"]
    assert api.save("add-task", "def add(x):\n    return x + 1\n").status_code == 200
    response = api.post("/run/add-task", {})
    assert response.status_code == 202
    poll = response.get_json()["poll"]
    job_id = int(poll.rsplit("/", 1)[1])
    with app.app_context():
        gq.wait(job_id, timeout=30)
        job = db.session.get(GradingJob, job_id)
        assert job is not None and job.mode.value == "visible"
    body = client.get(poll).get_json()
    assert body["state"] == "done"
    # The page's two visible tests; this grader reports only the first.
    assert "0 of 2 visible tests passed." in body["summary"]
    assert "adds: failed — add(1) is not 11" in body["summary"]
    assert "adds-more: not run" in body["summary"]
    assert HIDDEN_SECRET not in body["summary"] and "secret" not in body["summary"]
    # Rate-limited, and only for coding questions.
    again = api.post("/run/add-task", {})
    assert again.status_code == 429 and again.get_json()["message"]
    assert api.post("/run/gd-step", {}).status_code == 400
    assert api.post("/run/no-such-question", {}).status_code == 400
    # A job that is not this attempt's visible run of this question is not shown.
    assert client.get(f"{api.base}/run/gd-step/{job_id}").status_code == 404
    assert client.get(f"{api.base}/run/add-task/{job_id + 1000}").status_code == 404


def visible_run_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """What the pipeline returns for a visible run of the mini grader: each test that has a
    visible part, the partly hidden `adds-more` flagged hidden, and its visible check failing."""
    assert mode == "visible"
    tests = [
        TestResult("adds", 1.0, 1.0, TestStatus.passed),
        TestResult("adds-more", 0.0, 2.0, TestStatus.failed, "add(2) is not 12", hidden=True),
    ]
    return GradeResult(ResultStatus.graded, 1.0, 3.0, tests, mode=mode)


def _visible_run(app: Flask, client: FlaskClient, slug: str, code: str) -> tuple[str, str]:
    """Save the code, run the visible tests, wait; the exam page's HTML and the run summary."""
    attempt_id = _start(client, slug)
    api = Api(client, attempt_id)
    assert api.save("add-task", code).status_code == 200
    response = api.post("/run/add-task", {})
    assert response.status_code == 202, response.get_json()
    poll = response.get_json()["poll"]
    with app.app_context():
        gq.wait(int(poll.rsplit("/", 1)[1]), timeout=120)
    body = client.get(poll).get_json()
    assert body["state"] == "done"
    page = client.get(api.base).get_data(as_text=True)
    return page, body["summary"]


def test_a_failing_visible_check_of_a_partly_hidden_test_is_reported(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    claims.set_grader(visible_run_grader)
    page, summary = _visible_run(app, client, mini, "def add(x):\n    return x + 10\n")
    # Counted as the page counts them.
    assert "Visible tests (2)" in page
    assert summary.splitlines()[0] == "1 of 2 visible tests passed."
    assert "✓ adds: passed" in summary
    assert "✗ adds-more: failed — add(2) is not 12" in summary


@pytest.mark.docker
def test_a_real_visible_run_reports_each_visible_check_and_no_hidden_one(
    app: Flask, client: FlaskClient, candidate: User, mini: str, docker_engine: object
) -> None:
    from hirebench.grading import pipeline

    claims.set_grader(None)  # the real pipeline and sandbox
    app.config["SANDBOX_WARM_POOL"] = 0
    try:
        # Both visible checks fail; the hidden check (add(-10) == 0) would fail too.
        _, summary = _visible_run(app, client, mini, "def add(x):\n    return x + 1\n")
        assert summary.splitlines()[0] == "0 of 2 visible tests passed.", summary
        assert "✗ adds: failed" in summary and "✗ adds-more: failed" in summary
        assert "add(2)" in summary  # the visible check that failed
        for leak in ("SECRET_HIDDEN_CHECK", "-10", "hidden"):
            assert leak not in summary
        # The visible checks pass and only the hidden one fails: the run says all passed.
        with app.app_context():  # past the cooldown between runs
            db.session.execute(
                sa.update(GradingJob).values(submitted_at=utcnow() - timedelta(minutes=1))
            )
            db.session.commit()
        _, summary = _visible_run(
            app, client, mini, "def add(x):\n    return x + 10 if x > 0 else 99\n"
        )
        assert summary.splitlines() == [
            "2 of 2 visible tests passed.",
            "✓ adds: passed",
            "✓ adds-more: passed",
        ]
    finally:
        gq.shutdown(app)
        pipeline.close_sandbox_provider()


# ------------------------------------------------------------------------------ submit, results


def _submit(client: FlaskClient, attempt_id: int) -> Any:
    page = client.get(f"/exam/attempts/{attempt_id}/submit")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/exam/attempts/{attempt_id}/submit", data={"csrf_token": token})


def test_submit_needs_confirmation(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    Api(client, attempt_id).save("gd-step", "a")
    page = client.get(f"/exam/attempts/{attempt_id}/submit").get_data(as_text=True)
    total = len(_attempt(app, attempt_id).question_ids)
    assert f"You have answered 1 of {total} questions." in page
    assert "Not answered yet:" in page
    # A POST without the form's token (a forged cross-site submit) changes nothing.
    assert client.post(f"/exam/attempts/{attempt_id}/submit").status_code == 400
    assert _attempt(app, attempt_id).status is AttemptStatus.in_progress
    response = _submit(client, attempt_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/exam/attempts/{attempt_id}/result")
    attempt = _attempt(app, attempt_id)
    assert attempt.status is not AttemptStatus.in_progress and not attempt.auto_submitted
    assert attempt.submitted_at is not None and attempt.submitted_at <= attempt.deadline_at
    # A closed attempt takes no more answers, and says it was submitted, not timed out.
    api = Api(client, attempt_id)
    refused = api.save("gd-step", "b")
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        "You have already submitted this exam; your answers can no longer be changed."
    )
    assert refused.get_json()["redirect"] == f"/exam/attempts/{attempt_id}/result"
    assert "already submitted" in api.post("/run/add-task", {}).get_json()["message"]
    assert "already submitted" in api.post("/events", {"kind": "paste"}).get_json()["message"]


def _answer_everything(app: Flask, client: FlaskClient, attempt_id: int) -> None:
    api = Api(client, attempt_id)
    for question_id in _attempt(app, attempt_id).question_ids:
        assert api.save(question_id, VALID[question_id]).status_code == 200


def _wait_for_grading(app: Flask, attempt_id: int) -> None:
    with app.app_context():
        for job_id in db.session.scalars(
            sa.select(Answer.grading_job_id).where(
                Answer.attempt_id == attempt_id, Answer.grading_job_id.is_not(None)
            )
        ).all():
            gq.wait(job_id, timeout=30)


def test_immediate_policy_shows_score_pass_line_and_visible_feedback_only(
    app: Flask, client: FlaskClient, candidate: User, tmp_path: Path
) -> None:
    slug = _load(app, _exam_copy(tmp_path, "mini-now", results_policy="immediate"))
    attempt_id = _start(client, slug)
    _answer_everything(app, client, attempt_id)
    _submit(client, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    # Shown at once, while the code is still grading or the short answer awaits review.
    assert "data-score" in html
    _wait_for_grading(app, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-state="awaiting_review"' in html  # the short answer
    assert 'data-test-status="passed"' in html and "<strong>adds</strong>" in html
    assert HIDDEN_SECRET not in html and "<strong>secret</strong>" not in html
    # Points so far, but no verdict while an answer awaits review: it could still pass.
    assert "Points so far:" in html and "data-passed" not in html
    assert "Not passed" not in html and "data-no-verdict" in html
    assert "the pass mark is 60%" in html
    assert 'data-progress="awaiting_review"' in html
    assert "1 written answer is waiting for the reviewers." in html
    attempt = _attempt(app, attempt_id)
    assert attempt.score is not None and attempt.max_score is not None
    _review_short_answer(app, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert re.search(r'data-passed="(yes|no)"', html) and "the pass mark is 60%" in html
    assert 'data-progress="graded"' in html and "data-pending" not in html
    assert "data-no-verdict" not in html and "Points so far" not in html


def _review_short_answer(app: Flask, attempt_id: int, points: float = 4.0) -> None:
    """What the reviewers' queue will do: score the short answer."""
    with app.app_context():
        answer = db.session.scalar(
            sa.select(Answer).where(
                Answer.attempt_id == attempt_id, Answer.question_id == "explain-gd"
            )
        )
        assert answer is not None and answer.state == "awaiting_review"
        answer.state, answer.points = "scored", points
        db.session.commit()
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        refresh_score(attempt)


def test_after_review_policy_hides_the_score_until_reviewed(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    _answer_everything(app, client, attempt_id)
    _submit(client, attempt_id)
    _wait_for_grading(app, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "data-score" not in html and "data-passed" not in html
    assert "once every answer is graded, including the written answers" in html
    assert 'data-state="awaiting_review"' in html
    assert 'data-progress="awaiting_review"' in html and "Awaiting review" in html
    assert "1 written answer is waiting for the reviewers." in html
    # The exams list says the same as the result page, not "Graded".
    home = client.get("/exam/").get_data(as_text=True)
    assert 'data-exam="mini" data-state="awaiting_review"' in home
    assert "Awaiting review" in home and "Graded" not in home
    assert HIDDEN_SECRET not in html


def test_result_points_are_rounded_like_every_score(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    """2.33333 points show as 2.3 (docs/scorecard.md, "Rounding"), in the total too."""
    attempt_id = _start(client, mini)
    _answer_everything(app, client, attempt_id)
    _submit(client, attempt_id)
    _wait_for_grading(app, attempt_id)
    _review_short_answer(app, attempt_id, points=2.33333)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "<td>2.3 / " in html
    assert "2.33333" not in html and "33333" not in html


def test_after_review_policy_shows_the_score_once_reviewed(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    _answer_everything(app, client, attempt_id)
    _submit(client, attempt_id)
    _wait_for_grading(app, attempt_id)
    _review_short_answer(app, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "data-score" in html and re.search(r'data-passed="(yes|no)"', html)
    assert "data-pending" not in html
    assert 'data-test-status="passed"' in html and HIDDEN_SECRET not in html


def test_never_policy_shows_only_that_the_attempt_was_received(
    app: Flask, client: FlaskClient, candidate: User, tmp_path: Path
) -> None:
    slug = _load(app, _exam_copy(tmp_path, "mini-never", results_policy="never"))
    attempt_id = _start(client, slug)
    _answer_everything(app, client, attempt_id)
    _submit(client, attempt_id)
    _wait_for_grading(app, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Your answers were received" in html and "not shown to candidates" in html
    assert "data-score" not in html and "data-passed" not in html
    assert "data-test-status" not in html and HIDDEN_SECRET not in html
    attempt = _attempt(app, attempt_id)
    assert attempt.score is not None  # scored for HR, just not shown


def test_result_of_an_open_attempt_goes_back_to_the_exam(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    response = client.get(f"/exam/attempts/{attempt_id}/result")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/exam/attempts/{attempt_id}")


# ------------------------------------------------------------------------------ the sample exam


def test_the_sample_exam_starts_and_takes_an_answer_of_every_type(
    app: Flask, client: FlaskClient, candidate: User
) -> None:
    slug = _load(app, SAMPLE, PROJECT_ROOT / "graders")
    assert slug == "ai-trainer-ecommerce"
    assert "AI Trainer" in client.get("/exam/").get_data(as_text=True)
    attempt_id = _start(client, slug)
    html = client.get(f"/exam/attempts/{attempt_id}").get_data(as_text=True)
    kinds = set(re.findall(r'data-type="([a-z_]+)"', html))
    # The concepts pool draws 10 of 16, so its two numeric items are usually, not always, in.
    assert kinds - {"numeric"} == {
        "coding",
        "single_choice",
        "multiple_choice",
        "short_answer",
        "annotation_rules",
        "assessment",
    }
    assert "<h4>Task 1: <code>clean_events(path)</code></h4>" in html  # the prompt's Markdown
    assert "def clean_events(path):" in html  # the starter code
    assert "900001" in html  # the labelled sample
    api = Api(client, attempt_id)
    rules = [
        {"conditions": [{"field": "is_bot", "op": "eq", "value": 1}], "label": "browse"},
        {"conditions": [], "label": "click"},
    ]
    assert api.save("behaviour-labels", {"rules": rules, "rationale": "理由"}).status_code == 200
    assert api.save("explain-gd", "θ ← θ − η∇L(θ)").status_code == 200
    refused = api.save("behaviour-labels", {"rules": [{"conditions": [], "label": "refund"}]})
    assert refused.status_code == 400 and "rule 1" in refused.get_json()["message"]


# ------------------------------------------------------------------------------ prompts


def test_prompts_render_markdown_and_escape_everything_else() -> None:
    html = str(
        render_prompt(
            "Hi <script>alert(1)</script> **bold** `<b>`\n\n"
            "| a | b |\n| --- | --- |\n| <i>x</i> | `y` |\n\n"
            "1. one\n   * nested\n2. two\n\n```\nif a < b:\n    pass\n```"
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html and "<code>&lt;b&gt;</code>" in html
    assert "<th>a</th>" in html and "<td>&lt;i&gt;x&lt;/i&gt;</td>" in html
    assert re.search(
        r"<ol>\s*<li>one\s*<ul>\s*<li>nested</li>\s*</ul>\s*</li>\s*<li>two</li>", html
    )
    assert "<pre><code>if a &lt; b:\n    pass\n</code></pre>" in html
    unsafe = str(render_prompt("[x](javascript:alert(1))"))
    assert "href" not in unsafe  # left as text, never a link


def test_the_result_page_says_grading_while_the_sandbox_works(
    app: Flask, client: FlaskClient, candidate: User, tmp_path: Path
) -> None:
    release = threading.Event()

    def held_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
        release.wait(timeout=30)
        return fake_grader(grader_ref, submission, name, mode)

    claims.set_grader(held_grader)
    slug = _load(app, _exam_copy(tmp_path, "mini-held", results_policy="immediate"))
    attempt_id = _start(client, slug)
    assert Api(client, attempt_id).save("add-task", VALID["add-task"]).status_code == 200
    _submit(client, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-question="add-task" data-state="grading"' in html
    assert "Grading in the sandbox" in html and "data-refresh-while-grading" in html
    assert "/static/js/exam.js" in html  # the script that reloads the page
    assert 'data-progress="grading"' in html and "data-passed" not in html
    assert "1 coding answer is being graded in the sandbox." in html
    home = client.get("/exam/").get_data(as_text=True)
    assert 'data-state="grading"' in home and "Submitted — grading" in home
    release.set()
    _wait_for_grading(app, attempt_id)
    html = client.get(f"/exam/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-question="add-task" data-state="scored"' in html
    assert "data-refresh-while-grading" not in html
    assert _attempt(app, attempt_id).status is AttemptStatus.graded


def test_the_exam_pages_render_in_chinese(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    zh = {"Accept-Language": "zh-CN"}
    assert "考试" in client.get("/exam/", headers=zh).get_data(as_text=True)
    consent = client.get("/exam/exams/mini", headers=zh).get_data(as_text=True)
    assert "开始考试" in consent and "迷你考试" in consent  # the exam's own Chinese title
    assert "及格线：总分的 60%" in consent
    attempt_id = _start(client, mini)
    page = client.get(f"/exam/attempts/{attempt_id}", headers=zh).get_data(as_text=True)
    assert "剩余时间" in page and "运行可见测试" in page and "第 1 题" in page
    assert "确定提交考试吗" in client.get(
        f"/exam/attempts/{attempt_id}/submit", headers=zh
    ).get_data(as_text=True)
    # Messages from the JSON API follow the language too.
    response = client.post(
        f"/exam/attempts/{attempt_id}/answers/gd-step",
        data=b"{",
        headers={**zh, "X-CSRFToken": _token(client)},
        content_type="application/json",
    )
    assert response.status_code == 400 and "JSON 对象" in response.get_json()["message"]
    # A written answer waits for the reviewers (an empty one would simply score 0).
    assert Api(client, attempt_id).save("explain-gd", "沿负梯度方向更新参数。").status_code == 200
    _submit(client, attempt_id)
    result = client.get(f"/exam/attempts/{attempt_id}/result", headers=zh).get_data(as_text=True)
    assert "你的结果" in result and "等待评阅" in result
