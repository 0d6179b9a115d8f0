"""The grading queue with real parts: SQLite (and PostgreSQL) databases, threads, worker
processes that are really killed, and `hirebench worker` on a real Redis. The grading function is
a small Python function instead of the Docker pipeline, injected with `set_grader` in this process
and with the HIREBENCH_TEST_GRADER seam in worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis

from hirebench import create_app, events
from hirebench.extensions import db
from hirebench.grading import claims, process, redis_jobs, registry
from hirebench.grading import queue as gq
from hirebench.grading.redis_jobs import GRADING_QUEUE, redis_queue
from hirebench.grading.result import GradeResult, ResultStatus, TestResult, TestStatus
from hirebench.models import GradingJob, JobStatus, Role
from hirebench.models.base import utcnow
from hirebench.services.errors import ServiceError
from tests.polling import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_TIMEOUT = 1.0
SWEEP_INTERVAL = 0.2
SELF = "tests.grading.test_queue"


# --- graders: plain functions with grade_job_payload's signature --------------------------------


def _result(total: float, mode: str, message: str = "") -> GradeResult:
    status = TestStatus.passed if total else TestStatus.failed
    return GradeResult(
        status=ResultStatus.graded,
        total=total,
        max_total=1.0,
        tests=[TestResult(id="answer", points=total, max_points=1.0, status=status)],
        message=message,
        mode=mode,
    )


def scripted_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """`sleep:S` sleeps S seconds first, `raise` raises; the answer is right if it holds 42."""
    if grader_ref.startswith("sleep:"):
        time.sleep(float(grader_ref.split(":", 1)[1]))
    if grader_ref == "raise":
        raise RuntimeError("grader exploded")
    return _result(1.0 if b"42" in submission else 0.0, mode)


def instant_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """The same verdict without the sleep: the worker that takes over a killed worker's job."""
    return _result(1.0 if b"42" in submission else 0.0, mode, message="instant")


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **app_config,
        "GRADING_WORKERS": 2,
        "GRADING_HEARTBEAT_TIMEOUT": HEARTBEAT_TIMEOUT,
        "GRADING_REAP_INTERVAL": SWEEP_INTERVAL,
        "GRADING_JOB_TIMEOUT": 60,
        "SANDBOX_WARM_POOL": 0,  # the graders here never start a sandbox
    }


@pytest.fixture(autouse=True)
def _grader(app: Flask) -> Iterator[None]:
    claims.set_grader(scripted_grader)
    yield
    gq.shutdown(app)
    claims.set_grader(None)


def _insert(app: Flask, **fields: Any) -> int:
    """A job row written directly, without ringing any worker."""
    values: dict[str, Any] = {
        "grader_ref": "answer",
        "submission": b"print(42)",
        "submission_name": "answer.py",
        "status": JobStatus.queued,
        "attempts": 0,
        "max_attempts": 2,
        **fields,
    }
    with app.app_context():
        job = GradingJob(**values)
        db.session.add(job)
        db.session.commit()
        return job.id


