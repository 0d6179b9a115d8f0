"""Helpers for the offer tests: a job whose profile has a budget (and optionally an approver),
a candidate's application with a scorecard recommendation, and valid offer terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import yaml

from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import parse_profile_text
from hirebench.models import Application, Job, Role, User
from hirebench.scorecards.service import refresh
from tests.factories import row

BUDGET = 20_000  # yuan a month


def profile_yaml(approver: dict[str, str] | None = None, salary_max: int = BUDGET) -> str:
    data: dict[str, Any] = {
        "id": "offer-test",
        "title": "AI trainer",
        "department": "Data",
        "salary": {"min": 12_000, "max": salary_max, "period": "month"},
        "competencies": [{"id": "quality", "title": "Quality"}],
        "stages": {"interview": 100},
    }
    if approver is not None:
        data["offer"] = {"approver": approver}
    return yaml.safe_dump(data, allow_unicode=True)


def make_job(approver: dict[str, str] | None = None, salary_max: int = BUDGET) -> Job:
    definition = parse_profile_text(profile_yaml(approver, salary_max), "offer-test.yaml")
    profile = job_service.save_profile(definition)
    return row(Job, profile.job_id)


def apply(candidate: User, job: Job, recommendation: str = "hire") -> Application:
    """The candidate's application with a computed scorecard, its recommendation set."""
    application = job_service.ensure_application(candidate, job)
    card = refresh(application)
    assert card is not None
    card.recommendation = recommendation
    card.data = {
        **card.data,
        "recommendation": {**card.data["recommendation"], "code": recommendation},
    }
    db.session.commit()
    return application


def terms(**changes: Any) -> dict[str, Any]:
    """Form values for a valid offer within the budget, as strings like a posted form."""
    start = date.today() + timedelta(days=30)
    values: dict[str, Any] = {
        "job_title": "AI trainer",
        "grade": "P5",
        "monthly_salary": "18000",
        "salary_months": "13",
        "probation_salary": "16000",
        "probation_months": "3",
        "social_insurance": "y",
        "insurance_base": "18000",
        "hours_scheme": "flexible",
        "daily_hours": "8",
        "core_hours": "10:00-16:00",
        "location": "上海市浦东新区张江路 88 号",
        "start_date": start.isoformat(),
        "valid_until": (date.today() + timedelta(days=14)).isoformat(),
        "terms": "Laptop provided. 15 days of paid leave a year.",
    }
    if "monthly_salary" in changes and "probation_salary" not in changes:
        values["probation_salary"] = changes["monthly_salary"]  # keep the 80% rule satisfied
    values.update(changes)
    return values


@dataclass
class Cast:
    hr: User
    admin: User
    candidate: User
    other: User
    reviewer: User


def cast(make_user: Callable[..., User]) -> Cast:
    made = {
        "hr": make_user(Role.hr, email="hr@example.com", name="Hu Rong"),
        "admin": make_user(Role.admin, email="admin@example.com", name="Ada Min"),
        "candidate": make_user(Role.candidate, email="li.wei@example.com", name="Li Wei"),
        "other": make_user(Role.candidate, email="zhang@example.com", name="张伟"),
        "reviewer": make_user(Role.reviewer, email="rev@example.com", name="Rev"),
    }
    return Cast(**{key: row(User, user.id) for key, user in made.items()})
