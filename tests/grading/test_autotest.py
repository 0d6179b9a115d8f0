"""nbgrader's `### AUTOTEST` and `### HASHED AUTOTEST` directives (issue 13 cause 5): read by
load_grader without a sandbox, instantiated by running the grader's solution, and graded as
nbgrader grades them.

The corpus is tests/grading/autotest_notebooks/: `values/values.ipynb` (the built-in templates
on ints, floats, bools, strings, lists, dicts, numpy arrays and function calls, with a directive
inside a hidden block) and `custom/rounding.ipynb` (an nbformat 4.4 notebook with a `python`
kernel and the course's own autotests.yml beside it; a test cell defines a name that a later
solution uses). `submissions/` holds nbgrader's release notebooks with the answers filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hirebench.grading.formats import GraderError, load_grader
from hirebench.grading.formats.autotest import (
    Autotest,
    TemplatesError,
    builtin_templates_text,
    find_autotests,
    parse_templates,
)
from tests.grading import dump, native, nbgrader, nbgrader_cell, setup, solution, test

CORPUS = Path(__file__).resolve().parent / "autotest_notebooks"
VALUES = CORPUS / "values" / "values.ipynb"
CUSTOM = CORPUS / "custom" / "rounding.ipynb"


def grader_with(test_source: str, **flags: Any) -> dict[str, Any]:
    return nbgrader(
        nbgrader_cell("### BEGIN SOLUTION\nx = 3\n### END SOLUTION", "answer", solution=True),
        nbgrader_cell(test_source, "check_x", grade=True, points=1, **flags),
    )


def problems_of(notebook: dict[str, Any]) -> list[str]:
    with pytest.raises(GraderError) as caught:
        load_grader(dump(notebook))
    return [str(problem) for problem in caught.value.problems]


# ------------------------------------------------------------------------- directives


def test_directives_are_found_with_their_snippets_line_and_hash_flag() -> None:
    source = "\n".join(
        [
            "x = 1",
            "### AUTOTEST a; b.c ;",
            '    # HASHED AUTOTEST f(1, "s");; g',
            "y = 'AUTOTEST'  # not a comment line, so not a directive",
            "## AUTOTEST",
        ]
    )
    assert find_autotests(source) == (
        Autotest(2, ("a", "b.c"), hashed=False),
        Autotest(3, ('f(1, "s")', "g"), hashed=True),
        Autotest(5, (), hashed=False),
    )
    assert str(find_autotests(source)[1]) == 'line 3: HASHED AUTOTEST f(1, "s"); g'


def test_a_test_cell_of_directives_only_loads_with_them_pending() -> None:
    spec = load_grader(VALUES)
    assert spec.pending_autotests and spec.autotest_templates == ""
    ages = next(t for t in spec.tests if t.id == "test_ages")
    assert ages.autotests == (
        Autotest(2, ("ages",), hashed=False),
        Autotest(4, ('ages["ann"]', "sorted(ages)"), hashed=True),
    )
    assert ages.cell_source.startswith("assert len(ages) > 0\n### AUTOTEST ages\n### BEGIN HIDDEN")
    assert ages.hidden and "ann" not in ages.visible_source
    only = next(t for t in spec.tests if t.id == "test_responses")
    # Directives count as code: the test is not empty, and its visible part is kept.
    assert only.source == only.visible_source == "### AUTOTEST responses"
    assert not load_grader(dump(grader_with("assert x == 3"))).pending_autotests


def test_misplaced_and_malformed_directives_are_problems() -> None:
    notebook = nbgrader(
        nbgrader_cell("import math\n### AUTOTEST math.pi", "helpers", locked=True),
        nbgrader_cell("x = 3\n# AUTOTEST x", "answer", solution=True),
        nbgrader_cell("### AUTOTEST x +\n### HASHED AUTOTEST ;", "check_x", grade=True, points=1),
    )
    assert problems_of(notebook) == [
        "cell 0, line 2: AUTOTEST directives belong in test cells",
        "cell 1, line 2: AUTOTEST directives belong in test cells",
        "cell 2, line 1: AUTOTEST snippet 'x +' is not a Python expression",
        "cell 2, line 2: AUTOTEST directive names no expression to test",
    ]


def test_native_test_cells_take_directives_too() -> None:
    spec = load_grader(dump(native(setup("N = 2"), solution("y = N * 2"), test("### AUTOTEST y"))))
    assert spec.tests[0].autotests == (Autotest(1, ("y",), hashed=False),)


# -------------------------------------------------------------------------- templates


def test_a_course_autotests_yml_beside_the_notebook_is_used() -> None:
    spec = load_grader(CUSTOM)
    assert spec.kernel == "python"
    assert spec.autotest_templates == (CORPUS / "custom" / "autotests.yml").read_text()
    templates = parse_templates(spec.autotest_templates, spec.kernel)
    assert templates.check == "assert {{snippet}} == '{{value}}', '{{message}}'"
    assert [c.test for c in templates.checks_for("float")] == ["round({{snippet}}, 1)"]
    assert templates.checks_for("no.such.Type") == templates.checks["default"]


def test_bad_course_templates_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "grader.ipynb"
    path.write_bytes(dump(grader_with("### HASHED AUTOTEST x")))
    (tmp_path / "autotests.yml").write_text("python3: [unclosed")
    with pytest.raises(GraderError, match="is not valid YAML"):
        load_grader(path)
    (tmp_path / "autotests.yml").write_text(
        "ir:\n  dispatch: 'class({{snippet}})'\n  normalize: x\n  check: x\n"
        "  templates: {default: [{test: x, fail: y}]}\n"
    )
    with pytest.raises(GraderError, match="no section for the kernel 'python3'"):
        load_grader(path)
    (tmp_path / "autotests.yml").write_text(
        "python3:\n  dispatch: 'type({{snippet}})'\n  normalize: 'str({{snippet}})'\n"
        "  check: 'assert {{snippet}} == \"{{value}}\"'\n"
        "  templates: {default: [{test: '{{snippet}}', fail: wrong}]}\n"
    )
    with pytest.raises(GraderError) as caught:
        load_grader(path)
    assert [str(p) for p in caught.value.problems] == [
        "cell 1, line 1: HASHED AUTOTEST needs a 'hash' template in autotests.yml"
    ]
    path.write_bytes(dump(grader_with("### AUTOTEST x")))  # no hashing: the file is fine
    assert load_grader(path).autotest_templates.startswith("python3:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "must map kernel names"),
        ("python3: {normalize: x, check: y, templates: {default: []}}", "dispatch must be"),
        (
            "python3: {dispatch: d, normalize: x, check: y, templates: {int: []}}",
            "and include 'default'",
        ),
        (
            "python3: {dispatch: d, normalize: x, check: y, templates: {default: [{test: t}]}}",
            "needs a 'test' and a 'fail'",
        ),
    ],
)
def test_malformed_templates_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(TemplatesError, match=message):
        parse_templates(text, "python3")


# The checks of nbgrader 0.9's default autotests.yml (its user guide's copy, which has the
# DataFrame entry), per dispatch type: the built-in templates must compute the same values.
NBGRADER_CHECKS = {
    "default": ["type({{snippet}})", "{{snippet}}"],
    "int": ["type({{snippet}})", "{{snippet}}"],
    "float": ["type({{snippet}})", "round({{snippet}}, 2)"],
    "set": ["type({{snippet}})", "len({{snippet}})", "{{snippet}}"],
    "list": [
        "type({{snippet}})",
        "len({{snippet}})",
        "sorted(map(str, {{snippet}}))",
        "{{snippet}}",
    ],
    "tuple": [
        "type({{snippet}})",
        "len({{snippet}})",
        "sorted(map(str, {{snippet}}))",
        "{{snippet}}",
    ],
    "str": ["type({{snippet}})", "len({{snippet}})", "{{snippet}}.lower()", "{{snippet}}"],
    "dict": [
        "type({{snippet}})",
        "len(list({{snippet}}.keys()))",
        "sorted(map(str, {{snippet}}.keys()))",
        "sorted(map(str, {{snippet}}.values()))",
        "{{snippet}}",
    ],
    "bool": ["type({{snippet}})", "{{snippet}}"],
    "type": ["{{snippet}}"],
    "pandas.core.frame.DataFrame": [
        "type({{snippet}})",
        "{{snippet}}.reindex(sorted({{snippet}}.columns), axis=1)",
    ],
}


@pytest.mark.parametrize("kernel", ["python3", "python", "rt_grader"])
def test_builtin_templates_compute_what_nbgrader_defaults_compute(kernel: str) -> None:
    templates = parse_templates("", kernel)
    assert parse_templates(builtin_templates_text(), kernel) == templates
    assert {key: [c.test for c in checks] for key, checks in templates.checks.items()} == (
        NBGRADER_CHECKS
    )
    assert templates.dispatch == "type({{snippet}})"
    assert templates.normalize == "str({{snippet}})"
    assert templates.hash == 'sha1({{snippet}}.encode("utf-8")+b"{{salt}}").hexdigest()'
    assert templates.setup == "from hashlib import sha1"
    assert templates.check == 'assert {{snippet}} == """{{value}}""", """{{message}}"""'
    assert templates.success == "print('Success!')"
    assert all("{{snippet}}" in c.fail for checks in templates.checks.values() for c in checks)
