"""Candidate area: the exams list, the consent screen, the exam page with its JSON endpoints
(autosave, integrity signals, visible test runs), the submit confirmation and the result page.

Every query here is filtered by the logged-in candidate: an attempt is only ever reached through
`attempt_for`, which refuses (and audit-logs) anyone else's, and every access first closes an
attempt whose deadline has passed, so the server's clock decides what may still change."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NoReturn

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from hirebench.exams import accommodations, breaks
from hirebench.exams.attempts import (
    EVENT_KINDS,
    AttemptClosed,
    AttemptError,
    RateLimited,
    SaveStamp,
    StaleWrite,
    answers_by_question,
    attempt_for,
    close_if_overdue,
    closed_message,
    definition_of,
    observe_request,
    progress,
    record_event,
    result_view,
    run_visible_tests,
    save_answer,
    start_attempt,
    submit,
    sync_coding_results,
)
from hirebench.exams.definition import ExamDefinition
from hirebench.exams.loader import current_version, version_definition
from hirebench.exams.navigator import (
    flagged,
    run_of,
    run_view,
    runs_by_question,
    set_flag,
    visible_test_ids,
)
from hirebench.exams.prompts import prompt_excerpt, render_prompt
from hirebench.exams.questions import QUESTION_TYPES, AnswerError, Question, get_type
from hirebench.extensions import db
from hirebench.models import (
    Answer,
    AnswerState,
    Attempt,
    AttemptStatus,
    Exam,
    Role,
)
from hirebench.models.base import utcnow
from hirebench.privacy import consent as privacy_consent
from hirebench.services.timeline import timelines_of
from hirebench.web.access import protect_blueprint
from hirebench.web.errors import json_errors
from hirebench.web.forms import ActionForm, ConsentForm
from hirebench.web.helpers import client_ip
from hirebench.web.metrics import timed_autosave

bp = Blueprint("candidate", __name__, url_prefix="/exam")
protect_blueprint(bp, [Role.candidate])

# The Flask session maps attempt id -> the token this browser session holds for it.
SESSION_TOKENS = "attempt_sessions"
SESSION_TOKENS_KEPT = 8  # the session is a cookie; old attempts need no token
# A JSON body larger than this is refused before it is parsed. The largest answer the service
# accepts (attempts.MAX_ANSWER_BYTES, measured as ASCII-escaped JSON) fits well within it.
MAX_JSON_BODY = 1_000_000

# Each question type names itself (QuestionType.label).
TYPE_LABELS = {question_type.name: question_type.label for question_type in QUESTION_TYPES}
RESULT_STATES = {
    AnswerState.scored: _l("Graded"),
    AnswerState.grading: _l("Grading in the sandbox"),
    AnswerState.awaiting_review: _l("Awaiting review"),
    AnswerState.saved: _l("Received"),
    "missing": _l("Not answered"),  # no Answer row: the question was never answered
}
# attempts.progress, in words: the exams list and the result page say the same thing.
PROGRESS_LABELS = {
    "grading": _l("Submitted — grading"),
    "awaiting_review": _l("Awaiting review"),
    "graded": _l("Graded"),
}
TEST_STATUSES = {
    "passed": _l("passed"),
    "failed": _l("failed"),
    "error": _l("error"),
    "timeout": _l("timed out"),
}


# ------------------------------------------------------------------------------ view data


@dataclass
class ExamRow:
    """One line of the exams list: the exam and where this candidate stands with it."""

    exam: Exam
    title: str
    time_limit_minutes: int
    state: str  # not_started, or attempts.progress: in_progress, grading, awaiting_review, graded
    attempt: Attempt | None
    minutes_left: int = 0


@dataclass
class QuestionView:
    number: int
    question: Question
    view: dict[str, Any]  # the type's candidate_view
    prompt_html: Markup
    answered: bool
    chosen: set[str] = field(default_factory=set)  # choice types
    text: str = ""  # the prefilled text: code, number, short answer or rule table JSON
    rationale: str = ""  # annotation rules
    example_rules: str = ""  # annotation rules: the documented placeholder
    sample_rows: list[list[str]] = field(default_factory=list)  # annotation rules, as text
    # The autosave protocol: the stored revision, and which page wrote it with what number.
    revision: int = 0
    save_client: str = ""
    save_seq: int = 0


@dataclass
class SectionView:
    title: str
    questions: list[QuestionView]


def _title(definition: ExamDefinition) -> str:
    locale = get_locale()
    if locale is not None and locale.language == "zh" and definition.title_zh:
        return definition.title_zh
    return definition.title


def _epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a naive UTC time, as the page's timer counts."""
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _minutes_left(attempt: Attempt) -> int:
    seconds = (attempt.deadline_at - utcnow()).total_seconds()
    return max(0, math.ceil(seconds / 60))


