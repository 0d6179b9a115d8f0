"""Blueprints, one per area."""

from __future__ import annotations

from flask import Flask

from hirebench.web import (
    access,
    admin,
    api,
    auth,
    candidate,
    errors,
    hr,
    hr_panel,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    interview,
    portfolio,
    review,
)


def register(app: Flask) -> None:
    for module in (auth, admin, hr, review, interview, candidate, portfolio, api):
        app.register_blueprint(module.bp)
    app.before_request(access.enforce)
    errors.register(app)
