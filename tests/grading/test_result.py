from __future__ import annotations

import json
import re

import jsonschema

from hirebench.grading.result import (
    RESULT_SCHEMA,
    GradeResult,
    ResultStatus,
    TestResult,
    TestStatus,
)
from hirebench.paths import PROJECT_ROOT


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
