"""Migrations: empty database to head on SQLite and PostgreSQL, and no drift between the
models and the migrations (a model change without a migration fails here)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from hirebench import create_app
from hirebench.extensions import db


def _upgrade_and_diff(config: dict[str, Any]) -> list[Any]:
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set(), remaining
        upgrade()
        db.engine.dispose()
    return diff


def test_sqlite_empty_to_head_without_drift(app_config: dict[str, Any]) -> None:
    assert _upgrade_and_diff(app_config) == []


@pytest.mark.postgres
def test_postgres_empty_to_head_without_drift(
    app_config: dict[str, Any], postgres_url: str
) -> None:
    assert _upgrade_and_diff({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url}) == []


@pytest.mark.postgres
def test_app_works_on_postgres(app_config: dict[str, Any], postgres_url: str) -> None:
    from hirebench.services import demo
    from tests.conftest import AuthActions

    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        upgrade()
        demo.seed_demo("postgres demo pw")
    client = app.test_client()
    assert AuthActions(client).login("hr@demo.local", "postgres demo pw").status_code == 302
    assert "AI Trainer — e-commerce" in client.get("/hr/").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
