"""Onboarding: started when an offer is accepted, from the checklist its job's profile selects;
tasks done by their owners, uploads kept outside the web root, the new hire's personal details
entered once and shown masked; completion and the start day announced once each.

Status (docs/onboarding.md): `active` until every task is done (`completed`) or the start date
arrives (`started`, which wins: it is later in the hire's life); `withdrawn` when the offer is.
`completed_at` and `started_at` record each milestone, so each event is sent once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.models import Offer, OfferStatus, Onboarding, OnboardingTask, Role, User
from hirebench.models.base import utcnow
from hirebench.onboarding import personal as personal_data
from hirebench.onboarding.template import (
    Checklist,
    ChecklistError,
    checklist_for,
    load_template,
    pick,
)
from hirebench.outbox import mail
from hirebench.portfolios.uploads import FileStore, UploadError, UploadLimits, check_upload
from hirebench.services import audit
from hirebench.services.errors import ServiceError
from hirebench.services.links import external_url

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Shanghai"
UPLOAD_KINDS = ("pdf", "image")
# Owners whose tasks HR marks done for them (IT and the manager tell HR, or act in HR's name).
STAFF_OWNERS = ("hr", "it", "manager")
CLOSED = ("withdrawn",)


class OnboardingError(ServiceError):
    """An onboarding action that is refused; the message says why."""


class NotYours(OnboardingError):
    """The onboarding or task is not the user's to see or change (the view answers 404)."""


def today() -> date:
    """The date where the company is: start dates and due days are local dates."""
    zone = ZoneInfo(current_app.config.get("ONBOARDING_TIMEZONE", DEFAULT_TIMEZONE))
    return datetime.now(zone).date()


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for mail. The worker has no request, so without BASE_URL (and
    SERVER_NAME) Flask cannot name the host; a path is better than no mail at all."""
    try:
        return external_url(endpoint, **values)
    except RuntimeError:
        return current_app.url_map.bind("localhost").build(endpoint, values)


def store() -> FileStore:
    return FileStore(Path(current_app.config["UPLOAD_ROOT"]) / "onboarding")


def limits() -> UploadLimits:
    return UploadLimits(max_file_bytes=int(current_app.config["PORTFOLIO_MAX_FILE_MB"]) << 20)


# ------------------------------------------------------------------------------ starting


def on_offer_status_changed(sender: Any, **kwargs: Any) -> None:
    """Receiver of events.offer_status_changed: an accepted offer starts the onboarding, a
    withdrawn one withdraws it. Joins the sender's transaction."""
    offer = db.session.get(Offer, kwargs["offer_id"])
    if offer is None:
        return
    status = str(kwargs.get("status"))
    actor = db.session.get(User, kwargs["actor_id"]) if kwargs.get("actor_id") else None
    if status == OfferStatus.accepted:
        start(offer, actor)
    elif status == OfferStatus.withdrawn:
        withdraw(offer, actor)


def checklist_of_job(offer: Offer) -> Checklist:
    """The checklist the job's profile selects. A template that no longer loads (a shared
    file edited badly after the profile was saved) must not undo an acceptance, so the
    shipped default is used instead and the problem is audited for HR to fix."""
    definition = job_service.definition_of(offer.job)
    key = definition.onboarding if definition is not None else None
    try:
        return checklist_for(key)
    except ChecklistError as exc:
        log.warning("onboarding template of job %s unusable: %s", offer.job_id, exc)
        audit.record(
            "onboarding.template_fallback",
            target=offer.job,
            problems=[str(p) for p in exc.problems[:20]],
        )
        return load_template("default")


def start(offer: Offer, actor: User | None = None) -> Onboarding:
    """The offer's onboarding, created with its tasks on first call (flushed, not committed:
    it is part of the acceptance)."""
    existing = db.session.scalar(sa.select(Onboarding).where(Onboarding.offer_id == offer.id))
    if existing is not None:
        return existing
    checklist = checklist_of_job(offer)
    onboarding = Onboarding(
        offer_id=offer.id,
        candidate_id=offer.candidate_id,
        job_id=offer.job_id,
        start_date=offer.current.start_date,
        status="active",
        guide=checklist.guide,
    )
    for task in checklist.tasks:
        onboarding.tasks.append(
            OnboardingTask(
                key=task.key,
                title=(task.title["zh"] or task.title["en"])[:300],
                title_en=task.title["en"][:300],
                owner=task.owner,
                due_day=task.due_day,
                blocks_day_one=task.blocks_day_one,
                upload=task.upload,
                collects=task.collects,
            )
        )
    db.session.add(onboarding)
    db.session.flush()
    audit.record(
        "onboarding.start",
        actor,
        target=onboarding,
        offer_id=offer.id,
        start_date=onboarding.start_date.isoformat(),
        tasks=len(checklist.tasks),
    )
    _welcome(onboarding)
    return onboarding


