"""The grading queue: a submission becomes a persistent GradingJob row, and workers run it.

The row is the source of truth. Dispatch is only a doorbell that tells some worker "job N may be
waiting": an in-process thread pool by default, an RQ queue when REDIS_URL is set. A claim is a
conditional UPDATE (queued -> running), so any number of doorbells for one job run it at most
once, and a lost doorbell or a dead worker is repaired by `sweep()`, which every hirebench
process that grades or submits runs periodically. docs/grading-queue.md describes the states,
the timeline and the settings.

Nothing here touches Flask request objects; the web, the CLI and workers call the same functions
inside an application context."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import queue as stdlib_queue
import signal
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from hirebench.extensions import db
from hirebench.grading.result import GradeResult
from hirebench.models.base import utcnow
from hirebench.models.grading import GradingJob, GradingMode, JobStatus
from hirebench.models.people import User
from hirebench.sandbox.owner import owner_gone, owner_label, parse_owner
from hirebench.services.errors import ServiceError

log = logging.getLogger(__name__)

Grader = Callable[[str, bytes, str, str], GradeResult]

# The test seam: `module:function` of a grader with grade_job_payload's signature. It lets the
# queue tests drive real worker processes (`hirebench worker`) without Docker. Every job graded
# through it logs a warning; never set it in production.
TEST_GRADER_ENV = "HIREBENCH_TEST_GRADER"

# Settings read from app.config, then from the HIREBENCH_<NAME> environment variable, then here.
DEFAULTS: dict[str, float] = {
    "GRADING_WORKERS": 2,  # embedded mode: grading threads per process
    "GRADING_HEARTBEAT_TIMEOUT": 60.0,  # seconds without a heartbeat before a job is lost
    "GRADING_REAP_INTERVAL": 15.0,  # seconds between sweeps (reap lost jobs, re-ring doorbells)
    "GRADING_JOB_TIMEOUT": 900.0,  # RQ job timeout; also, a job running longer is reaped
    "GRADING_MAX_ATTEMPTS": 2,  # claims per job before it is failed
    "GRADING_SUBMISSION_MAX_BYTES": 2 * 1024 * 1024,
    "GRADING_RESULT_MAX_BYTES": 1024 * 1024,  # stored result JSON (PrairieLearn caps results too)
}
# Queued jobs younger than this are left to the doorbell rung at submission.
REDISPATCH_GRACE_SECONDS = 5.0
REDISPATCH_BATCH = 1000
REFUSED_PREFIX = "submission refused: "
_EXTENSION_KEY = "hirebench.grading.queue"

_grader_override: Grader | None = None
_start_lock = threading.Lock()
# Signalled whenever this process finishes or gives back a job, so `wait` in the same process
# (the CLI, tests, the benchmark) returns at once instead of at its next poll.
_job_settled = threading.Condition()


@dataclass(frozen=True)
class _Claim:
    worker: str
    attempt: int
    thread: int  # threading.get_ident() of the grading thread


# The claims this process holds right now, so that a process told to stop can hand them back,
# and why it is stopping (None while it runs). Claims are taken under the lock, so none slips in
# after a stop has collected them. A signal handler only reads both, without the lock.
_claims: dict[int, _Claim] = {}
_claims_lock = threading.Lock()
_stopping: str | None = None


class StopGrading(BaseException):
    """Raised in a thread that is grading when its process is told to stop: the job goes back to
    the queue. A BaseException, so that the grader's error handling cannot turn it into a
    result."""


def _notify_settled() -> None:
    with _job_settled:
        _job_settled.notify_all()


def setting(name: str, app: Flask | None = None) -> float:
    app = app or cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    value = app.config.get(name)
    if value is None:
        value = os.environ.get("HIREBENCH_" + name)
    if value is None:
        value = DEFAULTS[name]
    return float(value)


# --- the grading function ----------------------------------------------------------------------


def set_grader(grader: Grader | None) -> None:
    """Replace the grading function for this process (None restores the pipeline). For tests of
    the queue's mechanics, which need a small real function instead of Docker."""
    global _grader_override
    _grader_override = grader


