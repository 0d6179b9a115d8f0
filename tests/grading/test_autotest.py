"""nbgrader's `### AUTOTEST` and `### HASHED AUTOTEST` directives (issue 13 cause 5): read by
load_grader without a sandbox, instantiated by running the grader's solution, and graded as
nbgrader grades them.

The corpus is tests/grading/autotest_notebooks/: `values/values.ipynb` (the built-in templates
on ints, floats, bools, strings, lists, dicts, numpy arrays and function calls, with a directive
inside a hidden block) and `custom/rounding.ipynb` (an nbformat 4.4 notebook with a `python`
kernel and the course's own autotests.yml beside it; a test cell defines a name that a later
solution uses) and `dispatch/shifts.ipynb` (a course autotests.yml whose dispatch is not
`type(...)`, on a class the notebook defines, a generator and plain data). `submissions/` holds
nbgrader's release notebooks with the answers filled in.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2.exceptions import SecurityError

from hirebench.grading import autotests
from hirebench.grading.formats import GraderError, GraderSpec, load_grader
from hirebench.grading.formats.autotest import (
    Autotest,
    TemplatesError,
    builtin_templates_text,
    find_autotests,
    parse_templates,
)
from hirebench.grading.formats.files import job_files
from hirebench.grading.pipeline import (
    PooledSandboxes,
    Submission,
    close_sandbox_provider,
    grade,
    run_steps,
)
from hirebench.grading.submission import Step, plan_submission
from hirebench.sandbox.limits import SandboxLimits
from tests.conftest import sandbox_containers
from tests.grading import dump, native, nbgrader, nbgrader_cell, setup, solution, test

CORPUS = Path(__file__).resolve().parent / "autotest_notebooks"
VALUES = CORPUS / "values" / "values.ipynb"
CUSTOM = CORPUS / "custom" / "rounding.ipynb"
DISPATCH = CORPUS / "dispatch" / "shifts.ipynb"
GRADERS = {"values": VALUES, "custom": CUSTOM, "dispatch": DISPATCH}


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


def test_a_stored_grader_gets_its_templates_back_from_bytes() -> None:
    stored = load_grader(CUSTOM)
    again = load_grader(CUSTOM.read_bytes(), autotest_templates=stored.autotest_templates)
    assert again.autotest_templates == stored.autotest_templates != ""
    assert load_grader(CUSTOM.read_bytes()).autotest_templates == ""  # no folder: built-in


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


# ------------------------------------------------------------------ instantiation, here


def run_here(steps: Sequence[Step]) -> dict[str, Any]:
    """The judge's report for steps run in this process, in one namespace as nbgrader's
    kernel has it: enough for the corpus's plain Python and numpy. The sandbox does it for
    real in the docker tests below."""
    namespace: dict[str, Any] = {}
    report: dict[str, Any] = {"cells": [], "tests": [], "kernel_alive": True}
    for step in steps:
        name = f"<test {step.test_id}>" if step.kind == "test" else f"<{step.label}>"
        error: BaseException | None = None
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(step.source, name, "exec"), namespace)  # noqa: S102
        except Exception as exc:  # noqa: BLE001 - every failure is reported, as the judge does
            error = exc
        if step.kind != "test":
            status = "ok" if error is None else "error"
            report["cells"].append({"label": step.label, "status": status, "error": repr(error)})
            continue
        entry: dict[str, Any] = {"id": step.test_id, "status": "passed", "message": ""}
        if error is not None:
            failed = isinstance(error, AssertionError)
            entry["status"] = "failed" if failed else "error"
            entry["message"] = f"{type(error).__name__}: {error}"
            entry["traceback"] = "".join(traceback.format_exception(error))
        elif step.capture:
            entry["captured"] = json.loads(json.dumps(namespace.get("__capture__")))
        report["tests"].append(entry)
    return report


class CountingRunner:
    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, steps: Sequence[Step]) -> dict[str, Any]:
        self.runs += 1
        return run_here(steps)


@pytest.fixture(autouse=True)
def fresh_memory_cache() -> Iterator[None]:
    autotests.clear_memory_cache()
    yield
    autotests.clear_memory_cache()


def release_checks(folder: str) -> dict[str, list[tuple[str, str]]]:
    """nbgrader's generated test cells (its release notebook, hidden parts removed), each as
    (line, value) pairs with salts and hashes masked and failure messages left out."""
    release = json.loads((CORPUS / "submissions" / f"{folder}-blank.ipynb").read_text())
    return {
        cell["metadata"]["nbgrader"]["grade_id"]: masked("".join(cell["source"]))
        for cell in release["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade")
    }


def masked(source: str) -> list[tuple[str, str]]:
    lines = []
    for line in source.split("\n"):
        node = ast.parse(line).body[0] if line.startswith("assert ") else None
        test = node.test if isinstance(node, ast.Assert) else None
        right = test.comparators[0] if isinstance(test, ast.Compare) else None
        if not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
            lines.append((line, ""))  # not a generated check: compared as it is
            continue
        assert isinstance(test, ast.Compare)
        left = test.left
        for sub in ast.walk(left):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, bytes):
                sub.value = b"salt"
        hashed = re.fullmatch(r"[0-9a-f]{16,40}", right.value) and "salt" in ast.unparse(left)
        lines.append((ast.unparse(left), "<hash>" if hashed else right.value))
    return lines


@pytest.mark.parametrize(("folder", "notebook"), list(GRADERS.items()))
def test_instantiated_tests_are_the_asserts_nbgrader_generates(folder: str, notebook: Path) -> None:
    spec = autotests.instantiate(load_grader(notebook), run_here)
    assert not spec.pending_autotests
    ours = {t.id: masked(t.visible_source) for t in spec.tests if t.visible_source}
    assert ours == release_checks(folder)


def test_generated_source_replaces_each_directive_in_place() -> None:
    spec = autotests.instantiate(load_grader(VALUES), run_here)
    ages = next(t for t in spec.tests if t.id == "test_ages")
    lines = ages.source.split("\n")
    assert lines[:3] == [
        "assert len(ages) > 0",
        "from hashlib import sha1",
        '''assert str(type(ages)) == """<class 'dict'>""", """ages should be a dict"""''',
    ]
    assert lines[-1] == "print('Success!')" and lines.count("from hashlib import sha1") == 1
    # The hidden directive's asserts are in the full source only, hashed with one salt per
    # snippet; the cell's markers are kept so the split stays where the author put it.
    hidden = [line for line in lines if line.startswith('assert sha1(str(type(ages["ann"])')]
    hidden += [line for line in lines if line.startswith('assert sha1(str(ages["ann"])')]
    assert len(hidden) == 2 and 'ages["ann"]' not in ages.visible_source
    assert len({re.search(r'b"(\w+)"', line).group(1) for line in hidden}) == 1  # type: ignore[union-attr]
    assert "### BEGIN HIDDEN TESTS" in ages.cell_source and "AUTOTEST" not in ages.cell_source
    cell = next(c for c in spec.cells if c.index == ages.cell_index)
    assert cell.source == ages.source
    # Everything else about the spec is unchanged, and instantiating again is a no-op.
    assert [t.points for t in spec.tests] == [t.points for t in load_grader(VALUES).tests]
    assert autotests.instantiate(spec, run_here) is spec


def test_a_wholly_hidden_test_stays_hidden() -> None:
    notebook = grader_with("### HASHED AUTOTEST x")
    notebook["cells"][1]["metadata"]["hirebench"] = {"hidden": True}
    spec = autotests.instantiate(load_grader(dump(notebook)), run_here)
    assert spec.tests[0].hidden and spec.tests[0].visible_source == ""
    assert spec.tests_for("visible") == []
    assert "sha1(str(type(x))" in spec.tests[0].source


# Scores nbgrader 0.9.6 gave the corpus, from
#   PATH=/tmp/nbg-D/bin:$PATH /tmp/nbg-D/bin/python \
#       tests/grading/autotest_notebooks/nbgrader_scores.py
# (nbgrader generate_assignment, then autograde of submissions/*.ipynb; see that script).
# `dispatch` was added later, by the same script in a fresh venv:
#   python3 -m venv /tmp/nbg-H && /tmp/nbg-H/bin/pip install nbgrader==0.9.6
#   PATH=/tmp/nbg-H/bin:$PATH /tmp/nbg-H/bin/python \
#       tests/grading/autotest_notebooks/nbgrader_scores.py dispatch
NBGRADER_SCORES: dict[str, dict[str, dict[str, float]]] = {
    "values": {
        "correct": {
            "test_ages": 2.0,
            "test_closed": 1.0,
            "test_finished_share": 1.0,
            "test_grid": 2.0,
            "test_mean_length": 2.0,
            "test_owner": 2.0,
            "test_responses": 1.0,
            "test_scores": 1.0,
        },
        "wrong": {
            "test_ages": 0.0,
            "test_closed": 0.0,
            "test_finished_share": 1.0,
            "test_grid": 2.0,
            "test_mean_length": 0.0,
            "test_owner": 0.0,
            "test_responses": 0.0,
            "test_scores": 0.0,
        },
        "blank": {
            "test_ages": 0.0,
            "test_closed": 0.0,
            "test_finished_share": 0.0,
            "test_grid": 0.0,
            "test_mean_length": 0.0,
            "test_owner": 0.0,
            "test_responses": 0.0,
            "test_scores": 0.0,
        },
    },
    "custom": {
        "correct": {"test_sample": 1.0, "test_speed": 2.0},
        "wrong": {"test_sample": 0.0, "test_speed": 2.0},
        "blank": {"test_sample": 0.0, "test_speed": 0.0},
    },
    # Its wrong answer: Span's ends and repr are right but its length() is not, running_max is
    # right in its own way, `late` keeps 11.0.
    "dispatch": {
        "correct": {"test_running_max": 1.0, "test_span": 2.0, "test_summary": 2.0},
        "wrong": {"test_running_max": 1.0, "test_span": 0.0, "test_summary": 0.0},
        "blank": {"test_running_max": 0.0, "test_span": 0.0, "test_summary": 0.0},
    },
}
CASES = [(folder, variant) for folder in NBGRADER_SCORES for variant in NBGRADER_SCORES[folder]]


def submission_bytes(folder: str, variant: str) -> bytes:
    return (CORPUS / "submissions" / f"{folder}-{variant}.ipynb").read_bytes()


@pytest.mark.parametrize(("folder", "variant"), CASES)
def test_scores_here_match_nbgrader(folder: str, variant: str) -> None:
    spec = autotests.instantiate(load_grader(GRADERS[folder]), run_here)
    plan = plan_submission(spec, submission_bytes(folder, variant), "answer.ipynb")
    report = run_here(plan.steps)
    points = {test.id: test.points for test in spec.tests}
    scores = {
        entry["id"]: points[entry["id"]] if entry["status"] == "passed" else 0.0
        for entry in report["tests"]
    }
    assert scores == NBGRADER_SCORES[folder][variant]


# ------------------------------------------------------------------------ values as text

AWKWARD = [
    "plain",
    "it's",
    'say "hi"',
    "'quoted'",
    'ends with a quote"',
    "both ' and \"",
    'three """ quotes',
    "back\\slash \\n not a newline",
    "line\nbreak\ttab\r",
    "猫 and é and \x00 and \u200b",
    "",
]


