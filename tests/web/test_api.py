from __future__ import annotations

import pytest

from hirebench.services import health


@pytest.fixture(autouse=True)
def _fresh_health_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "_sandbox_cache", None)


def test_health_is_public_json_without_secrets(app, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"status", "database", "sandbox", "queue"}
    assert body["database"] == "ok" and body["queue"] == "ok"
    assert body["status"] in ("ok", "degraded")
    text = response.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in text and "sqlite" not in text


def test_health_degraded_when_sandbox_down(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(health, "_probe_sandbox", lambda: "unavailable")
    body = client.get("/api/v1/health").get_json()
    assert body["sandbox"] == "unavailable" and body["status"] == "degraded"


def test_health_reports_unreachable_redis(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    body = client.get("/api/v1/health").get_json()
    assert body["queue"] == "unavailable" and body["status"] == "degraded"


def test_api_404_is_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
