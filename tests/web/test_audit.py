from __future__ import annotations

from hirebench.models import Role


def test_audit_log_lists_logins_and_failures(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    auth.login(hr.email, "not the password")
    auth.login(hr.email)
    html = client.get("/hr/audit").get_data(as_text=True)
    assert "login.failed" in html and hr.email in html
    filtered = client.get("/hr/audit?action=login.failed").get_data(as_text=True)
    assert "login.failed" in filtered and ">login<" not in filtered


def test_audit_log_paginates(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    from hirebench.extensions import db
    from hirebench.services import audit

    admin = make_user(Role.admin)
    with app.app_context():
        for n in range(120):
            audit.record("test.event", actor_email=f"n{n}@example.com")
        db.session.commit()
    auth.login(admin.email)
    first = client.get("/hr/audit").get_data(as_text=True)
    assert "Page 1 of 3" in first
    last = client.get("/hr/audit?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last
    assert client.get("/hr/audit?page=abc").status_code == 200


def test_staff_creation_by_admin_is_audited(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from

    admin = make_user(Role.admin)
    auth.login(admin.email)
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(
        "/admin/users",
        data={
            "email": "new@example.com",
            "role": "interviewer",
            "name": "",
            "password": "",
            "csrf_token": token,
        },
    )
    # The generated password is shown in this response only (not flashed); see test_admin.py.
    assert response.status_code == 200
    assert "shown only this once" in response.get_data(as_text=True)
    assert "new@example.com" in client.get("/admin/").get_data(as_text=True)
    assert "user.create" in client.get("/hr/audit").get_data(as_text=True)
    bad = client.post(
        "/admin/users", data={"email": "new@example.com", "role": "candidate", "csrf_token": token}
    )
    assert bad.status_code == 400


def test_repeated_denials_share_one_audit_row_with_a_count(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from hirebench.extensions import db
    from hirebench.models import AuditEvent

    candidate = make_user(Role.candidate)
    auth.login(candidate.email)
    for _ in range(100):
        assert client.get("/exam/attempts/424242").status_code == 404
    auth.logout()
    for role, url in ((Role.reviewer, "/review/items/4242"), (Role.interviewer, "/interview/4242")):
        auth.login(make_user(role).email)
        for _ in range(3):
            assert client.get(url).status_code == 404
        auth.logout()
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.endswith(".denied"))
        ).all()
        counts = {(e.action, e.actor_email == candidate.email): e.detail["count"] for e in rows}
    assert counts == {
        ("attempt.denied", True): 100,
        ("review.denied", False): 3,
        ("interview.denied", False): 3,
    }
