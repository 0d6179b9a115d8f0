"""Candidate invitations: one-time links that expire, through which a candidate sets a password."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs.service import ensure_application
from hirebench.models import Invitation, Job, Role, User
from hirebench.models.base import utcnow
from hirebench.services import accounts, audit, mail
from hirebench.services.errors import ServiceError
from hirebench.services.links import external_url


class InvitationState(enum.StrEnum):
    invalid = "invalid"
    expired = "expired"
    used = "used"
    revoked = "revoked"


class InvitationError(ServiceError):
    def __init__(self, state: InvitationState) -> None:
        super().__init__(state.value)
        self.state = state


class DuplicateInvitation(ServiceError):
    """The candidate already has an open invitation to this job: offer to resend it instead."""

    def __init__(self, invitation: Invitation) -> None:
        super().__init__(
            _(
                "%(email)s already has an invitation to %(job)s that has not been used. "
                "Resend it instead.",
                email=invitation.candidate.email,
                job=invitation.job.title,
            )
        )
        self.invitation = invitation


@dataclass(frozen=True)
class IssuedInvitation:
    """A new set-password link, or (token None) a notice to an account that can already log
    in: such an account is never mailed a link that sets its password."""

    candidate: User
    job: Job
    invitation: Invitation
    token: str | None

    @property
    def notice_only(self) -> bool:
        return self.token is None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _open_invitation(candidate: User, job: Job) -> Invitation | None:
    return db.session.scalars(
        sa.select(Invitation).where(
            Invitation.candidate_id == candidate.id,
            Invitation.job_id == job.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ).first()


def invite_candidate(
    *, name: str, email: str, job: Job, invited_by: User | None, ttl_hours: int, ip: str = ""
) -> IssuedInvitation:
    """Create (or reuse) the candidate account and its application to the job, and a fresh
    invitation unless the account can already log in. The caller sends the mail and commits."""
    email = accounts.normalize_email(email)
    if not name.strip():
        raise ServiceError(_("The candidate's name is required."))
    candidate = accounts.find_by_email(email)
    if candidate is None:
        candidate = User(email=email, name=name.strip(), role=Role.candidate, password_hash=None)
        db.session.add(candidate)
        db.session.flush()
    elif candidate.role is not Role.candidate:
        raise ServiceError(_("%(email)s belongs to a staff account.", email=email))
    notice = candidate.can_log_in
    if not notice:
        existing = _open_invitation(candidate, job)
        if existing is not None:
            raise DuplicateInvitation(existing)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        token_hash=_hash(token),
        candidate=candidate,
        job=job,
        invited_by=invited_by,
        expires_at=now + timedelta(hours=ttl_hours),
        # A notice is spent from the start and its token is never sent anywhere.
        used_at=now if notice else None,
        notice=notice,
    )
    db.session.add(invitation)
    db.session.flush()
    ensure_application(candidate, job)
    events.evidence_changed.send(invitation, candidate_id=candidate.id)
    audit.record(
        "invitation.notify" if notice else "invitation.create",
        invited_by,
        target=invitation,
        ip=ip,
        candidate=email,
        job_id=job.id,
    )
    return IssuedInvitation(candidate, job, invitation, None if notice else token)


def resend(
    invitation: Invitation, *, by: User | None, ttl_hours: int, ip: str = ""
) -> IssuedInvitation:
    """A new link (and expiry) for an open invitation; the link mailed before stops working.
    The caller sends the mail and commits."""
    if invitation.used_at is not None or invitation.candidate.can_log_in:
        raise InvitationError(InvitationState.used)
    if invitation.revoked_at is not None:
        raise InvitationError(InvitationState.revoked)
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.expires_at = utcnow() + timedelta(hours=ttl_hours)
    audit.record("invitation.resend", by, target=invitation, ip=ip)
    return IssuedInvitation(invitation.candidate, invitation.job, invitation, token)


def revoke(invitation: Invitation, *, by: User | None, ip: str = "") -> None:
    """Withdraw an unused link. The candidate's application stays; HR decides about that."""
    if invitation.used_at is not None:
        raise InvitationError(InvitationState.used)
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record("invitation.revoke", by, target=invitation, ip=ip)


def send_invitation_mail(issued: IssuedInvitation, link: str | None = None) -> None:
    """The set-password link, or for an account that can log in a notice of the new job."""
    if issued.token is None:
        mail.send_templated(
            issued.candidate.email,
            _("A new application for you: %(job)s", job=issued.job.title),
            "mail/new_application.txt",
            candidate=issued.candidate,
            job=issued.job,
            link=external_url("auth.login"),
        )
        return
    mail.send_templated(
        issued.candidate.email,
        _("Your invitation to apply: %(job)s", job=issued.job.title),
        "mail/invitation.txt",
        invitation=issued.invitation,
        link=link or external_url("auth.accept_invitation", token=issued.token),
    )


def lookup(token: str) -> Invitation:
    """The usable invitation for a token, or InvitationError saying why it is not usable."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == _hash(token))
    )
    if invitation is None:
        raise InvitationError(InvitationState.invalid)
    # An account that can log in has spent its invitations, whichever link set the password.
    if invitation.used_at is not None or invitation.candidate.can_log_in:
        raise InvitationError(InvitationState.used)
    if invitation.revoked_at is not None:
        raise InvitationError(InvitationState.revoked)
    if invitation.expires_at <= utcnow():
        raise InvitationError(InvitationState.expired)
    return invitation


def accept(token: str, password: str, ip: str = "") -> User:
    """Set the candidate's password and spend the invitation, atomically, closing every other
    open link of the account. The caller commits."""
    invitation = lookup(token)
    accounts.check_password_policy(password)
    now = utcnow()
    # A conditional UPDATE makes two concurrent uses of one link race safely: only one wins.
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationError(InvitationState.used)
    candidate = invitation.candidate
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.candidate_id == candidate.id,
            Invitation.id != invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
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