def _welcome(onboarding: Onboarding) -> None:
    """The new hire's first mail: the day, time and place, and the checklist's link. Queued in
    the outbox with the acceptance, so it goes only if the acceptance is committed."""
    candidate = db.session.get(User, onboarding.candidate_id)
    if candidate is None:
        return
    locale = candidate.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    with force_locale(locale):
        body = render_template(
            "mail/onboarding_started.txt",
            onboarding=onboarding,
            address=pick(onboarding.guide.get("address"), locale),
            link=link("onboarding.mine", onboarding_id=onboarding.id),
        )
        subject = _("Welcome aboard: your onboarding checklist")
    mail.enqueue(candidate.email, subject, body, dedupe_key=f"onboarding:{onboarding.id}:welcome")


def withdraw(offer: Offer, actor: User | None = None) -> None:
    onboarding = db.session.scalar(sa.select(Onboarding).where(Onboarding.offer_id == offer.id))
    if onboarding is None or onboarding.status == "withdrawn":
        return
    onboarding.status = "withdrawn"
    audit.record("onboarding.withdraw", actor, target=onboarding, offer_id=offer.id)


# ------------------------------------------------------------------------------ reading


def onboardings_of(candidate: User) -> list[Onboarding]:
    return list(
        db.session.scalars(
            sa.select(Onboarding)
            .where(Onboarding.candidate_id == candidate.id)
            .options(selectinload(Onboarding.job))
            .order_by(Onboarding.start_date.desc(), Onboarding.id.desc())
        )
    )


def own_onboarding(onboarding_id: int, candidate: User) -> Onboarding:
    """The candidate's own onboarding, or NotYours (also for one that does not exist, so the
    answer tells nothing about other people's)."""
    onboarding = db.session.get(Onboarding, onboarding_id)
    if onboarding is None or onboarding.candidate_id != candidate.id:
        raise NotYours(_("There is no such onboarding."))
    return onboarding


def task_of(onboarding: Onboarding, task_id: int) -> OnboardingTask:
    for task in onboarding.tasks:
        if task.id == task_id:
            return task
    raise NotYours(_("There is no such task."))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    overdue: tuple[OnboardingTask, ...]
    blocking: tuple[OnboardingTask, ...]  # undone tasks that block day one

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress(onboarding: Onboarding, on: date | None = None) -> Progress:
    on = on or today()
    tasks = onboarding.tasks
    open_tasks = [task for task in tasks if not task.done]
    return Progress(
        done=len(tasks) - len(open_tasks),
        total=len(tasks),
        overdue=tuple(t for t in open_tasks if t.due_date < on),
        blocking=tuple(t for t in open_tasks if t.blocks_day_one),
    )


def hr_query(job_id: int | None = None, status: str | None = None) -> sa.Select[tuple[Onboarding]]:
    """Every onboarding for HR's list, the nearest start dates first."""
    query = (
        sa.select(Onboarding)
        .options(
            selectinload(Onboarding.tasks),
            selectinload(Onboarding.job),
            selectinload(Onboarding.candidate),
        )
        .order_by(Onboarding.start_date, Onboarding.id)
    )
    if job_id is not None:
        query = query.where(Onboarding.job_id == job_id)
    if status:
        query = query.where(Onboarding.status == status)
    return query


# ------------------------------------------------------------------------------ changing


def may_complete(task: OnboardingTask, user: User) -> bool:
    """The new hire completes their own tasks; HR (and admins) those of HR, IT and the
    manager. A task that collects personal details is done by entering them."""
    if task.collects:
        return False
    if task.owner == "new_hire":
        return user.id == task.onboarding.candidate_id
    return user.role in (Role.hr, Role.admin) and task.owner in STAFF_OWNERS


def _check_open(onboarding: Onboarding) -> None:
    if onboarding.status in CLOSED:
        raise OnboardingError(_("This onboarding was withdrawn; nothing can change any more."))


def mark_done(task: OnboardingTask, by: User, *, ip: str = "") -> None:
    """Mark the task done. A second click changes nothing. Commits."""
    _check_open(task.onboarding)
    if not may_complete(task, by):
        raise NotYours(_("You cannot complete this task."))
    if task.done:
        return
    if task.upload == "required" and not task.file_path:
        raise OnboardingError(_("Upload the file first; this task needs one."))
    _complete(task, by)
    audit.record("onboarding.task_done", by, target=task, ip=ip, key=task.key)
    _after_change(task.onboarding)
    db.session.commit()


