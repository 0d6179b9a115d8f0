"""Attempts: starting, saving, integrity signals, submitting at the deadline, and grading.

Time is the server's: a save after the deadline is refused, and an attempt nobody submitted is
closed with its deadline as its finish time, however late a sweeper notices it."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from hirebench import events
from hirebench.exams import breaks
from hirebench.exams.definition import ExamDefinition
from hirebench.exams.loader import current_version, version_definition
from hirebench.exams.questions import AnswerError, get_type
from hirebench.exams.review_items import queue_exam_answers
from hirebench.exams.scoring import rescore
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.grading.formats import GraderSpec
from hirebench.grading.result import candidate_result
from hirebench.models import (
    PENDING_ANSWER_STATES,
    Answer,
    AnswerState,
    Attempt,
    AttemptStatus,
    ConsentPurpose,
    ConsentRecord,
    Exam,
    GradingJob,
    IntegrityEvent,
    User,
)
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 200_000
MAX_EVENTS_PER_ATTEMPT = 5_000
RUN_COOLDOWN = timedelta(seconds=10)
MAX_RUNS_PER_QUESTION = 30
EVENT_KINDS = {"tab_hidden", "focus_lost", "paste", "fullscreen_exit"}  # from the browser
SERVER_SIGNALS = ("second_session", "ip_changed", "user_agent_changed")  # seen by the server
ANSWER_REF_PREFIX = "attempt-answer:"


class AttemptError(ServiceError):
    """A request about an attempt that cannot be done; the message is for the candidate."""


class AttemptClosed(AttemptError):
    """The attempt is no longer open (submitted, or past its deadline)."""


class RateLimited(AttemptError):
    """Too soon, or too often: the request is fine but must wait (HTTP 429, not 400)."""


@dataclass(frozen=True)
class SaveStamp:
    """What an autosave says about itself (docs/attempts.md, "Saving"): the page that sent it
    (a random id per page load), that page's sequence number for this question (rising with
    every edit), and the revision the page's text was edited from."""

    client: str
    seq: int
    base: int


@dataclass(frozen=True)
class StoredAnswer:
    """The answer as the database holds it, for a page whose save was refused as stale."""

    revision: int
    value: Any
    saved_at: datetime
    client: str
    seq: int


class StaleWrite(AttemptError):
    """A save edited from an older revision than the stored one, by another page (or this
    page's older request arriving late): refused, so it never overwrites newer text."""

    def __init__(self, current: StoredAnswer) -> None:
        super().__init__(
            _("This answer was changed in another tab or window since this page last saved it.")
        )
        self.current = current


def definition_of(attempt: Attempt) -> ExamDefinition:
    return version_definition(attempt.version)


# ------------------------------------------------------------------------------ starting


def open_attempt(candidate: User, exam: Exam) -> Attempt | None:
    return db.session.scalar(
        sa.select(Attempt).where(
            Attempt.candidate_id == candidate.id,
            Attempt.exam_id == exam.id,
            Attempt.status == AttemptStatus.in_progress,
        )
    )


