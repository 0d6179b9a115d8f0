"""Liveness against readiness: a dead database makes the process unready (503, naming the
part), never dead; Docker trouble makes a grading process degraded but ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench import create_app
from hirebench.services import health

# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE_POSTGRES = "postgresql+psycopg://hirebench@127.0.0.1:1/hirebench?connect_timeout=2"


@pytest.fixture(autouse=True)
def _fresh_sandbox_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "_sandbox_cache", None)
    monkeypatch.setattr(health, "_probe_sandbox", lambda: "ok")


@pytest.fixture
def dead_db_client(app_config: dict[str, Any], tmp_path: Path) -> FlaskClient:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": UNREACHABLE_POSTGRES})
    return app.test_client()


def test_liveness_needs_nothing(dead_db_client: FlaskClient) -> None:
    response = dead_db_client.get("/api/v1/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_names_the_dead_database(dead_db_client: FlaskClient) -> None:
    response = dead_db_client.get("/api/v1/health/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "unavailable"
    assert "5432" not in response.get_data(as_text=True)  # no URL, no secrets
    # The old combined check still says the same as before.
    assert dead_db_client.get("/api/v1/health").status_code == 503


def test_ready_when_everything_answers(client: FlaskClient) -> None:
    response = client.get("/api/v1/health/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["failing"] == []
    # An embedded process grades: Docker is checked, and its warm pool starts with the first job.
    assert body["checks"]["database"] == "ok" and body["checks"]["sandbox"] == "ok"
    assert body["checks"]["warm_pool"] in ("ok", "starting", "empty")
    assert "queue" not in body["checks"]  # no Redis configured, nothing to ask


def test_docker_down_is_degraded_not_unready(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "_probe_sandbox", lambda: "unavailable")
    response = client.get("/api/v1/health/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded" and body["failing"] == ["sandbox"]
    assert client.get("/api/v1/health/live").status_code == 200


def test_a_web_only_process_does_not_ask_docker(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["GRADING_WORKERS"] = 0
    monkeypatch.setattr(health, "_probe_sandbox", lambda: "unavailable")
    body = client.get("/api/v1/health/ready").get_json()
    assert body["status"] == "ok" and "sandbox" not in body["checks"]


def test_unreachable_redis_makes_it_unready(app: Flask, client: FlaskClient) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/api/v1/health/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["queue"] and body["checks"]["database"] == "ok"
    # Redis mode: the workers grade, this process does not ask Docker.
    assert "sandbox" not in body["checks"]
