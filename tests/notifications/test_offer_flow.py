"""Notifications through the real offer service (hirebench.offers): an offer over the budget
tells its approvers when it goes for approval, and the candidate's answer tells the HR user
who made the offer, once, in the app and by one mail."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from hirebench.extensions import db
from hirebench.models import OfferStatus, User
from hirebench.notifications import kinds
from hirebench.offers import service as offers
from tests.factories import row
from tests.notifications.conftest import inbox, kinds_of, mails
from tests.offers import BUDGET, Cast, apply, cast, make_job, terms


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[Cast]:
    with app.test_request_context():
        yield cast(make_user)


def test_approval_then_acceptance(people: Cast) -> None:
    application = apply(people.candidate, make_job())
    offer = offers.create_offer(
        application, terms(monthly_salary=str(BUDGET + 2_000)), by=people.hr
    )
    db.session.commit()
    assert inbox(people.admin) == []  # a draft is nobody's business yet

    offers.request_approval(offer, by=people.hr)
    db.session.commit()
    [note] = inbox(people.admin)
    assert note.kind == kinds.OFFER_NEEDS_APPROVAL
    assert kinds.title(note.kind, note.params) == "Offer to approve: Li Wei"
    assert note.link in (
        f"/hr/offers/{offer.id}",
        f"/hr/jobs/{offer.job_id}/candidates/{people.candidate.id}",
    )
    assert [m.subject for m in mails(people.admin.email)] == ["Offer to approve: Li Wei"]
    assert kinds.OFFER_NEEDS_APPROVAL not in kinds_of(people.hr)  # the maker never approves

    offers.approve(offer, by=people.admin)
    offers.send(offer, by=people.hr)
    db.session.commit()
    assert offers.accept(
        offer,
        people.candidate,
        typed_name="Li Wei",
        version=offer.current_version,
        sha256=offer.current.letter_sha256,
    )
    assert row(type(offer), offer.id).status is OfferStatus.accepted
    assert [n.kind for n in inbox(people.hr)] == [kinds.OFFER_ACCEPTED]
    accepted = [m for m in mails(people.hr.email) if "accepted" in m.subject.lower()]
    assert [m.subject for m in accepted] == ["Offer accepted: Li Wei"]
    assert inbox(people.reviewer) == [] and inbox(people.candidate) == []


def test_a_decline_tells_the_maker(people: Cast) -> None:
    application = apply(people.candidate, make_job())
    offer = offers.create_offer(application, terms(), by=people.hr)
    offers.send(offer, by=people.hr)
    db.session.commit()
    assert offers.decline(
        offer,
        people.candidate,
        version=offer.current_version,
        sha256=offer.current.letter_sha256,
        reason="Another offer",
    )
    assert kinds_of(people.hr) == [kinds.OFFER_DECLINED]
    assert inbox(people.admin) == []  # within the budget: no approval was asked for