@pytest.mark.parametrize(
    "check",
    [
        'assert {{snippet}} == """{{value}}""", """{{message}}"""',
        "assert {{snippet}} == '{{value}}', '{{message}}'",
        "assert {{snippet}} == '''{{ value }}'''",
        'assert {{snippet}} == "{{value}}"',
    ],
)
@pytest.mark.parametrize("value", AWKWARD)
def test_a_string_value_reads_back_exactly_whatever_the_quotes(check: str, value: str) -> None:
    text = autotests.value_text("str", value, autotests.value_quote(check))
    line = autotests._render(check, snippet="result", value=text, message="m")
    assert line.startswith("assert result == ")
    namespace = {"result": value}
    exec(compile(line, "<check>", "exec"), namespace)  # noqa: S102 - our own generated line


def test_unknown_quoting_escapes_both_quotes_and_values_of_other_types_go_as_repr() -> None:
    assert autotests.value_quote("assert {{snippet}} == {{value}}") is None
    assert autotests.value_text("str", "a'b\"c", None) == "a\\'b\\\"c"
    assert autotests.value_text("repr", "[1, 'a']", None) == "[1, 'a']"
    assert autotests.value_text("repr", "'odd repr'", None) == "odd repr"  # as nbgrader strips
    assert autotests.value_text("repr", "3.5", '"') == "3.5"


