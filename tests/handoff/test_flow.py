"""The hand-off through the real services: an offer made, sent and accepted through
hirebench.offers, the onboarding it starts completed through hirebench.onboarding, and the first
day; each step leaves exactly one outbox message of the right type, with a valid record."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.handoff import schema
from hirebench.models import User, WebhookMessage
from hirebench.models.onboarding import Onboarding
from hirebench.offers import service as offers
from hirebench.onboarding import personal
from hirebench.onboarding import service as onboarding_service
from hirebench.outbox import webhooks
from tests.offers import Cast, apply, cast, make_job, terms

EVENTS = ["offer.accepted", "offer.declined", "hire.onboarding_completed", "hire.started"]
FIRST17 = "11010519900307123"
ID_NUMBER = FIRST17 + personal.prc_check_char(FIRST17)


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[Cast]:
    with app.test_request_context():
        webhooks.create_endpoint("http://127.0.0.1:9/payroll", EVENTS, by=None, allow_private=True)
        db.session.commit()
        yield cast(make_user)


def published() -> list[tuple[str, dict[str, Any]]]:
    messages = db.session.scalars(sa.select(WebhookMessage).order_by(WebhookMessage.created_at))
    return [(m.event_type, json.loads(m.body)["data"]) for m in messages]


def sent_offer(people: Cast, candidate: User) -> Any:
    offer = offers.create_offer(apply(candidate, make_job()), terms(), by=people.hr)
    db.session.commit()
    offers.send(offer, by=people.hr)
    db.session.commit()
    return offer


def finish_checklist(onboarding: Onboarding, people: Cast) -> None:
    """The new hire enters their details; every other task but one of HR's is done; HR then
    ticks that last one through the service, which completes the onboarding."""
    onboarding_service.save_personal(
        onboarding,
        people.candidate,
        personal.PersonalFields("prc_id", ID_NUMBER, "招商银行上海张江支行", "6225 8801 2345 6789"),
    )
    last = next(t for t in onboarding.tasks if onboarding_service.may_complete(t, people.hr))
    for task in onboarding.tasks:
        if task is not last and not task.done:
            task.done_at = task.onboarding.created_at
    db.session.commit()
    onboarding_service.mark_done(last, people.hr)


def test_accept_complete_and_start(app: Flask, people: Cast) -> None:
    with app.test_request_context():
        offer = sent_offer(people, people.candidate)
        letter = offer.current.letter_sha256
        assert offers.accept(offer, people.candidate, typed_name="Li Wei", version=1, sha256=letter)
        [(kind, accepted)] = published()
        assert kind == "offer.accepted" and schema.problems(accepted) == []
        assert accepted["offer"]["letter_sha256"] == letter
        assert accepted["employee"]["name"] == "Li Wei" and accepted["onboarding"] is None
        assert accepted["salary"]["annual"] == 18000 * 13

        onboarding = db.session.scalars(
            sa.select(Onboarding).where(Onboarding.offer_id == offer.id)
        ).one()  # started by the same acceptance
        finish_checklist(onboarding, people)
        kinds = [kind for kind, _data in published()]
        assert kinds == ["offer.accepted", "hire.onboarding_completed"]
        completed = published()[1][1]
        assert schema.problems(completed) == []
        assert completed["employee"]["id_type"] == "prc_id"
        assert completed["employee"]["id_number"] == ID_NUMBER
        assert completed["bank"] == {
            "bank_name": "招商银行上海张江支行",
            "account": "6225880123456789",
        }
        assert completed["onboarding"]["status"] == "completed"

        assert onboarding_service.start_due(on=onboarding.start_date) == [onboarding.id]
        assert onboarding_service.start_due(on=onboarding.start_date) == []  # once
        kinds = [kind for kind, _data in published()]
        assert kinds == ["offer.accepted", "hire.onboarding_completed", "hire.started"]
        started = published()[2][1]
        assert started["onboarding"]["status"] == "started" and schema.problems(started) == []


def test_decline(app: Flask, people: Cast) -> None:
    with app.test_request_context():
        offer = sent_offer(people, people.other)
        assert offers.decline(
            offer, people.other, version=1, sha256=offer.current.letter_sha256, reason="另有安排"
        )
        [(kind, declined)] = published()
        assert kind == "offer.declined" and schema.problems(declined) == []
        assert declined["offer"]["status"] == "declined" and declined["bank"] is None
        assert "另有安排" not in json.dumps(declined, ensure_ascii=False)