def _load(app: Flask, job_id: int) -> GradingJob:
    with app.app_context():
        job = db.session.get(GradingJob, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def _subprocess_env(app: Flask, tmp_path: Path, grader: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "HIREBENCH_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HIREBENCH_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        claims.TEST_GRADER_ENV: f"{SELF}:{grader}",
        **extra,
    }


# --- the embedded pool --------------------------------------------------------------------------


def test_job_goes_queued_running_done_with_ordered_timestamps(app: Flask, make_user: Any) -> None:
    hr = make_user(Role.hr)
    with app.app_context():
        job = gq.submit("sleep:0.8", b"answer = 42", "answer.py", requested_by=hr.id)
        job_id = job.id
    seen: list[JobStatus] = []
    heartbeats: set[datetime] = set()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        current = _load(app, job_id)
        if not seen or seen[-1] is not current.status:
            seen.append(current.status)
        if current.status is JobStatus.running and current.heartbeat_at:
            heartbeats.add(current.heartbeat_at)
        if current.is_finished:
            break
        time.sleep(0.02)
    assert seen[-2:] == [JobStatus.running, JobStatus.done]
    assert len(heartbeats) >= 2, "the heartbeat should advance while the job runs"
    done = _load(app, job_id)
    assert done.submitted_at < done.started_at  # type: ignore[operator]
    assert done.started_at < done.finished_at <= done.graded_at  # type: ignore[operator]
    assert done.attempts == 1 and done.error is None
    assert done.requested_by_id == hr.id
    assert done.worker and done.worker.split(":")[1] == str(os.getpid())
    assert "hirebench-grading-" in done.worker
    assert done.result is not None
    assert done.result["status"] == "graded" and done.result["total"] == 1.0
    test = done.result["tests"][0]
    assert (test["id"], test["status"], test["points"]) == ("answer", "passed", 1.0)


def test_many_submissions_all_finish(app: Flask) -> None:
    with app.app_context():
        ids = [gq.submit("answer", f"x = {n}".encode(), "a.py").id for n in range(38, 46)]
        finished = [gq.wait(job_id, timeout=20) for job_id in ids]
    assert all(job.status is JobStatus.done and job.attempts == 1 for job in finished)
    assert [job.result["total"] for job in finished if job.result] == [
        1.0 if n == 42 else 0.0 for n in range(38, 46)
    ]
    assert {job.worker.rsplit(":", 1)[1] for job in finished if job.worker} <= {
        "hirebench-grading-1",
        "hirebench-grading-2",
    }


def test_raising_grader_gives_done_with_an_error_result(app: Flask) -> None:
    with app.app_context():
        job = gq.wait(gq.submit("raise", b"x = 42", "a.py").id, timeout=10)
    assert job.status is JobStatus.done
    assert job.attempts == 1, "a crash is recorded, not retried"
    assert job.error == "grader crashed: RuntimeError: grader exploded"
    assert job.result is not None
    assert job.result["status"] == "error" and job.result["total"] == 0.0
    assert job.result["message"] == job.error
    assert job.finished_at is not None and job.graded_at is not None


def test_grader_returning_garbage_is_an_error_result(app: Flask) -> None:
    claims.set_grader(lambda *args: {"total": 100})  # type: ignore[arg-type]
    with app.app_context():
        job = gq.wait(gq.submit("answer", b"x = 42", "a.py").id, timeout=10)
    assert job.status is JobStatus.done
    assert job.result is not None and job.result["status"] == "error"
    assert job.error == "grader returned dict, not a GradeResult"


def test_oversized_result_loses_output_then_fails(app: Flask) -> None:
    app.config["GRADING_RESULT_MAX_BYTES"] = 5000

    def chatty(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
        result = _result(1.0, mode)
        count = 1 if grader_ref == "one" else 100
        result.tests = [
            TestResult(f"t{n}", 0, 1, TestStatus.failed, output="o" * 1900) for n in range(count)
        ]
        return result

    claims.set_grader(chatty)
    with app.app_context():
        small_id, huge_id = (gq.submit(ref, b"x", "a.py").id for ref in ("one", "many"))
        small, huge = gq.wait(small_id, timeout=10), gq.wait(huge_id, timeout=10)
    assert small.result is not None and small.result["tests"][0]["output"].startswith("ooo")
    assert huge.result is not None and huge.result["status"] == "error"
    assert huge.error is not None and "over the 5000-byte limit" in huge.error


def test_two_runners_racing_for_one_job_run_it_once(app: Flask) -> None:
    _race_for_one_job(app)


def _race_for_one_job(app: Flask, rounds: int = 5) -> None:
    for _ in range(rounds):
        _race_once(app, _insert(app))


def _race_once(app: Flask, job_id: int) -> None:
    calls: list[str] = []
    start = threading.Barrier(3)

    def counting(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
        calls.append(threading.current_thread().name)
        time.sleep(0.2)
        return _result(1.0, mode)

    def runner() -> None:
        with app.app_context():
            start.wait()
            claims.run_job(job_id, grader=counting)

    threads = [threading.Thread(target=runner, name=f"racer-{n}") for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    job = _load(app, job_id)
    assert len(calls) == 1, calls
    assert job.status is JobStatus.done and job.attempts == 1
    assert job.worker is not None and job.worker.endswith(calls[0])


def test_interrupted_worker_hands_the_job_back_at_once(app: Flask) -> None:
    job_id = _insert(app, max_attempts=2)

    def shutting_down(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
        raise SystemExit(1)  # e.g. a worker told to stop mid-job

    with app.app_context(), pytest.raises(SystemExit):
        claims.run_job(job_id, grader=shutting_down)
    job = _load(app, job_id)
    assert job.status is JobStatus.queued and job.attempts == 1
    assert job.error is not None and job.error.startswith("worker interrupted (")
    assert job.error.endswith("on attempt 1; retrying")
    with app.app_context(), pytest.raises(SystemExit):
        claims.run_job(job_id, grader=shutting_down)
    assert _load(app, job_id).status is JobStatus.failed


def test_running_job_is_not_claimed_again(app: Flask) -> None:
    job_id = _insert(
        app, status=JobStatus.running, attempts=1, worker="h:1:t", heartbeat_at=utcnow()
    )
    with app.app_context():
        claims.run_job(job_id, grader=scripted_grader)
    assert _load(app, job_id).status is JobStatus.running


# --- lost workers -------------------------------------------------------------------------------


def _abandoned(app: Flask, attempts: int, **fields: Any) -> int:
    long_ago = utcnow() - timedelta(minutes=10)
    return _insert(
        app,
        status=JobStatus.running,
        attempts=attempts,
        worker="ghost-host:4242:hirebench-grading-1",
        started_at=long_ago,
        heartbeat_at=long_ago,
        **fields,
    )


def test_abandoned_job_is_retried_when_the_pool_starts(app: Flask) -> None:
    job_id = _abandoned(app, attempts=1)
    started = time.monotonic()
    with app.app_context():
        gq.ensure_started()
        job = gq.wait(job_id, timeout=10)
    assert time.monotonic() - started < 10
    assert job.status is JobStatus.done and job.attempts == 2
    assert job.error is None, "a successful retry leaves no error behind"
    assert job.worker and not job.worker.startswith("ghost-host")


def test_abandoned_job_is_failed_after_max_attempts(app: Flask) -> None:
    job_id = _abandoned(app, attempts=2)
    with app.app_context():
        assert gq.reap_stale() == 1
        assert gq.reap_stale() == 0
    job = _load(app, job_id)
    assert job.status is JobStatus.failed
    assert job.error == "worker lost (ghost-host:4242) after 2 attempts"
    assert job.result is not None
    assert job.result["status"] == "error" and job.result["message"] == job.error
    assert job.graded_at is not None and job.finished_at is None


def test_live_heartbeat_is_left_alone_but_an_overrun_is_not(app: Flask) -> None:
    now = utcnow()
    alive = _insert(
        app, status=JobStatus.running, attempts=1, worker="h:7:t", started_at=now, heartbeat_at=now
    )
    overrun = _insert(
        app,
        status=JobStatus.running,
        attempts=2,
        worker="h:8:t",
        started_at=now - timedelta(hours=1),
        heartbeat_at=now,
    )
    with app.app_context():
        assert gq.reap_stale(now=now) == 1
        assert gq.reap_stale(now=now + timedelta(seconds=HEARTBEAT_TIMEOUT / 2)) == 0
    assert _load(app, alive).status is JobStatus.running
    timed_out = _load(app, overrun)
    assert timed_out.status is JobStatus.failed
    assert timed_out.error == "timed out (h:8) after 2 attempts"


def test_zombie_worker_result_is_discarded(app: Flask) -> None:
    """A worker that stalls past the heartbeat timeout loses the job; its late result must not
    overwrite the result of the worker that took over."""
    job_id = _insert(app)
    release = threading.Event()
    calls: list[int] = []

    def first_stalls(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
        calls.append(1)
        if len(calls) == 1:
            release.wait(30)
            return _result(0.0, mode, message="zombie")
        return _result(1.0, mode, message="successor")

    claims.set_grader(first_stalls)

    def zombie() -> None:
        with app.app_context():
            claims.run_job(job_id)

    thread = threading.Thread(target=zombie)
    thread.start()
    wait_for(lambda: _load(app, job_id).status is JobStatus.running, 10, "the first claim")
    with app.app_context():
        assert gq.reap_stale(now=utcnow() + timedelta(hours=1)) == 1
        job = gq.wait(job_id, timeout=10)
    assert job.result is not None and job.result["message"] == "successor"
    release.set()
    thread.join(timeout=10)
    final = _load(app, job_id)
    assert final.result is not None and final.result["message"] == "successor"
    assert final.attempts == 2


_CLAIM_AND_HANG = """
import sys
from hirebench import create_app
from hirebench.grading.claims import run_job
app = create_app()
with app.app_context():
    run_job(int(sys.argv[1]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("max_attempts", [2, 1])
def test_killed_worker_process_job_is_retried_or_failed(
    app: Flask, tmp_path: Path, max_attempts: int
) -> None:
    job_id = _insert(app, grader_ref="sleep:120", max_attempts=max_attempts)
    env = _subprocess_env(
        app, tmp_path, "scripted_grader", HIREBENCH_GRADING_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT)
    )
    worker = subprocess.Popen([sys.executable, "-c", _CLAIM_AND_HANG, str(job_id)], env=env)
    try:
        wait_for(lambda: _load(app, job_id).status is JobStatus.running, 30, "the claim")
        claimed = _load(app, job_id)
        assert claimed.worker and claimed.worker.split(":")[1] == str(worker.pid)
        wait_for(lambda: _load(app, job_id).heartbeat_at != claimed.heartbeat_at, 10, "a heartbeat")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    killed_at = time.monotonic()
    claims.set_grader(instant_grader)
    with app.app_context():
        gq.ensure_started()
        job = gq.wait(job_id, timeout=15)
    # bounded: the heartbeat timeout plus a sweep interval plus the regrade itself
    assert time.monotonic() - killed_at < HEARTBEAT_TIMEOUT + 10
    host = ":".join(claimed.worker.split(":")[:2])
    if max_attempts == 2:
        assert job.status is JobStatus.done and job.attempts == 2
        assert job.result is not None and job.result["message"] == "instant"
    else:
        assert job.status is JobStatus.failed and job.attempts == 1
        assert job.error == f"worker lost ({host}) after 1 attempt"


# --- regrading ----------------------------------------------------------------------------------


def test_regrade_one_submission(app: Flask, make_user: Any) -> None:
    reviewer = make_user(Role.reviewer)
    with app.app_context():
        original_id = gq.wait(gq.submit("answer", b"x = 42", "a.py").id, timeout=10).id
        claims.set_grader(lambda ref, sub, name, mode: _result(0.5, mode, message="fixed grader"))
        again_id = gq.regrade(original_id, requested_by=reviewer.id).id
        gq.wait(again_id, timeout=10)
        third_id = gq.regrade(again_id).id
        gq.wait(third_id, timeout=10)
        assert gq.latest_in_family(original_id).id == third_id
        assert gq.latest_in_family(again_id).id == third_id
    original, again, third = (_load(app, n) for n in (original_id, again_id, third_id))
    assert again.regrade_of_id == original.id and again.requested_by_id == reviewer.id
    assert again.result is not None and again.result["total"] == 0.5
    assert third.regrade_of_id == original.id, "regrades point at the original submission"
    assert original.result is not None and original.result["total"] == 1.0
    assert bytes(again.submission) == b"x = 42" and again.submission_name == "a.py"


def test_regrade_a_whole_question(app: Flask, tmp_path: Path) -> None:
    grader_file = tmp_path / "q1.ipynb"
    grader_file.write_text("version 1")
    q1 = str(grader_file)
    with app.app_context():
        first = [gq.submit(q1, f"x = {n}".encode(), "a.py").id for n in (41, 42)]
        check_run = gq.submit(q1, b"x = 42", "a.py", mode="visible").id
        other = gq.submit("q2", b"x = 42", "a.py").id
        for job_id in [*first, check_run, other]:
            gq.wait(job_id, timeout=10)
        version_1 = _load(app, first[0]).grader_digest
        gq.regrade(first[0])  # a regrade already in the family is not a submission of its own
        grader_file.write_text("version 2")
        jobs = gq.regrade_question(q1)
        assert sorted(job.regrade_of_id for job in jobs) == first  # type: ignore[type-var]
        redone_ids = [job.id for job in jobs]
        for job_id in redone_ids:
            gq.wait(job_id, timeout=10)
        everything = [job.id for job in gq.regrade_question(q1, mode=None)]
        assert len(everything) == 3
        for job_id in everything:
            gq.wait(job_id, timeout=10)
    redone = [_load(app, job_id) for job_id in redone_ids]
    assert all(job.status is JobStatus.done for job in redone)
    assert len(version_1) == 64 and {job.grader_digest for job in redone} != {version_1}
    with app.app_context():
        per_ref = dict(
            db.session.execute(
                sa.select(GradingJob.grader_ref, sa.func.count()).group_by(GradingJob.grader_ref)
            ).all()
        )
    assert per_ref == {q1: 4 + 2 + 3, "q2": 1}


def test_oversized_submission_is_refused_with_a_result(app: Flask) -> None:
    app.config["GRADING_SUBMISSION_MAX_BYTES"] = 100
    with app.app_context():
        job = gq.submit("answer", b"#" * 101, "big.py")
        job_id = job.id
        with pytest.raises(ServiceError):
            gq.regrade(job_id)
        assert gq.regrade_question("answer") == []
    refused = _load(app, job_id)
    assert refused.status is JobStatus.done and refused.submission == b""
    assert refused.error == "submission refused: 101 bytes is over the 100-byte limit"
    assert refused.result is not None and refused.result["status"] == "error"


def test_bad_input_and_wait_timeout(app: Flask) -> None:
    job_id = _insert(app)
    with app.app_context():
        with pytest.raises(ServiceError):
            gq.submit("answer", b"x", "a.py", mode="everything")
        with pytest.raises(ServiceError):
            gq.submit(" ", b"x", "a.py")
        with pytest.raises(TimeoutError):
            gq.wait(job_id, timeout=0.2)
        assert gq.submit("answer", b"x", "../../etc/passwd").submission_name == "passwd"


def test_web_process_starts_the_pool_with_its_first_request(app: Flask) -> None:
    app.config["GRADING_AUTOSTART"] = True
    gq.init_app(app)
    job_id = _insert(app)
    app.test_client().get("/api/v1/health")
    with app.app_context():
        assert gq.wait(job_id, timeout=10).status is JobStatus.done


def test_worker_start_hook_recovers_lost_jobs(app: Flask) -> None:
    lost = _abandoned(app, attempts=1)
    with app.app_context():
        process.on_worker_start(app)
        assert gq.wait(lost, timeout=10).status is JobStatus.done


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def pg_app(app_config: dict[str, Any], postgres_url: str) -> Iterator[Flask]:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        db.create_all()
    yield app
    gq.shutdown(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_postgres_claim_race_and_lifecycle(pg_app: Flask) -> None:
    _race_for_one_job(pg_app)
    with pg_app.app_context():
        job = gq.wait(gq.submit("answer", b"x = 42", "a.py").id, timeout=10)
        assert job.status is JobStatus.done and job.result is not None
        assert job.started_at <= job.finished_at <= job.graded_at  # type: ignore[operator]
        lost = _abandoned(pg_app, attempts=2)
        assert gq.reap_stale() == 1
    assert _load(pg_app, lost).error == "worker lost (ghost-host:4242) after 2 attempts"


# --- Redis: RQ workers in other processes -------------------------------------------------------


@pytest.fixture
def redis_app(app: Flask, redis_url: str) -> Flask:
    app.config["REDIS_URL"] = redis_url
    return app


def _burst_worker(app: Flask, tmp_path: Path, grader: str) -> subprocess.CompletedProcess[str]:
    env = _subprocess_env(app, tmp_path, grader, HIREBENCH_REDIS_URL=app.config["REDIS_URL"])
    script = Path(sys.executable).with_name("hirebench")
    done = subprocess.run(
        [str(script), "worker", "--burst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.redis
def test_rq_worker_grades_a_submission(redis_app: Flask, tmp_path: Path) -> None:
    with redis_app.app_context():
        job_id = gq.submit("answer", b"x = 42", "a.py").id
    rq_queue = redis_queue(redis_app.config["REDIS_URL"], GRADING_QUEUE)
    assert rq_queue.job_ids == [redis_jobs.doorbell_id(job_id, 0)]
    rq_job = rq_queue.fetch_job(redis_jobs.doorbell_id(job_id, 0))
    assert rq_job is not None and rq_job.timeout == 60
    _burst_worker(redis_app, tmp_path, "scripted_grader")
    job = _load(redis_app, job_id)
    assert job.status is JobStatus.done, job
    assert job.result is not None and job.result["total"] == 1.0
    assert job.worker and job.worker.split(":")[1] != str(os.getpid())
    assert job.submitted_at < job.started_at < job.finished_at <= job.graded_at  # type: ignore[operator]


@pytest.mark.redis
def test_lost_doorbell_is_rung_again(redis_app: Flask, tmp_path: Path) -> None:
    with redis_app.app_context():
        job_id = gq.submit("answer", b"x = 42", "a.py").id
        assert gq.redispatch_queued(grace=0) == 0, "a pending doorbell is not rung twice"
        Redis.from_url(redis_app.config["REDIS_URL"]).flushdb()  # Redis lost everything
        assert gq.redispatch_queued(grace=0) == 1
    _burst_worker(redis_app, tmp_path, "scripted_grader")
    assert _load(redis_app, job_id).status is JobStatus.done


@pytest.mark.redis
def test_worker_start_hook_rings_for_lost_jobs(redis_app: Flask, tmp_path: Path) -> None:
    lost = _abandoned(redis_app, attempts=1)
    queued = _insert(redis_app)  # its doorbell never rang
    process.on_worker_start(redis_app)
    rq_queue = redis_queue(redis_app.config["REDIS_URL"], GRADING_QUEUE)
    assert set(rq_queue.job_ids) == {
        redis_jobs.doorbell_id(lost, 1),
        redis_jobs.doorbell_id(queued, 0),
    }
    _burst_worker(redis_app, tmp_path, "scripted_grader")
    assert _load(redis_app, lost).status is JobStatus.done
    assert _load(redis_app, queued).status is JobStatus.done


@pytest.mark.redis
@pytest.mark.slow
def test_killed_rq_worker_job_is_retried_by_another(redis_app: Flask, tmp_path: Path) -> None:
    with redis_app.app_context():
        job_id = gq.submit("sleep:120", b"x = 42", "a.py").id
    env = _subprocess_env(
        redis_app, tmp_path, "scripted_grader", HIREBENCH_REDIS_URL=redis_app.config["REDIS_URL"]
    )
    script = Path(sys.executable).with_name("hirebench")
    worker = subprocess.Popen(
        [str(script), "worker"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _load(redis_app, job_id).status is JobStatus.running, 60, "the claim")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse
        worker.wait(timeout=10)
    # This process sweeps too (it submitted): once the heartbeat is stale the job is requeued
    # and its doorbell for attempt 2 is rung.
    wait_for(lambda: _load(redis_app, job_id).status is JobStatus.queued, 15, "the requeue")
    assert _load(redis_app, job_id).attempts == 1
    _burst_worker(redis_app, tmp_path, "instant_grader")
    job = _load(redis_app, job_id)
    assert job.status is JobStatus.done and job.attempts == 2
    assert job.result is not None and job.result["message"] == "instant"


# --- what grading tells the rest of the app, and asks of it (hirebench.grading.registry) --------


@pytest.fixture
def finished_jobs() -> Iterator[list[tuple[int, str]]]:
    """Every events.grading_finished sent while the test runs, as (job_id, grader_ref)."""
    seen: list[tuple[int, str]] = []

    def receiver(sender: Any, job_id: int, grader_ref: str) -> None:
        seen.append((job_id, grader_ref))

    events.grading_finished.connect(receiver)
    yield seen
    events.grading_finished.disconnect(receiver)


def test_grading_finished_is_sent_for_done_refused_and_failed_jobs(
    app: Flask, finished_jobs: list[tuple[int, str]]
) -> None:
    with app.app_context():
        done = gq.submit("answer", b"print(42)", "a.py").id
        assert gq.wait(done, timeout=30).status is JobStatus.done
    app.config["GRADING_SUBMISSION_MAX_BYTES"] = 3
    with app.app_context():
        refused = gq.submit("big", b"too long", "b.py").id
    lost = _abandoned(app, attempts=2)
    with app.app_context():
        assert gq.reap_stale() == 1
    deadline = time.monotonic() + 10  # the grading thread sends after its commit
    while (done, "answer") not in finished_jobs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(finished_jobs) == sorted([(done, "answer"), (refused, "big"), (lost, "answer")])


def test_requeued_job_is_not_announced(app: Flask, finished_jobs: list[tuple[int, str]]) -> None:
    _abandoned(app, attempts=1)
    with app.app_context():
        assert gq.reap_stale() == 1
    assert finished_jobs == []


def test_registered_sources_and_periodic_tasks(app: Flask, monkeypatch: Any) -> None:
    """Exams register the `attempt-answer:` grader source and the overdue sweep at app start;
    grading itself imports neither."""
    assert registry.grader_from_source("attempt-answer:x") is None  # exams: not an answer id
    assert registry.grader_from_source("/some/notebook.ipynb") is None  # no source: a path
    ran: list[str] = []
    monkeypatch.setattr(registry, "_periodic", {"t": lambda: ran.append("swept")})
    with app.app_context():
        gq.sweep()
    assert ran == ["swept"]
    assert "attempt-answer:" in registry._sources
