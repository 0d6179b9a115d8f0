"""Demo data, so a new user sees a living system. Running it again is safe."""

from __future__ import annotations

from dataclasses import dataclass

from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.services import accounts, jobs

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
    DemoAccount("interviewer@demo.local", Role.interviewer, "Ivan Interviewer"),
    *(
        DemoAccount(f"candidate{n}@demo.local", Role.candidate, name)
        for n, name in enumerate(["李雷", "韩梅梅", "Sam Carter", "张伟", "Priya Nair"], start=1)
    ),
]


def seed_demo(password: str = DEMO_PASSWORD) -> list[DemoAccount]:
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
