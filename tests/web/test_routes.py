"""Every URL rule with an integer in it, given an id far beyond what the database can hold
(2**70), as every role that may reach it and with GET and POST: a 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from hirebench.models import Role, User
from tests.conftest import AuthActions

HUGE = 2**70
# The exam page's JSON calls (POSTed with a JSON body) and the API answer errors in JSON too.
JSON_POSTS = {"candidate.save", "candidate.event", "candidate.run_tests"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Without CSRF the POSTs reach the views, which is where a huge id used to overflow.
    return {**app_config, "WTF_CSRF_ENABLED": False, "GRADING_WORKERS": 0}


def _rules_with_ids(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def _values(rule: Rule) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = HUGE
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return values


def _path(app: Flask, rule: Rule) -> str:
    adapter = app.url_map.bind("hirebench.test")
    # Built from this very rule, not whichever rule of the endpoint the builder prefers.
    built = rule.build(_values(rule), append_unknown=False)
    assert built is not None, rule
    return adapter.script_name.rstrip("/") + built[1]


def test_there_are_routes_with_ids(app: Flask) -> None:
    assert len(_rules_with_ids(app)) >= 13


@pytest.mark.parametrize("role", [None, *Role])
def test_an_id_beyond_the_database_range_is_never_a_500(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], role: Role | None
) -> None:
    if role is not None:
        assert AuthActions(client).login(make_user(role).email).status_code == 302
    for rule in _rules_with_ids(app):
        path = _path(app, rule)
        for method in ("GET", "POST"):
            response = client.open(path, method=method, json={} if method == "POST" else None)
            assert response.status_code < 500, (role, method, path)
            assert response.status_code in (302, 401, 403, 404, 405), (role, method, path)
            json_route = rule.endpoint.startswith("api.") or (
                rule.endpoint in JSON_POSTS and method == "POST"
            )
            if json_route and response.status_code != 302:
                assert response.is_json, (role, method, path)
                assert response.get_json()["message"], (role, method, path)
