"""Demo data, so a new user sees a living system. Running it again is safe."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from hirebench.exams import accommodations, attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.jobs import pipeline
from hirebench.jobs import service as jobs
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import (
    Application,
    Attempt,
    GradingJob,
    Job,
    Offer,
    OfferStatus,
    Resume,
    ReviewAssignment,
    ReviewItem,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews.cli import load_shipped_content
from hirebench.screening.service import import_files
from hirebench.services import accounts, demo_analytics, demo_offers, demo_reviews

DEMO_JOB_TITLE = "AI Trainer — e-commerce"
DEMO_PASSWORD = "hirebench-demo"  # noqa: S105 - printed demo login, demo data only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    name: str


DEMO_ACCOUNTS = [
    DemoAccount("admin@demo.local", Role.admin, "Ada Admin"),
    DemoAccount("hr@demo.local", Role.hr, "王芳 (HR)"),
    DemoAccount("reviewer@demo.local", Role.reviewer, "Rui Reviewer"),
    DemoAccount("reviewer2@demo.local", Role.reviewer, "林美 (Mei Lin)"),
    DemoAccount("reviewer3@demo.local", Role.reviewer, "Omar Haddad"),
    DemoAccount("interviewer@demo.local", Role.interviewer, "Ivan Interviewer"),
    DemoAccount("interviewer2@demo.local", Role.interviewer, "周杰 (Zhou Jie)"),
    DemoAccount("business@demo.local", Role.business, "Bella Business (电商运营)"),
    *(
        DemoAccount(f"candidate{n}@demo.local", Role.candidate, name)
        for n, name in enumerate(
            ["李雷", "韩梅梅", "Sam Carter", "张伟", "Priya Nair", "陈静"], start=1
        )
    ),
]


def seed_demo(password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """Accounts, the demo job, the sample exam, attempts in every state, and the human
    judgement on them: portfolios, reviews (one flagged disagreement) and interviews."""
    accounts_seeded = _seed_accounts(password)
    load_shipped_content(PROJECT_ROOT)
    _seed_job_profile()
    _seed_accommodations()
    _seed_exam_attempts()
    _seed_resumes()
    demo_reviews.seed_reviews_and_interviews(DEMO_JOB_TITLE)
    demo_offers.seed_offers(DEMO_JOB_TITLE)
    past = demo_analytics.seed_past_cohort()
    _seed_pipeline(jobs.get_or_create(DEMO_JOB_TITLE), past)
    return accounts_seeded


# Where HR has put each demo candidate on the board, with the reason given, and the one they
# rejected: the evidence seeded above (attempts, reviews, interviews, offers) says the same.
DEMO_PIPELINE = {
    "candidate1@demo.local": ("interview", "Portfolio and exam in; interview booked."),
    "candidate2@demo.local": ("exam", "Invited to the written test."),
    "candidate3@demo.local": ("interview", "Exam passed; interview booked."),
    "candidate4@demo.local": ("hired", "Accepted the offer."),
    "candidate5@demo.local": ("offer", "Offer sent after the interview."),
    "candidate6@demo.local": ("offer", "Offer drafted; above budget, so it needs approval."),
}
DEMO_REJECTED = {"candidate5@demo.local": "Declined our offer: accepted another closer to home."}
# The open tie-break review is backdated by this much, so HR's home shows it overdue.
OVERDUE_REVIEW_DAYS = 4


def _seed_pipeline(job: Job, past: Job | None) -> None:
    """The demo job's candidates at their stages, moved by HR through the pipeline (audited),
    and the past cohort's: hired, or rejected after the interview. Only applications still at
    the first stage are moved, so seeding again changes nothing."""
    hr = accounts.find_by_email("hr@demo.local")
    for application in _applications(job):
        email = application.candidate.email
        if email not in DEMO_PIPELINE or application.stage != "applied":
            continue
        stage, reason = DEMO_PIPELINE[email]
        pipeline.move(application, stage, reason, actor=hr, ip="127.0.0.1")
        if email in DEMO_REJECTED:
            pipeline.reject(application, DEMO_REJECTED[email], actor=hr, ip="127.0.0.1")
    for application in _applications(past) if past is not None else []:
        if application.stage != "applied":
            continue
        hired = db.session.scalar(
            sa.select(Offer.id).where(
                Offer.application_id == application.id, Offer.status == OfferStatus.accepted
            )
        )
        pipeline.move(application, "hired" if hired else "interview", actor=hr, ip="127.0.0.1")
        if not hired:
            pipeline.reject(
                application, "Not selected after the interview.", actor=hr, ip="127.0.0.1"
            )
    _backdate_open_reviews(job)
    db.session.commit()


def _applications(job: Job) -> list[Application]:
    query = sa.select(Application).where(Application.job_id == job.id).order_by(Application.id)
    return list(db.session.scalars(query))


def _backdate_open_reviews(job: Job) -> None:
    """The demo job's open review assignments, made OVERDUE_REVIEW_DAYS ago."""
    candidates = sa.select(Application.candidate_id).where(Application.job_id == job.id)
    then = utcnow() - timedelta(days=OVERDUE_REVIEW_DAYS)
    for assignment in db.session.scalars(
        sa.select(ReviewAssignment)
        .join(ReviewItem, ReviewItem.id == ReviewAssignment.item_id)
        .where(
            ReviewItem.candidate_id.in_(candidates),
            ReviewAssignment.submitted_at.is_(None),
            ReviewAssignment.created_at > then,
        )
    ):
        assignment.created_at = then


