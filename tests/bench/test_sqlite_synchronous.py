"""HIREBENCH_SQLITE_SYNCHRONOUS: the embedded database's commits wait for the disk unless an
operator chooses otherwise (config.py, bench/README.md)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hirebench import create_app
from hirebench.config import ConfigError
from hirebench.extensions import db

FULL, NORMAL = 2, 1  # what PRAGMA synchronous answers


def synchronous_level() -> int:
    app = create_app({"TESTING": True})
    with app.app_context():
        with db.engine.connect() as connection:
            level = connection.execute(sa.text("PRAGMA synchronous")).scalar_one()
        db.engine.dispose()
    return int(level)


def test_commits_wait_for_the_disk_by_default() -> None:
    assert synchronous_level() == FULL


def test_normal_is_chosen_by_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBENCH_SQLITE_SYNCHRONOUS", "Normal")
    assert synchronous_level() == NORMAL


def test_anything_else_stops_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBENCH_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(ConfigError, match="full or normal"):
        create_app({"TESTING": True})
