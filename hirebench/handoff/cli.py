"""`hirebench hires ...`: the new-hire records from the command line (docs/handoff.md).
Registered in hirebench/cli.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from hirebench.extensions import db
from hirebench.handoff import exports, hires
from hirebench.services import audit


@click.group("hires")
def hires_group() -> None:
    """New hires: accepted offers as new-hire records (docs/handoff.md)."""


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        click.echo(f"wrote {output}", err=True)


@hires_group.command("export")
@click.option("--job", "job", help="Only this job's hires (its id).")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="Accepted on or after this day.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Accepted on or before this day.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help="json: the full records, as the API gives them; csv, xlsx: masked, as HR's page.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@with_appcontext
def export(
    job: str | None, start: str | None, end: str | None, fmt: str, output: Path | None
) -> None:
    """Export hires accepted in a date range (both days included, UTC)."""
    try:
        hire_filter = hires.parse_filter(job, start, end)
    except hires.RangeError as exc:
        raise click.BadParameter(str(exc)) from exc
    chosen = hires.job_of(hire_filter)
    if hire_filter.job_id is not None and chosen is None:
        raise click.ClickException(f"no job with id {hire_filter.job_id}")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("an XLSX file needs --output")
    records = hires.all_records(hire_filter)
    audit.record(
        "export.hires_cli",
        None,
        target=chosen,
        format=fmt,
        rows=len(records),
        range=hire_filter.query_args(),
    )
    db.session.commit()
    if fmt == "json":
        text = json.dumps({"count": len(records), "hires": records}, ensure_ascii=False, indent=2)
        _write((text + "\n").encode(), output)
    elif fmt == "csv":
        _write(exports.csv_bytes(records), output)
    else:
        _write(exports.xlsx_bytes(records, chosen.title if chosen else "New hires"), output)
