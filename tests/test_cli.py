from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import Job, Role, User
from hirebench.services import accounts, demo


def test_console_script_lists_commands() -> None:
    script = Path(sys.executable).with_name("hirebench")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("init-db", "create-user", "seed-demo", "serve", "worker"):
        assert command in out


def test_init_db_runs_migrations(app, runner) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.drop_all()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
    assert {"users", "jobs", "invitations", "audit_events", "alembic_version"} <= set(tables)
    assert runner.invoke(args=["init-db"]).exit_code == 0  # idempotent


def test_create_user_with_password(app, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Rev@Example.com",
            "--role",
            "reviewer",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = accounts.authenticate("rev@example.com", "a long password")
        assert user is not None and user.role is Role.reviewer


def test_create_user_generates_password(app, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["create-user", "--email", "hr2@example.com", "--role", "hr"])
    assert result.exit_code == 0
    password = result.output.split("password: ")[1].strip()
    with app.app_context():
        assert accounts.authenticate("hr2@example.com", password) is not None


def test_create_user_bad_input(app, runner) -> None:  # type: ignore[no-untyped-def]
    bad_email = runner.invoke(args=["create-user", "--email", "nope", "--role", "hr"])
    assert bad_email.exit_code != 0 and "valid email" in bad_email.output
    bad_role = runner.invoke(args=["create-user", "--email", "a@example.com", "--role", "boss"])
    assert bad_role.exit_code != 0 and "boss" in bad_role.output
    short = runner.invoke(
        args=["create-user", "--email", "a@example.com", "--role", "hr", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least" in short.output
    runner.invoke(args=["create-user", "--email", "a@example.com", "--role", "hr"])
    dup = runner.invoke(args=["create-user", "--email", "a@example.com", "--role", "hr"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_seed_demo_creates_and_prints_accounts(app, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["seed-demo", "--password", "demo password 1"])
    assert result.exit_code == 0, result.output
    expected = [
        "admin@demo.local",
        "hr@demo.local",
        "reviewer@demo.local",
        "reviewer2@demo.local",
        "reviewer3@demo.local",
        "interviewer@demo.local",
        "interviewer2@demo.local",
        "business@demo.local",
    ] + [f"candidate{n}@demo.local" for n in range(1, 7)]
    for email in expected:
        assert email in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Job.title)).all() == [demo.DEMO_JOB_TITLE]
        assert accounts.authenticate("hr@demo.local", "demo password 1").role is Role.hr
    # Seeding twice is safe and keeps the logins working.
    again = runner.invoke(args=["seed-demo", "--password", "demo password 2"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == len(expected)
        assert accounts.authenticate("candidate3@demo.local", "demo password 2") is not None


def test_seed_demo_loads_the_sample_exam_with_attempts(app, runner) -> None:  # type: ignore[no-untyped-def]
    from hirebench.grading import queue as grading_queue
    from hirebench.models import Attempt, AttemptStatus, Exam, GradingJob

    app.config["GRADING_WORKERS"] = 0  # keep the coding jobs queued: no sandbox needed here
    try:
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
        assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
        with app.app_context():
            assert db.session.scalars(sa.select(Exam.slug)).all() == ["ai-trainer-ecommerce"]
            attempts = db.session.scalars(sa.select(Attempt).order_by(Attempt.candidate_id)).all()
            states = [a.status for a in attempts]
            assert states == [
                AttemptStatus.in_progress,  # candidate2, mid-exam
                AttemptStatus.submitted,  # candidates 3, 4 and 6, their code still grading
                AttemptStatus.submitted,
                AttemptStatus.submitted,
            ]
            assert all(a.candidate.email != "candidate1@demo.local" for a in attempts)
            jobs = db.session.scalars(sa.select(GradingJob)).all()
            assert len(jobs) == 3 and all(j.grader_ref.startswith("attempt-answer:") for j in jobs)
    finally:
        grading_queue.shutdown(app)


def test_worker_without_redis_explains(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "HIREBENCH_REDIS_URL is not set" in result.output
