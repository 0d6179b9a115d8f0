"""The Docker engine stops mid-grading (issue 18 item 3). `hirebench serve` grades in its own
thread (the embedded mode) and reaches Docker only through a relay socket (DOCKER_HOST) that
the test cuts while a submission runs in its sandbox, and restores later; the shared engine
keeps running for everyone else.

- The running job ends its attempt with the reason (`sandbox engine unavailable ...;
  retrying`) and goes back to the queue; it is not graded as an error.
- While the engine is down no job is claimed, so none uses up an attempt on it; a job submitted
  during the outage waits.
- The web stays up: liveness 200, pages 200, readiness 200 "degraded" naming the sandbox.
- Once the engine answers again both jobs are graded, the containers cut off mid-job are
  removed, readiness is "ok" again, and a clean stop leaves no container."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import docker
import pytest
import requests
from flask import Flask

from hirebench.extensions import db
from hirebench.grading import queue as gq
from hirebench.models import GradingJob, JobStatus
from tests.faults.conftest import (
    DockerProxy,
    Process,
    Server,
    containers_of,
    observe,
    process_env,
)
from tests.polling import wait_for
from tests.web.test_candidate_exam import GRADERS

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.docker]

GRADER = str(GRADERS / "mini" / "add.ipynb")
SLOW = b"import time\ntime.sleep(8)\n\n\ndef add(x):\n    return x + BASE\n"
QUICK = b"def add(x):\n    return x + BASE\n"
SWEEP_SECONDS = 2


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    # This process only stores jobs; the server grades them.
    return {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'grading.sqlite3'}",
        "GRADING_WORKERS": 0,
        "GRADING_REAP_INTERVAL": 3600,
    }


def _submit(app: Flask, submission: bytes) -> int:
    with app.app_context():
        job_id = gq.submit(GRADER, submission, "add.py").id
        db.session.remove()
    return job_id


def _job(app: Flask, job_id: int) -> GradingJob:
    with app.app_context():
        job = db.session.get(GradingJob, job_id, populate_existing=True)
        assert job is not None
        db.session.expunge(job)
        db.session.remove()
        return job


def _ready(server: Server) -> tuple[int, dict[str, Any]]:
    reply = requests.get(f"{server.url}/api/v1/health/ready", timeout=10)
    return reply.status_code, reply.json()


@pytest.fixture(autouse=True)
def _stop_sweeper(app: Flask) -> Any:
    yield
    gq.shutdown(app)


def _serve_with_a_job_running(
    app: Flask, tmp_path: Path, proxy: DockerProxy, processes: list[Process]
) -> tuple[Server, int]:
    """A grading server behind the relay, running the slow submission in a sandbox."""
    env = process_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "instance",
        DOCKER_HOST=proxy.docker_host,
        HIREBENCH_GRADING_WORKERS="1",
        HIREBENCH_SANDBOX_WARM_POOL="1",
        HIREBENCH_GRADING_REAP_INTERVAL=str(SWEEP_SECONDS),
    )
    server = Server(env, tmp_path / "serve.log")
    processes.append(server.start())
    server.wait_live(timeout=90)
    # With a warm sandbox ready, the job's code runs as soon as it is claimed.
    wait_for(lambda: _ready(server)[1]["checks"].get("warm_pool") == "ok", 90, "a warm sandbox")
    job_id = _submit(app, SLOW)  # rung by the server's next sweep
    wait_for(lambda: _job(app, job_id).status is JobStatus.running, 30, "the claim", pause=0.1)
    time.sleep(2)  # the sandbox runs the submission's sleep
    assert _job(app, job_id).status is JobStatus.running
    status, body = _ready(server)
    assert status == 200 and body["checks"]["sandbox"] == "ok", body
    return server, job_id


def _during_the_outage(app: Flask, server: Server, first: int, cut_at: float) -> dict[str, float]:
    """The running job goes back to the queue with the reason; the web stays up and says
    'degraded'; a new job waits; no job is claimed."""
    requeued = wait_for(
        lambda: (job := _job(app, first)).status is JobStatus.queued and job,
        30,
        "the job to go back to the queue",
        pause=0.1,
    )
    requeue_s = time.monotonic() - cut_at
    assert requeued.attempts == 1
    assert requeued.error is not None
    assert requeued.error.startswith("sandbox engine unavailable (")
    assert requeued.error.endswith("on attempt 1; retrying")

    during = _submit(app, QUICK)
    # Readiness asks the engine at most every 10 s; until then it may name the warm pool.
    status, body = wait_for(
        lambda: (reply := _ready(server))[1]["checks"]["sandbox"] == "unavailable" and reply,
        20,
        "readiness to report the engine",
        pause=0.5,
    )
    degraded_s = time.monotonic() - cut_at
    assert status == 200 and body["status"] == "degraded" and body["failing"] == ["sandbox"]
    assert requests.get(f"{server.url}/api/v1/health/live", timeout=10).status_code == 200
    assert requests.get(f"{server.url}/login", timeout=10).status_code == 200
    time.sleep(3 * SWEEP_SECONDS + 5)  # sweeps ring both jobs; nobody may claim them
    assert (_job(app, first).status, _job(app, first).attempts) == (JobStatus.queued, 1)
    assert (_job(app, during).status, _job(app, during).attempts) == (JobStatus.queued, 0)
    return {"during": during, "requeue_s": requeue_s, "degraded_s": degraded_s}


def test_docker_engine_stops_mid_grading(
    app: Flask,
    tmp_path: Path,
    docker_proxy: DockerProxy,  # before `processes`: the server stops while the relay is up
    processes: list[Process],
    docker_engine: docker.DockerClient,
) -> None:
    server, first = _serve_with_a_job_running(app, tmp_path, docker_proxy, processes)
    before_cut = set(containers_of(docker_engine, server.pid))
    assert before_cut

    cut_at = time.monotonic()
    docker_proxy.cut()
    seen = _during_the_outage(app, server, first, cut_at)
    during = int(seen["during"])
    outage_s = time.monotonic() - cut_at

    restored_at = time.monotonic()
    docker_proxy.restore()
    wait_for(
        lambda: not before_cut & set(containers_of(docker_engine, server.pid)),
        30,
        "the sandboxes cut off mid-job to be removed",
        pause=0.2,
    )
    cleaned_s = time.monotonic() - restored_at
    for job_id in (first, during):
        wait_for(lambda j=job_id: _job(app, j).is_finished, 90, "grading", pause=0.2)  # type: ignore[misc]
    graded_s = time.monotonic() - restored_at
    for job_id, attempts in ((first, 2), (during, 1)):
        job = _job(app, job_id)
        assert job.status is JobStatus.done and job.attempts == attempts, job.error
        assert job.error is None
        assert job.result is not None and job.result["total"] == job.result["max_total"] == 3.0
    wait_for(lambda: _ready(server)[1]["checks"]["sandbox"] == "ok", 20, "readiness", pause=0.5)

    server.stop()
    assert containers_of(docker_engine, server.pid) == []
    observe(
        "docker-engine-stop",
        cut_to_requeue_s=seen["requeue_s"],
        cut_to_ready_degraded_s=seen["degraded_s"],
        outage_s=outage_s,
        attempts_used_during_outage=0,
        restore_to_cut_off_containers_removed_s=cleaned_s,
        restore_to_both_graded_s=graded_s,
        containers_left_after_stop=0,
    )
