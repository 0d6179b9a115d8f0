"""Error pages: HTML for people, JSON for the API. Titles and texts are translated."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from hirebench.extensions import db

F = TypeVar("F", bound=Callable[..., object])

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


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(HTTPException, handle_http_error)