def resolve_grader() -> Grader:
    if _grader_override is not None:
        return _grader_override
    spec = os.environ.get(TEST_GRADER_ENV)
    if spec:
        module_name, _, attribute = spec.partition(":")
        log.warning("grading with the test grader %s (%s is set)", spec, TEST_GRADER_ENV)
        return cast(Grader, getattr(importlib.import_module(module_name), attribute))
    from hirebench.grading.pipeline import grade_job_payload  # lazy: Docker, nbformat, ...

    return grade_job_payload


def grader_digest(grader_ref: str) -> str:
    """SHA-256 of the grader file when grader_ref names one; empty for other kinds of ref."""
    try:
        path = Path(grader_ref)
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    return ""


def worker_identity() -> str:
    """`host:pid:start.ns:thread`: the process's owner id (unique per process start, see
    hirebench/sandbox/owner.py) and the grading thread."""
    return f"{owner_label()}:{threading.current_thread().name}"


def _host_pid(worker: str | None) -> str:
    owner = parse_owner(worker)
    return owner.host_pid if owner is not None else "unknown worker"


# --- submitting --------------------------------------------------------------------------------


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
        grader_digest=grader_digest(grader_ref),
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
        with _job_settled:  # woken early by this process's workers; other processes: polled
            _job_settled.wait(min(pause, remaining))
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
        with _job_settled:  # woken early by this process's workers
            _job_settled.wait(min(0.5, remaining))


# --- running -----------------------------------------------------------------------------------


def _rowcount(statement: Any) -> int:
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return int(cast(sa.CursorResult[Any], result).rowcount)


def _owned(job_id: int, worker: str, attempt: int) -> tuple[sa.ColumnElement[bool], ...]:
    """A worker may write a job only while the job is running under its own claim."""
    return (
        GradingJob.id == job_id,
        GradingJob.status == JobStatus.running,
        GradingJob.worker == worker,
        GradingJob.attempts == attempt,
    )


@dataclass(frozen=True)
class _Payload:
    grader_ref: str
    submission: bytes
    submission_name: str
    mode: str


def run_job(job_id: int, grader: Grader | None = None) -> None:
    """Claim the job, grade it while a heartbeat shows this worker is alive, store the result.

    Returns quietly when another worker has the job or it is finished. Whatever the grader does
    (return, raise), the job ends done with a result. If this process dies or cannot write to the
    database, the heartbeat stops and `reap_stale` requeues or fails the job."""
    me = worker_identity()
    attempt = _claim(job_id, me)
    if attempt is None:
        return
    stored = False
    try:
        row = db.session.execute(
            sa.select(
                GradingJob.grader_ref,
                GradingJob.submission,
                GradingJob.submission_name,
                GradingJob.mode,
            ).where(GradingJob.id == job_id)
        ).one()
        db.session.commit()  # no transaction stays open while grading
        payload = _Payload(
            row.grader_ref, bytes(row.submission), row.submission_name, row.mode.value
        )
        log.info("grading job %s: attempt %d on %s", job_id, attempt, me)
        digest = grader_digest(payload.grader_ref)  # the grader this attempt actually uses
        heartbeat = _Heartbeat(
            db.engine, job_id, me, attempt, setting("GRADING_HEARTBEAT_TIMEOUT") / 4
        ).start()
        try:
            result, error = _grade(grader, payload)
            finished = utcnow()
        finally:
            heartbeat.stop()
        stored = _store(job_id, me, attempt, payload.mode, digest, result, error, finished)
    finally:
        with _claims_lock:
            _claims.pop(job_id, None)
        if not stored:
            # Interrupted (a stop signal, KeyboardInterrupt, SystemExit) or unable to store:
            # hand the job back now instead of waiting for the heartbeat to go stale.
            _release(job_id, me, attempt)


