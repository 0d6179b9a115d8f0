"""Grader notebooks: loading both formats, and every problem the validator reports."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from hirebench.grading.formats import (
    CODE_STUB,
    GraderError,
    GraderSpec,
    Problem,
    find_syntax_error,
    load_grader,
    stub_solutions,
    validate_grader,
)
from tests.grading import (
    EXAMPLES,
    dump,
    markdown,
    minimal,
    native,
    nbgrader,
    nbgrader_cell,
    setup,
    solution,
    test,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "grader-notebook.md"


def problems_of(source: bytes | dict[str, Any], **kwargs: Any) -> list[Problem]:
    data = dump(source) if isinstance(source, dict) else source
    with pytest.raises(GraderError) as caught:
        load_grader(data, **kwargs)
    return caught.value.problems


def only(problems: list[Problem], text: str) -> Problem:
    found = [p for p in problems if text in p.message]
    assert len(found) == 1, f"{text!r} in {[str(p) for p in problems]}"
    return found[0]


# ---------------------------------------------------------------------------------- examples


def test_orders_example_loads_as_native_grader() -> None:
    path = EXAMPLES / "orders_cleaning.ipynb"
    spec = load_grader(path)
    assert spec.source_format == "hirebench"
    assert spec.title == "Cleaning an e-commerce order export"
    assert spec.kernel == "python3"
    assert spec.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(spec.tests) == 10
    assert spec.max_points == 13
    assert spec.default_timeout == 10
    assert [t.timeout for t in spec.tests if t.id == "revenue_by_category"] == [20]
    wholly_hidden = {t.id for t in spec.tests if t.hidden and not t.visible_source}
    assert wholly_hidden == {"missing_price_imputed", "unpriced_order_dropped", "totals"}
    partly = {t.id for t in spec.tests if t.hidden and t.visible_source}
    assert partly == {"no_duplicate_orders", "sorted_with_clean_index", "revenue_by_category"}
    assert [c.cell_id for c in spec.solution_cells()] == ["clean_orders", "revenue"]
    (setup_source,) = spec.setup_sources()
    assert "保温杯" in setup_source and "orders.csv" in setup_source


def test_orders_example_starter_hides_the_reference_solution() -> None:
    starter = load_grader(EXAMPLES / "orders_cleaning.ipynb").starter_code()
    assert "def clean_orders(path):" in starter and "def revenue_by_category(orders):" in starter
    assert starter.count("    # YOUR CODE HERE\n    raise NotImplementedError()") == 2
    assert "drop_duplicates" not in starter and "BEGIN SOLUTION" not in starter
    assert "RAW_ORDERS" not in starter  # setup is not part of the .py starter
    compile(starter, "starter.py", "exec")


def test_nbgrader_example_maps_cells_like_nbgrader() -> None:
    spec = load_grader(EXAMPLES / "nbgrader_squares.ipynb")
    assert spec.source_format == "nbgrader"
    assert spec.title == "Squares"
    roles = {c.cell_id: c.role for c in spec.cells if c.cell_id}
    assert roles == {
        "helpers": "setup",
        "squares": "solution",
        "squares_demo": "context",
        "correct_squares": "test",
        "squares_invalid_input": "test",
        "sum_of_squares": "solution",
        "correct_sum_of_squares": "test",
        "sum_of_squares_large": "test",
    }
    assert [(t.id, t.points) for t in spec.tests] == [
        ("correct_squares", 1),
        ("squares_invalid_input", 1),
        ("correct_sum_of_squares", 2),
        ("sum_of_squares_large", 1),
    ]
    assert spec.max_points == 5
    assert all(t.timeout == 30 for t in spec.tests)  # nbgrader's own per-cell default


def test_nbgrader_example_hidden_and_visible_split() -> None:
    spec = load_grader(EXAMPLES / "nbgrader_squares.ipynb")
    tests = {t.id: t for t in spec.tests}
    correct = tests["correct_squares"]
    assert correct.hidden
    assert "squares(10)" in correct.source and "HIDDEN TESTS" not in correct.source
    assert "squares(2) == [1, 4]" in correct.visible_source
    assert "squares(10)" not in correct.visible_source
    assert not tests["squares_invalid_input"].hidden
    assert tests["squares_invalid_input"].visible_source == tests["squares_invalid_input"].source
    large = tests["sum_of_squares_large"]
    assert large.hidden and large.visible_source == "" and "338350" in large.source

    visible = spec.tests_for("visible")
    assert [t.id for t in visible] == [
        "correct_squares",
        "squares_invalid_input",
        "correct_sum_of_squares",
    ]
    assert all(t.source == t.visible_source for t in visible)
    assert not any("squares(10)" in t.source for t in visible)
    assert spec.tests_for("full") == list(spec.tests)
    with pytest.raises(ValueError, match="unknown grading mode"):
        spec.tests_for("everything")


def test_nbgrader_example_starter_keeps_indentation() -> None:
    spec = load_grader(EXAMPLES / "nbgrader_squares.ipynb")
    squares = spec.solution_cells()[0].source
    assert squares.endswith('    """\n    # YOUR CODE HERE\n    raise NotImplementedError()')
    assert "range(1, n + 1)" not in spec.starter_code()
    assert "is_list_of_ints" not in spec.starter_code()


