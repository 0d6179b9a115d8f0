"""Onboarding reminders, mailed through the outbox by the worker (never by a web request).

For a given date, an undone task of an onboarding that is not withdrawn gets:

- a `due` reminder on its due date;
- an `overdue` reminder the day after its due date, then one a week (days 1, 8, 15, ... after
  the due date), for at most OVERDUE_DAYS days. A run that misses a day (the worker was down)
  still sends the reminder of the week it is in, since each week is one slot.

Each reminder goes to each of its task owner's people (docs/onboarding.md): the new hire for
`new_hire`; for `hr` and `it` (hirebench has no IT role; HR passes it on) the HR user who made
the offer, or every active HR user when that account is gone; for `manager` every active
business user (the hiring department), or HR when there is none. Every mail carries the dedupe
key `onboarding-task:<task id>:<kind>:<slot date>:<user id>`, so running twice, on two workers
or after a restart never queues one twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from hirebench.extensions import db
from hirebench.models import Offer, Onboarding, OnboardingTask, OutgoingMail, Role, User
from hirebench.onboarding import service
from hirebench.outbox import mail

OVERDUE_DAYS = 60
WEEK = 7


@dataclass(frozen=True)
class Reminder:
    kind: str  # "due" or "overdue"
    slot: date  # the due date, or the first day of the overdue week
    task_id: int
    task_key: str
    onboarding_id: int
    user_id: int
    to: str
    subject: str
    body: str

    @property
    def dedupe_key(self) -> str:
        return f"onboarding-task:{self.task_id}:{self.kind}:{self.slot.isoformat()}:{self.user_id}"

    def as_json(self, status: str) -> dict[str, Any]:
        data = asdict(self)
        data["slot"] = self.slot.isoformat()
        del data["body"]
        return {**data, "dedupe_key": self.dedupe_key, "status": status}


def slot_of(task: OnboardingTask, on: date) -> tuple[str, date] | None:
    """Which reminder the task is owed on `on`, as (kind, slot), if any."""
    late = (on - task.due_date).days
    if late == 0:
        return "due", task.due_date
    if 1 <= late <= OVERDUE_DAYS:
        return "overdue", task.due_date + timedelta(days=1 + WEEK * ((late - 1) // WEEK))
    return None


def _open_tasks(on: date) -> list[OnboardingTask]:
    # Due days reach a year either way; anything starting further out owes nothing today.
    window = timedelta(days=366 + OVERDUE_DAYS)
    return list(
        db.session.scalars(
            sa.select(OnboardingTask)
            .join(Onboarding)
            .where(
                OnboardingTask.done_at.is_(None),
                Onboarding.status != "withdrawn",
                Onboarding.start_date.between(on - window, on + window),
            )
            .options(selectinload(OnboardingTask.onboarding).selectinload(Onboarding.candidate))
            .order_by(OnboardingTask.onboarding_id, OnboardingTask.id)
        )
    )


def _active(role: Role) -> list[User]:
    return list(
        db.session.scalars(sa.select(User).where(User.role == role, User.active).order_by(User.id))
    )


def recipients(task: OnboardingTask) -> list[User]:
    onboarding = task.onboarding
    if task.owner == "new_hire":
        return [onboarding.candidate] if onboarding.candidate.active else []
    if task.owner == "manager":
        managers = _active(Role.business)
        if managers:
            return managers
    offer = db.session.get(Offer, onboarding.offer_id)
    maker = offer.created_by if offer is not None else None
    if maker is not None and maker.active and maker.role in (Role.hr, Role.admin):
        return [maker]
    return _active(Role.hr)


def _render(task: OnboardingTask, kind: str, user: User) -> tuple[str, str]:
    """Subject and body in the recipient's language."""
    locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    with force_locale(locale):
        title = task.title_en if locale.startswith("en") and task.title_en else task.title
        if kind == "due":
            subject = _("Onboarding: “%(task)s” is due today", task=title)
        else:
            subject = _("Onboarding: “%(task)s” is overdue", task=title)
        onboarding = task.onboarding
        for_new_hire = user.id == onboarding.candidate_id
        link = service.link(
            "onboarding.mine" if for_new_hire else "onboarding.hr_detail",
            onboarding_id=onboarding.id,
        )
        body = render_template(
            "mail/onboarding_reminder.txt",
            user=user,
            task=task,
            title=title,
            kind=kind,
            onboarding=onboarding,
            for_new_hire=for_new_hire,
            link=link,
        )
    return subject, body


def due_reminders(on: date) -> list[Reminder]:
    """Every reminder owed on `on`, one per task and recipient."""
    owed: list[Reminder] = []
    for task in _open_tasks(on):
        slot = slot_of(task, on)
        if slot is None:
            continue
        kind, slot_date = slot
        for user in recipients(task):
            subject, body = _render(task, kind, user)
            owed.append(
                Reminder(
                    kind=kind,
                    slot=slot_date,
                    task_id=task.id,
                    task_key=task.key,
                    onboarding_id=task.onboarding_id,
                    user_id=user.id,
                    to=user.email,
                    subject=subject,
                    body=body,
                )
            )
    return owed


def _already_queued(keys: Iterable[str]) -> set[str]:
    wanted = list(keys)
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            sa.select(OutgoingMail.dedupe_key).where(OutgoingMail.dedupe_key.in_(wanted))
        )
    )


def send_reminders(on: date | None = None, *, dry_run: bool = False) -> list[tuple[Reminder, str]]:
    """Queue the reminders owed on `on` (today where the company is). Each comes back with
    its status: `queued`, `already sent` (its dedupe key was used), or with `dry_run`,
    `would send`; a dry run writes nothing. Commits."""
    on = on or service.today()
    owed = due_reminders(on)
    if dry_run:
        done = _already_queued(r.dedupe_key for r in owed)
        results = [(r, "already sent" if r.dedupe_key in done else "would send") for r in owed]
        db.session.rollback()
        return results
    results = []
    for reminder in owed:
        added = mail.enqueue(
            reminder.to, reminder.subject, reminder.body, dedupe_key=reminder.dedupe_key
        )
        results.append((reminder, "queued" if added else "already sent"))
    db.session.commit()
    return results