def test_jinja_templates_render_as_jinja_and_plain_ones_the_same_way() -> None:
    assert autotests._render("str({{snippet}})\n", snippet="x") == "str(x)"
    assert autotests._render("{{ snippet | upper }}", snippet="x") == "X"
    assert autotests._render("{% if salt %}h({{snippet}}){% endif %}", snippet="x", salt="1") == (
        "h(x)"
    )
    assert autotests._render("a{{missing}}b", snippet="x") == "ab"
    with pytest.raises(SecurityError):  # a grader's template cannot reach the worker's Python
        autotests._render("{{ ''.__class__.__mro__[1].__subclasses__() }}")


def test_custom_normalize_that_keeps_values_as_they_are() -> None:
    text = (
        "python3:\n  dispatch: 'type({{snippet}})'\n  normalize: '{{snippet}}'\n"
        "  check: 'assert {{snippet}} == {{value}}, \"{{message}}\"'\n"
        "  templates:\n    default: [{test: '{{snippet}}', fail: 'wrong {{snippet}}'}]\n"
    )
    spec = replace(
        load_grader(dump(grader_with("### AUTOTEST [x, x * 2]"))), autotest_templates=text
    )
    spec = autotests.instantiate(spec, run_here)
    assert spec.tests[0].source == 'assert [x, x * 2] == [3, 6], "wrong [x, x * 2]"'


