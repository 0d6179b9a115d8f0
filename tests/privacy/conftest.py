"""The demo seed, made once per session and copied for each test: candidate4 (张伟) has rows in
most tables (an accepted offer, onboarding with an upload and the personal form, portfolio
files, reviews, interviews)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hirebench import create_app
from hirebench.analytics import service as analytics
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import (
    Application,
    Attempt,
    ConsentPurpose,
    ExamSurvey,
    Feedback,
    IntegrityEvent,
    Invitation,
    Notification,
    NotificationMute,
    PerformanceRating,
    User,
)
from hirebench.models.base import utcnow
from hirebench.privacy import consent, service
from hirebench.services import demo

DEMO_PASSWORD = "privacy demo password"
RICH = "candidate4@demo.local"


def _base_config(folder: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
        "MAIL_BACKEND": "locmem",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "hirebench.test",
        # The seed's coding answers stay queued: no sandbox is needed.
        "GRADING_WORKERS": 0,
        "UPLOAD_ROOT": str(folder / "uploads"),
    }


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("privacy-demo")
    previous = os.environ.get("HIREBENCH_INSTANCE_PATH")
    os.environ["HIREBENCH_INSTANCE_PATH"] = str(folder / "instance")
    try:
        app = create_app(_base_config(folder))
        with app.app_context():
            db.create_all()
            demo.seed_demo(DEMO_PASSWORD)
            db.session.remove()
            db.engine.dispose()
        grading_queue.shutdown(app)
    finally:
        if previous is None:
            os.environ.pop("HIREBENCH_INSTANCE_PATH", None)
        else:
            os.environ["HIREBENCH_INSTANCE_PATH"] = previous
    return folder


@pytest.fixture
def app_config(app_config: dict[str, Any], demo_template: Path, tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "demo"
    folder.mkdir()
    shutil.copy(demo_template / "demo.sqlite3", folder / "demo.sqlite3")
    shutil.copytree(demo_template / "uploads", folder / "uploads")
    return {**app_config, **_base_config(folder), "MAIL_FILE_PATH": str(tmp_path / "mail")}


@pytest.fixture
def ctx(app: Any) -> Iterator[Any]:
    with app.app_context():
        yield app
    grading_queue.shutdown(app)


def user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def enrich(candidate: User) -> None:
    """Rows in the tables the demo leaves empty for the candidate, each written as the
    product would (consents, a lifted hold, group data, signals, a survey, feedback, a
    rating, an invitation, notifications), so completeness is checked over most tables."""
    hr = user("hr@demo.local")
    consent.give_for_exam(candidate, ip="203.0.113.9", user_agent="Firefox", future_openings=True)
    consent.give(candidate, ConsentPurpose.group_data, ip="203.0.113.9")
    analytics.save_group_data(candidate, {"gender": "man"})
    hold = service.place_hold(candidate, "a question about the test", by=hr)
    db.session.flush()
    service.lift_hold(candidate, hold.id, by=hr)
    application = db.session.scalars(
        sa.select(Application).where(Application.candidate_id == candidate.id)
    ).first()
    assert application is not None
    attempt = db.session.scalars(
        sa.select(Attempt).where(Attempt.candidate_id == candidate.id)
    ).first()
    assert attempt is not None
    db.session.add_all(
        [
            IntegrityEvent(attempt_id=attempt.id, kind="paste", detail={"chars": 120}),
            ExamSurvey(attempt_id=attempt.id, ratings={"clarity": 4}, comment="清楚, thanks"),
            Feedback(
                candidate_id=candidate.id,
                job_id=application.job_id,
                author_id=hr.id,
                source="business",
                text=f"{candidate.name} did well",
            ),
            PerformanceRating(
                candidate_id=candidate.id,
                job_id=application.job_id,
                rated_on=date.today(),
                rating=4.0,
                scale_min=1.0,
                scale_max=5.0,
                created_by_id=hr.id,
            ),
            Invitation(
                token_hash="f" * 64,
                candidate_id=candidate.id,
                job_id=application.job_id,
                invited_by_id=hr.id,
                expires_at=utcnow() + timedelta(days=1),
            ),
            Notification(user_id=candidate.id, kind="offer", params={"name": candidate.name}),
            NotificationMute(user_id=candidate.id, kind="offer"),
        ]
    )
    db.session.commit()
