"""Where a webhook may go: http(s) only, and no internal addresses unless an admin allowed
them, checked when the endpoint is made and again at every delivery."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hirebench.outbox import dispatcher, ssrf, webhooks
from tests.outbox.receiving import ReceiverProcess

INTERNAL = [
    "http://127.0.0.1/hooks",
    "http://127.9.9.9:8080/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://localhost:8000/hooks",  # a name that resolves to loopback
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_addresses_are_refused_unless_allowed(app: Flask, url: str) -> None:
    with app.app_context():
        with pytest.raises(ssrf.UnsafeURL, match="loopback, private or link-local"):
            webhooks.create_endpoint(url, "offer.accepted", by=None)
        endpoint = webhooks.create_endpoint(url, "offer.accepted", by=None, allow_private=True)
        assert endpoint.allow_private


@pytest.mark.parametrize(
    "url",
    [
        "ftp://payroll.example.com/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "javascript:alert(1)",
        "payroll.example.com/hooks",
        "",
    ],
)
def test_only_http_and_https_are_accepted(app: Flask, url: str) -> None:
    with app.app_context():
        with pytest.raises(ssrf.UnsafeURL, match=r"http:// or https://"):
            webhooks.create_endpoint(url, "offer.accepted", by=None, allow_private=True)
        assert db.session.scalars(sa.select(WebhookEndpoint)).all() == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user:pw@10.0.0.1/", "user name or password"),
        ("http://10.0.0.1:99999/", "not valid"),
        ("https://no-such-host.invalid/", "cannot be resolved"),
    ],
)
def test_other_bad_urls(app: Flask, url: str, message: str) -> None:
    with app.app_context(), pytest.raises(ssrf.UnsafeURL, match=message):
        webhooks.create_endpoint(url, "offer.accepted", by=None, allow_private=True)


def test_public_addresses_pass() -> None:
    target, addresses = ssrf.check("https://93.184.216.34:8443/h?x=1", allow_private=False)
    assert (target.scheme, target.port, target.path) == ("https", 8443, "/h?x=1")
    assert addresses == [ipaddress.ip_address("93.184.216.34")]
    assert not ssrf.is_internal(ipaddress.ip_address("2606:4700::1111"))


def test_unknown_events_are_refused(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(webhooks.WebhookError, match=r"Unknown event: offer\.sneezed"):
            webhooks.create_endpoint("http://10.0.0.1/", "offer.sneezed", by=None)
        with pytest.raises(webhooks.WebhookError, match="at least one event"):
            webhooks.create_endpoint("http://10.0.0.1/", " , ", by=None)


def test_each_delivery_checks_the_address_again(
    app: Flask, receivers: Callable[..., ReceiverProcess]
) -> None:
    """Private addresses were allowed when the endpoint was made and are not any more (in a
    real attack: DNS now answers 127.0.0.1): the attempt fails without a request."""
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "offer.accepted", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
        receiver.start()
        endpoint.allow_private = False
        webhooks.publish("offer.accepted", {"offer_id": 1})
        db.session.commit()

        dispatcher.run_once()

        delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
        assert delivery.status is DeliveryStatus.pending
        assert delivery.last_status_code is None
        assert "loopback, private or link-local" in delivery.last_error
        assert receiver.ids() == []
