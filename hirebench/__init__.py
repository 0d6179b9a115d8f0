"""hirebench: a hiring platform for AI trainers."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, request, session
from flask_login import current_user

from hirebench.config import build_config
from hirebench.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from hirebench.paths import MIGRATIONS_DIR, PROJECT_ROOT

# `{nonce}` is filled in per response. CodeMirror 6 injects <style> elements at run time; they
# carry this nonce (the page hands it to the editor through <meta name="csp-nonce">), so styles
# stay limited to our own files and those elements, with no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'nonce-{nonce}'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance_path = os.environ.get("HIREBENCH_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(build_config(Path(app.instance_path)))
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.from_mapping(test_config)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # WeasyPrint logs every rendering step at INFO; only its warnings are worth a line.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    guard_input_and_output(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    mail.init_app(app)
    limiter.init_app(app)

    from hirebench import cli, web, wiring
    from hirebench.grading import queue as grading_queue

    wiring.connect()
    web.register(app)
    cli.register(app)
    grading_queue.init_app(app)
    app.after_request(set_security_headers)
    app.context_processor(template_globals)
    return app


def guard_input_and_output(app: Flask) -> None:
    """Refuse text that is not valid Unicode and ids beyond the database's range on the way
    in; show stored text that is not valid Unicode as U+FFFD on the way out. Done first: the
    text check must run before CSRF protection reads the form, the converter must be in place
    before any route is added, and Jinja's options before its environment is made."""
    from hirebench.web.input import CheckedRequest, IdConverter, check_text_input
    from hirebench.web.output import TextSafeJSONProvider, finalize

    app.request_class = CheckedRequest
    app.url_map.converters["int"] = IdConverter
    app.json = TextSafeJSONProvider(app)
    app.jinja_options = {**app.jinja_options, "finalize": finalize}
    app.before_request(check_text_input)


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; foreign keys are off by default in SQLite."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    from hirebench.models import User
    from hirebench.services.accounts import session_matches

    # The id is "<user id>:<session token>" (User.get_id). A cookie from before the last
    # logout, password change or deactivation carries an old token and loads nobody.
    raw_id, _sep, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or not session_matches(user, token):
        return None
    return user


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])  # CLI and workers
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if current_user and current_user.is_authenticated and current_user.locale:
        chosen = current_user.locale
    if chosen in languages:
        return str(chosen)
    # Browsers send zh-CN, zh-Hans, zh-SG or plain zh; all read Simplified Chinese here.
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans", "zh-SG"])
    if best and best.lower().startswith("zh"):
        return "zh_Hans"
    return "en"


def set_security_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and current_user.is_authenticated:
        # Pages behind a login may hold candidate data; keep them out of shared caches.
        headers.setdefault("Cache-Control", "no-store")
    return response


def csp_nonce() -> str:
    """This request's CSP nonce, made on first use: unguessable and new for every response, so
    a nonce read from one page cannot authorise a style injected into another."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def template_globals() -> dict[str, Any]:
    from flask import current_app
    from flask_babel import get_locale

    from hirebench.models.base import utcnow
    from hirebench.web.forms import ActionForm, LanguageForm

    locale = get_locale()
    return {
        "languages": current_app.config["LANGUAGES"],
        "current_language": str(locale) if locale else "en",
        "html_lang": "zh-Hans" if locale and locale.language == "zh" else "en",
        "action_form": ActionForm,
        "language_form": LanguageForm,
        "now_utc": utcnow(),
        "csp_nonce": csp_nonce(),
    }