def course_templates(dispatch: str) -> str:
    return (
        f"python3:\n  dispatch: '{dispatch}'\n  normalize: 'str({{{{snippet}}}})'\n"
        '  check: \'assert {{snippet}} == "{{value}}", "{{message}}"\'\n'
        "  templates:\n"
        "    default: [{test: '{{snippet}}', fail: 'wrong {{snippet}}'}]\n"
        "    None: [{test: '{{snippet}} + 1', fail: 'wrong {{snippet}} + 1'}]\n"
        "    odd: [{test: '{{snippet}} % 2', fail: 'wrong parity of {{snippet}}'}]\n"
    )


def test_a_course_dispatch_is_any_expression_on_the_snippets_value() -> None:
    dispatch = '["even", "odd"][{{snippet}} % 2] if {{snippet}} > 0 else print({{snippet}})'
    loaded = load_grader(dump(grader_with("### AUTOTEST x; x - 5")))
    spec = autotests.instantiate(
        replace(loaded, autotest_templates=course_templates(dispatch)), run_here
    )
    # x is 3 ("odd"); x - 5 gives None, which IPython does not display: nbgrader then finds no
    # type and uses `default`, whatever the templates call None.
    assert spec.tests[0].source == (
        'assert str(x % 2) == "1", "wrong parity of x"\n\nassert str(x - 5) == "-2", "wrong x - 5"'
    )


def test_a_dispatch_that_is_not_an_expression_is_a_grader_problem() -> None:
    loaded = load_grader(dump(grader_with("### AUTOTEST x")))
    spec = replace(loaded, autotest_templates=course_templates("kind = type({{snippet}})"))
    with pytest.raises(GraderError) as caught:
        autotests.instantiate(spec, run_here)
    assert [str(p) for p in caught.value.problems] == [
        "autotests.yml: the dispatch 'kind = type({{snippet}})' is not a Python expression"
    ]


# ------------------------------------------------------------------------------- failures


def test_a_failing_snippet_is_a_grader_problem_at_its_directive() -> None:
    source = "assert x == 3\n### AUTOTEST x\n### HASHED AUTOTEST x; 1 / (x - 3); x"
    with pytest.raises(GraderError) as caught:
        autotests.instantiate(load_grader(dump(grader_with(source))), run_here)
    assert [str(p) for p in caught.value.problems] == [
        "cell 1, line 3: test check_x: AUTOTEST '1 / (x - 3)' failed with the grader's own "
        "solution: ZeroDivisionError: division by zero"
    ]


def test_a_failing_solution_is_a_grader_problem_at_its_cell() -> None:
    notebook = grader_with("y = x + 1\n### AUTOTEST y")
    notebook["cells"][0]["source"] = "### BEGIN SOLUTION\nx = undefined_name\n### END SOLUTION"
    with pytest.raises(GraderError) as caught:
        autotests.instantiate(load_grader(dump(notebook)), run_here)
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith(
        "cell 0: solution cell failed while the grader's solution ran to instantiate AUTOTEST "
        "directives: NameError"
    )
    assert problems[1].startswith(
        "cell 1, line 1: test check_x: failed with the grader's own solution while "
        "instantiating AUTOTEST: NameError"
    )


def test_a_report_without_the_values_is_refused() -> None:
    def no_capture(steps: Sequence[Step]) -> dict[str, Any]:
        report = run_here(steps)
        for entry in report["tests"]:
            entry["captured"] = [["int", [["str", "only one value"]]]]
        return report

    with pytest.raises(GraderError, match="the checks for 'int' did not all return a value"):
        autotests.instantiate(load_grader(dump(grader_with("### AUTOTEST x"))), no_capture)


