"""The retention schedule at its boundary dates: a candidate whose offer was declined is kept
179 days after the decision and erased on day 180; a second run erases nothing more; every run
is audited, a dry run changes nothing. Withdrawing consent for future openings erases at the
decision; giving it keeps the profile longer. Integrity signals go after 90 days."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import (
    Attempt,
    AuditEvent,
    ConsentPurpose,
    IntegrityEvent,
    Offer,
    OfferStatus,
    User,
)
from hirebench.outbox import dispatcher
from hirebench.privacy import consent, erasure, retention
from tests.privacy.conftest import user

DECIDED = datetime(2025, 1, 1, 12, 0)
DECLINED = "candidate5@demo.local"


def _decide_long_ago() -> User:
    candidate = user(DECLINED)
    offer = db.session.scalars(sa.select(Offer).where(Offer.candidate_id == candidate.id)).one()
    assert offer.status is OfferStatus.declined
    offer.responded_at = DECIDED
    db.session.commit()
    return candidate


def _runs() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "privacy.retention_run")
        )
    )


def test_day_179_keeps_and_day_180_erases_once(ctx: Flask) -> None:
    candidate = _decide_long_ago()
    assert retention.process_decided_at(candidate) == DECIDED
    kept = retention.run(DECIDED + timedelta(days=179, hours=23))
    assert kept.erased == [] and not erasure.is_erased(user(DECLINED))
    dry = retention.run(DECIDED + timedelta(days=180), dry_run=True)
    assert dry.erased == [candidate.id] and not erasure.is_erased(user(DECLINED))
    erased = retention.run(DECIDED + timedelta(days=180))
    assert erased.erased == [candidate.id]
    tombstone = db.session.get(User, candidate.id)
    assert tombstone is not None and erasure.is_erased(tombstone)
    again = retention.run(DECIDED + timedelta(days=180))
    assert again.erased == []
    runs = _runs()
    assert [r.detail["candidates_erased"] for r in runs] == [0, 1, 1, 0]
    assert [r.detail["dry_run"] for r in runs] == [False, True, False, False]
    assert "candidate5" not in str([r.detail for r in runs])


def test_future_openings_consent_changes_the_period(ctx: Flask) -> None:
    candidate = _decide_long_ago()
    consent.give(candidate, ConsentPurpose.future_openings)
    db.session.commit()
    assert retention.run(DECIDED + timedelta(days=400)).erased == []  # kept for two years
    assert retention.run(DECIDED + timedelta(days=730)).erased == [candidate.id]


def test_withdrawing_future_openings_erases_when_the_process_is_decided(ctx: Flask) -> None:
    undecided = user("candidate2@demo.local")
    declined = _decide_long_ago()
    for candidate in (undecided, declined):
        consent.give(candidate, ConsentPurpose.future_openings)
        consent.withdraw(candidate, ConsentPurpose.future_openings)
    db.session.commit()
    assert retention.run(DECIDED - timedelta(seconds=1)).erased == []
    # At the decision itself: the withdrawn consent leaves no period; the open process stays.
    assert retention.run(DECIDED).erased == [declined.id]
    assert not erasure.is_erased(undecided)


def test_integrity_signals_expire_after_90_days(ctx: Flask) -> None:
    attempt = db.session.scalars(sa.select(Attempt)).first()
    assert attempt is not None
    now = datetime(2030, 6, 1)
    old = IntegrityEvent(attempt_id=attempt.id, kind="blur", at=now - timedelta(days=90, seconds=1))
    fresh = IntegrityEvent(attempt_id=attempt.id, kind="blur", at=now - timedelta(days=89))
    db.session.add_all([old, fresh])
    db.session.commit()
    old_id, fresh_id = old.id, fresh.id
    result = retention.run(now)
    assert result.integrity_events >= 1
    assert db.session.get(IntegrityEvent, old_id) is None
    assert db.session.get(IntegrityEvent, fresh_id) is not None
    assert retention.run(now).integrity_events == 0


def test_the_worker_runs_it_daily(ctx: Flask) -> None:
    task, every = dispatcher.periodic_tasks()["privacy-retention"]
    assert task is retention.tick and every == 24 * 3600
