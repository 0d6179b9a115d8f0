"""What the exam page keeps beside the answers: the questions a candidate flagged to come back
to, and the history of their visible-test runs.

A visible run is a GradingJob in `visible` mode whose grader reference is the answer's
(`attempt-answer:<id>`), and the job already stores the code it ran and when; so the history
is read from the jobs, and restoring a run's code is reading its submission back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.exams.attempts import (
    ANSWER_REF_PREFIX,
    AttemptClosed,
    AttemptError,
    close_if_overdue,
    closed_message,
    definition_of,
)
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.grading.result import candidate_result
from hirebench.models import Attempt, GradingJob, GradingMode

TEST_STATUSES = {
    "passed": _l("passed"),
    "failed": _l("failed"),
    "error": _l("error"),
    "timeout": _l("timed out"),
}


# ------------------------------------------------------------------------------ flags


def flagged(attempt: Attempt) -> list[str]:
    """The flagged questions in the attempt's order; ids no longer in the variant drop out."""
    marks = set(attempt.flagged_question_ids or [])
    return [question_id for question_id in attempt.question_ids if question_id in marks]


def set_flag(attempt: Attempt, question_id: str, on: bool) -> list[str]:
    """Flag a question for later, or clear the flag; the attempt's flags afterwards."""
    if close_if_overdue(attempt):
        raise AttemptClosed(closed_message(attempt))
    if question_id not in attempt.question_ids:
        raise AttemptError(_("That question is not part of this exam attempt."))
    marks = set(flagged(attempt))
    if on:
        marks.add(question_id)
    else:
        marks.discard(question_id)
    # A new list, so SQLAlchemy sees the JSON column change.
    attempt.flagged_question_ids = [q for q in attempt.question_ids if q in marks]
    db.session.commit()
    return list(attempt.flagged_question_ids)


# ------------------------------------------------------------------------------ test runs


@dataclass(frozen=True)
class RunView:
    """One visible-test run as the candidate sees it."""

    job_id: int
    question_id: str
    submitted_at: datetime
    finished: bool
    passed: int
    failed: int  # visible tests that ran and did not pass, or were not run
    total: int
    summary: str
    code: str


def visible_test_ids(attempt: Attempt, question_id: str) -> list[str]:
    """The visible tests of a coding question, in the order the exam page lists them."""
    question = definition_of(attempt).question(question_id)
    view = get_type(question.type).candidate_view(question, attempt.seed)
    return [str(test["id"]) for test in view.get("visible_tests", [])]


def _answer_refs(attempt: Attempt) -> dict[str, str]:
    """Grader reference -> question id, for every saved answer of the attempt."""
    return {f"{ANSWER_REF_PREFIX}{a.id}": a.question_id for a in attempt.answers if a.id}


def run_of(attempt: Attempt, question_id: str, job_id: int) -> GradingJob | None:
    """A visible run of this attempt's answer to this question, or None: a job id is a
    guessable number, so nothing else is ever shown."""
    job = db.session.get(GradingJob, job_id)
    if job is None or job.mode is not GradingMode.visible:
        return None
    return job if _answer_refs(attempt).get(job.grader_ref) == question_id else None


def runs_by_question(attempt: Attempt) -> dict[str, list[RunView]]:
    """Every visible run of the attempt, per question, newest first (one query)."""
    refs = _answer_refs(attempt)
    if not refs:
        return {}
    jobs = db.session.scalars(
        sa.select(GradingJob)
        .where(GradingJob.grader_ref.in_(refs), GradingJob.mode == GradingMode.visible)
        .order_by(GradingJob.id.desc())
    ).all()
    visible: dict[str, list[str]] = {}
    runs: dict[str, list[RunView]] = {}
    for job in jobs:
        question_id = refs[job.grader_ref]
        if question_id not in visible:
            visible[question_id] = visible_test_ids(attempt, question_id)
        runs.setdefault(question_id, []).append(run_view(job, question_id, visible[question_id]))
    return runs


def run_view(job: GradingJob, question_id: str, visible_ids: list[str]) -> RunView:
    passed = failed = 0
    summary = _("Running the visible tests…")
    if job.is_finished:
        tests = _visible_results(job, visible_ids)
        passed = sum(1 for t in tests.values() if t.get("status") == "passed")
        failed = len(visible_ids) - passed
        summary = run_summary(job, visible_ids)
    return RunView(
        job_id=job.id,
        question_id=question_id,
        submitted_at=job.submitted_at,
        finished=job.is_finished,
        passed=passed,
        failed=failed,
        total=len(visible_ids),
        summary=summary,
        code=bytes(job.submission or b"").decode("utf-8", errors="replace"),
    )


def _visible_results(job: GradingJob, visible_ids: list[str]) -> dict[str, dict[str, object]]:
    result = candidate_result(job.result or {})
    by_id = {str(t.get("id")): t for t in result["tests"]}
    return {test_id: by_id[test_id] for test_id in visible_ids if test_id in by_id}


def run_summary(job: GradingJob, visible_ids: list[str]) -> str:
    """One line per visible test, in the order and number of the exam page's "Visible tests
    (N)". A test with a hidden part counts as visible: a visible run executed only its visible
    part, so that part's status and message are safe to show. Nothing else in the result is
    shown or counted (a wholly hidden test, should a result ever carry one). A check that did
    not pass is followed by its traceback (the test's own frames) and what it printed."""
    result = candidate_result(job.result or {})
    by_id = _visible_results(job, visible_ids)
    passed = sum(1 for t in by_id.values() if t.get("status") == "passed")
    total = len(visible_ids)
    lines = [_("%(passed)d of %(total)d visible tests passed.", passed=passed, total=total)]
    for test_id in visible_ids:
        test = by_id.get(test_id)
        if test is None:
            lines.append(f"✗ {test_id}: {_('not run')}")
            continue
        status = str(test.get("status", ""))
        line = f"{'✓' if status == 'passed' else '✗'} {test_id}: "
        line += str(TEST_STATUSES.get(status, status))
        if test.get("message"):
            line += f" — {test['message']}"
        lines.append(line)
        if status != "passed":
            for text in (test.get("traceback"), test.get("output")):
                lines.extend(f"    {row}" for row in str(text or "").splitlines())
    message = result.get("message") or (job.error if not by_id else "")
    if message:
        lines.append(str(message))
    return "\n".join(lines)
