"""API tokens end to end: the bearer check on the scorecards endpoint, the admin page and the
`hirebench api-token` commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from hirebench.extensions import db
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import ensure_application, save_profile
from hirebench.models import ApiToken, AuditEvent, Job, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.scorecards import service as scorecards
from hirebench.services import api_tokens
from tests.conftest import PASSWORD, AuthActions, csrf_from

PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
TOKEN_RE = re.compile(r"<code data-new-token>(hb_[A-Za-z0-9_-]+)</code>")


def _token(app: Flask, name: str = "ATS", *, revoked: bool = False) -> str:
    with app.app_context():
        token, raw = api_tokens.create(name, by=None)
        if revoked:
            api_tokens.revoke(token, by=None)
        db.session.commit()
        return raw


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def job_id(app: Flask) -> int:
    """A job without a profile: it exists, but has no competency model to export."""
    with app.app_context():
        job = Job(title="Data labeller")
        db.session.add(job)
        db.session.commit()
        return job.id


@pytest.fixture
def profiled_job_id(app: Flask) -> int:
    """The demo job's profile and one candidate who applied (no evidence yet)."""
    with app.app_context():
        job = db.session.get_one(Job, save_profile(load_profile_file(PROFILE)).job_id)
        candidate = User(email="zhang.wei@example.com", name="张伟", role=Role.candidate)
        db.session.add(candidate)
        db.session.flush()
        scorecards.refresh(ensure_application(candidate, job))
        db.session.commit()
        return job.id


# ----------------------------------------------------------------------------- the API


def _assert_401(response: TestResponse) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="hirebench"'
    body = response.get_json()
    assert body["status"] == 401 and body["error"] and body["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic YWRtaW46cGFzc3dvcmQ="},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer hb_" + "A" * 43},
    ],
)
def test_missing_malformed_or_unknown_token_is_401(
    app: Flask, client: FlaskClient, job_id: int, headers: dict[str, str]
) -> None:
    _token(app)
    _assert_401(client.get(f"/api/v1/jobs/{job_id}/scorecards", headers=headers))


def test_basic_scheme_with_a_real_token_is_401(
    app: Flask, client: FlaskClient, job_id: int
) -> None:
    raw = _token(app)
    response = client.get(f"/api/v1/jobs/{job_id}/scorecards", headers={"Authorization": raw})
    _assert_401(response)
    response = client.get(
        f"/api/v1/jobs/{job_id}/scorecards", headers={"Authorization": f"Basic {raw}"}
    )
    _assert_401(response)


def test_revoked_token_is_401(app: Flask, client: FlaskClient, job_id: int) -> None:
    raw = _token(app, revoked=True)
    _assert_401(client.get(f"/api/v1/jobs/{job_id}/scorecards", headers=_bearer(raw)))


def test_a_browser_session_is_not_enough(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    job_id: int,
) -> None:
    admin = make_user(Role.admin)
    assert auth.login(admin.email).status_code == 302
    _assert_401(client.get(f"/api/v1/jobs/{job_id}/scorecards"))


def test_unknown_job_is_404_json(app: Flask, client: FlaskClient) -> None:
    raw = _token(app)
    response = client.get("/api/v1/jobs/999/scorecards", headers=_bearer(raw))
    assert response.status_code == 404
    body = response.get_json()
    assert body["status"] == 404 and "999" in body["message"]
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken.last_used_at)).one() is not None


def test_job_without_competency_model_is_409(app: Flask, client: FlaskClient, job_id: int) -> None:
    raw = _token(app)
    response = client.get(f"/api/v1/jobs/{job_id}/scorecards", headers=_bearer(raw))
    assert response.status_code == 409
    body = response.get_json()
    assert body["status"] == 409 and "Data labeller" in body["message"]
    with app.app_context():
        exports = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export.api")
        ).all()
        assert exports == []


