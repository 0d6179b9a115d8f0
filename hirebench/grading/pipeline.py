"""The grading pipeline as small steps:

    load grader -> plan the submission -> build the sandbox job -> run it in a sandbox
    -> check the report -> score on the host

Each step either passes its output on or ends the run with a result whose status is error and
whose message says why, so a bad grader, a bad submission or a broken sandbox never takes a
worker down and never earns points."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Protocol

from docker.errors import DockerException
from flask import current_app

from hirebench.grading import autotests
from hirebench.grading.formats import GraderError, GraderSpec, GraderTest, load_grader
from hirebench.grading.formats.files import job_files
from hirebench.grading.registry import grader_from_source
from hirebench.grading.result import (
    GradeResult,
    JudgeError,
    ResultStatus,
    RunStaffDetail,
    TestResult,
    TestStatus,
)
from hirebench.grading.submission import ExecutionPlan, Step, SubmissionError, plan_submission
from hirebench.sandbox.limits import SandboxLimits
from hirebench.sandbox.pool import WarmPool
from hirebench.sandbox.report import ReportError, check_report
from hirebench.sandbox.runner import (
    Sandbox,
    SandboxError,
    SandboxGone,
    SandboxUnavailable,
    docker_client,
    engine_answers,
    reap_orphans,
)

log = logging.getLogger(__name__)


class SandboxProvider(Protocol):
    def run_job(self, job: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Submission:
    content: bytes
    filename: str


def _unscored(tests: Sequence[GraderTest], message: str) -> list[TestResult]:
    """Every test in error with `message`, none scored."""
    return [
        TestResult(
            id=t.id,
            points=0.0,
            max_points=t.points,
            status=TestStatus.error,
            message=message,
            hidden=t.hidden,
        )
        for t in tests
    ]


def build_job(
    steps: Sequence[Step],
    nonce: str,
    limits: SandboxLimits,
    files: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """The job for the judge: its header, then the steps, which the runner sends one by one."""
    return {
        "nonce": nonce,
        "cell_timeout": limits.cell_timeout,
        "files": list(files),
        "steps": [step.to_json() for step in steps],
    }


def run_steps(
    steps: Sequence[Step],
    sandboxes: SandboxProvider,
    limits: SandboxLimits | None = None,
    files: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """Run steps in a sandbox and return the checked report. Raises SandboxError or
    ReportError when the sandbox fails or answers out of turn."""
    nonce = secrets.token_hex(16)
    job = build_job(steps, nonce, limits or SandboxLimits(), files)
    test_ids = [str(step.test_id) for step in steps if step.kind == "test"]
    return check_report(sandboxes.run_job(job), nonce, test_ids)


def score(plan: ExecutionPlan, report: dict[str, Any]) -> GradeResult:
    """Points come from the grader's own copy of each test; the report only says pass or not."""
    by_id = {entry["id"]: entry for entry in report["tests"]}
    results = []
    for test in plan.tests:
        # A visible run executes only the visible parts, so what they say is safe to show; in
        # a full run a hidden test's message, output and traceback are kept for staff only.
        redact = plan.mode == "full" and test.hidden
        results.append(
            TestResult.from_report(by_id[test.id], test.points, hidden=test.hidden, redact=redact)
        )
    candidate_errors = [c for c in report["cells"] if c["status"] != "ok"]
    message = ""
    if report.get("setup_error"):
        message = str(report["setup_error"])
    elif candidate_errors:
        first = candidate_errors[0]
        problem = (
            "timed out" if first["status"] == "timeout" else first.get("error") or first["status"]
        )
        message = f"{first['label']}: {problem}"
    output = "".join(str(c.get("output", "")) for c in report["cells"])
    result = GradeResult(
        status=ResultStatus.error if report.get("setup_error") else ResultStatus.graded,
        total=round(sum(r.points for r in results), 6),
        max_total=round(sum(t.points for t in plan.tests), 6),
        tests=results,
        message=message,
        mode=plan.mode,
        output=output,
        staff=RunStaffDetail(
            [
                JudgeError(str(c["label"]), str(c["judge_error"]))
                for c in report["cells"]
                if c.get("judge_error")
            ]
        ),
    )
    return result


def grade(
    spec: GraderSpec,
    submission: Submission,
    sandboxes: SandboxProvider,
    *,
    mode: str = "full",
    limits: SandboxLimits | None = None,
) -> GradeResult:
    result = _grade(spec, submission, sandboxes, mode=mode, limits=limits)
    result.kernel = spec.kernel  # which kernel the notebook named, whatever the outcome
    return result


def _grade(
    spec: GraderSpec,
    submission: Submission,
    sandboxes: SandboxProvider,
    *,
    mode: str = "full",
    limits: SandboxLimits | None = None,
) -> GradeResult:
    limits = limits or SandboxLimits()
    started = time.monotonic()
    tests = spec.tests_for(mode)
    if spec.pending_autotests:
        try:
            spec = _with_autotests(spec, sandboxes, limits)
        except GraderError as exc:
            return _failed(tests, f"the grader notebook is invalid: {exc}", mode)
        except SandboxUnavailable:
            raise  # not the grader's fault nor the submission's: the job is retried
        except (SandboxError, ReportError) as exc:
            log.warning("sandbox failure while instantiating AUTOTEST directives: %s", exc)
            return _failed(tests, str(exc), mode)
    try:
        plan = plan_submission(spec, submission.content, submission.filename, mode)
    except SubmissionError as exc:
        return _failed(tests, str(exc), mode)
    # A script cannot run at all with a syntax error; a notebook's other cells still do, as
    # nbgrader runs them: only the tests that need the broken cell fail.
    if plan.syntax_error and PurePath(submission.filename).suffix.lower() == ".py":
        message = f"SyntaxError in the submission, {plan.syntax_error}"
        return GradeResult(
            status=ResultStatus.graded,
            total=0.0,
            max_total=sum(t.points for t in plan.tests),
            tests=_unscored(plan.tests, message),
            message=message,
            mode=mode,
        )
    try:
        report = run_steps(plan.steps, sandboxes, limits, job_files(spec))
    except SandboxUnavailable:
        raise
    except (SandboxError, ReportError) as exc:
        log.warning("sandbox failure: %s", exc)
        return _failed(plan.tests, str(exc), mode)
    result = score(plan, report)
    result.timings = {
        "total_seconds": round(time.monotonic() - started, 4),
        "execute_seconds": float(report.get("execute_seconds", 0.0)),
        "test_seconds": float(report.get("test_seconds", 0.0)),
    }
    return result


