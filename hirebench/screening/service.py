"""Screening resumes for a job: import (every file gets a row, readable or not), ranking with
explanations, the over-budget override, and inviting a shortlist to the job's exam."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_mailman.message import BadHeaderError

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.jobs.service import definition_of, ensure_application
from hirebench.models import Job, Resume, User
from hirebench.screening.fields import ResumeFields
from hirebench.screening.match import match
from hirebench.screening.parse import parse_resume
from hirebench.screening.text import ResumeFileError, display_name, extract_text
from hirebench.services import audit, invitations
from hirebench.services.errors import ServiceError


class ScreeningError(ServiceError):
    """A screening action that cannot be done; the message says why."""


def _profile(job: Job) -> JobProfileDefinition:
    definition = definition_of(job)
    if definition is None:
        raise ScreeningError(
            _("“%(title)s” has no job profile yet: add its skills first.", title=job.title)
        )
    return definition


def _apply_match(resume: Resume, profile: JobProfileDefinition, today: date) -> None:
    assert resume.fields is not None
    result = match(ResumeFields.from_json(resume.fields), profile, today)
    resume.match = result.to_json()
    resume.score = result.score
    resume.over_budget = "over_budget" in result.flags
    resume.unstable = "unstable" in result.flags


def import_files(
    job: Job,
    files: Sequence[tuple[str, bytes]],
    *,
    by: User | None = None,
    today: date | None = None,
) -> list[Resume]:
    """One result per file, in order: an unreadable file is kept with its reason, never dropped.
    Importing the same bytes again for the job updates their row, except that a copy that
    cannot be read (under another name) leaves a readable row as it was; its result is then
    not stored. Commits."""
    profile = _profile(job)
    today = today or date.today()
    results: list[Resume] = []
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        resume = db.session.scalar(
            sa.select(Resume).where(Resume.job_id == job.id, Resume.sha256 == digest)
        )
        try:
            text = extract_text(name, data)
        except ResumeFileError as exc:
            if resume is not None and resume.status == "ok":
                # These bytes were read before under another name: a copy that cannot be read
                # under this one (say a .pdf saved as .doc) must not erase what was read.
                results.append(_unread_copy(job, name, digest, exc))
                continue
            resume = resume or _new_resume(job, digest)
            _name_and_importer(resume, name, by)
            resume.status, resume.error_code, resume.error = "error", exc.code, str(exc)[:500]
            resume.fields = resume.match = resume.score = None
            resume.over_budget = resume.unstable = False
        else:
            resume = resume or _new_resume(job, digest)
            _name_and_importer(resume, name, by)
            resume.status, resume.error_code, resume.error = "ok", "", ""
            resume.fields = parse_resume(text, today=today).to_json()
            _apply_match(resume, profile, today)
            if resume.candidate_id is not None:  # the screening stage of their scorecard
                events.evidence_changed.send(resume, candidate_id=resume.candidate_id)
        results.append(resume)
    db.session.flush()
    audit.record(
        "screening.import",
        by,
        target=job,
        files=len(files),
        errors=sum(1 for r in results if r.status == "error"),
    )
    db.session.commit()
    return results


def _new_resume(job: Job, digest: str) -> Resume:
    resume = Resume(job_id=job.id, sha256=digest)
    db.session.add(resume)
    return resume


def _name_and_importer(resume: Resume, name: str, by: User | None) -> None:
    # Cleaned as the messages show it: no bidi overrides, NULs or paths; extension kept.
    resume.file_name = display_name(name)
    resume.imported_by_id = by.id if by is not None else None


def _unread_copy(job: Job, name: str, digest: str, exc: ResumeFileError) -> Resume:
    """The import's answer for an unreadable copy of a resume already read: never stored."""
    return Resume(
        job_id=job.id,
        sha256=digest,
        file_name=display_name(name),
        status="error",
        error_code=exc.code,
        error=str(exc)[:500],
    )


def rescreen(job: Job, today: date | None = None) -> None:
    """Match every readable resume again, after the job profile changed."""
    profile = _profile(job)
    for resume in db.session.scalars(
        sa.select(Resume).where(Resume.job_id == job.id, Resume.status == "ok")
    ):
        _apply_match(resume, profile, today or date.today())
        if resume.candidate_id is not None:  # the screening stage of their scorecard moved
            events.evidence_changed.send(resume, candidate_id=resume.candidate_id)
    db.session.flush()


def on_job_profile_saved(sender: object, *, job_id: int, **_kwargs: object) -> None:
    """Receiver of `job_profile_saved`. Joins the saving transaction."""
    job = db.session.get(Job, job_id)
    if job is not None:
        rescreen(job)


@dataclass(frozen=True)
class Ranking:
    ranked: list[Resume]  # within budget, or over budget and kept by HR, best first
    over_budget: list[Resume]  # excluded by default
    errors: list[Resume]