def _claim(job_id: int, me: str) -> int | None:
    """The conditional UPDATE queued -> running; the claim's attempt number, or None when the
    job is not queued any more or this process is stopping."""
    with _claims_lock:
        if _stopping is not None:
            return None
        now = utcnow()
        claimed = _rowcount(
            sa.update(GradingJob)
            .where(
                GradingJob.id == job_id,
                GradingJob.status == JobStatus.queued,
                GradingJob.attempts < GradingJob.max_attempts,
            )
            .values(
                status=JobStatus.running,
                attempts=GradingJob.attempts + 1,
                worker=me,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
                graded_at=None,
            )
        )
        db.session.commit()
        if claimed != 1:
            log.debug("grading job %s: not queued any more, nothing to do", job_id)
            return None
        attempt = int(
            db.session.execute(
                sa.select(GradingJob.attempts).where(GradingJob.id == job_id)
            ).scalar_one()
        )
        db.session.commit()
        _claims[job_id] = _Claim(me, attempt, threading.get_ident())
        return attempt


def _grade(grader: Grader | None, payload: _Payload) -> tuple[GradeResult, str | None]:
    """The one place where any exception becomes data. The grader is the pipeline, whose own
    steps already turn expected failures (bad notebook, bad submission, sandbox trouble) into
    error results; what still escapes is a bug or an environment fault that can be any type
    (ImportError, docker errors, RQ's JobTimeoutException, ...). Letting it propagate would
    kill the worker thread and leave the job running, so it is recorded as an error result
    instead, with the traceback in the log. Retrying would mostly repeat the same crash."""
    try:
        result = (grader or resolve_grader())(
            payload.grader_ref, payload.submission, payload.submission_name, payload.mode
        )
    except Exception as exc:
        log.exception("grader crashed on %s", payload.grader_ref)
        reason = f"grader crashed: {type(exc).__name__}: {exc}"
        return GradeResult.failure(reason, mode=payload.mode), reason
    if not isinstance(result, GradeResult):
        reason = f"grader returned {type(result).__name__}, not a GradeResult"
        return GradeResult.failure(reason, mode=payload.mode), reason
    return result, None


def _capped(result: GradeResult, limit: int) -> tuple[dict[str, Any], str | None]:
    data = result.to_json()
    size = len(json.dumps(data))
    if size <= limit:
        return data, None
    for test in data.get("tests", []):
        test["output"] = ""
    data.pop("output", None)
    if len(json.dumps(data)) <= limit:
        return data, None
    reason = f"the result is {size} bytes, over the {limit}-byte limit"
    failure = GradeResult.failure(reason, max_total=result.max_total, mode=result.mode)
    return failure.to_json(), reason


def _store(
    job_id: int,
    me: str,
    attempt: int,
    mode: str,
    digest: str,
    result: GradeResult,
    error: str | None,
    finished: datetime,
) -> bool:
    try:
        data, cap_error = _capped(result, int(setting("GRADING_RESULT_MAX_BYTES")))
    except (TypeError, ValueError) as exc:  # not JSON-serialisable: a grader bug
        cap_error = f"the result could not be stored: {exc}"
        data = GradeResult.failure(cap_error, mode=mode).to_json()
    for pause in (0.2, 1.0, 3.0, None):  # SQLite may be busy; keep trying briefly
        try:
            graded = utcnow()
            updated = _rowcount(
                sa.update(GradingJob)
                .where(*_owned(job_id, me, attempt))
                .values(
                    status=JobStatus.done,
                    finished_at=finished,
                    graded_at=graded,
                    heartbeat_at=graded,
                    result=data,
                    error=error or cap_error,
                    grader_digest=digest or GradingJob.grader_digest,
                )
            )
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            if pause is None:
                log.exception("grading job %s: could not store the result", job_id)
                return False
            log.warning("grading job %s: storing the result failed; retrying", job_id)
            time.sleep(pause)
            continue
        if updated != 1:
            log.warning("grading job %s: taken over by another worker; result discarded", job_id)
        else:
            log.info("grading job %s: done (%s)", job_id, result.status.value)
            _notify_settled()
        return True
    return False


def _release(job_id: int, me: str, attempt: int) -> None:
    reason = _stopping
    try:
        db.session.rollback()
        if reason is not None:
            handed_back = _hand_back(job_id, me, attempt, reason)
        else:
            _abandon(job_id, me, attempt, utcnow(), f"worker interrupted ({_host_pid(me)})")
            handed_back = False
        db.session.commit()
        _notify_settled()
    except SQLAlchemyError:
        log.exception("grading job %s: could not release it; the reaper will", job_id)
        return
    if handed_back:
        dispatch(job_id, attempt)


