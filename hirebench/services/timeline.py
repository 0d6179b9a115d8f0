"""A candidate's applications as timelines, for their home page: per job, the stages in order
(invited, exam, portfolio, interview, decision, then the offer and onboarding once they
exist), each done, current, upcoming or not part of the job, with what comes next and any
deadline. Read only: everything is derived from the rows the stages leave behind (and HR's
rejection in the pipeline), so the timeline cannot disagree with the exam list, the portfolio
or the offer pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from hirebench.exams.attempts import progress
from hirebench.exams.loader import current_version
from hirebench.extensions import db
from hirebench.interviews.service import interviews_for_job
from hirebench.jobs.profile import JobProfileDefinition, Stage
from hirebench.jobs.service import applications_of, definition_of
from hirebench.models import (
    Application,
    Attempt,
    Exam,
    Interview,
    Offer,
    OfferStatus,
    Onboarding,
    User,
)
from hirebench.models.base import utcnow
from hirebench.portfolios.service import cases_of, review_item_of


class StepState(enum.StrEnum):
    done = "done"
    current = "current"  # the first stage not yet done: what comes next
    upcoming = "upcoming"
    skipped = "skipped"  # not part of this job
    passed = "passed"  # left open when the decision came: no longer needed


class StepKey(enum.StrEnum):
    invited = "invited"
    exam = "exam"
    portfolio = "portfolio"
    interview = "interview"
    decision = "decision"
    offer = "offer"
    onboarding = "onboarding"


class Action(enum.StrEnum):
    """What the candidate can open from a stage; the page turns each into a link."""

    start_exam = "start_exam"  # target: the exam's slug
    continue_exam = "continue_exam"  # target: the attempt id
    exam_result = "exam_result"  # target: the attempt id
    portfolio = "portfolio"
    offer = "offer"  # target: the offer id
    onboarding = "onboarding"  # target: the onboarding id


@dataclass(frozen=True)
class Deadline:
    text: str  # the sentence, in the reader's language, with the time in it
    at: datetime | date  # for <time datetime>


@dataclass(frozen=True)
class Link:
    action: Action
    label: str
    target: int | str | None = None


@dataclass(frozen=True)
class Step:
    key: StepKey
    title: str
    state: StepState
    note: str  # what happened, or what happens next
    deadline: Deadline | None = None
    link: Link | None = None
    # The next move is the candidate's, not the team's: the page says "your next step".
    yours: bool = False


@dataclass(frozen=True)
class Timeline:
    application: Application
    steps: tuple[Step, ...]

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.state is StepState.current), None)

    @property
    def latest(self) -> Step:
        """The last stage reached: where a timeline with nothing current stands."""
        return next(s for s in reversed(self.steps) if s.state is StepState.done)


# A stage's own finding, before the order decides which open stage is current.
_OPEN = StepState.upcoming


def _when(moment: datetime) -> str:
    """Times are stored as naive UTC and shown as UTC, as on the exam and interview pages."""
    return _("%(time)s UTC", time=moment.strftime("%Y-%m-%d %H:%M"))


def _day(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m-%d")


def timelines_of(candidate: User) -> list[Timeline]:
    """One timeline per application, newest application first."""
    return [timeline(application) for application in applications_of(candidate)]


def timeline(application: Application) -> Timeline:
    profile = definition_of(application.job)
    offer = _offer(application)
    onboarding = _onboarding(offer)
    steps = [
        _invited(application),
        _exam(application, profile),
        _portfolio(application, profile),
        _interview(application, profile),
    ]
    steps.append(_decision(application, offer, all(s.state is not _OPEN for s in steps)))
    if offer is not None:
        steps.append(_offer_step(offer))
    if onboarding is not None:
        steps.append(_onboarding_step(onboarding))
    return Timeline(application, _ordered(steps))


def _ordered(steps: list[Step]) -> tuple[Step, ...]:
    """The first open stage is the current one and the open stages after it are upcoming;
    but once the decision is made, a stage still open before it is no longer needed (an
    offer made before the interview, say). Stages done out of order stay done."""
    decided = next(i for i, s in enumerate(steps) if s.key is StepKey.decision)
    if steps[decided].state is StepState.done:
        steps[:decided] = [
            replace(s, state=StepState.passed, note=_("No longer needed."), deadline=None)
            if s.state is _OPEN
            else s
            for s in steps[:decided]
        ]
    for index, step in enumerate(steps):
        if step.state is _OPEN:
            steps[index] = replace(step, state=StepState.current)
            break
    return tuple(steps)


def _invited(application: Application) -> Step:
    day = _day(application.created_at)
    # A shortlisted resume is invited too (screening.invite_shortlist); HR may also add one.
    if application.source in ("invitation", "screening"):
        return Step(
            StepKey.invited, _("Invited"), StepState.done, _("Invited on %(date)s.", date=day)
        )
    return Step(StepKey.invited, _("Applied"), StepState.done, _("Applied on %(date)s.", date=day))


def _latest_attempt(candidate_id: int, slug: str) -> tuple[Exam | None, Attempt | None]:
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == slug))
    if exam is None:
        return None, None
    attempt = db.session.scalar(
        sa.select(Attempt)
        .where(Attempt.candidate_id == candidate_id, Attempt.exam_id == exam.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(1)
    )
    return exam, attempt


def _exam(application: Application, profile: JobProfileDefinition | None) -> Step:
    title = _("Online exam")
    if profile is None or profile.exam is None:
        return Step(StepKey.exam, title, StepState.skipped, _("This job has no online exam."))
    exam, attempt = _latest_attempt(application.candidate_id, profile.exam)
    if exam is None or (attempt is None and current_version(exam) is None):
        return Step(StepKey.exam, title, _OPEN, _("The exam is not open yet; we will tell you."))
    if attempt is None:
        note = _("Take the online exam. It is timed: start it when you have the time free.")
        return Step(
            StepKey.exam,
            title,
            _OPEN,
            note,
            link=Link(Action.start_exam, _("Start the exam"), exam.slug),
            yours=True,
        )
    state = progress(attempt)
    if state == "in_progress":
        minutes = max(0, int((attempt.deadline_at - utcnow()).total_seconds() // 60))
        return Step(
            StepKey.exam,
            title,
            _OPEN,
            ngettext(
                "You have started the exam: %(num)d minute left.",
                "You have started the exam: %(num)d minutes left.",
                minutes,
            ),
            deadline=Deadline(
                _("Submit by %(when)s", when=_when(attempt.deadline_at)), attempt.deadline_at
            ),
            link=Link(Action.continue_exam, _("Continue the exam"), attempt.id),
            yours=True,
        )
    submitted = _day(attempt.submitted_at or attempt.started_at)
    notes = {
        "grading": _("Submitted on %(date)s; it is being graded.", date=submitted),
        "awaiting_review": _(
            "Submitted on %(date)s; reviewers are scoring your written answers.", date=submitted
        ),
    }
    note = notes.get(state, _("Submitted on %(date)s and graded.", date=submitted))
    return Step(
        StepKey.exam,
        title,
        StepState.done,
        note,
        link=Link(Action.exam_result, _("View the result"), attempt.id),
    )


def _portfolio(application: Application, profile: JobProfileDefinition | None) -> Step:
    title = _("Project portfolio")
    if profile is not None and profile.weight(Stage.portfolio) <= 0:
        note = _("This job does not ask for a project portfolio.")
        return Step(StepKey.portfolio, title, StepState.skipped, note)
    cases = cases_of(application.candidate)
    if not cases:
        return Step(
            StepKey.portfolio,
            title,
            _OPEN,
            _("Add at least one project you worked on to your portfolio."),
            link=Link(Action.portfolio, _("Add a project")),
            yours=True,
        )
    reviewed = all((item := review_item_of(case)) is not None and item.complete for case in cases)
    if reviewed:
        note = ngettext(
            "Your project has been reviewed.",
            "Your %(num)d projects have been reviewed.",
            len(cases),
        )
    else:
        note = ngettext(
            "%(num)d project submitted; reviewers are looking at it.",
            "%(num)d projects submitted; reviewers are looking at them.",
            len(cases),
        )
    return Step(
        StepKey.portfolio,
        title,
        StepState.done,
        note,
        link=Link(Action.portfolio, _("Your portfolio")),
    )


def _interview(application: Application, profile: JobProfileDefinition | None) -> Step:
    title = _("Interview")
    interviews = interviews_for_job(application.candidate_id, application.job_id)
    if not interviews and profile is not None and profile.weight(Stage.interview) <= 0:
        return Step(StepKey.interview, title, StepState.skipped, _("This job has no interview."))
    now = utcnow()
    coming = sorted(
        (i for i in interviews if i.scheduled_at is not None and i.scheduled_at >= now),
        key=lambda i: i.scheduled_at or now,
    )
    if coming:
        at = coming[0].scheduled_at
        assert at is not None
        return Step(
            StepKey.interview,
            title,
            _OPEN,
            _("Your interview is scheduled."),
            deadline=Deadline(_("Interview on %(when)s", when=_when(at)), at),
        )
    held = [i for i in interviews if _held(i, now)]
    if held and len(held) == len(interviews):
        last = max(_held_on(i) for i in held)
        return Step(
            StepKey.interview, title, StepState.done, _("Interviewed on %(date)s.", date=_day(last))
        )
    if interviews:
        note = _("Your interview is being arranged; we will tell you the time.")
    else:
        note = _("If your application goes on, we will invite you to an interview.")
    return Step(StepKey.interview, title, _OPEN, note)


def _held(interview: Interview, now: datetime) -> bool:
    """Past its time, or already scored (an interview held without a time entered)."""
    if interview.scheduled_at is not None and interview.scheduled_at < now:
        return True
    return any(card.is_current for card in interview.scorecards)


def _held_on(interview: Interview) -> datetime:
    """Its time, or when its first scorecard came in for one held without a time entered."""
    if interview.scheduled_at is not None:
        return interview.scheduled_at
    cards = [card.submitted_at for card in interview.scorecards]
    return min(cards) if cards else interview.created_at


def _offer(application: Application) -> Offer | None:
    """The newest offer the candidate has been sent for this job (a draft is HR's business)."""
    return db.session.scalar(
        sa.select(Offer)
        .where(Offer.application_id == application.id, Offer.sent_at.is_not(None))
        .order_by(Offer.id.desc())
        .limit(1)
    )


def _onboarding(offer: Offer | None) -> Onboarding | None:
    if offer is None:
        return None
    return db.session.scalar(sa.select(Onboarding).where(Onboarding.offer_id == offer.id))


def _decision(application: Application, offer: Offer | None, earlier_done: bool) -> Step:
    title = _("Decision")
    if offer is not None:
        return Step(StepKey.decision, title, StepState.done, _("We decided to make you an offer."))
    if application.rejected_at is not None:
        # HR's reason is their record (hirebench/jobs/pipeline.py), not a message to the
        # candidate: the page says only what was decided.
        note = _("We decided not to go on with your application. Thank you for your time.")
        return Step(StepKey.decision, title, StepState.done, note)
    if earlier_done:
        note = _("The team is looking at your results; we will be in touch.")
    else:
        note = _("Once the stages above are done, the team decides.")
    return Step(StepKey.decision, title, _OPEN, note)


def _offer_status(offer: Offer) -> OfferStatus:
    """As the offer pages show it: a sent offer past its date is expired before the periodic
    task marks it."""
    valid_until = offer.current.valid_until
    if offer.status is OfferStatus.sent and valid_until < utcnow().date():
        return OfferStatus.expired
    return offer.status


def _offer_step(offer: Offer) -> Step:
    title = _("Offer")
    status = _offer_status(offer)
    valid_until = offer.current.valid_until
    link = Link(Action.offer, _("View the offer"), offer.id)
    if status is OfferStatus.sent:
        return Step(
            StepKey.offer,
            title,
            _OPEN,
            _("Read the offer and reply to it."),
            deadline=Deadline(_("Reply by %(date)s", date=_day(valid_until)), valid_until),
            link=link,
            yours=True,
        )
    answered = _day(offer.responded_at or offer.updated_at)
    notes = {
        OfferStatus.accepted: _("You accepted the offer on %(date)s.", date=answered),
        OfferStatus.declined: _("You declined the offer on %(date)s.", date=answered),
        OfferStatus.expired: _("The offer expired on %(date)s.", date=_day(valid_until)),
    }
    note = notes.get(status, _("The offer was withdrawn."))
    return Step(StepKey.offer, title, StepState.done, note, link=link)


def _onboarding_step(onboarding: Onboarding) -> Step:
    title = _("Onboarding")
    link = Link(Action.onboarding, _("Your checklist"), onboarding.id)
    first_day = onboarding.start_date
    if onboarding.status == "active":
        return Step(
            StepKey.onboarding,
            title,
            _OPEN,
            _("Work through your onboarding checklist before your first day."),
            deadline=Deadline(_("First day: %(date)s", date=_day(first_day)), first_day),
            link=link,
            yours=True,
        )
    if onboarding.status == "withdrawn":
        note = _("Onboarding was stopped.")
    else:
        note = _("You started on %(date)s. Welcome aboard!", date=_day(first_day))
    return Step(StepKey.onboarding, title, StepState.done, note, link=link)
