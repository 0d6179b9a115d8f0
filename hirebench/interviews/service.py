"""Structured interviews: the bank in the database, kits per job stage, the panel, and
scorecards. An interviewer sees the panel's scorecards only after submitting their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench import events
from hirebench.extensions import db
from hirebench.formatting import format_score, shorten_words
from hirebench.interviews.bank import InterviewBank
from hirebench.models import (
    Interview,
    InterviewKit,
    InterviewQuestion,
    Job,
    Panelist,
    Recommendation,
    Role,
    Scorecard,
    User,
)
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError, bounded_text

MAX_NOTES_CHARS = 4_000
MAX_SUMMARY_CHARS = 8_000
RATINGS = (1, 2, 3, 4, 5)
QUESTION_LABEL_CHARS = 60  # a question named in an error message, shortened at a word
# A verdict that contradicts the mean question rating needs a summary saying why
# (docs/reviews.md, "Interview scorecards").
STRONG_NO_NEEDS_SUMMARY_FROM = 3.5  # strong no with a mean rating at or above this
STRONG_YES_NEEDS_SUMMARY_UP_TO = 2.5  # strong yes with a mean rating at or below this


class InterviewError(ServiceError):
    """Bad interview input; the message says what to change, and `fields` names the form
    fields at fault ("rating-<question id>", "competency-<id>", "summary")."""

    def __init__(self, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.fields = list(fields)


class NotOnPanel(ServiceError):
    """The interviewer is not on this interview's panel."""


# --------------------------------------------------------------------------------- bank


def load_bank(bank: InterviewBank) -> tuple[int, int]:
    """Insert or update the bank's questions by id; questions no longer in the file are kept
    (kits copied them) but retired from new kits. Returns (created, updated)."""
    titles = {c.id: c.title for c in bank.competencies}
    existing = {q.slug: q for q in db.session.scalars(sa.select(InterviewQuestion))}
    created = updated = 0
    for question in bank.questions:
        row = existing.pop(question.id, None)
        definition = question.to_json()
        if row is None:
            row = InterviewQuestion(slug=question.id)
            db.session.add(row)
            created += 1
        elif row.definition != definition or not row.active:
            updated += 1
        row.competency = question.competency
        row.competency_title = titles[question.competency]
        row.definition = definition
        row.active = True
        row.updated_at = utcnow()
    for retired in existing.values():
        retired.active = False
    db.session.commit()
    return created, updated


def bank_by_competency() -> list[tuple[str, str, list[InterviewQuestion]]]:
    """(competency id, title, active questions), in the bank's order."""
    groups: dict[str, tuple[str, list[InterviewQuestion]]] = {}
    rows = db.session.scalars(
        sa.select(InterviewQuestion).where(InterviewQuestion.active).order_by(InterviewQuestion.id)
    )
    for row in rows:
        groups.setdefault(row.competency, (row.competency_title, []))[1].append(row)
    return [(key, title, questions) for key, (title, questions) in groups.items()]


# --------------------------------------------------------------------------------- kits


def create_kit(
    job: Job, stage: str, title: str, question_slugs: Sequence[str], *, by: User, ip: str = ""
) -> InterviewKit:
    stage, title = stage.strip(), title.strip()
    if not stage or not title:
        raise InterviewError(_("Give the kit a stage and a title."))
    if not question_slugs:
        raise InterviewError(_("Choose at least one question for the kit."))
    rows = {
        q.slug: q
        for q in db.session.scalars(
            sa.select(InterviewQuestion).where(
                InterviewQuestion.slug.in_(question_slugs), InterviewQuestion.active
            )
        )
    }
    missing = [slug for slug in question_slugs if slug not in rows]
    if missing:
        raise InterviewError(_("Unknown question: %(id)s.", id=missing[0][:64]))
    taken = db.session.scalar(
        sa.select(InterviewKit.id).where(InterviewKit.job_id == job.id, InterviewKit.stage == stage)
    )
    if taken is not None:
        raise InterviewError(
            _("This job already has a kit for the stage “%(stage)s”.", stage=stage)
        )
    questions = [
        {**rows[slug].definition, "competency_title": rows[slug].competency_title}
        for slug in dict.fromkeys(question_slugs)
    ]
    kit = InterviewKit(job_id=job.id, stage=stage, title=title, questions=questions)
    kit.created_by_id = by.id
    db.session.add(kit)
    db.session.flush()
    audit.record("interview.kit_created", by, target=kit, ip=ip, questions=len(questions))
    db.session.commit()
    return kit


