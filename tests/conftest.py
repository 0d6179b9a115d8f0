"""Shared fixtures in the style of Flask's tutorial: a fresh app and database per test,
a client, and an `auth` helper. Service fixtures skip locally when the service is absent
and fail under CI, where .ci/run must have started it."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import docker
import pytest
import sqlalchemy as sa
from docker.errors import DockerException
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from redis import Redis
from redis.exceptions import RedisError

from hirebench import create_app
from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.sandbox.image import (
    SANDBOX_LABEL,
    SandboxBuildError,
    build_image,
    current_image_tag,
)
from hirebench.services import accounts

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def require_service(name: str, reason: str) -> None:
    """Skip with a reason locally; under CI a missing service is a failure, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required under CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HIREBENCH_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in (
        "HIREBENCH_DATABASE_URL",
        "HIREBENCH_REDIS_URL",
        "HIREBENCH_SMTP_HOST",
        "SECRET_KEY",
        "HIREBENCH_SECRET_KEY",
        "HIREBENCH_HTTPS",
        "HIREBENCH_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "MAIL_BACKEND": "locmem",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "hirebench.test",
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(role: Role = Role.hr, email: str | None = None, name: str = "") -> User:
        with app.app_context():
            email = email or f"{role.value}-{os.urandom(3).hex()}@example.com"
            if role is Role.candidate:
                user = User(
                    email=email,
                    name=name or "Candidate",
                    role=role,
                    password_hash=accounts.hash_password(PASSWORD),
                )
                db.session.add(user)
            else:
                user, _ = accounts.create_user(email, role, name=name, password=PASSWORD)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def csrf(self, url: str = "/login") -> str:
        html = self._client.get(url).get_data(as_text=True)
        return csrf_from(html) if "csrf_token" in html else ""  # CSRF may be off in a test app

    def login(self, email: str, password: str = PASSWORD, **extra: Any) -> Any:
        token = self.csrf("/login")
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
        )

    def logout(self) -> Any:
        token = self._token_from_any_page()
        return self._client.post("/logout", data={"csrf_token": token})

    def _token_from_any_page(self) -> str:
        return csrf_from(self._client.get("/", follow_redirects=True).get_data(as_text=True))


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def sandbox_containers() -> list[str]:
    """Sandbox containers started by this process."""
    from hirebench.sandbox.runner import OWNER_LABEL, owner_label

    client = docker.from_env()
    labels = [f"{SANDBOX_LABEL}=1", f"{OWNER_LABEL}={owner_label()}"]
    try:
        return [
            c.id for c in client.containers.list(all=True, sparse=True, filters={"label": labels})
        ]
    finally:
        client.close()


@pytest.fixture(autouse=True, scope="module")
def _process_pool_ends_with_its_module() -> Iterator[None]:
    """The process-wide warm pool (hirebench.grading.pipeline.sandbox_provider) is closed after
    each module that started one: its ready sandboxes belong to this process, so under xdist
    they would otherwise count against the next module's "no sandboxes left behind" check."""
    yield
    from hirebench.grading import pipeline

    pipeline.close_sandbox_provider()


@pytest.fixture(scope="session")
def docker_engine() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        require_service("Docker", f"no engine reachable: {exc}")
        raise
    try:
        client.images.get(current_image_tag())
    except DockerException:
        # The tag is a hash of the runner code, so editing the runner needs a (quick) rebuild.
        try:
            build_image()
        except SandboxBuildError as exc:
            require_service("sandbox image", f"{current_image_tag()} cannot be built: {exc}")
    return client


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    base = os.environ.get("HIREBENCH_TEST_POSTGRES_URL")
    if not base:
        require_service("PostgreSQL", "HIREBENCH_TEST_POSTGRES_URL is not set")
    assert base is not None
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"hb_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        require_service("PostgreSQL", f"cannot connect to {admin.url!r}: {exc}")
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def worker_redis_url(url: str) -> str:
    """The Redis database of this pytest-xdist worker: gw0 keeps the configured one, gw1 the
    one below it, and so on, so that one worker's flush never empties another's queues."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    database = int(parts.path.lstrip("/") or 0) - int(worker[2:])
    return urlunsplit(parts._replace(path=f"/{database % 16}"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database emptied before and after the test."""
    configured = os.environ.get("HIREBENCH_TEST_REDIS_URL")
    if not configured:
        require_service("Redis", "HIREBENCH_TEST_REDIS_URL is not set")
    assert configured is not None
    url = worker_redis_url(configured)
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as exc:
        require_service("Redis", f"cannot reach {url}: {exc}")
    connection.flushdb()
    yield url
    connection.flushdb()