def last_grading_job_id() -> int:
    """The newest grading job's id (0 for none), so the jobs a seeding submits can be told apart."""
    return int(db.session.scalar(sa.select(sa.func.max(GradingJob.id))) or 0)


def grading_jobs_since(job_id: int) -> list[int]:
    """Grading jobs newer than `job_id`: the demo submissions a seeding submitted."""
    return list(
        db.session.scalars(
            sa.select(GradingJob.id).where(GradingJob.id > job_id).order_by(GradingJob.id)
        )
    )


def _seed_accounts(password: str) -> list[DemoAccount]:
    accounts.check_password_policy(password)
    jobs.get_or_create(
        DEMO_JOB_TITLE,
        department="数据标注与模型训练 / Data Annotation & Model Training",
        salary_min=15000,
        salary_max=22000,
        salary_period="month",
    )
    for account in DEMO_ACCOUNTS:
        user = accounts.find_by_email(account.email)
        if user is None:
            user = User(email=account.email, name=account.name, role=account.role)
            db.session.add(user)
        # Re-seeding resets the password so the printed logins always work.
        user.role = account.role
        user.active = True
        accounts.set_password(user, password)
    db.session.commit()
    return DEMO_ACCOUNTS


SAMPLE_EXAM = "ai-trainer-ecommerce"
# Resumes from the evaluation set (bench/resumes/corpus) that the demo job has screened.
DEMO_RESUMES = 12


def _seed_resumes() -> None:
    """A dozen screened resumes (Chinese and English, PDF, DOCX and TXT), including some
    flagged unstable or over budget and one that cannot be read."""
    job = jobs.get_or_create(DEMO_JOB_TITLE)
    if db.session.query(Resume).filter_by(job_id=job.id).count():
        return
    corpus = PROJECT_ROOT / "bench" / "resumes" / "corpus"
    manifest = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    # Every fifth file: a spread of languages, formats, strong and weak matches and flags.
    picked = [corpus / entry["file"] for entry in manifest["resumes"][::5][:DEMO_RESUMES]]
    picked.append(corpus / "bad" / "scanned.pdf")  # reported as having no text layer
    import_files(job, [(path.name, path.read_bytes()) for path in picked])


DEMO_PROFILE = "ai-trainer-ecommerce"


def _seed_job_profile() -> None:
    """The demo job's profile (skills, competencies, weights), and every demo candidate as
    an applicant, so the dashboard ranks them."""
    job = jobs.get_or_create(DEMO_JOB_TITLE)
    definition = load_profile_file(PROJECT_ROOT / "exams" / "jobs" / f"{DEMO_PROFILE}.yaml")
    jobs.save_profile(definition, job=job)
    for account in DEMO_ACCOUNTS:
        if account.role is Role.candidate:
            user = accounts.find_by_email(account.email)
            assert user is not None
            jobs.ensure_application(user, job, source="manual")
    db.session.commit()


