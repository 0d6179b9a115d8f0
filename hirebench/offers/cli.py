"""`hirebench offers ...` (docs/offers.md). Registered in hirebench/cli.py."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from hirebench.extensions import db
from hirebench.models import Job, Offer
from hirebench.offers import service


@click.group("offers")
def offers_group() -> None:
    """Offers made after the scorecard (docs/offers.md)."""


def offer_json(offer: Offer) -> dict[str, Any]:
    version = offer.current
    return {
        "id": offer.id,
        "candidate_email": offer.candidate.email,
        "status": service.shown_status(offer).value,
        "current_version": offer.current_version,
        "monthly_salary": version.monthly_salary,
        "currency": version.currency,
        "start_date": version.start_date.isoformat(),
        "valid_until": version.valid_until.isoformat(),
    }


@offers_group.command("list")
@click.option("--job", "job_id", type=int, required=True, help="The job's id.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@with_appcontext
def list_offers(job_id: int, as_json: bool) -> None:
    """The job's offers, newest first. A sent offer past its validity date shows as expired."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(f"no job with id {job_id}")
    offers = list(db.session.scalars(service.offers_for_job(job)))
    if as_json:
        click.echo(json.dumps([offer_json(o) for o in offers], ensure_ascii=False, indent=2))
        return
    if not offers:
        click.echo(f"no offers for job {job_id} ({job.title})")
    for offer in offers:
        row = offer_json(offer)
        click.echo(
            f"{row['id']:>5}  {row['status']:<17} v{row['current_version']:<3} "
            f"{row['monthly_salary']:>9,} {row['currency']}  start {row['start_date']}  "
            f"valid until {row['valid_until']}  {row['candidate_email']}"
        )


@offers_group.command("expire")
@with_appcontext
def expire() -> None:
    """Mark sent offers past their validity date as expired now (the worker does it too)."""
    click.echo(f"expired {service.expire_due()} offer(s)")