# ------------------------------------------------------------------------------ helpers


def _json_error(message: str, status: int, **extra: Any) -> Response:
    response = jsonify({"message": message, **extra})
    response.status_code = status
    return response


def _not_found(as_json: bool) -> NoReturn:
    if as_json:
        abort(_json_error(_("There is no such exam attempt."), 404))
    abort(404)


def _attempt(attempt_id: int, *, as_json: bool = False) -> Attempt:
    """The logged-in candidate's attempt, closed first if its deadline has passed; anyone
    else's is a 404 (attempt_for has logged it)."""
    attempt = attempt_for(current_user, attempt_id, ip=client_ip())
    if attempt is None:
        _not_found(as_json)
    _close_if_overdue(attempt)
    return attempt


def _close_if_overdue(attempt: Attempt) -> None:
    try:
        close_if_overdue(attempt)
    except IntegrityError:
        # The sweeper (or another request) closed the attempt at the same moment and wrote
        # its answer rows first. Its submission stands: take the attempt as it committed it.
        db.session.rollback()
        db.session.refresh(attempt)


def _closed(attempt: Attempt) -> Response:
    # The message says whether the deadline or the candidate closed it: a second tab saving
    # after a self-submit must not claim the time ran out.
    return _json_error(
        closed_message(attempt), 409, redirect=url_for(".result", attempt_id=attempt.id)
    )


def _remember_session(attempt: Attempt, created: bool) -> None:
    """Give this browser session its token for the attempt. The session that started the
    attempt holds the attempt's own token; any other session that resumes it gets a token of
    its own, so observe_request records it as a second session (a flag for reviewers only)."""
    tokens = dict(session.get(SESSION_TOKENS) or {})
    key = str(attempt.id)
    if key not in tokens:
        tokens[key] = attempt.session_token if created else secrets.token_hex(16)
    tokens = dict(list(tokens.items())[-SESSION_TOKENS_KEPT:])
    session[SESSION_TOKENS] = tokens


def _observe(attempt: Attempt) -> None:
    tokens = session.get(SESSION_TOKENS) or {}
    # A session that never went through the start screen holds no token, which is by
    # definition not the token of the session that started the attempt.
    token = str(tokens.get(str(attempt.id), "")) if isinstance(tokens, dict) else ""
    observe_request(
        attempt, ip=client_ip(), user_agent=request.user_agent.string, session_token=token
    )


def _json_object() -> dict[str, Any]:
    """The request body as a JSON object. Anything else (malformed JSON, another JSON type, a
    body too large or too deeply nested) is a 400 or 413 with a message, never a 500."""
    if (request.content_length or 0) > MAX_JSON_BODY:
        abort(_json_error(_("The request is too large."), 413))
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:
        body = None
    if not isinstance(body, dict):
        abort(_json_error(_("The request body must be a JSON object."), 400))
    return body


