"""The RQ side of the scale-out mode. Workers build their own app, so any host that can reach
Redis and the database can run `hirebench worker`."""

from __future__ import annotations

import os
import socket
import threading
from typing import TYPE_CHECKING, Any

from redis import Redis
from rq import Queue, SimpleWorker

if TYPE_CHECKING:
    from flask import Flask

GRADING_QUEUE = "grading"

_connections: dict[tuple[int, str], Redis] = {}
_connections_lock = threading.Lock()
_worker_app: tuple[int, Flask] | None = None


def redis_connection(redis_url: str) -> Redis:
    """One client (and connection pool) per URL and process, shared by threads."""
    key = (os.getpid(), redis_url)
    with _connections_lock:
        connection = _connections.get(key)
        if connection is None:
            connection = _connections[key] = Redis.from_url(redis_url)
        return connection


def redis_queue(redis_url: str, name: str = GRADING_QUEUE) -> Queue:
    return Queue(name, connection=redis_connection(redis_url))


def worker_selfcheck() -> dict[str, Any]:
    """A job that proves a worker can reach the database with the shared configuration."""
    from hirebench import create_app
    from hirebench.services import health

    app = create_app()
    with app.app_context():
        return {"database": health.database_state(), "host": socket.gethostname()}


def _app_for_this_process() -> Flask:
    """Built once per process from the environment (a forked work horse builds its own: it
    must not share the parent's database connections)."""
    global _worker_app
    if _worker_app is None or _worker_app[0] != os.getpid():
        from hirebench import create_app

        _worker_app = (os.getpid(), create_app())
    return _worker_app[1]


class GradingWorker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in this process, so the warm sandbox pool survives between
    jobs), except that SIGTERM and SIGINT hand the running grading job back to the queue at once
    instead of letting it finish first (RQ's warm shutdown, which can take GRADING_JOB_TIMEOUT).
    A second signal is still RQ's cold shutdown."""

    def request_stop(self, signum: int, frame: Any) -> None:
        from hirebench.grading import queue as grading_queue

        grading = grading_queue.request_stop(signum)
        super().request_stop(signum, frame)  # stop after this job; raises StopRequested if idle
        if grading:
            raise grading_queue.StopGrading(f"worker stopped by signal {signum}")


def grade_job(job_id: int) -> dict[str, Any]:
    """The RQ job: a doorbell for grading job `job_id`. The database row says what to do;
    running it twice, or for a job already finished, does nothing."""
    from hirebench.extensions import db
    from hirebench.grading import queue as grading_queue
    from hirebench.models import GradingJob

    app = _app_for_this_process()
    with app.app_context():
        grading_queue.run_job(job_id)
        job = db.session.get(GradingJob, job_id)
        return {"job": job_id, "status": job.status.value if job else "missing"}
