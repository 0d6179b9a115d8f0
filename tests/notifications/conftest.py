"""Fixtures for the notification tests: staff of every role that gets notifications, and
readers for what was notified (in-app rows and outbox mail)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import Notification, OutgoingMail, Role, User
from tests.factories import people as make_people

STAFF = {
    "hr": (Role.hr, "hr@example.com", "Hanna HR"),
    "hr2": (Role.hr, "hr2@example.com", "李娜"),
    "admin": (Role.admin, "admin@example.com", "Ada Admin"),
    "r1": (Role.reviewer, "r1@example.com", "Rita"),
    "r2": (Role.reviewer, "r2@example.com", "Rob"),
    "ann": (Role.interviewer, "ann@example.com", "Ann"),
    "bob": (Role.interviewer, "bob@example.com", "Bob"),
    "biz": (Role.business, "biz@example.com", "Bea Business"),
    "cand": (Role.candidate, "cand@example.com", "Chen Candidate"),
}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def staff(ctx: None, make_user: Callable[..., User]) -> dict[str, User]:
    return make_people(make_user, STAFF)


def inbox(user: User) -> list[Notification]:
    """The user's in-app notifications, oldest first, from the database."""
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def mails(to: str | None = None) -> list[OutgoingMail]:
    query = sa.select(OutgoingMail).order_by(OutgoingMail.id)
    if to is not None:
        query = query.where(OutgoingMail.to == to)
    return list(db.session.scalars(query))


def kinds_of(user: User) -> list[str]:
    return [n.kind for n in inbox(user)]
