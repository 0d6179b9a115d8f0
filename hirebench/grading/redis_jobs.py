"""The Redis side of the grading queue (scale-out mode, REDIS_URL set): the doorbell is an RQ
job named by dotted string, as microblog names its tasks, and `hirebench worker` runs
`GradingWorker`, which grades in its own process inside the app the command built. Any host
that can reach Redis and the database can run workers."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job as RQJob

from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading.settings import current, setting
from hirebench.models.grading import GradingJob
from hirebench.observability import context as log_context

log = logging.getLogger(__name__)

GRADING_QUEUE = "grading"
#: The RQ job that grades one GradingJob (see `grade_job`).
GRADE_JOB = "hirebench.grading.redis_jobs.grade_job"
_PENDING_RQ_STATES = {"queued", "started", "deferred", "scheduled"}

_connections: dict[tuple[int, str], Redis] = {}
_connections_lock = threading.Lock()


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


def doorbell_id(job_id: int, attempts: int) -> str:
    """One RQ job per claim attempt, so a re-ring can tell a pending doorbell from a spent one."""
    return f"hirebench-grading-{job_id}-a{attempts}"


def ring(app: Flask, url: str, job_id: int, attempts: int, check_existing: bool) -> bool:
    """Enqueue the doorbell under a fixed id, atomically only if no doorbell with that id
    exists. A re-ring first clears a spent doorbell (finished, failed) but keeps a pending one.
    Raises RedisError when Redis is unreachable."""
    rq_queue = redis_queue(url)
    key = doorbell_id(job_id, attempts)
    if check_existing:
        try:
            existing = RQJob.fetch(key, connection=rq_queue.connection)
        except NoSuchJobError:
            existing = None
        if existing is not None:
            state = existing.get_status(refresh=False)
            if state is not None and str(getattr(state, "value", state)) in _PENDING_RQ_STATES:
                return False
            existing.delete()
    try:
        rq_queue.enqueue(
            GRADE_JOB,
            job_id,
            log_context.request_id(),  # so the worker's log lines name the request
            job_id=key,
            unique=True,
            job_timeout=int(setting("GRADING_JOB_TIMEOUT", app)),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"grading job {job_id}",
        )
    except DuplicateJobError:
        return False
    return True


def _ring_again(job_id: int, attempts: int) -> None:
    """A stopping worker gave the job back: another worker should take it now."""
    app = current()
    url = app.config.get("REDIS_URL")
    if not url:
        return
    try:
        ring(app, url, job_id, attempts, check_existing=False)
    except RedisError as exc:
        log.warning("grading job %s handed back, but Redis is unreachable (%s)", job_id, exc)


def grade_job(job_id: int, request_id: str | None = None) -> dict[str, Any]:
    """The RQ job: a doorbell for grading job `job_id`. The database row says what to do;
    running it twice, or for a job already finished, does nothing. Runs in the application
    context that GradingWorker pushes for each job."""
    log_context.adopt_origin(job_id, request_id)
    claims.run_job(job_id, ring_again=_ring_again)
    job = db.session.get(GradingJob, job_id)
    return {"job": job_id, "status": job.status.value if job else "missing"}


PUBSUB_POLL_SECONDS = 1.0  # how long the command listener waits before checking it should stop


class GradingWorker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in this process, so the warm sandbox pool survives between
    jobs) that runs every job in a fresh application context of `app`, and on SIGTERM and
    SIGINT hands the running grading job back to the queue at once instead of letting it finish
    first (RQ's warm shutdown, which can take GRADING_JOB_TIMEOUT). A second signal is still
    RQ's cold shutdown."""

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        self.app = app
        super().__init__(*args, **kwargs)

    def subscribe(self) -> None:
        # RQ's own subscribe parks the listening thread for up to 60 s at a time. When the
        # unsubscribe confirmation arrives before the stop flag, the thread waits out those 60 s
        # for a subscription that will never come, and redis-py's stop() joins it: every burst
        # run or SIGTERM could take a minute to end. One second bounds that wait.
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=PUBSUB_POLL_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        # A context per job: each job gets its own database session, removed afterwards.
        with self.app.app_context():
            return bool(super().perform_job(*args, **kwargs))

    def request_stop(self, signum: int, frame: Any) -> None:
        grading = claims.request_stop(signum)
        super().request_stop(signum, frame)  # stop after this job; raises StopRequested if idle
        if grading:
            raise claims.StopGrading(f"worker stopped by signal {signum}")