def _latest_attempt(exam: Exam) -> Attempt | None:
    return db.session.scalar(
        sa.select(Attempt)
        .where(Attempt.candidate_id == current_user.id, Attempt.exam_id == exam.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(1)
    )


def _state(attempt: Attempt | None) -> str:
    """not_started, or the attempt's progress (the result page shows the same value)."""
    if attempt is None:
        return "not_started"
    return progress(attempt)


def _exam_rows() -> list[ExamRow]:
    rows = []
    for exam in db.session.scalars(sa.select(Exam).order_by(Exam.title)).all():
        version = current_version(exam)
        if version is None:
            continue
        attempt = _latest_attempt(exam)
        if attempt is not None:
            _close_if_overdue(attempt)
            if attempt.status is not AttemptStatus.in_progress:
                # As the result page does, so the list never shows an older state than it.
                sync_coding_results(attempt)
        # An attempt keeps its own version: its title is what the candidate took.
        definition = definition_of(attempt) if attempt is not None else version_definition(version)
        rows.append(
            ExamRow(
                exam=exam,
                title=_title(definition),
                time_limit_minutes=definition.time_limit_minutes,
                state=_state(attempt),
                attempt=attempt,
                minutes_left=_minutes_left(attempt) if attempt is not None else 0,
            )
        )
    return rows


# ------------------------------------------------------------------------------ pages


@bp.route("/")
def home() -> ResponseReturnValue:
    # The exams list first: it closes attempts past their deadline, so the timelines read
    # the same state as the list.
    exams = _exam_rows()
    return render_template(
        "candidate/home.html",
        timelines=timelines_of(current_user),
        exams=exams,
        progress_labels=PROGRESS_LABELS,
    )


@bp.route("/exams/<slug>", methods=["GET", "POST"])
def consent(slug: str) -> ResponseReturnValue:
    """The consent screen; its form starts the attempt, or resumes the open one."""
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == slug))
    version = current_version(exam) if exam is not None else None
    if exam is None or version is None:
        abort(404)
    latest = _latest_attempt(exam)
    if latest is not None:
        _close_if_overdue(latest)
        if latest.status is not AttemptStatus.in_progress:
            # One sitting per exam: a finished attempt is not started again from here.
            flash(_("You have already taken this exam."), "info")
            return redirect(url_for(".result", attempt_id=latest.id))
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            attempt = start_attempt(
                current_user, exam, ip=client_ip(), user_agent=request.user_agent.string
            )
        except AttemptError as exc:
            db.session.rollback()
            form.consent.errors.append(str(exc))
        else:
            privacy_consent.give_for_exam(
                current_user,
                ip=client_ip(),
                user_agent=request.user_agent.string,
                future_openings=request.form.get("future_openings") == "y",
            )
            db.session.commit()
            _remember_session(attempt, created=latest is None)
            return redirect(url_for(".attempt", attempt_id=attempt.id))
    definition = definition_of(latest) if latest is not None else version_definition(version)
    # The arrangements the attempt will have (or has: an attempt keeps those it started with).
    arranged = _arrangements(latest)
    factor = arranged.extra_time_factor
    questions = sum(
        min(s.draw, len(s.questions)) if s.draw else len(s.questions) for s in definition.sections
    )
    return render_template(
        "candidate/consent.html",
        form=form,
        exam=exam,
        title=_title(definition),
        definition=definition,
        description_html=render_prompt(definition.description),
        question_count=questions,
        minutes=round(definition.time_limit_minutes * factor),
        extra_time=factor > 1.0,
        arranged=arranged,
        base_minutes=definition.time_limit_minutes,
        consent_texts=privacy_consent.TEXTS,
        future_openings=privacy_consent.future_openings_record(current_user),
        resuming=latest,
        minutes_left=_minutes_left(latest) if latest is not None else 0,
    ), (400 if form.is_submitted() else 200)


def _arrangements(attempt: Attempt | None) -> accommodations.Accommodation:
    """What the consent screen tells the candidate about their extra time and breaks: their
    own accommodation before they start, the attempt's copy of it once started. Never the
    note, which is HR's."""
    if attempt is not None:
        return accommodations.Accommodation(
            extra_time_factor=max(1.0, attempt.extra_time_factor),
            break_count=attempt.breaks_allowed,
            break_minutes=attempt.break_minutes,
        )
    own = accommodations.of(current_user)
    return accommodations.Accommodation(
        extra_time_factor=max(1.0, own.extra_time_factor),
        break_count=own.break_count if own.break_minutes else 0,
        break_minutes=own.break_minutes if own.break_count else 0,
    )


