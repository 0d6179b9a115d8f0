"""docs/webhooks.md: its receiver example handles a real delivery, its sample request carries a
valid signature, and its retry table is the dispatcher's schedule."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from standardwebhooks import Webhook

from hirebench.extensions import db
from hirebench.models import WebhookMessage
from hirebench.outbox import dispatcher, webhooks
from hirebench.paths import PROJECT_ROOT
from tests.outbox.receiving import ReceiverProcess

DOC = (PROJECT_ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")


def _block(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", DOC, re.S)
    assert match, f"no {language} block in docs/webhooks.md"
    return match.group(1)


def test_the_receiver_example_handles_a_real_delivery_once(
    app: Flask, receivers: Callable[..., ReceiverProcess]
) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "hire.started", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
        receiver.start()
        message_id = webhooks.publish(
            "hire.started", {"employee": {"name": "韩梅梅"}, "start_date": "2027-01-04"}
        )
        db.session.commit()
        dispatcher.run_once()
        body = db.session.get(WebhookMessage, message_id).body.encode()  # type: ignore[union-attr]
    (record,) = receiver.records()
    headers = {key.title(): value for key, value in record["headers"].items()}  # any casing

    namespace: dict[str, Any] = {}
    exec(compile(_block("python"), "docs/webhooks.md", "exec"), namespace)  # noqa: S102
    receive = namespace["receive"]

    assert receive(receiver.secret, body, headers) == 200
    assert receive(receiver.secret, body, headers) == 200  # the retry is acknowledged...
    assert namespace["handled"] == {message_id}  # ...and handled once
    assert receive(receiver.secret, body.replace("韩".encode(), b"X"), headers) == 400
    assert receive(webhooks.new_secret(), body, headers) == 400
    old = {**headers, "Webhook-Timestamp": str(int(datetime.now(UTC).timestamp()) - 600)}
    old["Webhook-Signature"] = Webhook(receiver.secret).sign(
        message_id or "", datetime.fromtimestamp(int(old["Webhook-Timestamp"]), UTC), body
    )
    assert receive(receiver.secret, body, old) == 400  # genuine, but 10 minutes late


def test_the_sample_request_is_signed_correctly() -> None:
    head, _blank, body = _block("http").partition("\n\n")
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    secret = re.search(r"the secret of this example is `(whsec_[^`]+)`", DOC)
    assert secret
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret.group(1)).sign(headers["webhook-id"], at, body.strip().encode())
    assert headers["webhook-signature"] == expected
    assert (
        webhooks.signed_headers(headers["webhook-id"], secret.group(1), body.strip().encode(), at)[
            "webhook-signature"
        ]
        == expected
    )


def test_the_retry_table_is_the_schedule() -> None:
    row = re.search(r"\| next attempt within \|(.*)\|", DOC)
    assert row
    cells = [cell.strip() for cell in row.group(1).split("|")]
    base = dispatcher.BACKOFF_BASE.total_seconds()
    cap = dispatcher.BACKOFF_CAP.total_seconds()
    for attempt, cell in enumerate(cells[:-1], start=1):
        assert cell == f"{min(cap, base * 2 ** (attempt - 1)):g} s"
    assert cells[-1] == "1 h" and cap == 3600
    assert dispatcher.RETRY_WINDOW.days == 3 and "3 days after the first attempt" in DOC
