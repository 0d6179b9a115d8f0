"""Admin account management (issue 11, item 4): one-time passwords shown once and never in
the session cookie, a forced change at first login, editing, deactivation, no default role."""

from __future__ import annotations

import re

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, AuthActions, csrf_from


def _actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _as_admin(client, auth, make_user) -> User:  # type: ignore[no-untyped-def]
    admin = make_user(Role.admin)
    auth.login(admin.email)
    return admin


def _create(client, **fields):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    return client.post("/admin/users", data={"csrf_token": token, **fields})


def test_create_form_has_no_default_role(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _as_admin(client, auth, make_user)
    html = client.get("/admin/").get_data(as_text=True)
    first_option = re.search(r'<select[^>]*name="role"[^>]*>\s*<option([^>]*)>', html)
    assert first_option and 'value=""' in first_option.group(1)
    response = _create(client, email="new@example.com", role="")
    assert response.status_code == 400
    assert "Choose a role." in response.get_data(as_text=True)


def test_generated_password_shown_once_not_in_cookie(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _as_admin(client, auth, make_user)
    response = _create(client, email="new.hr@example.com", role="hr", name="New HR")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True))
    assert password
    cookie = client.get_cookie("session", domain="hirebench.test")
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    assert password.group(1) not in str(serializer.loads(cookie.value))
    assert password.group(1) not in client.get("/admin/").get_data(as_text=True)


def test_admin_made_account_must_change_password_first(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _as_admin(client, auth, make_user)
    _create(client, email="rev@example.com", role="reviewer", password="admin chosen pw")
    auth.logout()
    assert auth.login("rev@example.com", "admin chosen pw").status_code == 302
    for page in ("/review/", "/", "/account/password"):
        response = client.get(page)
        if page == "/account/password":
            assert response.status_code == 200
            assert "Choose your own password" in response.get_data(as_text=True)
        else:
            assert response.status_code == 302
            assert response.headers["Location"].endswith("/account/password")
    form = csrf_from(client.get("/account/password").get_data(as_text=True))
    changed = client.post(
        "/account/password",
        data={
            "current": "admin chosen pw",
            "password": "my very own pw",
            "confirm": "my very own pw",
            "csrf_token": form,
        },
    )
    assert changed.status_code == 302
    assert client.get("/review/").status_code == 200


def _edit(client, user_id: int, **fields):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(f"/admin/users/{user_id}").get_data(as_text=True))
    return client.post(f"/admin/users/{user_id}", data={"csrf_token": token, **fields})


def test_admin_edits_name_and_role_audited(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _as_admin(client, auth, make_user)
    reviewer = make_user(Role.reviewer, name="Old")
    assert _edit(client, reviewer.id, name="New name", role="interviewer").status_code == 302
    with app.app_context():
        saved = db.session.get(User, reviewer.id)
        assert saved is not None and saved.name == "New name" and saved.role is Role.interviewer
    assert _actions(app)[-1] == "user.update"


def test_admin_cannot_demote_or_deactivate_themself(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = _as_admin(client, auth, make_user)
    refused = _edit(client, admin.id, name="Me", role="hr")
    assert refused.status_code == 400
    assert "You cannot change your own role." in refused.get_data(as_text=True)
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    assert f'action="/admin/users/{admin.id}/deactivate"' not in client.get("/admin/").get_data(
        as_text=True
    )
    response = client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 400
    with app.app_context():
        me = db.session.get(User, admin.id)
        assert me is not None and me.active and me.role is Role.admin


def test_deactivation_ends_sessions(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    hr_client = app.test_client()
    AuthActions(hr_client).login(hr.email)
    assert hr_client.get("/hr/").status_code == 200
    _as_admin(client, auth, make_user)
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    off = client.post(f"/admin/users/{hr.id}/deactivate", data={"csrf_token": token})
    assert off.status_code == 303
    assert hr_client.get("/hr/").status_code == 302
    assert AuthActions(app.test_client()).login(hr.email).status_code == 401
    on = client.post(f"/admin/users/{hr.id}/reactivate", data={"csrf_token": token})
    assert on.status_code == 303
    assert AuthActions(app.test_client()).login(hr.email, PASSWORD).status_code == 302
    actions = _actions(app)
    assert actions.index("user.deactivate") < actions.index("user.reactivate")
