"""The new-user path: HR invites, the candidate follows the mailed link, sets a password,
logs in, and cannot open HR pages."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import Invitation, Job, Role, User
from hirebench.models.base import utcnow
from tests.conftest import PASSWORD, csrf_from

LINK_RE = re.compile(r"http://hirebench\.test/invite/(\S+)")


def _invite_as_hr(app, client, auth, make_user, email="han@example.com"):  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.add(Job(title="AI Trainer — e-commerce"))
        db.session.commit()
        job_id = db.session.scalars(sa.select(Job.id)).one()
    hr = make_user(Role.hr)
    auth.login(hr.email)
    token = csrf_from(client.get("/hr/").get_data(as_text=True))
    return client.post(
        "/hr/invitations",
        data={"name": "韩梅梅", "email": email, "job_id": job_id, "csrf_token": token},
    )


def _mailed_token(app) -> str:  # type: ignore[no-untyped-def]
    outbox = app.extensions["mailman"].outbox
    assert len(outbox) == 1
    match = LINK_RE.search(outbox[0].body)
    assert match, outbox[0].body
    return match.group(1)


def test_full_invitation_flow(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    response = _invite_as_hr(app, client, auth, make_user)
    assert response.status_code == 302
    mail = app.extensions["mailman"].outbox[0]
    assert mail.to == ["han@example.com"]
    assert "韩梅梅" in mail.body and "AI Trainer — e-commerce" in mail.body
    token = _mailed_token(app)
    auth.logout()

    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    assert "韩梅梅" in page.get_data(as_text=True)
    accepted = client.post(
        f"/invite/{token}",
        data={
            "password": "my new password",
            "confirm": "my new password",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/login")

    assert auth.login("han@example.com", "my new password").headers["Location"].endswith("/exam/")
    home = client.get("/exam/").get_data(as_text=True)
    assert "AI Trainer — e-commerce" in home
    assert client.get("/hr/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_reused_link_shows_clear_page_and_keeps_password(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user)
    token = _mailed_token(app)
    auth.logout()
    form = csrf_from(client.get(f"/invite/{token}").get_data(as_text=True))
    client.post(
        f"/invite/{token}",
        data={"password": "first password!", "confirm": "first password!", "csrf_token": form},
    )
    again = client.get(f"/invite/{token}")
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    second = client.post(
        f"/invite/{token}",
        data={"password": "second password", "confirm": "second password", "csrf_token": form},
    )
    assert second.status_code == 410
    assert auth.login("han@example.com", "first password!").status_code == 302


def test_expired_link(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user)
    token = _mailed_token(app)
    with app.app_context():
        db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = client.get(f"/invite/{token}")
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalars(
                sa.select(User.password_hash).where(User.role == Role.candidate)
            ).one()
            is None
        )


def test_tampered_link(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/invite/obviously-forged-token")
    assert page.status_code == 410
    assert "not valid" in page.get_data(as_text=True)


def test_mismatched_passwords_rerender(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user)
    token = _mailed_token(app)
    auth.logout()
    form = csrf_from(client.get(f"/invite/{token}").get_data(as_text=True))
    response = client.post(
        f"/invite/{token}",
        data={"password": "first password!", "confirm": "other password!", "csrf_token": form},
    )
    assert response.status_code == 400
    assert "The passwords differ." in response.get_data(as_text=True)
    assert client.get(f"/invite/{token}").status_code == 200


def test_invite_form_errors_save_nothing(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    response = _invite_as_hr(app, client, auth, make_user, email="not-an-email")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    assert getattr(app.extensions["mailman"], "outbox", []) == []


def test_failed_mail_saves_nothing(app, client, auth, make_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from hirebench.services import mail

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(mail, "send_templated", refuse)
    response = _invite_as_hr(app, client, auth, make_user)
    assert response.status_code == 503
    assert "nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
        assert (
            db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.candidate))
            == 0
        )


def test_candidate_sees_only_own_invitations(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user, email="a@example.com")
    with app.app_context():
        other_job = Job(title="Other secret job")
        db.session.add(other_job)
        db.session.commit()
    token_page = client.get("/hr/").get_data(as_text=True)
    client.post(
        "/hr/invitations",
        data={
            "name": "B",
            "email": "b@example.com",
            "job_id": 2,
            "csrf_token": csrf_from(token_page),
        },
    )
    token = _mailed_token_for(app, "a@example.com")
    auth.logout()
    form = csrf_from(client.get(f"/invite/{token}").get_data(as_text=True))
    client.post(
        f"/invite/{token}",
        data={"password": "password for a", "confirm": "password for a", "csrf_token": form},
    )
    auth.login("a@example.com", "password for a")
    home = client.get("/exam/").get_data(as_text=True)
    assert "AI Trainer — e-commerce" in home
    assert "Other secret job" not in home


def _mailed_token_for(app, email: str) -> str:  # type: ignore[no-untyped-def]
    for message in app.extensions["mailman"].outbox:
        if message.to == [email]:
            match = LINK_RE.search(message.body)
            assert match
            return match.group(1)
    raise AssertionError(f"no mail to {email}")


# ------------------------------------------------------------------ issue 11, item 1 and 5


def _accept(client, token: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/invite/{token}")
    if page.status_code != 200:
        return page
    form = csrf_from(page.get_data(as_text=True))
    return client.post(
        f"/invite/{token}", data={"password": password, "confirm": password, "csrf_token": form}
    )


def _post_invite(client, email: str, job_id: int, **kwargs):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/hr/").get_data(as_text=True))
    return client.post(
        "/hr/invitations",
        data={"name": "韩梅梅", "email": email, "job_id": job_id, "csrf_token": token},
        **kwargs,
    )


def _tokens(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.group(1) for m in LINK_RE.finditer(_bodies(app))]


def _bodies(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(message.body for message in app.extensions["mailman"].outbox)


def test_older_link_dies_when_a_newer_one_is_used(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user)
    with app.app_context():
        db.session.add(Job(title="Second job"))
        db.session.commit()
    _post_invite(client, "han@example.com", 2)
    older, newer = _tokens(app)
    auth.logout()
    assert _accept(client, newer, "the newer password").status_code == 302
    stale = client.get(f"/invite/{older}")
    assert stale.status_code == 410
    assert _accept(client, older, "attacker password").status_code == 410
    assert auth.login("han@example.com", "the newer password").status_code == 302


def test_reinviting_an_account_sends_a_notice_not_a_password_link(
    app, client, auth, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.candidate, email="known@example.com")
    response = _invite_as_hr(app, client, auth, make_user, email="known@example.com")
    assert response.status_code == 302
    outbox = app.extensions["mailman"].outbox
    assert len(outbox) == 1
    assert "/invite/" not in outbox[0].body and "http://hirebench.test/login" in outbox[0].body
    assert "already has an account" in client.get("/hr/").get_data(as_text=True)
    assert "notified (has an account)" in client.get("/hr/").get_data(as_text=True)
    auth.logout()
    assert auth.login("known@example.com").status_code == 302
    assert "AI Trainer — e-commerce" in client.get("/exam/").get_data(as_text=True)


def test_same_job_twice_warns_and_offers_resend(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user)
    (first,) = _tokens(app)
    again = _post_invite(client, "han@example.com", 1)
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "already has an invitation" in html
    assert 'action="/hr/invitations/1/resend"' in html
    assert len(app.extensions["mailman"].outbox) == 1
    resent = client.post("/hr/invitations/1/resend", data={"csrf_token": csrf_from(html)})
    assert resent.status_code == 303
    first_again, second = _tokens(app)
    assert first_again == first and second != first
    assert client.get(f"/invite/{first}").status_code == 410
    assert client.get(f"/invite/{second}").status_code == 200


def test_hr_withdraws_a_pending_invitation(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    _invite_as_hr(app, client, auth, make_user)
    (token,) = _tokens(app)
    home = client.get("/hr/").get_data(as_text=True)
    assert 'action="/hr/invitations/1/revoke"' in home
    assert client.post("/hr/invitations/1/revoke").status_code == 400  # no CSRF token
    revoked = client.post("/hr/invitations/1/revoke", data={"csrf_token": csrf_from(home)})
    assert revoked.status_code == 303
    assert "withdrawn" in client.get("/hr/").get_data(as_text=True)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 410 and "withdrawn" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Invitation, 1).revoked_at is not None  # type: ignore[union-attr]


def test_forged_host_header_does_not_change_the_mailed_link(app, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import AuthActions

    # As in production: no SERVER_NAME, so the request's Host header is what Flask would use.
    app.config.update(SERVER_NAME=None, BASE_URL="https://jobs.example.com")
    with app.app_context():
        db.session.add(Job(title="AI Trainer — e-commerce"))
        db.session.commit()
    hr = make_user(Role.hr)
    client = app.test_client()
    AuthActions(client).login(hr.email)
    session_cookie = client.get_cookie("session", domain="localhost")
    assert session_cookie is not None
    client.set_cookie("session", session_cookie.value, domain="evil.example")
    forged = "http://evil.example"
    token = csrf_from(client.get("/hr/", base_url=forged).get_data(as_text=True))
    response = client.post(
        "/hr/invitations",
        data={"name": "韩梅梅", "email": "han@example.com", "job_id": 1, "csrf_token": token},
        base_url=forged,
    )
    assert response.status_code == 302
    body = _bodies(app)
    assert "evil.example" not in body
    assert "https://jobs.example.com/invite/" in body


def test_candidate_home_lists_each_application_once_however_it_began(  # type: ignore[no-untyped-def]
    app, client, auth, make_user
) -> None:
    """One line per job: an application from screening (no invitation) shows, and a job
    invited to twice (a resend) shows once."""
    from hirebench.jobs.service import ensure_application
    from hirebench.services import accounts, invitations

    with app.app_context():
        screened, invited = Job(title="Screened role"), Job(title="Invited role")
        db.session.add_all([screened, invited])
        first = invitations.invite_candidate(
            name="Lin", email="lin@example.com", job=invited, invited_by=None, ttl_hours=24
        )
        invitations.resend(first.invitation, by=None, ttl_hours=24)
        person = first.candidate
        ensure_application(person, screened, source="screening")
        accounts.set_password(person, PASSWORD)
        db.session.commit()
    auth.login("lin@example.com")
    html = client.get("/exam/").get_data(as_text=True)
    assert html.count("Screened role") == 1 and html.count("Invited role") == 1
    assert "You have no applications yet." not in html
