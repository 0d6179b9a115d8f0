"""Rows for the hand-off tests: a job, a candidate with an application, an offer at any status
with one or more versions, and an onboarding with the personal details a new hire enters. They
run inside an app context and flush, leaving the commit to the test."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hirebench.extensions import db
from hirebench.models import Application, Job, Role, User
from hirebench.models.offers import Offer, OfferStatus, OfferVersion
from hirebench.models.onboarding import Onboarding

ID_NUMBER = "11010519900307123X"
BANK_ACCOUNT = "6225880123456789"
ACCEPTED_AT = datetime(2026, 3, 2, 9, 30, 15, 123456)
PERSONAL = {
    "id_type": "prc_id",
    "id_number": ID_NUMBER,
    "bank_name": "招商银行北京分行",
    "bank_account": BANK_ACCOUNT,
}
LETTER = hashlib.sha256(b"offer letter v1").hexdigest()


@dataclass
class Hire:
    job: Job
    candidate: User
    offer: Offer
    onboarding: Onboarding | None = None


def job(title: str = "AI 训练师 — 电商", department: str = "数据标注部") -> Job:
    made = Job(title=title, department=department)
    db.session.add(made)
    db.session.flush()
    return made


def candidate(name: str = "张伟", email: str | None = None) -> User:
    count = db.session.query(User).count()
    person = User(email=email or f"new-hire-{count}@example.com", name=name, role=Role.candidate)
    db.session.add(person)
    db.session.flush()
    return person


def terms(version: int = 1, **overrides: Any) -> OfferVersion:
    values: dict[str, Any] = {
        "version": version,
        "job_title": "AI 训练师",
        "grade": "P5",
        "currency": "CNY",
        "monthly_salary": 18000,
        "salary_months": 13,
        "probation_salary": 15000,
        "probation_months": 3,
        "social_insurance": True,
        "insurance_base": 18000,
        "hours_scheme": "flexible",
        "daily_hours": 8.0,
        "core_hours": "10:00-16:00",
        "location": "北京市海淀区中关村大街 1 号",
        "start_date": date(2026, 4, 1),
        "valid_until": date(2026, 3, 15),
        "terms": "",
        "letter_sha256": LETTER,
    }
    values.update(overrides)
    return OfferVersion(**values)


def offer(
    status: OfferStatus = OfferStatus.accepted,
    *,
    on_job: Job | None = None,
    person: User | None = None,
    accepted_at: datetime = ACCEPTED_AT,
    **version_overrides: Any,
) -> Hire:
    """An offer (sent on 1 March) at `status`, for a new job and candidate unless given."""
    the_job = on_job or job()
    the_candidate = person or candidate()
    application = Application(candidate_id=the_candidate.id, job_id=the_job.id)
    db.session.add(application)
    db.session.flush()
    made = Offer(
        application_id=application.id,
        candidate_id=the_candidate.id,
        job_id=the_job.id,
        status=status,
        current_version=1,
        sent_at=datetime(2026, 3, 1, 8, 0),
        versions=[terms(**version_overrides)],
    )
    if status in (OfferStatus.accepted, OfferStatus.declined):
        made.responded_at = accepted_at
    if status is OfferStatus.accepted:
        made.accepted_at = accepted_at
        made.accepted_name = the_candidate.name
        made.accepted_version = 1
        made.accepted_sha256 = LETTER
    if status is OfferStatus.declined:
        made.decline_reason = "另有安排"
    db.session.add(made)
    db.session.flush()
    return Hire(the_job, the_candidate, made)


def onboard(hire: Hire, *, personal: bool = True, status: str = "active") -> Onboarding:
    """The hire's onboarding; with the personal-details task done when `personal`."""
    made = Onboarding(
        offer_id=hire.offer.id,
        candidate_id=hire.candidate.id,
        job_id=hire.job.id,
        start_date=date(2026, 4, 1),
        status=status,
        guide={},
        personal=dict(PERSONAL) if personal else None,
    )
    if status in ("completed", "started"):
        made.completed_at = datetime(2026, 3, 28, 17, 0)
    if status == "started":
        made.started_at = datetime(2026, 4, 1, 1, 0)
    db.session.add(made)
    db.session.flush()
    hire.onboarding = made
    return made
