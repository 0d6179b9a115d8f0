"""Refusals are audited, but a run of the same refusal shares one row with a count."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import AuditEvent, Role, User
from hirebench.services import audit


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User]) -> Iterator[tuple[User, User]]:
    made = make_user(Role.candidate, email="eve@example.com"), make_user(Role.candidate)
    with app.app_context():
        yield tuple(db.session.get(User, user.id) for user in made)  # type: ignore[misc]


def denials() -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def deny(actor: User, target_id: int, action: str = "attempt.denied") -> AuditEvent:
    event = audit.record_denial(
        action, actor, target_type="Attempt", target_id=target_id, ip="10.0.0.9", attempt_id=7
    )
    db.session.commit()
    return event


def test_a_hundred_refusals_of_one_target_make_one_row(people: tuple[User, User]) -> None:
    eve, _other = people
    for _ in range(100):
        deny(eve, 7)
    (row,) = denials()
    assert row.detail["count"] == 100 and row.detail["attempt_id"] == 7
    assert (row.actor_id, row.action, row.target_type, row.target_id, row.ip) == (
        eve.id,
        "attempt.denied",
        "Attempt",
        "7",
        "10.0.0.9",
    )
    assert row.detail["last_at"] >= row.at.isoformat()


def test_another_target_actor_or_action_gets_its_own_row(people: tuple[User, User]) -> None:
    eve, other = people
    deny(eve, 7)
    deny(eve, 8)
    deny(other, 7)
    deny(eve, 7, "review.denied")
    deny(eve, 7)
    assert [e.detail["count"] for e in denials()] == [2, 1, 1, 1]


def test_a_refusal_after_the_window_starts_a_new_row(people: tuple[User, User]) -> None:
    eve, _other = people
    first = deny(eve, 7)
    first.at -= audit.DENIAL_WINDOW + timedelta(seconds=1)
    db.session.commit()
    deny(eve, 7)
    assert [e.detail["count"] for e in denials()] == [1, 1]
