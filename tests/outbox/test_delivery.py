"""Webhook delivery against a real receiver subprocess on 127.0.0.1 that verifies every request
with standardwebhooks (tests/outbox/receiver.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from hirebench.models.base import utcnow
from hirebench.outbox import dispatcher, webhooks
from tests.outbox.receiving import ReceiverProcess
from tests.polling import wait_for

Receivers = Callable[..., ReceiverProcess]


def endpoint_for(receiver: ReceiverProcess, events: str = "offer.accepted,hire.started") -> int:
    """A committed endpoint pointing at the receiver, which learns the endpoint's secret."""
    endpoint = webhooks.create_endpoint(receiver.url, events, by=None, allow_private=True)
    db.session.commit()
    receiver.secret = endpoint.secret
    return endpoint.id


def publish_committed(count: int, event_type: str = "offer.accepted") -> list[str]:
    ids = []
    for number in range(count):
        message_id = webhooks.publish(event_type, {"offer_id": number, "name": "李雷"})
        assert message_id is not None
        db.session.commit()
        ids.append(message_id)
    return ids


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def successful_attempts_per_message() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(WebhookDelivery.message_id, sa.func.count(WebhookAttempt.id))
        .join(WebhookAttempt)
        .where(WebhookAttempt.status_code.between(200, 299))
        .group_by(WebhookDelivery.message_id)
    )
    return {message_id: count for message_id, count in rows}


def test_publish_writes_one_delivery_per_subscribed_enabled_endpoint(app: Flask) -> None:
    with app.app_context():
        assert webhooks.publish("offer.accepted", {"offer_id": 1}) is None
        assert db.session.scalar(sa.select(sa.func.count(WebhookMessage.id))) == 0

        accepted = webhooks.create_endpoint(
            "http://10.0.0.5/a", "offer.accepted", by=None, allow_private=True
        )
        webhooks.create_endpoint("http://10.0.0.6/b", "hire.started", by=None, allow_private=True)
        off = webhooks.create_endpoint(
            "http://10.0.0.7/c", "offer.accepted", by=None, allow_private=True
        )
        webhooks.disable(off, "test", by=None)

        message_id = webhooks.publish("offer.accepted", {"offer_id": 1, "salary": 30000})
        db.session.commit()

        assert message_id is not None and message_id.startswith("msg_")
        (delivery,) = deliveries()
        assert (delivery.endpoint_id, delivery.message_id) == (accepted.id, message_id)
        assert delivery.status is DeliveryStatus.pending
        message = db.session.get(WebhookMessage, message_id)
        assert message is not None and message.event_type == "offer.accepted"
        assert '"data":{"offer_id":1,"salary":30000}' in message.body
        with pytest.raises(ValueError):
            webhooks.publish("offer.sneezed", {})


def test_signed_delivery_verified_by_the_receiver(app: Flask, receivers: Receivers) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
        receiver.start()
        published = publish_committed(3)

        stats = dispatcher.run_once()

        assert (stats.delivered, stats.retrying, stats.failed) == (3, 0, 0)
        assert sorted(receiver.ids()) == sorted(published)  # sent concurrently
        assert {record["type"] for record in receiver.records()} == {"offer.accepted"}
        for delivery in deliveries():
            assert delivery.status is DeliveryStatus.delivered
            (attempt,) = delivery.attempts
            assert attempt.status_code == 200 and attempt.error == ""
            assert attempt.duration_ms >= 0
        assert dispatcher.run_once().claimed == 0  # nothing is sent twice


def test_rolled_back_change_sends_nothing(app: Flask, receivers: Receivers) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
        receiver.start()
        assert webhooks.publish("offer.accepted", {"offer_id": 7}) is not None
        db.session.rollback()

        assert db.session.scalar(sa.select(sa.func.count(WebhookMessage.id))) == 0
        assert deliveries() == []
        assert dispatcher.run_once().claimed == 0
        assert receiver.ids() == []


def test_receiver_killed_mid_stream_gets_every_event_once(app: Flask, receivers: Receivers) -> None:
    """The dispatcher thread delivers while events are published; the receiver is killed with
    SIGKILL (an attempt may be in flight) and started again on the same port."""
    app.config.update(OUTBOX_POLL_SECONDS=0.05, WEBHOOK_BACKOFF_BASE_SECONDS=0.05)
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
    receiver.start()
    dispatcher.start(app)
    published: list[str] = []
    try:
        with app.app_context():
            published += publish_committed(30)
            wait_for(lambda: len(receiver.ids()) >= 10, 15, "ten deliveries", pause=0.02)
            receiver.kill()
            published += publish_committed(30)  # sent into the void, retried later
            time.sleep(0.3)
            receiver.start()
            published += publish_committed(30)
            wait_for(_all_settled, 30, "every delivery to settle", pause=0.02)
    finally:
        dispatcher.stop(app)
    with app.app_context():
        assert sorted(receiver.ids()) == sorted(published)
        assert len(receiver.ids()) == len(set(receiver.ids())) == 90
        assert all(d.status is DeliveryStatus.delivered for d in deliveries())
        assert successful_attempts_per_message() == dict.fromkeys(published, 1)
        failed = db.session.scalar(
            sa.select(sa.func.count(WebhookAttempt.id)).where(WebhookAttempt.status_code.is_(None))
        )
        assert failed and failed > 0, "the kill should have cost some attempts"


