"""`hirebench grade` end to end: the same sandbox path as the portal, and clear error results
for bad input. Exit status is 0 whenever grading completed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hirebench.grading.result import RESULT_SCHEMA
from hirebench.paths import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "graders" / "examples"
ORDERS = EXAMPLES / "orders_cleaning.ipynb"


def grade(grader: Path, submission: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    script = Path(sys.executable).with_name("hirebench")
    done = subprocess.run(
        [
            str(script),
            "grade",
            "--grader",
            str(grader),
            "--submission",
            str(submission),
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(done.stdout) if done.stdout.strip() else {}
    if result:
        jsonschema.validate(result, RESULT_SCHEMA)
    return done.returncode, result


def test_invalid_grader_is_an_error_result(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json")
    code, result = grade(bad, EXAMPLES / "submissions" / "orders_cleaning_correct.py")
    assert code == 0
    assert result["status"] == "error" and result["total"] == 0
    assert "grader notebook is invalid" in result["message"]


def test_unknown_kernel_is_an_error_result(tmp_path: Path) -> None:
    notebook = json.loads(ORDERS.read_text())
    notebook["metadata"]["kernelspec"].update(name="ir", language="R")
    grader = tmp_path / "r.ipynb"
    grader.write_text(json.dumps(notebook))
    code, result = grade(grader, EXAMPLES / "submissions" / "orders_cleaning_correct.py")
    assert code == 0 and result["status"] == "error"
    assert "kernel" in result["message"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"\x00\x01\x02binary", "binary"), (b"x = 1\n" * 400_000, "the limit is 1,000,000 bytes")],
)
def test_bad_submissions_are_error_results(tmp_path: Path, content: bytes, expected: str) -> None:
    submission = tmp_path / "s.py"
    submission.write_bytes(content)
    code, result = grade(ORDERS, submission)
    assert code == 0 and result["status"] == "error"
    assert expected in result["message"]
    assert {t["status"] for t in result["tests"]} == {"error"}


def test_syntax_error_is_reported_per_test(tmp_path: Path) -> None:
    submission = tmp_path / "s.py"
    submission.write_text("def clean_orders(path):\n    return (\n")
    code, result = grade(ORDERS, submission)
    assert code == 0 and result["total"] == 0
    assert "SyntaxError" in result["message"] and "line" in result["message"]
    assert all("SyntaxError" in t["message"] for t in result["tests"])


def test_missing_submission_file_exits_non_zero(tmp_path: Path) -> None:
    code, result = grade(ORDERS, tmp_path / "nope.py")
    assert code != 0 and result == {}


@pytest.mark.docker
def test_correct_submission_full_marks(docker_engine: object) -> None:
    code, result = grade(ORDERS, EXAMPLES / "submissions" / "orders_cleaning_correct.py")
    assert code == 0, result
    assert result["status"] == "graded"
    assert result["total"] == result["max_total"] == 13
    assert len(result["tests"]) == 10


@pytest.mark.docker
def test_partial_submission_and_visible_mode(docker_engine: object) -> None:
    code, full = grade(ORDERS, EXAMPLES / "submissions" / "orders_cleaning_partial.py")
    assert code == 0 and 0 < full["total"] < full["max_total"]
    failed_hidden = [t for t in full["tests"] if t["hidden"] and t["status"] != "passed"]
    assert failed_hidden and all(t["message"].startswith("hidden test") for t in failed_hidden)
    code, visible = grade(
        ORDERS, EXAMPLES / "submissions" / "orders_cleaning_partial.py", "--mode", "visible"
    )
    assert code == 0 and visible["mode"] == "visible"
    assert len(visible["tests"]) < len(full["tests"])
    # Only visible code ran, so a failing visible check explains itself.
    failing = [t for t in visible["tests"] if t["status"] != "passed"]
    assert not any(t["message"].startswith("hidden test") for t in failing)


@pytest.mark.docker
def test_nbgrader_notebook_submission(docker_engine: object) -> None:
    code, result = grade(
        EXAMPLES / "nbgrader_squares.ipynb",
        EXAMPLES / "submissions" / "nbgrader_squares_correct.ipynb",
    )
    assert code == 0, result
    assert result["total"] == result["max_total"] > 0


@pytest.mark.docker
def test_queue_grades_through_a_stored_job(docker_engine: object) -> None:
    """--queue stores a grading job as the portal does and prints the result a grading process
    stored: here the command's own threads (no Redis); tests/ops/test_compose.py does it through
    docker-compose's worker containers."""
    script = Path(sys.executable).with_name("hirebench")
    subprocess.run([str(script), "init-db"], check=True, capture_output=True, timeout=120)
    code, result = grade(
        ORDERS, EXAMPLES / "submissions" / "orders_cleaning_correct.py", "--queue", "--wait", "240"
    )
    assert code == 0, result
    assert result["status"] == "graded"
    assert result["total"] == result["max_total"] == 13
