"""The autosave protocol on the server (docs/attempts.md, "The autosave protocol"): a save
stamped with its page's client id, sequence number and base revision is stored only when it is
not stale; a stale one is a 409 carrying the stored text; a page's own retry after a lost reply
is accepted; a save without a stamp is stored as before; two writers racing from the same base
get exactly one acceptance. And a database that cannot be reached is a 503 with Retry-After,
never a 500 (a stand-in error here; a real PostgreSQL restart in tests/web/test_db_outage.py).
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from hirebench.exams.attempts import SaveStamp, StaleWrite, save_answer
from hirebench.extensions import db
from hirebench.models import Answer, Attempt, Role, User
from tests.conftest import AuthActions
from tests.web.test_candidate_exam import MINI, Api, _load, _start

QUESTION = "explain-gd"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every test on SQLite and on PostgreSQL: the stale-write check is the database's."""
    if request.param == "postgres":
        return {**app_config, "SQLALCHEMY_DATABASE_URI": request.getfixturevalue("postgres_url")}
    return app_config


@pytest.fixture
def started(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], auth: AuthActions
) -> tuple[Api, int]:
    slug = _load(app, MINI)
    user = make_user(Role.candidate)
    assert auth.login(user.email).status_code == 302
    attempt_id = _start(client, slug)
    return Api(client, attempt_id), attempt_id


def _save(api: Api, value: Any, client: str, seq: int, base: int) -> Any:
    body = {"value": value, "client": client, "seq": seq, "base": base}
    return api.post(f"/answers/{QUESTION}", body)


def _stored(app: Flask, attempt_id: int) -> tuple[Any, int, str, int]:
    with app.app_context():
        row = db.session.execute(
            sa.select(Answer.value, Answer.revision, Answer.save_client, Answer.save_seq).where(
                Answer.attempt_id == attempt_id, Answer.question_id == QUESTION
            )
        ).one()
        return row[0], row[1], row[2], row[3]


def test_stamped_saves_advance_and_a_stale_one_is_refused_with_the_stored_text(
    app: Flask, started: tuple[Api, int]
) -> None:
    api, attempt_id = started
    first = _save(api, "tab A, one", "tab-a", 1, 0)
    assert first.status_code == 200
    body = first.get_json()
    assert body["revision"] == 1 and body["seq"] == 1
    assert body["deadline_ms"] > body["server_now_ms"] > 0
    assert _save(api, "tab A, two", "tab-a", 2, 1).status_code == 200
    # Tab B loaded at revision 1 and edited from it: tab A has saved since.
    stale = _save(api, "tab B, from revision 1", "tab-b", 1, 1)
    assert stale.status_code == 409
    data = stale.get_json()
    assert data["stale"] is True
    assert data["message"]
    assert (data["revision"], data["value"], data["client"], data["seq"]) == (
        2,
        "tab A, two",
        "tab-a",
        2,
    )
    assert "redirect" not in data  # not the attempt-closed 409: the page stays
    assert _stored(app, attempt_id) == ("tab A, two", 2, "tab-a", 2)
    # Tab B chose to keep its text: edited on top of revision 2 now, it is stored.
    assert _save(api, "tab B, kept", "tab-b", 2, 2).status_code == 200
    assert _stored(app, attempt_id) == ("tab B, kept", 3, "tab-b", 2)
    # Tab A is now behind, and is told so.
    assert _save(api, "tab A, three", "tab-a", 3, 2).status_code == 409


def test_a_lost_reply_and_a_late_request_of_the_same_page(
    app: Flask, started: tuple[Api, int]
) -> None:
    api, attempt_id = started
    assert _save(api, "one", "tab-a", 1, 0).status_code == 200
    # Its reply for seq 2 was lost, so the page still thinks it edits from revision 1 ...
    assert _save(api, "two", "tab-a", 2, 1).status_code == 200
    # ... and sends seq 3 from base 1: the stored revision is its own, so it is accepted.
    third = _save(api, "three", "tab-a", 3, 1)
    assert third.status_code == 200 and third.get_json()["revision"] == 3
    # A request of the same page arriving late (seq 2 again, e.g. a keepalive on unload)
    # never overwrites its newer save.
    late = _save(api, "two, late", "tab-a", 2, 2)
    assert late.status_code == 409
    assert _stored(app, attempt_id) == ("three", 3, "tab-a", 3)
    # A retry of exactly what is stored is acknowledged, and changes nothing.
    again = _save(api, "three", "tab-a", 3, 1)
    assert again.status_code == 200 and again.get_json()["revision"] == 3


