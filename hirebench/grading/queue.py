"""The grading queue: a submission becomes a persistent GradingJob row, and workers run it.

The row is the source of truth. Dispatch is only a doorbell that tells some worker "job N may be
waiting": an in-process thread pool by default (hirebench.grading.pool), an RQ queue when
REDIS_URL is set (hirebench.grading.redis_jobs). A claim is a conditional UPDATE
(queued -> running, hirebench.grading.claims), so any number of doorbells for one job run it at
most once, and a lost doorbell or a dead worker is repaired by `sweep()` (its decisions are in
hirebench.grading.sweeper), which every hirebench process that grades or submits runs
periodically. docs/grading-queue.md describes the states, the timeline and the settings.

This module is the queue's front: submitting, waiting, ringing, sweeping and starting the pool.
Nothing here touches Flask request objects; the web, the CLI and workers call the same
functions inside an application context."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from hirebench.extensions import db
from hirebench.grading import claims, pipeline, pool, redis_jobs, registry, sweeper
from hirebench.grading.result import GradeResult
from hirebench.grading.settings import current, setting
from hirebench.models.base import utcnow
from hirebench.models.grading import GradingJob, GradingMode, JobStatus
from hirebench.models.people import User
from hirebench.observability import context as log_context
from hirebench.observability import metrics
from hirebench.services.errors import ServiceError

log = logging.getLogger(__name__)

REFUSED_PREFIX = "submission refused: "

_start_lock = threading.Lock()


def submit(
    grader_ref: str,
    submission: bytes,
    submission_name: str,
    mode: str = "full",
    requested_by: User | int | None = None,
    regrade_of: GradingJob | int | None = None,
) -> GradingJob:
    """Store a grading job, commit, then ring a worker. A submission over the size cap is not
    stored: its job is finished at once with an error result saying so."""
    job = _new_job(grader_ref, submission, submission_name, mode, requested_by, regrade_of)
    db.session.add(job)
    db.session.commit()
    if job.status is JobStatus.queued:
        dispatch(job.id, job.attempts)
    else:  # refused: finished at once
        metrics.count_grading_outcome("refused")
        claims.announce_finished(job.id, job.grader_ref)
    return job


def _new_job(
    grader_ref: str,
    submission: bytes,
    submission_name: str,
    mode: str,
    requested_by: User | int | None,
    regrade_of: GradingJob | int | None,
) -> GradingJob:
    if not grader_ref or not grader_ref.strip():
        raise ServiceError("A grading job needs a grader.")
    try:
        grading_mode = GradingMode(mode)
    except ValueError as exc:
        raise ServiceError(f"Unknown grading mode {mode!r}.") from exc
    name = Path(submission_name.replace("\\", "/")).name.strip()[:255] or "submission"
    job = GradingJob(
        grader_ref=grader_ref,
        grader_digest=claims.grader_digest(grader_ref),
        submission=bytes(submission),
        submission_name=name,
        mode=grading_mode,
        status=JobStatus.queued,
        attempts=0,
        max_attempts=int(setting("GRADING_MAX_ATTEMPTS")),
        submitted_at=utcnow(),
        requested_by_id=requested_by.id if isinstance(requested_by, User) else requested_by,
        regrade_of_id=regrade_of.id if isinstance(regrade_of, GradingJob) else regrade_of,
    )
    limit = int(setting("GRADING_SUBMISSION_MAX_BYTES"))
    if len(submission) > limit:
        reason = f"{REFUSED_PREFIX}{len(submission)} bytes is over the {limit}-byte limit"
        now = utcnow()
        job.submission = b""
        job.status = JobStatus.done
        job.started_at = job.finished_at = job.graded_at = now
        job.error = reason
        job.result = GradeResult.failure(reason, mode=grading_mode.value).to_json()
    return job


def regrade(job_id: int, requested_by: User | int | None = None) -> GradingJob:
    """Grade a stored submission again, with the grader as it is now. The new job points at the
    original submission's job, so a family is one original and its regrades."""
    original = _get(job_id)
    if _refused(original):
        raise ServiceError(f"Grading job {job_id} has no stored submission to regrade.")
    job = _regrade_job(original, requested_by)
    db.session.add(job)
    db.session.commit()
    dispatch(job.id, job.attempts)
    return job


