"""API token scopes: tokens made before scopes keep reading scorecards (migration 0014), new
ones carry the scopes chosen in the admin form or on the command line, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from hirebench import create_app
from hirebench.extensions import db
from hirebench.models import ApiToken, AuditEvent, Role, User
from hirebench.services import api_tokens
from hirebench.services.errors import ServiceError
from tests.conftest import AuthActions, csrf_from


def test_tokens_made_before_scopes_keep_reading_scorecards(app_config: dict[str, Any]) -> None:
    app = create_app(app_config)
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO api_tokens (name, token_hash, prefix, created_at) "
                    "VALUES ('old ATS', :hash, 'hb_oldtoke', CURRENT_TIMESTAMP)"
                ),
                {"hash": "0" * 64},
            )
        upgrade()
        token = db.session.scalars(sa.select(ApiToken)).one()
        assert token.scopes == "scorecards:read"
        assert token.allows("scorecards:read") and not token.allows("hires:read")
        db.session.remove()
        db.engine.dispose()


def test_scopes_are_checked_and_stored_in_a_fixed_order(app: Flask) -> None:
    with app.app_context():
        token, _raw = api_tokens.create(
            "Payroll", by=None, scopes=["hires:read", "scorecards:read"]
        )
        assert token.scopes == "scorecards:read hires:read"
        default, _raw = api_tokens.create("ATS", by=None)
        assert default.scopes == "scorecards:read"
        for bad in (["hires:write"], [], ["  "]):
            with pytest.raises(ServiceError):
                api_tokens.create("x", by=None, scopes=bad)
        db.session.commit()
        details = db.session.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "api_token.create")
        ).all()
        assert sorted(d["scopes"] for d in details) == [
            "scorecards:read",
            "scorecards:read hires:read",
        ]


@pytest.fixture
def admin_client(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> FlaskClient:
    admin = make_user(Role.admin)
    assert auth.login(admin.email).status_code == 302
    return client


def test_the_admin_chooses_scopes(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert 'value="hires:read"' in page and 'value="scorecards:read"' in page
    # scorecards:read is ticked for a new token, as it was the only access before scopes.
    assert (
        '<input checked id="scopes-0" name="scopes" type="checkbox" value="scorecards:read">'
        in page
    )
    assert "required" not in page.split('<ul id="scopes">')[1].split("</ul>")[0]
    csrf = csrf_from(page)
    created = admin_client.post(
        "/admin/tokens", data={"name": "Payroll", "scopes": ["hires:read"], "csrf_token": csrf}
    )
    assert created.status_code == 302
    listed = admin_client.get("/admin/tokens").get_data(as_text=True)
    assert "<code data-scope>hires:read</code>" in listed
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken.scopes)).one() == "hires:read"


@pytest.mark.parametrize("scopes", [[], ["hires:write"]])
def test_the_admin_must_choose_known_scopes(
    app: Flask, admin_client: FlaskClient, scopes: list[str]
) -> None:
    csrf = csrf_from(admin_client.get("/admin/tokens").get_data(as_text=True))
    response = admin_client.post(
        "/admin/tokens", data={"name": "Payroll", "scopes": scopes, "csrf_token": csrf}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken)).all() == []


def test_cli_scopes(app: Flask, runner: FlaskCliRunner) -> None:
    made = runner.invoke(args=["api-token", "create", "--name", "Payroll", "--scope", "hires:read"])
    assert made.exit_code == 0, made.output
    assert "[hires:read]  Payroll" in runner.invoke(args=["api-token", "list"]).output
    refused = runner.invoke(args=["api-token", "create", "--name", "x", "--scope", "all"])
    assert refused.exit_code != 0
    with app.app_context():
        assert db.session.scalars(sa.select(ApiToken.scopes)).all() == ["hires:read"]