# ---------------------------------------------------------------------------------- cache


def test_each_grader_is_instantiated_once_per_process() -> None:
    runner = CountingRunner()
    first = autotests.instantiate(load_grader(VALUES), runner)
    again = autotests.instantiate(load_grader(VALUES), runner)
    assert runner.runs == 1 and again == first
    autotests.instantiate(load_grader(CUSTOM), runner)
    assert runner.runs == 2


def test_the_cache_folder_keeps_instantiated_tests_across_processes(
    app: Flask, tmp_path: Path
) -> None:
    runner = CountingRunner()
    app.config["AUTOTEST_CACHE_DIR"] = str(tmp_path / "cache")
    with app.app_context():
        spec = load_grader(VALUES)
        first = autotests.instantiate(spec, runner)
        entry = tmp_path / "cache" / f"{autotests.cache_key(spec)}.json"
        assert entry.is_file()
        autotests.clear_memory_cache()  # as a new worker process starts
        assert autotests.instantiate(load_grader(VALUES), runner) == first
        assert runner.runs == 1
        entry.write_text("{ not json")  # a damaged entry is ignored and written again
        autotests.clear_memory_cache()
        assert autotests.instantiate(load_grader(VALUES), runner) == first
        assert runner.runs == 2 and json.loads(entry.read_text())["key"] == entry.stem
    del app.config["AUTOTEST_CACHE_DIR"]
    with app.app_context():
        assert autotests.cache_folder() == Path(app.instance_path) / "autotests"
    assert autotests.cache_folder() is None  # no app: memory only


def test_the_cache_key_follows_the_grader_and_its_templates() -> None:
    spec = load_grader(VALUES)
    key = autotests.cache_key(spec)
    assert autotests.cache_key(load_grader(VALUES)) == key
    assert autotests.cache_key(replace(spec, digest="0" * 64)) != key
    assert autotests.cache_key(replace(spec, autotest_templates="python3: {}")) != key


# ------------------------------------------------------------------------------------ CLI


def test_validate_lists_the_directives(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["grader", "validate", str(VALUES)])
    assert result.exit_code == 0, result.output
    assert f'{VALUES}: test test_ages (cell 10), line 4: HASHED AUTOTEST ages["ann"]; ' in (
        result.output
    )
    assert "as instantiated" not in result.output


