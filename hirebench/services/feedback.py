"""Feedback on candidates from HR, the business department and interviewers, and the
candidate's short survey after an exam."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench import events
from hirebench.extensions import db
from hirebench.models import Attempt, AttemptStatus, ExamSurvey, Feedback, Job, Role, User
from hirebench.services import audit
from hirebench.services.errors import ServiceError

MAX_FEEDBACK_CHARS = 4_000
MAX_SURVEY_COMMENT = 2_000
# Whose view a piece of feedback is, from the author's role.
SOURCE_OF_ROLE = {
    Role.hr: "hr",
    Role.admin: "hr",
    Role.business: "business",
    Role.interviewer: "interviewer",
}
SOURCE_TITLES = {
    "hr": _l("HR"),
    "business": _l("Business department"),
    "interviewer": _l("Interviewer"),
}
SURVEY_QUESTIONS = {
    "clarity": _l("The instructions were clear."),
    "relevance": _l("The tasks were relevant to the job."),
    "fairness": _l("The exam felt fair."),
    "platform": _l("The exam platform worked well."),
}


class FeedbackError(ServiceError):
    """Feedback that cannot be saved; the message says what to change."""


def add_feedback(candidate: User, job: Job, author: User, text: str, *, ip: str = "") -> Feedback:
    source = SOURCE_OF_ROLE.get(author.role)
    if source is None:
        raise FeedbackError(_("Your account cannot give feedback on candidates."))
    if candidate.role is not Role.candidate:
        raise FeedbackError(_("Feedback can only be given on a candidate."))
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise FeedbackError(_("Write the feedback first."))
    if len(text) > MAX_FEEDBACK_CHARS:
        raise FeedbackError(_("Feedback is limited to %(n)d characters.", n=MAX_FEEDBACK_CHARS))
    entry = Feedback(
        candidate_id=candidate.id, job_id=job.id, author_id=author.id, source=source, text=text
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("feedback.add", author, target=entry, ip=ip, candidate=candidate.email)
    events.evidence_changed.send(entry, candidate_id=candidate.id)
    db.session.commit()
    return entry


def feedback_for(candidate: User, job: Job) -> list[Feedback]:
    return list(
        db.session.scalars(
            sa.select(Feedback)
            .where(Feedback.candidate_id == candidate.id, Feedback.job_id == job.id)
            .order_by(Feedback.id)
        )
    )


def survey_of(attempt: Attempt) -> ExamSurvey | None:
    return db.session.scalar(sa.select(ExamSurvey).where(ExamSurvey.attempt_id == attempt.id))


def submit_survey(attempt: Attempt, ratings: Mapping[str, Any], comment: str) -> ExamSurvey:
    """Once per finished attempt; every question needs a rating from 1 to 5."""
    if attempt.status is AttemptStatus.in_progress:
        raise FeedbackError(_("The survey opens once the exam is submitted."))
    if survey_of(attempt) is not None:
        raise FeedbackError(_("You have already answered the survey. Thank you!"))
    checked: dict[str, int] = {}
    for key, question in SURVEY_QUESTIONS.items():
        value = ratings.get(key)
        try:
            number = int(value) if value not in (None, "") else 0
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 5:
            raise FeedbackError(_("Rate “%(question)s” from 1 to 5.", question=str(question)))
        checked[key] = number
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_SURVEY_COMMENT:
        raise FeedbackError(_("The comment is limited to %(n)d characters.", n=MAX_SURVEY_COMMENT))
    survey = ExamSurvey(attempt_id=attempt.id, ratings=checked, comment=comment)
    db.session.add(survey)
    db.session.flush()
    audit.record("survey.submit", attempt.candidate, target=attempt, ratings=checked)
    db.session.commit()
    return survey
