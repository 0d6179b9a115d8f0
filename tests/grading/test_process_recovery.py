"""Grading across process stops, with real `hirebench serve` and `hirebench worker` processes:
grading starts with the process (no request needed), SIGTERM and SIGINT hand the running job
back at once and remove the process's sandboxes, and after a SIGKILL the next process to start
requeues the job and reaps the containers. Heartbeats are set to 10 minutes, so only the owner
checks and the hand-back can explain a recovery within seconds.

The grading function is the HIREBENCH_TEST_GRADER seam (tests.grading.test_queue's graders, and
one here that holds a real sandbox)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from flask import Flask

from hirebench.extensions import db
from hirebench.grading import claims
from hirebench.grading import queue as gq
from hirebench.grading.result import GradeResult
from hirebench.models import GradingJob, JobStatus
from hirebench.models.base import utcnow
from hirebench.sandbox.image import SANDBOX_LABEL
from hirebench.sandbox.owner import parse_owner, this_process
from hirebench.sandbox.runner import OWNER_LABEL
from tests.grading.test_queue import REPO_ROOT, _insert, _load
from tests.polling import wait_for

HIREBENCH = str(Path(sys.executable).with_name("hirebench"))
SELF = "tests.grading.test_process_recovery"
LONG = "600"  # heartbeat timeout: far longer than any test waits


def sandbox_holder(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """Takes a sandbox from the process's warm pool and keeps it, as a long grading run does."""
    from hirebench.grading.pipeline import sandbox_provider

    sandbox_provider(1).pool.acquire(timeout=60)
    time.sleep(120)
    raise AssertionError("the test stops this process long before")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # No grading threads in this process: only the processes under test grade.
    return {
        **app_config,
        "GRADING_WORKERS": 0,
        "GRADING_HEARTBEAT_TIMEOUT": float(LONG),
        "SANDBOX_WARM_POOL": 0,
    }


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(app: Flask, tmp_path: Path, grader: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "HIREBENCH_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HIREBENCH_INSTANCE_PATH": str(tmp_path / "instance"),
        "HIREBENCH_GRADING_HEARTBEAT_TIMEOUT": LONG,
        "HIREBENCH_GRADING_REAP_INTERVAL": "0.5",
        "HIREBENCH_SANDBOX_WARM_POOL": "0",
        claims.TEST_GRADER_ENV: grader,
        **extra,
    }


