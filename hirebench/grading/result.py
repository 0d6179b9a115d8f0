"""The grading result: what `hirebench grade --json` prints and what a grading job stores.
Documented in docs/result-json.md. Points are always assigned on the host from the grader's own
copy of the tests; the sandbox only reports each test's status."""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

MESSAGE_LIMIT = 500
OUTPUT_LIMIT = 2000  # what the candidate's cells printed, in all
TEST_OUTPUT_LIMIT = 4000  # what one test printed on the judge's side
TRACEBACK_LIMIT = 8000
JUDGE_ERRORS_LIMIT = 50  # grader cells that failed on the judge's side, kept per result
# The judge compiles each test under this file name, so a traceback's frames of the test itself
# can be told from the judge's and the grader setup's.
TEST_FILENAME = "<test {id}>"


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


def clip_tail(text: str, limit: int) -> str:
    """At most `limit` characters, keeping the end: a traceback's last frames and its exception
    say the most."""
    if len(text) <= limit:
        return text
    prefix = f"[{len(text)} characters in all] …"
    return prefix + text[len(text) - limit + len(prefix) :]


@dataclass
class StaffDetail:
    """What only staff (HR, reviewers, the grader's author) may see of a test. A grader bug and
    a candidate's mistake look the same from the candidate's side ("hidden test: error
    (TypeError)"); the judge's own message, the whole traceback and what the test printed tell
    them apart. Never shown to a candidate: `candidate_result` drops it."""

    message: str = ""  # as the judge wrote it, before a hidden test's message is redacted
    traceback: str = ""  # every frame, the judge's and the grader setup's included
    output: str = ""  # what the test printed

    def __post_init__(self) -> None:
        self.message = clip(self.message, MESSAGE_LIMIT)
        self.traceback = clip_tail(self.traceback, TRACEBACK_LIMIT)
        self.output = clip(self.output, TEST_OUTPUT_LIMIT)

    @property
    def empty(self) -> bool:
        return not (self.message or self.traceback or self.output)


@dataclass
class TestResult:
    """One test's outcome. `message`, `output` and `traceback` are what the candidate may see:
    for a test with hidden parts in a full run, only the kind of failure and no output or
    traceback. Everything else the judge said is in `staff`."""

    __test__ = False
    id: str
    points: float
    max_points: float
    status: TestStatus
    message: str = ""
    seconds: float = 0.0
    hidden: bool = False
    output: str = ""
    traceback: str = ""  # the test's own frames only (trim_traceback)
    staff: StaffDetail = field(default_factory=StaffDetail)

    def __post_init__(self) -> None:
        self.message = clip(self.message, MESSAGE_LIMIT)
        self.output = clip(self.output, TEST_OUTPUT_LIMIT)
        self.traceback = clip_tail(self.traceback, TRACEBACK_LIMIT)

    def staff_lines(self, indent: str = "      ") -> list[str]:
        """The staff detail of a test that did not pass, as text lines (`hirebench grade
        --details`): the judge's own message, its traceback and what the test printed."""
        if self.status is TestStatus.passed:
            return []
        lines = []
        if self.staff.message and self.staff.message != self.message:
            lines.append(f"message: {self.staff.message}")
        lines += (self.staff.traceback or self.traceback).splitlines()
        output = self.staff.output or self.output
        if output:
            lines += ["output:", *(f"  {line}" for line in output.splitlines())]
        return [indent + line for line in lines]

    @classmethod
    def from_report(
        cls, entry: Mapping[str, Any], max_points: float, *, hidden: bool, redact: bool
    ) -> TestResult:
        """A test's result from its entry in the judge's (checked) report, worth `max_points`
        if it passed. `redact` (a test with hidden parts in a full run) keeps all the judge
        said for staff and gives the candidate only the kind of failure."""
        status = TestStatus(entry["status"])
        staff = StaffDetail(
            message=str(entry.get("message") or ""),
            traceback=str(entry.get("traceback") or ""),
            output=str(entry.get("output") or ""),
        )
        test_id = str(entry["id"])
        passed = status is TestStatus.passed
        if redact:
            message = "" if passed else hidden_message(status, staff.message)
            output = traceback = ""
        else:
            message, output = staff.message, staff.output
            traceback = trim_traceback(staff.traceback, test_id)
        return cls(
            id=test_id,
            points=max_points if passed else 0.0,
            max_points=max_points,
            status=status,
            message=message,
            seconds=float(entry.get("seconds") or 0.0),
            hidden=hidden,
            output=output,
            traceback=traceback,
            staff=staff,
        )


@dataclass
class JudgeError:
    """A grader cell (setup, read-only) that failed when the judge re-ran it on its side: a
    grader bug, or a cell that depends on something the candidate's code changed."""

    label: str
    error: str

    def __post_init__(self) -> None:
        self.error = clip_tail(self.error, TRACEBACK_LIMIT)


