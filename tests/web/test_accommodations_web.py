"""Accommodations through the web (issue 19 item 1): HR sets them on the invitation and on the
candidate's page, with every bad value answered beside its field and nothing saved; HR adds
time to an exam under way and a submitted one is refused; only HR and admins get there, and
never without the CSRF token. The candidate sees their extra time and breaks (never HR's
note) before starting, takes a break through the exam page's JSON calls, and the page's clock
reply is the one documented in docs/accommodations.md."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.models import (
    Attempt,
    AttemptStatus,
    AuditEvent,
    ConsentPurpose,
    IntegrityEvent,
    Invitation,
    Job,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from hirebench.privacy import consent
from tests.conftest import AuthActions, csrf_from
from tests.web.test_candidate_exam import GRADERS, MINI, Api, _start

NOTE = "Needs a quiet room; dyslexia report on file"
DOC = PROJECT_ROOT / "docs" / "accommodations.md"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def mini(app: Flask) -> str:
    with app.app_context():
        return load_exam(MINI, GRADERS).exam.slug


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    return make_user(Role.candidate, email="lin@example.com", name="林小雨")


@pytest.fixture
def hr(make_user: Callable[..., User], auth: AuthActions) -> User:
    user = make_user(Role.hr, email="hr@example.com")
    assert auth.login(user.email).status_code == 302
    return user


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def _audits(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        return [
            e.detail
            for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action))
        ]


def _form(
    client: FlaskClient, url: str, page: str, **fields: Any
) -> Any:  # the page the form is on gives the token
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields})


def _error_beside(html: str, field: str) -> str:
    """The error text printed under a field (ui.field puts it in #<field>-error)."""
    match = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    assert match, f"no error under {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# ------------------------------------------------------------------------------ invitation


def _job(app: Flask) -> int:
    with app.app_context():
        job = Job(title="AI Trainer")
        db.session.add(job)
        db.session.commit()
        return job.id


def test_hr_sets_the_accommodation_on_the_invitation(
    app: Flask, client: FlaskClient, hr: User
) -> None:
    job_id = _job(app)
    response = _form(
        client,
        "/hr/invitations",
        "/hr/",
        name="周杰",
        email="zhou@example.com",
        job_id=job_id,
        extra_time="1.5",
        break_count="2",
        break_minutes="10",
        accommodation_note=NOTE,
    )
    assert response.status_code == 302
    invited = _user(app, "zhou@example.com")
    assert (invited.extra_time_factor, invited.break_count, invited.break_minutes) == (1.5, 2, 10)
    assert invited.accommodation_note == NOTE
    (entry,) = _audits(app, "candidate.accommodation")
    assert entry["extra_time_factor"] == 1.5 and NOTE not in json.dumps(entry)


def test_an_invitation_left_at_none_changes_no_accommodation(
    app: Flask, client: FlaskClient, hr: User
) -> None:
    job_id = _job(app)
    _form(client, "/hr/invitations", "/hr/", name="A", email="a@example.com", job_id=job_id)
    assert _user(app, "a@example.com").extra_time_factor == 1.0
    assert _audits(app, "candidate.accommodation") == []


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"extra_time": "custom", "custom_factor": "3.5"}, "custom_factor", "between 1 and 3"),
        ({"extra_time": "custom"}, "custom_factor", "Enter the factor"),
        ({"extra_time": "9"}, "extra_time", "Not a valid choice"),
        ({"break_count": "2", "break_minutes": "90"}, "break_minutes", "between 5 and 60"),
        ({"break_count": "two"}, "break_count", "integer"),
    ],
)
def test_a_bad_accommodation_sends_no_invitation(
    app: Flask, client: FlaskClient, hr: User, fields: dict[str, str], field: str, words: str
) -> None:
    job_id = _job(app)
    response = _form(
        client,
        "/hr/invitations",
        "/hr/",
        name="B",
        email="b@example.com",
        job_id=job_id,
        **fields,
    )
    assert response.status_code == 400
    assert words in _error_beside(response.get_data(as_text=True), field)
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation)).all() == []
    assert getattr(app.extensions["mailman"], "outbox", []) == []


