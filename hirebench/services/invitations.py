"""Candidate invitations: one-time links that expire, through which a candidate sets a password."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench.extensions import db
from hirebench.models import Invitation, Job, Role, User
from hirebench.models.base import utcnow
from hirebench.services import accounts, audit, mail
from hirebench.services.errors import ServiceError


class InvitationState(enum.StrEnum):
    invalid = "invalid"
    expired = "expired"
    used = "used"


class InvitationError(ServiceError):
    def __init__(self, state: InvitationState) -> None:
        super().__init__(state.value)
        self.state = state


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_candidate(
    *, name: str, email: str, job: Job, invited_by: User | None, ttl_hours: int, ip: str = ""
) -> IssuedInvitation:
    """Create (or reuse) the candidate account and a fresh invitation. The caller commits."""
    email = accounts.normalize_email(email)
    if not name.strip():
        raise ServiceError(_("The candidate's name is required."))
    candidate = accounts.find_by_email(email)
    if candidate is None:
        candidate = User(email=email, name=name.strip(), role=Role.candidate, password_hash=None)
        db.session.add(candidate)
    elif candidate.role is not Role.candidate:
        raise ServiceError(_("%(email)s belongs to a staff account.", email=email))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=_hash(token),
        candidate=candidate,
        job=job,
        invited_by=invited_by,
        expires_at=utcnow() + timedelta(hours=ttl_hours),
    )
    db.session.add(invitation)
    db.session.flush()
    from hirebench.jobs.service import ensure_application
    from hirebench.scorecards.service import refresh

    refresh(ensure_application(candidate, job))
    audit.record(
        "invitation.create", invited_by, target=invitation, ip=ip, candidate=email, job_id=job.id
    )
    return IssuedInvitation(invitation, token)


def send_invitation_mail(issued: IssuedInvitation, link: str) -> None:
    invitation = issued.invitation
    mail.send_templated(
        invitation.candidate.email,
        _("Your invitation to apply: %(job)s", job=invitation.job.title),
        "mail/invitation.txt",
        invitation=invitation,
        link=link,
    )


def lookup(token: str) -> Invitation:
    """The usable invitation for a token, or InvitationError saying why it is not usable."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == _hash(token))
    )
    if invitation is None:
        raise InvitationError(InvitationState.invalid)
    if invitation.used_at is not None:
        raise InvitationError(InvitationState.used)
    if invitation.expires_at <= utcnow():
        raise InvitationError(InvitationState.expired)
    return invitation


def accept(token: str, password: str, ip: str = "") -> User:
    """Set the candidate's password and spend the invitation, atomically. The caller commits."""
    invitation = lookup(token)
    accounts.check_password_policy(password)
    # A conditional UPDATE makes two concurrent uses of one link race safely: only one wins.
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationError(InvitationState.used)
    candidate = invitation.candidate
    accounts.set_password(candidate, password)
    candidate.active = True
    audit.record("invitation.accept", candidate, target=invitation, ip=ip)
    return candidate


def for_candidate(candidate: User) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.candidate_id == candidate.id)
            .order_by(Invitation.created_at.desc())
        )
    )


def recent(limit: int = 50) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
            .limit(limit)
        )
    )