def _failed(tests: Sequence[GraderTest], message: str, mode: str) -> GradeResult:
    """A run that could not grade: every test in error with `message`."""
    max_total = sum(t.points for t in tests)
    return GradeResult.failure(message, _unscored(tests, message), max_total, mode)


def _with_autotests(
    spec: GraderSpec, sandboxes: SandboxProvider, limits: SandboxLimits
) -> GraderSpec:
    """The grader with its AUTOTEST directives turned into asserts, as nbgrader's
    generate_assignment does: by running the grader's own solution once (then cached)."""
    files = job_files(spec)
    return autotests.instantiate(spec, lambda steps: run_steps(steps, sandboxes, limits, files))


class PooledSandboxes:
    """The process-wide sandbox provider: a warm pool when size > 0, else a cold start per job."""

    def __init__(
        self, pool_size: int, limits: SandboxLimits | None = None, starters: int = 3
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.pool = WarmPool(pool_size, self.limits, starters=starters).start()

    def run_job(self, job: dict[str, Any]) -> dict[str, Any]:
        """The job's report. Raises SandboxUnavailable when the Docker engine stopped
        answering (the job is retried later), SandboxError for anything else."""
        try:
            try:
                return self._run(job, self.pool.acquire(timeout=self.limits.start_timeout))
            except SandboxGone as exc:
                # No candidate code ran yet, so a fresh sandbox is a safe second try; the warm
                # ones waited as long as this one did and are likely dead too.
                log.warning("a warm sandbox failed before the job started (%s); a fresh one", exc)
                self.pool.flush()
                return self._run(job, self.pool.fresh())
        except SandboxUnavailable:
            raise
        except SandboxError as exc:
            if self.pool.engine_answers():
                raise
            self.pool.flush()
            raise SandboxUnavailable(f"the Docker engine stopped answering: {exc}") from exc

    def _run(self, job: dict[str, Any], sandbox: Sandbox) -> dict[str, Any]:
        try:
            return sandbox.run(job)
        finally:
            self.pool.release(sandbox)

    def close(self, timeout: float = 120.0) -> None:
        self.pool.close(timeout)


_provider: PooledSandboxes | None = None
_provider_lock = threading.Lock()


def sandbox_provider(pool_size: int = 3) -> PooledSandboxes:
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = PooledSandboxes(pool_size)
        return _provider


def current_sandbox_provider() -> PooledSandboxes | None:
    """The provider if this process started one; health and metrics read it, never start it."""
    return _provider


def reap_orphan_sandboxes() -> int:
    """Remove the sandboxes of dead processes on this host, when this process grades: a
    worker killed mid-job leaves its containers behind, and a surviving worker's sweep
    removes them without waiting for a restart. Returns how many."""
    provider = _provider
    if provider is None:
        return 0  # this process does not grade (or not yet): it does not talk to Docker
    try:
        return reap_orphans(provider.pool.client)
    except (DockerException, OSError) as exc:
        log.warning("could not look for orphaned sandboxes: %s", exc)
        return 0


ENGINE_CHECK_SECONDS = 3.0
_engine_seen: tuple[float, bool] | None = None


def sandbox_engine_answers() -> bool:
    """Whether the Docker engine answers this process, asked at most every few seconds. A
    worker asks before it claims a job: while the engine is down, jobs wait queued instead of
    using up their attempts on it."""
    global _engine_seen
    now = time.monotonic()
    if _engine_seen is not None and now - _engine_seen[0] < ENGINE_CHECK_SECONDS:
        return _engine_seen[1]
    provider = _provider
    if provider is not None:
        answers = engine_answers(provider.pool.client)
    else:
        try:
            docker_client().close()
            answers = True
        except SandboxUnavailable:
            answers = False
    _engine_seen = (time.monotonic(), answers)
    return answers


def close_sandbox_provider(timeout: float = 120.0) -> None:
    """Destroy the process-wide pool (tests, benchmarks and shutdown)."""
    global _provider
    with _provider_lock:
        if _provider is not None:
            _provider.close(timeout)
            _provider = None


def grade_job_payload(
    grader_ref: str, submission: bytes, submission_name: str, mode: str = "full"
) -> GradeResult:
    """Entry point for the grading queue: grader_ref is a grader notebook path, or a reference
    that a registered grader source resolves (exams register `attempt-answer:<id>`, whose
    grader comes from the stored exam version)."""
    try:
        spec = grader_from_source(grader_ref) or load_grader(Path(grader_ref))
    except GraderError as exc:
        return GradeResult.failure(f"the grader notebook is invalid: {exc}", mode=mode)
    except OSError as exc:
        return GradeResult.failure(f"the grader notebook could not be read: {exc}", mode=mode)
    provider = sandbox_provider(int(current_app.config.get("SANDBOX_WARM_POOL", 3)))
    return grade(spec, Submission(submission, submission_name), provider, mode=mode)
