from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench import PROJECT_ROOT
from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import Exam, Role, User


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0}


@pytest.fixture
def attempt_id(app: Flask, make_user: Any) -> Any:
    candidate = make_user(Role.candidate, email="c@example.com", name="韩梅梅 <b>")
    with app.app_context():
        load_exam(PROJECT_ROOT / "exams" / "ai-trainer-ecommerce", PROJECT_ROOT / "graders")
        exam = db.session.scalars(sa.select(Exam)).one()
        user = db.session.get(User, candidate.id)
        attempt = attempts.start_attempt(user, exam, ip="10.0.0.1", user_agent="UA")
        first = attempt.question_ids[0]
        attempts.record_event(attempt, "paste", {"size": 900})
        attempts.observe_request(attempt, ip="10.0.0.2", user_agent="UA", session_token=None)
        yield attempt.id, first
        grading_queue.shutdown(app)


def test_hr_sees_attempts_with_flags_and_timeline(client, auth, make_user, attempt_id) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.hr)
    auth.login(hr.email)
    listing = client.get("/hr/attempts").get_data(as_text=True)
    assert "韩梅梅 &lt;b&gt;" in listing and "flagged" in listing and "large_pastes" in listing
    detail = client.get(f"/hr/attempts/{attempt_id[0]}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "ip_changed" in html and "paste" in html and "never fail it" in html
    assert client.get("/hr/attempts/99999").status_code == 404


def test_candidates_cannot_see_hr_attempt_pages(client, auth, attempt_id) -> None:  # type: ignore[no-untyped-def]
    auth.login("c@example.com")
    assert client.get("/hr/attempts").status_code == 403
    assert client.get(f"/hr/attempts/{attempt_id[0]}").status_code == 403
