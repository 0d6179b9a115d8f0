from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import AuditEvent, Invitation, Job, Role, User
from hirebench.models.base import utcnow
from hirebench.services import accounts, invitations
from hirebench.services.errors import ServiceError
from hirebench.services.invitations import InvitationError, InvitationState


@pytest.fixture
def job(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        job = Job(title="AI Trainer — e-commerce")
        db.session.add(job)
        db.session.commit()
        return job.id


def _invite(email: str = "li.lei@example.com", ttl: int = 72) -> invitations.IssuedInvitation:
    job = db.session.scalars(sa.select(Job)).one()
    issued = invitations.invite_candidate(
        name="李雷", email=email, job=job, invited_by=None, ttl_hours=ttl
    )
    db.session.commit()
    return issued


def test_token_is_stored_only_as_a_hash(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        issued = _invite()
        stored = db.session.scalars(sa.select(Invitation.token_hash)).one()
        assert issued.token not in stored and len(stored) == 64
        candidate = issued.invitation.candidate
        assert candidate.role is Role.candidate and candidate.password_hash is None
        assert accounts.authenticate(candidate.email, "anything at all") is None


def test_accept_sets_password_once(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        issued = _invite()
        user = invitations.accept(issued.token, "a good password")
        db.session.commit()
        assert accounts.authenticate("li.lei@example.com", "a good password") == user
        with pytest.raises(InvitationError) as reused:
            invitations.accept(issued.token, "another password")
        assert reused.value.state is InvitationState.used
        db.session.rollback()
        assert accounts.authenticate("li.lei@example.com", "a good password") == user
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["invitation.create", "invitation.accept"]


def test_expired_invitation_is_refused(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        issued = _invite()
        issued.invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        with pytest.raises(InvitationError) as expired:
            invitations.accept(issued.token, "a good password")
        assert expired.value.state is InvitationState.expired
        db.session.rollback()
        user = db.session.scalars(sa.select(User).where(User.role == Role.candidate)).one()
        assert user.password_hash is None


def test_tampered_token_is_invalid(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        issued = _invite()
        with pytest.raises(InvitationError) as bad:
            invitations.lookup(issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B"))
        assert bad.value.state is InvitationState.invalid


def test_short_password_leaves_invitation_usable(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        issued = _invite()
        with pytest.raises(ServiceError):
            invitations.accept(issued.token, "short")
        db.session.rollback()
        assert invitations.lookup(issued.token).used_at is None


def test_staff_email_cannot_be_invited(app, job, make_user) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(Role.reviewer)
    with app.app_context(), pytest.raises(ServiceError, match="staff account"):
        _invite(email=staff.email)


def test_second_invitation_reuses_candidate(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        first = _invite()
        second = _invite(email="LI.LEI@example.com")
        assert first.invitation.candidate_id == second.invitation.candidate_id
        assert first.token != second.token
