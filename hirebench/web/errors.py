"""Error pages: HTML for people, JSON for the API. Titles and texts are translated."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    render_template,
    render_template_string,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from hirebench.extensions import db

F = TypeVar("F", bound=Callable[..., object])
log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Reload the page and try again."),
    ),
    401: (_l("Login required"), _l("Please log in to continue.")),
    403: (_l("Forbidden"), _l("Your account is not allowed to open this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    410: (_l("Gone"), _l("This link is no longer valid.")),
    409: (_l("Not possible yet"), _l("This cannot be done in the current state.")),
    413: (_l("Too large"), _l("The upload is larger than allowed.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error happened on our side. It has been logged."),
    ),
}


def json_errors(view: F) -> F:
    """Mark a view that answers JSON to a page's script: its errors are JSON too, even an
    unexpected one, so the script can show the message instead of failing to parse HTML."""
    view.json_errors = True  # type: ignore[attr-defined]
    return view


def wants_json() -> bool:
    """JSON for the API, for requests that sent JSON (a page's script), for views marked with
    json_errors and for clients that prefer JSON to HTML. A request whose URL matched no
    route (an id out of range, say) has no view, so only its path, body or Accept header
    can ask for JSON."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "json_errors", False):
        return True
    accepted = request.accept_mimetypes
    return accepted.best_match(["text/html", "application/json"]) == "application/json"


def render_error(status: int, description: str | None = None) -> ResponseReturnValue:
    """An error page (or JSON, see wants_json) with this status and, optionally, its own
    text."""
    return _render(status, description)


def _render(status: int, description: str | None = None) -> ResponseReturnValue:
    title, default_text = MESSAGES.get(status, (_l("Error"), _l("The request failed.")))
    text = description or str(default_text)
    if wants_json():
        return jsonify({"error": str(title), "message": text, "status": status}), status
    return render_template("error.html", status=status, title=title, description=text), status


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    return _render(error.code or 500)


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    return _render(
        400,
        str(_l("The form expired or was not sent from this site. Reload the page and try again.")),
    )


def handle_unexpected(error: InternalServerError) -> ResponseReturnValue:
    db.session.rollback()
    return _render(500)


#: How long a client should wait before trying again while the database is unreachable; the
#: exam page's autosave retries on its own schedule, which starts near this.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_TITLE = _l("Temporarily unavailable")
UNAVAILABLE_TEXT = _l(
    "The database cannot be reached at the moment. Nothing was saved by this request. "
    "Please try again in a few seconds."
)
# Standalone on purpose: base.html reads the logged-in user and their notifications from the
# database that is down, so the usual error page would fail in turn.
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>503 · {{ title }}</title>
<link rel="stylesheet" href="{{ url_for('static', filename='build/app.css') }}"></head>
<body><main class="container py-4"><section class="card"><div class="card-body">
<h1>503 · {{ title }}</h1><p>{{ text }}</p>
<p><a href="{{ again }}">{{ again_label }}</a></p>
</div></section></main></body></html>"""


def handle_database_unavailable(error: SQLAlchemyError) -> ResponseReturnValue:
    """The database went away (restarted, unreachable, out of connections) during a request:
    a 503 with Retry-After, never a 500. The transaction is rolled back, so nothing of the
    request is half-stored, and nothing was acknowledged."""
    log.warning("database unavailable: %s", type(error).__name__, exc_info=error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session().invalidate()  # the connection is gone; the pool makes a new one later
    if "_login_user" not in g:
        # Flask-Login would load the user from the database to choose the language; answer
        # as to someone not logged in instead (Accept-Language still chooses).
        g._login_user = AnonymousUserMixin()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        body = {
            "error": str(UNAVAILABLE_TITLE),
            "message": str(UNAVAILABLE_TEXT),
            "status": 503,
            "retry_after": RETRY_AFTER_SECONDS,
        }
        return jsonify(body), 503, headers
    page = render_template_string(
        UNAVAILABLE_PAGE,
        lang=str(get_locale() or "en"),
        title=UNAVAILABLE_TITLE,
        text=UNAVAILABLE_TEXT,
        again=request.full_path if request.method == "GET" else request.path,
        again_label=_l("Try again"),
    )
    return page, 503, headers


def register(app: Flask) -> None:
    # Errors from the database's connection, not from a statement: the service is down.
    for unavailable in (OperationalError, InterfaceError, SATimeoutError):
        app.register_error_handler(unavailable, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(HTTPException, handle_http_error)
