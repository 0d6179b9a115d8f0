"""Instances for backup tests: each has its own database and upload folder, and is built by the
migrations (not create_all) so that it carries an Alembic revision like a real one."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from hirebench import create_app
from hirebench.extensions import db
from tests.conftest import require_service


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the migrations' head, made once: copying it is much faster than
    running every migration for each instance."""
    folder = tmp_path_factory.mktemp("migrated")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIREBENCH_INSTANCE_PATH", str(folder / "instance"))
        patch.delenv("HIREBENCH_DATABASE_URL", raising=False)
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'head.sqlite3'}"}
        )
        with app.app_context():
            upgrade()
            db.engine.dispose()
    return folder / "head.sqlite3"


@pytest.fixture
def make_instance(
    app_config: dict[str, Any], tmp_path: Path, migrated_sqlite: Path
) -> Iterator[Callable[..., Flask]]:
    """An app on `url` (else a SQLite file of its own) with the upload folder
    tmp_path/<name>-uploads; migrated to head unless `migrate` is False (a fresh instance for a
    restore)."""
    made: list[Flask] = []

    def make(name: str, url: str | None = None, *, migrate: bool = True) -> Flask:
        sqlite_file = tmp_path / f"{name}.sqlite3"
        config = {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{sqlite_file}",
            "UPLOAD_ROOT": str(tmp_path / f"{name}-uploads"),
        }
        app = create_app(config)
        if migrate and url is None:
            shutil.copyfile(migrated_sqlite, sqlite_file)
        elif migrate:
            with app.app_context():
                upgrade()
                db.engine.dispose()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def postgres_databases() -> Iterator[Callable[[], str]]:
    """Fresh, empty PostgreSQL databases, as many as a test asks for; dropped afterwards."""
    base = os.environ.get("HIREBENCH_TEST_POSTGRES_URL")
    if not base:
        require_service("PostgreSQL", "HIREBENCH_TEST_POSTGRES_URL is not set")
    assert base is not None
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def create() -> str:
        name = f"hb_test_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.OperationalError as exc:
            require_service("PostgreSQL", f"cannot connect to {admin.url!r}: {exc}")
        names.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    yield create
    with admin.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def tree_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root`, by path relative to it."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
