"""`hirebench webhooks ...`."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from hirebench.extensions import db
from hirebench.models import WebhookDelivery, WebhookEndpoint
from hirebench.outbox import webhooks
from tests.outbox.receiving import ReceiverProcess


def test_add_prints_the_secret_once_and_list_never(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "webhooks",
            "add",
            "http://10.1.1.1/payroll",
            "--events",
            "offer.accepted,hire.started",
            "--allow-private",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout.splitlines()[0])
    assert created["secret"].startswith("whsec_") and created["allow_private"] is True
    assert created["events"] == ["hire.started", "offer.accepted"]
    assert "not shown again" in result.stderr

    listed = runner.invoke(args=["webhooks", "list", "--json"])
    assert listed.exit_code == 0
    (endpoint,) = json.loads(listed.stdout)
    assert endpoint["id"] == created["id"] and "secret" not in endpoint
    assert created["secret"] not in listed.output
    text = runner.invoke(args=["webhooks", "add", "http://10.1.1.2/", "--events", "hire.started"])
    assert text.exit_code == 1 and "loopback, private or link-local" in text.output


def test_bad_input_is_a_clear_error(app: Flask, runner: FlaskCliRunner) -> None:
    for url, events, message in [
        ("ftp://10.1.1.1/", "hire.started", "http:// or https://"),
        ("http://10.1.1.1/", "hire.fired", "Unknown event: hire.fired"),
    ]:
        result = runner.invoke(args=["webhooks", "add", url, "--events", events, "--allow-private"])
        assert result.exit_code == 1 and message in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(WebhookEndpoint)).all() == []
    assert "no webhook delivery with id 5" in runner.invoke(args=["webhooks", "resend", "5"]).output


def test_deliver_deliveries_and_resend(
    app: Flask, runner: FlaskCliRunner, receivers: Callable[..., ReceiverProcess]
) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "offer.declined", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret, endpoint_id = endpoint.secret, endpoint.id
        message_id = webhooks.publish("offer.declined", {"offer_id": 3, "reason": "薪资"})
        db.session.commit()
    receiver.start()

    pending = json.loads(runner.invoke(args=["webhooks", "deliveries", "--json"]).stdout)
    assert [(d["webhook_id"], d["status"]) for d in pending] == [(message_id, "pending")]

    delivered = runner.invoke(args=["webhooks", "deliver"])
    assert delivered.exit_code == 0 and "delivered 1" in delivered.output
    assert receiver.ids() == [message_id]

    done = json.loads(
        runner.invoke(args=["webhooks", "deliveries", "--status", "delivered", "--json"]).stdout
    )
    assert done[0]["last_status_code"] == 200 and done[0]["attempts"] == 1

    resent = runner.invoke(args=["webhooks", "resend", str(done[0]["id"])])
    assert resent.exit_code == 0 and message_id in resent.output
    runner.invoke(args=["webhooks", "deliver"])
    with app.app_context():
        statuses = [d.status.value for d in db.session.scalars(sa.select(WebhookDelivery))]
        assert statuses == ["delivered", "delivered"]
    assert receiver.ids() == [message_id]

    disabled = runner.invoke(args=["webhooks", "disable", str(endpoint_id)])
    assert disabled.exit_code == 0
    listed = json.loads(runner.invoke(args=["webhooks", "list", "--json"]).stdout)
    assert listed[0]["enabled"] is False