def _question_view(
    number: int, question: Question, seed: str, answer: Answer | None
) -> QuestionView:
    question_type = get_type(question.type)
    view = question_type.candidate_view(question, seed)
    shown = question_type.prefill(question, view, answer.value if answer is not None else None)
    return QuestionView(
        number=number,
        question=question,
        view=view,
        prompt_html=render_prompt(question.prompt),
        answered=shown.answered,
        chosen=set(shown.chosen),
        text=shown.text,
        rationale=shown.rationale,
        example_rules=shown.example_rules,
        sample_rows=[list(row) for row in shown.sample_rows],
        revision=answer.revision if answer is not None else 0,
        save_client=answer.save_client if answer is not None else "",
        save_seq=answer.save_seq if answer is not None else 0,
    )


def _sections(attempt: Attempt) -> list[SectionView]:
    """The attempt's questions, in its stored order, under their section titles."""
    definition = definition_of(attempt)
    answers = answers_by_question(attempt)
    order = {question_id: index for index, question_id in enumerate(attempt.question_ids)}
    sections = []
    number = 0
    for section in definition.sections:
        chosen = sorted((q for q in section.questions if q.id in order), key=lambda q: order[q.id])
        if not chosen:
            continue
        views = []
        for question in chosen:
            number += 1
            views.append(_question_view(number, question, attempt.seed, answers.get(question.id)))
        sections.append(SectionView(section.title, views))
    return sections


@bp.route("/attempts/<int:attempt_id>")
def attempt(attempt_id: int) -> ResponseReturnValue:
    current = _attempt(attempt_id)
    if current.status is not AttemptStatus.in_progress:
        return redirect(url_for(".result", attempt_id=current.id))
    _observe(current)
    now = utcnow()
    if breaks.settle(current, now):
        db.session.commit()
    sections = _sections(current)
    return render_template(
        "candidate/exam.html",
        attempt=current,
        title=_title(definition_of(current)),
        sections=sections,
        questions=[q for s in sections for q in s.questions],
        flagged=set(flagged(current)),
        runs=runs_by_question(current),
        deadline_ms=_epoch_ms(current.deadline_at),
        server_now_ms=_epoch_ms(now),
        seconds_left=_seconds_left(current, now),
        clock=_clock(current),
        allowed_minutes=accommodations.allowed_minutes(
            current, definition_of(current).time_limit_minutes
        ),
    )


def _seconds_left(attempt: Attempt, now: datetime) -> int:
    """Working time left: during a break, what will be left when it ends."""
    running_from = breaks.clock(attempt, now).break_ends_at or now
    return max(0, int((attempt.deadline_at - running_from).total_seconds()))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
def confirm_submit(attempt_id: int) -> ResponseReturnValue:
    """The submit confirmation (a page of its own, so it works without scripts), and the
    submission itself."""
    current = _attempt(attempt_id)
    if current.status is not AttemptStatus.in_progress:
        return redirect(url_for(".result", attempt_id=current.id))
    form = ActionForm()
    if form.validate_on_submit():
        submit(current)
        flash(_("Your exam was submitted."), "success")
        return redirect(url_for(".result", attempt_id=current.id))
    questions = [q for s in _sections(current) for q in s.questions]
    marks = set(flagged(current))
    return render_template(
        "candidate/submit.html",
        attempt=current,
        title=_title(definition_of(current)),
        form=form,
        questions=questions,
        unanswered=[q for q in questions if not q.answered],
        flagged=[q for q in questions if q.question.id in marks],
        minutes_left=_minutes_left(current),
    ), (400 if form.is_submitted() else 200)


@bp.route("/attempts/<int:attempt_id>/result")
def result(attempt_id: int) -> ResponseReturnValue:
    current = _attempt(attempt_id)
    if current.status is not AttemptStatus.in_progress:
        sync_coding_results(current)
    else:
        return redirect(url_for(".attempt", attempt_id=current.id))
    definition = definition_of(current)
    view = result_view(current)
    rows = []
    for number, entry in enumerate(view.questions, start=1):
        question = definition.question(entry["id"])
        rows.append(
            {
                **entry,
                "number": number,
                "type_label": TYPE_LABELS.get(question.type, question.type),
                "excerpt": prompt_excerpt(question.prompt),
                "state_label": RESULT_STATES.get(entry["state"], entry["state"]),
            }
        )
    percent = None
    if view.show_score and view.max_score:
        percent = (view.score or 0.0) / view.max_score * 100
    state = progress(current)
    return render_template(
        "candidate/result.html",
        attempt=current,
        title=_title(definition),
        view=view,
        rows=rows,
        percent=percent,
        pass_cutoff=definition.pass_cutoff,
        policy=definition.results_policy.value,
        progress=state,
        progress_label=PROGRESS_LABELS.get(state, state),
        grading=any(row["state"] == AnswerState.grading for row in rows),
        test_statuses=TEST_STATUSES,
    )


