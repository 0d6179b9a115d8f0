"""What the pages and the CLI call: produce a copy and log it, find a candidate, place and lift
dispute holds. Each joins the caller's transaction."""

from __future__ import annotations

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import LegalHold, PrivacyRequest, Role, User
from hirebench.models.base import utcnow
from hirebench.privacy import export
from hirebench.services import audit
from hirebench.services.errors import ServiceError, bounded_text

REASON_LIMIT = 2000


def candidate_by_email(email: str) -> User:
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )
    if user is None or user.role is not Role.candidate:
        raise ServiceError(f"No candidate has the address {email!r}.")
    return user


def produce_copy(user: User, *, by: User | None, channel: str, ip: str = "") -> tuple[bytes, str]:
    """The ZIP and its file name; the request is logged with counts only."""
    data, counts = export.copy_zip(user)
    db.session.add(
        PrivacyRequest(
            kind="export",
            outcome="done",
            channel=channel,
            subject_id=user.id,
            actor_id=by.id if by else None,
            actor_email=by.email if by else "",
            counts=counts,
        )
    )
    audit.record("privacy.exported", by, target=user, ip=ip, channel=channel)
    return data, export.file_name(user)


def requests_of(user: User) -> list[PrivacyRequest]:
    return list(
        db.session.scalars(
            sa.select(PrivacyRequest)
            .where(PrivacyRequest.subject_id == user.id)
            .order_by(PrivacyRequest.at.desc(), PrivacyRequest.id.desc())
        )
    )


def open_holds(user: User) -> list[LegalHold]:
    return list(
        db.session.scalars(
            sa.select(LegalHold)
            .where(LegalHold.candidate_id == user.id, LegalHold.lifted_at.is_(None))
            .order_by(LegalHold.placed_at)
        )
    )


def place_hold(user: User, reason: str, *, by: User, ip: str = "") -> LegalHold:
    text = bounded_text(reason, REASON_LIMIT, "The reason")
    if not text:
        raise ServiceError("Give the reason for the hold (the dispute it is for).")
    hold = LegalHold(candidate_id=user.id, reason=text, placed_by_id=by.id)
    db.session.add(hold)
    audit.record("privacy.hold_placed", by, target=user, ip=ip)
    return hold


def lift_hold(user: User, hold_id: int, *, by: User, ip: str = "") -> LegalHold:
    hold = db.session.get(LegalHold, hold_id)
    if hold is None or hold.candidate_id != user.id or hold.lifted_at is not None:
        raise ServiceError("That hold is not in force.")
    hold.lifted_at, hold.lifted_by_id = utcnow(), by.id
    audit.record("privacy.hold_lifted", by, target=user, ip=ip, hold=hold.id)
    return hold
