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


# ------------------------------------------------------------------ sessions end (issue 11.2)

DOMAIN = "hirebench.test"


def _copy_cookie(source, target, name: str) -> None:  # type: ignore[no-untyped-def]
    cookie = source.get_cookie(name, domain=DOMAIN)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value, domain=DOMAIN)


def test_session_cookie_copied_before_logout_stops_working(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    auth.login(hr.email)
    thief = app.test_client()
    _copy_cookie(client, thief, "session")
    assert thief.get("/hr/").status_code == 200
    auth.logout()
    assert thief.get("/hr/").status_code == 302


def test_remember_cookie_stops_working_after_logout(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    response = auth.login(hr.email, remember="y")
    remember = next(h for h in response.headers.getlist("Set-Cookie") if "remember_token" in h)
    assert "HttpOnly" in remember
    thief = app.test_client()
    _copy_cookie(client, thief, "remember_token")
    assert thief.get("/hr/").status_code == 200  # the cookie alone logs in...
    auth.logout()
    assert app.test_client().get("/hr/").status_code == 302
    fresh = app.test_client()
    _copy_cookie(thief, fresh, "remember_token")
    assert fresh.get("/hr/").status_code == 302  # ...until the owner logs out anywhere


def test_remember_cookie_lasts_two_weeks_not_a_year(auth, make_user) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta
    from email.utils import parsedate_to_datetime

    hr = make_user(Role.hr)
    response = auth.login(hr.email, remember="y")
    header = next(h for h in response.headers.getlist("Set-Cookie") if "remember_token" in h)
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert expires - datetime.now(UTC) < timedelta(days=15)


def test_login_does_not_count_against_the_account(app, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    for _ in range(7):
        assert auth.login(hr.email).status_code == 302
        auth.logout()


def _change_password(client, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    page = client.get("/account/password").get_data(as_text=True)
    return client.post(
        "/account/password",
        data={
            "current": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
            "csrf_token": csrf_from(page),
        },
    )


def test_password_change_ends_other_sessions_but_not_this_one(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import AuthActions

    hr = make_user(Role.hr)
    other = app.test_client()
    AuthActions(other).login(hr.email)
    auth.login(hr.email)
    response = _change_password(client, PASSWORD, "a brand new password")
    assert response.status_code == 302
    assert client.get("/hr/").status_code == 200
    assert other.get("/hr/").status_code == 302
    assert auth.logout().status_code == 302
    assert auth.login(hr.email).status_code == 401
    assert auth.login(hr.email, "a brand new password").status_code == 302
    assert "password.change" in _actions(app)


def test_password_change_needs_the_current_password(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_user(Role.reviewer)
    auth.login(reviewer.email)
    assert 'href="/account/password"' in client.get("/review/").get_data(as_text=True)
    wrong = _change_password(client, "not my password", "a brand new password")
    assert wrong.status_code == 400
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    mismatch = _change_password(client, PASSWORD, "a brand new password", "something else")
    assert mismatch.status_code == 400
    assert "The passwords differ." in mismatch.get_data(as_text=True)
    auth.logout()
    assert auth.login(reviewer.email).status_code == 302


def test_candidate_can_change_password(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    candidate = make_user(Role.candidate)
    auth.login(candidate.email)
    assert client.get("/account/password").status_code == 200
    assert _change_password(client, PASSWORD, "candidate's new pw").status_code == 302


# ------------------------------------------------------------------ CSRF (issue 11.6)


def test_login_rotates_the_csrf_token(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    before = auth.csrf("/login")
    auth.login(hr.email)
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/hr/").status_code == 200
    after = csrf_from(client.get("/hr/").get_data(as_text=True))
    assert after != before


def test_csrf_token_expires(client, auth, make_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time as time_module

    hr = make_user(Role.hr)
    token = auth.csrf("/login")
    real_time = time_module.time
    # Five hours on, the token still works (a wrong password gets past the CSRF check)...
    monkeypatch.setattr(time_module, "time", lambda: real_time() + 5 * 3600)
    still_valid = client.post(
        "/login", data={"email": hr.email, "password": "wrong password", "csrf_token": token}
    )
    assert still_valid.status_code == 401
    # ...seven hours on, it has expired.
    monkeypatch.setattr(time_module, "time", lambda: real_time() + 7 * 3600)
    stale = client.post(
        "/login", data={"email": hr.email, "password": PASSWORD, "csrf_token": token}
    )
    assert stale.status_code == 400


# ------------------------------------------------------------------ lockouts (issue 11.3)


def _login_from(client, ip: str, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failures_count_per_normalised_email(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.hr, email="hr.lead@example.com")
    variants = ["hr.lead@example.com", " HR.Lead@Example.com", "hr.lead@EXAMPLE.COM  "]
    statuses = [
        _login_from(client, "10.0.0.9", variants[i % 3], "wrong password").status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]


def test_attacker_lockout_does_not_stop_the_owner(app, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    attacker, owner = app.test_client(), app.test_client()
    attempts = [
        _login_from(attacker, "203.0.113.7", hr.email, "guess").status_code for _ in range(6)
    ]
    assert attempts[-1] == 429
    assert _login_from(owner, "198.51.100.2", hr.email, PASSWORD).status_code == 302


def test_account_cap_stops_a_spread_out_attack(app, make_user) -> None:  # type: ignore[no-untyped-def]
    app.config["LOGIN_ACCOUNT_CAP"] = "6 per hour"
    hr = make_user(Role.hr)
    attacker = app.test_client()
    statuses = [
        _login_from(attacker, f"203.0.113.{i // 2}", hr.email, "guess").status_code
        for i in range(7)
    ]
    assert statuses == [401] * 6 + [429]
    # The cap guards the account from every address; the right password does not get past it.
    assert _login_from(app.test_client(), "198.51.100.2", hr.email, PASSWORD).status_code == 429


def test_lockout_page_keeps_the_form_and_says_when(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per 10 minutes"
    hr = make_user(Role.hr)
    for _ in range(2):
        _login_from(client, "10.0.0.3", hr.email, "wrong")
    refused = _login_from(client, "10.0.0.3", hr.email, PASSWORD)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert 'id="login-form"' in html and 'name="csrf_token"' in html
    assert "Too many attempts. Try again in 10 minutes." in html
    assert 540 <= int(refused.headers["Retry-After"]) <= 600