# ------------------------------------------------------------------------------ JSON API


@bp.route("/attempts/<int:attempt_id>/answers/<question_id>", methods=["POST"])
@timed_autosave
@json_errors
def save(attempt_id: int, question_id: str) -> ResponseReturnValue:
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    body = _json_object()
    stamp = _save_stamp(body)
    if "value" not in body or stamp is None:
        return _json_error(
            _('Send the answer as {"value": ...}, with "client", "seq" and "base" or none.'), 400
        )
    _observe(current)
    try:
        answer = save_answer(current, question_id, body["value"], stamp=stamp or None)
    except AttemptClosed:
        db.session.rollback()
        return _closed(current)
    except breaks.OnBreak:
        return _on_break(current)
    except StaleWrite as exc:
        # The page decides what to do with the newer text: this reply carries it.
        stored = exc.current
        return _json_error(
            str(exc),
            409,
            stale=True,
            revision=stored.revision,
            value=stored.value,
            saved_at=_iso(stored.saved_at),
            client=stored.client,
            seq=stored.seq,
            **_clock(current),
        )
    except (AnswerError, AttemptError) as exc:
        # Nothing was stored: validation happens before the answer row is touched.
        db.session.rollback()
        return _json_error(str(exc), 400)
    return jsonify(
        {
            "saved_at": _iso(answer.saved_at),
            "revision": answer.revision,
            "seq": answer.save_seq,
            **_clock(current),
        }
    )


SAVE_CLIENT = re.compile(r"[A-Za-z0-9_-]{1,40}")
SAVE_NUMBER_MAX = 2**53  # what a page's JavaScript counts exactly; well inside BIGINT too


def _save_stamp(body: dict[str, Any]) -> SaveStamp | Literal[False] | None:
    """The autosave protocol's fields: all three (a SaveStamp), none (False: an unstamped
    save, stored as before the protocol), or anything else (None: a bad request)."""
    keys = set(body) - {"value"}
    if not keys:
        return False
    client, seq, base = body.get("client"), body.get("seq"), body.get("base")
    if (
        keys != {"client", "seq", "base"}
        or not isinstance(client, str)
        or not SAVE_CLIENT.fullmatch(client)
        or type(seq) is not int
        or type(base) is not int
        or not 0 < seq < SAVE_NUMBER_MAX
        or not 0 <= base < SAVE_NUMBER_MAX
    ):
        return None
    return SaveStamp(client=client, seq=seq, base=base)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def _clock(attempt: Attempt) -> dict[str, Any]:
    """The server's time and the deadline, so the page's timer can correct itself after it
    was offline or asleep, or HR gave more time; and a break in progress (its end, else
    null) with the breaks still to take."""
    now = utcnow()
    state = breaks.clock(attempt, now)
    return {
        "server_now_ms": _epoch_ms(now),
        "deadline_ms": _epoch_ms(state.deadline_at),
        "break_ends_ms": _epoch_ms(state.break_ends_at) if state.break_ends_at else None,
        "breaks_left": state.breaks_left,
        "extension_minutes": attempt.extension_minutes,
    }


def _on_break(attempt: Attempt) -> Response:
    """423: the clock is stopped, so nothing changes; the page shows its break screen."""
    db.session.rollback()
    db.session.refresh(attempt)
    return _json_error(str(breaks.OnBreak()), 423, on_break=True, **_clock(attempt))