def _hand_back(job_id: int, worker: str, attempt: int, reason: str) -> bool:
    """A stopping process gives a job back: queued again at once, with a note. The attempt is
    not held against the job (max_attempts grows by one): a restart is the operator's doing,
    not the submission's. Returns False when the job was no longer this claim's."""
    owner = _host_pid(worker)
    handed = _rowcount(
        sa.update(GradingJob)
        .where(*_owned(job_id, worker, attempt))
        .values(
            status=JobStatus.queued,
            heartbeat_at=None,
            max_attempts=GradingJob.max_attempts + 1,
            error=f"worker stopped ({owner}, {reason}) on attempt {attempt}; handed back",
        )
    )
    if handed == 1:
        log.warning("grading job %s: handed back (%s, %s)", job_id, owner, reason)
    return handed == 1


class _Heartbeat:
    """Refreshes heartbeat_at while a job is graded, on its own connection and thread."""

    def __init__(
        self, engine: sa.Engine, job_id: int, worker: str, attempt: int, interval: float
    ) -> None:
        self.engine = engine
        self.job_id = job_id
        self.owned = _owned(job_id, worker, attempt)
        self.interval = max(interval, 0.05)
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"hirebench-heartbeat-{job_id}", daemon=True
        )

    def start(self) -> _Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    beat = connection.execute(
                        sa.update(GradingJob).where(*self.owned).values(heartbeat_at=utcnow())
                    )
            except SQLAlchemyError as exc:
                log.warning("grading job %s: heartbeat failed: %s", self.job_id, exc)
                continue
            if beat.rowcount != 1:
                log.warning("grading job %s: no longer ours; heartbeat stops", self.job_id)
                return


# --- recovering --------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _abandon(
    job_id: int,
    worker: str | None,
    attempt: int,
    now: datetime,
    why: str,
    stale: sa.ColumnElement[bool] | None = None,
) -> JobStatus | None:
    """Take a running job away from its worker: back to queued while attempts remain, else
    failed with a failure result. Returns the new status, or None when the job was no longer
    that worker's (finished meanwhile, or a fresh heartbeat arrived)."""
    row = db.session.execute(
        sa.select(GradingJob.max_attempts, GradingJob.mode).where(GradingJob.id == job_id)
    ).one_or_none()
    if row is None:
        return None
    conditions = [
        GradingJob.id == job_id,
        GradingJob.status == JobStatus.running,
        GradingJob.attempts == attempt,
        GradingJob.worker.is_not_distinct_from(worker),
    ]
    if stale is not None:
        conditions.append(stale)
    if attempt < row.max_attempts:
        values: dict[str, Any] = {
            "status": JobStatus.queued,
            "heartbeat_at": None,
            "error": f"{why} on attempt {attempt}; retrying",
        }
        new_status = JobStatus.queued
    else:
        reason = f"{why} after {_plural(attempt, 'attempt')}"
        values = {
            "status": JobStatus.failed,
            "graded_at": now,
            "error": reason,
            "result": GradeResult.failure(reason, mode=row.mode.value).to_json(),
        }
        new_status = JobStatus.failed
    if _rowcount(sa.update(GradingJob).where(*conditions).values(**values)) != 1:
        return None
    log.warning("grading job %s: %s; now %s", job_id, values["error"], new_status.value)
    return new_status