def test_validate_reports_directive_problems(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_bytes(dump(grader_with("### AUTOTEST x ==")))
    result = app.test_cli_runner().invoke(args=["grader", "validate", "--instantiate", str(path)])
    assert result.exit_code == 1
    assert f"{path}: cell 1, line 1: AUTOTEST snippet 'x ==' is not a Python expression" in (
        result.output
    )


# ---------------------------------------------------------------------- the real sandbox

LIMITS = SandboxLimits(cell_timeout=10, wall_seconds=90)


@pytest.fixture(scope="module")
def sandboxes(docker_engine: object) -> Iterator[PooledSandboxes]:
    provider = PooledSandboxes(pool_size=2, limits=LIMITS)
    yield provider
    provider.close()
    assert sandbox_containers() == [], "sandboxes left behind"


def in_sandbox(sandboxes: PooledSandboxes, spec: GraderSpec) -> autotests.StepRunner:
    return lambda steps: run_steps(steps, sandboxes, LIMITS, job_files(spec))


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("folder", list(NBGRADER_SCORES))
def test_the_sandbox_grades_the_corpus_as_nbgrader(sandboxes: PooledSandboxes, folder: str) -> None:
    loaded = load_grader(GRADERS[folder])
    spec = autotests.instantiate(loaded, in_sandbox(sandboxes, loaded))
    # The judge computes the solution's values as this process does.
    autotests.clear_memory_cache()
    assert spec == autotests.instantiate(loaded, run_here)
    for variant, expected in NBGRADER_SCORES[folder].items():
        submission = Submission(submission_bytes(folder, variant), "answer.ipynb")
        result = grade(spec, submission, sandboxes, limits=LIMITS)
        assert {test.id: test.points for test in result.tests} == expected, variant
        assert result.total == sum(expected.values())


@pytest.mark.docker
@pytest.mark.slow
def test_a_solution_that_fails_in_the_sandbox_is_a_grader_problem(
    sandboxes: PooledSandboxes,
) -> None:
    spec = load_grader(dump(grader_with("### AUTOTEST x\n### HASHED AUTOTEST x.missing")))
    with pytest.raises(GraderError) as caught:
        autotests.instantiate(spec, in_sandbox(sandboxes, spec))
    [problem] = caught.value.problems
    assert (problem.cell, problem.line) == (1, 2)
    assert "AUTOTEST 'x.missing' failed with the grader's own solution: AttributeError" in (
        problem.message
    )


@pytest.mark.docker
@pytest.mark.slow
def test_validate_instantiate_prints_the_generated_tests(
    app: Flask, docker_engine: object, tmp_path: Path
) -> None:
    app.config["AUTOTEST_CACHE_DIR"] = str(tmp_path)
    try:
        with app.app_context():  # as the `hirebench` command runs it
            result = app.test_cli_runner().invoke(
                args=["grader", "validate", "--instantiate", str(CUSTOM)]
            )
    finally:
        close_sandbox_provider()
    assert result.exit_code == 0, result.output
    assert f"{CUSTOM}: test test_sample (cell 4) as instantiated:" in result.output
    assert f"{CUSTOM}:   assert repr(len(SAMPLE)) == '3', 'wrong value for len(SAMPLE)'" in (
        result.output
    )
    assert len(list(tmp_path.glob("*.json"))) == 1


@pytest.mark.docker
@pytest.mark.slow
def test_objects_left_in_the_kernel_dispatch_on_their_own_type(
    sandboxes: PooledSandboxes, tmp_path: Path
) -> None:
    (tmp_path / "autotests.yml").write_text(
        builtin_templates_text().replace(
            "    type:\n",
            "    __main__.Point:\n      - test: '{{snippet}}.x'\n        fail: 'x of {{snippet}}'\n"
            "    type:\n",
        )
    )
    path = tmp_path / "points.ipynb"
    point = "class Point:\n    def __init__(self, x):\n        self.x = x\n"
    path.write_bytes(
        dump(
            nbgrader(
                nbgrader_cell(
                    f"### BEGIN SOLUTION\n{point}p = Point(4)\n### END SOLUTION", "a", solution=True
                ),
                nbgrader_cell("### AUTOTEST p", "check_p", grade=True, points=1),
            )
        )
    )
    spec = load_grader(path)
    spec = autotests.instantiate(spec, in_sandbox(sandboxes, spec))
    assert spec.tests[0].source.split("\n")[1] == ('assert str(p.x) == """4""", """x of p"""')


@pytest.mark.docker
@pytest.mark.slow
def test_a_course_dispatch_runs_in_the_kernel_on_objects_left_there(
    sandboxes: PooledSandboxes,
) -> None:
    """shifts.ipynb's dispatch, `{{snippet}}.__class__.__name__`, names a Span only where the
    Span lives, in the kernel: evaluated on the judge's side it named the reference, the
    default checks (class name and repr) were generated, and a Span whose length() is wrong
    passed them."""
    loaded = load_grader(DISPATCH)
    spec = autotests.instantiate(loaded, in_sandbox(sandboxes, loaded))
    assert {t.id: masked(t.visible_source) for t in spec.tests} == release_checks("dispatch")
    submission = Submission(submission_bytes("dispatch", "wrong"), "answer.ipynb")
    span = next(t for t in grade(spec, submission, sandboxes, limits=LIMITS).tests)
    assert (span.id, span.points) == ("test_span", 0.0)
    assert "Span(8, 12) has the wrong length" in span.message


# ----------------------------------------------------------------------------------- docs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "grader-notebook.md"


def test_the_docs_example_instantiates_as_shown() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## nbgrader AUTOTEST") :]
    section = section[: section.index("\n## ")]
    notebook = re.findall(r"```json\n(.*?)```", section, re.S)[0]
    shown = re.findall(r"```python\n(.*?)\n```", section, re.S)[-1]
    spec = autotests.instantiate(load_grader(notebook), run_here)
    assert spec.tests[0].visible_source == shown
    lenient = "def word_counts(text):\n    return {w: text.split().count(w) for w in text.split()}"
    plan = plan_submission(spec, lenient.encode(), "answer.py")
    [entry] = run_here(plan.steps)["tests"]
    # Right on the visible sentence, which is lower-case; the hidden "A a B" catches it.
    assert entry["status"] == "failed" and "len(word_counts" in entry["message"]
