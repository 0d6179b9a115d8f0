"""Real nbgrader assignments as they come (issue 13): older nbformat 4.x files, kernels
other than `python3`, and submissions saved with their outputs."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from hirebench.grading.formats import GraderError, load_grader
from hirebench.grading.pipeline import Submission, grade
from hirebench.grading.result import RESULT_SCHEMA
from hirebench.grading.submission import MAX_SUBMISSION_BYTES, SubmissionError, plan_submission
from tests.grading import dump, minimal, nbgrader, nbgrader_cell
from tests.grading.test_submission import run_in_process


def old_format(notebook: dict[str, Any], minor: int) -> dict[str, Any]:
    """The notebook as nbformat 4.`minor` writes it: no cell ids (they came with 4.5)."""
    old = copy.deepcopy(notebook)
    old["nbformat_minor"] = minor
    for cell in old["cells"]:
        cell.pop("id", None)
    return old


def nbgrader_squares() -> dict[str, Any]:
    return nbgrader(
        nbgrader_cell(
            "def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in range(1, n + 1)]"
            "\n    ### END SOLUTION",
            "squares",
            solution=True,
        ),
        nbgrader_cell("assert squares(3) == [1, 4, 9]", "test_squares", grade=True, points=2),
    )


@pytest.mark.parametrize("minor", [0, 4])
@pytest.mark.parametrize("build", [minimal, nbgrader_squares], ids=["native", "nbgrader"])
def test_old_minor_versions_load_and_grade(minor: int, build: Any) -> None:
    notebook = old_format(build(), minor)
    spec = load_grader(dump(notebook))
    solution = spec.solution_cells()[0]
    answer = (
        "def add(x):\n    return x + BASE"
        if spec.source_format == "hirebench"
        else "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
    )
    plan = plan_submission(spec, answer.encode(), "answer.py")
    assert set(run_in_process(plan).values()) == {"passed"}
    assert solution.role == "solution"


@pytest.mark.parametrize("minor", [0, 4])
def test_old_minor_version_submission_is_read(minor: int) -> None:
    spec = load_grader(dump(nbgrader_squares()))
    submitted = nbgrader_squares()
    submitted["cells"][0]["source"] = "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
    plan = plan_submission(spec, dump(old_format(submitted, minor)), "squares.ipynb")
    assert run_in_process(plan) == {"test_squares": "passed"}


def test_old_minor_version_schema_errors_still_point_at_their_cell() -> None:
    notebook = old_format(minimal(), 4)
    notebook["cells"][2]["outputs"] = "nope"
    with pytest.raises(GraderError) as caught:
        load_grader(dump(notebook))
    (problem,) = caught.value.problems
    assert (problem.cell, problem.message) == (2, "outputs: 'nope' is not of type 'array'")


def test_unhashable_cell_id_is_a_problem_not_a_crash() -> None:
    notebook = minimal()
    notebook["cells"][1]["id"] = ["x"]
    with pytest.raises(GraderError) as caught:
        load_grader(json.dumps(notebook).encode())
    assert any(p.cell == 1 and "id" in p.message for p in caught.value.problems)


# ------------------------------------------------------------------------ size cap (cause 4)


def squares_submission(answer: str, output_bytes: int = 0) -> bytes:
    submitted = nbgrader_squares()
    cell = submitted["cells"][0]
    cell["source"] = answer
    if output_bytes:
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * output_bytes}]
        cell["execution_count"] = 1
    submitted["cells"].append(
        {
            "cell_type": "markdown",
            "id": "figure",
            "metadata": {},
            "source": "![plot](attachment:plot.png)",
            "attachments": {"plot.png": {"image/png": "A" * output_bytes}},
        }
    )
    return dump(submitted)


def test_notebook_outputs_and_attachments_do_not_count_against_the_cap() -> None:
    spec = load_grader(dump(nbgrader_squares()))
    answer = "def squares(n):\n    return [i * i for i in range(1, n + 1)]"
    content = squares_submission(answer, output_bytes=2 * MAX_SUBMISSION_BYTES)
    assert len(content) > 4 * MAX_SUBMISSION_BYTES
    plan = plan_submission(spec, content, "squares.ipynb")
    assert run_in_process(plan) == {"test_squares": "passed"}


def test_notebook_code_over_the_cap_is_refused() -> None:
    spec = load_grader(dump(nbgrader_squares()))
    answer = "def squares(n):\n    return [i * i for i in range(1, n + 1)]\n"
    content = squares_submission(answer + "#" * (2 * MAX_SUBMISSION_BYTES))
    with pytest.raises(SubmissionError, match=f"the limit is {MAX_SUBMISSION_BYTES:,} bytes"):
        plan_submission(spec, content, "squares.ipynb")


# ---------------------------------------------------------------------- kernels (cause 2)


def with_kernel(notebook: dict[str, Any], name: str, language: str) -> dict[str, Any]:
    notebook["metadata"]["kernelspec"] = {
        "name": name,
        "display_name": name,
        "language": language,
    }
    return notebook


@pytest.mark.parametrize("name", ["python", "rt_grader"])
def test_python_kernels_of_any_name_are_accepted(name: str) -> None:
    spec = load_grader(dump(with_kernel(nbgrader_squares(), name, "python")))
    assert spec.kernel == name
    # The starter names a kernel every candidate's Jupyter has.
    assert spec.starter_notebook().metadata["kernelspec"]["name"] == "python3"


def test_r_kernel_is_refused() -> None:
    with pytest.raises(GraderError) as caught:
        load_grader(dump(with_kernel(nbgrader_squares(), "ir", "R")))
    (problem,) = caught.value.problems
    assert "unknown kernel 'ir' (language 'R')" in problem.message
    assert "Python kernel" in problem.message


class NoSandboxes:
    """A provider for submissions that are refused before any sandbox is needed."""

    def run_job(self, job: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("no sandbox should run")


def test_result_names_the_kernel_the_notebook_named() -> None:
    spec = load_grader(dump(with_kernel(nbgrader_squares(), "rt_grader", "python")))
    result = grade(spec, Submission(b"", "answer.py"), NoSandboxes())
    data = result.to_json()
    assert data["kernel"] == "rt_grader"
    jsonschema.validate(data, RESULT_SCHEMA)
