"""The new-user path: HR invites, the candidate follows the mailed link, sets a password,
logs in, and cannot open HR pages."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import Invitation, Job, Role, User
from hirebench.models.base import utcnow
from tests.conftest import csrf_from

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