# ------------------------------------------------------------------------------ HR's page


def test_the_candidate_page_shows_and_changes_the_accommodation(
    app: Flask, client: FlaskClient, hr: User, person: User
) -> None:
    page = f"/hr/candidates/{person.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="accommodation"' in html
    assert f'href="/privacy/candidates/{person.id}"' in html  # the privacy panel
    response = _form(
        client,
        f"/hr/candidates/{person.id}/accommodation",
        page,
        extra_time="custom",
        custom_factor="1.75",
        break_count="1",
        break_minutes="15",
        accommodation_note=NOTE,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/hr/candidates/{person.id}#accommodation")
    changed = _user(app, person.email)
    assert (changed.extra_time_factor, changed.break_count, changed.break_minutes) == (1.75, 1, 15)
    html = client.get(page).get_data(as_text=True)
    assert NOTE in html and "×1.75" in html
    assert 'value="1.75"' in html  # the form shows what is stored


def test_a_refused_value_is_shown_beside_its_field_and_nothing_changes(
    app: Flask, client: FlaskClient, hr: User, person: User
) -> None:
    page = f"/hr/candidates/{person.id}"
    response = _form(
        client,
        f"/hr/candidates/{person.id}/accommodation",
        page,
        extra_time="1",
        break_count="9",
        break_minutes="10",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "between 0 and 6" in _error_beside(html, "break_count")
    assert 'id="accommodation"' in html  # on the candidate's own page
    assert _user(app, person.email).break_count == 0


def test_only_hr_and_admins_reach_it(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    person: User,
) -> None:
    url = f"/hr/candidates/{person.id}/accommodation"
    for role in (Role.candidate, Role.reviewer, Role.interviewer, Role.business):
        user = make_user(role)
        auth.login(user.email)
        token = csrf_from(client.get("/account/password").get_data(as_text=True))
        assert client.post(url, data={"csrf_token": token, "extra_time": "2"}).status_code == 403
        assert client.get(f"/hr/candidates/{person.id}").status_code == 403
        auth.logout()
    assert _user(app, person.email).extra_time_factor == 1.0
    admin = make_user(Role.admin)
    auth.login(admin.email)
    response = _form(client, url, f"/hr/candidates/{person.id}", extra_time="2")
    assert response.status_code == 302 and _user(app, person.email).extra_time_factor == 2.0


def test_no_change_without_the_csrf_token(
    app: Flask, client: FlaskClient, hr: User, person: User
) -> None:
    response = client.post(f"/hr/candidates/{person.id}/accommodation", data={"extra_time": "2"})
    assert response.status_code == 400
    assert _user(app, person.email).extra_time_factor == 1.0


def test_accommodations_are_for_candidates(
    app: Flask, client: FlaskClient, hr: User, make_user: Callable[..., User]
) -> None:
    reviewer = make_user(Role.reviewer)
    page = f"/hr/candidates/{reviewer.id}"
    assert client.get(page).status_code == 404
    token = csrf_from(client.get("/hr/").get_data(as_text=True))
    response = client.post(
        f"/hr/candidates/{reviewer.id}/accommodation", data={"csrf_token": token}
    )
    assert response.status_code == 404


# ------------------------------------------------------------------------------ extensions


def _started(app: Flask, client: FlaskClient, auth: AuthActions, person: User, mini: str) -> int:
    auth.logout()
    auth.login(person.email)
    attempt_id = _start(client, mini)
    auth.logout()
    return attempt_id


def test_hr_adds_time_to_an_exam_under_way(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    hr: User,
    person: User,
    mini: str,
) -> None:
    attempt_id = _started(app, client, auth, person, mini)
    auth.login(hr.email)
    page = f"/hr/candidates/{person.id}"
    html = client.get(page).get_data(as_text=True)
    assert f'data-extend="{attempt_id}"' in html
    with app.app_context():
        before = db.session.get(Attempt, attempt_id).deadline_at  # type: ignore[union-attr]
    prefix = f"extend-{attempt_id}"
    response = _form(
        client,
        f"/hr/attempts/{attempt_id}/extend",
        page,
        **{f"{prefix}-minutes": "15", f"{prefix}-reason": "Fire alarm"},
    )
    assert response.status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        assert attempt.deadline_at == before + timedelta(minutes=15)
    (entry,) = _audits(app, "attempt.extended")
    assert entry["reason"] == "Fire alarm" and entry["minutes"] == 15

    # The candidate's open page learns it from its clock.
    auth.logout()
    auth.login(person.email)
    clock = client.get(f"/exam/attempts/{attempt_id}/clock").get_json()
    assert clock["extension_minutes"] == 15
    deadline = (before + timedelta(minutes=15)).replace(tzinfo=UTC)
    assert clock["deadline_ms"] == int(deadline.timestamp() * 1000)


@pytest.mark.parametrize(
    ("minutes", "reason", "field", "words"),
    [
        ("", "x", "minutes", "Enter the minutes"),
        ("0", "x", "minutes", "between 1 and 240"),
        ("500", "x", "minutes", "between 1 and 240"),
        ("ten", "x", "minutes", "integer"),
        ("10", "", "reason", "Say why"),
    ],
)
def test_a_bad_extension_is_shown_beside_its_field(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    hr: User,
    person: User,
    mini: str,
    minutes: str,
    reason: str,
    field: str,
    words: str,
) -> None:
    attempt_id = _started(app, client, auth, person, mini)
    auth.login(hr.email)
    prefix = f"extend-{attempt_id}"
    response = _form(
        client,
        f"/hr/attempts/{attempt_id}/extend",
        f"/hr/candidates/{person.id}",
        **{f"{prefix}-minutes": minutes, f"{prefix}-reason": reason},
    )
    assert response.status_code == 400
    assert words in _error_beside(response.get_data(as_text=True), f"{prefix}-{field}")
    assert _audits(app, "attempt.extended") == []


def test_extending_a_submitted_exam_is_refused_with_the_reason(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    hr: User,
    person: User,
    mini: str,
) -> None:
    attempt_id = _started(app, client, auth, person, mini)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.status = AttemptStatus.submitted
        attempt.submitted_at = utcnow()
        db.session.commit()
    auth.login(hr.email)
    prefix = f"extend-{attempt_id}"
    response = _form(
        client,
        f"/hr/attempts/{attempt_id}/extend",
        f"/hr/candidates/{person.id}",
        **{f"{prefix}-minutes": "10", f"{prefix}-reason": "too late"},
    )
    assert response.status_code == 409
    assert "already submitted" in response.get_data(as_text=True)
    assert _audits(app, "attempt.extended") == []


# ------------------------------------------------------------------------------ the candidate


def _grant(app: Flask, email: str, **values: Any) -> None:
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == email)).one()
        for key, value in values.items():
            setattr(user, key, value)
        db.session.commit()


