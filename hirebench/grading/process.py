"""A grading process's start and stop, for `hirebench serve`, `hirebench worker` and CLI
commands that grade on the side: recover what a dead process left (its sandboxes, its jobs),
start the pool and the warm sandboxes, and on a stop hand every running job back at once
(docs/grading-queue.md, "Process start and stop")."""

from __future__ import annotations

import logging

from docker.errors import DockerException
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from hirebench.extensions import db
from hirebench.grading import claims, pool, queue
from hirebench.grading.claims import StopGrading, request_stop
from hirebench.grading.pipeline import close_sandbox_provider, sandbox_provider
from hirebench.grading.settings import setting
from hirebench.sandbox.runner import SandboxError, docker_client, reap_orphans, remove_own

log = logging.getLogger(__name__)

__all__ = ["StopGrading", "grades_here", "request_stop", "start_process", "stop_process"]


def start_process(app: Flask, *, warm_pool: bool = True) -> None:
    """What `hirebench serve` and `hirebench worker` do before anything else: remove sandbox
    containers whose owner process is provably gone, requeue jobs that such a process held and
    ring for queued ones (the first sweep of `ensure_started`), start the grading threads (none
    with Redis) and the sweeper, then the warm sandbox pool when this process grades."""
    _reap_orphan_sandboxes()
    with app.app_context():
        pool = queue.ensure_started(app)
    if warm_pool and (pool.workers or app.config.get("REDIS_URL")):
        _start_warm_pool(app)


def on_worker_start(app: Flask) -> None:
    """`start_process` for an RQ worker, which grades in its own process."""
    start_process(app)


def _reap_orphan_sandboxes() -> None:
    try:
        reap_orphans(docker_client())
    except (SandboxError, DockerException) as exc:
        log.warning("could not look for orphaned sandboxes: %s", exc)


def _start_warm_pool(app: Flask) -> None:
    size = int(app.config.get("SANDBOX_WARM_POOL", 3))
    if size <= 0:
        return
    try:
        sandbox_provider(size)
    except SandboxError as exc:  # no Docker: grading reports it per job
        log.warning("no warm sandbox pool: %s", exc)


def stop_process(
    app: Flask, reason: str = "shutdown", sandbox_timeout: float = 15.0, *, resume: bool = False
) -> int:
    """A clean stop: claim nothing more, hand every job this process is grading back to the
    queue at once (with a note, re-rung in Redis mode), then remove this process's sandboxes.
    Grading threads still running are abandoned; their late results are discarded. Returns how
    many jobs were handed back. With `resume`, the process may grade again afterwards (a CLI
    command that graded on the side, run in-process by tests)."""
    why, held = claims.begin_stop(reason)
    running = pool.detach(app)
    if running is not None:
        running.stop(timeout=0.0)
    handed: list[claims.Handed] = []
    with app.app_context():
        for job_id, claim in held.items():
            try:
                if claims.hand_back(job_id, claim.worker, claim.attempt, why):
                    handed.append((job_id, claim.attempt))
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                log.exception("grading job %s: could not hand it back; the next start will", job_id)
        for job_id, attempt in handed:
            queue.dispatch(job_id, attempt)
    claims.notify_settled()
    _remove_own_sandboxes(sandbox_timeout)
    if resume:
        claims.resume()
    return len(handed)


def grades_here(app: Flask) -> bool:
    """Whether this process runs grading threads (embedded mode with GRADING_WORKERS > 0)."""
    return not app.config.get("REDIS_URL") and int(setting("GRADING_WORKERS", app)) > 0


def _remove_own_sandboxes(timeout: float) -> None:
    close_sandbox_provider(timeout)
    try:
        remove_own(docker_client())  # the ones grading threads were still using
    except (SandboxError, DockerException) as exc:
        log.warning("could not remove this process's sandboxes: %s", exc)
