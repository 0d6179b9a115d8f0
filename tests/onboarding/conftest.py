"""Onboarding test helpers: a job, an HR user, a candidate and an offer they accepted, with the
acceptance announced as the offers package announces it (events.offer_status_changed)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import parse_profile_text
from hirebench.models import (
    Job,
    Offer,
    OfferStatus,
    OfferVersion,
    Onboarding,
    OutgoingMail,
    Role,
    User,
)
from hirebench.models.base import utcnow
from tests.factories import row

PROFILE = """\
id: annotator
title: Data annotator
competencies:
  - {id: quality, title: Quality}
stages: {interview: 100}
"""


@dataclass
class Hire:
    hr: User
    candidate: User
    offer_id: int
    job_id: int

    @property
    def offer(self) -> Offer:
        return row(Offer, self.offer_id)

    @property
    def onboarding(self) -> Onboarding:
        return db.session.scalars(
            sa.select(Onboarding).where(Onboarding.offer_id == self.offer_id)
        ).one()


def make_offer(
    hr: User, candidate: User, *, start: date, profile: str = PROFILE, title: str = ""
) -> Offer:
    """A sent offer for a job with `profile` (its title made unique by `title`)."""
    text = profile if not title else profile.replace("Data annotator", title)
    job = job_service.save_profile(parse_profile_text(text, "annotator.yaml"), by=hr).job_id
    application = job_service.ensure_application(candidate, row(Job, job))
    offer = Offer(
        application_id=application.id,
        candidate_id=candidate.id,
        job_id=job,
        status=OfferStatus.sent,
        current_version=1,
        created_by_id=hr.id,
    )
    offer.versions.append(
        OfferVersion(
            version=1,
            job_title="Data annotator",
            monthly_salary=12000,
            salary_months=13,
            probation_salary=10000,
            probation_months=3,
            start_date=start,
            valid_until=start - timedelta(days=7),
            letter_sha256=hashlib.sha256(b"letter").hexdigest(),
        )
    )
    db.session.add(offer)
    db.session.commit()
    return offer


def announce(offer: Offer, status: OfferStatus, actor: User | None) -> None:
    """What the offers service does when the status changes: set it and send the event."""
    previous = offer.status
    offer.status = status
    if status is OfferStatus.accepted:
        offer.accepted_name = "Li Lei"
        offer.accepted_at = offer.responded_at = utcnow()
        offer.accepted_ip = "127.0.0.1"
        offer.accepted_sha256 = offer.current.letter_sha256
        offer.accepted_version = offer.current_version
    events.offer_status_changed.send(
        offer,
        offer_id=offer.id,
        candidate_id=offer.candidate_id,
        job_id=offer.job_id,
        status=status.value,
        previous=previous.value,
        actor_id=actor.id if actor is not None else None,
    )
    db.session.commit()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def create_hire(
    make_user: Callable[..., User],
    start: date | None = None,
    profile: str = PROFILE,
    email: str | None = None,
) -> Hire:
    """An HR user, a candidate and the offer they accepted; needs an app context."""
    hr = row(User, make_user(Role.hr, name="Hanna HR").id)
    candidate = row(User, make_user(Role.candidate, email=email, name="Li Lei").id)
    start = start or date.today() + timedelta(days=14)
    offer = make_offer(hr, candidate, start=start, profile=profile)
    announce(offer, OfferStatus.accepted, candidate)
    return Hire(hr=hr, candidate=candidate, offer_id=offer.id, job_id=offer.job_id)


@pytest.fixture
def hire_of(ctx: None, make_user: Callable[..., User]) -> Callable[..., Hire]:
    """Accept an offer for a new candidate, in the test's app context; `start` is the start
    date. Web tests use `create_hire` in a context of their own instead: a request inside
    the test's context would share its `g`, and with it the logged-in user."""

    def make(start: date | None = None, profile: str = PROFILE, email: str | None = None) -> Hire:
        return create_hire(make_user, start, profile, email)

    return make


def onboarding_mail() -> list[OutgoingMail]:
    return list(
        db.session.scalars(
            sa.select(OutgoingMail)
            .where(OutgoingMail.dedupe_key.like("onboarding%"))
            .order_by(OutgoingMail.id)
        )
    )
