"""Graders name a library set and import only what it has (grading/formats/libraries.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hirebench.grading.cli import grader_group
from hirebench.grading.formats import GraderError, Problem, load_grader
from hirebench.grading.formats.libraries import (
    LibrarySetError,
    imported_modules,
    library_problems,
    library_sets,
    parse_library_sets,
    shipped_modules,
)
from tests.grading import dump, markdown, native, nbgrader, nbgrader_cell, setup, solution, test

CURRENT = library_sets().current


ProblemsOf = Callable[[dict[str, Any]], list[str]]


@pytest.fixture
def problems_of(tmp_path: Path) -> ProblemsOf:
    """Problems as an author sees them: the grader read with its folder (here an empty one),
    as validate and the exam import read it."""
    folder = tmp_path / "empty"
    folder.mkdir()

    def problems(notebook: dict[str, Any]) -> list[str]:
        try:
            load_grader(dump(notebook), files_from=folder)
        except GraderError as exc:
            return [str(problem) for problem in exc.problems]
        return []

    return problems


def grader(*cells: Any, **settings: Any) -> dict[str, Any]:
    return native(*cells, **settings)


def missing(module: str, version: str = CURRENT) -> str:
    return f"imports {module}, which the sandbox image (libraries {version}) does not have"


def test_set_libraries_and_stdlib_load(problems_of: ProblemsOf) -> None:
    notebook = grader(
        markdown("# Plots"),
        setup(
            "%matplotlib inline\nimport numpy as np\nimport pandas as pd\n"
            "import matplotlib.pyplot as plt\nfrom mpl_toolkits.mplot3d import Axes3D\n"
            "from scipy import stats\nimport sklearn.linear_model\nimport os, json, collections\n"
            "from IPython.display import display"
        ),
        solution("def area(r):\n    return np.pi * r ** 2"),
        test("from nose.tools import assert_almost_equal\nassert_almost_equal(area(1), np.pi)"),
    )
    assert problems_of(notebook) == []


def test_unknown_module_in_a_test_cell_names_cell_and_line(problems_of: ProblemsOf) -> None:
    notebook = grader(
        markdown("# Plots"),
        setup("import pandas as pd"),
        solution("x = 1"),
        test("import seaborn as sns\nassert x == 1"),
    )
    assert problems_of(notebook) == [f"cell 3, line 1: {missing('seaborn')}"]


def test_solution_cells_count_and_a_module_shows_once_per_cell(problems_of: ProblemsOf) -> None:
    notebook = grader(
        setup("x = 1"),
        solution(
            "import numpy as np\n### BEGIN SOLUTION\nimport torch\nimport torch.nn as nn\n"
            "import statsmodels.api as sm\n### END SOLUTION"
        ),
        test("assert x == 1"),
    )
    assert problems_of(notebook) == [
        f"cell 1, line 3: {missing('torch')}",
        f"cell 1, line 5: {missing('statsmodels')}",
    ]


def test_nbgrader_notebooks_are_checked_too(problems_of: ProblemsOf) -> None:
    notebook = nbgrader(
        nbgrader_cell("import requests", "setup", locked=True),
        nbgrader_cell(
            "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
            "f",
            solution=True,
        ),
        nbgrader_cell("assert f() == 1", "test_f", grade=True, locked=True, points=1),
    )
    assert problems_of(notebook) == [f"cell 0, line 1: {missing('requests')}"]


def test_stdlib_parts_the_image_lacks_are_reported(problems_of: ProblemsOf) -> None:
    notebook = grader(setup("import tkinter"), solution("x = 1"), test("assert x"))
    assert problems_of(notebook) == [f"cell 0, line 1: {missing('tkinter')}"]


def test_optional_and_relative_imports_are_not_reported() -> None:
    source = (
        "try:\n    import seaborn\nexcept ImportError:\n    seaborn = None\n"
        "try:\n    import tqdm\nexcept (ValueError, ModuleNotFoundError):\n    pass\n"
        "from . import sibling\n"
        "try:\n    import plotly\nfinally:\n    pass\n"
    )
    assert imported_modules(source) == [(11, "plotly")]


def test_imports_inside_functions_count_and_fragments_are_read_line_by_line() -> None:
    assert imported_modules("def f():\n    import xgboost\n    return 1") == [(2, "xgboost")]
    fragment = "import numpy as np\nfrom polars import col\ndef answer(:\n    pass"
    assert imported_modules(fragment) == [(1, "numpy"), (2, "polars")]
    assert imported_modules("%%bash\nimport this is not python") == []


def test_a_stored_grader_re_read_from_its_bytes_is_not_refused(problems_of: ProblemsOf) -> None:
    """Exams re-read graders they validated on import; a later image must not fail them."""
    notebook = grader(
        setup("import seaborn"), solution("x = 1"), test("assert x"), libraries="2019.01"
    )
    assert load_grader(dump(notebook)).tests[0].id == "t1"
    assert len(problems_of(notebook)) == 2


def test_grader_can_name_the_current_set(problems_of: ProblemsOf) -> None:
    notebook = grader(setup("import numpy"), solution("x = 1"), test("assert x"), libraries=CURRENT)
    assert problems_of(notebook) == []


def test_unknown_set_is_reported_and_imports_are_still_checked(problems_of: ProblemsOf) -> None:
    notebook = grader(
        setup("import seaborn"), solution("x = 1"), test("assert x"), libraries="2019.01"
    )
    assert problems_of(notebook) == [
        f"metadata.hirebench.libraries names library set '2019.01', which the sandbox image "
        f"does not have (it has {CURRENT})",
        f"cell 0, line 1: {missing('seaborn')}",
    ]


def test_set_version_must_be_a_string(problems_of: ProblemsOf) -> None:
    notebook = grader(setup("x = 1"), solution("y = 1"), test("assert y"), libraries=2026.12)
    (problem,) = problems_of(notebook)
    assert problem.startswith("metadata.hirebench.libraries must be a string naming a library")


def test_an_older_set_checks_against_its_own_libraries() -> None:
    text = f"""{{
      "current": "2030.01",
      "sets": {{
        "2030.01": {{"python": "3.11", "stdlib_missing": [], "libraries": [
            {{"name": "numpy", "version": "2.0", "modules": ["numpy"]}},
            {{"name": "polars", "version": "1.0", "modules": ["polars"]}}]}},
        "{CURRENT}": {{"python": "3.11", "stdlib_missing": ["tkinter"], "libraries": [
            {{"name": "numpy", "version": "2.0", "modules": ["numpy"]}}]}}
      }}
    }}"""
    sets = parse_library_sets(text)
    cell = {"cell_type": "code", "source": "import polars\nimport tkinter", "metadata": {}}
    old = {"metadata": {"hirebench": {"libraries": CURRENT}}, "cells": [cell]}
    assert library_problems(old, sets=sets) == [
        Problem(missing("polars"), 0, 1),
        Problem(missing("tkinter"), 0, 2),
    ]
    new = {"metadata": {}, "cells": [cell]}
    assert library_problems(new, sets=sets) == []  # the current set has polars; tkinter is in


def test_helper_modules_shipped_with_the_grader_are_importable(tmp_path: Path) -> None:
    folder = tmp_path / "assignment"
    (folder / "utils").mkdir(parents=True)
    (folder / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (folder / "utils" / "__init__.py").write_text("")
    (folder / "data.csv").write_text("a,b\n1,2\n")
    notebook = grader(
        setup("import helpers\nfrom utils import thing\nimport seaborn"),
        solution("x = helpers.double(1)"),
        test("assert x == 2"),
    )
    path = folder / "grader.ipynb"
    path.write_bytes(dump(notebook))
    result = CliRunner().invoke(grader_group, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"{path}: cell 0, line 3: {missing('seaborn')}"]
    assert shipped_modules(["helpers.py", "utils/__init__.py", "data.csv", "data/x.csv"]) == {
        "helpers",
        "utils",
        "data",
    }


def test_malformed_set_file_says_where() -> None:
    with pytest.raises(LibrarySetError, match="current set '9' is not among its sets"):
        parse_library_sets('{"current": "9", "sets": {}}')
    bad = '{"current": "1", "sets": {"1": {"python": "3.11", "stdlib_missing": [], '
    with pytest.raises(LibrarySetError, match=r"sets\['1'\]\.libraries\[0\]\.modules"):
        parse_library_sets(bad + '"libraries": [{"name": "x", "version": "1"}]}}}')
