"""Notebook order: which names each step reads from the candidate's kernel, and which a test
sends into it, decided from the grader's own cells."""

from __future__ import annotations

from hirebench.grading.dataflow import loaded_names, stored_names
from hirebench.grading.formats import load_grader
from hirebench.grading.submission import plan_submission
from tests.grading import dump, nbgrader, nbgrader_cell


def test_stored_names_cover_binding_mutation_and_deletion() -> None:
    source = (
        "import numpy as np\n"
        "from os import path as p\n"
        "x = 1\n"
        "a, (b, c) = 1, (2, 3)\n"
        "df['new'] = 1\n"
        "obj.attr.deep = 2\n"
        "frame.dropna(inplace=True)\n"
        "other.fillna(0, inplace=False)\n"
        "items.append(3)\n"
        "del gone\n"
        "for i in range(3):\n    total += i\n"
        "def helper():\n    inner = 1\n"
        "class Box:\n    size = 2\n"
    )
    assert stored_names(source) == {
        "np", "p", "x", "a", "b", "c", "df", "obj", "frame", "items", "gone", "i", "total",
        "helper", "Box",
    }  # fmt: skip


def test_names_of_unparsable_code_are_empty() -> None:
    assert stored_names("def broken(:\n") == set()
    assert loaded_names("x = (") == set()


def test_loaded_names_include_function_bodies_and_skip_magics() -> None:
    source = "%matplotlib inline\ndef f():\n    return A @ B\nprint(C)\n"
    assert loaded_names(source) == {"A", "B", "print", "C"}


def _squares_grader() -> bytes:
    return dump(
        nbgrader(
            nbgrader_cell("import numpy as np\nexpected = 14", "setup", locked=True),
            nbgrader_cell(
                "def squares(n):\n    ### BEGIN SOLUTION\n"
                "    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION",
                "squares",
                solution=True,
            ),
            nbgrader_cell(
                "A = np.array([1, 2, 3])\nhidden_value = 7\nassert squares(3) == [1, 4, 9]",
                "test_squares",
                grade=True,
                points=1,
            ),
            nbgrader_cell(
                "### BEGIN SOLUTION\nexpected = sum(squares(3))\nresult = A.sum()\n"
                "### END SOLUTION",
                "use_a",
                solution=True,
            ),
            nbgrader_cell(
                "assert result == 6\nassert expected == 14", "test_a", grade=True, points=1
            ),
        )
    )


def test_steps_follow_notebook_order_with_tests_in_place() -> None:
    spec = load_grader(_squares_grader())
    plan = plan_submission(spec, _squares_grader(), "answer.ipynb")
    assert [(s.kind, s.label) for s in plan.steps] == [
        ("grader", "setup 1"),
        ("cell", "solution squares"),
        ("test", "test_squares"),
        ("cell", "solution use_a"),
        ("test", "test_a"),
    ]


def test_names_the_solution_wrote_last_are_read_from_the_kernel() -> None:
    spec = load_grader(_squares_grader())
    steps = {s.label: s for s in plan_submission(spec, _squares_grader(), "a.ipynb").steps}
    assert steps["setup 1"].prefer_candidate == ()
    assert steps["test_squares"].prefer_candidate == ("squares",)
    # The reference solution rebinds `expected` after the setup did: the kernel's value wins.
    assert set(steps["test_a"].prefer_candidate) == {"squares", "expected", "result"}


def test_only_names_later_cells_read_are_exported_from_a_test() -> None:
    spec = load_grader(_squares_grader())
    steps = {s.label: s for s in plan_submission(spec, _squares_grader(), "a.ipynb").steps}
    # `A` is read by the later solution; `hidden_value` stays on the judge's side.
    assert steps["test_squares"].export == ("A",)
    assert steps["test_a"].export == ()


def test_visible_mode_leaves_wholly_hidden_tests_out_of_the_steps() -> None:
    grader = dump(
        nbgrader(
            nbgrader_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
                          "f", solution=True),
            nbgrader_cell("assert f() == 1", "shown", grade=True, points=1),
            nbgrader_cell("### BEGIN HIDDEN TESTS\nassert f() == 1\n### END HIDDEN TESTS",
                          "secret", grade=True, points=1),
        )
    )  # fmt: skip
    spec = load_grader(grader)
    steps = plan_submission(spec, grader, "a.ipynb", mode="visible").steps
    assert [s.test_id for s in steps if s.kind == "test"] == ["shown"]
    full = plan_submission(spec, grader, "a.ipynb").steps
    assert [s.test_id for s in full if s.kind == "test"] == ["shown", "secret"]


def test_a_python_file_runs_setup_then_itself_then_every_test() -> None:
    spec = load_grader(_squares_grader())
    source = b"def squares(n):\n    return [i * i for i in range(1, n + 1)]\n"
    steps = plan_submission(spec, source, "answer.py").steps
    assert [s.kind for s in steps] == ["grader", "cell", "test", "test"]
    assert steps[1].source == source.decode()
