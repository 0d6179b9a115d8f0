"""Redis restarted while grading jobs are queued (issue 18 item 3). A private redis-server with
an append-only file (fsync every second, Redis's default) is SIGKILLed with doorbells waiting
in the RQ queue and started again:

- from its AOF: the doorbells are back, and a worker started afterwards grades every job;
- with the AOF deleted (a new Redis host): the queue is empty, and the worker's start-up sweep
  rebuilds it from the `grading_jobs` rows, which are the truth;
- wiped while a worker runs, with jobs submitted during the outage (their doorbells could not
  be rung): the worker's periodic sweep rings for them once Redis is back.

The grading function is the HIREBENCH_TEST_GRADER seam: the queue is what is under test here;
test_worker_kill and test_docker_outage grade in real sandboxes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading import queue as gq
from hirebench.grading.redis_jobs import redis_queue
from hirebench.models import GradingJob, JobStatus
from tests.faults.conftest import Process, RedisServer, observe, process_env
from tests.polling import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.postgres]

JOBS = 8
SWEEP_SECONDS = 1  # the worker's GRADING_REAP_INTERVAL


@pytest.fixture
def app_config(
    app_config: dict[str, Any], postgres_url: str, private_redis: RedisServer
) -> dict[str, Any]:
    # This process only submits, as the web does; it sweeps once at its start and not again
    # during the test, so every doorbell rung afterwards is the worker's doing.
    return {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": postgres_url,
        "REDIS_URL": private_redis.url,
        "GRADING_REAP_INTERVAL": 3600,
        "SANDBOX_WARM_POOL": 0,
    }


def _submit(app: Flask, count: int) -> list[int]:
    with app.app_context():
        ids = [gq.submit("answer", f"x = 42  # {n}".encode(), "a.py").id for n in range(count)]
        db.session.remove()
    return ids


def _statuses(app: Flask, ids: list[int]) -> dict[int, tuple[JobStatus, int, float | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(GradingJob.id, GradingJob.status, GradingJob.attempts, GradingJob.result)
            .where(GradingJob.id.in_(ids))
            .execution_options(populate_existing=True)
        ).all()
        db.session.remove()
    return {row.id: (row.status, row.attempts, (row.result or {}).get("total")) for row in rows}


def _all_graded(app: Flask, ids: list[int]) -> bool:
    return all(status is JobStatus.done for status, _a, _t in _statuses(app, ids).values())


def _worker(app: Flask, tmp_path: Path, redis: RedisServer) -> Process:
    env = process_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "worker-instance",
        HIREBENCH_REDIS_URL=redis.url,
        HIREBENCH_GRADING_REAP_INTERVAL=str(SWEEP_SECONDS),
        HIREBENCH_SANDBOX_WARM_POOL="0",
        **{claims.TEST_GRADER_ENV: "tests.grading.test_queue:instant_grader"},
    )
    return Process(["worker"], env, tmp_path / "worker.log")


def _doorbells(redis: RedisServer) -> int:
    return len(redis_queue(redis.url).job_ids)


@pytest.fixture(autouse=True)
def _stop_sweeper(app: Flask) -> Any:
    yield
    gq.shutdown(app)


@pytest.mark.parametrize("aof", ["kept", "deleted"])
def test_queued_jobs_survive_a_redis_restart(
    app: Flask, tmp_path: Path, private_redis: RedisServer, processes: list[Process], aof: str
) -> None:
    ids = _submit(app, JOBS)
    assert _doorbells(private_redis) == JOBS
    time.sleep(1.5)  # appendfsync everysec: what is older than a second is on disk

    private_redis.kill()
    if aof == "deleted":
        private_redis.wipe()
    private_redis.start()
    surviving = _doorbells(private_redis)
    assert surviving == (JOBS if aof == "kept" else 0)
    assert all(status is JobStatus.queued for status, _a, _t in _statuses(app, ids).values())

    started = time.monotonic()
    worker = _worker(app, tmp_path, private_redis)
    processes.append(worker.start())
    wait_for(lambda: _all_graded(app, ids), 60, "every job to be graded", pause=0.2)
    seconds = time.monotonic() - started

    graded = _statuses(app, ids)
    assert {total for _s, _a, total in graded.values()} == {1.0}
    assert {attempts for _s, attempts, _t in graded.values()} == {1}  # each graded once
    observe(
        f"redis-restart[aof {aof}]",
        jobs=JOBS,
        doorbells_after_restart=surviving,
        graded=len(graded),
        lost=JOBS - len(graded),
        worker_start_to_all_graded_s=seconds,
    )


def test_jobs_submitted_while_redis_is_down_are_graded_by_a_running_worker(
    app: Flask, tmp_path: Path, private_redis: RedisServer, processes: list[Process]
) -> None:
    worker = _worker(app, tmp_path, private_redis)
    processes.append(worker.start())
    before = _submit(app, 2)
    wait_for(lambda: _all_graded(app, before), 60, "the worker to grade", pause=0.2)

    private_redis.kill()
    private_redis.wipe()
    during = _submit(app, JOBS)  # stored; the doorbells cannot be rung
    down_for = 2.0
    time.sleep(down_for)
    private_redis.start()
    back_at = time.monotonic()
    assert _doorbells(private_redis) == 0
    wait_for(lambda: _all_graded(app, during), 60, "the sweep to re-ring", pause=0.2)
    seconds = time.monotonic() - back_at

    assert worker.alive(), worker.tail()
    assert {total for _s, _a, total in _statuses(app, during).values()} == {1.0}
    observe(
        "redis-restart[wiped, worker running]",
        jobs_during_outage=JOBS,
        graded=JOBS,
        lost=0,
        redis_back_to_all_graded_s=seconds,
        worker_survived=int(worker.alive()),
    )
