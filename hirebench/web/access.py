"""Server-side authorization. Every endpoint must declare who may reach it; an endpoint with
no declared policy is refused (default deny), and a test fails on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, TypeVar

from flask import Blueprint, Flask, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hirebench.extensions import login_manager
from hirebench.models import Role

PUBLIC: Final = "public"
Policy = frozenset[Role] | str
F = TypeVar("F", bound=Callable[..., object])

_blueprint_policies: dict[str, Policy] = {}
_endpoint_policies: dict[str, Policy] = {"static": PUBLIC}


def allow(*roles: Role) -> Callable[[F], F]:
    """Only these roles may call the view."""

    def decorate(view: F) -> F:
        view.access_policy = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: F) -> F:
    """Anyone may call the view, logged in or not."""
    view.access_policy = PUBLIC  # type: ignore[attr-defined]
    return view


def protect_blueprint(blueprint: Blueprint, roles: Iterable[Role]) -> None:
    """Default policy for every view of a blueprint that does not declare its own."""
    _blueprint_policies[blueprint.name] = frozenset(roles)


def policy_for(app: Flask, endpoint: str) -> Policy | None:
    view = app.view_functions.get(endpoint)
    declared = getattr(view, "access_policy", None)
    if declared is not None:
        return declared
    if endpoint in _endpoint_policies:
        return _endpoint_policies[endpoint]
    blueprint = endpoint.rpartition(".")[0]
    return _blueprint_policies.get(blueprint)


def enforce() -> ResponseReturnValue | None:
    """before_request hook."""
    if request.endpoint is None:
        return None  # unknown URL: routing answers 404/405
    policy = policy_for(current_app, request.endpoint)
    if policy is None:
        current_app.logger.error("endpoint %s has no access policy", request.endpoint)
        abort(403)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    assert isinstance(policy, frozenset)
    if current_user.role not in policy:
        abort(403)
    return None


def home_endpoint(role: Role) -> str:
    return {
        Role.admin: "admin.home",
        Role.hr: "hr.home",
        Role.reviewer: "review.home",
        Role.interviewer: "interview.home",
        Role.business: "business.home",
        Role.candidate: "candidate.home",
    }[role]
