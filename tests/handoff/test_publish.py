"""The receivers publish the right event with the record as its data, into the outbox rows of
the same transaction; a record that breaks the schema fails loudly and nothing leaves."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import events
from hirebench.extensions import db
from hirebench.handoff import record, schema
from hirebench.models import WebhookDelivery, WebhookMessage
from hirebench.models.offers import OfferStatus
from hirebench.outbox import webhooks
from tests.handoff import helpers
from tests.handoff.helpers import ID_NUMBER

ALL_EVENTS = ["offer.accepted", "offer.declined", "hire.onboarding_completed", "hire.started"]


def endpoint(events_: list[str] = ALL_EVENTS, url: str = "http://127.0.0.1:9/payroll") -> int:
    made = webhooks.create_endpoint(url, events_, by=None, allow_private=True)
    db.session.commit()
    return made.id


def messages() -> list[WebhookMessage]:
    return list(db.session.scalars(sa.select(WebhookMessage).order_by(WebhookMessage.created_at)))


def body(message: WebhookMessage) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(message.body)
    return loaded


def status_changed(hire: helpers.Hire, status: OfferStatus) -> None:
    events.offer_status_changed.send(
        hire.offer,
        offer_id=hire.offer.id,
        candidate_id=hire.candidate.id,
        job_id=hire.job.id,
        status=status.value,
        previous=OfferStatus.sent.value,
        actor_id=hire.candidate.id,
    )


def onboarding_event(signal: Any, hire: helpers.Hire) -> None:
    assert hire.onboarding is not None
    signal.send(
        hire.onboarding,
        onboarding_id=hire.onboarding.id,
        offer_id=hire.offer.id,
        candidate_id=hire.candidate.id,
    )


def test_acceptance_publishes_offer_accepted_with_the_record(app: Flask) -> None:
    with app.app_context():
        payroll = endpoint()
        attendance = endpoint(["offer.accepted"], "http://127.0.0.1:9/attendance")
        only_starts = endpoint(["hire.started"], "http://127.0.0.1:9/badges")
        hire = helpers.offer()
        status_changed(hire, OfferStatus.accepted)
        db.session.commit()

        [message] = messages()
        assert message.event_type == "offer.accepted"
        sent = body(message)
        assert sent["type"] == "offer.accepted"
        assert sent["data"] == record.build(hire.offer, None)
        assert schema.problems(sent["data"]) == []
        assert sent["data"]["employee"]["name"] == "张伟"  # UTF-8, not \\u escapes, is fine too
        targets = set(
            db.session.scalars(
                sa.select(WebhookDelivery.endpoint_id).where(
                    WebhookDelivery.message_id == message.id
                )
            )
        )
        assert targets == {payroll, attendance} and only_starts not in targets


def test_decline_publishes_offer_declined(app: Flask) -> None:
    with app.app_context():
        endpoint()
        hire = helpers.offer(OfferStatus.declined)
        status_changed(hire, OfferStatus.declined)
        db.session.commit()
        [message] = messages()
        assert message.event_type == "offer.declined"
        data = body(message)["data"]
        assert data["offer"]["status"] == "declined" and data["offer"]["accepted_at"] is None


@pytest.mark.parametrize(
    "status",
    [
        OfferStatus.awaiting_approval,
        OfferStatus.approved,
        OfferStatus.sent,
        OfferStatus.expired,
        OfferStatus.withdrawn,
    ],
)
def test_other_statuses_publish_nothing(app: Flask, status: OfferStatus) -> None:
    with app.app_context():
        endpoint()
        hire = helpers.offer(status)
        status_changed(hire, status)
        db.session.commit()
        assert messages() == []


def test_completed_onboarding_and_the_first_day_publish_hire_events(app: Flask) -> None:
    with app.app_context():
        endpoint()
        hire = helpers.offer()
        helpers.onboard(hire, status="completed")
        onboarding_event(events.onboarding_completed, hire)
        db.session.commit()
        assert hire.onboarding is not None
        hire.onboarding.status = "started"
        hire.onboarding.started_at = datetime(2026, 4, 1, 1, 0)
        onboarding_event(events.hire_started, hire)
        db.session.commit()

        by_type = {message.event_type: body(message)["data"] for message in messages()}
        assert set(by_type) == {"hire.onboarding_completed", "hire.started"}
        first, second = by_type["hire.onboarding_completed"], by_type["hire.started"]
        assert first["employee"]["id_number"] == ID_NUMBER  # in full, for payroll only
        assert first["bank"]["bank_name"] == "招商银行北京分行"
        assert first["onboarding"]["status"] == "completed"
        assert second["onboarding"]["status"] == "started"
        assert second["onboarding"]["started_at"] == "2026-04-01T01:00:00Z"


def test_a_rolled_back_acceptance_leaves_no_event(app: Flask) -> None:
    with app.app_context():
        endpoint()
        hire = helpers.offer()
        db.session.commit()
        status_changed(hire, OfferStatus.accepted)
        db.session.rollback()
        assert messages() == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


@pytest.mark.parametrize("subscribed", [True, False])
def test_a_broken_record_fails_loudly_and_nothing_leaves(
    app: Flask, caplog: pytest.LogCaptureFixture, subscribed: bool
) -> None:
    with app.app_context():
        if subscribed:
            endpoint()
        # A scheme the schema does not know: the record would tell payroll nonsense.
        hire = helpers.offer(hours_scheme="nine-nine-six")
        db.session.commit()
        offer_id = hire.offer.id
        with (
            caplog.at_level(logging.ERROR, logger="hirebench.handoff.publish"),
            pytest.raises(schema.InvalidRecord, match="hours/scheme"),
        ):
            status_changed(hire, OfferStatus.accepted)
        db.session.rollback()
        assert messages() == []
        [logged] = [r for r in caplog.records if r.name == "hirebench.handoff.publish"]
        assert logged.levelno == logging.ERROR
        text = logged.getMessage()
        assert "offer.accepted" in text and f"offer {offer_id}" in text and "hours/scheme" in text


def test_without_an_endpoint_nothing_is_written(app: Flask) -> None:
    with app.app_context():
        hire = helpers.offer()
        status_changed(hire, OfferStatus.accepted)
        db.session.commit()
        assert messages() == []
