"""The RQ side of the scale-out mode. Workers build their own app, so any host that can reach
Redis and the database can run `hirebench worker`."""

from __future__ import annotations

import socket
from typing import Any

from redis import Redis
from rq import Queue

GRADING_QUEUE = "grading"


def redis_queue(redis_url: str, name: str = GRADING_QUEUE) -> Queue:
    return Queue(name, connection=Redis.from_url(redis_url))


def worker_selfcheck() -> dict[str, Any]:
    """A job that proves a worker can reach the database with the shared configuration."""
    from hirebench import create_app
    from hirebench.services import health

    app = create_app()
    with app.app_context():
        return {"database": health.database_state(), "host": socket.gethostname()}
