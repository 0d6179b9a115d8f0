"""Blueprints, one per area."""

from __future__ import annotations

from flask import Flask

from hirebench.web import (
    access,
    admin,
    admin_webhooks,
    analytics,
    api,
    auth,
    business,
    candidate,
    candidate_offers,
    candidate_survey,  # noqa: F401 - imported for the routes it adds to the candidate blueprint
    errors,
    filters,
    hr,
    hr_accommodations,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    hr_board,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    hr_compare,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    hr_hires,
    hr_jobs,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    hr_offers,
    hr_panel,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    hr_profile,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    hr_screening,  # noqa: F401 - imported for the routes it adds to the hr blueprint
    integrity,
    interview,
    labels,
    notifications,
    onboarding,
    portfolio,
    privacy,
    review,
    search,
)


def register(app: Flask) -> None:
    for module in (auth, admin, hr, review, interview, business, candidate, portfolio, api):
        app.register_blueprint(module.bp)
    app.register_blueprint(admin_webhooks.bp)
    app.register_blueprint(hr_hires.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(hr_offers.bp)
    app.register_blueprint(candidate_offers.bp)
    app.register_blueprint(onboarding.bp)
    app.register_blueprint(integrity.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(search.bp)
    app.before_request(access.enforce)
    errors.register(app)
    filters.register(app)
    labels.register(app)
