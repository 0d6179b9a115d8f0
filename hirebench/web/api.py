"""JSON API, version 1 (docs/api.md). Apart from the health check every endpoint needs an API
token in `Authorization: Bearer <token>`; browser sessions do not count."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hirebench.extensions import db
from hirebench.grading.process import grades_here
from hirebench.handoff import hires
from hirebench.models import ApiToken, Job
from hirebench.models.api_tokens import SCOPE_HIRES_READ, SCOPE_SCORECARDS_READ
from hirebench.scorecards import service as scorecards
from hirebench.services import api_tokens, audit, health
from hirebench.web.access import public
from hirebench.web.helpers import client_ip

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, error: str, message: str) -> Response:
    response = jsonify({"error": error, "message": message, "status": status})
    response.status_code = status
    return response


def _unauthorized(message: str) -> Response:
    response = _error(401, _("Unauthorized"), message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="hirebench"'
    return response


def _bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, or None for any other header."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


@bp.route("/health")
@public
def health_check() -> ResponseReturnValue:
    report = health.report(current_app.config["REDIS_URL"])
    return jsonify(report), 200 if report["database"] == "ok" else 503


@bp.route("/health/live")
@public
def health_live() -> ResponseReturnValue:
    """Liveness: the process answers. Restart it only when this fails."""
    return jsonify(health.liveness())


@bp.route("/health/ready")
@public
def health_ready() -> ResponseReturnValue:
    """Readiness: send traffic here only on 200. 503 names the failing parts."""
    config = current_app.config
    report = health.readiness(
        config["REDIS_URL"], grades_here(current_app), int(config.get("SANDBOX_WARM_POOL", 0))
    )
    response = jsonify(report)
    response.status_code = 503 if report["status"] == "unavailable" else 200
    if response.status_code == 503:
        response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


# `@public` only lets the request past the session-based access check; the token check below
# is what guards the data. The route is GET only, so CSRFProtect never applies to it.
def _token_with(scope: str) -> ApiToken | Response:
    """The request's token when it carries `scope`; otherwise the 401 or 403 to answer."""
    raw = _bearer_token()
    if raw is None:
        return _unauthorized(_("Send an API token: Authorization: Bearer <token>."))
    token = api_tokens.authenticate(raw)
    if token is None:
        return _unauthorized(_("The API token is malformed, unknown or revoked."))
    db.session.commit()  # keep last_used_at even when the request fails below
    if not token.allows(scope):
        return _error(
            403,
            _("Forbidden"),
            _("This API token lacks the scope %(scope)s.", scope=scope),
        )
    return token


@bp.route("/jobs/<int:job_id>/scorecards")
@public
def job_scorecards(job_id: int) -> ResponseReturnValue:
    token = _token_with(SCOPE_SCORECARDS_READ)
    if isinstance(token, Response):
        return token
    job = db.session.get(Job, job_id)
    if job is None:
        return _error(404, _("Not found"), _("There is no job %(id)d.", id=job_id))
    return _export(job, token)


def _export(job: Job, token: ApiToken) -> ResponseReturnValue:
    try:
        payload = scorecards.api_payload(job)
    except scorecards.ExportError as exc:
        db.session.rollback()
        return _error(409, _("Conflict"), str(exc))
    # Exports of candidate data are audited; the token says which system asked.
    audit.record(
        "export.api",
        None,
        target=job,
        ip=client_ip(),
        token_prefix=token.prefix,
        token_name=token.name,
        candidates=len(payload.get("candidates", [])),
    )
    db.session.commit()
    response = jsonify(payload)
    # Candidate data: no shared cache may keep it (the session-based no-store does not apply).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/hires")
@public
def hires_list() -> ResponseReturnValue:
    token = _token_with(SCOPE_HIRES_READ)
    if isinstance(token, Response):
        return token
    try:
        hire_filter = hires.parse_filter(
            request.args.get("job"), request.args.get("from"), request.args.get("to")
        )
    except hires.RangeError as exc:
        return _error(400, _("Bad request"), str(exc))
    job = hires.job_of(hire_filter)
    if hire_filter.job_id is not None and job is None:
        return _error(404, _("Not found"), _("There is no job %(id)d.", id=hire_filter.job_id))
    records = hires.all_records(hire_filter)
    # The records carry ID and bank numbers in full: who took them is audited.
    audit.record(
        "export.hires_api",
        None,
        target=job,
        ip=client_ip(),
        token_prefix=token.prefix,
        token_name=token.name,
        hires=len(records),
        range=hire_filter.query_args(),
    )
    db.session.commit()
    response = jsonify(
        {
            "job_id": hire_filter.job_id,
            "from": hire_filter.start.isoformat() if hire_filter.start else None,
            "to": hire_filter.end.isoformat() if hire_filter.end else None,
            "count": len(records),
            "hires": records,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
