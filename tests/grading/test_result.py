from __future__ import annotations

import copy
import json
import re
from types import SimpleNamespace
from typing import Any, cast

import jsonschema
import pytest
from flask.testing import FlaskCliRunner

from hirebench import cli
from hirebench.grading.pipeline import score
from hirebench.grading.result import (
    RESULT_SCHEMA,
    TEST_OUTPUT_LIMIT,
    TRACEBACK_LIMIT,
    GradeResult,
    JudgeError,
    ResultStatus,
    RunStaffDetail,
    StaffDetail,
    TestResult,
    TestStatus,
    candidate_result,
    lighter,
    trim_traceback,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.sandbox.report import TEST_OUTPUT_MAX, TEST_TRACEBACK_MAX, ReportError, check_report


def test_documented_example_matches_schema() -> None:
    doc = (PROJECT_ROOT / "docs" / "result-json.md").read_text()
    match = re.search(r"```json\n(.*?)```", doc, re.S)
    assert match
    example = json.loads(match.group(1))
    jsonschema.validate(example, RESULT_SCHEMA)
    assert example["tests"][1]["message"] == "hidden test: failed"


def test_results_serialise_to_the_schema() -> None:
    result = GradeResult(
        status=ResultStatus.graded,
        total=1,
        max_total=2,
        message="",
        mode="visible",
        tests=[
            TestResult(id="a", points=1, max_points=1, status=TestStatus.passed),
            TestResult(
                id="b", points=0, max_points=1, status=TestStatus.timeout, message="x" * 5000
            ),
        ],
    )
    data = result.to_json()
    jsonschema.validate(data, RESULT_SCHEMA)
    assert len(data["tests"][1]["message"]) == 500
    assert data["tests"][1]["message"].endswith("[5000 characters in all]")
    failure = GradeResult.failure("grader broken", max_total=3).to_json()
    jsonschema.validate(failure, RESULT_SCHEMA)
    assert failure["status"] == "error" and failure["total"] == 0


# ------------------------------------------------------------------------------ staff detail

HIDDEN_LINE = "assert dedupe(ORDERS_7Q) == EXPECTED_7Q"  # what a hidden test checks
JUDGE_FRAME = '  File "/opt/hirebench/runner/judge.py", line 431, in run_test\n    exec(code)\n'
SETUP_FRAME = '  File "<setup 1>", line 4, in helper\n    return GRADER_ONLY_TABLE[key]\n'


def _traceback(test_id: str, line: str, error: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        + JUDGE_FRAME
        + f'  File "<test {test_id}>", line 2, in <module>\n    {line}\n           ^^^^^^\n'
        + SETUP_FRAME
        + f"{error}\n"
    )


def _entry(test_id: str, status: str, message: str, line: str = "check()") -> dict[str, Any]:
    return {
        "id": test_id,
        "status": status,
        "message": message,
        "seconds": 0.01,
        "output": f"printed by {test_id}\n",
        "traceback": _traceback(test_id, line, message),
    }


def test_a_hidden_test_keeps_everything_for_staff_and_only_the_kind_for_the_candidate() -> None:
    entry = _entry("dedupe", "error", "TypeError: unhashable type: 'list'", HIDDEN_LINE)
    test = TestResult.from_report(entry, 2.0, hidden=True, redact=True)
    assert test.message == "hidden test: error (TypeError)"
    assert test.output == "" and test.traceback == "" and test.points == 0
    assert test.staff == StaffDetail(
        message="TypeError: unhashable type: 'list'",
        traceback=entry["traceback"],
        output="printed by dedupe\n",
    )
    failed = TestResult.from_report(
        _entry("dedupe", "failed", "AssertionError: 3 != 4", HIDDEN_LINE),
        2.0,
        hidden=True,
        redact=True,
    )
    assert failed.message == "hidden test: failed" and HIDDEN_LINE in failed.staff.traceback
    data = GradeResult(ResultStatus.graded, 0, 4, [test, failed]).to_json()
    jsonschema.validate(data, RESULT_SCHEMA)
    assert data["tests"][0]["staff"]["traceback"] == entry["traceback"]


def test_a_visible_test_shows_its_own_frames_and_output() -> None:
    entry = _entry("totals", "failed", "AssertionError: total is 9", "assert total(x) == 10")
    test = TestResult.from_report(entry, 1.0, hidden=False, redact=False)
    assert test.message == "AssertionError: total is 9"
    assert test.output == "printed by totals\n"
    assert test.traceback == (
        "Traceback (most recent call last):\n"
        '  File "<test totals>", line 2, in <module>\n'
        "    assert total(x) == 10\n"
        "           ^^^^^^\n"
        "AssertionError: total is 9"
    )
    assert test.staff.traceback == entry["traceback"]  # staff keep the judge's and setup frames
    passed = TestResult.from_report(
        {"id": "ok", "status": "passed", "message": ""}, 1.0, hidden=False, redact=False
    )
    assert passed.points == 1.0 and passed.staff.empty
    assert "staff" not in GradeResult(ResultStatus.graded, 1, 1, [passed]).to_json()["tests"][0]


def test_trimming_keeps_chained_exceptions_and_drops_foreign_frames() -> None:
    text = (
        _traceback("t", "value = lookup(1)", "KeyError: 1")
        + "\nDuring handling of the above exception, another exception occurred:\n\n"
        + _traceback("t", "raise ValueError('no value')", "ValueError: no value")
    )
    trimmed = trim_traceback(text, "t")
    assert "judge.py" not in trimmed and "<setup 1>" not in trimmed
    assert "GRADER_ONLY_TABLE" not in trimmed and "exec(code)" not in trimmed
    assert trimmed.count('File "<test t>"') == 2 and "value = lookup(1)" in trimmed
    assert "KeyError: 1" in trimmed and "During handling" in trimmed
    assert trimmed.endswith("ValueError: no value")
    # Another test's frames are not this test's own.
    assert 'File "<test t>"' not in trim_traceback(text, "other")
    assert trim_traceback(trimmed, "t") == trimmed
    assert trim_traceback("", "t") == ""


def test_staff_detail_is_clipped() -> None:
    entry = _entry("big", "error", "ValueError: " + "v" * 900)
    entry["traceback"] = "Traceback (most recent call last):\n" + "x" * 20_000
    entry["output"] = "o" * 9_000
    test = TestResult.from_report(entry, 1.0, hidden=True, redact=True)
    assert len(test.staff.traceback) == TRACEBACK_LIMIT
    # The end of a traceback says the most: the last frames and the exception.
    assert test.staff.traceback.startswith("[20035 characters in all] …xxx")
    assert len(test.staff.output) == TEST_OUTPUT_LIMIT and len(test.staff.message) == 500
    visible = TestResult("v", 0, 1, TestStatus.failed, output="o" * 9_000, traceback="t" * 9_000)
    assert len(visible.output) == TEST_OUTPUT_LIMIT and len(visible.traceback) == TRACEBACK_LIMIT
    errors = [JudgeError(f"cell {n}", "e" * 10_000) for n in range(80)]
    result = GradeResult(ResultStatus.graded, 0, 1, [test, visible], staff=RunStaffDetail(errors))
    data = result.to_json()
    jsonschema.validate(data, RESULT_SCHEMA)
    assert len(data["staff"]["judge_errors"]) == 50
    assert len(data["staff"]["judge_errors"][0]["error"]) == TRACEBACK_LIMIT


def test_the_schema_holds_staff_fields_to_their_bounds() -> None:
    test = TestResult.from_report(_entry("a", "error", "OSError: x"), 1, hidden=True, redact=True)
    data = GradeResult(ResultStatus.graded, 0, 1, [test]).to_json()
    jsonschema.validate(data, RESULT_SCHEMA)
    for bad in (
        {"traceback": "t" * (TRACEBACK_LIMIT + 1)},
        {"output": "o" * (TEST_OUTPUT_LIMIT + 1)},
        {"staff": {"traceback": "t" * (TRACEBACK_LIMIT + 1)}},
        {"staff": {"secrets": "not a staff field"}},
    ):
        broken = copy.deepcopy(data)
        broken["tests"][0].update(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, RESULT_SCHEMA)


def _stored_result(mode: str) -> dict[str, Any]:
    visible = TestResult.from_report(
        _entry("shape", "failed", "AssertionError: 3 columns"), 1, hidden=False, redact=False
    )
    hidden = TestResult.from_report(
        _entry("dedupe", "error", "KeyError: 'SECRET-KEY-81'", HIDDEN_LINE),
        2,
        hidden=True,
        redact=mode == "full",
    )
    result = GradeResult(
        ResultStatus.graded,
        0,
        3,
        [visible, hidden],
        mode=mode,
        output="candidate printed this",
        timings={"total_seconds": 0.3},
        staff=RunStaffDetail([JudgeError("grader setup", "NameError: GRADER_ONLY_TABLE")]),
    )
    return result.to_json()


def _texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_the_candidate_view_of_a_full_run_has_no_staff_detail() -> None:
    stored = _stored_result("full")
    view = candidate_result(stored)
    for secret in (HIDDEN_LINE, "SECRET-KEY-81", "GRADER_ONLY_TABLE", "judge.py", "<setup 1>"):
        assert secret in _texts(stored)
        assert secret not in _texts(view), secret
    assert "staff" not in view and "timings" not in view
    assert all("staff" not in test for test in view["tests"])
    shape, dedupe = view["tests"]
    assert shape["output"] == "printed by shape\n" and '"<test shape>"' in shape["traceback"]
    assert dedupe == {
        "id": "dedupe",
        "points": 0.0,
        "max_points": 2.0,
        "status": "error",
        "message": "hidden test: error (KeyError)",
        "seconds": 0.01,
        "hidden": True,
        "output": "",
        "traceback": "",
    }
    assert view["output"] == "candidate printed this" and view["mode"] == "full"


def test_the_candidate_view_redacts_a_hidden_test_whatever_was_stored() -> None:
    """A result written by an older or a buggy pipeline: the view still gives nothing away."""
    stored = _stored_result("full")
    leaky = stored["tests"][1]
    leaky.update(message=f"failed: {HIDDEN_LINE}", output=HIDDEN_LINE, traceback=HIDDEN_LINE)
    stored["future_staff_field"] = HIDDEN_LINE
    stored["tests"][1]["another_staff_field"] = HIDDEN_LINE
    view = candidate_result(stored)
    assert HIDDEN_LINE not in _texts(view)
    assert view["tests"][1]["message"] == "hidden test: error"
    missing_mode = {key: value for key, value in stored.items() if key != "mode"}
    assert HIDDEN_LINE not in _texts(candidate_result(missing_mode))


def test_a_visible_run_shows_the_visible_parts_of_partly_hidden_tests() -> None:
    view = candidate_result(_stored_result("visible"))
    dedupe = view["tests"][1]
    assert dedupe["message"] == "KeyError: 'SECRET-KEY-81'"  # only a visible part ran
    assert dedupe["output"] == "printed by dedupe\n" and "<test dedupe>" in dedupe["traceback"]
    assert "judge.py" not in _texts(view) and "GRADER_ONLY_TABLE" not in _texts(view)


def test_an_oversized_result_sheds_output_then_staff_detail() -> None:
    stored = _stored_result("full")
    first, second = lighter(stored)
    assert "output" not in first and all(t["output"] == "" for t in first["tests"])
    assert "output" not in first["tests"][1]["staff"]
    assert first["tests"][1]["staff"]["traceback"] and first["staff"]
    assert all(t["traceback"] == "" and "staff" not in t for t in second["tests"])
    assert "staff" not in second and second["total"] == stored["total"]
    assert stored["tests"][1]["staff"]["output"]  # the original is left alone
    for light in (first, second):
        jsonschema.validate(light, RESULT_SCHEMA)


def test_grade_details_lines_for_staff() -> None:
    entry = _entry("dedupe", "error", "TypeError: bad", HIDDEN_LINE)
    lines = TestResult.from_report(entry, 2, hidden=True, redact=True).staff_lines("")
    assert lines[0] == "message: TypeError: bad"
    assert HIDDEN_LINE in "\n".join(lines) and "judge.py" in "\n".join(lines)
    assert lines[-2:] == ["output:", "  printed by dedupe"]
    passed = {"id": "p", "status": "passed", "message": "", "output": "hi"}
    assert TestResult.from_report(passed, 1, hidden=False, redact=False).staff_lines() == []


# ------------------------------------------------------------------------------ sandbox report


def _report(test: dict[str, Any], cell: dict[str, Any] | None = None) -> dict[str, Any]:
    cells = [cell or {"label": "solution 1", "status": "ok"}]
    return {"nonce": "n", "cells": cells, "tests": [test], "kernel_alive": True}


def test_the_report_schema_takes_bounded_staff_fields() -> None:
    entry = _entry("a", "error", "TypeError: x")
    entry["captured"] = {"figure": {"lines": [[0, 1], [1, 2]]}, "n": None}
    cell = {"label": "setup", "status": "ok", "judge_error": "NameError: name 'np' is not defined"}
    assert check_report(_report(entry, cell), "n", ["a"])["tests"][0]["captured"]["n"] is None
    for field, size in (
        ("output", TEST_OUTPUT_MAX),
        ("traceback", TEST_TRACEBACK_MAX),
    ):
        check_report(_report({**entry, field: "x" * size}), "n", ["a"])
        with pytest.raises(ReportError, match="malformed"):
            check_report(_report({**entry, field: "x" * (size + 1)}), "n", ["a"])
        with pytest.raises(ReportError, match="malformed"):
            check_report(_report({**entry, field: ["not", "text"]}), "n", ["a"])
    with pytest.raises(ReportError, match="malformed"):
        check_report(_report(entry, {**cell, "judge_error": "e" * 8001}), "n", ["a"])
    with pytest.raises(ReportError, match="malformed"):
        check_report(_report(entry, {**cell, "judge_error": 3}), "n", ["a"])
    # Still strict about the rest.
    with pytest.raises(ReportError, match="malformed"):
        check_report(_report({**entry, "status": "passed-ish"}), "n", ["a"])
    with pytest.raises(ReportError, match="malformed"):
        check_report(_report({**entry, "id": 7}), "n", ["a"])


def test_score_keeps_the_report_detail_for_staff() -> None:
    plan = SimpleNamespace(
        mode="full",
        tests=[
            SimpleNamespace(id="shape", points=1.0, hidden=False),
            SimpleNamespace(id="dedupe", points=2.0, hidden=True),
        ],
    )
    cells = [
        {"label": "solution 1", "status": "ok", "output": "hi\n"},
        {"label": "grader setup", "status": "ok", "judge_error": "NameError: GRADER_ONLY"},
    ]
    report = {
        "nonce": "n",
        "kernel_alive": True,
        "cells": cells,
        "tests": [
            _entry("shape", "failed", "AssertionError: 3 columns"),
            _entry("dedupe", "error", "TypeError: x", HIDDEN_LINE),
        ],
    }
    result = score(cast(Any, plan), report)
    shape, dedupe = result.tests
    assert shape.message == "AssertionError: 3 columns" and shape.output == "printed by shape\n"
    assert dedupe.message == "hidden test: error (TypeError)" and not dedupe.traceback
    assert HIDDEN_LINE in dedupe.staff.traceback and dedupe.staff.message == "TypeError: x"
    assert result.staff.judge_errors == [JudgeError("grader setup", "NameError: GRADER_ONLY")]
    jsonschema.validate(result.to_json(), RESULT_SCHEMA)
    plan.mode = "visible"
    assert score(cast(Any, plan), report).tests[1].message == "TypeError: x"


# ------------------------------------------------------------------------------ hirebench grade


class _NoSandboxes:
    def __init__(self, pool_size: int) -> None:
        pass

    def close(self) -> None:
        pass


def test_grade_prints_staff_detail_only_with_details(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = TestResult.from_report(
        _entry("dedupe", "error", "TypeError: bad", HIDDEN_LINE), 2, hidden=True, redact=True
    )
    passed = TestResult.from_report(
        {"id": "shape", "status": "passed", "message": "", "output": "fine"},
        1,
        hidden=False,
        redact=False,
    )
    result = GradeResult(
        ResultStatus.graded,
        1,
        3,
        [passed, hidden],
        staff=RunStaffDetail([JudgeError("grader setup", "NameError: GRADER_ONLY")]),
    )
    monkeypatch.setattr(cli, "PooledSandboxes", _NoSandboxes)
    monkeypatch.setattr(cli, "run_grade", lambda *args, **kwargs: result)
    grader = PROJECT_ROOT / "graders" / "examples" / "orders_cleaning.ipynb"
    args = ["grade", "--grader", str(grader), "--submission", str(grader)]
    plain = runner.invoke(args=args)
    assert plain.exit_code == 0, plain.output
    assert "hidden test: error (TypeError)" in plain.output
    assert HIDDEN_LINE not in plain.output and "GRADER_ONLY" not in plain.output
    detailed = runner.invoke(args=[*args, "--details"])
    assert detailed.exit_code == 0, detailed.output
    lines = detailed.output.splitlines()
    at = lines.index("  error    0/2  dedupe (hidden)  hidden test: error (TypeError)")
    assert lines[at + 1] == "      message: TypeError: bad"
    assert lines[at + 2] == "      Traceback (most recent call last):"
    assert f"          {HIDDEN_LINE}" in lines and "        printed by dedupe" in lines
    assert "fine" not in detailed.output  # a passing test prints no detail
    assert "  grader cell grader setup failed on the judge's side: NameError: GRADER_ONLY" in lines