def kit_competencies(kit: InterviewKit) -> list[tuple[str, str]]:
    """(competency id, title) of the kit's questions, in first-asked order."""
    seen: dict[str, str] = {}
    for question in kit.questions:
        seen.setdefault(question["competency"], question.get("competency_title", ""))
    return list(seen.items())


# ---------------------------------------------------------------------------- interviews


def schedule(
    kit: InterviewKit,
    candidate: User,
    interviewers: Sequence[User],
    scheduled_at: datetime | None,
    *,
    by: User,
    ip: str = "",
) -> Interview:
    if candidate.role is not Role.candidate:
        raise InterviewError(_("Only a candidate can be interviewed."))
    panel = list({u.id: u for u in interviewers}.values())
    if not panel:
        raise InterviewError(_("Choose at least one interviewer."))
    for person in panel:
        if person.role is not Role.interviewer or not person.active:
            raise InterviewError(_("%(email)s is not an active interviewer.", email=person.email))
    interview = Interview(kit_id=kit.id, candidate_id=candidate.id, scheduled_at=scheduled_at)
    interview.created_by_id = by.id
    interview.panel = [Panelist(interviewer_id=person.id) for person in panel]
    db.session.add(interview)
    db.session.flush()
    audit.record(
        "interview.scheduled",
        by,
        target=interview,
        ip=ip,
        candidate=candidate.email,
        panel=[p.email for p in panel],
    )
    events.evidence_changed.send(interview, candidate_id=candidate.id)
    events.interview_scheduled.send(
        interview,
        interview_id=interview.id,
        candidate_id=candidate.id,
        interviewer_ids=tuple(person.id for person in panel),
    )
    db.session.commit()
    return interview


def interviews_for_job(candidate_id: int, job_id: int) -> list[Interview]:
    """A candidate's interviews from this job's kits, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Interview)
            .join(InterviewKit, InterviewKit.id == Interview.kit_id)
            .where(Interview.candidate_id == candidate_id, InterviewKit.job_id == job_id)
            .order_by(Interview.id)
        )
    )


def interviews_query(interviewer: User) -> sa.Select[tuple[Interview]]:
    """An interviewer's interviews, those still waiting for their scorecard first (what they
    have to do), then unscheduled ones and the newest: a long history never pushes today's
    work off page one."""
    submitted = (
        sa.select(Scorecard.id)
        .where(Scorecard.interview_id == Interview.id, Scorecard.interviewer_id == interviewer.id)
        .exists()
    )
    return (
        sa.select(Interview)
        .join(Panelist, Panelist.interview_id == Interview.id)
        .where(Panelist.interviewer_id == interviewer.id)
        .order_by(
            sa.case((submitted, 1), else_=0),
            Interview.scheduled_at.desc().nulls_first(),
            Interview.id.desc(),
        )
    )


def interview_for(interview_id: int, interviewer: User, *, ip: str = "") -> Interview:
    on_panel = sa.select(Panelist.id).where(
        Panelist.interview_id == interview_id, Panelist.interviewer_id == interviewer.id
    )
    interview = db.session.get(Interview, interview_id)
    if db.session.scalar(on_panel) is None:
        interview = None
    if interview is None:
        audit.record_denial(
            "interview.denied",
            interviewer,
            target_type="Interview",
            target_id=interview_id,
            ip=ip,
            interview_id=interview_id,
        )
        db.session.commit()
        raise NotOnPanel(_("You are not on this interview's panel."))
    return interview


def current_scorecards(interview: Interview) -> list[Scorecard]:
    return [s for s in interview.scorecards if s.is_current]


def own_scorecard(interview: Interview, interviewer: User) -> Scorecard | None:
    return next(
        (s for s in current_scorecards(interview) if s.interviewer_id == interviewer.id), None
    )


def panel_visible(interview: Interview, interviewer: User) -> bool:
    return own_scorecard(interview, interviewer) is not None


def _rating(value: Any, what: str, field: str) -> int | None:
    """The rating, or None when none was given (the caller lists every missing one)."""
    if value is None or value == "":
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if isinstance(value, float | bool) or rating not in RATINGS:
        raise InterviewError(
            _("The rating for %(what)s must be a whole number from 1 to 5.", what=what), [field]
        )
    return rating


def _ratings(
    interview: Interview,
    question_ratings: Mapping[str, Mapping[str, Any]],
    competency_ratings: Mapping[str, Any],
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Every question's and competency's rating, checked; one error names all missing ones."""
    questions: dict[str, dict[str, Any]] = {}
    competencies: dict[str, int] = {}
    missing: list[tuple[str, str]] = []  # (form field, label)
    for question in interview.kit.questions:
        given = question_ratings.get(question["id"]) or {}
        label = _("question “%(text)s”", text=shorten_words(question["text"], QUESTION_LABEL_CHARS))
        field = f"rating-{question['id']}"
        rating = _rating(given.get("rating"), label, field)
        if rating is None:
            missing.append((field, label))
        questions[question["id"]] = {
            "rating": rating,
            "notes": bounded_text(
                given.get("notes"), MAX_NOTES_CHARS, _("The evidence notes"), InterviewError
            ),
        }
    for key, title in kit_competencies(interview.kit):
        label = _("competency “%(title)s”", title=title)
        rating = _rating(competency_ratings.get(key), label, f"competency-{key}")
        if rating is None:
            missing.append((f"competency-{key}", label))
        else:
            competencies[key] = rating
    if missing:
        raise InterviewError(
            _("Give a rating for %(what)s.", what="; ".join(label for _f, label in missing)),
            [field for field, _label in missing],
        )
    return questions, competencies


