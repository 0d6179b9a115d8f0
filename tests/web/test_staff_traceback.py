"""Hidden tests' tracebacks and output reach staff and never a candidate (issue 13, cause 10).

A candidate takes the mini exam through the test client; grading runs in the embedded queue
with an in-process grader that builds its results from judge-style report entries exactly as
the pipeline does (TestResult.from_report), so no Docker is needed. Every response the
candidate gets is searched for markers that only the hidden test's message, traceback and
output carry; the HR attempt page must show them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading import queue as gq
from hirebench.grading.result import GradeResult, ResultStatus, TestResult
from hirebench.models import GradingJob, Role, User
from tests.conftest import AuthActions
from tests.web.test_candidate_exam import (
    Api,
    _answer_everything,
    _exam_copy,
    _load,
    _start,
    _submit,
    _wait_for_grading,
)

HIDDEN_MESSAGE = "HIDDEN-MESSAGE-5e1d"
HIDDEN_LINE = "assert add(HIDDEN_CASE_5e1d) == 0"
HIDDEN_OUTPUT = "HIDDEN-OUTPUT-5e1d"
HIDDEN_MARKERS = (HIDDEN_MESSAGE, "HIDDEN_CASE_5e1d", HIDDEN_OUTPUT)
JUDGE_FRAME = (
    '  File "/opt/hirebench/runner/judge_5e1d.py", line 431, in run_test\n    exec(code)\n'
)
VISIBLE_OUTPUT = "add(1) gave 2 <b>"


def _traceback(test_id: str, line: str, error: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        + JUDGE_FRAME
        + f'  File "<test {test_id}>", line 1, in <module>\n    {line}\n{error}\n'
    )


def _entry(test_id: str, status: str, message: str, line: str, output: str) -> dict[str, Any]:
    return {
        "id": test_id,
        "status": status,
        "message": message,
        "seconds": 0.01,
        "output": output,
        "traceback": _traceback(test_id, line, message),
    }


def staff_detail_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """The mini grader's tests as a judge reports them for code that adds 1: the visible
    `adds` fails, the partly hidden `adds-more` fails its visible check in a visible run and
    errors on its hidden check in a full run, with a message, line and output of its own."""
    adds = _entry(
        "adds", "failed", "AssertionError: add(1) is not 11", "assert add(1) == 11", VISIBLE_OUTPUT
    )
    if mode == "visible":
        more = _entry("adds-more", "failed", "AssertionError", "assert add(2) == 12", "")
    else:
        more = _entry(
            "adds-more", "error", f"TypeError: {HIDDEN_MESSAGE}", HIDDEN_LINE, HIDDEN_OUTPUT
        )
    tests = [
        TestResult.from_report(adds, 1.0, hidden=False, redact=False),
        TestResult.from_report(more, 2.0, hidden=True, redact=mode == "full"),
    ]
    return GradeResult(ResultStatus.graded, 0.0, 3.0, tests, mode=mode)


@pytest.fixture(autouse=True)
def _grader(app: Flask) -> Iterator[None]:
    claims.set_grader(staff_detail_grader)
    yield
    gq.shutdown(app)
    claims.set_grader(None)


@pytest.fixture
def candidate(make_user: Callable[..., User], auth: AuthActions) -> User:
    user = make_user(Role.candidate, name="Li Lei")
    assert auth.login(user.email).status_code == 302
    return user


def _visible_run(app: Flask, api: Api) -> tuple[list[str], str]:
    """Run the visible tests; every response body, and the finished run's summary."""
    started = api.post("/run/add-task", {})
    assert started.status_code == 202, started.get_json()
    poll = started.get_json()["poll"]
    with app.app_context():
        gq.wait(int(poll.rsplit("/", 1)[1]), timeout=30)
    done = api.client.get(poll)
    assert done.get_json()["state"] == "done"
    return [started.get_data(as_text=True), done.get_data(as_text=True)], done.get_json()["summary"]


def _candidate_session(app: Flask, client: FlaskClient, tmp_path: Path) -> tuple[int, list[str]]:
    """A whole exam as the candidate: a visible run, submit, grading, the result page. The
    attempt and every response body the candidate received."""
    slug = _load(app, _exam_copy(tmp_path, "mini-staff", results_policy="immediate"))
    attempt_id = _start(client, slug)
    api = Api(client, attempt_id)
    _answer_everything(app, client, attempt_id)
    assert api.save("add-task", "def add(x):\n    return x + 1\n").status_code == 200
    bodies, summary = _visible_run(app, api)
    bodies.append(client.get(api.base).get_data(as_text=True))
    bodies.append(_submit(client, attempt_id).get_data(as_text=True))
    _wait_for_grading(app, attempt_id)
    for url in (f"{api.base}/result", "/exam/", api.base, f"{api.base}/submit"):
        bodies.append(client.get(url, follow_redirects=True).get_data(as_text=True))
    bodies.append(api.save("add-task", "x = 1").get_data(as_text=True))  # refused: submitted
    bodies.append(api.post("/run/add-task", {}).get_data(as_text=True))
    return attempt_id, [*bodies, summary]


def test_candidates_never_see_hidden_detail_and_staff_always_do(
    app: Flask,
    client: FlaskClient,
    candidate: User,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    attempt_id, bodies = _candidate_session(app, client, tmp_path)
    summary, result_page = bodies[-1], bodies[4]
    for body in bodies:
        for marker in (*HIDDEN_MARKERS, "judge_5e1d.py", "Staff only"):
            assert marker not in body, marker
    # The visible checks' own frames and output are the candidate's to see.
    assert "✗ adds: failed — AssertionError: add(1) is not 11" in summary
    assert '    File "<test adds>", line 1, in <module>' in summary
    assert f"    {VISIBLE_OUTPUT}" in summary
    assert '    File "<test adds-more>", line 1, in <module>' in summary  # its visible part
    assert "File &#34;&lt;test adds&gt;&#34;, line 1" in result_page
    assert "add(1) gave 2 &lt;b&gt;" in result_page and VISIBLE_OUTPUT not in result_page
    with app.app_context():
        stored = [job.result for job in db.session.query(GradingJob).all()]
    assert any(HIDDEN_LINE in str(result) for result in stored)  # it was there to leak

    hr_client = app.test_client()
    AuthActions(hr_client).login(make_user(Role.hr).email)
    page = hr_client.get(f"/hr/attempts/{attempt_id}").get_data(as_text=True)
    assert "Staff only: traceback" in page and "<details data-staff-traceback>" in page
    assert f"TypeError: {HIDDEN_MESSAGE}" in page
    assert "the candidate saw: hidden test: error (TypeError)" in page
    assert HIDDEN_LINE in page and HIDDEN_OUTPUT in page and "judge_5e1d.py" in page
    assert "File &#34;&lt;test adds-more&gt;&#34;, line 1" in page
    assert "add(1) gave 2 &lt;b&gt;" in page and VISIBLE_OUTPUT not in page  # escaped
