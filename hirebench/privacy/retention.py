"""The retention schedule (issue 19 item 3), applied daily by the worker and by
`hirebench privacy retention`. Periods come from the RETENTION setting (hirebench/config.py,
docs/privacy.md). Each run is audited with what it erased, and a second run on the same day
finds nothing more to do: erased people are tombstones, deleted rows are gone.

A candidate's process is decided when none of their applications is still open: each has a
closed offer (declined, expired or withdrawn: decided when answered or last changed) or a
scorecard that recommends rejection (decided when computed). A candidate with an accepted
offer is an employee; their data leaves this schedule for HR's own. The clock starts at the
latest decision."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from hirebench.extensions import db
from hirebench.models import (
    Application,
    CandidateScorecard,
    IntegrityEvent,
    MailStatus,
    Offer,
    OfferStatus,
    OutgoingMail,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.privacy import consent, erasure
from hirebench.services import audit

log = logging.getLogger(__name__)

CLOSED_UNSUCCESSFUL = (OfferStatus.declined, OfferStatus.expired, OfferStatus.withdrawn)
EVERY_SECONDS = 24 * 3600


@dataclass
class RetentionRun:
    now: datetime
    dry_run: bool
    erased: list[int] = field(default_factory=list)  # user ids (tombstones afterwards)
    held: list[int] = field(default_factory=list)
    integrity_events: int = 0
    outgoing_mail: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.now.isoformat(),
            "dry_run": self.dry_run,
            "candidates_erased": len(self.erased),
            "candidates_held": len(self.held),
            "integrity_events_deleted": self.integrity_events,
            "outgoing_mail_deleted": self.outgoing_mail,
        }


def settings() -> Mapping[str, int]:
    return dict(current_app.config["RETENTION"])


def decided_at(application: Application) -> datetime | None:
    """When this application was decided against, or None while open or when hired."""
    offers = list(
        db.session.scalars(sa.select(Offer).where(Offer.application_id == application.id))
    )
    if any(o.status not in CLOSED_UNSUCCESSFUL for o in offers):
        return None  # an open offer, or an accepted one
    if offers:
        return max(o.responded_at or o.updated_at for o in offers)
    if application.rejected_at is not None:  # HR rejected it on the pipeline board
        return application.rejected_at
    card = db.session.scalar(
        sa.select(CandidateScorecard).where(CandidateScorecard.application_id == application.id)
    )
    if card is not None and card.recommendation == "reject":
        return card.computed_at
    return None


def process_decided_at(user: User) -> datetime | None:
    """The latest decision over all the candidate's applications, or None while any is open."""
    applications = list(
        db.session.scalars(sa.select(Application).where(Application.candidate_id == user.id))
    )
    dates = [decided_at(a) for a in applications]
    if not dates or any(d is None for d in dates):
        return None
    return max(d for d in dates if d is not None)


def period_for(user: User, days: Mapping[str, int]) -> int:
    state = consent.future_openings(user.id)
    if state == "withdrawn":
        return days["future_openings_withdrawn_days"]
    if state == "given":
        return days["future_openings_days"]
    return days["unsuccessful_days"]


def due_candidates(now: datetime) -> list[User]:
    """Candidates whose period after the decision has run out (not yet erased)."""
    days = settings()
    due = []
    for user in db.session.scalars(
        sa.select(User).where(User.role == Role.candidate).order_by(User.id)
    ):
        if erasure.is_erased(user):
            continue
        decided = process_decided_at(user)
        if decided is not None and now - decided >= timedelta(days=period_for(user, days)):
            due.append(user)
    return due


def _expire_rows(run: RetentionRun, days: Mapping[str, int]) -> None:
    events = sa.delete(IntegrityEvent).where(
        IntegrityEvent.at < run.now - timedelta(days=days["integrity_events_days"])
    )
    mail = sa.delete(OutgoingMail).where(
        OutgoingMail.status.in_((MailStatus.sent, MailStatus.failed)),
        OutgoingMail.created_at < run.now - timedelta(days=days["outgoing_mail_days"]),
    )
    if run.dry_run:
        run.integrity_events = _count(events)
        run.outgoing_mail = _count(mail)
        return
    run.integrity_events = db.session.execute(events).rowcount or 0  # type: ignore[attr-defined]
    run.outgoing_mail = db.session.execute(mail).rowcount or 0  # type: ignore[attr-defined]


def _count(statement: sa.Delete) -> int:
    table = statement.table
    where = statement.whereclause
    query = sa.select(sa.func.count()).select_from(table)
    if where is not None:
        query = query.where(where)
    return int(db.session.scalar(query) or 0)


def run(now: datetime | None = None, *, dry_run: bool = False) -> RetentionRun:
    """Apply the schedule as of `now` and commit (nothing changes under dry_run)."""
    result = RetentionRun(now=now or utcnow(), dry_run=dry_run)
    days = settings()
    _expire_rows(result, days)
    for user in due_candidates(result.now):
        if erasure.holds_of(user):
            result.held.append(user.id)
            continue
        result.erased.append(user.id)
        if not dry_run:
            erasure.erase(user, by=None, channel="retention", reason="retention schedule")
    audit.record("privacy.retention_run", None, actor_email="retention job", **result.to_json())
    db.session.commit()
    log.info("retention run: %s", result.to_json())
    return result


def tick() -> None:
    """The worker's daily task."""
    run()
