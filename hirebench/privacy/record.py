"""The record of processing (GDPR Article 30; the basis of a PIPL personal information impact
assessment): each kind of personal data, where it is stored, why, for how long, who can see it
and where it goes. docs/privacy.md says the same in prose; `hirebench privacy report` prints
this. tests/privacy/test_record.py fails when a table that can hold a person's rows is in no
kind, so a new table cannot go unrecorded."""

from __future__ import annotations

from typing import Any

from flask import current_app

from hirebench.privacy import linked

CANDIDATE_VIEW = "the candidate (their own, on the data page and in their copy)"
HR = "HR and admins"


def _kind(
    key: str,
    data: str,
    stored: list[str],
    purpose: str,
    retention: str,
    seen_by: list[str],
    goes_to: list[str] | None = None,
    basis: str = "consent for the application (PIPL Art. 13(1)); GDPR Art. 6(1)(b)",
) -> dict[str, Any]:
    return {
        "key": key,
        "data": data,
        "stored": stored,
        "purpose": purpose,
        "retention": retention,
        "seen_by": seen_by,
        "goes_to": goes_to or [],
        "legal_basis": basis,
    }


UNSUCCESSFUL = "unsuccessful_days after the decision (future_openings_days with that consent)"

KINDS: list[dict[str, Any]] = [
    _kind(
        "identity",
        "name, email address, language, log-in times, accommodation (extra time)",
        ["users", "invitations"],
        "accounts, invitations, mail",
        UNSUCCESSFUL + "; then a tombstone without identity",
        [HR, "reviewers and interviewers (name only, never in blind review)", CANDIDATE_VIEW],
        ["mail (outgoing_mail, SMTP)"],
    ),
    _kind(
        "application",
        "the applications, salary expectation, resume file name and the fields read from it",
        ["applications", "resumes", "feedback"],
        "screening and deciding on the application",
        UNSUCCESSFUL,
        [HR, "the hiring department (business)"],
    ),
    _kind(
        "exam",
        "exam attempts with start address and browser, answers (code and text), grading jobs "
        "with the submitted code, survey answers",
        ["attempts", "answers", "grading_jobs", "exam_surveys"],
        "assessing skills",
        UNSUCCESSFUL + "; scores kept anonymised for analytics",
        [HR, "reviewers (blind)", CANDIDATE_VIEW],
    ),
    _kind(
        "integrity",
        "focus, paste, full-screen, address and browser changes during exams; similarity pairs",
        ["integrity_events", "similarity_pairs"],
        "context for reviewers on the honesty of an attempt",
        "integrity_events_days (90); similarity pairs as the exam",
        [HR, "reviewers"],
        basis="separate consent for proctoring (PIPL Art. 14); GDPR Art. 6(1)(a)",
    ),
    _kind(
        "portfolio",
        "project cases and their uploaded files",
        ["portfolios", "portfolio_files", "files: UPLOAD_ROOT/portfolios/"],
        "assessing experience",
        UNSUCCESSFUL,
        [HR, "reviewers (blind)", CANDIDATE_VIEW],
    ),
    _kind(
        "evaluation",
        "reviews, review items and assignments, interviews, interview scorecards and notes, "
        "the composite scorecard, performance ratings after hire",
        [
            "review_items",
            "review_assignments",
            "reviews",
            "interviews",
            "interview_panelists",
            "interview_scorecards",
            "candidate_scorecards",
            "performance_ratings",
        ],
        "deciding on the application; checking the validity of the process",
        UNSUCCESSFUL + "; scores, outcomes and dates kept anonymised for analytics",
        [HR, "the hiring department", "reviewers and interviewers (their own)"],
        ["scorecard PDF and CSV exports (downloaded by HR)"],
    ),
    _kind(
        "offer_onboarding",
        "offer terms and salary, the letter, acceptance evidence (typed name, address, browser), "
        "onboarding: ID number, bank account, uploaded documents",
        [
            "offers",
            "offer_versions",
            "onboardings",
            "onboarding_tasks",
            "files: UPLOAD_ROOT/onboarding/",
        ],
        "making and completing the employment contract",
        "while employed (HR's records); an unsuccessful offer as the application",
        [HR, "the approver of the offer", CANDIDATE_VIEW],
        [
            "webhooks: offer.accepted, offer.declined, hire.started (payroll)",
            "hires CSV/JSON exports",
        ],
        basis="contract (PIPL Art. 13(2)); GDPR Art. 6(1)(b); ID numbers are sensitive (Art. 28)",
    ),
    _kind(
        "group_data",
        "voluntary self-identified group answers (gender, age band, as configured)",
        ["group_data"],
        "adverse-impact checks only, counted per group, small groups suppressed",
        "until withdrawn, or with the candidate's erasure",
        ["nobody per person; HR sees only totals of groups of 5 or more"],
        basis="separate consent (PIPL Art. 29, sensitive data); GDPR Art. 9(2)(a)",
    ),
    _kind(
        "consent_privacy",
        "consent records (text version and hash, time, address, browser), the privacy request "
        "log, legal holds, notifications and their settings",
        [
            "consent_records",
            "privacy_requests",
            "legal_holds",
            "notifications",
            "notification_mutes",
        ],
        "proving consent and handling data rights",
        "consents with the candidate's erasure; the request log without the data, kept",
        [HR, CANDIDATE_VIEW],
        basis="legal obligation (PIPL Art. 13(3)); GDPR Art. 6(1)(c)",
    ),
    _kind(
        "audit_mail",
        "audit entries (who did what, from which address), mail sent, webhook messages",
        [
            "audit_events",
            "outgoing_mail",
            "webhook_messages",
            "webhook_deliveries",
            "webhook_attempts",
        ],
        "security and accountability; delivering mail and webhooks",
        "mail outgoing_mail_days (90); audit entries kept, the person's identity cut out on "
        "erasure",
        ["admins"],
        ["SMTP server; webhook endpoints HR configured"],
        basis="legitimate interest in security (GDPR Art. 6(1)(f)); PIPL Art. 13(3)",
    ),
    _kind(
        "staff_work",
        "staff accounts' own work: API tokens, rubric comment bank, interview kits, job "
        "profiles, jobs, webhook endpoints, similarity runs",
        [
            "api_tokens",
            "comment_bank",
            "interview_kits",
            "job_profiles",
            "jobs",
            "webhook_endpoints",
            "similarity_runs",
        ],
        "running the hiring process (no candidate's data)",
        "while the staff account exists",
        [HR, "admins"],
        basis="employment (GDPR Art. 6(1)(b))",
    ),
]


def covered_tables() -> set[str]:
    return {s for kind in KINDS for s in kind["stored"] if not s.startswith("files:")}


def report() -> dict[str, Any]:
    tables = [t.name for t in linked.tables() if t.name == "users" or linked.references_users(t)]
    return {
        "controller": current_app.config.get("COMPANY_NAME") or "hirebench operator",
        "retention_days": dict(current_app.config["RETENTION"]),
        "kinds": KINDS,
        "tables_with_personal_data": tables,
        "unrecorded_tables": sorted(set(tables) - covered_tables()),
        "export_schema": "docs/privacy-export.schema.json",
    }
