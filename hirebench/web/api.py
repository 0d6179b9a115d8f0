"""JSON API, version 1."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from hirebench.services import health
from hirebench.web.access import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/health")
@public
def health_check() -> ResponseReturnValue:
    report = health.report(current_app.config["REDIS_URL"])
    return jsonify(report), 200 if report["database"] == "ok" else 503
