"""The grading result: what `hirebench grade --json` prints and what a grading job stores.
Documented in docs/result-json.md. Points are always assigned on the host from the grader's own
copy of the tests; the sandbox only reports each test's status."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

MESSAGE_LIMIT = 500
OUTPUT_LIMIT = 2000


class TestStatus(enum.StrEnum):
    __test__ = False  # not a pytest test class, despite the name
    passed = "passed"
    failed = "failed"
    error = "error"
    timeout = "timeout"


class ResultStatus(enum.StrEnum):
    graded = "graded"  # every test ran (some may have failed)
    error = "error"  # grading could not run: bad grader, bad submission, sandbox failure


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    suffix = f"… [{len(text)} characters in all]"
    return text[: limit - len(suffix)] + suffix


@dataclass
class TestResult:
    __test__ = False
    id: str
    points: float
    max_points: float
    status: TestStatus
    message: str = ""
    seconds: float = 0.0
    hidden: bool = False
    output: str = ""

    def __post_init__(self) -> None:
        self.message = clip(self.message, MESSAGE_LIMIT)
        self.output = clip(self.output, OUTPUT_LIMIT)


@dataclass
class GradeResult:
    status: ResultStatus
    total: float
    max_total: float
    tests: list[TestResult] = field(default_factory=list)
    message: str = ""
    mode: str = "full"  # "full" (hidden tests too) or "visible"
    timings: dict[str, float] = field(default_factory=dict)
    output: str = ""  # excerpt of what the candidate's code printed
    # The kernel the grader notebook names (e.g. "python" or a course's "rt_grader"); the
    # sandbox runs its own Python 3 kernel whatever it is. Empty when no grader was read.
    kernel: str = ""

    def __post_init__(self) -> None:
        self.output = clip(self.output, OUTPUT_LIMIT)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        for test in data["tests"]:
            test["status"] = TestStatus(test["status"]).value
        return data

    @classmethod
    def failure(
        cls,
        message: str,
        tests: list[TestResult] | None = None,
        max_total: float = 0.0,
        mode: str = "full",
    ) -> GradeResult:
        """Grading could not run; every test earns nothing and says why."""
        return cls(
            status=ResultStatus.error,
            total=0.0,
            max_total=max_total,
            tests=tests or [],
            message=clip(message, MESSAGE_LIMIT),
            mode=mode,
        )


_STATUSES = [status.value for status in TestStatus]

# The documented shape of GradeResult.to_json() (docs/result-json.md); tests hold both to it.
RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "total", "max_total", "tests", "message", "mode"],
    "properties": {
        "status": {"enum": [status.value for status in ResultStatus]},
        "total": {"type": "number", "minimum": 0},
        "max_total": {"type": "number", "minimum": 0},
        "message": {"type": "string", "maxLength": MESSAGE_LIMIT},
        "mode": {"enum": ["full", "visible"]},
        "kernel": {"type": "string"},
        "output": {"type": "string", "maxLength": OUTPUT_LIMIT},
        "timings": {"type": "object", "additionalProperties": {"type": "number"}},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "points", "max_points", "status", "message"],
                "properties": {
                    "id": {"type": "string"},
                    "points": {"type": "number", "minimum": 0},
                    "max_points": {"type": "number", "minimum": 0},
                    "status": {"enum": _STATUSES},
                    "message": {"type": "string", "maxLength": MESSAGE_LIMIT},
                    "seconds": {"type": "number", "minimum": 0},
                    "hidden": {"type": "boolean"},
                    "output": {"type": "string", "maxLength": OUTPUT_LIMIT},
                },
            },
        },
    },
}
