"""`hirebench privacy ...` (docs/privacy.md). Registered in hirebench/cli.py."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from hirebench.extensions import db
from hirebench.privacy import erasure, record, retention, service
from hirebench.services.errors import ServiceError


@click.group("privacy")
def privacy_group() -> None:
    """Personal data: the record of processing, copies, erasure, retention (docs/privacy.md)."""


@privacy_group.command("report")
@with_appcontext
def report_command() -> None:
    """Print the record of processing as JSON (GDPR Article 30)."""
    click.echo(json.dumps(record.report(), ensure_ascii=False, indent=2))


@privacy_group.command("export")
@click.argument("email")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(email: str, output: Path) -> None:
    """Write the candidate's copy (ZIP: copy.json, their files, summary.pdf) to OUTPUT, for a
    request received by mail."""
    try:
        user = service.candidate_by_email(email)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    data, _name = service.produce_copy(user, by=None, channel="cli")
    output.write_bytes(data)
    db.session.commit()
    click.echo(f"wrote {output} ({len(data):,} bytes)")


@privacy_group.command("erase")
@click.argument("email")
@click.option("--reason", required=True, help="Why: the request received, or the rule.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, reason: str, yes: bool) -> None:
    """Erase or anonymise everything about the candidate; refused under a legal hold."""
    try:
        user = service.candidate_by_email(email)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Erase every trace of {email}? This cannot be undone", abort=True)
    try:
        entry = erasure.erase(user, by=None, channel="cli", reason=reason)
    except erasure.ErasureRefused as exc:
        db.session.commit()  # the refusal is logged
        raise click.ClickException(str(exc)) from exc
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(json.dumps({"erased": user.id, "counts": entry.counts}, indent=2))


@privacy_group.command("retention")
@click.option("--dry-run", is_flag=True, help="Say what is due without changing anything.")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Apply the schedule as of this UTC time (default: now).",
)
@with_appcontext
def retention_command(dry_run: bool, now: datetime | None) -> None:
    """Apply the retention schedule now (the worker does it daily)."""
    result = retention.run(now, dry_run=dry_run)
    click.echo(json.dumps({**result.to_json(), "erased_ids": result.erased}, indent=2))
