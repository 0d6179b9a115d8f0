"""Backups of PostgreSQL through pg_dump and pg_restore: the password never on a command line,
and a restore over a newer schema or a database with rows refused unless forced."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade
from sqlalchemy.engine import make_url

from hirebench.extensions import db
from hirebench.models import Role
from hirebench.ops import database
from hirebench.ops.backup import create_backup
from hirebench.ops.manifest import BackupError
from hirebench.services import accounts

pytestmark = pytest.mark.postgres


def _revision(app: Flask) -> str | None:
    with app.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        db.engine.dispose()
    return revision


def _emails(app: Flask) -> set[str]:
    with app.app_context():
        found = set(db.session.scalars(sa.text("SELECT email FROM users")))
        db.session.remove()
        db.engine.dispose()
    return found


def test_the_password_reaches_pg_dump_and_pg_restore_only_through_a_private_passfile(
    make_instance: Callable[..., Flask],
    postgres_databases: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = make_instance("source", postgres_databases())
    target = make_instance("target", postgres_databases(), migrate=False)
    password = make_url(source.config["SQLALCHEMY_DATABASE_URI"]).password
    assert password
    seen: list[tuple[list[str], dict[str, str], str, int]] = []
    real_run, real_pipe = database._run, database._pipe

    def record(command: list[str], env: Mapping[str, str]) -> None:
        passfile = Path(env["PGPASSFILE"])
        seen.append(
            (command, dict(env), passfile.read_text(), stat.S_IMODE(passfile.stat().st_mode))
        )

    def spy_run(command: list[str], env: Mapping[str, str] | None, what: str) -> None:
        if env is not None:
            record(command, env)
        real_run(command, env, what)

    def spy_pipe(
        first: list[str], second: list[str], preamble: bytes, env: Mapping[str, str]
    ) -> None:
        record([*first, "|", *second], env)
        real_pipe(first, second, preamble, env)

    monkeypatch.setattr(database, "_run", spy_run)
    monkeypatch.setattr(database, "_pipe", spy_pipe)
    archive = create_backup(source.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "up", tmp_path)
    result = target.test_cli_runner().invoke(args=["restore", str(archive.path)])
    assert result.exit_code == 0, result.output
    assert [Path(command[0]).name for command, *_ in seen] == ["pg_dump", "pg_restore"]
    for command, env, passfile_text, mode in seen:
        # The test role's password is also its name (and part of file names), so look for the
        # forms that would carry it: a URL's user:password@ or a libpq password= setting.
        assert not any(f":{password}@" in p or "password=" in p.lower() for p in command)
        assert "PGPASSWORD" not in env
        assert all(v != password for k, v in env.items() if k != "PGUSER")
        assert passfile_text == f"*:*:*:*:{password}\n" and mode == 0o600
        assert not Path(env["PGPASSFILE"]).exists(), "the passfile is deleted afterwards"
    assert "--format=custom" in seen[0][0]
    assert {"--clean", "--if-exists", "--no-owner", "--single-transaction"} <= set(seen[1][0])
    assert Path(seen[1][0][seen[1][0].index("|") + 1]).name == "psql"


def test_passfile_escapes_what_libpq_would_read_as_field_separators() -> None:
    assert database._passfile_line("a:b\\c") == "*:*:*:*:a\\:b\\\\c\n"
    with pytest.raises(BackupError, match="line break"):
        database._passfile_line("two\nlines")
    url = make_url("postgresql+psycopg://u:p@db.example:6543/hb?sslmode=require&host=/run/pg")
    with database.libpq_environment(url) as env:
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("/run/pg", "6543", "u")
        assert env["PGSSLMODE"] == "require"
        folder = Path(env["PGPASSFILE"]).parent
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert not folder.exists()


def test_a_newer_or_non_empty_postgres_target_needs_force(
    make_instance: Callable[..., Flask], postgres_databases: Callable[[], str], tmp_path: Path
) -> None:
    source = make_instance("source", postgres_databases())
    with source.app_context():
        accounts.create_user("hr@source.example", Role.hr, name="Source HR")
        db.session.commit()
        downgrade(revision="-1")
    older = _revision(source)
    archive = create_backup(source.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "up", tmp_path)

    target = make_instance("target", postgres_databases())
    head = _revision(target)
    assert head != older
    refused = target.test_cli_runner().invoke(args=["restore", str(archive.path)])
    assert refused.exit_code != 0
    assert f"schema revision {head}, newer than the backup's {older}" in refused.output
    assert "--force" in refused.output
    assert _revision(target) == head

    with target.app_context():
        accounts.create_user("hr@target.example", Role.hr, name="Target HR")
        db.session.commit()
        db.engine.dispose()
    refused = target.test_cli_runner().invoke(args=["restore", str(archive.path)])
    assert "the target database is not empty" in refused.output
    assert _emails(target) == {"hr@target.example"}

    forced = target.test_cli_runner().invoke(args=["restore", "--force", str(archive.path)])
    assert forced.exit_code == 0, forced.output
    assert "run `hirebench init-db`" in forced.output
    assert _emails(target) == {"hr@source.example"}
