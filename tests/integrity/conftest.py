"""Fixtures for the similarity tests in hirebench: the mini exam sat by the cohort of
tests/integrity/material.py, every attempt submitted, nothing graded (no sandbox here)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import Attempt, Exam, Role, User
from tests.exams import copy_fixture
from tests.integrity.material import COHORT

CODING, SHORT, RULES = "add-task", "explain-gd", "event-labels"


@dataclass
class Sat:
    """The cohort's accounts and attempts by key (ana, bo, cy, dee, eve)."""

    exam_id: int
    users: dict[str, int]
    attempts: dict[str, int]

    def user(self, key: str) -> User:
        found = db.session.get(User, self.users[key])
        assert found is not None
        return found

    def exam(self) -> Exam:
        found = db.session.get(Exam, self.exam_id)
        assert found is not None
        return found


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


def sit(candidate: User, exam: Exam, answers: dict[str, Any], *, submit: bool = True) -> Attempt:
    attempt = attempts.start_attempt(candidate, exam, ip="10.0.0.1", user_agent="UA")
    for question_id, value in answers.items():
        attempts.save_answer(attempt, question_id, value)
    if submit:
        attempts.submit(attempt)
    return attempt


@pytest.fixture
def exam_loaded(app: Flask, tmp_path: Path) -> Iterator[int]:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        exam_id = db.session.scalars(sa.select(Exam.id)).one()
    yield exam_id
    grading_queue.shutdown(app)


@pytest.fixture
def sat_outside(app: Flask, make_user: Callable[..., User], exam_loaded: int) -> Sat:
    """The cohort's attempts, made and committed; no app context is left open, so web tests
    run each request in a context of its own (a shared one would share `g`: the logged-in
    user and the locale)."""
    made = {
        key: make_user(Role.candidate, email=f"{key}@example.com", name=name)
        for key, (name, *_answers) in COHORT.items()
    }
    with app.app_context():
        exam = db.session.get(Exam, exam_loaded)
        assert exam is not None
        done = {}
        for key, (_name, code, text, annotation) in COHORT.items():
            user = db.session.get(User, made[key].id)
            assert user is not None
            answers = {CODING: code, SHORT: text, RULES: annotation}
            done[key] = sit(user, exam, answers).id
    return Sat(exam_loaded, {k: u.id for k, u in made.items()}, done)


@pytest.fixture
def sat(app: Flask, sat_outside: Sat) -> Iterator[Sat]:
    """The same, inside an app context that stays open for the test."""
    with app.app_context():
        yield sat_outside
