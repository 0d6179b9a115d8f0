"""Operators' view of the web process: the request id and latency of every request, the
autosave timer, and /metrics in Prometheus text format (docs/operations.md, "Metrics and
health").

/metrics is `public` to the session access check (a scraper has no session) and GET only, so
CSRF never applies; the view makes its own check. It answers a client on loopback (unless
METRICS_ALLOW_LOOPBACK is off, or the request came through a proxy), or a bearer token: the
configured METRICS_TOKEN, or an API token with the metrics:read scope. A remote client without
a token gets 404, as if there were no such page; a token that is wrong or lacks the scope, 403."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import ParamSpec

from flask import Blueprint, Flask, Response, abort, current_app, g, make_response, request
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.exceptions import HTTPException

from hirebench.extensions import db
from hirebench.models.api_tokens import SCOPE_METRICS_READ
from hirebench.observability import context
from hirebench.observability import metrics as recorded
from hirebench.observability.scrape import StateCollector
from hirebench.services import api_tokens
from hirebench.web.access import public

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)

REQUEST_ID_HEADER = "X-Request-ID"
#: Headers a reverse proxy adds: a request carrying one is not a local client's, whatever the
#: peer address says.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
UNMATCHED = "<unmatched>"  # requests that matched no route share one label value
P = ParamSpec("P")


# --- every request -----------------------------------------------------------------------------


def start_request() -> None:
    """before_request, installed first: the request's id (the client's when it is sane) and
    its start time."""
    g.hirebench_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER)
    chosen = context.sanitise(incoming)
    g.request_id = chosen or context.new_request_id()
    g.hirebench_request_token = context.set_request_id(g.request_id)
    if incoming is not None and chosen is None:
        log.debug("replaced an unusable %s (%d characters)", REQUEST_ID_HEADER, len(incoming))


def finish_request(response: Response) -> Response:
    """after_request (runs for error pages too): echo the id, time the request."""
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("hirebench_started")
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule is not None else UNMATCHED
        seconds = time.perf_counter() - started
        recorded.observe_request(endpoint, request.method, response.status_code, seconds)
    return response


def end_request(_error: BaseException | None) -> None:
    """teardown_request: log lines after this request no longer carry its id."""
    token = g.pop("hirebench_request_token", None)
    if token is not None:
        context.reset_request_id(token)


def init_app(app: Flask) -> None:
    """Called by create_app before any other hook is added, so even a request that an earlier
    check turns away has an id and a timing. The blueprint is registered with the others."""
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)


def timed_autosave(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
    """Wraps the exam's autosave route: its latency, by outcome, in its own histogram."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = make_response(view(*args, **kwargs))
            status = response.status_code
            return response
        except HTTPException as exc:  # abort(404) and friends: not a server error
            status = exc.code or 500
            raise
        finally:
            recorded.observe_autosave(status, time.perf_counter() - started)

    return wrapper


# --- /metrics ----------------------------------------------------------------------------------


def _from_loopback() -> bool:
    if not current_app.config.get("METRICS_ALLOW_LOOPBACK", True):
        return False
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _token_allows(raw: str) -> bool:
    configured = current_app.config.get("METRICS_TOKEN")
    if configured and hmac.compare_digest(raw.encode(), str(configured).encode()):
        return True
    token = api_tokens.authenticate(raw)
    if token is None:
        return False
    db.session.commit()  # keep last_used_at
    return token.allows(SCOPE_METRICS_READ)


def _bearer() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


@bp.route("/metrics")
@public
def metrics() -> ResponseReturnValue:
    raw = _bearer()
    if raw is not None:
        if not _token_allows(raw):
            abort(403)
    elif not _from_loopback():
        abort(404)
    response = make_response(recorded.exposition([StateCollector()]))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
