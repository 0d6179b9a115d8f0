"""Grading in notebook order, in the real sandbox: grader cells that print, names tests define
for later cells, values checked before later cells change them, the candidate's live objects
through references, and names the candidate cannot take over."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hirebench.grading.formats import load_grader
from hirebench.grading.pipeline import PooledSandboxes, Submission, grade
from hirebench.grading.result import GradeResult, TestStatus
from hirebench.sandbox.limits import SandboxLimits
from tests.conftest import sandbox_containers
from tests.grading import dump, nbgrader, nbgrader_cell

pytestmark = [pytest.mark.docker, pytest.mark.slow]
LIMITS = SandboxLimits(cell_timeout=10, wall_seconds=90)


@pytest.fixture(scope="module")
def sandboxes(docker_engine: object) -> Iterator[PooledSandboxes]:
    provider = PooledSandboxes(pool_size=2, limits=LIMITS)
    yield provider
    provider.close()
    assert sandbox_containers() == [], "sandboxes left behind"


def solution(source: str, grade_id: str) -> Any:
    return nbgrader_cell(source, grade_id, solution=True)


def graded(source: str, grade_id: str, points: float = 1) -> Any:
    return nbgrader_cell(source, grade_id, grade=True, points=points)


def locked(source: str, grade_id: str) -> Any:
    return nbgrader_cell(source, grade_id, locked=True)


def run(sandboxes: PooledSandboxes, grader: dict[str, Any], **answers: str) -> GradeResult:
    """Grade the grader's own notebook with some solution cells replaced by `answers`."""
    spec = load_grader(dump(grader))
    submission = json.loads(json.dumps(grader))
    for cell in submission["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return grade(spec, Submission(dump(submission), "answer.ipynb"), sandboxes, limits=LIMITS)


def outcome(result: GradeResult) -> dict[str, str]:
    return {test.id: test.status.value for test in result.tests}


def test_prints_in_grader_code_are_output_not_protocol(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        locked("import numpy as np\nprint(np.eye(3))\nprint('{\"nonce\": 1}')", "setup"),
        solution(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", "d"
        ),
        graded("print('checking double')\nassert double(2) == 4\nprint('Success!')", "t"),
    )
    result = run(sandboxes, grader)
    assert outcome(result) == {"t": "passed"}, result.message
    assert "Success!" in result.tests[0].output
    assert result.total == 1


def test_tests_share_names_with_later_cells_in_notebook_order(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        locked("import numpy as np", "setup"),
        solution("### BEGIN SOLUTION\nvalue = 1\n### END SOLUTION", "first"),
        graded(
            "A = np.array([[2, 0], [0, 2]])\n"
            "def close_enough(a, b):\n    return abs(a - b) < 1e-9\n"
            "assert value == 1",
            "check_before_change",
        ),
        solution("### BEGIN SOLUTION\nvalue = 2\ndet = float(np.linalg.det(A))\n### END SOLUTION",
                 "second"),
        graded("assert close_enough(det, 4.0)\nassert value == 2", "uses_helper_and_export"),
    )  # fmt: skip
    result = run(sandboxes, grader)
    assert outcome(result) == {"check_before_change": "passed", "uses_helper_and_export": "passed"}
    blank = run(sandboxes, grader, second="value = 2\nraise NotImplementedError()")
    assert outcome(blank)["uses_helper_and_export"] == "error"


def test_classes_generators_complex_and_namespace_tests(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        solution(
            "### BEGIN SOLUTION\n"
            "class Counter:\n"
            "    def __init__(self, start):\n        self.count = start\n"
            "    def step(self):\n        self.count += 1\n        return self.count\n"
            "def evens():\n    n = 0\n    while True:\n        yield n\n        n += 2\n"
            "def root(z):\n    import cmath\n    return cmath.sqrt(z)\n"
            "def squares(n):\n    return [i * i for i in range(n)]\n"
            "def sum_of_squares(n):\n    return sum(squares(n))\n"
            "### END SOLUTION",
            "answer",
        ),
        graded("c = Counter(3)\nc.step()\nassert c.step() == 5 and c.count == 5", "cls"),
        graded("import itertools\nassert list(itertools.islice(evens(), 4)) == [0, 2, 4, 6]",
               "gen"),
        graded("assert root(-4) == 2j", "cplx"),
        graded(
            "orig = squares\ndel squares\n"
            "try:\n    sum_of_squares(3)\nexcept NameError:\n    pass\n"
            "else:\n    raise AssertionError('sum_of_squares must use squares')\n"
            "finally:\n    squares = orig\n"
            "assert sum_of_squares(3) == 5",
            "uses_squares",
        ),
    )  # fmt: skip
    result = run(sandboxes, grader)
    assert outcome(result) == dict.fromkeys(["cls", "gen", "cplx", "uses_squares"], "passed"), [
        t.message for t in result.tests
    ]
    inline = (
        "class Counter:\n    def __init__(self, start):\n        self.count = start\n"
        "    def step(self):\n        self.count += 1\n        return self.count\n"
        "def evens():\n    yield from range(0, 100, 2)\n"
        "def root(z):\n    return 2j\n"
        "def squares(n):\n    return [i * i for i in range(n)]\n"
        "def sum_of_squares(n):\n    return sum(i * i for i in range(n))\n"
    )
    cheat = run(sandboxes, grader, answer=inline)
    assert outcome(cheat)["uses_squares"] == "failed"


def test_candidate_cannot_take_over_grader_names(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        locked("expected = [1, 4, 9]\nfrom math import isclose", "setup"),
        solution("def squares(n):\n    ### BEGIN SOLUTION\n    return [i * i for i in "
                 "range(1, n + 1)]\n    ### END SOLUTION", "answer"),
        graded("assert squares(3) == expected\nassert len(squares(3)) == 3\n"
               "assert isclose(squares(2)[1], 4)", "t"),
    )  # fmt: skip
    honest = run(sandboxes, grader)
    assert outcome(honest) == {"t": "passed"}
    cheat = run(
        sandboxes,
        grader,
        answer="def squares(n):\n    return [0]\nexpected = [0]\nlen = lambda x: 3\n"
        "isclose = lambda a, b: True\n",
    )
    assert outcome(cheat) == {"t": "failed"}


def test_staff_see_the_traceback_of_a_hidden_test(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        solution("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", "f"),
        graded("### BEGIN HIDDEN TESTS\nvalue = f('a') + 1\n### END HIDDEN TESTS", "hidden"),
    )
    result = run(sandboxes, grader)
    (test,) = result.tests
    assert test.status is TestStatus.error
    assert test.message == "hidden test: error (TypeError)"
    assert "value = f('a') + 1" in test.staff.traceback
    assert "TypeError" in test.staff.traceback


def test_tests_read_the_candidates_plot_and_use_nose_asserts(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        locked("import matplotlib.pyplot as plt\nfrom nose.tools import assert_equal", "setup"),
        solution(
            "### BEGIN SOLUTION\nplt.plot([0, 1, 2], [0, 1, 4])\nplt.title('squares')\n"
            "### END SOLUTION",
            "plot",
        ),
        graded(
            "ax = plt.gca()\nassert_equal(ax.get_title(), 'squares')\n"
            "assert_equal(ax.lines[0].get_xydata().tolist(), [[0, 0], [1, 1], [2, 4]])\n"
            "assert len(plt.get_fignums()) == 1\nplt.close('all')\n"
            "assert plt.get_fignums() == []",
            "reads_plot",
        ),
    )
    assert outcome(run(sandboxes, grader)) == {"reads_plot": "passed"}
    wrong = run(sandboxes, grader, plot="plt.plot([0, 1], [0, 1])\nplt.title('squares')")
    assert outcome(wrong) == {"reads_plot": "failed"}


def test_grader_files_are_readable_and_not_writable(
    sandboxes: PooledSandboxes, tmp_path: Any
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text("region,amount\nnorth,3\nsouth,4\n")
    grader = nbgrader(
        locked("import pandas as pd\nsales = pd.read_csv('data/sales.csv')", "setup"),
        solution("### BEGIN SOLUTION\ntotal = int(pd.read_csv('data/sales.csv').amount.sum())\n"
                 "### END SOLUTION", "total"),
        graded("assert total == sales.amount.sum() == 7", "sums"),
        graded("import os\nassert open('data/sales.csv').read().startswith('region')", "judge"),
    )  # fmt: skip
    path = tmp_path / "sales.ipynb"
    path.write_bytes(dump(grader))
    spec = load_grader(path)
    assert [name for name, _ in spec.files] == ["data/sales.csv"]
    answer = json.loads(json.dumps(grader))
    answer["cells"][1]["source"] = (
        "total = int(pd.read_csv('data/sales.csv').amount.sum())\n"
        "try:\n    open('data/sales.csv', 'w').write('region,amount\\nnorth,100\\n')\n"
        "except OSError:\n    pass\n"
    )
    result = grade(spec, Submission(dump(answer), "a.ipynb"), sandboxes, limits=LIMITS)
    assert outcome(result) == {"sums": "passed", "judge": "passed"}, [
        t.staff.message for t in result.tests
    ]


def test_tests_pass_their_own_functions_into_candidate_code(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        solution(
            "### BEGIN SOLUTION\n"
            "def integrate(f, a, b, n=1000):\n"
            "    h = (b - a) / n\n"
            "    return h * (f(a) / 2 + sum(f(a + i * h) for i in range(1, n)) + f(b) / 2)\n"
            "def apply_all(functions, x):\n    return [f(x) for f in functions]\n"
            "### END SOLUTION",
            "answer",
        ),
        graded("assert abs(integrate(lambda x: x ** 2, 0, 1) - 1 / 3) < 1e-4", "integral"),
        graded(
            "def boom(x):\n    raise ValueError('grader says no')\n"
            "assert apply_all([abs, lambda x: -x], -2) == [2, 2]\n"
            "try:\n    apply_all([boom], 1)\nexcept ValueError as exc:\n"
            "    assert 'grader says no' in str(exc)\n"
            "else:\n    raise AssertionError('the error should reach the test')",
            "callbacks",
        ),
    )
    result = run(sandboxes, grader)
    assert outcome(result) == {"integral": "passed", "callbacks": "passed"}, [
        t.staff.message for t in result.tests
    ]


def test_a_syntax_error_fails_only_what_needs_that_cell(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        solution(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", "d"
        ),
        graded("assert double(2) == 4", "t_double"),
        solution(
            "def triple(x):\n    ### BEGIN SOLUTION\n    return 3 * x\n    ### END SOLUTION", "t"
        ),
        graded("assert triple(2) == 6", "t_triple"),
    )
    # nbgrader's own stub of an indented solution is one such error.
    result = run(sandboxes, grader, t="def triple(x):\n      return 3 * x\n    pass\n")
    assert outcome(result) == {"t_double": "passed", "t_triple": "error"}, result.message
    assert result.total == 1
    assert "SyntaxError" in result.message or "IndentationError" in result.message


def test_the_cell_after_an_error_always_runs(sandboxes: PooledSandboxes) -> None:
    """An answer left raising NotImplementedError must not make the kernel drop the next cell
    (ipykernel's stop_on_error aborts requests that arrive while it recovers)."""
    grader = nbgrader(
        solution("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "a"),
        solution("### BEGIN SOLUTION\ny = 2\n### END SOLUTION", "b"),
        locked("z = 3", "c"),
        graded("assert y == 2 and z == 3", "t"),
    )
    for _ in range(4):  # the race was lost about one time in four
        result = run(sandboxes, grader, a="raise NotImplementedError()")
        assert outcome(result) == {"t": "passed"}, result.message


def test_a_solution_function_reads_a_global_the_test_just_set(sandboxes: PooledSandboxes) -> None:
    grader = nbgrader(
        solution(
            "def scaled():\n    ### BEGIN SOLUTION\n    return K * 2\n    ### END SOLUTION", "s"
        ),
        graded("K = 3\nassert scaled() == 6\nK = 5\nassert scaled() == 10", "t"),
    )
    result = run(sandboxes, grader)
    assert outcome(result) == {"t": "passed"}, result.tests[0].message
    # A candidate who hard-codes an answer still fails the second check.
    result = run(sandboxes, grader, s="def scaled():\n    return 6\n")
    assert outcome(result) == {"t": "failed"}