def reap_stale(now: datetime | None = None) -> int:
    """Requeue (and re-ring) or fail running jobs whose worker is gone: its process provably
    ended (same host, see hirebench/sandbox/owner.py), no heartbeat for
    GRADING_HEARTBEAT_TIMEOUT seconds, or running longer than GRADING_JOB_TIMEOUT. Returns how
    many jobs were taken back."""
    now = now or utcnow()
    lost_before = now - timedelta(seconds=setting("GRADING_HEARTBEAT_TIMEOUT"))
    overrun_before = now - timedelta(seconds=setting("GRADING_JOB_TIMEOUT"))
    lost = sa.or_(GradingJob.heartbeat_at.is_(None), GradingJob.heartbeat_at < lost_before)
    overrun = GradingJob.started_at < overrun_before
    # Every running job is looked at: few run at once, and a dead owner is known at once.
    rows = db.session.execute(
        sa.select(
            GradingJob.id,
            GradingJob.attempts,
            GradingJob.worker,
            GradingJob.heartbeat_at,
            GradingJob.started_at,
        )
        .where(GradingJob.status == JobStatus.running)
        .order_by(GradingJob.id)
    ).all()
    db.session.commit()
    taken = 0
    requeued: list[tuple[int, int]] = []
    for row in rows:
        owner = parse_owner(row.worker)
        if owner is not None and owner_gone(owner):
            why, stale = "worker lost", None  # its process is gone: no need to wait
        elif _is_lost(row.heartbeat_at, lost_before) or _before(row.started_at, overrun_before):
            fresh = not _is_lost(row.heartbeat_at, lost_before)
            why, stale = ("timed out" if fresh else "worker lost"), sa.or_(lost, overrun)
        else:
            continue
        status = _abandon(
            row.id, row.worker, row.attempts, now, f"{why} ({_host_pid(row.worker)})", stale
        )
        db.session.commit()
        if status is not None:
            taken += 1
        if status is JobStatus.queued:
            requeued.append((row.id, row.attempts))
    if taken:
        _notify_settled()
    for job_id, attempts in requeued:
        dispatch(job_id, attempts)
    return taken


def _before(moment: datetime | None, cutoff: datetime) -> bool:
    return moment is not None and moment < cutoff


def _is_lost(heartbeat: datetime | None, lost_before: datetime) -> bool:
    return heartbeat is None or heartbeat < lost_before


def redispatch_queued(grace: float = REDISPATCH_GRACE_SECONDS) -> int:
    """Ring again for queued jobs older than `grace` seconds whose doorbell may be lost (a
    restarted process, an RQ job evicted or failed). Duplicate rings are harmless."""
    cutoff = utcnow() - timedelta(seconds=grace)
    rows = db.session.execute(
        sa.select(GradingJob.id, GradingJob.attempts)
        .where(GradingJob.status == JobStatus.queued, GradingJob.submitted_at <= cutoff)
        .order_by(GradingJob.id)
        .limit(REDISPATCH_BATCH)
    ).all()
    db.session.commit()
    rung = sum(1 for row in rows if dispatch(row.id, row.attempts, check_existing=True))
    if rung:
        log.info("re-rang %d queued grading jobs", rung)
    return rung


def sweep(grace: float = REDISPATCH_GRACE_SECONDS) -> None:
    from hirebench.exams.attempts import expire_overdue  # lazy: exams import this module

    reap_stale()
    redispatch_queued(grace)
    # Exams close at their deadline even with every browser closed; the sweeper notices.
    expire_overdue()


# --- dispatch ----------------------------------------------------------------------------------


def doorbell_id(job_id: int, attempts: int) -> str:
    """One RQ job per claim attempt, so a re-ring can tell a pending doorbell from a spent one."""
    return f"hirebench-grading-{job_id}-a{attempts}"


def dispatch(job_id: int, attempts: int = 0, *, check_existing: bool = False) -> bool:
    """Ring a worker for the job. Failures to ring are logged, not raised: the job is safely
    queued in the database and the next sweep rings again. Returns whether a ring was sent."""
    app = cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if _stopping is not None and not redis_url:
        return False  # this process grades nothing more; the next one's start-up sweep rings
    if not redis_url:
        return ensure_started(app).ring(job_id)
    if _stopping is None:
        ensure_started(app)  # the periodic sweep, in this process too
    try:
        return _ring_redis(app, redis_url, job_id, attempts, check_existing)
    except RedisError as exc:
        log.warning("grading job %s queued, but Redis is unreachable (%s); will retry", job_id, exc)
        return False


_PENDING_RQ_STATES = {"queued", "started", "deferred", "scheduled"}


def _ring_redis(app: Flask, url: str, job_id: int, attempts: int, check_existing: bool) -> bool:
    """Enqueue the doorbell under a fixed id, atomically only if no doorbell with that id
    exists. A re-ring first clears a spent doorbell (finished, failed) but keeps a pending one."""
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job as RQJob

    from hirebench.queue import grade_job, redis_queue

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
            grade_job,
            job_id,
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