def start_attempt(
    candidate: User, exam: Exam, *, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> Attempt:
    """The candidate's open attempt at this exam, or a new one on the current version."""
    now = now or utcnow()
    existing = open_attempt(candidate, exam)
    if existing is not None and not close_if_overdue(existing, now):
        return existing
    version = current_version(exam)
    if version is None:
        raise AttemptError(_("This exam has no published version."))
    definition = version_definition(version)
    seed = secrets.token_hex(8)
    question_ids = [q.id for _section, questions in definition.variant(seed) for q in questions]
    factor = max(1.0, float(candidate.extra_time_factor or 1.0))
    attempt = Attempt(
        candidate_id=candidate.id,
        exam_id=exam.id,
        exam_version_id=version.id,
        seed=seed,
        question_ids=question_ids,
        extra_time_factor=factor,
        breaks_allowed=candidate.break_count if candidate.break_minutes else 0,
        break_minutes=candidate.break_minutes if candidate.break_count else 0,
        consented_at=now,
        started_at=now,
        deadline_at=now + timedelta(minutes=definition.time_limit_minutes * factor),
        start_ip=ip[:64],
        start_user_agent=user_agent[:400],
        session_token=secrets.token_hex(16),
    )
    db.session.add(attempt)
    try:
        db.session.flush()
    except IntegrityError:
        # Two tabs pressed start at once: the database let one through; use that one.
        db.session.rollback()
        raced = open_attempt(candidate, exam)
        if raced is None:
            raise
        return raced
    audit.record(
        "attempt.start", candidate, target=attempt, ip=ip, exam=exam.slug, version=version.number
    )
    events.evidence_changed.send(attempt, candidate_id=candidate.id)
    db.session.commit()
    return attempt


def attempt_for(candidate: User, attempt_id: int, *, ip: str = "") -> Attempt | None:
    """The attempt if it is this candidate's; anything else is None and is logged."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate.id:
        audit.record_denial(
            "attempt.denied",
            candidate,
            target_type="Attempt",
            target_id=attempt_id,
            ip=ip,
            attempt_id=attempt_id,
        )
        db.session.commit()
        return None
    return attempt


# ------------------------------------------------------------------------------ saving


def close_if_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    """Submit an open attempt whose deadline has passed; True when it is (now) closed."""
    now = now or utcnow()
    if attempt.status is AttemptStatus.in_progress and now >= attempt.deadline_at:
        submit(attempt, now=now, auto=True)
    return attempt.status is not AttemptStatus.in_progress


def closed_message(attempt: Attempt) -> str:
    """Why a closed attempt takes no more changes, for the candidate: the deadline closed it,
    or the candidate submitted it (perhaps in another tab)."""
    if attempt.auto_submitted:
        return _("The time for this exam is over; your answers were submitted.")
    return _("You have already submitted this exam; your answers can no longer be changed.")


def save_answer(
    attempt: Attempt,
    question_id: str,
    raw: Any,
    *,
    now: datetime | None = None,
    stamp: SaveStamp | None = None,
) -> Answer:
    """Store an answer, and commit before returning, so that a reply means it is stored.

    With a stamp, one conditional UPDATE stores it only if the page edited it from the stored
    revision, or the stored revision is this page's own earlier save (its reply was lost);
    otherwise StaleWrite, with nothing changed. A save without a stamp (the API's callers
    before the protocol) is stored whatever the revision, as it always was."""
    now = now or utcnow()
    if close_if_overdue(attempt, now):
        raise AttemptClosed(closed_message(attempt))
    breaks.refuse_on_break(attempt, now)
    if question_id not in attempt.question_ids:
        raise AttemptError(_("That question is not part of this exam attempt."))
    if len(json.dumps(raw, default=str)) > MAX_ANSWER_BYTES:
        raise AnswerError(_("The answer is larger than %(kb)s KB.", kb=MAX_ANSWER_BYTES // 1000))
    question = definition_of(attempt).question(question_id)
    value = get_type(question.type).validate_answer(question, raw)
    answer_id = _answer_row(attempt.id, question_id, now)
    update = sa.update(Answer).where(Answer.id == answer_id)
    if stamp is not None:
        update = update.where(_stamp_is_fresh(stamp))
    stored = db.session.execute(
        update.values(
            value=value,
            revision=Answer.revision + 1,
            saved_at=now,
            save_client=stamp.client if stamp else "",
            save_seq=stamp.seq if stamp else 0,
        ),
        execution_options={"synchronize_session": False},
    )
    answer = db.session.get(Answer, answer_id, populate_existing=True)
    assert answer is not None
    if stored.rowcount != 1 and answer.value != value:  # type: ignore[attr-defined]
        current = StoredAnswer(
            answer.revision, answer.value, answer.saved_at, answer.save_client, answer.save_seq
        )
        db.session.rollback()
        raise StaleWrite(current)
    # A refused save whose text the database already holds (a retry whose first reply was
    # lost) is acknowledged as it stands: nothing of the page's would be lost.
    _commit_keeping_loaded()
    return answer


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session loaded: the reply reads the answer, the
    attempt's clock and the user again, and after an ordinary commit each was a query of its
    own (bench/load.py: a round trip each on PostgreSQL, on every autosave). They hold what
    this transaction read and wrote, which is what it committed."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def _stamp_is_fresh(stamp: SaveStamp) -> sa.ColumnElement[bool]:
    own = Answer.save_client == stamp.client
    return sa.or_(
        sa.and_(Answer.revision == stamp.base, sa.not_(sa.and_(own, Answer.save_seq >= stamp.seq))),
        sa.and_(own, Answer.save_seq < stamp.seq),
    )


def _answer_row(attempt_id: int, question_id: str, now: datetime) -> int:
    """The id of the answer row, inserted empty (revision 0) when there is none yet. Two
    first saves at once both get the one row: the loser's insert does nothing."""
    dialect = db.session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    db.session.execute(
        insert(Answer)
        .values(
            attempt_id=attempt_id,
            question_id=question_id,
            value=None,
            revision=0,
            saved_at=now,
            state=AnswerState.saved,
            detail={},
            save_client="",
            save_seq=0,
        )
        .on_conflict_do_nothing(index_elements=["attempt_id", "question_id"])
    )
    answer_id = db.session.scalar(
        sa.select(Answer.id).where(
            Answer.attempt_id == attempt_id, Answer.question_id == question_id
        )
    )
    assert answer_id is not None
    return answer_id


def _answer(attempt: Attempt, question_id: str) -> Answer:
    for answer in attempt.answers:
        if answer.question_id == question_id:
            return answer
    answer = Answer(
        attempt=attempt,
        question_id=question_id,
        value=None,
        revision=0,
        saved_at=utcnow(),
        detail={},
    )
    db.session.add(answer)
    return answer


def answers_by_question(attempt: Attempt) -> dict[str, Answer]:
    return {answer.question_id: answer for answer in attempt.answers}


# ------------------------------------------------------------------------------ integrity


def record_event(
    attempt: Attempt,
    kind: str,
    detail: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> IntegrityEvent | None:
    """Store a signal from the browser or the server. Signals only ever flag an attempt."""
    # Checked as text first: a kind that came from JSON may be a list, which no set can hold.
    if not isinstance(kind, str) or (kind not in EVENT_KINDS and kind not in SERVER_SIGNALS):
        raise AttemptError(_("Unknown event kind."))
    if attempt.status is not AttemptStatus.in_progress:
        return None
    now = now or utcnow()
    # Leaving the page is what a break is for; and a candidate who withdrew the consent to
    # these signals is not watched at all.
    if (kind in EVENT_KINDS and breaks.on_break(attempt, now)) or signals_withdrawn(attempt):
        return None
    count = db.session.scalar(
        sa.select(sa.func.count(IntegrityEvent.id)).where(IntegrityEvent.attempt_id == attempt.id)
    )
    if (count or 0) >= MAX_EVENTS_PER_ATTEMPT:
        return None
    clean: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if key == "size" and type(value) is int and 0 <= value < 10**9:
            clean["size"] = value
        elif key in ("ip", "user_agent") and isinstance(value, str):
            clean[key] = value[:400]
    event = IntegrityEvent(attempt=attempt, kind=kind, detail=clean, at=now)
    db.session.add(event)
    db.session.commit()
    return event


def observe_request(
    attempt: Attempt, *, ip: str, user_agent: str, session_token: str | None
) -> None:
    """Server-side signals: a new address or browser, or a second concurrent session."""
    if attempt.status is not AttemptStatus.in_progress:
        return
    checks = [
        ("ip_changed", {"ip": ip}, ip and ip != attempt.start_ip),
        (
            "user_agent_changed",
            {"user_agent": user_agent[:400]},
            user_agent and user_agent[:400] != attempt.start_user_agent,
        ),
        (
            "second_session",
            {},
            session_token is not None and session_token != attempt.session_token,
        ),
    ]
    happened = [(kind, detail) for kind, detail, changed in checks if changed]
    if not happened or signals_withdrawn(attempt):
        return  # the usual case, on every autosave: no query at all
    seen = {
        (event.kind, json.dumps(event.detail, sort_keys=True))
        for event in db.session.scalars(
            sa.select(IntegrityEvent).where(
                IntegrityEvent.attempt_id == attempt.id, IntegrityEvent.kind.in_(SERVER_SIGNALS)
            )
        )
    }
    for kind, detail in happened:
        if (kind, json.dumps(detail, sort_keys=True)) not in seen:
            record_event(attempt, kind, detail)


def signals_withdrawn(attempt: Attempt) -> bool:
    """Whether the candidate withdrew their consent to the integrity signals (on My data,
    docs/privacy.md) and has not given it again: then none are recorded. A candidate with no
    consent record at all started before consents were recorded, under the old notice."""
    given = set(
        db.session.scalars(
            sa.select(ConsentRecord.withdrawn_at.is_(None)).where(
                ConsentRecord.candidate_id == attempt.candidate_id,
                ConsentRecord.purpose == ConsentPurpose.proctoring.value,
            )
        )
    )
    return bool(given) and True not in given


def integrity_summary(attempt: Attempt) -> dict[str, Any]:
    counts: dict[str, int] = {}
    pasted = 0
    for event in attempt.events:
        counts[event.kind] = counts.get(event.kind, 0) + 1
        pasted += int(event.detail.get("size", 0)) if event.kind == "paste" else 0
    flags = [kind for kind in SERVER_SIGNALS if kind in counts]
    if counts.get("tab_hidden", 0) + counts.get("focus_lost", 0) >= 5:
        flags.append("frequent_focus_loss")
    if pasted >= 500:
        flags.append("large_pastes")
    return {"counts": counts, "pasted_chars": pasted, "flags": flags, "flagged": bool(flags)}


# ------------------------------------------------------------------------------ submitting


def submit(attempt: Attempt, *, now: datetime | None = None, auto: bool = False) -> Attempt:
    """Close the attempt and grade what can be graded. The finish time is never later than
    the deadline: a late sweeper still records the deadline."""
    if attempt.status is not AttemptStatus.in_progress:
        return attempt
    now = now or utcnow()
    # Submitting during a break ends it first: its unused part is not working time.
    breaks.end_break(attempt, now)
    finished = min(now, attempt.deadline_at)
    # A conditional UPDATE: when the sweeper and a request close the attempt at once, exactly
    # one of them wins and grades it. A close for the deadline checks the deadline it read,
    # so an extension HR gave a moment ago is never closed over.
    claim = sa.update(Attempt).where(
        Attempt.id == attempt.id, Attempt.status == AttemptStatus.in_progress
    )
    if auto:
        claim = claim.where(Attempt.deadline_at <= now)
    claimed = db.session.execute(
        claim.values(
            status=AttemptStatus.submitted,
            submitted_at=finished,
            auto_submitted=auto or now >= attempt.deadline_at,
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        db.session.refresh(attempt)
        return attempt
    db.session.refresh(attempt)
    audit.record(
        "attempt.submit",
        None,
        target=attempt,
        actor_email=attempt.candidate.email,
        auto=attempt.auto_submitted,
    )
    events.attempt_submitted.send(attempt, attempt_id=attempt.id, candidate_id=attempt.candidate_id)
    db.session.commit()
    grade_attempt(attempt)
    return attempt


def grade_attempt(attempt: Attempt) -> None:
    definition = definition_of(attempt)
    answers = answers_by_question(attempt)
    jobs: list[int] = []
    for question_id in attempt.question_ids:
        question = definition.question(question_id)
        answer = answers.get(question_id) or _answer(attempt, question_id)
        answer.max_points = question.points
        question_type = get_type(question.type)
        if question_type.graded_in_sandbox:
            if answer.value:
                answer.state = AnswerState.grading
                db.session.flush()
                jobs.append(answer.id)
            else:
                answer.state, answer.points = AnswerState.scored, 0.0
            continue
        graded = question_type.auto_grade(question, answer.value)
        if graded is None:
            answer.state, answer.points = AnswerState.awaiting_review, None
        else:
            answer.state, answer.points, answer.detail = (
                AnswerState.scored,
                graded.points,
                graded.detail,
            )
    db.session.flush()
    queue_exam_answers(attempt)
    # Scored here, in the one commit that holds every answer's state, so the candidate's
    # scorecards are recomputed once per submit. The coding answers stay "grading" until
    # their results are synced, so the jobs below change nothing the score depends on.
    rescore(attempt)
    db.session.commit()
    for answer_id in jobs:
        pending = db.session.get(Answer, answer_id)
        assert pending is not None
        answer = pending
        job = grading_queue.submit(
            f"{ANSWER_REF_PREFIX}{answer_id}",
            str(answer.value).encode(),
            "solution.py",
            mode="full",
        )
        answer.grading_job_id = job.id
        db.session.commit()


def sync_coding_results(attempt: Attempt) -> None:
    """Take finished sandbox results into the attempt's scores."""
    definition = definition_of(attempt)
    changed = False
    for answer in attempt.answers:
        if answer.state is not AnswerState.grading or answer.grading_job_id is None:
            continue
        job = db.session.get(GradingJob, answer.grading_job_id)
        if job is None or job.result is None or job.status.value not in ("done", "failed"):
            continue
        question = definition.question(answer.question_id)
        graded = get_type(question.type).sandbox_grade(
            question, float(job.result.get("total", 0.0)), float(job.result.get("max_total", 0.0))
        )
        answer.points, answer.state = graded.points, AnswerState.scored
        answer.detail = {**graded.detail, "result": _visible_result(job.result)}
        changed = True
    if changed:
        refresh_score(attempt)


def _visible_result(result: dict[str, Any]) -> dict[str, Any]:
    """What of a sandbox result the candidate's result page shows: the candidate's view of it
    (never staff detail), visible tests only."""
    view = candidate_result(result)
    keys = ("id", "status", "message", "points", "max_points", "output", "traceback")
    return {
        "status": view.get("status"),
        "message": view.get("message", ""),
        "tests": [
            {key: test.get(key) for key in keys} for test in view["tests"] if not test.get("hidden")
        ],
    }


def refresh_score(attempt: Attempt) -> None:
    """Rescore a closed attempt from its answers, and commit."""
    rescore(attempt)
    db.session.commit()


def expire_overdue(now: datetime | None = None) -> int:
    """Submit every open attempt past its deadline (at its deadline). For the sweepers."""
    now = now or utcnow()
    overdue = db.session.scalars(
        sa.select(Attempt).where(
            Attempt.status == AttemptStatus.in_progress, Attempt.deadline_at <= now
        )
    ).all()
    for attempt in overdue:
        submit(attempt, now=now, auto=True)
    # Only attempts still waiting for the sandbox: this runs every few seconds.
    for attempt in db.session.scalars(
        sa.select(Attempt).where(
            Attempt.status == AttemptStatus.submitted,
            Attempt.answers.any(Answer.state == AnswerState.grading),
        )
    ).all():
        sync_coding_results(attempt)
    return len(overdue)


# ------------------------------------------------------------------------------ visible tests


def run_visible_tests(
    attempt: Attempt, question_id: str, *, now: datetime | None = None
) -> GradingJob:
    now = now or utcnow()
    if close_if_overdue(attempt, now):
        raise AttemptClosed(closed_message(attempt))
    breaks.refuse_on_break(attempt, now)
    if question_id not in attempt.question_ids:
        raise AttemptError(_("That question is not part of this exam attempt."))
    question = definition_of(attempt).question(question_id)
    if not get_type(question.type).graded_in_sandbox:
        raise AttemptError(_("Only coding questions have tests to run."))
    answer = answers_by_question(attempt).get(question_id)
    if answer is None or not answer.value:
        raise AttemptError(_("Write some code first."))
    ref = f"{ANSWER_REF_PREFIX}{answer.id}"
    recent = db.session.scalars(
        sa.select(GradingJob)
        .where(GradingJob.grader_ref == ref, GradingJob.mode == "visible")
        .order_by(GradingJob.id.desc())
    ).all()
    if len(recent) >= MAX_RUNS_PER_QUESTION:
        raise RateLimited(_("You have used all test runs for this question."))
    if recent and now - recent[0].submitted_at < RUN_COOLDOWN:
        raise RateLimited(_("Please wait a few seconds before running the tests again."))
    return grading_queue.submit(ref, str(answer.value).encode(), "solution.py", mode="visible")


def grader_for_ref(grader_ref: str) -> GraderSpec | None:
    """The grader notebook behind an `attempt-answer:<id>` reference, from the stored version
    (so editing the file later never changes how an attempt is graded)."""
    if not grader_ref.startswith(ANSWER_REF_PREFIX):
        return None
    answer_id = grader_ref.removeprefix(ANSWER_REF_PREFIX)
    if not answer_id.isdigit():
        return None
    answer = db.session.get(Answer, int(answer_id))
    if answer is None:
        return None
    question = definition_of(answer.attempt).question(answer.question_id)
    question_type = get_type(question.type)
    return question_type.grader_spec(question) if question_type.graded_in_sandbox else None


@dataclass(frozen=True)
class ResultView:
    show_score: bool
    pending: bool  # some answer is not final yet: still grading, or awaiting review
    score: float | None
    max_score: float | None
    passed: bool | None  # None until every answer is final (and when scores are not shown)
    questions: list[dict[str, Any]]
    grading: int = 0  # answers still in the sandbox
    awaiting_review: int = 0  # answers waiting for a reviewer


def progress(attempt: Attempt) -> str:
    """Where a submitted attempt stands, from its answers: `in_progress`, `grading` (code is
    in the sandbox), `awaiting_review` (a reviewer still has to grade an answer) or `graded`
    (every answer is final). The candidate's list and result page both show this one value,
    so they cannot disagree; Attempt.status alone turns `graded` before reviews are done."""
    if attempt.status is AttemptStatus.in_progress:
        return "in_progress"
    states = {answer.state for answer in attempt.answers}
    if AnswerState.grading in states or attempt.status is AttemptStatus.submitted:
        return "grading"
    if AnswerState.awaiting_review in states:
        return "awaiting_review"
    return "graded"


def result_view(attempt: Attempt) -> ResultView:
    """What the candidate may see, as the exam's results policy says."""
    definition = definition_of(attempt)
    answers = answers_by_question(attempt)
    policy = definition.results_policy.value
    reviewed = not any(a.state in PENDING_ANSWER_STATES for a in answers.values())
    show = attempt.status is not AttemptStatus.in_progress and (
        policy == "immediate" or (policy == "after_review" and reviewed)
    )
    questions = []
    for question_id in attempt.question_ids:
        answer = answers.get(question_id)
        entry: dict[str, Any] = {"id": question_id, "state": answer.state if answer else "missing"}
        if show and answer is not None:
            entry.update(
                points=answer.points,
                max_points=answer.max_points,
                tests=(answer.detail or {}).get("result", {}).get("tests", []),
            )
        questions.append(entry)
    passed = None
    # A verdict only on final scores: an answer still grading or awaiting review could still
    # move the total across the pass mark.
    if show and reviewed and attempt.max_score:
        passed = (attempt.score or 0.0) / attempt.max_score * 100 >= definition.pass_cutoff
    return ResultView(
        show_score=show,
        pending=not reviewed,
        score=attempt.score if show else None,
        max_score=attempt.max_score if show else None,
        passed=passed,
        questions=questions,
        grading=sum(1 for a in answers.values() if a.state is AnswerState.grading),
        awaiting_review=sum(1 for a in answers.values() if a.state is AnswerState.awaiting_review),
    )