@dataclass
class RunStaffDetail:
    """Staff-only detail of the whole run; never shown to a candidate."""

    judge_errors: list[JudgeError] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.judge_errors


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
    staff: RunStaffDetail = field(default_factory=RunStaffDetail)

    def __post_init__(self) -> None:
        self.output = clip(self.output, OUTPUT_LIMIT)
        del self.staff.judge_errors[JUDGE_ERRORS_LIMIT:]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        for test, result in zip(data["tests"], self.tests, strict=True):
            test["status"] = TestStatus(test["status"]).value
            if result.staff.empty:
                del test["staff"]  # most tests pass silently; keep their entries short
        if self.staff.empty:
            del data["staff"]
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
        "staff": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "judge_errors": {
                    "type": "array",
                    "maxItems": JUDGE_ERRORS_LIMIT,
                    "items": {
                        "type": "object",
                        "required": ["label", "error"],
                        "additionalProperties": False,
                        "properties": {
                            "label": {"type": "string"},
                            "error": {"type": "string", "maxLength": TRACEBACK_LIMIT},
                        },
                    },
                },
            },
        },
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
                    "output": {"type": "string", "maxLength": TEST_OUTPUT_LIMIT},
                    "traceback": {"type": "string", "maxLength": TRACEBACK_LIMIT},
                    "staff": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "message": {"type": "string", "maxLength": MESSAGE_LIMIT},
                            "traceback": {"type": "string", "maxLength": TRACEBACK_LIMIT},
                            "output": {"type": "string", "maxLength": TEST_OUTPUT_LIMIT},
                        },
                    },
                },
            },
        },
    },
}


def lighter(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Ever smaller copies of a result (to_json()) that is too big to store: first without
    what the code and tests printed, then without tracebacks and staff detail too. Points and
    statuses are never dropped."""
    light = copy.deepcopy(data)
    light.pop("output", None)
    for test in light.get("tests", []):
        test["output"] = ""
        test.get("staff", {}).pop("output", None)
    yield light
    light = copy.deepcopy(light)
    light.pop("staff", None)
    for test in light.get("tests", []):
        test["traceback"] = ""
        test.pop("staff", None)
    yield light


# ------------------------------------------------------------------------------ candidate view

_HIDDEN_MESSAGE = re.compile(r"hidden test: (passed|failed|error|timeout)( \([A-Za-z_]\w*\))?")
# The top-level fields and test fields a candidate may see; anything added later stays
# staff-only until it is listed here.
_CANDIDATE_KEYS = ("status", "total", "max_total", "message", "mode", "kernel", "output")
_CANDIDATE_TEST_KEYS = ("id", "points", "max_points", "status", "message", "seconds", "hidden")


def hidden_message(status: TestStatus, message: str) -> str:
    """A hidden test's failure names only the kind of error: its source line, assertion text or
    values would tell the candidate what the hidden test checks."""
    kind = message.split(":", 1)[0] if status is TestStatus.error else ""
    if status is TestStatus.error and kind.isidentifier():
        return f"hidden test: error ({kind})"
    return f"hidden test: {status.value}"


def trim_traceback(text: str, test_id: str) -> str:
    """The traceback with only the frames of the test's own code: the judge's frames and the
    grader setup's would show code the candidate never saw. The header, the exception lines
    and the chaining lines between tracebacks stay."""
    own = f'  File "{TEST_FILENAME.format(id=test_id)}",'
    kept: list[str] = []
    in_stack = keep_frame = False
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_stack, keep_frame = True, False
        elif in_stack and line.startswith('  File "'):
            keep_frame = line.startswith(own)
            if not keep_frame:
                continue
        elif in_stack and line.startswith("  "):
            # A frame's code line and carets, or "[Previous line repeated N more times]".
            if not keep_frame:
                continue
        else:
            in_stack = False  # the exception itself, or a "During handling of ..." line
        kept.append(line)
    return clip_tail("\n".join(kept), TRACEBACK_LIMIT)


def _candidate_test(test: Mapping[str, Any], redact: bool) -> dict[str, Any]:
    view = {key: test[key] for key in _CANDIDATE_TEST_KEYS if key in test}
    message = str(test.get("message") or "")
    if redact:
        if message and not _HIDDEN_MESSAGE.fullmatch(message):
            status = test.get("status")
            message = f"hidden test: {status if status in _STATUSES else 'error'}"
        view.update(message=message, output="", traceback="")
    else:
        view.update(
            output=clip(str(test.get("output") or ""), TEST_OUTPUT_LIMIT),
            traceback=trim_traceback(str(test.get("traceback") or ""), str(test.get("id"))),
        )
    return view


def candidate_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """The one view of a result (GradeResult.to_json(), as stored) that a candidate may see,
    on any page, JSON answer or message. Staff-only detail is dropped, and a test with hidden
    parts in a full run keeps only the kind of its failure: no output, no traceback, whatever
    the stored entry says. A visible run executed only visible parts, so nothing is redacted
    there; a visible test's output and its own frames of the traceback are the candidate's to
    see (the test's code is on the exam page)."""
    redact_hidden = result.get("mode") != "visible"
    view = {key: result[key] for key in _CANDIDATE_KEYS if key in result}
    view["tests"] = [
        _candidate_test(test, redact_hidden and bool(test.get("hidden")))
        for test in result.get("tests") or []
        if isinstance(test, Mapping)
    ]
    return view