def test_a_save_without_a_stamp_is_stored_as_before(app: Flask, started: tuple[Api, int]) -> None:
    api, attempt_id = started
    assert _save(api, "stamped", "tab-a", 5, 0).status_code == 200
    plain = api.save(QUESTION, "plain, from an old client")
    assert plain.status_code == 200 and plain.get_json()["revision"] == 2
    assert _stored(app, attempt_id) == ("plain, from an old client", 2, "", 0)
    # And the page that saved before is now behind it.
    assert _save(api, "stamped again", "tab-a", 6, 1).status_code == 409


@pytest.mark.parametrize(
    "extra",
    [
        {"client": "tab-a"},  # not all three
        {"client": "tab-a", "seq": 1},
        {"client": "", "seq": 1, "base": 0},
        {"client": "x" * 41, "seq": 1, "base": 0},
        {"client": "a b", "seq": 1, "base": 0},
        {"client": "tab-a", "seq": 0, "base": 0},
        {"client": "tab-a", "seq": 1, "base": -1},
        {"client": "tab-a", "seq": "1", "base": 0},
        {"client": "tab-a", "seq": True, "base": 0},
        {"client": "tab-a", "seq": 1.5, "base": 0},
        {"client": "tab-a", "seq": 2**53, "base": 0},
        {"client": "tab-a", "seq": 1, "base": 0, "other": 1},
    ],
)
def test_a_malformed_stamp_is_a_400_and_stores_nothing(
    app: Flask, started: tuple[Api, int], extra: dict[str, Any]
) -> None:
    api, _attempt_id = started
    response = api.post(f"/answers/{QUESTION}", {"value": "text", **extra})
    assert response.status_code == 400
    assert response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_two_writers_racing_from_one_base_get_one_acceptance(
    app: Flask, started: tuple[Api, int]
) -> None:
    """Eight threads, each a page that edited from revision 1, save at once through the
    service: exactly one is stored, every other is refused as stale, and the row holds the
    winner's text at revision 2."""
    api, attempt_id = started
    assert _save(api, "common ancestor", "tab-0", 1, 0).status_code == 200
    barrier = threading.Barrier(8)
    outcomes: dict[str, str] = {}

    def writer(name: str) -> None:
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt is not None
            barrier.wait()
            try:
                save_answer(attempt, QUESTION, f"text of {name}", stamp=SaveStamp(name, 1, 1))
                outcomes[name] = "stored"
            except StaleWrite as exc:
                assert exc.current.revision == 2
                outcomes[name] = "stale"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(f"tab-{i}",)) for i in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["stale"] * 7 + ["stored"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "stored")
    assert _stored(app, attempt_id) == (f"text of {winner}", 2, winner, 1)


def test_first_saves_racing_share_one_row(app: Flask, started: tuple[Api, int]) -> None:
    """Unstamped first saves from several threads: one row, one revision per save."""
    _api, attempt_id = started
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt is not None
            barrier.wait()
            try:
                save_answer(attempt, QUESTION, f"writer {index}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    value, revision, _client, _seq = _stored(app, attempt_id)
    assert revision == 6 and value.startswith("writer ")


def test_database_unavailable_is_a_503_with_retry_after(
    app: Flask, started: tuple[Api, int], monkeypatch: pytest.MonkeyPatch, client: FlaskClient
) -> None:
    api, attempt_id = started
    assert _save(api, "before", "tab-a", 1, 0).status_code == 200

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("hirebench.web.candidate.save_answer", unreachable)
    response = _save(api, "during", "tab-a", 2, 1)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["status"] == 503 and body["retry_after"] == 5
    assert "database" in body["message"]
    # A page, not JSON, for a person's request; standalone (base.html would read the database).
    monkeypatch.setattr("hirebench.web.candidate.render_template", unreachable)
    page = client.get(f"/exam/attempts/{attempt_id}")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    html = page.get_data(as_text=True)
    assert "503" in html and "Try again" in html
    assert _stored(app, attempt_id)[:2] == ("before", 1)


def test_the_unavailable_page_is_in_chinese(
    app: Flask, started: tuple[Api, int], monkeypatch: pytest.MonkeyPatch, client: FlaskClient
) -> None:
    _api, attempt_id = started

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("hirebench.web.candidate.render_template", unreachable)
    page = client.get(f"/exam/attempts/{attempt_id}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 503
    assert 'lang="zh' in page.get_data(as_text=True)