@bp.route("/attempts/<int:attempt_id>/clock")
@json_errors
def clock(attempt_id: int) -> ResponseReturnValue:
    """What the open page polls (every 20 s) so HR's extension reaches it without a reload;
    a closed attempt answers 409 with where to go, as a save does."""
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    if breaks.settle(current, utcnow()):
        db.session.commit()
    return jsonify(_clock(current))


@bp.route("/attempts/<int:attempt_id>/break", methods=["POST"])
@json_errors
def take_break(attempt_id: int) -> ResponseReturnValue:
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    try:
        breaks.start_break(current, utcnow())
    except breaks.BreakError as exc:
        db.session.rollback()
        return _json_error(str(exc), 400, **_clock(current))
    db.session.commit()
    return jsonify(_clock(current))


@bp.route("/attempts/<int:attempt_id>/resume", methods=["POST"])
@json_errors
def resume(attempt_id: int) -> ResponseReturnValue:
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    breaks.end_break(current, utcnow())
    db.session.commit()
    return jsonify(_clock(current))


@bp.route("/attempts/<int:attempt_id>/events", methods=["POST"])
@json_errors
def event(attempt_id: int) -> ResponseReturnValue:
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    body = _json_object()
    kind = body.get("kind")
    # Only the signals a browser can see; address, browser and session changes are the
    # server's to observe, so a page cannot forge (or dilute) them. A list or object is no
    # kind either (and cannot be looked up in a set).
    if not isinstance(kind, str) or kind not in EVENT_KINDS or not set(body) <= {"kind", "size"}:
        return _json_error(_("Unknown event."), 400)
    size = body.get("size")
    if "size" in body and (type(size) is not int or not 0 <= size < 10**9):
        return _json_error(_("The size must be a whole number."), 400)
    record_event(current, str(kind), {"size": size} if "size" in body else None)
    return "", 204


@bp.route("/attempts/<int:attempt_id>/run/<question_id>", methods=["POST"])
@json_errors
def run_tests(attempt_id: int, question_id: str) -> ResponseReturnValue:
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    try:
        job = run_visible_tests(current, question_id)
    except AttemptClosed:
        db.session.rollback()
        return _closed(current)
    except breaks.OnBreak:
        return _on_break(current)
    except AttemptError as exc:
        db.session.rollback()
        # A rate limit answers 429, so the page can say "wait" rather than "wrong".
        return _json_error(str(exc), 429 if isinstance(exc, RateLimited) else 400)
    poll = url_for(".run_status", attempt_id=current.id, question_id=question_id, job_id=job.id)
    return jsonify({"poll": poll}), 202


@bp.route("/attempts/<int:attempt_id>/run/<question_id>/<int:job_id>")
@json_errors
def run_status(attempt_id: int, question_id: str, job_id: int) -> ResponseReturnValue:
    current = _attempt(attempt_id, as_json=True)
    job = run_of(current, question_id, job_id)
    if job is None:
        return _json_error(_("There is no such test run."), 404)
    run = run_view(job, question_id, visible_test_ids(current, question_id))
    if not run.finished:
        return jsonify({"state": "running", "summary": run.summary})
    return jsonify(
        {
            "state": "done",
            "summary": run.summary,
            "run": {
                "id": run.job_id,
                "at": _iso(run.submitted_at),
                "passed": run.passed,
                "failed": run.failed,
                "total": run.total,
                "code": run.code,
            },
        }
    )


@bp.route("/attempts/<int:attempt_id>/flags/<question_id>", methods=["POST"])
@json_errors
def flag(attempt_id: int, question_id: str) -> ResponseReturnValue:
    """Flag a question for later ({"flagged": true}) or clear the flag ({"flagged": false})."""
    current = _attempt(attempt_id, as_json=True)
    if current.status is not AttemptStatus.in_progress:
        return _closed(current)
    body = _json_object()
    if set(body) != {"flagged"} or not isinstance(body["flagged"], bool):
        return _json_error(_('Send {"flagged": true} or {"flagged": false}.'), 400)
    try:
        marks = set_flag(current, question_id, body["flagged"])
    except AttemptClosed:
        db.session.rollback()
        return _closed(current)
    except AttemptError as exc:
        db.session.rollback()
        return _json_error(str(exc), 400)
    return jsonify({"flagged": marks})
