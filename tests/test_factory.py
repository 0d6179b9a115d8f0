from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from hirebench import create_app
from hirebench.extensions import db


def test_config_defaults_to_sqlite_in_instance(tmp_path: Path) -> None:
    app = create_app()
    assert not app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'instance' / 'hirebench.sqlite3'}"
    )
    assert app.config["REDIS_URL"] is None


def test_test_config_overrides(app_config: dict[str, object]) -> None:
    assert create_app(app_config).testing


def test_environment_switches_database_and_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIREBENCH_DATABASE_URL", "postgresql+psycopg://u@db/hb")
    monkeypatch.setenv("HIREBENCH_REDIS_URL", "redis://cache:6379/0")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/hb"
    assert app.config["REDIS_URL"] == "redis://cache:6379/0"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


def test_secret_key_generated_once_and_kept(tmp_path: Path) -> None:
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0


def test_secret_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"


def test_sqlite_runs_in_wal_mode(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_session_cookie_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app()
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("HIREBENCH_HTTPS", "1")
    monkeypatch.setenv("HIREBENCH_BASE_URL", "https://jobs.example.com")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_https_refuses_to_start_without_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from hirebench.config import ConfigError

    monkeypatch.setenv("HIREBENCH_HTTPS", "1")
    monkeypatch.delenv("HIREBENCH_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="HIREBENCH_BASE_URL"):
        create_app()
    monkeypatch.setenv("HIREBENCH_BASE_URL", "https://jobs.example.com/")
    assert create_app().config["BASE_URL"] == "https://jobs.example.com"


def test_sessions_and_csrf_tokens_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app()
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 6 * 3600
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 14
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    monkeypatch.setenv("HIREBENCH_CSRF_TIME_LIMIT_HOURS", "2")
    assert create_app().config["WTF_CSRF_TIME_LIMIT"] == 2 * 3600


def test_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_https(app_config: dict[str, object]) -> None:
    app = create_app({**app_config, "HTTPS": True})
    with app.app_context():
        db.create_all()
    assert "max-age" in app.test_client().get("/login").headers["Strict-Transport-Security"]