def ranking(job: Job) -> Ranking:
    resumes = list(
        db.session.scalars(sa.select(Resume).where(Resume.job_id == job.id).order_by(Resume.id))
    )
    readable = [r for r in resumes if r.status == "ok"]
    best_first = sorted(readable, key=lambda r: (-(r.score or 0.0), r.id))
    return Ranking(
        ranked=[r for r in best_first if not r.over_budget or r.included],
        over_budget=[r for r in best_first if r.over_budget and not r.included],
        errors=[r for r in resumes if r.status == "error"],
    )


def set_included(resume: Resume, include: bool, reason: str, *, by: User, ip: str = "") -> None:
    """Keep an over-budget resume in the ranked list (or take it out again), with a reason."""
    reason = (reason or "").strip()
    if include and not reason:
        raise ScreeningError(_("Give a reason for keeping an over-budget candidate."))
    if len(reason) > 500:
        raise ScreeningError(_("The reason is limited to 500 characters."))
    resume.included = include
    resume.override_reason = reason if include else ""
    audit.record("screening.override", by, target=resume, ip=ip, include=include, reason=reason)
    db.session.commit()


InviteStatus = Literal["invited", "already_invited", "skipped"]


@dataclass(frozen=True)
class InviteOutcome:
    """What became of one resume of a shortlist; `message` is the email invited, or why not."""

    resume: Resume
    status: InviteStatus
    message: str

    @property
    def invited(self) -> bool:
        return self.status == "invited"


def invite_shortlist(
    job: Job,
    resume_ids: Sequence[int],
    *,
    by: User,
    link_for: Callable[[str], str],
    ip: str = "",
) -> list[InviteOutcome]:
    """Invite each chosen resume's candidate through the invitation flow. Each invitation is
    its own transaction: one without an email address, or whose mail fails, does not stop
    the others."""
    if not resume_ids:
        raise ScreeningError(_("Choose at least one candidate for the shortlist."))
    # Every id is checked before anyone is invited: a bad one must not leave the shortlist
    # half invited (and mailed) behind an error. A repeated id is invited once.
    chosen: list[Resume] = []
    for resume_id in dict.fromkeys(resume_ids):
        resume = db.session.get(Resume, resume_id)
        if resume is None or resume.job_id != job.id or resume.status != "ok":
            raise ScreeningError(_("Resume %(id)s is not in this job's list.", id=resume_id))
        chosen.append(resume)
    outcomes: list[InviteOutcome] = []
    for resume in chosen:
        fields = ResumeFields.from_json(resume.fields or {})
        if resume.candidate_id is not None:
            # Sending the shortlist again (a reloaded result page) must not mail anyone twice.
            outcomes.append(InviteOutcome(resume, "already_invited", fields.email or ""))
            continue
        if not fields.email:
            outcomes.append(InviteOutcome(resume, "skipped", _("no email address in the resume")))
            continue
        try:
            issued = invitations.invite_candidate(
                name=fields.name or fields.email,
                email=fields.email,
                job=job,
                invited_by=by,
                ttl_hours=current_app.config["INVITATION_TTL_HOURS"],
                ip=ip,
            )
            # An account that can already log in gets a notice, not a set-password link.
            link = link_for(issued.token) if issued.token is not None else None
            invitations.send_invitation_mail(issued, link)
        except invitations.DuplicateInvitation as exc:
            # HR invited this person by hand and the link is still open: the resume is theirs,
            # and nobody is mailed twice (HR can resend from the invitations list).
            candidate_id, email = exc.invitation.candidate_id, exc.invitation.candidate.email
            db.session.rollback()
            resume.candidate_id = candidate_id
            db.session.commit()
            outcomes.append(InviteOutcome(resume, "already_invited", email))
            continue
        except ServiceError as exc:
            db.session.rollback()
            outcomes.append(InviteOutcome(resume, "skipped", str(exc)))
            continue
        except (OSError, BadHeaderError):
            db.session.rollback()
            outcomes.append(InviteOutcome(resume, "skipped", _("the invitation mail failed")))
            continue
        candidate = issued.candidate
        resume.candidate_id = candidate.id
        application = ensure_application(candidate, job)
        # The invitation created it a moment ago; say where the candidate really came from.
        application.source = "screening"
        if fields.salary is not None:
            application.salary_expectation = {
                "min": fields.salary.min,
                "max": fields.salary.max,
                "period": fields.salary.period,
            }
        # The salary expectation is evidence too (the budget flag); recomputed once at commit,
        # with the invitation's own change.
        events.evidence_changed.send(application, candidate_id=candidate.id)
        db.session.commit()
        outcomes.append(InviteOutcome(resume, "invited", candidate.email))
    return outcomes


def resume_for(candidate_id: int, job_id: int) -> Resume | None:
    return db.session.scalars(
        sa.select(Resume)
        .where(Resume.candidate_id == candidate_id, Resume.job_id == job_id)
        .order_by(Resume.id.desc())
    ).first()