def test_scorecards_export(app: Flask, client: FlaskClient, profiled_job_id: int) -> None:
    raw = _token(app, "ATS nightly sync")
    # Scheme names are case-insensitive (RFC 7235).
    response = client.get(
        f"/api/v1/jobs/{profiled_job_id}/scorecards", headers={"Authorization": f"bearer {raw}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    body = response.get_json()
    assert body["job_id"] == profiled_job_id
    assert body["job_title"] == "AI Trainer — e-commerce"
    assert body["profile_version"] == 1
    [candidate] = body["candidates"]
    assert candidate["name"] == "张伟" and isinstance(candidate["candidate_id"], int)
    # jsonify sorts keys, so only the sets are part of the contract, not the order.
    assert set(candidate["stages"]) == {"written_test", "portfolio", "interview", "assessment"}
    for stage in candidate["stages"].values():
        assert stage["score"] is None and stage["status"] == "missing"
    assert candidate["stages"]["written_test"]["weight"] == 30
    assert set(candidate["competencies"]) == {
        "technical",
        "annotation-quality",
        "business",
        "communication",
    }
    assert all(score is None for score in candidate["competencies"].values())
    assert candidate["composite"] is None
    assert candidate["recommendation"]["code"] in ("hire", "hire_with_training", "hold", "reject")
    assert isinstance(candidate["flags"], list)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export.api")
        ).one()
        assert event.actor_id is None
        assert (event.target_type, event.target_id) == ("Job", str(profiled_job_id))
        assert event.detail["token_name"] == "ATS nightly sync"
        assert event.detail["token_prefix"] == raw[:10]
        assert raw not in str(event.detail)
        assert db.session.scalars(sa.select(ApiToken.last_used_at)).one() is not None


def test_csrf_does_not_block_the_api(app: Flask, job_id: int) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True)  # the real setting, not switched off
    raw = _token(app)
    response = app.test_client().get(f"/api/v1/jobs/{job_id}/scorecards", headers=_bearer(raw))
    assert response.status_code == 409  # reached the view: CSRF did not stop it with a 400


def test_other_methods_are_405_json(app: Flask, client: FlaskClient, job_id: int) -> None:
    raw = _token(app)
    response = client.post(f"/api/v1/jobs/{job_id}/scorecards", headers=_bearer(raw))
    assert response.status_code == 405 and response.get_json()["status"] == 405


# ------------------------------------------------------------------------ the admin page


