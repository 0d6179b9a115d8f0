"""Health of the parts the platform depends on. Reports states, never secrets."""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from hirebench.extensions import db
from hirebench.sandbox.image import current_image_tag

log = logging.getLogger(__name__)
_CACHE_SECONDS = 10.0
_sandbox_cache: tuple[float, str] | None = None


def database_state() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("database health check failed")
        db.session.rollback()
        return "unavailable"
    return "ok"


def sandbox_state() -> str:
    """'ok' when the Docker engine answers and the sandbox image is built. Cached briefly,
    because the health endpoint is public and must stay cheap."""
    global _sandbox_cache
    now = time.monotonic()
    if _sandbox_cache is not None and now - _sandbox_cache[0] < _CACHE_SECONDS:
        return _sandbox_cache[1]
    state = _probe_sandbox()
    _sandbox_cache = (now, state)
    return state


def _probe_sandbox() -> str:
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=3)
        client.ping()
    except DockerException:
        return "unavailable"
    try:
        client.images.get(current_image_tag())
    except DockerException:
        return "image-missing"
    finally:
        client.close()
    return "ok"


def queue_state(redis_url: str | None) -> str:
    if not redis_url:
        return "ok"  # in-process workers live as long as the web process
    try:
        Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except RedisError:
        return "unavailable"
    return "ok"


def report(redis_url: str | None) -> dict[str, Any]:
    states = {
        "database": database_state(),
        "sandbox": sandbox_state(),
        "queue": queue_state(redis_url),
    }
    status = "ok" if all(state == "ok" for state in states.values()) else "degraded"
    return {"status": status, **states, "queue_backend": "redis" if redis_url else "in-process"}
