"""`hirebench scorecards ...`. Registered in hirebench/cli.py."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from hirebench.extensions import db
from hirebench.models import Job
from hirebench.scorecards.service import refresh_job


@click.group("scorecards")
def scorecards_group() -> None:
    """Composite scorecards (docs/scorecard.md)."""


@scorecards_group.command("recompute")
@click.option("--job", "job_id", type=int, help="Only this job's candidates.")
@with_appcontext
def recompute(job_id: int | None) -> None:
    """Recompute stored scorecards from their inputs, for example after restoring a backup."""
    query = sa.select(Job).order_by(Job.id)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    jobs = db.session.scalars(query).all()
    if job_id is not None and not jobs:
        raise click.ClickException(f"no job with id {job_id}")
    for job in jobs:
        refresh_job(job)
        click.echo(f"job {job.id} {job.title!r}: recomputed")
    db.session.commit()
