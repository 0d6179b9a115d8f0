"""Webhooks after the Standard Webhooks specification (docs/webhooks.md): endpoints an admin
registers, and `publish`, which writes a message and its deliveries into the caller's
transaction. Nothing here sends; the dispatcher does, from a worker."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from standardwebhooks import Webhook

from hirebench.extensions import db
from hirebench.formatting import mask_number
from hirebench.models import (
    DeliveryStatus,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from hirebench.models.base import utcnow
from hirebench.outbox import ssrf
from hirebench.services import audit
from hirebench.services.errors import ServiceError

#: Every event type an endpoint may subscribe to, with what it announces.
EVENT_TYPES: dict[str, Any] = {
    "offer.accepted": _l("A candidate accepted an offer"),
    "offer.declined": _l("A candidate declined an offer"),
    "hire.onboarding_completed": _l("A new hire's onboarding checklist is complete"),
    "hire.started": _l("A new hire started work"),
}

#: Keys whose string values pages show masked: the new hire's identity and bank account
#: numbers (docs/new-hire.schema.json) travel in full to the receiver and nowhere else.
MASKED_KEYS = frozenset({"id_number", "account", "bank_account"})

#: session.info key: this transaction added outbox rows, so ring the dispatcher at commit.
ADDED_KEY = "hirebench.outbox.added"


class WebhookError(ServiceError):
    """Bad input for an endpoint (its URL, its events)."""


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def publish(event_type: str, data: dict[str, Any]) -> str | None:
    """Write the event for every enabled endpoint subscribed to it, in the current transaction
    (never committed here): it leaves with the change that caused it, or not at all. Returns
    the message id (the `webhook-id` of every delivery and retry), or None when no endpoint
    subscribes and nothing was written."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            sa.select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
        )
        if endpoint.subscribes(event_type)
    ]
    if not endpoints:
        return None
    now = utcnow()
    timestamp = now.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    body = json.dumps(
        {"type": event_type, "timestamp": timestamp, "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_default,
    )
    message = WebhookMessage(id=new_message_id(), event_type=event_type, body=body, created_at=now)
    db.session.add(message)
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(message=message, endpoint=endpoint, next_attempt_at=now, last_error="")
        )
    db.session.info[ADDED_KEY] = True
    return message.id


def signed_headers(message_id: str, secret: str, body: bytes, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt. The timestamp is the attempt's
    (the wall clock when it is sent), so a receiver's tolerance window refuses a replay."""
    signature = Webhook(secret).sign(message_id, at, body)
    return {
        "content-type": "application/json",
        "user-agent": "hirebench-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.replace(tzinfo=UTC).timestamp())),
        "webhook-signature": signature,
    }


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: mask_number(item)
            if key in MASKED_KEYS and isinstance(item, str)
            else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def display_body(body: str) -> str:
    """A message body for an admin's eyes: indented, personal numbers masked."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    return json.dumps(_masked(parsed), ensure_ascii=False, indent=2)


def new_secret() -> str:
    """24 random bytes (Standard Webhooks asks for 24 to 64), base64 after the whsec_ prefix."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def parse_events(values: list[str] | str) -> list[str]:
    items = values.split(",") if isinstance(values, str) else values
    events = sorted({item.strip() for item in items if item.strip()})
    if not events:
        raise WebhookError(_("Choose at least one event."))
    unknown = [event for event in events if event not in EVENT_TYPES]
    if unknown:
        raise WebhookError(
            _(
                "Unknown event: %(events)s. Known events: %(known)s.",
                events=", ".join(unknown),
                known=", ".join(EVENT_TYPES),
            )
        )
    return events


def create_endpoint(
    url: str,
    events: list[str] | str,
    *,
    by: User | None,
    allow_private: bool = False,
    description: str = "",
    ip: str = "",
) -> WebhookEndpoint:
    """A new enabled endpoint with a fresh secret (returned on the row: show it once). The URL
    must be http(s) and, unless `allow_private`, resolve only to public addresses."""
    subscribed = parse_events(events)
    ssrf.check(url, allow_private=allow_private)
    if len(url.strip()) > 2000:
        raise WebhookError(_("The webhook URL is longer than 2000 characters."))
    endpoint = WebhookEndpoint(
        url=url.strip(),
        description=description.strip()[:200],
        events=subscribed,
        secret=new_secret(),
        enabled=True,
        allow_private=allow_private,
        disabled_reason="",
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        "webhook.endpoint_created",
        by,
        target=endpoint,
        ip=ip,
        url=endpoint.url,
        events=subscribed,
        allow_private=allow_private,
    )
    return endpoint


def disable(endpoint: WebhookEndpoint, reason: str, *, by: User | None, ip: str = "") -> int:
    """Switch the endpoint off and cancel its pending deliveries. Returns how many."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:500]
    cancelled = db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.cancelled, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    audit.record(
        "webhook.endpoint_disabled", by, target=endpoint, ip=ip, reason=reason, cancelled=cancelled
    )
    return int(cancelled or 0)


def enable(endpoint: WebhookEndpoint, *, by: User | None, ip: str = "") -> None:
    """Switch it back on. Deliveries cancelled meanwhile stay cancelled: resend those wanted."""
    ssrf.check(endpoint.url, allow_private=endpoint.allow_private)
    endpoint.enabled = True
    endpoint.disabled_reason = ""
    audit.record("webhook.endpoint_enabled", by, target=endpoint, ip=ip)


def delete(endpoint: WebhookEndpoint, *, by: User | None, ip: str = "") -> None:
    """Remove the endpoint with its deliveries and their attempts."""
    audit.record("webhook.endpoint_deleted", by, target=endpoint, ip=ip, url=endpoint.url)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)


def resend(delivery: WebhookDelivery, *, by: User | None, ip: str = "") -> WebhookDelivery:
    """A new pending delivery of the same message to the same endpoint: the same body under
    the same webhook-id, so a receiver that already has it recognises the repeat."""
    if not delivery.endpoint.enabled:
        raise WebhookError(_("The endpoint is disabled. Enable it before resending."))
    copy = WebhookDelivery(
        message_id=delivery.message_id,
        endpoint_id=delivery.endpoint_id,
        next_attempt_at=utcnow(),
        last_error="",
        resend_of_id=delivery.id,
    )
    db.session.add(copy)
    db.session.flush()
    audit.record(
        "webhook.delivery_resent",
        by,
        target=copy,
        ip=ip,
        message_id=delivery.message_id,
        resend_of=delivery.id,
    )
    db.session.info[ADDED_KEY] = True
    return copy


def deliveries_query(
    *, status: str = "", endpoint_id: int | None = None, event_type: str = ""
) -> sa.Select[WebhookDelivery]:
    query = sa.select(WebhookDelivery).order_by(WebhookDelivery.id.desc())
    if status:
        query = query.where(WebhookDelivery.status == DeliveryStatus(status))
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if event_type:
        query = query.join(WebhookMessage).where(WebhookMessage.event_type == event_type)
    return query


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
