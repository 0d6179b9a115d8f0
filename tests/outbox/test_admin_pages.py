"""The admin webhook pages: endpoints (secret shown once, private-address warning), deliveries
with filters, one delivery with its attempts and a masked body, resend; admins only, CSRF on
every form, everything audited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import AuditEvent, Role, User, WebhookDelivery, WebhookEndpoint
from hirebench.outbox import dispatcher, webhooks
from tests.conftest import AuthActions, csrf_from
from tests.outbox.receiving import ReceiverProcess

SECRET_RE = re.compile(r"<code data-new-secret>(whsec_[A-Za-z0-9+/=]+)</code>")


@pytest.fixture
def admin_client(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> FlaskClient:
    admin = make_user(Role.admin)
    assert auth.login(admin.email).status_code == 302
    return client


def _csrf(client: FlaskClient, url: str = "/admin/webhooks/") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def test_only_admins_reach_the_pages(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    assert client.get("/admin/webhooks/").status_code == 302  # to the login page
    hr = make_user(Role.hr)
    auth.login(hr.email)
    for url in ("/admin/webhooks/", "/admin/webhooks/deliveries"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/webhooks/", data={"url": "http://10.0.0.1/"}).status_code in (
        400,
        403,
    )


def test_admin_adds_an_endpoint_and_sees_its_secret_once(
    app: Flask, admin_client: FlaskClient
) -> None:
    page = admin_client.get("/admin/webhooks/").get_data(as_text=True)
    assert "data-private-warning" in page and "metadata" in page
    created = admin_client.post(
        "/admin/webhooks/",
        data={
            "url": "http://10.20.30.40/hooks",
            "events": ["offer.accepted", "hire.started"],
            "allow_private": "y",
            "csrf_token": csrf_from(page),
        },
    )
    assert created.status_code == 303
    shown = admin_client.get("/admin/webhooks/")
    assert shown.headers["Cache-Control"] == "no-store"
    match = SECRET_RE.search(shown.get_data(as_text=True))
    assert match, "the secret is not on the page"
    again = admin_client.get("/admin/webhooks/").get_data(as_text=True)
    assert match.group(1) not in again and "http://10.20.30.40/hooks" in again
    with app.app_context():
        endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
        assert endpoint.secret == match.group(1)
        assert endpoint.allow_private and endpoint.events == ["hire.started", "offer.accepted"]
        audit = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "webhook.endpoint_created")
        ).one()
        assert audit.detail["allow_private"] is True and audit.actor_id is not None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.com/drop", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("http://127.0.0.1:8000/hooks", "loopback, private or link-local"),
        ("http://169.254.169.254/latest/meta-data", "loopback, private or link-local"),
    ],
)
def test_bad_urls_get_a_clear_error_and_save_nothing(
    app: Flask, admin_client: FlaskClient, url: str, message: str
) -> None:
    response = admin_client.post(
        "/admin/webhooks/",
        data={"url": url, "events": ["offer.accepted"], "csrf_token": _csrf(admin_client)},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(WebhookEndpoint)).all() == []


def test_forms_need_csrf_and_an_event(app: Flask, admin_client: FlaskClient) -> None:
    no_csrf = {"url": "http://10.0.0.1/", "events": ["offer.accepted"], "allow_private": "y"}
    assert admin_client.post("/admin/webhooks/", data=no_csrf).status_code == 400
    no_event = {"url": "http://10.0.0.1/", "allow_private": "y", "csrf_token": _csrf(admin_client)}
    assert admin_client.post("/admin/webhooks/", data=no_event).status_code == 400
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            "http://10.0.0.1/", "offer.accepted", by=None, allow_private=True
        )
        db.session.commit()
        endpoint_id = endpoint.id
    assert admin_client.post(f"/admin/webhooks/{endpoint_id}/disable").status_code == 400
    assert admin_client.post(f"/admin/webhooks/{endpoint_id}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).enabled  # type: ignore[union-attr]


def test_disable_enable_and_delete(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            "http://10.0.0.1/", "offer.accepted", by=None, allow_private=True
        )
        db.session.commit()
        webhooks.publish("offer.accepted", {"offer_id": 1})
        db.session.commit()
        endpoint_id = endpoint.id
    token = _csrf(admin_client)
    response = admin_client.post(
        f"/admin/webhooks/{endpoint_id}/disable", data={"csrf_token": token}
    )
    assert response.status_code == 303
    with app.app_context():
        assert not db.session.get(WebhookEndpoint, endpoint_id).enabled  # type: ignore[union-attr]
        assert db.session.scalars(sa.select(WebhookDelivery.status)).one().value == "cancelled"
    admin_client.post(f"/admin/webhooks/{endpoint_id}/enable", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).enabled  # type: ignore[union-attr]
    # Deleting asks first; only the confirmation page's button deletes.
    unconfirmed = admin_client.post(
        f"/admin/webhooks/{endpoint_id}/delete", data={"csrf_token": token}
    )
    assert unconfirmed.status_code == 302
    confirm_page = admin_client.get(f"/admin/webhooks/{endpoint_id}/delete")
    assert "Delete the endpoint" in confirm_page.get_data(as_text=True)
    admin_client.post(
        f"/admin/webhooks/{endpoint_id}/delete", data={"csrf_token": token, "confirm": "1"}
    )
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id) is None
        assert db.session.scalars(sa.select(WebhookDelivery)).all() == []
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert {
            "webhook.endpoint_disabled",
            "webhook.endpoint_enabled",
            "webhook.endpoint_deleted",
        } <= actions


def test_deliveries_list_detail_and_resend(
    app: Flask, admin_client: FlaskClient, receivers: Callable[..., ReceiverProcess]
) -> None:
    receiver = receivers()
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            receiver.url, "offer.accepted,hire.started", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
        receiver.start()
        for number in range(3):
            webhooks.publish("offer.accepted", {"offer_id": number})
        record = {"employee": {"name": "韩梅梅", "id_number": "110101199001011234"}}
        hire_id = webhooks.publish(
            "hire.started", {**record, "bank": {"bank_name": "招商银行", "account": "6225880123"}}
        )
        db.session.commit()
        dispatcher.run_once()
        hire = db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.message_id == hire_id)
        ).one()
        hire_delivery_id = hire.id

    listing = admin_client.get("/admin/webhooks/deliveries").get_data(as_text=True)
    assert listing.count("data-delivery=") == 4
    filtered = admin_client.get("/admin/webhooks/deliveries?event=hire.started&status=delivered")
    assert filtered.get_data(as_text=True).count("data-delivery=") == 1
    nothing = admin_client.get("/admin/webhooks/deliveries?status=failed")
    assert "data-delivery=" not in nothing.get_data(as_text=True)

    detail = admin_client.get(f"/admin/webhooks/deliveries/{hire_delivery_id}")
    html = detail.get_data(as_text=True)
    assert hire_id in html and "HTTP 200" in html and html.count("data-attempt") == 1
    assert "110101199001011234" not in html and "**************1234" in html
    assert "6225880123" not in html and "韩梅梅" in html

    resent = admin_client.post(
        f"/admin/webhooks/deliveries/{hire_delivery_id}/resend",
        data={"csrf_token": csrf_from(html)},
    )
    assert resent.status_code == 303
    with app.app_context():
        copy = db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.resend_of_id == hire_delivery_id)
        ).one()
        assert copy.message_id == hire_id and copy.status.value == "pending"
        dispatcher.run_once()
        db.session.refresh(copy)
        assert copy.status.value == "delivered"
        assert db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "webhook.delivery_resent")
        ).one()
    assert receiver.ids().count(hire_id) == 1


def test_deliveries_paginate(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        webhooks.create_endpoint("http://10.0.0.9/", "offer.declined", by=None, allow_private=True)
        for number in range(55):
            webhooks.publish("offer.declined", {"offer_id": number})
        db.session.commit()
    first = admin_client.get("/admin/webhooks/deliveries").get_data(as_text=True)
    second = admin_client.get("/admin/webhooks/deliveries?page=2").get_data(as_text=True)
    assert first.count("data-delivery=") == 50 and second.count("data-delivery=") == 5
    assert "Page 1 of 2" in first