def _all_settled() -> bool:
    db.session.rollback()  # see other connections' commits
    return all(d.status is not DeliveryStatus.pending for d in deliveries())


def test_receiver_down_for_an_hour_gets_everything_once_when_back(
    app: Flask, receivers: Receivers
) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
        published = publish_committed(5)
        start = utcnow()
        for minute in range(0, 61, 5):  # an hour with nobody listening
            dispatcher.run_once(start + timedelta(minutes=minute))
        assert all(d.status is DeliveryStatus.pending for d in deliveries())
        assert all(d.attempt_count >= 2 for d in deliveries())
        assert all(d.last_status_code is None and d.last_error for d in deliveries())

        receiver.start()
        # The backoff is capped at an hour, so within the next hour every retry falls due.
        dispatcher.run_once(start + timedelta(hours=2, minutes=1))

        assert sorted(receiver.ids()) == sorted(published)
        assert all(d.status is DeliveryStatus.delivered for d in deliveries())
        assert successful_attempts_per_message() == dict.fromkeys(published, 1)


def test_delivery_fails_three_days_after_its_first_attempt(app: Flask) -> None:
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            "http://127.0.0.1:9/nobody", "hire.started", by=None, allow_private=True
        )
        db.session.commit()
        publish_committed(1, "hire.started")
        start = utcnow()
        now = start
        while now < start + timedelta(days=3, hours=2):
            dispatcher.run_once(now)
            now += timedelta(minutes=30)
        (delivery,) = deliveries()
        assert delivery.status is DeliveryStatus.failed
        assert delivery.first_attempt_at is not None
        assert delivery.last_attempt_at == delivery.first_attempt_at + timedelta(days=3)
        # Backoff grows to its one-hour cap: about 72+ attempts, not one every 30 minutes.
        assert 40 <= delivery.attempt_count <= 145
        assert db.session.get(WebhookEndpoint, endpoint.id).enabled  # type: ignore[union-attr]


def test_replayed_delivery_is_rejected_by_timestamp(app: Flask, receivers: Receivers) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
        receiver.start()
        (message_id,) = publish_committed(1)
        dispatcher.run_once()
        (record,) = receiver.records()
        body = db.session.get(WebhookMessage, message_id).body.encode()  # type: ignore[union-attr]
    headers = {**record["headers"], "content-type": "application/json"}

    # The same bytes again at once: genuine, so the receiver recognises the id as a repeat.
    again = requests.post(receiver.url, data=body, headers=headers, timeout=5)
    assert (again.status_code, again.text) == (200, "duplicate")
    # Tampered: the signature no longer matches.
    tampered = requests.post(receiver.url, data=body + b" ", headers=headers, timeout=5)
    assert tampered.status_code == 401
    # Replayed six minutes later, past the 5-minute tolerance: refused by its timestamp.
    receiver.kill()
    receiver.start(skew=360)
    replay = requests.post(receiver.url, data=body, headers=headers, timeout=5)
    assert replay.status_code == 400
    assert "too old" in replay.text
    assert receiver.ids() == [message_id]


def test_410_disables_the_endpoint_and_cancels_its_deliveries(
    app: Flask, receivers: Receivers
) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_id = endpoint_for(receiver)
        receiver.start(answer=410)
        publish_committed(3)

        stats = dispatcher.run_once()

        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None and not endpoint.enabled
        assert "410" in endpoint.disabled_reason
        assert stats.endpoints_disabled == 1
        statuses = sorted(d.status.value for d in deliveries())
        assert statuses.count("failed") >= 1
        assert set(statuses) <= {"failed", "cancelled"}
        # Nothing goes to a disabled endpoint any more.
        assert webhooks.publish("offer.accepted", {"offer_id": 99}) is None
        assert dispatcher.run_once().claimed == 0


def test_other_answers_are_retried_with_backoff(app: Flask, receivers: Receivers) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
        receiver.start(answer=302)  # a redirect is not followed: it is a failed attempt
        publish_committed(1)
        before = utcnow()

        stats = dispatcher.run_once(before)

        (delivery,) = deliveries()
        assert stats.retrying == 1
        assert delivery.status is DeliveryStatus.pending
        assert delivery.last_status_code == 302 and delivery.last_error == "HTTP 302"
        assert before <= delivery.next_attempt_at <= before + timedelta(seconds=5)
        receiver.kill()
        receiver.start(answer=500)
        dispatcher.run_once(before + timedelta(seconds=6))
        db.session.refresh(delivery)
        assert [a.status_code for a in delivery.attempts] == [302, 500]
        assert delivery.next_attempt_at <= before + timedelta(seconds=16)


def test_resend_repeats_the_message_under_the_same_id(app: Flask, receivers: Receivers) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint_for(receiver)
        receiver.start()
        (message_id,) = publish_committed(1)
        dispatcher.run_once()
        (first,) = deliveries()

        copy = webhooks.resend(first, by=None)
        db.session.commit()
        dispatcher.run_once()

        db.session.refresh(copy)
        assert copy.message_id == message_id and copy.resend_of_id == first.id
        assert copy.status is DeliveryStatus.delivered
        assert receiver.ids() == [message_id]  # the receiver deduplicated it
