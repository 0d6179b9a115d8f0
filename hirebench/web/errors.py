"""Error pages: HTML for people, JSON for the API. Titles and texts are translated."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from hirebench.extensions import db

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


def render_error(status: int, description: str | None = None) -> ResponseReturnValue:
    """An error page (or JSON under /api/) with this status and, optionally, its own text."""
    return _render(status, description)


def _render(status: int, description: str | None = None) -> ResponseReturnValue:
    title, default_text = MESSAGES.get(status, (_l("Error"), _l("The request failed.")))
    text = description or str(default_text)
    if request.path.startswith("/api/"):
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