def _serve(
    processes: list[subprocess.Popen[bytes]], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """`hirebench serve` on a free port. No HTTP request is ever made to it."""
    process = subprocess.Popen(
        [HIREBENCH, "serve", "--port", str(_free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(process)
    return process


def _running_in(app: Flask, job_id: int, process: subprocess.Popen[bytes]) -> GradingJob:
    def claimed() -> bool:
        job = _load(app, job_id)
        owner = parse_owner(job.worker)
        return job.status is JobStatus.running and owner is not None and owner.pid == process.pid

    wait_for(claimed, 60, "the new process to claim the job without any request")
    return _load(app, job_id)


def _containers_of(client: docker.DockerClient, owner: str) -> list[str]:
    labels = [f"{SANDBOX_LABEL}=1", f"{OWNER_LABEL}={owner}"]
    return [c.id for c in client.containers.list(all=True, sparse=True, filters={"label": labels})]


def _owner_of(job: GradingJob) -> str:
    owner = parse_owner(job.worker)
    assert owner is not None and owner.start is not None, job.worker
    return str(owner)


# --- SIGTERM and SIGINT ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_hands_the_job_back_on_a_stop_signal_and_the_next_one_finishes_it(
    app: Flask, tmp_path: Path, processes: list[Any], stop: signal.Signals
) -> None:
    job_id = _insert(app, grader_ref="sleep:120")
    first = _serve(processes, _env(app, tmp_path, "tests.grading.test_queue:scripted_grader"))
    claimed = _running_in(app, job_id, first)
    first.send_signal(stop)
    first.wait(timeout=20)
    job = _load(app, job_id)
    host_pid = f"{socket.gethostname()}:{first.pid}"
    assert job.status is JobStatus.queued and job.attempts == 1
    assert job.error == f"worker stopped ({host_pid}, {stop.name}) on attempt 1; handed back"
    assert job.max_attempts == claimed.max_attempts + 1  # a restart does not use up an attempt
    assert job.heartbeat_at is None

    second = _serve(processes, _env(app, tmp_path, "tests.grading.test_queue:instant_grader"))
    with app.app_context():
        done = gq.wait(job_id, timeout=60)
    assert done.status is JobStatus.done and done.attempts == 2 and done.error is None
    assert done.result is not None and done.result["message"] == "instant"
    assert parse_owner(done.worker) is not None and parse_owner(done.worker).pid == second.pid  # type: ignore[union-attr]


@pytest.mark.slow
def test_after_a_sigkill_the_next_process_requeues_at_start_without_a_request(
    app: Flask, tmp_path: Path, processes: list[Any]
) -> None:
    job_id = _insert(app, grader_ref="sleep:120")
    first = _serve(processes, _env(app, tmp_path, "tests.grading.test_queue:scripted_grader"))
    _running_in(app, job_id, first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert _load(app, job_id).status is JobStatus.running  # nothing could hand it back

    killed_at = time.monotonic()
    _serve(processes, _env(app, tmp_path, "tests.grading.test_queue:instant_grader"))
    with app.app_context():
        done = gq.wait(job_id, timeout=60)
    # far sooner than the 10-minute heartbeat timeout: the owner is provably gone
    assert time.monotonic() - killed_at < 30
    assert done.status is JobStatus.done and done.attempts == 2
    assert done.result is not None and done.result["message"] == "instant"


def test_a_dead_owner_on_this_host_is_reaped_at_once_a_live_or_remote_one_is_not(
    app: Flask,
) -> None:
    me = this_process()
    fresh = {"status": JobStatus.running, "attempts": 1, "heartbeat_at": utcnow()}
    dead = _insert(app, worker=f"{me.host}:999999999:1.{me.namespace}:t", **fresh)
    reused_pid = _insert(
        app, worker=f"{me.host}:{me.pid}:{(me.start or 0) + 1}.{me.namespace}:t", **fresh
    )
    mine = _insert(app, worker=f"{me}:t", **fresh)
    remote = _insert(app, worker="another-host:999999999:1.1:t", **fresh)
    with app.app_context():
        assert gq.reap_stale() == 2
    assert _load(app, dead).status is JobStatus.queued
    assert _load(app, dead).error == f"worker lost ({me.host}:999999999) on attempt 1; retrying"
    assert _load(app, reused_pid).status is JobStatus.queued
    assert _load(app, mine).status is JobStatus.running
    assert _load(app, remote).status is JobStatus.running


# --- the sandboxes of a stopped or killed process -----------------------------------------------


@pytest.mark.docker
@pytest.mark.slow
def test_sigterm_removes_the_process_sandboxes(
    app: Flask, tmp_path: Path, processes: list[Any], docker_engine: docker.DockerClient
) -> None:
    job_id = _insert(app, grader_ref="hold")
    env = _env(app, tmp_path, f"{SELF}:sandbox_holder", HIREBENCH_SANDBOX_WARM_POOL="1")
    server = _serve(processes, env)
    owner = _owner_of(_running_in(app, job_id, server))
    wait_for(lambda: len(_containers_of(docker_engine, owner)) >= 2, 90, "the sandboxes")
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    assert _load(app, job_id).status is JobStatus.queued
    assert _containers_of(docker_engine, owner) == []


@pytest.mark.docker
@pytest.mark.slow
def test_after_a_sigkill_the_next_process_reaps_the_sandboxes(
    app: Flask, tmp_path: Path, processes: list[Any], docker_engine: docker.DockerClient
) -> None:
    job_id = _insert(app, grader_ref="hold")
    env = _env(app, tmp_path, f"{SELF}:sandbox_holder", HIREBENCH_SANDBOX_WARM_POOL="1")
    killed = _serve(processes, env)
    owner = _owner_of(_running_in(app, job_id, killed))
    wait_for(lambda: len(_containers_of(docker_engine, owner)) >= 1, 90, "a sandbox")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)
    assert _containers_of(docker_engine, owner) != []

    _serve(processes, _env(app, tmp_path, "tests.grading.test_queue:instant_grader"))
    wait_for(lambda: _containers_of(docker_engine, owner) == [], 60, "the reaping")
    with app.app_context():
        assert gq.wait(job_id, timeout=60).status is JobStatus.done


# --- `hirebench worker` (RQ) ----------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.slow
def test_rq_worker_hands_the_job_back_on_sigterm(
    app: Flask, tmp_path: Path, processes: list[Any], redis_url: str
) -> None:
    app.config["REDIS_URL"] = redis_url
    with app.app_context():
        job_id = gq.submit("sleep:120", b"x = 42", "a.py").id
    env = _env(
        app, tmp_path, "tests.grading.test_queue:scripted_grader", HIREBENCH_REDIS_URL=redis_url
    )
    worker = subprocess.Popen(
        [HIREBENCH, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    processes.append(worker)
    _running_in(app, job_id, worker)
    stopped_at = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    assert time.monotonic() - stopped_at < 20  # not RQ's warm shutdown, which waits for the job
    job = _load(app, job_id)
    assert job.status is JobStatus.queued and job.attempts == 1
    assert job.error is not None and job.error.endswith("SIGTERM) on attempt 1; handed back")
    # The hand-back rang for the next attempt: a burst worker finds the doorbell and finishes.
    burst_env = {**env, claims.TEST_GRADER_ENV: "tests.grading.test_queue:instant_grader"}
    subprocess.run([HIREBENCH, "worker", "--burst"], env=burst_env, check=True, timeout=120)
    done = _load(app, job_id)
    assert done.status is JobStatus.done and done.attempts == 2
    with app.app_context():
        db.session.remove()
