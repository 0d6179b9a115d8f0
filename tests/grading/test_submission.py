"""Planning a submission: .py and notebook submissions, restoring grader cells, bad input."""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import subprocess
from typing import Any

import nbformat
import pytest

from hirebench.grading.formats import GraderSpec, load_grader
from hirebench.grading.submission import (
    MAX_SUBMISSION_BYTES,
    ExecutionPlan,
    PlannedCell,
    SubmissionError,
    plan_submission,
)
from tests.conftest import require_service
from tests.grading import EXAMPLES, SUBMISSIONS, dump, minimal, nbgrader, nbgrader_cell


@pytest.fixture
def squares() -> GraderSpec:
    return load_grader(EXAMPLES / "nbgrader_squares.ipynb")


@pytest.fixture
def orders() -> GraderSpec:
    return load_grader(EXAMPLES / "orders_cleaning.ipynb")


def student_notebook() -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(
        (SUBMISSIONS / "nbgrader_squares_correct.ipynb").read_text(encoding="utf-8")
    )
    return notebook


def by_grade_id(notebook: dict[str, Any], grade_id: str) -> dict[str, Any]:
    return next(
        c
        for c in notebook["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    )


def run_in_process(plan: ExecutionPlan) -> dict[str, str]:
    """Execute a plan of pure-Python cells and its tests here, for the examples that need no
    third-party libraries. The sandbox does the real thing; this checks the plan's content."""
    namespace: dict[str, Any] = {}
    for cell in plan.cells:
        with contextlib.suppress(NotImplementedError):  # a stub cell from starter code
            exec(compile(cell.source, cell.label, "exec"), namespace)  # noqa: S102
    outcome = {}
    for test in plan.tests:
        try:
            exec(compile(test.source, test.id, "exec"), dict(namespace))  # noqa: S102
            outcome[test.id] = "passed"
        except AssertionError:
            outcome[test.id] = "failed"
        except (NameError, NotImplementedError, TypeError, ValueError):
            outcome[test.id] = "error"
    return outcome


# ------------------------------------------------------------------------------ .py files


def test_py_submission_runs_setup_then_the_whole_file(orders: GraderSpec) -> None:
    content = (SUBMISSIONS / "orders_cleaning_correct.py").read_bytes()
    plan = plan_submission(orders, content, "answer.py")
    assert [(c.owner, c.label) for c in plan.cells] == [
        ("grader", "setup 1"),
        ("candidate", "submission"),
    ]
    assert plan.cells[0].source == orders.setup_sources()[0]
    assert plan.cells[1].source == content.decode()
    assert plan.tests == orders.tests
    assert plan.setup_sources == tuple(orders.setup_sources())
    assert plan.mode == "full" and plan.syntax_error is None
    assert not any("assert" in c.source for c in plan.cells)  # tests run on the judge side


def test_visible_mode_plans_only_visible_tests(orders: GraderSpec) -> None:
    plan = plan_submission(orders, b"x = 1\n", "a.py", mode="visible")
    assert plan.mode == "visible"
    assert [t.id for t in plan.tests] == [t.id for t in orders.tests if t.visible_source]
    assert all("HIDDEN" not in t.source and "664.0" not in t.source for t in plan.tests)
    with pytest.raises(ValueError, match="unknown grading mode"):
        plan_submission(orders, b"x = 1\n", "a.py", mode="secret")


def test_py_syntax_error_is_reported_not_raised(orders: GraderSpec) -> None:
    plan = plan_submission(
        orders, b"import pandas as pd\n\ndef clean_orders(path)\n    pass\n", "a.py"
    )
    assert plan.syntax_error == "line 3: expected ':'"
    assert plan.cells[-1].owner == "candidate"  # still planned: each test reports the error


def test_py_magics_and_windows_text_are_accepted(orders: GraderSpec) -> None:
    content = "\ufeff%matplotlib inline\r\nx = 1\r\n".encode()
    plan = plan_submission(orders, content, "ANSWER.PY")
    assert plan.syntax_error is None
    assert plan.cells[-1].source == "%matplotlib inline\nx = 1\n"


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "a.py", "The submission is empty."),
        (b"  \n\t\n", "a.ipynb", "The submission is empty."),
        (b"x = 1\x00\x00", "a.py", "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a.ipynb", "binary file"),
        ("x = '\u00e9'".encode("latin-1"), "a.py", "not UTF-8 text (invalid byte at offset 5)"),
        (b"x" * (MAX_SUBMISSION_BYTES + 1), "a.py", f"the limit is {MAX_SUBMISSION_BYTES:,} bytes"),
        (b"x = 1", "answer.txt", "'answer.txt' is neither"),
        (b"x = 1", "answer", "Submit a Python file (.py) or a Jupyter notebook (.ipynb)"),
        (b'{"cells": [\n  {,}\n]}', "a.ipynb", "cannot be read: line 2: not valid JSON: Expecting"),
        (b"[1, 2]", "a.ipynb", "cannot be read: not a notebook"),
        (b'{"nbformat": 3, "cells": []}', "a.ipynb", "nbformat 3 is not supported"),
        (
            b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
            b'"cells": [{"cell_type": "code"}]}',
            "a.ipynb",
            "not a valid Jupyter notebook: cell 0: ",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "nul",
        "png",
        "latin1",
        "too-big",
        "txt",
        "no-extension",
        "bad-json",
        "json-array",
        "nbformat3",
        "schema",
    ],
)
def test_bad_submissions(squares: GraderSpec, content: bytes, filename: str, message: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        plan_submission(squares, content, filename)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_notebook_without_code(squares: GraderSpec) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# my answer")])
    with pytest.raises(SubmissionError, match="no code of yours"):
        plan_submission(squares, nbformat.writes(notebook).encode(), "a.ipynb")


def test_submission_at_the_cap_is_accepted(squares: GraderSpec) -> None:
    content = b"#" * (MAX_SUBMISSION_BYTES - 1) + b"\n"
    assert plan_submission(squares, content, "a.py").syntax_error is None


# ------------------------------------------------------------------------------ notebooks


def test_nbgrader_notebook_submission_keeps_grader_order(squares: GraderSpec) -> None:
    content = (SUBMISSIONS / "nbgrader_squares_correct.ipynb").read_bytes()
    plan = plan_submission(squares, content, "squares.ipynb")
    assert [(c.owner, c.label) for c in plan.cells] == [
        ("grader", "setup 1"),
        ("candidate", "solution squares"),
        ("candidate", "candidate cell 3"),  # the student's own cell stays after their answer
        ("grader", "context 1"),
        ("candidate", "solution sum_of_squares"),
    ]
    assert "result.append(i * i)" in plan.cells[1].source
    assert plan.cells[2].source == "# checking my work\nprint(squares(5))"
    assert plan.cells[3].source == "squares(10)"
    assert plan.syntax_error is None
    assert run_in_process(plan) == {t.id: "passed" for t in squares.tests}


def test_grader_cells_are_restored_over_a_tampered_notebook(squares: GraderSpec) -> None:
    notebook = student_notebook()
    by_grade_id(notebook, "helpers")["source"] = "def is_list_of_ints(value):\n    return True"
    by_grade_id(notebook, "correct_squares")["source"] = "pass"
    by_grade_id(notebook, "squares_demo")["source"] = "import os"
    by_grade_id(notebook, "squares")["source"] = "def squares(n):\n    return 'x' * n"
    plan = plan_submission(squares, dump(notebook), "squares.ipynb")

    grader_sources = [c.source for c in plan.cells if c.owner == "grader"]
    assert grader_sources == [squares.cells[1].source, "squares(10)"]
    assert "type(value) is list" in grader_sources[0]
    assert not any(
        c.source in ("pass", "import os") or "return True" in c.source for c in plan.cells
    )
    assert [t.source for t in plan.tests] == [t.source for t in squares.tests]
    outcome = run_in_process(plan)
    assert outcome["correct_squares"] == "failed"
    assert outcome["correct_sum_of_squares"] == "error"  # summing strings


def test_tampered_cells_with_metadata_stripped_are_still_dropped(orders: GraderSpec) -> None:
    """A candidate who deletes the tags from the starter notebook's copies of grader cells
    does not smuggle them in: their nbformat ids or sources still give them away."""
    starter = json.loads(nbformat.writes(orders.starter_notebook()))
    for cell in starter["cells"]:
        role = cell["metadata"].pop("hirebench", {}).get("role")
        if role == "setup":
            cell["source"] = "".join(cell["source"]) + "\nORDERS_CSV = 'fake.csv'"  # same id
        if role == "test":
            cell["id"] = "new-id"  # unchanged source, new id
    plan = plan_submission(orders, dump(starter), "orders.ipynb")
    assert [c.owner for c in plan.cells] == ["grader", "candidate", "candidate"]
    assert "fake.csv" not in plan.cells[0].source
    assert [c.label for c in plan.cells[1:]] == ["solution clean_orders", "solution revenue"]


def test_unchanged_starter_notebook_plans_the_stubs(squares: GraderSpec) -> None:
    starter = nbformat.writes(squares.starter_notebook()).encode()
    plan = plan_submission(squares, starter, "starter.ipynb")
    assert [c.source for c in plan.cells if c.owner == "candidate"] == [
        c.source for c in squares.solution_cells()
    ]
    assert set(run_in_process(plan).values()) == {"error"}


def test_solution_cells_matched_by_id_whatever_their_order(squares: GraderSpec) -> None:
    notebook = student_notebook()
    first = by_grade_id(notebook, "squares")
    second = by_grade_id(notebook, "sum_of_squares")
    notebook["cells"].remove(second)
    notebook["cells"].insert(notebook["cells"].index(first), second)
    plan = plan_submission(squares, dump(notebook), "squares.ipynb")
    labels = [c.label for c in plan.cells]
    assert (
        labels.index("solution squares")
        < labels.index("context 1")
        < labels.index("solution sum_of_squares")
    )


def test_solution_cells_without_ids_match_in_order(squares: GraderSpec) -> None:
    notebook = student_notebook()
    for grade_id in ("squares", "sum_of_squares"):
        cell = by_grade_id(notebook, grade_id)
        cell["metadata"]["nbgrader"]["grade_id"] = f"renamed_{grade_id}"
    plan = plan_submission(squares, dump(notebook), "squares.ipynb")
    candidate = [c for c in plan.cells if c.owner == "candidate"]
    assert [c.label for c in candidate] == [
        "solution squares",
        "candidate cell 3",
        "solution sum_of_squares",
    ]


def test_plain_notebook_code_runs_before_the_first_answer(squares: GraderSpec) -> None:
    answer = (SUBMISSIONS / "nbgrader_squares_correct.ipynb").read_text(encoding="utf-8")
    code = [
        c["source"]
        for c in json.loads(answer)["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in code])
    plan = plan_submission(squares, nbformat.writes(notebook).encode(), "mine.ipynb")
    assert [(c.owner, c.label) for c in plan.cells] == [
        ("grader", "setup 1"),
        ("candidate", "candidate cell 0"),
        ("candidate", "candidate cell 1"),
        ("grader", "context 1"),
    ]
    assert run_in_process(plan) == {t.id: "passed" for t in squares.tests}


def test_candidate_test_cells_never_reach_the_plan(squares: GraderSpec) -> None:
    notebook = student_notebook()
    extra = nbgrader_cell("assert True  # my own", "correct_squares", grade=True, points=100)
    notebook["cells"].append(nbgrader(extra)["cells"][0])
    plan = plan_submission(squares, dump(notebook), "squares.ipynb")
    assert not any("my own" in c.source for c in plan.cells)
    assert sum(t.points for t in plan.tests) == squares.max_points


def test_notebook_syntax_error_names_the_cell(squares: GraderSpec) -> None:
    notebook = student_notebook()
    by_grade_id(notebook, "sum_of_squares")["source"] = "def sum_of_squares(n):\n    return sum(("
    plan = plan_submission(squares, dump(notebook), "squares.ipynb")
    assert plan.syntax_error == "solution sum_of_squares, line 2: '(' was never closed"


def test_native_minimal_notebook_round_trip() -> None:
    spec = load_grader(dump(minimal()))
    notebook = copy.deepcopy(minimal())
    notebook["cells"][1]["source"] = "def add(x):\n    return x + 1"
    notebook["cells"][0]["source"] = "BASE = 0"
    plan = plan_submission(spec, dump(notebook), "answer.ipynb")
    assert plan.cells == (
        PlannedCell("BASE = 10", "grader", "setup 1"),
        PlannedCell("def add(x):\n    return x + 1", "candidate", "solution answer"),
    )


# ------------------------------------------------------------------------------ the examples


SANDBOX_HARNESS = """
import json, os, sys
os.chdir("/scratch")  # docker's -w would reset the tmpfs to root-owned 0755
payload = json.loads(sys.stdin.readline())
for cell in payload["cells"]:
    exec(compile(cell, "<cell>", "exec"), globals())
outcome = {}
for test_id, source in payload["tests"]:
    try:
        exec(compile(source, test_id, "exec"), dict(globals()))
        outcome[test_id] = "passed"
    except AssertionError:
        outcome[test_id] = "failed"
    except Exception:
        outcome[test_id] = "error"
print(json.dumps(outcome))
"""


def _sandbox_image() -> str:
    from hirebench.sandbox.image import SANDBOX_IMAGE_REPO, current_image_tag

    if shutil.which("docker") is None:
        require_service("docker", "no docker binary")
    for tag in (current_image_tag(), f"{SANDBOX_IMAGE_REPO}:latest"):
        found = subprocess.run(
            ["docker", "image", "inspect", tag], capture_output=True, check=False
        )
        if found.returncode == 0:
            return tag
    require_service("sandbox image", "not built; run `hirebench sandbox build`")
    raise AssertionError("unreachable")


@pytest.mark.docker
@pytest.mark.parametrize(
    ("submission", "expected_failures"),
    [
        ("orders_cleaning_correct.py", set()),
        (
            "orders_cleaning_partial.py",
            {
                "product_names_stripped",
                "missing_price_imputed",
                "unpriced_order_dropped",
                "sorted_with_clean_index",
                "revenue_by_category",
            },
        ),
    ],
)
def test_orders_example_submissions_in_the_sandbox_image(
    orders: GraderSpec, submission: str, expected_failures: set[str]
) -> None:
    """The reference pandas task behaves as documented on the image's pandas: the correct
    submission passes every test, the partial one fails exactly the tests it should."""
    image = _sandbox_image()
    plan = plan_submission(orders, (SUBMISSIONS / submission).read_bytes(), submission)
    payload = json.dumps(
        {"cells": [c.source for c in plan.cells], "tests": [[t.id, t.source] for t in plan.tests]}
    )
    run = subprocess.run(
        [
            "docker",
            "run",
            "-i",
            "--rm",
            "--network",
            "none",
            "--read-only",
            "--tmpfs",
            "/scratch:rw,size=16m,mode=1777",
            image,
            "python3",
            "-c",
            SANDBOX_HARNESS,
        ],
        input=payload + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout)
    assert set(outcome) == {t.id for t in orders.tests}
    assert {k for k, v in outcome.items() if v != "passed"} == expected_failures