def test_starter_notebook_has_no_hidden_tests_or_solutions() -> None:
    spec = load_grader(EXAMPLES / "nbgrader_squares.ipynb")
    text = json.dumps(spec.starter_notebook(), ensure_ascii=False)
    assert "338350" not in text and "squares(11)" not in text and "range(1, n + 1)" not in text
    assert "squares(2) == [1, 4]" in text and "is_list_of_ints" in text
    # The starter notebook is itself a valid notebook but not a grader: it has no reference
    # solution, only stubs, and still tags each cell with its role.
    roles = [c.metadata.get("hirebench", {}).get("role") for c in spec.starter_notebook().cells]
    assert roles.count("solution") == 2 and roles.count("test") == 3
    # Uploading the candidates' copy as a grader is refused.
    problem = only(problems_of(json.loads(text)), "this is a starter notebook")
    assert problem.cell is None


def test_docs_example_loads() -> None:
    blocks = re.findall(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/grader-notebook.md has no json example"
    spec = load_grader(blocks[0])
    assert spec.source_format == "hirebench" and spec.tests
    assert {"orders_cleaning.ipynb", "nbgrader_squares.ipynb"} <= set(
        re.findall(r"[a-z_]+\.ipynb", DOCS.read_text(encoding="utf-8"))
    )


# ---------------------------------------------------------------------------------- loading


def test_minimal_native_grader(tmp_path: Path) -> None:
    data = dump(minimal(default_timeout=5, max_timeout=30))
    spec = load_grader(data)
    assert isinstance(spec, GraderSpec)
    assert spec.setup_sources() == ["BASE = 10"]
    assert spec.tests[0].id == "adds" and spec.tests[0].timeout == 5
    assert spec.tests[0].description == "" and not spec.tests[0].hidden
    assert spec.digest == hashlib.sha256(data).hexdigest()
    # str is JSON text when it looks like JSON, and a path otherwise
    assert load_grader(data.decode()).digest == spec.digest
    path = tmp_path / "grader.ipynb"
    path.write_bytes(data)
    assert load_grader(str(path)).digest == spec.digest
    assert validate_grader(path) == []


def test_native_solution_without_markers_is_its_own_starter() -> None:
    spec = load_grader(dump(minimal()))
    assert spec.starter_code() == "def add(x):\n    return x + BASE\n"


def test_stub_solutions() -> None:
    marked = "def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert stub_solutions(marked, whole_if_unmarked=True) == (
        "def f():\n    x = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    assert stub_solutions("x = 1", whole_if_unmarked=True) == CODE_STUB
    assert stub_solutions("x = 1", whole_if_unmarked=False) == "x = 1"


def test_nbgrader_solution_without_markers_becomes_the_stub() -> None:
    notebook = nbgrader(
        nbgrader_cell("answer = 42", "q1", solution=True),
        nbgrader_cell("assert answer == 42", "t1", grade=True, locked=True, points=3),
    )
    spec = load_grader(dump(notebook))
    assert spec.solution_cells()[0].source == CODE_STUB
    assert spec.max_points == 3


def test_hirebench_cell_metadata_overrides_on_nbgrader_tests() -> None:
    cell = nbgrader_cell("assert answer == 42", "t1", grade=True, locked=True, points=2)
    cell.metadata["hirebench"] = {"timeout": 3, "description": "the answer", "hidden": True}
    spec = load_grader(dump(nbgrader(nbgrader_cell("answer = 42", "q1", solution=True), cell)))
    (only_test,) = spec.tests
    assert (only_test.timeout, only_test.description, only_test.hidden) == (3, "the answer", True)
    assert only_test.visible_source == ""


def test_locked_cell_that_uses_the_answer_is_context_not_setup() -> None:
    notebook = nbgrader(
        nbgrader_cell("import math", "imports", locked=True),
        nbgrader_cell("def area(r):\n    return math.pi * r * r", "q1", solution=True),
        nbgrader_cell("print(area(2))", "demo", locked=True),
        nbgrader_cell("def close(a, b):\n    return abs(a - b) < 1e-9", "helper", locked=True),
        nbgrader_cell("assert close(area(1), math.pi)", "t1", grade=True, locked=True, points=1),
    )
    spec = load_grader(dump(notebook))
    roles = {c.cell_id: c.role for c in spec.cells}
    assert roles == {
        "imports": "setup",
        "q1": "solution",
        "demo": "context",
        "helper": "setup",
        "t1": "test",
    }


def test_magics_are_not_syntax_errors() -> None:
    assert find_syntax_error("%matplotlib inline\nimport os\n!ls -l\nx = 1") is None
    assert find_syntax_error("%%bash\necho not python (") is None
    assert find_syntax_error("x = (1\n     %2)") is None  # `%` continuing an expression
    assert find_syntax_error("x = 1\ny = (\n") == (2, "'(' was never closed")
    spec = load_grader(
        dump(
            native(
                setup("%load_ext autoreload\nimport math"),
                solution("x = 1"),
                test("!echo hi\nassert x == 1"),
            )
        )
    )
    assert spec.setup_sources() == ["%load_ext autoreload\nimport math"]


def test_problem_and_error_text() -> None:
    assert str(Problem("bad", cell=3, line=2)) == "cell 3, line 2: bad"
    assert str(Problem("bad", cell=3)) == "cell 3: bad"
    assert str(Problem("bad", line=7)) == "line 7: bad"
    assert str(Problem("bad")) == "bad"
    error = GraderError([Problem("one", 1), Problem("two", 2, 5)])
    assert isinstance(error, ValueError)
    assert str(error).splitlines() == [
        "invalid grader notebook (2 problems):",
        "  cell 1: one",
        "  cell 2, line 5: two",
    ]


# ---------------------------------------------------------------------------------- problems


def test_not_json_reports_line() -> None:
    (problem,) = problems_of(b'{\n  "cells": [\n    oops\n  ]\n}\n')
    assert problem.line == 3 and problem.cell is None
    assert problem.message.startswith("not valid JSON: Expecting value (column 5)")


def test_not_utf8_reports_line() -> None:
    (problem,) = problems_of(b'{\n"a": "\xff"}')
    assert problem.line == 2 and "not UTF-8" in problem.message


def test_json_that_is_not_a_notebook() -> None:
    (problem,) = problems_of(b"[1, 2, 3]")
    assert "not a notebook" in problem.message
    (problem,) = problems_of(b'{"nbformat": NaN}')
    assert "not valid JSON" in problem.message


def test_old_nbformat_is_reported() -> None:
    notebook = minimal()
    notebook["nbformat"] = 3
    (problem,) = problems_of(notebook)
    assert "nbformat 3 is not supported" in problem.message


def test_schema_errors_point_at_their_cell() -> None:
    notebook = minimal()
    notebook["cells"][2]["outputs"] = "nope"
    notebook["cells"][1]["cell_type"] = "weird"
    del notebook["metadata"]["kernelspec"]["display_name"]
    problems = problems_of(notebook)
    assert only(problems, "'display_name' is a required property").cell is None
    outputs = only(problems, "outputs: 'nope' is not of type 'array'")
    assert (outputs.cell, outputs.line) == (2, None)
    assert only(problems, "unknown cell_type 'weird'").cell == 1


def test_missing_cell_ids_are_tolerated() -> None:
    notebook = minimal()
    for cell in notebook["cells"]:
        del cell["id"]
    assert load_grader(dump(notebook)).tests[0].id == "adds"


def test_unknown_kernel() -> None:
    metadata = native(kernel="ir")["metadata"]
    metadata["kernelspec"]["language"] = "R"
    problem = only(problems_of(minimal() | {"metadata": metadata}), "unknown kernel")
    assert "'ir'" in problem.message and "'R'" in problem.message and problem.cell is None


def test_no_tests_and_no_solution() -> None:
    problems = problems_of(native(setup("x = 1"), markdown("# Nothing to do")))
    assert only(problems, "no test cells").cell is None
    assert only(problems, "no solution cell").cell is None


def test_not_a_grader_notebook() -> None:
    notebook = minimal()
    del notebook["metadata"]["hirebench"]
    for cell in notebook["cells"]:
        cell["metadata"] = {}
    (problem,) = problems_of(notebook)
    assert "not a grader notebook" in problem.message


def test_duplicate_test_ids() -> None:
    notebook = native(solution("x = 1", "x"), test("assert x", "same"), test("assert x", "same"))
    problem = only(problems_of(notebook), "duplicate id 'same'")
    assert problem.cell == 2 and "cell 1" in problem.message


def test_solution_and_test_ids_share_a_namespace() -> None:
    problem = only(
        problems_of(native(solution("x = 1", "x"), test("assert x", "x"))), "duplicate id"
    )
    assert problem.cell == 1


def test_missing_and_malformed_test_ids() -> None:
    problems = problems_of(
        native(
            solution("x = 1"),
            test("assert x", None),
            test("assert x", "has space"),
            test("assert x", 7),
        )
    )
    assert only(problems, "test cell has no id (metadata.hirebench.id)").cell == 1
    assert only(problems, "'has space' must be 1-64 letters").cell == 2
    assert only(problems, "metadata.hirebench.id must be a string").cell == 3


def test_nbgrader_test_without_grade_id() -> None:
    notebook = nbgrader(
        nbgrader_cell("x = 1", "q", solution=True),
        nbgrader_cell("assert x", "", grade=True, points=1),
    )
    assert only(problems_of(notebook), "no id (nbgrader.grade_id)").cell == 1


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (-1, "points must be a number of at least 0, not -1"),
        ("ten", "points must be a number of at least 0, not 'ten'"),
        (True, "points must be a number of at least 0, not True"),
        (None, "has no points (metadata.hirebench.points)"),
    ],
)
def test_bad_points(points: Any, expected: str) -> None:
    problem = only(
        problems_of(native(solution("x = 1"), markdown("#"), test("assert x", "t", points))),
        expected,
    )
    assert problem.cell == 2


