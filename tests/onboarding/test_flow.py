"""The whole path through the real services: HR's offer is sent and accepted (offers), which
starts onboarding; the checklist done and the first day reached give the hand-off's
hire.onboarding_completed and hire.started webhook messages, each once, carrying the ID and
bank details the new hire entered."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import Onboarding, User, WebhookMessage
from hirebench.offers import service as offers
from hirebench.onboarding import personal, reminders, service
from hirebench.outbox import webhooks
from tests.offers import Cast, apply, cast, make_job, terms

ID_NUMBER = "44030419900101123" + personal.prc_check_char("44030419900101123")
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[Cast]:
    with app.test_request_context():
        yield cast(make_user)


def messages(event_type: str) -> list[dict[str, object]]:
    rows = db.session.scalars(
        sa.select(WebhookMessage).where(WebhookMessage.event_type == event_type)
    ).all()
    return [json.loads(row.body) for row in rows]


def test_acceptance_to_hand_off(people: Cast) -> None:
    webhooks.create_endpoint(
        "http://127.0.0.1:9/hooks",  # never called: only the messages are read
        ["offer.accepted", "hire.onboarding_completed", "hire.started"],
        by=people.admin,
        allow_private=True,
    )
    start = date.today() + timedelta(days=30)
    offer = offers.create_offer(
        apply(people.candidate, make_job()), terms(start_date=start.isoformat()), by=people.hr
    )
    offers.send(offer, by=people.hr)
    db.session.commit()
    assert db.session.scalar(sa.select(Onboarding)) is None  # not before acceptance
    offers.accept(
        offer,
        people.candidate,
        typed_name="Li Wei",
        version=offer.current_version,
        sha256=offer.current.letter_sha256,
    )
    onboarding = db.session.scalars(sa.select(Onboarding)).one()
    assert (onboarding.offer_id, onboarding.start_date) == (offer.id, start)
    assert len(messages("offer.accepted")) == 1

    # Reminders for HR's tasks go to the HR user who made the offer.
    owed = reminders.due_reminders(start)
    assert {r.to for r in owed if r.task_key == "labour-contract"} == {people.hr.email}

    for task in list(onboarding.tasks):
        if task.collects:
            fields = personal.PersonalFields("prc_id", ID_NUMBER, "招商银行", "6225880137706868")
            service.save_personal(onboarding, people.candidate, fields)
        elif task.upload == "required":
            service.attach_file(task, people.candidate, "report.pdf", PDF)
        elif task.owner == "new_hire":
            service.mark_done(task, people.candidate)
        else:
            service.mark_done(task, people.hr)
    completed = messages("hire.onboarding_completed")
    assert len(completed) == 1
    assert ID_NUMBER in json.dumps(completed[0], ensure_ascii=False)
    assert "6225880137706868" in json.dumps(completed[0])

    assert service.start_due(start) == [onboarding.id]
    assert service.start_due(start) == []
    assert len(messages("hire.started")) == 1
