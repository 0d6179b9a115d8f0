"""hirebench: a hiring platform for AI trainers."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext

from hirebench import cli, web, wiring
from hirebench.config import build_config
from hirebench.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from hirebench.grading import queue as grading_queue
from hirebench.observability import logs
from hirebench.paths import MIGRATIONS_DIR, PROJECT_ROOT
from hirebench.web import metrics as web_metrics
from hirebench.web.app_hooks import select_locale, set_security_headers, template_globals
from hirebench.web.input import CheckedRequest, IdConverter, check_text_input
from hirebench.web.output import TextSafeJSONProvider, finalize


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
    logs.configure(app.config["LOG_FORMAT"])
    # WeasyPrint logs every rendering step at INFO; only its warnings are worth a line.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    web_metrics.init_app(app)  # first hook: every request gets its id and timing
    guard_input_and_output(app)

    db.init_app(app)
    tune_sqlite(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    # Flask-Login flashes its own English default; a lazy string, made a str at flash time,
    # is translated into the language of the request that was turned away.
    login_manager.login_message = lazy_gettext("Please log in to access this page.")
    login_manager.localize_callback = str
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    mail.init_app(app)
    limiter.init_app(app)

    wiring.connect()
    web.register(app)
    app.register_blueprint(web_metrics.bp)
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
    app.request_class = CheckedRequest
    app.url_map.converters["int"] = IdConverter
    app.json = TextSafeJSONProvider(app)
    app.jinja_options = {**app.jinja_options, "finalize": finalize}
    app.before_request(check_text_input)


def tune_sqlite(app: Flask) -> None:
    """SQLITE_SYNCHRONOUS=normal (config.py says what it trades) for this app's engine."""
    if app.config.get("SQLITE_SYNCHRONOUS", "full") != "normal":
        return
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _synchronous_normal)


def _synchronous_normal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; foreign keys are off by default in SQLite."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
