"""Jobs. The full job model (skills, competencies, weights) comes with the scorecard issue."""

from __future__ import annotations

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import Job


def open_jobs() -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.is_open).order_by(Job.title)))


def get_or_create(title: str, **fields: object) -> Job:
    job = db.session.scalar(sa.select(Job).where(Job.title == title))
    if job is None:
        job = Job(title=title, **fields)
        db.session.add(job)
        db.session.flush()
    return job
