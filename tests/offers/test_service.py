"""The offer's status machine: budget and approval, versions, the candidate's answer with its
evidence, expiry, the events and the mail; every refusal leaves nothing half-saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import events
from hirebench.extensions import db
from hirebench.models import (
    AuditEvent,
    Offer,
    OfferStatus,
    OfferVersion,
    OutgoingMail,
    Role,
    User,
)
from hirebench.offers import service
from hirebench.offers.terms import OfferError
from tests.factories import row
from tests.offers import Cast, apply, cast, make_job, terms


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


@pytest.fixture
def people(ctx: None, make_user: Callable[..., User]) -> Cast:
    return cast(make_user)


@pytest.fixture
def changes() -> Iterator[list[dict[str, Any]]]:
    """Every offer_status_changed sent during the test."""
    seen: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        seen.append({"sender": sender, **kwargs})

    with events.offer_status_changed.connected_to(receiver):
        yield seen


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def mails_to(email: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.to == email).order_by(OutgoingMail.id)
        )
    )


def actions(offer: Offer) -> list[str]:
    return [e.action for e in service.history(offer)]


def draft(people: Cast, salary: int = 18_000, **job: Any) -> Offer:
    application = apply(people.candidate, make_job(**job))
    offer = service.create_offer(application, terms(monthly_salary=str(salary)), by=people.hr)
    db.session.commit()
    return offer


def sent(people: Cast, **kwargs: Any) -> Offer:
    offer = draft(people, **kwargs)
    service.send(offer, by=people.hr)
    db.session.commit()
    return offer


def accept(offer: Offer, candidate: User, name: str = "Li Wei", **extra: Any) -> bool:
    values = {"version": offer.current_version, "sha256": offer.current.letter_sha256, **extra}
    return service.accept(offer, candidate, typed_name=name, ip="203.0.113.7", **values)


# ---------------------------------------------------------------------------- the draft


def test_draft_has_a_version_with_its_letter(people: Cast, changes: list[dict[str, Any]]) -> None:
    offer = draft(people)
    assert offer.status is OfferStatus.draft and offer.current_version == 1
    version = offer.current
    assert version.monthly_salary == 18_000 and version.salary_months == 13
    assert version.letter_pdf is not None and version.letter_pdf.startswith(b"%PDF")
    assert len(version.letter_sha256) == 64
    assert actions(offer) == ["offer.draft"]
    assert changes[-1]["status"] == "draft" and changes[-1]["previous"] is None
    assert changes[-1]["actor_id"] == people.hr.id and changes[-1]["offer_id"] == offer.id
    assert mails_to(people.candidate.email) == []  # a draft is HR's business


def test_one_open_offer_per_application(people: Cast) -> None:
    offer = draft(people)
    with pytest.raises(OfferError, match="already has an open offer"):
        service.create_offer(offer.application, terms(), by=people.hr)


def test_against_the_recommendation_needs_a_reason_in_the_audit_log(people: Cast) -> None:
    application = apply(people.candidate, make_job(), recommendation="reject")
    with pytest.raises(OfferError, match="does not recommend hiring") as caught:
        service.create_offer(application, terms(), by=people.hr)
    assert caught.value.field == "override_reason"
    db.session.rollback()
    assert count(Offer) == 0
    offer = service.create_offer(
        application, terms(), by=people.hr, override_reason="Strong referral; rare skills."
    )
    db.session.commit()
    override = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "offer.override")
    ).one()
    assert override.target_id == str(offer.id) and override.actor_id == people.hr.id
    assert override.detail == {
        "recommendation": "reject",
        "reason": "Strong referral; rare skills.",
    }


def test_hire_with_training_needs_no_reason(people: Cast) -> None:
    application = apply(people.candidate, make_job(), recommendation="hire_with_training")
    assert service.create_offer(application, terms(), by=people.hr).status is OfferStatus.draft


def test_bad_input_saves_nothing(people: Cast) -> None:
    application = apply(people.candidate, make_job())
    before = count(AuditEvent)
    for bad in (
        {"monthly_salary": "-1"},
        {"monthly_salary": "lots"},
        {"start_date": (date.today() - timedelta(days=1)).isoformat()},
        {"valid_until": (date.today() - timedelta(days=1)).isoformat()},
        {"hours_scheme": "996"},
        {"probation_months": "9"},
        {"salary_months": "20"},
    ):
        with pytest.raises(OfferError):
            service.create_offer(application, terms(**bad), by=people.hr)
        db.session.rollback()
    assert (count(Offer), count(OfferVersion), count(AuditEvent)) == (0, 0, before)


# ------------------------------------------------------------------- budget and approval


def test_within_budget_is_sent_directly(people: Cast, changes: list[dict[str, Any]]) -> None:
    offer = sent(people, salary=20_000)  # the budget itself is within it
    assert offer.status is OfferStatus.sent and offer.sent_at is not None
    assert [c["status"] for c in changes] == ["draft", "sent"]
    [to_candidate] = mails_to(people.candidate.email)
    assert to_candidate.subject == "Your offer for AI trainer"
    assert offer.current.valid_until.isoformat() in to_candidate.body
    assert "/offers/" in to_candidate.body
    assert [m.subject for m in mails_to(people.hr.email)] == ["Offer sent: AI trainer"]


def test_over_budget_cannot_be_sent_without_approval(people: Cast) -> None:
    offer = draft(people, salary=25_000)
    assert service.needs_approval(offer)
    with pytest.raises(OfferError, match="above the job's budget, so anyone with the role admin"):
        service.send(offer, by=people.hr)
    db.session.rollback()
    assert row(Offer, offer.id).status is OfferStatus.draft


def test_within_budget_needs_no_approval_request(people: Cast) -> None:
    offer = draft(people)
    with pytest.raises(OfferError, match="within the budget"):
        service.request_approval(offer, by=people.hr)


def test_default_approver_is_an_admin(people: Cast, changes: list[dict[str, Any]]) -> None:
    offer = draft(people, salary=25_000)
    service.request_approval(offer, by=people.hr)
    db.session.commit()
    assert offer.status is OfferStatus.awaiting_approval and offer.approver_id is None
    assert service.approvers(offer) == [people.admin]
    with pytest.raises(OfferError, match="You may not approve this offer"):
        service.approve(offer, by=people.reviewer)
    db.session.rollback()
    service.approve(offer, by=people.admin)
    service.send(offer, by=people.hr)
    db.session.commit()
    assert offer.approved_by_id == people.admin.id and offer.status is OfferStatus.sent
    assert [c["status"] for c in changes] == ["draft", "awaiting_approval", "approved", "sent"]
    assert actions(offer) == [
        "offer.draft",
        "offer.awaiting_approval",
        "offer.approved",
        "offer.sent",
    ]


def test_the_creator_never_approves_their_own_offer(
    people: Cast, make_user: Callable[..., User]
) -> None:
    application = apply(people.candidate, make_job())
    offer = service.create_offer(application, terms(monthly_salary="25000"), by=people.admin)
    db.session.commit()
    # The only admin made it: nobody is left to approve, and the error says how to fix it.
    with pytest.raises(OfferError, match="Nobody may approve this offer"):
        service.request_approval(offer, by=people.admin)
    db.session.rollback()
    second = row(User, make_user(Role.admin, email="admin2@example.com").id)
    service.request_approval(offer, by=people.admin)
    assert service.approvers(offer) == [second]
    with pytest.raises(OfferError, match="someone else must approve"):
        service.approve(offer, by=people.admin)


def test_a_named_user_approves_and_nobody_else(
    people: Cast, make_user: Callable[..., User]
) -> None:
    lead = row(User, make_user(Role.business, email="lead@example.com", name="Lead").id)
    offer = draft(people, salary=30_000, approver={"user": "Lead@Example.com"})
    service.request_approval(offer, by=people.hr)
    db.session.commit()
    assert offer.approver_id == lead.id
    for other in (people.admin, people.reviewer):
        with pytest.raises(OfferError, match=r"names lead@example\.com as its approver"):
            service.approve(offer, by=other)
    service.approve(offer, by=lead)
    assert offer.status is OfferStatus.approved


def test_a_named_role_approves(people: Cast, make_user: Callable[..., User]) -> None:
    manager = row(User, make_user(Role.business, email="biz@example.com").id)
    offer = draft(people, salary=30_000, approver={"role": "business"})
    service.request_approval(offer, by=people.hr)
    assert not service.may_approve(offer, people.admin)
    service.approve(offer, by=manager)
    assert offer.status is OfferStatus.approved


def test_an_approver_without_an_account_is_a_clear_error(people: Cast) -> None:
    offer = draft(people, salary=30_000, approver={"user": "gone@example.com"})
    with pytest.raises(OfferError, match=r"gone@example\.com as the approver"):
        service.request_approval(offer, by=people.hr)
    db.session.rollback()
    assert row(Offer, offer.id).status is OfferStatus.draft


def test_a_yearly_budget_compares_by_the_month(people: Cast) -> None:
    job = make_job()
    job_definition = service.budget_of(job)
    assert job_definition.monthly == 20_000
    from_year = service.Budget(240_000 / 12)
    assert not from_year.over(20_000) and from_year.over(20_001)


# ------------------------------------------------------------------------------ versions


def test_edit_before_sending_rewrites_the_draft_and_voids_approval(people: Cast) -> None:
    offer = draft(people, salary=25_000)
    service.request_approval(offer, by=people.hr)
    service.approve(offer, by=people.admin)
    db.session.commit()
    first_sha = offer.current.letter_sha256
    service.edit_offer(offer, terms(monthly_salary="26000"), by=people.hr)
    db.session.commit()
    assert offer.current_version == 1 and len(offer.versions) == 1
    assert offer.status is OfferStatus.draft and offer.approved_at is None
    assert offer.current.letter_sha256 != first_sha
    edit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "offer.edit")).one()
    assert edit.detail["changes"] == {
        "monthly_salary": [25_000, 26_000],
        "probation_salary": [25_000, 26_000],
    }


def test_edit_after_sending_makes_a_version_the_candidate_sees(people: Cast) -> None:
    offer = sent(people)
    old = offer.current
    service.edit_offer(offer, terms(location="北京市海淀区"), by=people.hr)
    db.session.commit()
    assert offer.current_version == 2 and offer.status is OfferStatus.sent
    assert [v.version for v in offer.versions] == [1, 2]
    assert (
        old.location != offer.current.location and old.letter_sha256 != offer.current.letter_sha256
    )
    assert "was updated" in mails_to(people.candidate.email)[-1].subject


def test_a_raise_above_budget_after_sending_needs_approval_again(people: Cast) -> None:
    offer = sent(people)
    service.edit_offer(offer, terms(monthly_salary="24000"), by=people.hr)
    db.session.commit()
    assert offer.current_version == 2 and offer.status is OfferStatus.awaiting_approval
    with pytest.raises(OfferError, match="HR is revising this offer"):
        accept(offer, people.candidate)


def test_nothing_changed_is_refused(people: Cast) -> None:
    offer = draft(people)
    with pytest.raises(OfferError, match="Nothing changed"):
        service.edit_offer(offer, terms(monthly_salary="18000"), by=people.hr)


@pytest.mark.parametrize("final", ["accepted", "declined", "withdrawn", "expired"])
def test_a_closed_offer_cannot_be_edited(people: Cast, final: str) -> None:
    offer = sent(people)
    if final == "accepted":
        accept(offer, people.candidate)
    elif final == "declined":
        service.decline(offer, people.candidate, version=1, sha256=offer.current.letter_sha256)
    elif final == "withdrawn":
        service.withdraw(offer, by=people.hr, reason="Budget frozen")
    else:
        service.expire_offer(offer)
    db.session.commit()
    with pytest.raises(OfferError, match=f"This offer is {final}, so it cannot be edited"):
        service.edit_offer(offer, terms(grade="P6"), by=people.hr)
    with pytest.raises(OfferError, match="cannot be withdrawn"):
        service.withdraw(offer, by=people.hr)


def test_withdraw_from_any_open_state(people: Cast, changes: list[dict[str, Any]]) -> None:
    offer = draft(people)
    service.withdraw(offer, by=people.hr, reason="Headcount cut")
    db.session.commit()
    assert offer.status is OfferStatus.withdrawn
    assert changes[-1]["previous"] == "draft" and changes[-1]["status"] == "withdrawn"
    assert service.history(offer)[-1].detail["reason"] == "Headcount cut"
    assert mails_to(people.candidate.email) == []  # never sent: nothing to tell them
