"""The whole path the portal uses: the embedded queue, the pipeline and a real warm sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from hirebench.grading import pipeline
from hirebench.grading import queue as grading_queue
from hirebench.models import JobStatus
from hirebench.paths import PROJECT_ROOT
from tests.conftest import sandbox_containers

pytestmark = pytest.mark.docker
EXAMPLES = PROJECT_ROOT / "graders" / "examples"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 1, "SANDBOX_WARM_POOL": 1}


@pytest.fixture
def grading(app: Flask, docker_engine: object) -> Iterator[Flask]:
    yield app
    grading_queue.shutdown(app)
    pipeline.close_sandbox_provider()
    assert sandbox_containers() == []


def test_queue_grades_in_a_real_sandbox_and_regrades(grading: Flask) -> None:
    correct = (EXAMPLES / "submissions" / "orders_cleaning_correct.py").read_bytes()
    grader = str(EXAMPLES / "orders_cleaning.ipynb")
    with grading.app_context():
        job = grading_queue.submit(grader, correct, "orders_cleaning_correct.py")
        done = grading_queue.wait(job.id, timeout=120)
        assert done.status is JobStatus.done
        assert done.result is not None and done.result["total"] == 13
        assert done.submitted_at <= done.started_at <= done.finished_at <= done.graded_at
        again = grading_queue.wait(grading_queue.regrade(job.id).id, timeout=120)
        assert again.regrade_of_id == job.id and again.result["total"] == 13


def test_broken_grader_path_is_an_error_result(grading: Flask) -> None:
    with grading.app_context():
        job = grading_queue.submit("/no/such/grader.ipynb", b"x = 1", "s.py")
        done = grading_queue.wait(job.id, timeout=60)
        assert done.status is JobStatus.done
        assert done.result["status"] == "error"
        assert "grader" in done.result["message"]