def test_the_candidate_sees_extra_time_and_breaks_but_never_the_note(
    app: Flask, client: FlaskClient, auth: AuthActions, person: User, mini: str
) -> None:
    _grant(
        app,
        person.email,
        extra_time_factor=1.5,
        break_count=2,
        break_minutes=10,
        accommodation_note=NOTE,
    )
    auth.login(person.email)
    html = client.get(f"/exam/exams/{mini}").get_data(as_text=True)
    assert "data-accommodation" in html
    assert "45 minutes instead of 30" in html and "2 breaks of 10 minutes each" in html
    assert NOTE not in html
    attempt_id = _start(client, mini)
    exam = client.get(f"/exam/attempts/{attempt_id}").get_data(as_text=True)
    assert "Time allowed: 45 min" in exam and "Take a break (2 left)" in exam
    assert NOTE not in exam and NOTE not in client.get("/exam/").get_data(as_text=True)


def test_a_break_through_the_exam_page(
    app: Flask, client: FlaskClient, auth: AuthActions, person: User, mini: str
) -> None:
    _grant(app, person.email, break_count=1, break_minutes=5)
    auth.login(person.email)
    attempt_id = _start(client, mini)
    api = Api(client, attempt_id)
    before = client.get(f"{api.base}/clock").get_json()
    assert before["break_ends_ms"] is None and before["breaks_left"] == 1

    started = api.post("/break", {})
    assert started.status_code == 200
    paused = started.get_json()
    assert paused["breaks_left"] == 0 and paused["break_ends_ms"] > paused["server_now_ms"]
    assert paused["deadline_ms"] - before["deadline_ms"] == pytest.approx(5 * 60_000, abs=2000)
    saved = api.save("gd-step", "a")
    assert saved.status_code == 423 and saved.get_json()["on_break"] is True
    assert api.post("/run/add-task", {}).status_code == 423
    page = client.get(api.base).get_data(as_text=True)
    assert 'data-on-break="1"' in page and "You are on a break" in page

    resumed = api.post("/resume", {}).get_json()
    assert resumed["break_ends_ms"] is None
    assert resumed["deadline_ms"] - before["deadline_ms"] < 5 * 60_000
    assert api.save("gd-step", "a").status_code == 200
    refused = api.post("/break", {})
    assert refused.status_code == 400 and "no breaks left" in refused.get_json()["message"]
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(IntegrityEvent.kind).where(IntegrityEvent.attempt_id == attempt_id)
        ).all()
    assert kinds == ["break_start", "break_end"]