def regrade_question(
    grader_ref: str, requested_by: User | int | None = None, mode: str | None = "full"
) -> list[GradingJob]:
    """Regrade every original submission to one grader (by default the "full" submissions of
    record; mode=None takes "visible" check runs too). One new job per submission."""
    query = sa.select(GradingJob).where(
        GradingJob.grader_ref == grader_ref, GradingJob.regrade_of_id.is_(None)
    )
    if mode is not None:
        query = query.where(GradingJob.mode == GradingMode(mode))
    originals = db.session.scalars(query.order_by(GradingJob.id)).all()
    jobs = [_regrade_job(job, requested_by) for job in originals if not _refused(job)]
    db.session.add_all(jobs)
    db.session.commit()
    for job in jobs:
        dispatch(job.id, job.attempts)
    log.info("regrading %d submissions to %s", len(jobs), grader_ref)
    return jobs


def _regrade_job(original: GradingJob, requested_by: User | int | None) -> GradingJob:
    return _new_job(
        original.grader_ref,
        original.submission,
        original.submission_name,
        original.mode.value,
        requested_by,
        original.regrade_of_id or original.id,
    )


def _refused(job: GradingJob) -> bool:
    return bool(job.error and job.error.startswith(REFUSED_PREFIX) and not job.submission)


def _get(job_id: int) -> GradingJob:
    job = db.session.get(GradingJob, job_id)
    if job is None:
        raise ServiceError(f"There is no grading job {job_id}.")
    return job


def latest_in_family(job_id: int) -> GradingJob:
    """The newest job among a submission's original job and its regrades."""
    job = _get(job_id)
    root = job.regrade_of_id or job.id
    newest = db.session.scalars(
        sa.select(GradingJob)
        .where(sa.or_(GradingJob.id == root, GradingJob.regrade_of_id == root))
        .order_by(GradingJob.id.desc())
        .limit(1)
    ).one()
    return newest


def wait(job_id: int, timeout: float = 60.0) -> GradingJob:
    """Poll until the job is done or failed; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        job = db.session.scalars(
            sa.select(GradingJob)
            .where(GradingJob.id == job_id)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if job is None:
            raise ServiceError(f"There is no grading job {job_id}.")
        if job.is_finished:
            return job
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"grading job {job_id} is still {job.status} after {timeout} s")
        with claims.job_settled:  # woken early by this process's workers; other processes: polled
            claims.job_settled.wait(min(pause, remaining))
        pause = min(pause * 1.5, 0.25)


def wait_all(
    job_ids: list[int],
    timeout: float,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Wait until every job is done or failed, or `timeout` seconds pass; calls
    progress(finished, total) whenever the count changes. Returns how many finished."""
    deadline = time.monotonic() + timeout
    reported = -1
    while True:
        finished = int(
            db.session.scalar(
                sa.select(sa.func.count(GradingJob.id)).where(
                    GradingJob.id.in_(job_ids),
                    GradingJob.status.in_([JobStatus.done, JobStatus.failed]),
                )
            )
            or 0
        )
        db.session.commit()  # a fresh snapshot on the next poll
        if finished != reported and progress is not None:
            progress(finished, len(job_ids))
            reported = finished
        remaining = deadline - time.monotonic()
        if finished >= len(job_ids) or remaining <= 0:
            return finished
        with claims.job_settled:  # woken early by this process's workers
            claims.job_settled.wait(min(0.5, remaining))


# --- dispatch ----------------------------------------------------------------------------------


