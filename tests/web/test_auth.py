from __future__ import annotations

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import AuditEvent, Role
from tests.conftest import PASSWORD, csrf_from


def _actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_page_renders(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data


def test_login_logout_roundtrip(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    response = auth.login(hr.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hr/")
    assert client.get("/hr/").status_code == 200
    assert client.get("/").headers["Location"].endswith("/hr/")
    assert auth.logout().status_code == 302
    assert client.get("/hr/").status_code == 302
    assert _actions(app)[-2:] == ["login", "logout"]


def test_login_is_case_insensitive_on_email(auth, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.reviewer, email="rev@example.com")
    assert auth.login("  REV@Example.com ").headers["Location"].endswith("/review/")
    assert user.email == "rev@example.com"


def test_bad_password_is_refused_and_audited(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    response = auth.login(hr.email, "wrong password!!")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/hr/").status_code == 302
    assert _actions(app)[-1] == "login.failed"


def test_unknown_email_looks_like_bad_password(auth) -> None:  # type: ignore[no-untyped-def]
    response = auth.login("nobody@example.com", "whatever-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_inactive_account_cannot_log_in(app, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    from hirebench.models import User

    user = make_user(Role.hr)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert auth.login(user.email).status_code == 401


def test_login_rate_limited_per_account(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    statuses = [auth.login(hr.email, "wrong-password-1").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # Even the right password is refused while the limit holds.
    refused = auth.login(hr.email)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)


def test_login_rate_limited_per_address(auth) -> None:  # type: ignore[no-untyped-def]
    statuses = [auth.login(f"user{i}@example.com", "bad-password").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_missing_or_wrong_csrf_token_is_400(client, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    client.get("/login")
    assert client.post("/login", data={"email": hr.email, "password": PASSWORD}).status_code == 400
    wrong = client.post(
        "/login", data={"email": hr.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert wrong.status_code == 400
    assert client.get("/hr/").status_code == 302


def test_malformed_login_form_shows_field_errors(client, auth) -> None:  # type: ignore[no-untyped-def]
    token = auth.csrf()
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('class="error"') == 2


def test_next_parameter_cannot_redirect_off_site(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    token = auth.csrf()
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": hr.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/hr/")


def test_next_parameter_same_site(client, make_user, auth) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    assert client.get("/hr/audit").status_code == 302
    token = auth.csrf()
    response = client.post(
        "/login?next=/hr/audit", data={"email": hr.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/hr/audit"


def test_unknown_url_is_404_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<h1>404" in response.get_data(as_text=True)


def test_user_text_is_escaped(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.admin, email="boss@example.com", name="<script>alert(1)</script>")
    auth.login("boss@example.com")
    html = client.get("/admin/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_logout_requires_csrf(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    auth.login(hr.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/hr/").status_code == 200
    page = client.get("/hr/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 302


def test_next_parameter_ignored_when_role_may_not_open_it(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    candidate = make_user(Role.candidate)
    token = auth.csrf()
    response = client.post(
        "/login?next=/hr/",
        data={"email": candidate.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/exam/")
