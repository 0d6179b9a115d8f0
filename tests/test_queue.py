"""`hirebench worker` against a real Redis: a job enqueued here runs in a separate worker
process that builds its own app from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hirebench.cli import worker_selfcheck
from hirebench.grading.redis_jobs import redis_queue


@pytest.mark.redis
def test_worker_runs_enqueued_job(app, redis_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    job = redis_queue(redis_url).enqueue(worker_selfcheck)
    env = {
        **os.environ,
        "HIREBENCH_REDIS_URL": redis_url,
        "HIREBENCH_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HIREBENCH_INSTANCE_PATH": str(tmp_path / "worker-instance"),
    }
    script = Path(sys.executable).with_name("hirebench")
    done = subprocess.run(
        [str(script), "worker", "--burst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    job.refresh()
    assert job.is_finished, done.stderr
    assert job.return_value()["database"] == "ok"


def test_selfcheck_in_process(app) -> None:  # type: ignore[no-untyped-def]
    """The check runs in the app of the worker that performs it (GradingWorker's context)."""
    with app.app_context():
        assert worker_selfcheck()["database"] == "ok"
