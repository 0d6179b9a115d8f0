"""Accommodations (issue 19 item 1): the limits of extra time and breaks, the audit trail and
events, what applies to started attempts (nothing, until HR extends one), the arithmetic of
breaks against the server's deadline and the sweeper, and the proctoring consent's withdrawal
silencing the integrity signals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm.attributes import set_committed_value

from hirebench import events
from hirebench.exams import accommodations, attempts, breaks
from hirebench.exams.accommodations import Accommodation, AccommodationError
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import (
    Attempt,
    AttemptStatus,
    AuditEvent,
    ConsentPurpose,
    Exam,
    IntegrityEvent,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.privacy import consent, erasure, export
from tests.exams import copy_fixture

LIMIT = timedelta(minutes=30)  # the mini exam's time limit


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def ctx(app: Flask, make_user: Any, tmp_path: Any) -> Iterator[dict[str, Any]]:
    candidate = make_user(Role.candidate, email="ada@example.com")
    hr = make_user(Role.hr, email="hr@example.com")
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        yield {
            "candidate": db.session.get(User, candidate.id),
            "hr": db.session.get(User, hr.id),
            "exam": db.session.scalars(sa.select(Exam)).one(),
        }
        grading_queue.shutdown(app)


@pytest.fixture
def sent() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The accommodation events sent during the test, with their keyword arguments."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def changed(sender: Any, **kw: Any) -> None:
        seen.append(("accommodation_changed", kw))

    def extended(sender: Any, **kw: Any) -> None:
        seen.append(("attempt_extended", kw))

    events.accommodation_changed.connect(changed)
    events.attempt_extended.connect(extended)
    yield seen
    events.accommodation_changed.disconnect(changed)
    events.attempt_extended.disconnect(extended)


def grant(ctx: dict[str, Any], **kw: Any) -> bool:
    changed = accommodations.set_accommodation(
        ctx["candidate"], Accommodation(**kw), by=ctx["hr"], ip="192.0.2.7"
    )
    db.session.commit()
    return changed


def start(ctx: dict[str, Any], now: datetime) -> Attempt:
    return attempts.start_attempt(ctx["candidate"], ctx["exam"], ip="10.0.0.1", now=now)


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def kinds(attempt: Attempt) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(IntegrityEvent.kind)
            .where(IntegrityEvent.attempt_id == attempt.id)
            .order_by(IntegrityEvent.id)
        )
    )


# ------------------------------------------------------------------------------ the setting


@pytest.mark.parametrize("factor", [1.25, 1.5, 2.0, 1.0, 1.75, 3.0])
def test_factors_from_the_list_or_custom_within_the_limits(
    ctx: dict[str, Any], factor: float
) -> None:
    grant(ctx, extra_time_factor=factor)
    assert ctx["candidate"].extra_time_factor == factor


@pytest.mark.parametrize(
    ("wanted", "field", "words"),
    [
        ({"extra_time_factor": 0.9}, "extra_time_factor", "between 1 and 3"),
        ({"extra_time_factor": 3.01}, "extra_time_factor", "between 1 and 3"),
        ({"extra_time_factor": float("nan")}, "extra_time_factor", "must be a number"),
        ({"break_count": 7, "break_minutes": 10}, "break_count", "between 0 and 6"),
        ({"break_count": -1, "break_minutes": 10}, "break_count", "between 0 and 6"),
        ({"break_count": 2, "break_minutes": 0}, "break_minutes", "between 5 and 60"),
        ({"break_count": 2, "break_minutes": 61}, "break_minutes", "between 5 and 60"),
        ({"note": "x" * 2001}, "note", "longer than 2000"),
    ],
)
def test_values_out_of_range_are_refused_and_nothing_changes(
    ctx: dict[str, Any], wanted: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(AccommodationError, match=words) as refused:
        grant(ctx, **wanted)
    assert refused.value.field == field
    db.session.rollback()
    assert accommodations.of(ctx["candidate"]) == Accommodation()
    assert audits("candidate.accommodation") == []


def test_staff_get_no_accommodation(ctx: dict[str, Any]) -> None:
    with pytest.raises(AccommodationError, match="candidates only"):
        accommodations.set_accommodation(ctx["hr"], Accommodation(1.5), by=ctx["hr"])


def test_every_change_is_audited_without_the_notes_words_and_sent_as_an_event(
    ctx: dict[str, Any], sent: list[tuple[str, dict[str, Any]]]
) -> None:
    assert grant(ctx, extra_time_factor=1.5, break_count=2, break_minutes=10, note="Dyslexia")
    (entry,) = audits("candidate.accommodation")
    assert entry.actor_id == ctx["hr"].id and entry.target_id == str(ctx["candidate"].id)
    assert entry.ip == "192.0.2.7"
    assert entry.detail["extra_time_factor"] == 1.5 and entry.detail["break_count"] == 2
    assert entry.detail["note_changed"] is True and "Dyslexia" not in str(entry.detail)
    assert entry.detail["previous"]["extra_time_factor"] == 1.0
    assert sent == [("accommodation_changed", {"candidate_id": ctx["candidate"].id})]
    # The same again changes nothing, and says so.
    assert not grant(ctx, extra_time_factor=1.5, break_count=2, break_minutes=10, note="Dyslexia")
    assert len(audits("candidate.accommodation")) == 1 and len(sent) == 1


def test_no_breaks_means_no_break_length(ctx: dict[str, Any]) -> None:
    grant(ctx, break_count=0, break_minutes=15)
    assert (ctx["candidate"].break_count, ctx["candidate"].break_minutes) == (0, 0)


def test_it_applies_to_attempts_not_yet_started(ctx: dict[str, Any]) -> None:
    now = utcnow()
    running = start(ctx, now)
    grant(ctx, extra_time_factor=1.5, break_count=2, break_minutes=10)
    db.session.refresh(running)
    assert running.deadline_at == now + LIMIT and running.extra_time_factor == 1.0
    assert running.breaks_allowed == 0
    attempts.submit(running, now=now + timedelta(minutes=1))
    later = now + timedelta(minutes=2)
    fresh = start(ctx, later)
    assert fresh.id != running.id
    assert fresh.deadline_at == later + LIMIT * 1.5
    assert (fresh.breaks_allowed, fresh.break_minutes, fresh.breaks_taken) == (2, 10, 0)
    assert accommodations.allowed_minutes(fresh, 30) == 45


# ------------------------------------------------------------------------------ extending


def test_hr_extends_a_started_attempt_with_a_reason(
    ctx: dict[str, Any], sent: list[tuple[str, dict[str, Any]]]
) -> None:
    now = utcnow()
    attempt = start(ctx, now)
    accommodations.extend_attempt(
        attempt, 10, "  Power cut in the room  ", by=ctx["hr"], ip="192.0.2.7", now=now
    )
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.deadline_at == now + LIMIT + timedelta(minutes=10)
    assert attempt.extension_minutes == 10
    assert accommodations.allowed_minutes(attempt, 30) == 40
    (entry,) = audits("attempt.extended")
    assert entry.actor_id == ctx["hr"].id and entry.target_type == "Attempt"
    assert entry.detail["minutes"] == 10 and entry.detail["reason"] == "Power cut in the room"
    assert sent == [
        (
            "attempt_extended",
            {"attempt_id": attempt.id, "candidate_id": ctx["candidate"].id, "minutes": 10},
        )
    ]


def test_extending_a_submitted_attempt_is_refused(ctx: dict[str, Any]) -> None:
    now = utcnow()
    attempt = start(ctx, now)
    attempts.submit(attempt, now=now + timedelta(minutes=5))
    deadline = attempt.deadline_at
    with pytest.raises(AccommodationError, match="already submitted") as refused:
        accommodations.extend_attempt(attempt, 10, "late", by=ctx["hr"], now=now)
    assert refused.value.field == "attempt"
    db.session.rollback()
    assert db.session.get(Attempt, attempt.id).deadline_at == deadline  # type: ignore[union-attr]
    assert audits("attempt.extended") == []


def test_an_attempt_past_its_deadline_is_closed_not_extended(ctx: dict[str, Any]) -> None:
    now = utcnow()
    attempt = start(ctx, now)
    with pytest.raises(AccommodationError, match="already submitted"):
        accommodations.extend_attempt(
            attempt, 10, "too late", by=ctx["hr"], now=now + LIMIT + timedelta(seconds=1)
        )
    assert attempt.status is not AttemptStatus.in_progress and attempt.auto_submitted
    assert attempt.submitted_at == now + LIMIT


@pytest.mark.parametrize(
    ("minutes", "reason", "field"),
    [(0, "x", "minutes"), (241, "x", "minutes"), (10, "   ", "reason"), (10, "y" * 501, "reason")],
)
def test_bad_extensions_are_refused(
    ctx: dict[str, Any], minutes: int, reason: str, field: str
) -> None:
    attempt = start(ctx, utcnow())
    with pytest.raises(AccommodationError) as refused:
        accommodations.extend_attempt(attempt, minutes, reason, by=ctx["hr"])
    assert refused.value.field == field


def test_a_deadline_close_never_overrides_a_deadline_that_moved(ctx: dict[str, Any]) -> None:
    """The sweeper read the attempt as overdue; HR's extension landed first. The close for the
    deadline checks the deadline in the database, so the extension stands."""
    now = utcnow()
    attempt = start(ctx, now)
    db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(deadline_at=now + LIMIT + timedelta(minutes=10))
    )
    db.session.commit()
    set_committed_value(attempt, "deadline_at", now + LIMIT)  # the sweeper's stale copy
    attempts.submit(attempt, now=now + LIMIT + timedelta(minutes=1), auto=True)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.in_progress


# ------------------------------------------------------------------------------ breaks


@pytest.fixture
def on_breaks(ctx: dict[str, Any]) -> dict[str, Any]:
    grant(ctx, break_count=2, break_minutes=10)
    return ctx


def test_a_break_stops_the_clock_and_resuming_gives_back_the_unused_part(
    on_breaks: dict[str, Any],
) -> None:
    t0 = utcnow()
    attempt = start(on_breaks, t0)
    attempts.save_answer(attempt, "gd-step", "a", now=t0 + timedelta(minutes=1))
    pause = t0 + timedelta(minutes=5)
    breaks.start_break(attempt, pause)
    db.session.commit()
    assert attempt.deadline_at == t0 + LIMIT + timedelta(minutes=10)
    assert breaks.on_break(attempt, pause + timedelta(minutes=1))
    assert breaks.breaks_left(attempt) == 1
    clock = breaks.clock(attempt, pause + timedelta(minutes=1))
    assert clock.break_ends_at == pause + timedelta(minutes=10)

    # Nothing changes while the clock is stopped.
    with pytest.raises(breaks.OnBreak):
        attempts.save_answer(attempt, "gd-step", "b", now=pause + timedelta(minutes=1))
    db.session.rollback()
    # Leaving the page is what a break is for: no focus or tab signals are kept meanwhile.
    attempts.record_event(attempt, "tab_hidden", now=pause + timedelta(minutes=2))

    back = pause + timedelta(minutes=3)
    assert breaks.end_break(attempt, back)
    db.session.commit()
    assert attempt.deadline_at == t0 + LIMIT + timedelta(minutes=3)
    assert attempt.paused_seconds == 180 and attempt.break_started_at is None
    attempts.save_answer(attempt, "gd-step", "b", now=back + timedelta(seconds=1))
    assert kinds(attempt) == ["break_start", "break_end"]
    detail = db.session.scalars(
        sa.select(IntegrityEvent.detail).where(IntegrityEvent.kind == "break_end")
    ).one()
    assert detail == {"seconds": 180, "auto": False}
    # Breaks are context, never a flag.
    assert attempts.integrity_summary(attempt)["flags"] == []


def test_a_break_left_to_run_ends_by_itself_at_its_length(on_breaks: dict[str, Any]) -> None:
    t0 = utcnow()
    attempt = start(on_breaks, t0)
    pause = t0 + timedelta(minutes=2)
    breaks.start_break(attempt, pause)
    db.session.commit()
    later = pause + timedelta(minutes=25)  # the candidate never pressed Resume
    assert not breaks.on_break(attempt, later)
    attempts.save_answer(attempt, "gd-step", "a", now=later)  # settles the break first
    db.session.refresh(attempt)
    assert attempt.deadline_at == t0 + LIMIT + timedelta(minutes=10)
    assert attempt.paused_seconds == 600 and attempt.break_started_at is None
    end = db.session.scalars(
        sa.select(IntegrityEvent).where(IntegrityEvent.kind == "break_end")
    ).one()
    assert end.at == pause + timedelta(minutes=10) and end.detail["auto"] is True


def test_the_sweeper_respects_paused_time(on_breaks: dict[str, Any]) -> None:
    t0 = utcnow()
    attempt = start(on_breaks, t0)
    breaks.start_break(attempt, t0 + LIMIT - timedelta(minutes=1))  # the last minute
    db.session.commit()
    # Past the original deadline, inside the break: the attempt stays open.
    assert attempts.expire_overdue(t0 + LIMIT + timedelta(minutes=5)) == 0
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.in_progress
    # The minute left after the whole break: closed then, at its own deadline.
    assert attempts.expire_overdue(t0 + LIMIT + timedelta(minutes=10)) == 1
    db.session.refresh(attempt)
    assert attempt.status is not AttemptStatus.in_progress
    assert attempt.submitted_at == t0 + LIMIT + timedelta(minutes=10)


def test_breaks_run_out_and_a_second_press_is_the_same_break(on_breaks: dict[str, Any]) -> None:
    t0 = utcnow()
    attempt = start(on_breaks, t0)
    breaks.start_break(attempt, t0 + timedelta(minutes=1))
    breaks.start_break(attempt, t0 + timedelta(minutes=2))  # another tab pressed it too
    assert attempt.breaks_taken == 1
    assert attempt.deadline_at == t0 + LIMIT + timedelta(minutes=10)
    breaks.end_break(attempt, t0 + timedelta(minutes=3))
    breaks.start_break(attempt, t0 + timedelta(minutes=4))
    breaks.end_break(attempt, t0 + timedelta(minutes=5))
    db.session.commit()
    assert attempt.breaks_taken == 2 and attempt.paused_seconds == 180
    assert attempt.deadline_at == t0 + LIMIT + timedelta(minutes=3)
    with pytest.raises(breaks.BreakError, match="no breaks left"):
        breaks.start_break(attempt, t0 + timedelta(minutes=6))


def test_without_breaks_granted_there_is_no_break(ctx: dict[str, Any]) -> None:
    attempt = start(ctx, utcnow())
    with pytest.raises(breaks.BreakError, match="not part of your arrangements"):
        breaks.start_break(attempt, utcnow())


def test_submitting_during_a_break_ends_it_there(on_breaks: dict[str, Any]) -> None:
    t0 = utcnow()
    attempt = start(on_breaks, t0)
    breaks.start_break(attempt, t0 + timedelta(minutes=1))
    db.session.commit()
    attempts.submit(attempt, now=t0 + timedelta(minutes=2))
    assert attempt.status is not AttemptStatus.in_progress and not attempt.auto_submitted
    assert attempt.submitted_at == t0 + timedelta(minutes=2)
    assert attempt.paused_seconds == 60 and kinds(attempt) == ["break_start", "break_end"]


def test_an_extension_during_a_break_adds_to_it(on_breaks: dict[str, Any]) -> None:
    t0 = utcnow()
    attempt = start(on_breaks, t0)
    breaks.start_break(attempt, t0 + timedelta(minutes=1))
    accommodations.extend_attempt(
        attempt, 5, "noise", by=on_breaks["hr"], now=t0 + timedelta(minutes=2)
    )
    breaks.end_break(attempt, t0 + timedelta(minutes=3))
    db.session.commit()
    assert attempt.deadline_at == t0 + LIMIT + timedelta(minutes=2 + 5)


# ------------------------------------------------------------------------------ consent


def test_withdrawn_proctoring_consent_stops_every_signal(ctx: dict[str, Any]) -> None:
    candidate = ctx["candidate"]
    consent.give_for_exam(candidate, ip="10.0.0.1", user_agent="UA")
    db.session.commit()
    attempt = start(ctx, utcnow())
    assert attempts.record_event(attempt, "paste", {"size": 12}) is not None

    consent.withdraw(candidate, ConsentPurpose.proctoring)
    db.session.commit()
    assert attempts.record_event(attempt, "focus_lost") is None
    assert attempts.record_event(attempt, "ip_changed", {"ip": "203.0.113.1"}) is None
    attempts.observe_request(
        attempt, ip="203.0.113.9", user_agent="Other", session_token="someone-else"
    )
    assert kinds(attempt) == ["paste"]

    # Agreeing again on the consent screen turns them back on.
    consent.give_for_exam(candidate, ip="10.0.0.1", user_agent="UA")
    db.session.commit()
    assert attempts.record_event(attempt, "focus_lost") is not None
    assert kinds(attempt) == ["paste", "focus_lost"]


# ------------------------------------------------------------------------------ personal data


def test_the_note_is_in_the_candidates_copy_and_gone_after_erasure(ctx: dict[str, Any]) -> None:
    grant(ctx, extra_time_factor=1.5, break_count=1, break_minutes=10, note="Needs large print")
    document, _files = export.build_copy(ctx["candidate"])
    (row,) = document["tables"]["users"]
    assert row["accommodation_note"] == "Needs large print"
    assert (row["extra_time_factor"], row["break_count"], row["break_minutes"]) == (1.5, 1, 10)

    erasure.erase(ctx["candidate"], by=ctx["hr"], channel="hr", reason="asked by mail")
    db.session.commit()
    tombstone = db.session.get(User, ctx["candidate"].id)
    assert tombstone is not None
    assert accommodations.of(tombstone) == Accommodation()
    # The audit trail said that the note changed, never what it said.
    assert "large print" not in str([e.detail for e in audits("candidate.accommodation")])
