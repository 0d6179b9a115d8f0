"""`hirebench webhooks ...` (docs/webhooks.md). Registered in hirebench/cli.py."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from hirebench.extensions import db
from hirebench.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hirebench.outbox import dispatcher, webhooks
from hirebench.services.errors import ServiceError


@click.group("webhooks")
def webhooks_group() -> None:
    """Signed webhooks to payroll and attendance (docs/webhooks.md)."""


def _endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "allow_private": endpoint.allow_private,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": endpoint.created_at.isoformat(),
    }


def _delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": delivery.id,
        "webhook_id": delivery.message_id,
        "event_type": delivery.message.event_type,
        "endpoint_id": delivery.endpoint_id,
        "status": delivery.status.value,
        "attempts": delivery.attempt_count,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": iso(delivery.created_at),
        "next_attempt_at": iso(delivery.next_attempt_at),
        "delivered_at": iso(delivery.delivered_at),
        "resend_of": delivery.resend_of_id,
    }


@webhooks_group.command("add")
@click.argument("url")
@click.option("--events", required=True, help="Comma-separated, e.g. offer.accepted,hire.started")
@click.option(
    "--allow-private",
    is_flag=True,
    help="Let the URL resolve to loopback or private addresses (a receiver inside your network).",
)
@click.option("--description", default="")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def add(url: str, events: str, allow_private: bool, description: str, as_json: bool) -> None:
    """Register an endpoint and print its id and signing secret, once."""
    try:
        endpoint = webhooks.create_endpoint(
            url, events, by=None, allow_private=allow_private, description=description
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    if as_json:
        click.echo(json.dumps({**_endpoint_json(endpoint), "secret": endpoint.secret}))
    else:
        click.echo(f"created webhook endpoint {endpoint.id}: {endpoint.url}")
        click.echo(f"events: {', '.join(endpoint.events)}")
        click.echo(f"secret: {endpoint.secret}")
    click.echo("Store the secret now: it is not shown again.", err=True)


@webhooks_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_endpoints(as_json: bool) -> None:
    """Endpoints, without their secrets."""
    rows = webhooks.endpoints()
    if as_json:
        click.echo(json.dumps([_endpoint_json(endpoint) for endpoint in rows]))
        return
    if not rows:
        click.echo("no webhook endpoints")
    for endpoint in rows:
        state = "enabled" if endpoint.enabled else f"disabled ({endpoint.disabled_reason})"
        private = "  private allowed" if endpoint.allow_private else ""
        click.echo(
            f"{endpoint.id:>4}  {state:<10}  {endpoint.url}  [{','.join(endpoint.events)}]{private}"
        )


@webhooks_group.command("deliveries")
@click.option("--status", type=click.Choice([status.value for status in DeliveryStatus]))
@click.option("--endpoint", "endpoint_id", type=int)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def deliveries(status: str | None, endpoint_id: int | None, limit: int, as_json: bool) -> None:
    """Deliveries, newest first."""
    query = webhooks.deliveries_query(status=status or "", endpoint_id=endpoint_id).limit(limit)
    rows = list(db.session.scalars(query))
    if as_json:
        click.echo(json.dumps([_delivery_json(delivery) for delivery in rows]))
        return
    if not rows:
        click.echo("no deliveries")
    for delivery in rows:
        code = delivery.last_status_code if delivery.last_status_code is not None else "-"
        click.echo(
            f"{delivery.id:>6}  {delivery.status.value:<9}  {delivery.message.event_type:<26}  "
            f"{delivery.message_id}  endpoint {delivery.endpoint_id}  "
            f"attempts {delivery.attempt_count}  last {code}"
        )


@webhooks_group.command("resend")
@click.argument("delivery_id", type=int)
@with_appcontext
def resend(delivery_id: int) -> None:
    """Queue the delivery's message again, under the same webhook-id."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise click.ClickException(f"no webhook delivery with id {delivery_id}")
    try:
        copy = webhooks.resend(delivery, by=None)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"queued delivery {copy.id} of {copy.message_id} (a resend of {delivery.id})")


@webhooks_group.command("deliver")
@with_appcontext
def deliver() -> None:
    """Deliver what is due now, once (the worker does this continuously)."""
    stats = dispatcher.run_once()
    click.echo(
        f"delivered {stats.delivered}, retrying {stats.retrying}, failed {stats.failed}, "
        f"cancelled {stats.cancelled}; mail sent {stats.mail_sent}, mail failed "
        f"{stats.mail_failed}"
    )


@webhooks_group.command("disable")
@click.argument("endpoint_id", type=int)
@with_appcontext
def disable(endpoint_id: int) -> None:
    """Switch an endpoint off; its pending deliveries are cancelled."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise click.ClickException(f"no webhook endpoint with id {endpoint_id}")
    cancelled = webhooks.disable(endpoint, "disabled from the command line", by=None)
    db.session.commit()
    click.echo(f"disabled endpoint {endpoint.id}; {cancelled} pending deliveries cancelled")