def _complete(task: OnboardingTask, by: User) -> None:
    task.done_at = utcnow()
    task.done_by_id = by.id


def attach_file(
    task: OnboardingTask, by: User, filename: str, data: bytes, *, ip: str = ""
) -> None:
    """Check the upload as portfolio files are checked (size cap, type from the bytes), keep
    it outside the web root and replace any earlier file. A task that requires the file is
    done by uploading it. Commits."""
    onboarding = task.onboarding
    _check_open(onboarding)
    if by.id != onboarding.candidate_id or task.owner != "new_hire" or task.upload == "none":
        raise NotYours(_("You cannot upload a file for this task."))
    try:
        checked = check_upload(filename, data, limits())
        if checked.kind not in UPLOAD_KINDS:
            raise UploadError(
                checked.display_name,
                "forbidden_type",
                _("Upload a PDF or an image (PNG, JPEG) of the document."),
            )
    except UploadError as exc:
        audit.record(
            "onboarding.upload_rejected", by, target=task, ip=ip, code=exc.code, size=len(data)
        )
        db.session.commit()
        raise
    files = store()
    previous = task.file_path
    storage_name = files.save(checked.data)
    try:
        task.file_name = checked.display_name
        task.file_path = storage_name
        task.file_sha256 = checked.sha256
        task.file_size = checked.size
        if task.upload == "required" and not task.done:
            _complete(task, by)
        audit.record(
            "onboarding.upload", by, target=task, ip=ip, key=task.key, sha256=checked.sha256
        )
        _after_change(onboarding)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        files.delete(storage_name)
        raise
    if previous:
        files.delete(previous)


def read_file(task: OnboardingTask) -> bytes:
    """The task's uploaded file; OSError or ValueError when it is gone."""
    return store().read(task.file_path)


def save_personal(
    onboarding: Onboarding, by: User, fields: personal_data.PersonalFields, *, ip: str = ""
) -> None:
    """Validate and keep the new hire's ID and bank details; the task that collects them is
    done. Raises personal.PersonalDataError naming the field. Commits."""
    _check_open(onboarding)
    if by.id != onboarding.candidate_id:
        raise NotYours(_("There is no such onboarding."))
    onboarding.personal = {**personal_data.validate(fields), "entered_at": utcnow().isoformat()}
    for task in onboarding.tasks:
        if task.collects == "personal" and not task.done:
            _complete(task, by)
    # The values themselves stay out of the audit trail.
    audit.record("onboarding.personal", by, target=onboarding, ip=ip)
    _after_change(onboarding)
    db.session.commit()


def _after_change(onboarding: Onboarding) -> None:
    """Every task done: record completion and announce it, once."""
    db.session.flush()
    if onboarding.completed_at is not None or any(not t.done for t in onboarding.tasks):
        return
    onboarding.completed_at = utcnow()
    if onboarding.status == "active":
        onboarding.status = "completed"
    audit.record("onboarding.completed", target=onboarding)
    db.session.flush()
    events.onboarding_completed.send(
        onboarding,
        onboarding_id=onboarding.id,
        offer_id=onboarding.offer_id,
        candidate_id=onboarding.candidate_id,
    )


# ------------------------------------------------------------------------------ start day


def start_due(on: date | None = None) -> list[int]:
    """Mark every onboarding whose start date has come as started and announce hire_started,
    once each: the conditional UPDATE lets only one of several workers win a row. Commits
    each one with its event. Returns the ids started."""
    on = on or today()
    started: list[int] = []
    candidates = db.session.scalars(
        sa.select(Onboarding.id).where(
            Onboarding.start_date <= on,
            Onboarding.started_at.is_(None),
            Onboarding.status != "withdrawn",
        )
    ).all()
    for onboarding_id in candidates:
        won = db.session.execute(
            sa.update(Onboarding)
            .where(
                Onboarding.id == onboarding_id,
                Onboarding.started_at.is_(None),
                Onboarding.status != "withdrawn",
            )
            .values(started_at=utcnow(), status="started")
            .execution_options(synchronize_session=False)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        onboarding = db.session.get(Onboarding, onboarding_id, populate_existing=True)
        assert onboarding is not None
        audit.record("onboarding.started", target=onboarding)
        events.hire_started.send(
            onboarding,
            onboarding_id=onboarding.id,
            offer_id=onboarding.offer_id,
            candidate_id=onboarding.candidate_id,
        )
        db.session.commit()
        started.append(onboarding_id)
    return started


def days_to_start(onboarding: Onboarding, on: date | None = None) -> int:
    return (onboarding.start_date - (on or today())).days
