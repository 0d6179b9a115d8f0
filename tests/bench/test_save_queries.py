"""An autosave asks the database nothing after its commit. bench/load.py's profile of the
PostgreSQL back end found the reply reloading the answer, the attempt and the user after the
commit expired them: three round trips on every save, each queued behind a busy server. The
reply still carries what was committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import Answer, Role, User
from tests.conftest import AuthActions
from tests.web.test_candidate_exam import MINI, Api, _load, _start

QUESTION = "explain-gd"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "postgres":
        return {**app_config, "SQLALCHEMY_DATABASE_URI": request.getfixturevalue("postgres_url")}
    return app_config


def test_a_save_makes_no_query_after_its_commit(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], auth: AuthActions
) -> None:
    slug = _load(app, MINI)
    user = make_user(Role.candidate)
    assert auth.login(user.email).status_code == 302
    attempt_id = _start(client, slug)
    api = Api(client, attempt_id)
    body = {"value": "first", "client": "page-1", "seq": 1, "base": 0}
    assert api.post(f"/answers/{QUESTION}", body).status_code == 200

    statements: list[str] = []
    commits: list[int] = []
    with app.app_context():
        engine = db.engine

    def executed(*args: Any) -> None:
        statements.append(str(args[2]))

    def committed(_connection: Any) -> None:
        commits.append(len(statements))

    sa.event.listen(engine, "before_cursor_execute", executed)
    sa.event.listen(engine, "commit", committed)
    try:
        body = {"value": "second", "client": "page-1", "seq": 2, "base": 1}
        reply = api.post(f"/answers/{QUESTION}", body)
    finally:
        sa.event.remove(engine, "before_cursor_execute", executed)
        sa.event.remove(engine, "commit", committed)
    assert reply.status_code == 200
    assert any(statement.lstrip().upper().startswith("UPDATE") for statement in statements)
    assert len(commits) == 1
    assert statements[commits[0] :] == []
    data = reply.get_json()
    with app.app_context():
        stored = db.session.execute(
            sa.select(Answer.value, Answer.revision, Answer.save_seq, Answer.saved_at).where(
                Answer.attempt_id == attempt_id, Answer.question_id == QUESTION
            )
        ).one()
    assert (stored.value, stored.revision, stored.save_seq) == ("second", 2, 2)
    assert (data["revision"], data["seq"]) == (2, 2)
    assert data["saved_at"].startswith(stored.saved_at.isoformat())
    assert data["deadline_ms"] > data["server_now_ms"] > 0
