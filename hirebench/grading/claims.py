"""Claiming and running grading jobs: the conditional UPDATE that makes a claim, the heartbeat
that shows its worker is alive, storing the result, and giving a job back (a stopping process,
an interrupted thread, a lost worker). The GradingJob row is the source of truth; any number of
doorbells for one job run it at most once (docs/grading-queue.md).

Nothing here rings a doorbell: a function that hands a job back returns it, and its caller,
which knows how this process dispatches, rings again."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from hirebench import events
from hirebench.extensions import db
from hirebench.grading.pipeline import grade_job_payload, sandbox_engine_answers
from hirebench.grading.result import GradeResult, lighter
from hirebench.grading.settings import setting
from hirebench.models.base import utcnow
from hirebench.models.grading import GradingJob, JobStatus
from hirebench.observability import context as log_context
from hirebench.observability import metrics
from hirebench.sandbox.owner import owner_label, parse_owner
from hirebench.sandbox.runner import SandboxUnavailable

log = logging.getLogger(__name__)

Grader = Callable[[str, bytes, str, str], GradeResult]
#: A claim handed back to the queue that its caller should ring again: (job id, attempts).
Handed = tuple[int, int]

# The test seam: `module:function` of a grader with grade_job_payload's signature. It lets the
# queue tests drive real worker processes (`hirebench worker`) without Docker. Every job graded
# through it logs a warning; never set it in production.
TEST_GRADER_ENV = "HIREBENCH_TEST_GRADER"

_grader_override: Grader | None = None
# Signalled whenever this process finishes or gives back a job, so `wait` in the same process
# (the CLI, tests, the benchmark) returns at once instead of at its next poll.
job_settled = threading.Condition()


@dataclass(frozen=True)
class Claim:
    worker: str
    attempt: int
    thread: int  # threading.get_ident() of the grading thread


# The claims this process holds right now, so that a process told to stop can hand them back,
# and why it is stopping (None while it runs). Claims are taken under the lock, so none slips in
# after a stop has collected them. A signal handler only reads both, without the lock.
_claims: dict[int, Claim] = {}
_claims_lock = threading.Lock()
_stopping: str | None = None


class StopGrading(BaseException):
    """Raised in a thread that is grading when its process is told to stop: the job goes back to
    the queue. A BaseException, so that the grader's error handling cannot turn it into a
    result."""


def notify_settled() -> None:
    with job_settled:
        job_settled.notify_all()


def announce_finished(job_id: int, grader_ref: str | None = None) -> None:
    """Announce a job that reached done or failed. Called after the commit that finished it,
    so receivers read the stored result."""
    if grader_ref is None:
        grader_ref = db.session.scalar(
            sa.select(GradingJob.grader_ref).where(GradingJob.id == job_id)
        )
        db.session.commit()
    events.grading_finished.send(None, job_id=job_id, grader_ref=grader_ref or "")


def stopping() -> str | None:
    """Why this process is stopping, or None while it grades."""
    return _stopping


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


def host_pid(worker: str | None) -> str:
    owner = parse_owner(worker)
    return owner.host_pid if owner is not None else "unknown worker"


# --- running ---------------------------------------------------------------------------------


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


@log_context.in_job_scope  # its log lines carry the job id and the request that queued it
def run_job(
    job_id: int, grader: Grader | None = None, ring_again: Callable[[int, int], None] | None = None
) -> None:
    """Claim the job, grade it while a heartbeat shows this worker is alive, store the result.

    Returns quietly when another worker has the job or it is finished, and claims nothing while
    this process's Docker engine does not answer (the job waits queued; a sweep rings again).
    Whatever the grader does (return, raise), the job ends done with a result, except when the
    engine stops answering mid-job: then it is queued again (failed after max_attempts). If
    this process dies or cannot write to the database, the heartbeat stops and `reap_stale`
    requeues or fails the job. When a stopping process hands the job back,
    `ring_again(job_id, attempts)` rings for it at once (even while StopGrading unwinds this
    call)."""
    if _engine_down(grader):
        log.debug("grading job %s: the Docker engine does not answer; left queued", job_id)
        return
    me = worker_identity()
    attempt = _claim(job_id, me)
    if attempt is None:
        return
    stored = False
    why: str | None = None  # why the claim is given up, when that is not a stop or interrupt
    try:
        stored = _grade_claimed(job_id, me, attempt, grader)
    except SandboxUnavailable as exc:
        why = f"sandbox engine unavailable ({host_pid(me)}: {str(exc)[:300]})"
    finally:
        with _claims_lock:
            _claims.pop(job_id, None)
        if not stored:
            # Interrupted (a stop signal, KeyboardInterrupt, SystemExit), the engine gone, or
            # unable to store: hand the job back now instead of waiting for the heartbeat.
            handed = _release(job_id, me, attempt, why)
            if handed is not None and ring_again is not None:
                ring_again(*handed)


def _engine_down(grader: Grader | None) -> bool:
    """Whether this process would grade in Docker (the pipeline, not a test seam) and its
    engine does not answer."""
    if grader is not None or _grader_override is not None or os.environ.get(TEST_GRADER_ENV):
        return False
    return not sandbox_engine_answers()


def _grade_claimed(job_id: int, me: str, attempt: int, grader: Grader | None) -> bool:
    """Grade a job this worker has claimed and store the result; whether it was stored."""
    row = db.session.execute(
        sa.select(
            GradingJob.grader_ref,
            GradingJob.submission,
            GradingJob.submission_name,
            GradingJob.mode,
            GradingJob.submitted_at,
        ).where(GradingJob.id == job_id)
    ).one()
    db.session.commit()  # no transaction stays open while grading
    payload = _Payload(row.grader_ref, bytes(row.submission), row.submission_name, row.mode.value)
    log.info("grading job %s: attempt %d on %s", job_id, attempt, me)
    digest = grader_digest(payload.grader_ref)  # the grader this attempt actually uses
    heartbeat = _Heartbeat(
        db.engine, job_id, me, attempt, setting("GRADING_HEARTBEAT_TIMEOUT") / 4
    ).start()
    clock = time.perf_counter()
    try:
        result, error = _grade(grader, payload)
        finished = utcnow()
    finally:
        heartbeat.stop()
    stored = _store(job_id, me, attempt, payload, digest, result, error, finished)
    if stored:
        turnaround = (utcnow() - row.submitted_at).total_seconds()
        metrics.observe_grading(
            payload.mode, result.status.value, time.perf_counter() - clock, turnaround
        )
    return stored


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
        _claims[job_id] = Claim(me, attempt, threading.get_ident())
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
    except SandboxUnavailable:
        raise  # the machine's trouble, not the submission's: run_job queues the job again
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
    for light in lighter(data):
        if len(json.dumps(light)) <= limit:
            return light, None
    reason = f"the result is {size} bytes, over the {limit}-byte limit"
    failure = GradeResult.failure(reason, max_total=result.max_total, mode=result.mode)
    return failure.to_json(), reason


def _store(
    job_id: int,
    me: str,
    attempt: int,
    payload: _Payload,
    digest: str,
    result: GradeResult,
    error: str | None,
    finished: datetime,
) -> bool:
    try:
        data, cap_error = _capped(result, int(setting("GRADING_RESULT_MAX_BYTES")))
    except (TypeError, ValueError) as exc:  # not JSON-serialisable: a grader bug
        cap_error = f"the result could not be stored: {exc}"
        data = GradeResult.failure(cap_error, mode=payload.mode).to_json()
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
            notify_settled()
            announce_finished(job_id, payload.grader_ref)
        return True
    return False


def _release(job_id: int, me: str, attempt: int, why: str | None = None) -> Handed | None:
    reason = _stopping
    status: JobStatus | None = None
    try:
        db.session.rollback()
        if reason is not None:
            handed_back = hand_back(job_id, me, attempt, reason)
        else:
            why = why or f"worker interrupted ({host_pid(me)})"
            status = abandon(job_id, me, attempt, utcnow(), why)
            handed_back = False
        db.session.commit()
        notify_settled()
        if status is JobStatus.failed:
            announce_finished(job_id)
    except SQLAlchemyError:
        log.exception("grading job %s: could not release it; the reaper will", job_id)
        return None
    return (job_id, attempt) if handed_back else None


def hand_back(job_id: int, worker: str, attempt: int, reason: str) -> bool:
    """A stopping process gives a job back: queued again at once, with a note. The attempt is
    not held against the job (max_attempts grows by one): a restart is the operator's doing,
    not the submission's. Returns False when the job was no longer this claim's."""
    owner = host_pid(worker)
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


# --- giving jobs up ---------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def abandon(
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
    metrics.count_grading_outcome("failed" if new_status is JobStatus.failed else "requeued")
    return new_status


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


def begin_stop(reason: str) -> tuple[str, dict[int, Claim]]:
    """Claim nothing more from now on; the reason in force and the claims held right now."""
    global _stopping
    with _claims_lock:
        if _stopping is None:
            _stopping = reason
        return _stopping, dict(_claims)


def resume() -> None:
    """Grade again after `begin_stop` (a CLI command that graded on the side)."""
    global _stopping
    with _claims_lock:
        _stopping = None
