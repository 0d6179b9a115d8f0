"""Reusable rubrics in the database, authored as files or edited as YAML in the admin UI.
Reviews keep their own copy of the rubric, so editing one never rewrites past scores."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml

from hirebench.authoring import Problem
from hirebench.extensions import db
from hirebench.models import Rubric, User
from hirebench.models.base import utcnow
from hirebench.reviews.rubric_file import (
    RubricDefinition,
    RubricFileError,
    load_rubric_file,
    parse_rubric_text,
)
from hirebench.services import audit


def save(definition: RubricDefinition, *, by: User | None = None, source: str = "") -> Rubric:
    """Insert or update by id; an unchanged rubric is left alone. Commits."""
    rubric = db.session.scalar(sa.select(Rubric).where(Rubric.slug == definition.id))
    digest = definition.content_hash()
    if rubric is not None and rubric.content_hash == digest:
        return rubric
    action = "rubric.update" if rubric is not None else "rubric.create"
    if rubric is None:
        rubric = Rubric(slug=definition.id)
        db.session.add(rubric)
    rubric.title = definition.title
    rubric.definition = definition.to_json()
    rubric.content_hash = digest
    rubric.updated_at = utcnow()
    db.session.flush()
    audit.record(action, by, target=rubric, source=source, content_hash=digest)
    db.session.commit()
    return rubric


def save_text(text: str, *, by: User, expected_id: str | None = None) -> Rubric:
    """From the admin UI's YAML editor. RubricFileError lists every problem."""
    definition = parse_rubric_text(text, "rubric.yaml")
    if expected_id is not None and definition.id != expected_id:
        raise RubricFileError(
            [
                Problem(
                    "rubric.yaml",
                    "id",
                    f"the id changed from '{expected_id}' to '{definition.id}'",
                    "keep the id; to make a new rubric, use “New rubric”",
                )
            ]
        )
    return save(definition, by=by, source="admin")


def load_files(paths: list[Path]) -> list[Rubric]:
    return [save(load_rubric_file(path), source=str(path.name)) for path in paths]


def as_yaml(rubric: Rubric) -> str:
    """The stored rubric written back as rubric-file YAML, for the editor."""
    definition = RubricDefinition.from_json(rubric.definition)
    data = {
        "id": definition.id,
        "title": definition.title,
        "description": definition.description,
        "applies_to": definition.applies_to.value,
        "disagreement_threshold": definition.disagreement_threshold,
        "criteria": [
            {
                "id": c.id,
                "title": c.title,
                "weight": c.weight,
                "levels": dict(c.levels),
            }
            for c in definition.criteria
        ],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def all_rubrics() -> list[Rubric]:
    return list(db.session.scalars(sa.select(Rubric).order_by(Rubric.slug)))
