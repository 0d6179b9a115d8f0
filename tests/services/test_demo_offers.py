"""The demo's offers and onboarding (services/demo_offers.py), seeded through the real services:
one accepted offer with onboarding half done, one awaiting the approver the profile names, one
declined with a reason; and nothing added by a second run."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import (
    AuditEvent,
    Job,
    Notification,
    Offer,
    OfferStatus,
    OfferVersion,
    Onboarding,
    OnboardingTask,
    OutgoingMail,
    User,
)
from hirebench.offers import service as offers
from hirebench.onboarding import personal
from hirebench.onboarding import service as onboarding
from hirebench.services import demo, demo_offers


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The seed's coding answers stay queued: no sandbox is needed to seed offers.
    return {**app_config, "GRADING_WORKERS": 0}


@pytest.fixture
def seeded(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        demo.seed_demo("demo password 1")
    yield app
    grading_queue.shutdown(app)


def user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def demo_job() -> Job:
    return db.session.scalars(sa.select(Job).where(Job.title == demo.DEMO_JOB_TITLE)).one()


def demo_offer(email: str) -> Offer:
    return db.session.scalars(
        sa.select(Offer).where(Offer.job_id == demo_job().id, Offer.candidate_id == user(email).id)
    ).one()


def counts() -> dict[str, int]:
    tables = (Offer, OfferVersion, Onboarding, OnboardingTask, AuditEvent, OutgoingMail)
    made = {
        table.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in (*tables, Notification)
    }
    made["demo tasks done"] = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OnboardingTask)
            .join(Onboarding)
            .where(OnboardingTask.done_at.is_not(None), Onboarding.job_id == demo_job().id)
        )
        or 0
    )
    return made


def test_three_offers_in_the_states_the_demo_shows(seeded: Flask) -> None:
    with seeded.app_context():
        statuses = {
            email: demo_offer(email).status
            for email in (demo_offers.ACCEPTED, demo_offers.AWAITING, demo_offers.DECLINED)
        }
        assert statuses == {
            demo_offers.ACCEPTED: OfferStatus.accepted,
            demo_offers.AWAITING: OfferStatus.awaiting_approval,
            demo_offers.DECLINED: OfferStatus.declined,
        }
        # The past cohort (demo_analytics) has offers of its own job; this job has these three.
        made = sa.select(sa.func.count(Offer.id)).where(Offer.job_id == demo_job().id)
        assert db.session.scalar(made) == 3


def test_the_offer_awaiting_approval_is_over_budget_and_waits_for_the_named_approver(
    seeded: Flask,
) -> None:
    with seeded.app_context():
        offer = demo_offer(demo_offers.AWAITING)
        business = user("business@demo.local")
        assert offers.budget_of(offer.job).over(offer.current.monthly_salary)
        # Whoever approves it in the demo still has time to send it.
        assert offer.current.valid_until >= offers.today() + timedelta(days=7)
        assert offer.approver_id == business.id
        assert offers.may_approve(offer, business)
        assert not offers.may_approve(offer, user("admin@demo.local"))
        kinds = db.session.scalars(
            sa.select(Notification.kind).where(Notification.user_id == business.id)
        ).all()
        assert "offer_needs_approval" in kinds


def test_the_declined_offer_keeps_the_reason_and_tells_hr(seeded: Flask) -> None:
    with seeded.app_context():
        offer = demo_offer(demo_offers.DECLINED)
        assert offer.decline_reason == demo_offers.DECLINE_REASON
        assert offer.sent_at is not None and offer.responded_at is not None
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.target_type == "Offer", AuditEvent.target_id == str(offer.id)
            )
        ).all()
        # Her portfolio reviews disagree, so the offer was made against a "hold".
        assert {"offer.override", "offer.draft", "offer.sent", "offer.declined"} <= set(actions)
        hr = user(demo_offers.HR)
        kinds = db.session.scalars(
            sa.select(Notification.kind).where(Notification.user_id == hr.id)
        ).all()
        assert {"offer_accepted", "offer_declined"} <= set(kinds)


def test_the_accepted_offer_has_its_evidence_and_onboarding_half_done(seeded: Flask) -> None:
    with seeded.app_context(), seeded.test_request_context():
        offer = demo_offer(demo_offers.ACCEPTED)
        candidate = user(demo_offers.ACCEPTED)
        assert offer.accepted_name == candidate.name
        assert offer.accepted_sha256 == offer.current.letter_sha256
        assert (offer.current.letter_pdf or b"").startswith(b"%PDF")
        started = db.session.scalars(
            sa.select(Onboarding).where(Onboarding.offer_id == offer.id)
        ).one()
        assert started.status == "active"
        assert onboarding.days_to_start(started) == demo_offers.DAYS_TO_START
        done = {task.key for task in started.tasks if task.done}
        assert done == {"personal-details", "medical-report", *demo_offers.STAFF_DONE}
        progress = onboarding.progress(started)
        assert 0 < progress.done < progress.total
        assert [task.key for task in progress.overdue] == ["social-insurance-transfer"]
        assert progress.blocking and all(t.owner == "hr" for t in progress.blocking)
        # The personal details are valid and kept whole only for payroll.
        assert started.personal is not None
        number = started.personal["id_number"]
        assert personal.prc_id_problem(number) is None and number.startswith("310115")
        report = next(task for task in started.tasks if task.key == "medical-report")
        stored = onboarding.read_file(report)
        assert report.file_name.endswith(".pdf") and stored == demo_offers.medical_report_pdf()
        text = pypdf.PdfReader(io.BytesIO(stored)).pages[0].extract_text()
        assert "medical report" in text
        mail_to = db.session.scalars(sa.select(OutgoingMail.to)).all()
        assert candidate.email in mail_to  # the offer and the welcome to the checklist


def test_seeding_again_adds_nothing(seeded: Flask) -> None:
    with seeded.app_context():
        before = counts()
        assert before["demo tasks done"] == 4
        demo_offers.seed_offers(demo.DEMO_JOB_TITLE)
        demo.seed_demo("demo password 2")
        assert counts() == before


def test_the_seed_needs_no_host_name(app: Flask) -> None:
    """`hirebench seed-demo` runs without a request, BASE_URL or SERVER_NAME: the offers' mail
    links fall back to paths instead of the seeding failing."""
    app.config.update(SERVER_NAME=None, BASE_URL="")
    try:
        with app.app_context():
            demo.seed_demo("demo password 1")
            offer = demo_offer(demo_offers.ACCEPTED)
            assert offer.status is OfferStatus.accepted
            bodies = db.session.scalars(
                sa.select(OutgoingMail.body).where(OutgoingMail.to == demo_offers.ACCEPTED)
            ).all()
            assert any(f"/offers/{offer.id}" in body for body in bodies)
    finally:
        grading_queue.shutdown(app)
