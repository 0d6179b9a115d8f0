"""The jobs service: jobs, their profiles in the database (one new version per change), and
applications."""

from __future__ import annotations

import functools
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.models import Application, Job, JobProfile, User
from hirebench.services import audit


def job_for_profile(definition: JobProfileDefinition) -> Job | None:
    """The job a profile file belongs to: the one whose current profile has its id, or
    else the job with its title."""
    for job in db.session.scalars(sa.select(Job).where(Job.profile_id.is_not(None))):
        if job.profile is not None and job.profile.definition.get("id") == definition.id:
            return job
    return db.session.scalar(sa.select(Job).where(Job.title == definition.title))


def save_profile(
    definition: JobProfileDefinition, *, job: Job | None = None, by: User | None = None
) -> JobProfile:
    """A new profile version when the content changed (the job's fields follow it); the
    current one otherwise. Announces `job_profile_saved` (screening matches the resumes again,
    every scorecard of the job is recomputed). Commits."""
    job = job or job_for_profile(definition)
    if job is None:
        job = Job(title=definition.title)
        db.session.add(job)
        db.session.flush()
    digest = definition.content_hash()
    current = job.profile
    if current is not None and current.content_hash == digest:
        return current
    version = (
        db.session.scalar(
            sa.select(sa.func.max(JobProfile.version)).where(JobProfile.job_id == job.id)
        )
        or 0
    ) + 1
    profile = JobProfile(
        job_id=job.id,
        version=version,
        definition=definition.to_json(),
        content_hash=digest,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(profile)
    db.session.flush()
    # The relationship, not only the column: job.profile may already be loaded (the hash check
    # above loads it), and the receivers of job_profile_saved must see the new version.
    job.profile = profile
    job.title = definition.title
    job.department = definition.department
    job.salary_min, job.salary_max = definition.salary_min, definition.salary_max
    job.salary_period = definition.salary_period
    audit.record("job.profile", by, target=job, version=version, content_hash=digest)
    db.session.flush()
    events.job_profile_saved.send(job, job_id=job.id, version=version)
    db.session.commit()
    return profile


def definition_of(job: Job) -> JobProfileDefinition | None:
    return JobProfileDefinition.from_json(job.profile.definition) if job.profile else None


def ensure_application(candidate: User, job: Job, *, source: str = "invitation") -> Application:
    """The candidate's application for the job, created on first contact. Joins the
    caller's transaction."""
    application = db.session.scalar(
        sa.select(Application).where(
            Application.candidate_id == candidate.id, Application.job_id == job.id
        )
    )
    if application is None:
        application = Application(candidate_id=candidate.id, job_id=job.id, source=source)
        db.session.add(application)
        db.session.flush()
    return application


def applications_of(candidate: User) -> list[Application]:
    """The candidate's applications, newest first: one per job, however many invitations,
    resends or notices led to it."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.candidate_id == candidate.id)
            .options(selectinload(Application.job))
            .order_by(Application.created_at.desc(), Application.id.desc())
        )
    )


def open_jobs() -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.is_open).order_by(Job.title)))


def get_or_create(title: str, **fields: object) -> Job:
    """The job with this title, created (flushed, not committed) when there is none."""
    job = db.session.scalar(sa.select(Job).where(Job.title == title))
    if job is None:
        job = Job(title=title, **fields)
        db.session.add(job)
        db.session.flush()
    return job


@functools.cache
def new_profile_text() -> str:
    """The YAML a new job's profile editor starts from. Shipped as package data rather than cut
    out of docs/job-profile.md, so editing (or not installing) the docs cannot break the page."""
    template = resources.files("hirebench.jobs").joinpath("new-profile.yaml")
    return template.read_text(encoding="utf-8")