def test_zero_points_are_allowed() -> None:
    spec = load_grader(dump(native(solution("x = 1"), test("assert x", "t", 0))))
    assert spec.max_points == 0


@pytest.mark.parametrize(
    ("timeout", "max_timeout"), [(0, None), (-2, None), (121, None), (31, 30), ("5", None)]
)
def test_bad_test_timeout(timeout: Any, max_timeout: Any) -> None:
    settings = {} if max_timeout is None else {"max_timeout": max_timeout}
    notebook = native(solution("x = 1"), test("assert x", "slow", timeout=timeout), **settings)
    problem = only(problems_of(notebook), "test slow: timeout must be")
    assert problem.cell == 1
    assert f"at most {max_timeout or 120}" in problem.message


def test_bad_notebook_timeouts() -> None:
    problems = problems_of(minimal(default_timeout=0, max_timeout=10_000))
    assert only(problems, "max_timeout must be").cell is None
    assert only(problems, "default_timeout must be").cell is None
    assert only(
        problems_of(minimal(default_timeout=60, max_timeout=30)), "at most max_timeout (30)"
    )


def test_unsupported_format_and_role() -> None:
    notebook = minimal(format=2)
    notebook["cells"].append(json.loads(json.dumps(setup("y = 2"))))
    notebook["cells"][-1]["metadata"]["hirebench"]["role"] = "tset"
    problems = problems_of(notebook)
    assert only(problems, "format is 2").cell is None
    assert only(problems, "unknown role 'tset'").cell == 3