# Good and weak answers, keyed by question type; the demo candidates mix them.
_REFERENCE_RULES = [
    {"conditions": [{"field": "is_bot", "op": "eq", "value": 1}], "label": "browse"},
    {
        "conditions": [
            {"field": "action", "op": "eq", "value": "pay"},
            {"field": "price", "op": "missing", "value": False},
        ],
        "label": "purchase",
    },
    {
        "conditions": [
            {"field": "action", "op": "in", "value": ["pay", "add_to_cart", "refund_request"]}
        ],
        "label": "click",
    },
    {
        "conditions": [
            {"field": "action", "op": "eq", "value": "click"},
            {"field": "dwell_seconds", "op": "lt", "value": 1},
        ],
        "label": "browse",
    },
    {"conditions": [{"field": "action", "op": "eq", "value": "click"}], "label": "click"},
    {"conditions": [], "label": "browse"},
]
_NAIVE_RULES = [
    {"conditions": [{"field": "action", "op": "eq", "value": "pay"}], "label": "purchase"},
    {"conditions": [], "label": "browse"},
]


# Accommodations HR granted (docs/accommodations.md): candidate1 has yet to start the exam,
# candidate2's attempt (started below) takes them over.
DEMO_ACCOMMODATIONS = {
    "candidate1@demo.local": accommodations.Accommodation(
        1.5, 2, 10, "读写障碍，邮件附证明；HR 电话确认 / Dyslexia, letter on file"
    ),
    "candidate2@demo.local": accommodations.Accommodation(1.25, 1, 10, ""),
}


def _seed_accommodations() -> None:
    for email, granted in DEMO_ACCOMMODATIONS.items():
        candidate = accounts.find_by_email(email)
        if candidate is not None:
            accommodations.set_accommodation(candidate, granted, by=None, actor_email="seed-demo")
    db.session.commit()


def _seed_exam_attempts() -> None:
    """candidate1 is left to take the exam; candidate2 is mid-exam; candidate3 submitted
    (awaiting review); candidate4 submitted with everything answered. Only done once."""
    result = load_exam(PROJECT_ROOT / "exams" / SAMPLE_EXAM, PROJECT_ROOT / "graders")
    exam = result.exam
    plans = {
        "candidate2@demo.local": ("partial", False),
        "candidate3@demo.local": ("weak", True),
        "candidate4@demo.local": ("strong", True),
        # Strong technically, a thin written explanation: the "hire with training" case.
        "candidate6@demo.local": ("strong_terse", True),
    }
    for email, (quality, submit) in plans.items():
        candidate = accounts.find_by_email(email)
        if (
            candidate is None
            or db.session.query(Attempt).filter_by(candidate_id=candidate.id).count()
        ):
            continue
        attempt = attempts.start_attempt(candidate, exam, ip="127.0.0.1", user_agent="seed-demo")
        definition = attempts.definition_of(attempt)
        question_ids = attempt.question_ids
        if quality == "partial":
            question_ids = question_ids[: len(question_ids) // 2]
        for question_id in question_ids:
            question = definition.question(question_id)
            terse = quality == "strong_terse" and question.type == "short_answer"
            answer = _demo_answer(question, strong=quality.startswith("strong") and not terse)
            if answer is not None:
                attempts.save_answer(attempt, question_id, answer)
        if quality == "partial":
            # Mid-exam, one question not answered yet is flagged to come back to.
            attempt.flagged_question_ids = [attempt.question_ids[len(question_ids)]]
            db.session.commit()
        if submit:
            attempts.submit(attempt)


def _demo_answer(question: object, *, strong: bool) -> object:

    kind = getattr(question, "type", "")
    spec = getattr(question, "spec", None)
    if kind in ("single_choice", "assessment"):
        options = list(spec.options)  # type: ignore[union-attr]
        best = max(options, key=lambda o: (o.correct, o.score))
        return best.id if strong else options[-1].id
    if kind == "multiple_choice":
        right = [o.id for o in spec.options if o.correct]  # type: ignore[union-attr]
        return right if strong else right[:1]
    if kind == "numeric":
        answer = float(spec.answer)  # type: ignore[union-attr]
        return str(answer if strong else round(answer * 1.5, 3))
    if kind == "short_answer":
        return (
            "Gradient descent repeatedly moves the parameters a small step against the "
            "gradient of the loss; the learning rate sets the step size. 梯度下降沿负梯度方向"
            "迭代更新参数。"
            if strong
            else "It makes the model better."
        )
    if kind == "annotation_rules":
        return {
            "rules": _REFERENCE_RULES if strong else _NAIVE_RULES,
            "rationale": "Bots first, then payments with a price, then intent signals.",
        }
    if kind == "coding":
        folder = PROJECT_ROOT / "graders" / SAMPLE_EXAM / "submissions"
        return (folder / ("correct.py" if strong else "partial.py")).read_text(encoding="utf-8")
    return None