def test_another_candidates_clock_is_not_found(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    person: User,
    make_user: Callable[..., User],
    mini: str,
) -> None:
    auth.login(person.email)
    attempt_id = _start(client, mini)
    auth.logout()
    other = make_user(Role.candidate)
    auth.login(other.email)
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    assert client.get(f"/exam/attempts/{attempt_id}/clock").status_code == 404
    for path in ("/break", "/resume"):
        response = client.post(
            f"/exam/attempts/{attempt_id}{path}", json={}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 404


def test_signals_stop_once_the_candidate_withdraws_the_consent(
    app: Flask, client: FlaskClient, auth: AuthActions, person: User, mini: str
) -> None:
    auth.login(person.email)
    attempt_id = _start(client, mini)  # the consent screen records the proctoring consent
    api = Api(client, attempt_id)
    assert api.post("/events", {"kind": "paste", "size": 40}).status_code == 204
    token = csrf_from(client.get("/privacy/me").get_data(as_text=True))
    withdrawn = client.post(
        f"/privacy/me/consents/{ConsentPurpose.proctoring.value}/withdraw",
        data={"csrf_token": token},
    )
    assert withdrawn.status_code in (302, 303)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None and ConsentPurpose.proctoring not in consent.current(user)
    assert api.post("/events", {"kind": "paste", "size": 99}).status_code == 204
    assert api.post("/events", {"kind": "tab_hidden"}).status_code == 204
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(IntegrityEvent.kind).where(IntegrityEvent.attempt_id == attempt_id)
        ).all()
    assert kinds == ["paste"]


def test_the_documented_clock_reply_is_the_real_one(
    app: Flask, client: FlaskClient, auth: AuthActions, person: User, mini: str
) -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- clock-reply -->\s*```json\n(.*?)```", text, re.S)
    assert match, "docs/accommodations.md has no clock reply example"
    documented = json.loads(match.group(1))
    auth.login(person.email)
    attempt_id = _start(client, mini)
    real = client.get(f"/exam/attempts/{attempt_id}/clock").get_json()
    assert set(real) == set(documented)
    for key, value in documented.items():
        assert isinstance(real[key], type(value)) or real[key] is None or value is None, key