def test_setup_role_on_markdown() -> None:
    cell = markdown("# Setup")
    cell.metadata["hirebench"] = {"role": "setup"}
    problem = only(
        problems_of(native(cell, solution("x = 1"), test("assert x"))), "must be a code cell"
    )
    assert problem.cell == 0


def test_unbalanced_hidden_markers() -> None:
    never_closed = "assert x\n### BEGIN HIDDEN TESTS\nassert x > 0\n"
    unopened = "assert x\n### END HIDDEN TESTS\n"
    nested = (
        "### BEGIN HIDDEN TESTS\nassert x\n## BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS\n"
    )
    problems = problems_of(
        native(solution("x = 1"), test(never_closed, "a"), test(unopened, "b"), test(nested, "c"))
    )
    opened = only(problems, "'BEGIN HIDDEN TESTS' is never closed")
    assert (opened.cell, opened.line) == (1, 2)
    stray = only(problems, "'END HIDDEN TESTS' without a matching")
    assert (stray.cell, stray.line) == (2, 2)
    inner = only(problems, "inside the region opened at line 1")
    assert (inner.cell, inner.line) == (3, 3)


def test_unbalanced_solution_markers_in_nbgrader_notebook() -> None:
    notebook = nbgrader(
        nbgrader_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "f", solution=True),
        nbgrader_cell("assert f() == 1", "t", grade=True, points=1),
    )
    problem = only(problems_of(notebook), "'BEGIN SOLUTION' is never closed")
    assert (problem.cell, problem.line) == (0, 2)