@pytest.fixture
def admin_client(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> FlaskClient:
    admin = make_user(Role.admin)
    assert auth.login(admin.email).status_code == 302
    return client


def test_admin_creates_a_token_shown_once(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/tokens")
    assert page.status_code == 200
    created = admin_client.post(
        "/admin/tokens",
        data={
            "name": "ATS sync",
            "scopes": "scorecards:read",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    # Post, redirect, get: the token is shown by the GET that follows.
    assert created.status_code == 302 and created.headers["Location"].endswith("/admin/tokens")
    response = admin_client.get("/admin/tokens")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, "the new token is not on the page"
    raw = match.group(1)
    assert "Copy it now" in html
    with app.app_context():
        row = db.session.scalars(sa.select(ApiToken)).one()
        assert row.name == "ATS sync" and row.token_hash != raw and raw not in row.token_hash
        assert api_tokens.authenticate(raw) is not None
    # Reloading shows the list without the secret, and creates nothing.
    again = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert raw not in again and "ATS sync" in again and raw[:10] in again
    with app.app_context():
        assert len(db.session.scalars(sa.select(ApiToken)).all()) == 1
    # Never in a cookie, and not left on the server once read.
    for answer in (created, response):
        assert raw not in (answer.headers.get("Set-Cookie") or "")
    one_time = Path(app.instance_path) / "one-time"
    assert not one_time.exists() or list(one_time.iterdir()) == []


def test_admin_create_needs_a_name_and_csrf(app: Flask, admin_client: FlaskClient) -> None:
    csrf = csrf_from(admin_client.get("/admin/tokens").get_data(as_text=True))
    assert (
        admin_client.post("/admin/tokens", data={"name": "", "csrf_token": csrf}).status_code == 400
    )
    too_long = {"name": "x" * 101, "csrf_token": csrf}
    assert admin_client.post("/admin/tokens", data=too_long).status_code == 400
    assert admin_client.post("/admin/tokens", data={"name": "ATS"}).status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken)).all() == []


def test_admin_revokes_a_token(app: Flask, admin_client: FlaskClient) -> None:
    raw = _token(app, "Old ATS")
    with app.app_context():
        token_id = db.session.scalars(sa.select(ApiToken.id)).one()
    url = f"/admin/tokens/{token_id}/revoke"
    listing = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert f'href="{url}"' in listing  # a link to a confirmation, not a one-click form
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Old ATS" in page and raw[:10] in page and "Revoke the token" in page
    csrf = csrf_from(page)
    assert admin_client.post(url).status_code == 400  # no CSRF token
    # Without the confirmation page's answer, the POST only asks.
    unconfirmed = admin_client.post(url, data={"csrf_token": csrf})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"].endswith(url)
    with app.app_context():
        assert db.session.get_one(ApiToken, token_id).revoked_at is None
    response = admin_client.post(
        url, data={"csrf_token": csrf, "confirm": "1"}, follow_redirects=True
    )
    assert response.status_code == 200 and "Old ATS" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(ApiToken, token_id).revoked_at is not None
        assert api_tokens.authenticate(raw) is None
    assert (
        admin_client.post("/admin/tokens/999/revoke", data={"csrf_token": csrf}).status_code == 404
    )
    assert admin_client.get("/admin/tokens/999/revoke").status_code == 404


@pytest.mark.parametrize("role", [Role.hr, Role.reviewer, Role.candidate])
def test_non_admins_are_refused(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    role: Role,
) -> None:
    _token(app)
    with app.app_context():
        token_id = db.session.scalars(sa.select(ApiToken.id)).one()
    user = make_user(role)
    assert auth.login(user.email, PASSWORD).status_code == 302
    assert client.get("/admin/tokens").status_code == 403
    assert client.post("/admin/tokens", data={"name": "mine"}).status_code in (400, 403)
    assert client.post(f"/admin/tokens/{token_id}/revoke").status_code in (400, 403)
    assert client.get(f"/admin/tokens/{token_id}/revoke").status_code == 403
    with app.app_context():
        assert [t.name for t in api_tokens.active_and_revoked()] == ["ATS"]
        assert db.session.get_one(ApiToken, token_id).revoked_at is None


# ------------------------------------------------------------------------------- the CLI


def test_cli_create_list_revoke(app: Flask, runner: FlaskCliRunner, client: FlaskClient) -> None:
    created = runner.invoke(args=["api-token", "create", "--name", "ATS"])
    assert created.exit_code == 0, created.output
    raw = created.output.split("token: ")[1].split()[0]
    assert "cannot be shown again" in created.output
    with app.app_context():
        token = api_tokens.authenticate(raw)
        assert token is not None
        token_id = token.id
    listed = runner.invoke(args=["api-token", "list"])
    assert listed.exit_code == 0 and "ATS" in listed.output and "active" in listed.output
    assert raw[:10] in listed.output and raw not in listed.output
    revoked = runner.invoke(args=["api-token", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert runner.invoke(args=["api-token", "revoke", str(token_id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["api-token", "list"]).output
    with app.app_context():
        assert api_tokens.authenticate(raw) is None
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.startswith("api_token."))
        ).all()
        assert actions == ["api_token.create", "api_token.revoke"]


def test_cli_errors(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["api-token", "create", "--name", " "]).exit_code != 0
    missing = runner.invoke(args=["api-token", "revoke", "42"])
    assert missing.exit_code != 0 and "42" in missing.output
    assert "no API tokens" in runner.invoke(args=["api-token", "list"]).output
