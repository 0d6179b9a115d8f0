"""The exam page's navigator and run history through the Flask test client: flags for later
(stored, shown after a reload and on the submit page, refused for another attempt, a closed
attempt or a question outside the variant), the answered count, and the list of earlier
visible-test runs with the code each one ran."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading import queue as gq
from hirebench.grading.result import GradeResult, ResultStatus, TestResult, TestStatus
from hirebench.models import Attempt, GradingJob, Role, User
from hirebench.models.base import utcnow
from tests.conftest import AuthActions
from tests.web.test_candidate_exam import MINI, Api, _load, _start


def adds_ten(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """Passes the visible test `adds` when the code adds 10; `adds-more` is not run."""
    right = b"x + 10" in submission
    status = TestStatus.passed if right else TestStatus.failed
    tests = [TestResult("adds", 1.0 if right else 0.0, 1.0, status)]
    return GradeResult(ResultStatus.graded, tests[0].points, 1.0, tests, mode=mode)


@pytest.fixture(autouse=True)
def _grader(app: Flask) -> Iterator[None]:
    claims.set_grader(adds_ten)
    yield
    gq.shutdown(app)
    claims.set_grader(None)


@pytest.fixture
def mini(app: Flask) -> str:
    return _load(app, MINI)


@pytest.fixture
def candidate(make_user: Callable[..., User], auth: AuthActions) -> User:
    user = make_user(Role.candidate, name="李雷")
    assert auth.login(user.email).status_code == 302
    return user


def _flags(app: Flask, attempt_id: int) -> list[str]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        return list(attempt.flagged_question_ids)


def test_a_flag_is_stored_and_shown_after_a_reload_and_on_the_submit_page(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    reply = api.post("/flags/f1-value", {"flagged": True})
    assert reply.status_code == 200 and reply.get_json() == {"flagged": ["f1-value"]}
    assert api.post("/flags/gd-step", {"flagged": True}).status_code == 200
    assert set(_flags(app, attempt_id)) == {"f1-value", "gd-step"}

    page = client.get(api.base).get_data(as_text=True)
    pressed = re.findall(r'data-flag="([^"]+)"\s+aria-pressed="true"', page)
    assert sorted(pressed) == ["f1-value", "gd-step"]
    assert "2 flagged" in page

    submit = client.get(f"{api.base}/submit").get_data(as_text=True)
    flagged_part = submit.split("data-flagged-list", 1)[1].split("</ul>", 1)[0]
    assert "#q-f1-value" in flagged_part and "#q-gd-step" in flagged_part

    # Clearing is idempotent, and the page shows it.
    assert api.post("/flags/gd-step", {"flagged": False}).get_json() == {"flagged": ["f1-value"]}
    assert api.post("/flags/gd-step", {"flagged": False}).get_json() == {"flagged": ["f1-value"]}
    page = client.get(api.base).get_data(as_text=True)
    assert re.findall(r'data-flag="([^"]+)"\s+aria-pressed="true"', page) == ["f1-value"]


def test_bad_flag_requests_get_a_message_not_a_500(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    bodies: list[object] = [{}, {"flagged": "yes"}, {"flagged": 1}, {"flagged": True, "x": 1}, []]
    for body in bodies:
        reply = api.post("/flags/gd-step", body)
        assert reply.status_code == 400 and reply.get_json()["message"], body
    reply = api.post("/flags/not-in-this-exam", {"flagged": True})
    assert reply.status_code == 400 and "not part of this exam" in reply.get_json()["message"]
    # Without the CSRF header the page's script sends, nothing is stored.
    assert client.post(f"{api.base}/flags/gd-step", json={"flagged": True}).status_code == 400
    assert _flags(app, attempt_id) == []


def test_flags_are_the_candidates_own_and_close_with_the_attempt(
    app: Flask,
    client: FlaskClient,
    candidate: User,
    mini: str,
    make_user: Callable[..., User],
    auth: AuthActions,
) -> None:
    attempt_id = _start(client, mini)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.deadline_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    api = Api(client, attempt_id)
    reply = api.post("/flags/gd-step", {"flagged": True})
    assert reply.status_code == 409 and reply.get_json()["redirect"].endswith("/result")
    assert _flags(app, attempt_id) == []

    auth.logout()
    other = make_user(Role.candidate)
    assert auth.login(other.email).status_code == 302
    other_api = Api(client, attempt_id)
    assert other_api.post("/flags/gd-step", {"flagged": True}).status_code == 404


def test_the_answered_count_matches_the_saved_answers(
    client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    page = client.get(api.base).get_data(as_text=True)
    total = len(re.findall(r"data-nav-item=", page))
    assert f"0 of {total} answered" in page
    assert api.save("gd-step", "a").status_code == 200
    assert api.save("explain-gd", "").status_code == 200  # saved, but empty: not answered
    annotation = {"rules": [], "rationale": ""}
    assert api.save("event-labels", annotation).status_code == 200
    page = client.get(api.base).get_data(as_text=True)
    assert f"1 of {total} answered" in page
    assert re.search(r'data-nav-item="gd-step" data-answered="1"', page)
    assert re.search(r'data-nav-item="explain-gd" data-answered="0"', page)
    assert re.search(r'data-nav-item="event-labels" data-answered="0"', page)


def _run(app: Flask, client: FlaskClient, api: Api, code: str) -> dict[str, object]:
    assert api.save("add-task", code).status_code == 200
    reply = api.post("/run/add-task", {})
    assert reply.status_code == 202, reply.get_json()
    poll = reply.get_json()["poll"]
    with app.app_context():
        gq.wait(int(poll.rsplit("/", 1)[1]), timeout=30)
    body = client.get(poll).get_json()
    assert body["state"] == "done"
    return {**body["run"], "poll": poll}


def _no_cooldown(app: Flask, attempt_id: int) -> None:
    """Move the earlier runs back in time, past the few seconds between runs."""
    with app.app_context():
        for job in db.session.query(GradingJob).all():
            job.submitted_at = job.submitted_at - timedelta(minutes=1)
        db.session.commit()


def test_earlier_runs_are_listed_newest_first_with_their_code(
    app: Flask, client: FlaskClient, candidate: User, mini: str
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    page = client.get(api.base).get_data(as_text=True)
    assert "No runs yet." in page

    first_code = "def add(x):\n    return x + 1\n"
    first = _run(app, client, api, first_code)
    assert first["code"] == first_code
    assert (first["passed"], first["failed"], first["total"]) == (0, 2, 2)
    _no_cooldown(app, attempt_id)
    second = _run(app, client, api, "def add(x):\n    return x + 10  # <b>fixed</b>\n")
    assert (second["passed"], second["failed"], second["total"]) == (1, 1, 2)

    page = client.get(api.base).get_data(as_text=True)
    runs = re.findall(r'<li class="hb-run" data-run="(\d+)"', page)
    assert runs == [str(second["id"]), str(first["id"])]  # newest first
    assert "1 of 2 passed" in page and "0 of 2 passed" in page
    assert f'data-run-restore="{first["poll"]}"' in page
    # The code itself is fetched on "restore", from the run's own URL, and stays data.
    assert client.get(str(first["poll"])).get_json()["run"]["code"] == first_code
    assert "<b>fixed</b>" not in page


def test_a_run_is_shown_only_to_its_own_attempt_and_question(
    app: Flask,
    client: FlaskClient,
    candidate: User,
    mini: str,
    make_user: Callable[..., User],
    auth: AuthActions,
) -> None:
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    run = _run(app, client, api, "def add(x):\n    return x + 10\n")
    job_id = run["id"]
    assert client.get(f"{api.base}/run/gd-step/{job_id}").status_code == 404

    auth.logout()
    other = make_user(Role.candidate)
    assert auth.login(other.email).status_code == 302
    other_attempt = _start(client, mini)
    assert client.get(f"/exam/attempts/{other_attempt}/run/add-task/{job_id}").status_code == 404
    assert client.get(str(run["poll"])).status_code == 404


def test_hr_sees_the_candidates_visible_runs_on_the_attempt_page(
    app: Flask,
    client: FlaskClient,
    candidate: User,
    mini: str,
    make_user: Callable[..., User],
    auth: AuthActions,
) -> None:
    attempt_id = _start(client, mini)
    _run(app, client, Api(client, attempt_id), "def add(x):\n    return x + 10\n")
    auth.logout()
    hr = make_user(Role.hr)
    assert auth.login(hr.email).status_code == 302
    page = client.get(f"/hr/attempts/{attempt_id}").get_data(as_text=True)
    assert "Visible-test runs by the candidate: 1" in page
    assert "1 of 2 passed" in page
