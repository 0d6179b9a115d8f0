"""An RQ worker is SIGKILLed mid-job (issue 18 item 3): two `hirebench worker` processes on a
private Redis and a PostgreSQL database, each with a warm sandbox; a submission that sleeps in
its sandbox; the worker grading it is killed while the container runs it. The surviving
worker's periodic sweep, not a restart, must requeue the job (its owner is provably gone, so
without waiting for the heartbeat), grade it again in a real sandbox, and remove the killed
worker's containers, within the bound docs/grading-queue.md gives: one GRADING_REAP_INTERVAL
(2 s here, 15 s by default) plus the time to grade."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import docker
import pytest
from flask import Flask

from hirebench.extensions import db
from hirebench.grading import queue as gq
from hirebench.models import GradingJob, JobStatus
from hirebench.sandbox.owner import parse_owner
from tests.faults.conftest import (
    Process,
    RedisServer,
    containers_of,
    observe,
    process_env,
)
from tests.polling import wait_for
from tests.web.test_candidate_exam import GRADERS

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.docker,
    pytest.mark.postgres,
]

GRADER = str(GRADERS / "mini" / "add.ipynb")
SLEEPS = 12  # seconds the submission sleeps in its sandbox, on every attempt
SUBMISSION = f"import time\ntime.sleep({SLEEPS})\n\n\ndef add(x):\n    return x + BASE\n".encode()
SWEEP_SECONDS = 2


@pytest.fixture
def app_config(
    app_config: dict[str, Any], postgres_url: str, private_redis: RedisServer
) -> dict[str, Any]:
    # This process submits and never sweeps again after its first sweep: the recovery below
    # is the surviving worker's.
    return {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": postgres_url,
        "REDIS_URL": private_redis.url,
        "GRADING_REAP_INTERVAL": 3600,
        "SANDBOX_WARM_POOL": 0,
    }


def _job(app: Flask, job_id: int) -> GradingJob:
    with app.app_context():
        job = db.session.get(GradingJob, job_id, populate_existing=True)
        assert job is not None
        db.session.expunge(job)
        db.session.remove()
        return job


def _worker(app: Flask, tmp_path: Path, redis: RedisServer, name: str) -> Process:
    env = process_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / f"{name}-instance",
        HIREBENCH_REDIS_URL=redis.url,
        HIREBENCH_GRADING_REAP_INTERVAL=str(SWEEP_SECONDS),
        HIREBENCH_SANDBOX_WARM_POOL="1",
    )
    return Process(["worker"], env, tmp_path / f"{name}.log")


def test_sigkilled_worker_job_is_retried_and_its_sandboxes_removed(
    app: Flask,
    tmp_path: Path,
    private_redis: RedisServer,
    processes: list[Process],
    docker_engine: docker.DockerClient,
) -> None:
    workers = [_worker(app, tmp_path, private_redis, name) for name in ("worker-a", "worker-b")]
    for worker in workers:
        processes.append(worker.start())
    for worker in workers:
        wait_for(
            lambda w=worker: containers_of(docker_engine, w.pid),  # type: ignore[misc]
            120,
            f"the warm sandbox of {worker.log.stem}",
            pause=0.5,
        )

    with app.app_context():
        job_id = gq.submit(GRADER, SUBMISSION, "add.py").id
        db.session.remove()
    running = wait_for(
        lambda: (job := _job(app, job_id)).status is JobStatus.running and job, 60, "a claim"
    )
    owner = parse_owner(running.worker)
    assert owner is not None
    victim = next(w for w in workers if w.pid == owner.pid)
    survivor = next(w for w in workers if w is not victim)
    time.sleep(3)  # the sandbox is running the submission's sleep now
    assert _job(app, job_id).status is JobStatus.running
    left_behind = containers_of(docker_engine, victim.pid)
    assert left_behind, "the killed worker had no sandbox"

    killed_at = time.monotonic()
    victim.kill()

    def retried() -> GradingJob | None:
        job = _job(app, job_id)
        return job if job.attempts >= 2 or job.status is not JobStatus.running else None

    taken_back = wait_for(retried, 30, "the job to be taken back", pause=0.1)
    requeue_s = time.monotonic() - killed_at
    host_pid = f"{socket.gethostname()}:{victim.pid}"
    assert taken_back.error == f"worker lost ({host_pid}) on attempt 1; retrying"
    wait_for(lambda: not containers_of(docker_engine, victim.pid), 30, "the reaping", pause=0.2)
    reaped_s = time.monotonic() - killed_at

    done = wait_for(
        lambda: (job := _job(app, job_id)).is_finished and job, 90, "the retry", pause=0.2
    )
    done_s = time.monotonic() - killed_at
    assert done.status is JobStatus.done and done.attempts == 2 and done.error is None
    assert done.result is not None and done.result["total"] == done.result["max_total"] == 3.0
    assert parse_owner(done.worker).pid == survivor.pid  # type: ignore[union-attr]
    assert survivor.alive(), survivor.tail()

    observe(
        "rq-worker-sigkill",
        containers_left_by_kill=len(left_behind),
        kill_to_requeue_s=requeue_s,
        kill_to_containers_reaped_s=reaped_s,
        kill_to_graded_s=done_s,
        bound_s=f"{SWEEP_SECONDS}+grading",
        attempts=done.attempts,
        containers_left=len(containers_of(docker_engine, victim.pid)),
    )
