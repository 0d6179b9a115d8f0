"""Test helpers that several test modules share: rows by id, people, a portfolio review item
and a candidate's application. They run inside an app context, against the database the
`app` fixture made (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import Application, ReviewItem, ReviewKind, Role, Rubric, User
from hirebench.reviews import workflow
from hirebench.reviews.rubric_file import RubricDefinition

T = TypeVar("T")


def row(model: type[T], key: int) -> T:
    """The row with this primary key, in the current session; it must exist."""
    found = db.session.get(model, key)
    assert found is not None, (model, key)
    return found


def people(
    make_user: Callable[..., User], spec: Mapping[str, tuple[Role, str, str]]
) -> dict[str, User]:
    """Accounts by key from (role, email, name), loaded in the current session: make_user
    commits in a context of its own, so its objects are detached from this one."""
    made = {
        key: make_user(role, email=email, name=name) for key, (role, email, name) in spec.items()
    }
    return {key: row(User, user.id) for key, user in made.items()}


def portfolio_item(candidate: User, title: str = "Search relevance project") -> ReviewItem:
    """A portfolio case on the one loaded reusable rubric, committed and assigned."""
    rubric = db.session.scalars(sa.select(Rubric)).one()
    definition = RubricDefinition.from_json(rubric.definition)
    item = workflow.create_item(
        ReviewKind.portfolio,
        candidate,
        rubric_key=rubric.slug,
        title=title,
        rubric=workflow.snapshot(definition.criteria, definition.disagreement_threshold),
    )
    db.session.commit()
    return item


def application_of(candidate_id: int, job_id: int) -> Application:
    return db.session.scalars(
        sa.select(Application).where(
            Application.candidate_id == candidate_id, Application.job_id == job_id
        )
    ).one()
