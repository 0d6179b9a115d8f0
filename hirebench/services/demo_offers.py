"""Demo offers and onboarding, played through the real services so the audit log, the letters,
the notifications and the outbox's mail hold what real use leaves behind:

- candidate4 (张伟), the strongest: an accepted offer within the budget, onboarding half done
  (the personal details and the medical report in, two staff tasks done; one task overdue and
  the day-one tasks still open);
- candidate6 (陈静), strong technically: an offer above the budget, awaiting approval by the
  approver the demo job's profile names (business@demo.local);
- candidate5 (Priya Nair): an offer she declined, with her reason.

Payroll's side of the hand-off is set up first: an API token that reads new-hire records and a
webhook endpoint for offer and hire events, so the acceptance leaves a delivery in the outbox
(to a local address nothing listens on: the admin pages show it failing and being retried).

At seeding time the coding answers are still being graded, so a scorecard may say "hold":
the offer is then made against it with a reason, as HR would. Runs once per candidate; a re-run
adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.jobs import service as jobs
from hirebench.models import ApiToken, Job, Offer, Onboarding, User, WebhookEndpoint
from hirebench.models.api_tokens import SCOPE_HIRES_READ
from hirebench.offers import service as offers
from hirebench.onboarding import personal
from hirebench.onboarding import service as onboarding
from hirebench.outbox import webhooks
from hirebench.services import accounts, api_tokens

HR = "hr@demo.local"
SEED_IP = "127.0.0.1"
SEED_AGENT = "seed-demo"
ACCEPTED = "candidate4@demo.local"
AWAITING = "candidate6@demo.local"
DECLINED = "candidate5@demo.local"
# Checklist tasks (hirebench/onboarding/templates/default.yaml) that HR has ticked off for
# the accepted hire; the new hire did their personal details and the medical report.
STAFF_DONE = ("manager-first-week", "it-account")
# The accepted hire starts this many days from now, so the tasks due 3 days before it are
# overdue and the day-one tasks are still ahead. The open offer starts later, so whoever
# approves it in the demo still has time to send it before its validity date.
DAYS_TO_START = 2
OPEN_OFFER_DAYS_TO_START = 30
VALID_FOR_DAYS = 14


@dataclass(frozen=True)
class Plan:
    email: str
    monthly_salary: int
    grade: str
    # Used only when the scorecard does not (yet) recommend hiring.
    override_reason: str
    terms: str = ""


PLANS = {
    ACCEPTED: Plan(
        ACCEPTED,
        21_000,
        "P6",
        "Every stage but the coding answer, still being graded, recommends hiring; the "
        "interview panel was unanimous.",
        "A laptop is provided. 15 days of paid leave a year. 入职满一年后可申请年度调薪。",
    ),
    AWAITING: Plan(
        AWAITING,
        24_000,
        "P6",
        "Strong technical results; the coding answer is still being graded.",
        "Above the budget to match a competing offer; training in written communication in "
        "the first quarter.",
    ),
    DECLINED: Plan(
        DECLINED,
        19_000,
        "P5",
        "The two portfolio reviews disagree and the tie-break is open, but her search "
        "relevance work is what the team needs this quarter.",
    ),
}
DECLINE_REASON = "I accepted another offer closer to home. 谢谢你们的时间！"
ADMIN = "admin@demo.local"
PAYROLL_TOKEN_NAME = "Payroll sync (demo)"  # noqa: S105 - a token's label, not a secret
PAYROLL_HOOK = "http://localhost:8099/hirebench/events"


def _user(email: str) -> User:
    user = accounts.find_by_email(email)
    assert user is not None, email
    return user


def seed_offers(job_title: str) -> None:
    """The three demo offers for the job titled so (named by the caller, services.demo)."""
    job = jobs.get_or_create(job_title)
    hr = _user(HR)
    _seed_handoff()
    for plan in PLANS.values():
        candidate = _user(plan.email)
        exists = db.session.scalar(
            sa.select(Offer.id).where(Offer.job_id == job.id, Offer.candidate_id == candidate.id)
        )
        if exists is not None:
            continue
        offer = _make(job, candidate, plan, hr)
        if plan.email == ACCEPTED:
            _send(offer, hr)
            _accept(offer, candidate)
        elif plan.email == AWAITING:
            offers.request_approval(offer, by=hr, ip=SEED_IP)
            db.session.commit()
        else:
            _send(offer, hr)
            offers.decline(
                offer,
                candidate,
                version=offer.current_version,
                sha256=offer.current.letter_sha256,
                reason=DECLINE_REASON,
                ip=SEED_IP,
            )


def _seed_handoff() -> None:
    """What an admin sets up for payroll: a token for the new-hire API and a webhook endpoint."""
    admin = _user(ADMIN)
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == PAYROLL_TOKEN_NAME)) is None:
        api_tokens.create(PAYROLL_TOKEN_NAME, by=admin, ip=SEED_IP, scopes=[SCOPE_HIRES_READ])
    hook = sa.select(WebhookEndpoint.id).where(WebhookEndpoint.url == PAYROLL_HOOK)
    if db.session.scalar(hook) is None:
        webhooks.create_endpoint(
            PAYROLL_HOOK,
            list(webhooks.EVENT_TYPES),
            by=admin,
            allow_private=True,
            description="Payroll stub (demo)",
            ip=SEED_IP,
        )
    db.session.commit()


def _terms(plan: Plan, job: Job, start: date) -> dict[str, Any]:
    # Valid until at most the day before the start (the offer must be answered by then).
    valid_days = min(VALID_FOR_DAYS, (start - offers.today()).days - 1)
    return {
        "job_title": job.title,
        "grade": plan.grade,
        "monthly_salary": plan.monthly_salary,
        "salary_months": 13,
        "probation_salary": round(plan.monthly_salary * 0.9),
        "probation_months": 3,
        "social_insurance": True,
        "hours_scheme": "flexible",
        "daily_hours": 8,
        "core_hours": "10:00-16:00",
        "location": "上海市浦东新区张江高科技园区碧波路 690 号",
        "start_date": start.isoformat(),
        "valid_until": (offers.today() + timedelta(days=valid_days)).isoformat(),
        "terms": plan.terms,
    }


def _make(job: Job, candidate: User, plan: Plan, hr: User) -> Offer:
    application = jobs.ensure_application(candidate, job, source="manual")
    scorecard = application.scorecard
    recommended = scorecard is not None and scorecard.recommendation in (
        offers.OFFER_RECOMMENDATIONS
    )
    # Start dates are the company's local dates (onboarding's clock), at least tomorrow in UTC.
    days = OPEN_OFFER_DAYS_TO_START if plan.email == AWAITING else DAYS_TO_START
    start = onboarding.today() + timedelta(days=days)
    offer = offers.create_offer(
        application,
        _terms(plan, job, start),
        by=hr,
        override_reason="" if recommended else plan.override_reason,
        ip=SEED_IP,
    )
    db.session.commit()
    return offer


def _send(offer: Offer, hr: User) -> None:
    offers.send(offer, by=hr, ip=SEED_IP)
    db.session.commit()


def _accept(offer: Offer, candidate: User) -> None:
    """The candidate accepts; the acceptance starts the onboarding, which is then half done."""
    offers.accept(
        offer,
        candidate,
        typed_name=candidate.name,
        version=offer.current_version,
        sha256=offer.current.letter_sha256,
        ip=SEED_IP,
        user_agent=SEED_AGENT,
    )
    started = db.session.scalar(sa.select(Onboarding).where(Onboarding.offer_id == offer.id))
    assert started is not None, "accepting an offer starts its onboarding"
    _half_done(started, candidate)


def _half_done(started: Onboarding, candidate: User) -> None:
    onboarding.save_personal(
        started,
        candidate,
        personal.PersonalFields(
            id_type="prc_id",
            id_number=demo_id_number(),
            bank_name="招商银行上海张江支行",
            bank_account="6225 8801 2345 6789",
        ),
        ip=SEED_IP,
    )
    tasks = {task.key: task for task in started.tasks}
    onboarding.attach_file(
        tasks["medical-report"], candidate, "体检报告.pdf", medical_report_pdf(), ip=SEED_IP
    )
    hr = _user(HR)
    for key in STAFF_DONE:
        onboarding.mark_done(tasks[key], hr, ip=SEED_IP)


def demo_id_number() -> str:
    """A made-up resident ID number that passes the check-character rule: region 310115
    (Pudong), born 1996-08-14."""
    first17 = "31011519960814283"
    return first17 + personal.prc_check_char(first17)


def medical_report_pdf() -> bytes:
    """A one-page PDF that any reader opens, standing in for a scanned medical report."""
    text = b"Pre-employment medical report (demo). Result: fit for work."
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
