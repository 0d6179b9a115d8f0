"""Breaks during a timed attempt (issue 19 item 1, docs/accommodations.md): a candidate whose
accommodation grants breaks stops the exam's clock for up to the break's length.

How the clock stops: starting a break moves the deadline by the whole break at once, so the
deadline column stays the one truth that every request and the sweeper read (`expire_overdue`
needs to know nothing of breaks, and no attempt can be closed in the middle of one). Resuming
early takes the unused part back. A break left to run ends by itself at its end: the deadline
is already right, and the end is written down the next time anything reads the attempt.

Each start and end is an integrity event (`break_start`, `break_end`), context for the
reviewers like the other signals but never a flag. Changes to the row are conditional UPDATEs
on the values read, so two tabs, the sweeper and HR's extension cannot overwrite each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench.extensions import db
from hirebench.models import Attempt, AttemptStatus, IntegrityEvent
from hirebench.services.errors import ServiceError

BREAK_EVENTS = ("break_start", "break_end")
# A guarded update that lost a race is tried again on the fresh row this many times.
_RETRIES = 3


class BreakError(ServiceError):
    """A break that cannot be started; the message is for the candidate."""


class OnBreak(BreakError):
    """The attempt is paused: nothing may change until the candidate resumes."""

    def __init__(self) -> None:
        super().__init__(_("You are on a break. Resume the exam to continue answering."))


@dataclass(frozen=True)
class Clock:
    """What the exam page's timer needs: the deadline, the end of a break in progress, and
    the breaks still to take."""

    deadline_at: datetime
    break_ends_at: datetime | None
    breaks_left: int
    break_minutes: int


def break_length(attempt: Attempt) -> timedelta:
    return timedelta(minutes=attempt.break_minutes or 0)


def break_ends_at(attempt: Attempt) -> datetime | None:
    if attempt.break_started_at is None:
        return None
    return attempt.break_started_at + break_length(attempt)


def on_break(attempt: Attempt, now: datetime) -> bool:
    ends = break_ends_at(attempt)
    return ends is not None and now < ends and attempt.status is AttemptStatus.in_progress


def breaks_left(attempt: Attempt) -> int:
    if not attempt.break_minutes:
        return 0
    return max(0, (attempt.breaks_allowed or 0) - (attempt.breaks_taken or 0))


def clock(attempt: Attempt, now: datetime) -> Clock:
    return Clock(
        deadline_at=attempt.deadline_at,
        break_ends_at=break_ends_at(attempt) if on_break(attempt, now) else None,
        breaks_left=breaks_left(attempt),
        break_minutes=attempt.break_minutes or 0,
    )


def guarded_update(attempt: Attempt, expected: dict[str, Any], **values: Any) -> bool:
    """UPDATE the open attempt only if its columns still hold `expected`; the attempt is
    refreshed either way, so a caller that lost the race sees what won."""
    conditions = [Attempt.id == attempt.id, Attempt.status == AttemptStatus.in_progress]
    for name, value in expected.items():
        column = getattr(Attempt, name)
        conditions.append(column.is_(None) if value is None else column == value)
    result = db.session.execute(
        sa.update(Attempt).where(*conditions).values(**values),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(attempt)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _event(attempt: Attempt, kind: str, at: datetime, **detail: Any) -> None:
    db.session.add(IntegrityEvent(attempt_id=attempt.id, kind=kind, at=at, detail=detail))


def start_break(attempt: Attempt, now: datetime) -> None:
    """Pause the clock. Starting while a break is on changes nothing (a second tab pressed
    it too). The caller commits."""
    for _try in range(_RETRIES):
        settle(attempt, now)
        if attempt.status is not AttemptStatus.in_progress or now >= attempt.deadline_at:
            raise BreakError(_("The exam is over; there is no break to take."))
        if on_break(attempt, now):
            return
        if breaks_left(attempt) <= 0:
            raise BreakError(
                _("You have no breaks left.")
                if attempt.breaks_allowed
                else _("Breaks are not part of your arrangements for this exam.")
            )
        number = attempt.breaks_taken + 1
        if guarded_update(
            attempt,
            {"break_started_at": None, "breaks_taken": attempt.breaks_taken},
            break_started_at=now,
            breaks_taken=number,
            deadline_at=attempt.deadline_at + break_length(attempt),
        ):
            _event(attempt, "break_start", now, minutes=attempt.break_minutes, number=number)
            return
    raise BreakError(_("The exam changed at the same moment; please try again."))


def end_break(attempt: Attempt, now: datetime, *, auto: bool = False) -> bool:
    """Resume: the clock runs again, and the deadline gives back the unused part of the
    break. True when a break ended here. The caller commits."""
    for _try in range(_RETRIES):
        started, ends = attempt.break_started_at, break_ends_at(attempt)
        if started is None or ends is None:
            return False
        end = min(max(now, started), ends)
        deadline = attempt.deadline_at
        if guarded_update(
            attempt,
            {"break_started_at": started, "deadline_at": deadline},
            break_started_at=None,
            deadline_at=deadline - (ends - end),
            paused_seconds=(attempt.paused_seconds or 0) + int((end - started).total_seconds()),
        ):
            seconds = int((end - started).total_seconds())
            _event(attempt, "break_end", end, seconds=seconds, auto=auto or end == ends)
            return True
    return False


def settle(attempt: Attempt, now: datetime) -> bool:
    """Write down the end of a break that ran its full length by itself."""
    ends = break_ends_at(attempt)
    if ends is None or now < ends or attempt.status is not AttemptStatus.in_progress:
        return False
    return end_break(attempt, ends, auto=True)


def refuse_on_break(attempt: Attempt, now: datetime) -> None:
    """For whatever would change the answers: nothing changes while the clock is stopped."""
    settle(attempt, now)
    if on_break(attempt, now):
        raise OnBreak()