class EmbeddedPool:
    """GRADING_WORKERS daemon threads that run jobs in this process, plus a sweeper thread.
    With REDIS_URL set the pool has no grading threads: only the sweeper runs here.

    Threads hold the app weakly, so a pool ends with its app (tests create many apps)."""

    def __init__(self, app: Flask, workers: int, sweep_interval: float) -> None:
        self._app = weakref.ref(app)
        self.workers = workers
        self.sweep_interval = sweep_interval
        self.pid = os.getpid()
        self._doorbells: stdlib_queue.Queue[int] = stdlib_queue.Queue()
        self._pending: set[int] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._threads: dict[str, threading.Thread] = {}

    def start(self) -> EmbeddedPool:
        for number in range(1, self.workers + 1):
            self._spawn(f"hirebench-grading-{number}", self._work)
        self._spawn("hirebench-grading-sweeper", self._sweep_loop)
        return self

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads[name] = thread
        thread.start()

    def _respawn_dead(self) -> None:
        for name, thread in list(self._threads.items()):
            if name.endswith("sweeper") or thread.is_alive() or self._stopped.is_set():
                continue
            log.error("grading thread %s died; starting a new one", name)
            self._spawn(name, self._work)

    def ring(self, job_id: int) -> bool:
        with self._lock:
            if job_id in self._pending or self.workers == 0:
                return False
            self._pending.add(job_id)
        self._doorbells.put(job_id)
        return True

    def _work(self) -> None:
        while not self._stopped.is_set():
            try:
                job_id = self._doorbells.get(timeout=0.5)
            except stdlib_queue.Empty:
                if self._app() is None:
                    return
                continue
            with self._lock:
                self._pending.discard(job_id)
            app = self._app()
            if app is None:
                return
            try:
                with app.app_context():
                    run_job(job_id)
            except SQLAlchemyError:
                log.exception("grading job %s: database error; a sweep will retry it", job_id)
            del app

    def _sweep_loop(self) -> None:
        while not self._stopped.wait(self.sweep_interval):
            app = self._app()
            if app is None:
                return
            try:
                with app.app_context():
                    sweep()
            except SQLAlchemyError:
                log.exception("grading sweep failed; trying again in %s s", self.sweep_interval)
            del app
            self._respawn_dead()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads.values():
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive(self) -> bool:
        return not self._stopped.is_set() and self.pid == os.getpid()


def ensure_started(app: Flask | None = None) -> EmbeddedPool:
    """Start this process's pool for the app once (again after a fork): threads first, then a
    sweep that requeues lost jobs and rings for every queued one left from before."""
    app = app or cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    pool = app.extensions.get(_EXTENSION_KEY)
    if isinstance(pool, EmbeddedPool) and pool.alive:
        return pool
    with _start_lock:
        pool = app.extensions.get(_EXTENSION_KEY)
        if isinstance(pool, EmbeddedPool) and pool.alive:
            return pool
        workers = 0 if app.config.get("REDIS_URL") else int(setting("GRADING_WORKERS", app))
        pool = EmbeddedPool(app, workers, setting("GRADING_REAP_INTERVAL", app))
        app.extensions[_EXTENSION_KEY] = pool
        pool.start()
    log.info("grading pool started: %d threads, sweep every %s s", workers, pool.sweep_interval)
    try:
        with app.app_context():
            sweep(grace=0.0)
    except SQLAlchemyError:
        log.exception("first grading sweep failed; the sweeper will try again")
    return pool


def shutdown(app: Flask | None = None, timeout: float = 10.0) -> None:
    """Stop this app's pool (tests, clean exits). Running jobs finish first, up to `timeout`."""
    app = app or cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    pool = app.extensions.pop(_EXTENSION_KEY, None)
    if isinstance(pool, EmbeddedPool):
        pool.stop(timeout)


def init_app(app: Flask) -> None:
    """Start the pool with the first request too, for servers other than `hirebench serve`
    (which starts it with the process, see `start_process`). GRADING_AUTOSTART (default: not in
    testing) turns it off."""

    def autostart() -> None:
        if app.config.get("GRADING_AUTOSTART", not app.testing):
            ensure_started(app)

    app.before_request(autostart)


