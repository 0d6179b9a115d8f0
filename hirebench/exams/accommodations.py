"""Accommodations (issue 19 item 1, docs/accommodations.md): extra time, pause-able breaks and
HR's note, set per candidate by HR (the invitation, the candidate's page) or the CLI; and more
time for an attempt already under way.

A candidate's accommodation is copied onto each attempt when it starts, so a change applies
to attempts not yet started and never moves a running clock by surprise; HR moves a running
clock on purpose with `extend_attempt`, giving a reason. Every change is audited and sent as a
domain event. The audit entry says that the note changed, never its words: the note may say
why the candidate needs the time, which the trail has no need to repeat."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask_babel import gettext as _

from hirebench import events
from hirebench.exams import breaks
from hirebench.exams.attempts import close_if_overdue
from hirebench.models import Attempt, AttemptStatus, Role, User
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError, bounded_text

#: The factors HR picks from; any other within [MIN_FACTOR, MAX_FACTOR] is a custom one.
FACTOR_CHOICES = (1.25, 1.5, 2.0)
MIN_FACTOR = 1.0
MAX_FACTOR = 3.0
MAX_BREAKS = 6
MIN_BREAK_MINUTES = 5
MAX_BREAK_MINUTES = 60
MAX_NOTE = 2000
MAX_EXTENSION_MINUTES = 240
MAX_REASON = 500
FACTOR = "extra_time_factor"


class AccommodationError(ServiceError):
    """An accommodation or an extension that is refused; the message says why, and `field`
    names the value it is about (extra_time_factor, break_count, break_minutes, note,
    minutes, reason), so a form can show it beside that field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Accommodation:
    extra_time_factor: float = 1.0
    break_count: int = 0
    break_minutes: int = 0
    note: str = ""

    @property
    def any(self) -> bool:
        """Whether it changes anything about the exam (the note alone does not)."""
        return self.extra_time_factor > 1.0 or self.break_count > 0


def of(user: User) -> Accommodation:
    return Accommodation(
        extra_time_factor=float(user.extra_time_factor or 1.0),
        break_count=int(user.break_count or 0),
        break_minutes=int(user.break_minutes or 0),
        note=user.accommodation_note or "",
    )


def checked(wanted: Accommodation) -> Accommodation:
    """The accommodation as stored (factor to two decimals, no break length without breaks),
    or AccommodationError naming the value out of range."""
    factor = wanted.extra_time_factor
    if not isinstance(factor, (int, float)) or not math.isfinite(factor):
        raise AccommodationError(_("The extra-time factor must be a number."), FACTOR)
    factor = round(float(factor), 2)
    if not MIN_FACTOR <= factor <= MAX_FACTOR:
        raise AccommodationError(
            _(
                "The extra-time factor must be between %(low)s and %(high)s.",
                low=f"{MIN_FACTOR:g}",
                high=f"{MAX_FACTOR:g}",
            ),
            FACTOR,
        )
    count, minutes = wanted.break_count, wanted.break_minutes
    if type(count) is not int or not 0 <= count <= MAX_BREAKS:
        raise AccommodationError(
            _("The number of breaks must be between 0 and %(n)d.", n=MAX_BREAKS), "break_count"
        )
    if count == 0:
        minutes = 0
    elif type(minutes) is not int or not MIN_BREAK_MINUTES <= minutes <= MAX_BREAK_MINUTES:
        raise AccommodationError(
            _(
                "A break must last between %(low)d and %(high)d minutes.",
                low=MIN_BREAK_MINUTES,
                high=MAX_BREAK_MINUTES,
            ),
            "break_minutes",
        )
    try:
        note = bounded_text(wanted.note, MAX_NOTE, _("The note"), ServiceError)
    except ServiceError as exc:
        raise AccommodationError(str(exc), "note") from exc
    return Accommodation(factor, count, minutes, note)


def set_accommodation(
    candidate: User,
    wanted: Accommodation,
    *,
    by: User | None,
    ip: str = "",
    actor_email: str = "",
) -> bool:
    """Store the candidate's accommodation for the attempts they have not started yet. True
    when anything changed (nothing is audited otherwise). The caller commits."""
    if candidate.role is not Role.candidate:
        raise AccommodationError(_("Accommodations are for candidates only."), "candidate")
    new = checked(wanted)
    old = of(candidate)
    if new == old:
        return False
    candidate.extra_time_factor = new.extra_time_factor
    candidate.break_count = new.break_count
    candidate.break_minutes = new.break_minutes
    candidate.accommodation_note = new.note
    audit.record(
        "candidate.accommodation",
        by,
        target=candidate,
        actor_email=actor_email,
        ip=ip,
        extra_time_factor=new.extra_time_factor,
        break_count=new.break_count,
        break_minutes=new.break_minutes,
        note_changed=new.note != old.note,
        previous={
            "extra_time_factor": old.extra_time_factor,
            "break_count": old.break_count,
            "break_minutes": old.break_minutes,
        },
    )
    events.accommodation_changed.send(candidate, candidate_id=candidate.id)
    return True


def with_note_kept(candidate: User, wanted: Accommodation) -> Accommodation:
    """`wanted` with the candidate's present note, for a form that does not show it."""
    return replace(wanted, note=candidate.accommodation_note or "")


def extend_attempt(
    attempt: Attempt,
    minutes: int,
    reason: str,
    *,
    by: User | None,
    ip: str = "",
    actor_email: str = "",
    now: datetime | None = None,
) -> Attempt:
    """Give a started attempt `minutes` more: its deadline moves, and the candidate's open
    page picks the new one up. Refused for an attempt that is submitted, or whose time has
    already run out (it is closed here, at its deadline, as any request would). The caller
    commits."""
    now = now or utcnow()
    if type(minutes) is not int or not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        raise AccommodationError(
            _("Add between 1 and %(n)d minutes.", n=MAX_EXTENSION_MINUTES), "minutes"
        )
    try:
        reason = bounded_text(reason, MAX_REASON, _("The reason"), ServiceError)
    except ServiceError as exc:
        raise AccommodationError(str(exc), "reason") from exc
    if not reason:
        raise AccommodationError(_("Say why the attempt gets more time."), "reason")
    for _try in range(3):
        if close_if_overdue(attempt, now) or attempt.status is not AttemptStatus.in_progress:
            raise AccommodationError(
                _("This attempt is already submitted; its time can no longer be extended."),
                "attempt",
            )
        deadline = attempt.deadline_at
        if breaks.guarded_update(
            attempt,
            {"deadline_at": deadline},
            deadline_at=deadline + timedelta(minutes=minutes),
            extension_minutes=(attempt.extension_minutes or 0) + minutes,
        ):
            break
    else:
        raise AccommodationError(
            _("The attempt changed at the same moment; please try again."), "attempt"
        )
    audit.record(
        "attempt.extended",
        by,
        target=attempt,
        actor_email=actor_email,
        ip=ip,
        minutes=minutes,
        reason=reason,
        deadline=attempt.deadline_at.isoformat(),
    )
    events.attempt_extended.send(
        attempt, attempt_id=attempt.id, candidate_id=attempt.candidate_id, minutes=minutes
    )
    return attempt


def allowed_minutes(attempt: Attempt, time_limit_minutes: int) -> int:
    """The attempt's working time: the exam's limit times the factor, plus HR's extensions
    (breaks come on top, with the clock stopped)."""
    return round(time_limit_minutes * attempt.extra_time_factor) + (attempt.extension_minutes or 0)
