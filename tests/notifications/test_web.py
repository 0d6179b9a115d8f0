"""The notification pages: the bell and its capped count (one query per page), the list with
pagination, marking one or all read, opening, preferences; only one's own notifications; CSRF
on every form; staff only.

No app context stays open across requests here: a request reuses an open one, and with it the
locale Flask-Babel cached for the first request, which no real request would see."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import Notification, User
from hirebench.models.base import utcnow
from hirebench.notifications import kinds, service
from tests.conftest import AuthActions, csrf_from
from tests.factories import row
from tests.notifications.conftest import STAFF, inbox

BELL_RE = re.compile(r'<a class="hb-bell[^"]*" href="/notifications/" aria-label="([^"]+)">')
LINK = "/hr/jobs/1/candidates/2"


_app: list[Flask] = []


@contextmanager
def data() -> Iterator[None]:
    """An app context of its own for reading or writing rows between requests."""
    with _app[0].app_context():
        yield


@pytest.fixture
def staff(app: Flask, make_user: Callable[..., User]) -> Iterator[dict[str, User]]:
    """Accounts (detached: read their ids and emails only)."""
    _app[:] = [app]
    yield {
        key: make_user(role, email=email, name=name) for key, (role, email, name) in STAFF.items()
    }
    _app.clear()


def add(user: User, count: int, kind: str = kinds.OFFER_ACCEPTED) -> list[int]:
    """The ids of `count` new notifications, the first one the newest."""
    with data():
        return _add(user, count, kind)


def _add(user: User, count: int, kind: str) -> list[int]:
    now = utcnow()
    rows = [
        Notification(
            user_id=user.id,
            kind=kind,
            params={"candidate": f"Candidate {i}", "job": "AI trainer", "recommendation": "hire"},
            link=LINK,
            created_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def read_at(notification_id: int) -> object:
    with data():
        return row(Notification, notification_id).read_at


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def bell(html: str) -> str:
    match = BELL_RE.search(html)
    assert match, "no bell on the page"
    return match.group(1)


@pytest.fixture
def hr_client(staff: dict[str, User], client: FlaskClient, auth: AuthActions) -> FlaskClient:
    assert auth.login(staff["hr"].email).status_code == 302
    return client


def test_the_bell_shows_the_unread_count(staff: dict[str, User], hr_client: FlaskClient) -> None:
    assert bell(page(hr_client, "/hr/")) == "Notifications, none unread"
    add(staff["hr"], 3)
    html = page(hr_client, "/hr/")
    assert bell(html) == "Notifications, 3 unread"
    assert '<span class="badge rounded-pill" data-kind="unread">3</span>' in html


def test_the_bell_stops_counting_at_99(staff: dict[str, User], hr_client: FlaskClient) -> None:
    add(staff["hr"], 120)
    html = page(hr_client, "/hr/")
    assert bell(html) == "Notifications, 99+ unread"
    assert '<span class="badge rounded-pill" data-kind="unread">99+</span>' in html


def test_the_bell_costs_one_count_query_per_page(
    app: Flask, staff: dict[str, User], hr_client: FlaskClient
) -> None:
    add(staff["hr"], 5)
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "notifications" in statement:
            statements.append(statement)

    with data():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        page(hr_client, "/hr/")
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    assert len(statements) == 1 and "count" in statements[0].lower()


def test_every_staff_role_has_a_bell_and_candidates_none(
    staff: dict[str, User], app: Flask
) -> None:
    homes = {"admin": "/admin/", "r1": "/review/", "ann": "/interview/", "biz": "/business/"}
    for key, home in homes.items():
        client = app.test_client()
        AuthActions(client).login(staff[key].email)
        assert bell(page(client, home)) == "Notifications, none unread"
    client = app.test_client()
    AuthActions(client).login(staff["cand"].email)
    assert "notifications" not in page(client, "/exam/")
    assert client.get("/notifications/").status_code == 403
    assert app.test_client().get("/notifications/").status_code == 302  # to the login page


def test_the_list_pages_newest_first(staff: dict[str, User], hr_client: FlaskClient) -> None:
    add(staff["hr"], service.PER_PAGE + 5)
    first = page(hr_client, "/notifications/")
    assert first.count("data-notification=") == service.PER_PAGE
    assert "Offer accepted: Candidate 0" in first and "Page 1 of 2" in first
    assert "Candidate 24<" not in first
    second = page(hr_client, "/notifications/?page=2")
    assert second.count("data-notification=") == 5
    assert "Offer accepted: Candidate 24" in second


def test_the_list_is_in_the_readers_language(
    staff: dict[str, User], hr_client: FlaskClient
) -> None:
    add(staff["hr"], 1, kind=kinds.RECOMMENDATION_REACHED)
    assert "Candidate 0: Hire" in page(hr_client, "/notifications/")
    token = csrf_from(page(hr_client, "/notifications/"))
    hr_client.post("/language", data={"language": "zh_Hans", "csrf_token": token, "next": "/"})
    assert "Candidate 0：录用" in page(hr_client, "/notifications/")


def test_mark_one_read_and_the_unread_filter(
    staff: dict[str, User], hr_client: FlaskClient
) -> None:
    newest, older = add(staff["hr"], 2)
    html = page(hr_client, "/notifications/")
    response = hr_client.post(
        f"/notifications/{newest}/read", data={"csrf_token": csrf_from(html), "page": "1"}
    )
    assert response.status_code == 302
    assert read_at(newest) is not None and read_at(older) is None
    unread = page(hr_client, "/notifications/?unread=1")
    assert f'data-notification="{older}"' in unread
    assert f'data-notification="{newest}"' not in unread
    assert bell(unread) == "Notifications, 1 unread"


def test_open_marks_read_and_goes_to_the_thing(
    staff: dict[str, User], hr_client: FlaskClient
) -> None:
    [note] = add(staff["hr"], 1)
    token = csrf_from(page(hr_client, "/notifications/"))
    response = hr_client.post(f"/notifications/{note}/open", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == LINK
    assert read_at(note) is not None


def test_a_stored_link_off_the_site_is_never_followed(
    staff: dict[str, User], hr_client: FlaskClient
) -> None:
    [note] = add(staff["hr"], 1)
    with data():
        row(Notification, note).link = "//evil.example/phish"
        db.session.commit()
    html = page(hr_client, "/notifications/")
    assert "evil.example" not in html
    response = hr_client.post(f"/notifications/{note}/open", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_mark_all_read(staff: dict[str, User], hr_client: FlaskClient) -> None:
    add(staff["hr"], 4)
    theirs = add(staff["hr2"], 2)
    token = csrf_from(page(hr_client, "/notifications/"))
    response = hr_client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 302
    with data():
        assert all(n.read_at is not None for n in inbox(staff["hr"]))
    assert all(read_at(n) is None for n in theirs)
    assert "4 notifications marked as read." in page(hr_client, "/notifications/")


def test_another_users_notification_is_not_found(
    staff: dict[str, User], hr_client: FlaskClient
) -> None:
    [theirs] = add(staff["hr2"], 1)
    token = csrf_from(page(hr_client, "/notifications/"))
    for action in ("read", "open"):
        response = hr_client.post(f"/notifications/{theirs}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    assert (
        hr_client.post("/notifications/999999/read", data={"csrf_token": token}).status_code == 404
    )
    assert f'data-notification="{theirs}"' not in page(hr_client, "/notifications/")
    assert read_at(theirs) is None


def test_every_form_needs_its_csrf_token(staff: dict[str, User], hr_client: FlaskClient) -> None:
    [note] = add(staff["hr"], 1)
    for url in (
        f"/notifications/{note}/read",
        f"/notifications/{note}/open",
        "/notifications/read-all",
        "/notifications/preferences",
    ):
        assert hr_client.post(url, data={"app-offer_accepted": "on"}).status_code == 400, url
    assert read_at(note) is None
    with data():
        prefs = service.preferences(row(User, staff["hr"].id))
    assert prefs[kinds.OFFER_ACCEPTED] == service.Channels()


def test_preferences_mute_each_channel(staff: dict[str, User], hr_client: FlaskClient) -> None:
    html = page(hr_client, "/notifications/preferences")
    assert html.count('type="checkbox"') == 2 * len(kinds.KINDS)
    assert html.count("checked") == 2 * len(kinds.KINDS)
    assert "A candidate accepts an offer" in html
    # Every box but two sent: offer_accepted off in the app, offer_declined off by mail.
    form = {f"{channel}-{key}": "on" for key in kinds.KINDS for channel in ("app", "mail")}
    del form["app-offer_accepted"], form["mail-offer_declined"]
    response = hr_client.post(
        "/notifications/preferences", data={**form, "csrf_token": csrf_from(html)}
    )
    assert response.status_code == 302
    with data():
        prefs = service.preferences(row(User, staff["hr"].id))
    assert prefs[kinds.OFFER_ACCEPTED] == service.Channels(app=False, mail=True)
    assert prefs[kinds.OFFER_DECLINED] == service.Channels(app=True, mail=False)
    assert prefs[kinds.REVIEW_ASSIGNED] == service.Channels()
    html = page(hr_client, "/notifications/preferences")
    assert html.count("checked") == 2 * len(kinds.KINDS) - 2
    assert "Your notification settings are saved." in html