def start_process(app: Flask, *, warm_pool: bool = True) -> None:
    """What `hirebench serve` and `hirebench worker` do before anything else: remove sandbox
    containers whose owner process is provably gone, requeue jobs that such a process held and
    ring for queued ones (the first sweep of `ensure_started`), start the grading threads (none
    with Redis) and the sweeper, then the warm sandbox pool when this process grades."""
    _reap_orphan_sandboxes()
    with app.app_context():
        pool = ensure_started(app)
    if warm_pool and (pool.workers or app.config.get("REDIS_URL")):
        _start_warm_pool(app)


def on_worker_start(app: Flask) -> None:
    """`start_process` for an RQ worker, which grades in its own process."""
    start_process(app)


def _reap_orphan_sandboxes() -> None:
    try:
        from docker.errors import DockerException

        from hirebench.sandbox.runner import SandboxError, docker_client, reap_orphans
    except ImportError as exc:
        log.warning("sandbox support unavailable: %s", exc)
        return
    try:
        reap_orphans(docker_client())
    except (SandboxError, DockerException) as exc:
        log.warning("could not look for orphaned sandboxes: %s", exc)


def _start_warm_pool(app: Flask) -> None:
    size = int(app.config.get("SANDBOX_WARM_POOL", 3))
    if size <= 0:
        return
    from hirebench.grading.pipeline import sandbox_provider
    from hirebench.sandbox.runner import SandboxError

    try:
        sandbox_provider(size)
    except SandboxError as exc:  # no Docker: grading reports it per job
        log.warning("no warm sandbox pool: %s", exc)


def request_stop(signum: int) -> bool:
    """For a SIGTERM or SIGINT handler: this process claims no more jobs, and the jobs it holds
    go back to the queue (`stop_process`). Returns whether the calling thread is grading, so the
    handler can interrupt it with StopGrading. Takes no lock: the handler may run while this
    thread holds one."""
    global _stopping
    if _stopping is None:
        _stopping = signal.Signals(signum).name
    me = threading.get_ident()
    return any(claim.thread == me for claim in list(_claims.values()))


def stop_process(
    app: Flask, reason: str = "shutdown", sandbox_timeout: float = 15.0, *, resume: bool = False
) -> int:
    """A clean stop: claim nothing more, hand every job this process is grading back to the
    queue at once (with a note, re-rung in Redis mode), then remove this process's sandboxes.
    Grading threads still running are abandoned; their late results are discarded. Returns how
    many jobs were handed back. With `resume`, the process may grade again afterwards (a CLI
    command that graded on the side, run in-process by tests)."""
    global _stopping
    with _claims_lock:
        if _stopping is None:
            _stopping = reason
        claims = dict(_claims)
    pool = app.extensions.pop(_EXTENSION_KEY, None)
    if isinstance(pool, EmbeddedPool):
        pool.stop(timeout=0.0)
    handed: list[tuple[int, int]] = []
    with app.app_context():
        for job_id, claim in claims.items():
            try:
                if _hand_back(job_id, claim.worker, claim.attempt, _stopping):
                    handed.append((job_id, claim.attempt))
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                log.exception("grading job %s: could not hand it back; the next start will", job_id)
        for job_id, attempt in handed:
            dispatch(job_id, attempt)
    _notify_settled()
    _remove_own_sandboxes(sandbox_timeout)
    if resume:
        with _claims_lock:
            _stopping = None
    return len(handed)


def grades_here(app: Flask) -> bool:
    """Whether this process runs grading threads (embedded mode with GRADING_WORKERS > 0)."""
    return not app.config.get("REDIS_URL") and int(setting("GRADING_WORKERS", app)) > 0


def _remove_own_sandboxes(timeout: float) -> None:
    try:
        from docker.errors import DockerException

        from hirebench.grading.pipeline import close_sandbox_provider
        from hirebench.sandbox.runner import SandboxError, docker_client, remove_own
    except ImportError:
        return
    close_sandbox_provider(timeout)
    try:
        remove_own(docker_client())  # the ones grading threads were still using
    except (SandboxError, DockerException) as exc:
        log.warning("could not remove this process's sandboxes: %s", exc)
