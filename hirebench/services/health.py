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
from hirebench.grading.pipeline import current_sandbox_provider
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


# --- liveness and readiness (docs/operations.md, "Metrics and health") -----------------------


def liveness() -> dict[str, Any]:
    """The process answers: no dependency is asked, so a database outage never makes an
    orchestrator restart every web process at once."""
    return {"status": "ok"}


def warm_pool_state(configured_size: int) -> str:
    """'ok' when this process's warm pool has a ready sandbox (or none is wanted), 'empty'
    when every sandbox is in use or none could start (grading cold-starts, slower), 'starting'
    before the first job starts the pool."""
    if configured_size <= 0:
        return "ok"
    provider = current_sandbox_provider()
    if provider is None:
        return "starting"
    return "ok" if provider.pool.ready_count() > 0 else "empty"


def readiness(redis_url: str | None, grades_here: bool, warm_pool_size: int) -> dict[str, Any]:
    """Whether this process can serve: the database and, when configured, Redis must answer
    (else 'unavailable', to be answered with 503). When this process grades, the Docker engine
    and the warm pool are reported too; their trouble makes it 'degraded', not unready, since
    pages and autosaves still work and grading jobs wait in the queue."""
    checks: dict[str, str] = {"database": database_state()}
    if redis_url:
        checks["queue"] = queue_state(redis_url)
    required = set(checks)
    if grades_here:
        checks["sandbox"] = sandbox_state()
        if checks["sandbox"] == "ok":
            checks["warm_pool"] = warm_pool_state(warm_pool_size)
    failing = sorted(name for name, state in checks.items() if state not in ("ok", "starting"))
    status = "degraded" if failing else "ok"
    if required & set(failing):
        status = "unavailable"
    return {"status": status, "checks": checks, "failing": failing}
