"""The words hirebench/web/labels.py gives codes and bilingual data on HR pages: exam titles
in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import Exam, Role, User
from hirebench.paths import PROJECT_ROOT

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0}


@pytest.fixture
def attempt_id(app: Flask, make_user: Any) -> Any:
    candidate = make_user(Role.candidate, email="c@example.com", name="韩梅梅")
    with app.app_context():
        load_exam(PROJECT_ROOT / "exams" / "ai-trainer-ecommerce", PROJECT_ROOT / "graders")
        exam = db.session.scalars(sa.select(Exam)).one()
        user = db.session.get(User, candidate.id)
        attempt_id = attempts.start_attempt(user, exam, ip="10.0.0.1", user_agent="UA").id
    # Outside the app context: a request inside one would share its `g`, where Flask-Babel
    # keeps the locale of the first request.
    yield attempt_id
    grading_queue.shutdown(app)


def test_hr_pages_show_the_exams_chinese_title_to_a_chinese_reader(  # type: ignore[no-untyped-def]
    client, auth, make_user, attempt_id
) -> None:
    hr = make_user(Role.hr)
    auth.login(hr.email)
    for url in ("/hr/attempts", f"/hr/attempts/{attempt_id}"):
        html = client.get(url, headers=ZH).get_data(as_text=True)
        assert "AI 训练师（电商）笔试" in html, url
        assert "e-commerce: written test" not in html, url
        english = client.get(url, headers=EN).get_data(as_text=True)
        assert "AI Trainer — e-commerce: written test" in english, url