def test_markers_in_the_wrong_kind_of_cell() -> None:
    notebook = native(
        setup("x = 1\n### BEGIN HIDDEN TESTS\ny = 2\n### END HIDDEN TESTS"),
        solution("z = 1"),
        test("assert z\n# BEGIN SOLUTION\n# END SOLUTION", "t"),
    )
    problems = problems_of(notebook)
    hidden = [p for p in problems if "HIDDEN TESTS' does not belong" in p.message]
    assert [(p.cell, p.line) for p in hidden] == [(0, 2), (0, 4)]
    solution_marks = [p for p in problems if "SOLUTION' does not belong" in p.message]
    assert [(p.cell, p.line) for p in solution_marks] == [(2, 2), (2, 3)]


def test_syntax_errors_in_setup_and_test_cells() -> None:
    notebook = native(
        setup("import os\nx = (1,\n"),
        solution("def broken(:\n  pass"),
        test("assert True\nassert x ==\n", "t"),
    )
    problems = problems_of(notebook)
    in_setup = only(problems, "syntax error in setup cell")
    assert (in_setup.cell, in_setup.line) == (0, 2)
    in_test = only(problems, "syntax error in test cell")
    assert (in_test.cell, in_test.line) == (2, 2)
    assert len(problems) == 2  # starter code in a solution cell is not compiled


def test_empty_test_cell() -> None:
    problem = only(
        problems_of(native(solution("x = 1"), test("# nothing here", "t"))), "has no code"
    )
    assert problem.cell == 1


def test_file_too_big(tmp_path: Path) -> None:
    data = dump(minimal())
    (problem,) = problems_of(data, max_bytes=100)
    assert f"the file is {len(data):,} bytes" in problem.message
    path = tmp_path / "big.ipynb"
    path.write_bytes(data)
    (problem,) = validate_grader(path, max_bytes=100)
    assert "at most 100 bytes" in problem.message


def test_unreadable_file(tmp_path: Path) -> None:
    (problem,) = validate_grader(tmp_path / "missing.ipynb")
    assert "cannot read" in problem.message and "missing.ipynb" in problem.message


def test_all_problems_reported_in_one_pass_in_cell_order() -> None:
    notebook = native(
        setup("x = (\n"),
        solution("y = 1"),
        test("assert y", "t", -1),
        test("assert y", "t"),
        kernel="julia",
    )
    notebook["metadata"]["kernelspec"]["language"] = "julia"
    problems = problems_of(notebook)
    assert [p.cell for p in problems] == [None, 0, 2, 3]
    assert "unknown kernel" in problems[0].message


def test_nbgrader_notebook_with_hirebench_settings_stays_nbgrader() -> None:
    notebook = nbgrader(
        nbgrader_cell("answer = 42", "q1", solution=True),
        nbgrader_cell("assert answer == 42", "t1", grade=True, points=1),
    )
    notebook["metadata"]["hirebench"] = {"title": "Answer", "default_timeout": 3}
    spec = load_grader(dump(notebook))
    assert (spec.source_format, spec.title, spec.tests[0].timeout) == ("nbgrader", "Answer", 3)
