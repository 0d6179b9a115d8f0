"""`hirebench grader validate`: exit codes and one problem per line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hirebench.grading.cli import grader_group
from tests.grading import EXAMPLES, dump, native, setup, solution, test


def invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(grader_group, ["validate", *args])
    return result.exit_code, result.output.splitlines()


def test_valid_examples_exit_zero() -> None:
    code, lines = invoke(
        str(EXAMPLES / "orders_cleaning.ipynb"), str(EXAMPLES / "nbgrader_squares.ipynb")
    )
    assert code == 0
    assert len(lines) == 2
    assert lines[0].endswith(
        "ok (hirebench) 'Cleaning an e-commerce order export': 10 tests "
        "(6 with hidden parts), 13 points"
    )
    assert "ok (nbgrader) 'Squares': 4 tests (3 with hidden parts), 5 points" in lines[1]


def test_problems_exit_one_with_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_bytes(
        dump(
            native(
                setup("x = (\n"), solution("y = 1"), test("assert y\n### END HIDDEN TESTS", "t", -1)
            )
        )
    )
    code, lines = invoke(str(path))
    assert code == 1
    assert lines == [
        f"{path}: cell 0, line 1: syntax error in setup cell: '(' was never closed",
        f"{path}: cell 2: test t: points must be a number of at least 0, not -1",
        f"{path}: cell 2, line 2: 'END HIDDEN TESTS' without a matching 'BEGIN HIDDEN TESTS'",
    ]


def test_not_json_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{\n  "cells": [,]\n}\n')
    code, lines = invoke(str(path))
    assert code == 1
    assert lines == [f"{path}: line 2: not valid JSON: Expecting value (column 13)"]


def test_one_bad_notebook_among_good_ones_fails_the_run(tmp_path: Path) -> None:
    missing = tmp_path / "missing.ipynb"
    code, lines = invoke(str(EXAMPLES / "nbgrader_squares.ipynb"), str(missing))
    assert code == 1
    assert "ok (nbgrader)" in lines[0]
    assert lines[1].startswith(f"{missing}: cannot read {missing}")


def test_no_notebook_is_a_usage_error() -> None:
    code, _ = invoke()
    assert code == 2