def _check_verdict(verdict: Recommendation, ratings: Sequence[int], summary: str) -> None:
    """A verdict against the ratings (strong no over a mean of 3.5 or more, strong yes under a
    mean of 2.5 or less) is allowed, but only with a summary that says why."""
    if summary or not ratings:
        return
    mean = sum(ratings) / len(ratings)
    if verdict is Recommendation.strong_no and mean >= STRONG_NO_NEEDS_SUMMARY_FROM:
        message = _(
            "“Strong no” contradicts a mean rating of %(mean)s; say why in the summary.",
            mean=format_score(mean),
        )
    elif verdict is Recommendation.strong_yes and mean <= STRONG_YES_NEEDS_SUMMARY_UP_TO:
        message = _(
            "“Strong yes” contradicts a mean rating of %(mean)s; say why in the summary.",
            mean=format_score(mean),
        )
    else:
        return
    raise InterviewError(message, ["summary"])


def submit_scorecard(
    interview: Interview,
    interviewer: User,
    *,
    question_ratings: Mapping[str, Mapping[str, Any]],
    competency_ratings: Mapping[str, Any],
    recommendation: str,
    summary: str = "",
    ip: str = "",
) -> Scorecard:
    """A scorecard, or a new version of the interviewer's scorecard; earlier ones are kept.
    Every question and every competency of the kit needs a rating."""
    if not any(p.interviewer_id == interviewer.id for p in interview.panel):
        raise NotOnPanel(_("You are not on this interview's panel."))
    questions, competencies = _ratings(interview, question_ratings, competency_ratings)
    try:
        verdict = Recommendation(recommendation)
    except ValueError:
        raise InterviewError(
            _("Choose an overall recommendation: strong no, no, yes or strong yes."),
            ["recommendation"],
        ) from None
    summary = bounded_text(summary, MAX_SUMMARY_CHARS, _("The summary"), InterviewError)
    _check_verdict(verdict, [q["rating"] for q in questions.values()], summary)
    # Every check is done before an earlier version is touched, so a refused edit leaves the
    # session clean even for a caller that does not roll back.
    previous = [s for s in interview.scorecards if s.interviewer_id == interviewer.id]
    for old in previous:
        old.is_current = False
    card = Scorecard(
        interviewer_id=interviewer.id,
        version=len(previous) + 1,
        question_ratings=questions,
        competency_ratings=competencies,
        recommendation=verdict,
        summary=summary,
    )
    interview.scorecards.append(card)
    db.session.flush()
    audit.record(
        "interview.scorecard" if card.version == 1 else "interview.scorecard_edit",
        interviewer,
        target=interview,
        ip=ip,
        version=card.version,
        recommendation=verdict.value,
        ratings={key: value["rating"] for key, value in questions.items()},
        competencies=competencies,
    )
    events.evidence_changed.send(card, candidate_id=interview.candidate_id)
    db.session.commit()
    return card
