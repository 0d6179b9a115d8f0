from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.grading.result import GradeResult, ResultStatus, TestResult, TestStatus
from hirebench.models import AuditEvent, Job, Role, User
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
        # The live job, and the past cohort the analytics page reads (docs/analytics.md).
        assert demo.DEMO_JOB_TITLE in db.session.scalars(sa.select(Job.title)).all()
        assert accounts.authenticate("hr@demo.local", "demo password 1").role is Role.hr
        users = db.session.scalar(sa.select(sa.func.count(User.id)))
    # Seeding twice is safe and keeps the logins working.
    again = runner.invoke(args=["seed-demo", "--password", "demo password 2"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == users
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
            # The live demo's candidates (the past cohort's attempts are finished history).
            attempts = db.session.scalars(
                sa.select(Attempt)
                .join(User, User.id == Attempt.candidate_id)
                .where(User.email.like("candidate%@demo.local"))
                .order_by(Attempt.candidate_id)
            ).all()
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


def _demo_grader(release: threading.Event | None = None) -> Any:
    def grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
        time.sleep(0.3)
        if release is not None:
            release.wait(30)
        test = TestResult("t", 1.0, 1.0, TestStatus.passed)
        return GradeResult(ResultStatus.graded, 1.0, 1.0, [test], mode=mode)

    return grader


def test_seed_demo_waits_for_its_grading_jobs(app, runner) -> None:  # type: ignore[no-untyped-def]
    from hirebench.grading import claims as grading_claims
    from hirebench.grading import queue as grading_queue
    from hirebench.models import GradingJob, JobStatus

    app.config.update(GRADING_WORKERS=2, SANDBOX_WARM_POOL=0)
    grading_claims.set_grader(_demo_grader())
    try:
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert "grading demo submissions: 3/3 done" in result.output
        with app.app_context():
            jobs = db.session.scalars(sa.select(GradingJob)).all()
            assert len(jobs) == 3
            assert all(j.status is JobStatus.done and j.error is None for j in jobs)
    finally:
        grading_claims.set_grader(None)
        grading_queue.shutdown(app)


def test_seed_demo_hands_back_what_outlasts_its_timeout(app, runner) -> None:  # type: ignore[no-untyped-def]
    from hirebench.grading import claims as grading_claims
    from hirebench.grading import queue as grading_queue
    from hirebench.models import GradingJob, JobStatus

    app.config.update(GRADING_WORKERS=2, SANDBOX_WARM_POOL=0)
    release = threading.Event()
    grading_claims.set_grader(_demo_grader(release))
    try:
        result = runner.invoke(args=["seed-demo", "--grading-timeout", "1"])
        assert result.exit_code == 0, result.output
        assert "grading demo submissions: 0/3 done" in result.output
        assert "3 demo submissions not graded after 1 s are back in the queue" in result.output
        with app.app_context():
            jobs = db.session.scalars(sa.select(GradingJob)).all()
            assert [j.status for j in jobs] == [JobStatus.queued] * 3
            claimed = [j for j in jobs if j.attempts]
            assert claimed, "the grading threads had claimed some"
            for job in claimed:
                assert job.error is not None and job.error.endswith("; handed back")
                assert "lost" not in job.error
    finally:
        release.set()
        grading_claims.set_grader(None)
        grading_queue.shutdown(app)


def test_worker_without_redis_explains(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "HIREBENCH_REDIS_URL is not set" in result.output


def test_candidates_accommodate_sets_and_prints(app, runner, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.candidate, email="mei@example.com")
    result = runner.invoke(
        args=[
            "candidates",
            "accommodate",
            "Mei@Example.com",
            "--extra-time",
            "1.5",
            "--breaks",
            "2",
            "--break-minutes",
            "10",
            "--note",
            "agreed by mail",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "mei@example.com: updated: extra time x1.5, breaks 2 x 10 min, note yes" in result.output
    # Options left out keep their value; none at all prints the accommodation.
    assert (
        runner.invoke(
            args=["candidates", "accommodate", "mei@example.com", "--extra-time", "2"]
        ).exit_code
        == 0
    )
    shown = runner.invoke(args=["candidates", "accommodate", "mei@example.com"])
    assert shown.output.strip() == "mei@example.com: extra time x2, breaks 2 x 10 min, note yes"
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == "mei@example.com")).one()
        assert (user.extra_time_factor, user.break_count, user.break_minutes) == (2.0, 2, 10)
        assert user.accommodation_note == "agreed by mail"
        entries = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "candidate.accommodation")
        ).all()
        assert [e.actor_email for e in entries] == ["cli", "cli"]


def test_candidates_accommodate_explains_bad_input(app, runner, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.candidate, email="mei@example.com")
    make_user(Role.hr, email="boss@example.com")
    cases = [
        (["nobody@example.com", "--extra-time", "1.5"], "no account with the email"),
        (["not-an-email", "--extra-time", "1.5"], "not a valid email address"),
        (["mei@example.com", "--extra-time", "4"], "must be between 1 and 3"),
        (["mei@example.com", "--extra-time", "0.5"], "must be between 1 and 3"),
        (["mei@example.com", "--breaks", "2"], "between 5 and 60 minutes"),
        (["mei@example.com", "--extra-time", "fast"], "is not a valid float"),
        (["boss@example.com", "--extra-time", "1.5"], "for candidates only"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["candidates", "accommodate", *args])
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == "mei@example.com")).one()
        assert (user.extra_time_factor, user.break_count) == (1.0, 0)
