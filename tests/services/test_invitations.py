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


def _second_job() -> Job:
    other = Job(title="AI Trainer — search")
    db.session.add(other)
    db.session.commit()
    return other


def test_second_job_reuses_candidate(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        first = _invite()
        other = _second_job()
        second = invitations.invite_candidate(
            name="李雷", email="LI.LEI@example.com", job=other, invited_by=None, ttl_hours=72
        )
        assert first.candidate.id == second.candidate.id
        assert first.token != second.token


def test_same_job_twice_is_a_duplicate(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        first = _invite()
        with pytest.raises(invitations.DuplicateInvitation) as duplicate:
            _invite(email="LI.LEI@example.com")
        assert duplicate.value.invitation.id == first.invitation.id  # type: ignore[union-attr]


def test_using_one_link_closes_the_others(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        older = _invite()
        newer = invitations.invite_candidate(
            name="李雷",
            email="li.lei@example.com",
            job=_second_job(),
            invited_by=None,
            ttl_hours=72,
        )
        db.session.commit()
        assert older.token and newer.token
        invitations.accept(newer.token, "the newer password")
        db.session.commit()
        with pytest.raises(InvitationError) as closed:
            invitations.accept(older.token, "an attacker's password")
        assert closed.value.state in (InvitationState.used, InvitationState.revoked)
        db.session.rollback()
        assert accounts.authenticate("li.lei@example.com", "the newer password") is not None


def test_open_link_of_an_account_that_can_log_in_is_spent(app, job) -> None:  # type: ignore[no-untyped-def]
    """Links issued before this rule existed must not reset a password either."""
    with app.app_context():
        issued = _invite()
        issued.candidate.password_hash = accounts.hash_password("set some other way")
        db.session.commit()
        assert issued.token
        with pytest.raises(InvitationError) as spent:
            invitations.lookup(issued.token)
        assert spent.value.state is InvitationState.used


def test_existing_account_gets_application_and_notice_not_a_link(app, job, make_user) -> None:  # type: ignore[no-untyped-def]
    candidate = make_user(Role.candidate, email="known@example.com")
    with app.app_context():
        issued = _invite(email="known@example.com")
        assert issued.notice_only and issued.token is None
        notice = db.session.scalars(sa.select(Invitation)).one()
        assert notice.notice and notice.used_at is not None
        from hirebench.jobs.service import ensure_application

        job_row = db.session.scalars(sa.select(Job)).one()
        user = db.session.get(User, candidate.id)
        assert ensure_application(user, job_row).id is not None
        with app.test_request_context():
            invitations.send_invitation_mail(issued)
        body = app.extensions["mailman"].outbox[-1].body
        assert "/invite/" not in body and "/login" in body
        assert accounts.authenticate("known@example.com", "correct horse battery") is not None


def test_pending_candidate_still_gets_a_working_link(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        _invite()
        second = invitations.invite_candidate(
            name="李雷",
            email="li.lei@example.com",
            job=_second_job(),
            invited_by=None,
            ttl_hours=72,
        )
        db.session.commit()
        assert not second.notice_only and second.token
        assert invitations.lookup(second.token).id == second.invitation.id  # type: ignore[union-attr]


def test_resend_replaces_the_link(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        first = _invite()
        assert first.invitation and first.token
        again = invitations.resend(first.invitation, by=None, ttl_hours=72)
        db.session.commit()
        assert again.token and again.token != first.token
        with pytest.raises(InvitationError) as old:
            invitations.lookup(first.token)
        assert old.value.state is InvitationState.invalid
        assert invitations.lookup(again.token).id == first.invitation.id


def test_revoked_link_is_refused(app, job) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        issued = _invite()
        assert issued.invitation and issued.token
        invitations.revoke(issued.invitation, by=None)
        db.session.commit()
        with pytest.raises(InvitationError) as revoked:
            invitations.accept(issued.token, "a good password")
        assert revoked.value.state is InvitationState.revoked
        with pytest.raises(InvitationError):
            invitations.resend(issued.invitation, by=None, ttl_hours=72)