def dispatch(job_id: int, attempts: int = 0, *, check_existing: bool = False) -> bool:
    """Ring a worker for the job. Failures to ring are logged, not raised: the job is safely
    queued in the database and the next sweep rings again. Returns whether a ring was sent."""
    log_context.remember_origin(job_id)  # the pool thread's log lines name this request
    app = current()
    redis_url = app.config.get("REDIS_URL")
    stopping = claims.stopping()
    if stopping is not None and not redis_url:
        return False  # this process grades nothing more; the next one's start-up sweep rings
    if not redis_url:
        return ensure_started(app).ring(job_id)
    if stopping is None:
        ensure_started(app)  # the periodic sweep, in this process too
    try:
        return redis_jobs.ring(app, redis_url, job_id, attempts, check_existing)
    except RedisError as exc:
        log.warning("grading job %s queued, but Redis is unreachable (%s); will retry", job_id, exc)
        return False


# --- sweeping ----------------------------------------------------------------------------------


def reap_stale(now: datetime | None = None) -> int:
    """Requeue (and re-ring) or fail running jobs whose worker is gone (the rules are
    `sweeper.take_back_stale`). Returns how many jobs were taken back."""
    reaped = sweeper.take_back_stale(now)
    for job_id, attempts in reaped.requeued:
        dispatch(job_id, attempts)
    return reaped.taken


def redispatch_queued(grace: float = sweeper.REDISPATCH_GRACE_SECONDS) -> int:
    """Ring again for queued jobs older than `grace` seconds whose doorbell may be lost (a
    restarted process, an RQ job evicted or failed). Duplicate rings are harmless."""
    rung = sum(
        1
        for job_id, attempts in sweeper.queued_to_ring(grace)
        if dispatch(job_id, attempts, check_existing=True)
    )
    if rung:
        log.info("re-rang %d queued grading jobs", rung)
    return rung


def sweep(grace: float = sweeper.REDISPATCH_GRACE_SECONDS) -> None:
    reap_stale()
    redispatch_queued(grace)
    pipeline.reap_orphan_sandboxes()
    # The domain's periodic tasks (exams close at their deadline even with every browser
    # closed), registered at app start by hirebench.wiring.
    registry.run_periodic()


# --- the embedded pool -------------------------------------------------------------------------


def ensure_started(app: Flask | None = None) -> pool.EmbeddedPool:
    """Start this process's pool for the app once (again after a fork): threads first, then a
    sweep that requeues lost jobs and rings for every queued one left from before."""
    app = app or current()
    running = pool.pool_of(app)
    if running is not None:
        return running
    with _start_lock:
        running = pool.pool_of(app)
        if running is not None:
            return running
        workers = 0 if app.config.get("REDIS_URL") else int(setting("GRADING_WORKERS", app))
        running = pool.EmbeddedPool(app, workers, setting("GRADING_REAP_INTERVAL", app), sweep)
        app.extensions[pool.EXTENSION_KEY] = running
        running.start()
    log.info("grading pool started: %d threads, sweep every %s s", workers, running.sweep_interval)
    try:
        with app.app_context():
            sweep(grace=0.0)
    except SQLAlchemyError:
        log.exception("first grading sweep failed; the sweeper will try again")
    return running


def shutdown(app: Flask | None = None, timeout: float = 10.0) -> None:
    """Stop this app's pool (tests, clean exits). Running jobs finish first, up to `timeout`."""
    app = app or current()
    stopped = pool.detach(app)
    if stopped is not None:
        stopped.stop(timeout)


def init_app(app: Flask) -> None:
    """Start the pool with the first request too, for servers other than `hirebench serve`
    (which starts it with the process, see `start_process`). GRADING_AUTOSTART (default: not in
    testing) turns it off."""

    def autostart() -> None:
        if app.config.get("GRADING_AUTOSTART", not app.testing):
            ensure_started(app)

    app.before_request(autostart)
