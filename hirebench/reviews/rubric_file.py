"""Reusable rubric files: an anchored rubric authored as YAML, shared by reviews of
portfolios and exam answers. The format is documented in docs/rubric-format.md.

The file is read through the authoring toolkit's shared reader (hirebench.authoring), as
exams, job profiles and the interview bank are: every problem is collected with the file,
the YAML key path and a fix, and nothing is returned unless the whole file is valid.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hirebench.authoring import (
    AuthoredFormat,
    AuthoringError,
    Checker,
    Criterion,
    Scale,
    parse_rubric,
)

FORMAT_VERSION = 1  # of to_json()
TITLE_MAX_CHARS = 200  # models.reviews.Rubric.title is String(200)
DESCRIPTION_MAX_CHARS = 20_000
# Reusable rubrics share one 1-5 scale with both ends anchored, so scores compare across rubrics.
REUSABLE_SCALE = Scale(1, 5, required=(1, 5))
DEFAULT_THRESHOLD = 20.0
REQUIRED_KEYS = ("id", "title", "criteria")
OPTIONAL_KEYS = ("description", "applies_to", "disagreement_threshold")
DOCS = "docs/rubric-format.md"


class AppliesTo(enum.StrEnum):
    portfolio = "portfolio"
    exam_answer = "exam_answer"
    any = "any"


class RubricFileError(AuthoringError):
    """The rubric file cannot be used. `problems` holds every problem found."""

    what = "rubric file"


@dataclass(frozen=True)
class RubricDefinition:
    id: str
    title: str
    description: str
    applies_to: AppliesTo
    # Points on the 0-100 scale; two reviews further apart than this disagree.
    disagreement_threshold: float
    criteria: tuple[Criterion, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "applies_to": self.applies_to.value,
            "disagreement_threshold": self.disagreement_threshold,
            "criteria": [criterion.to_json() for criterion in self.criteria],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RubricDefinition:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"stored rubric format {data.get('format')!r} is unknown")
        return cls(
            id=data["id"],
            title=data["title"],
            description=data["description"],
            applies_to=AppliesTo(data["applies_to"]),
            disagreement_threshold=float(data["disagreement_threshold"]),
            criteria=tuple(Criterion.from_json(item) for item in data["criteria"]),
        )

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: comments and layout of the YAML do not count,
        so re-saving a file unchanged in meaning keeps the hash."""
        return hashlib.sha256(canonical_json(self.to_json())).hexdigest()


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# ------------------------------------------------------------------------------ reading


def _rubric(checker: Checker, block: Mapping[str, Any]) -> RubricDefinition | None:
    checker.keys(block, "", REQUIRED_KEYS, OPTIONAL_KEYS)
    rubric_id = checker.ident(block, "id", "")
    title = checker.text(block, "title", "", max_chars=TITLE_MAX_CHARS)
    description = checker.text(
        block, "description", "", required=False, max_chars=DESCRIPTION_MAX_CHARS
    )
    applies_to = checker.choice(
        block, "applies_to", "", [scope.value for scope in AppliesTo], AppliesTo.any.value
    )
    threshold = checker.number(
        block,
        "disagreement_threshold",
        "",
        required=False,
        default=DEFAULT_THRESHOLD,
        above=0,
        maximum=100,
    )
    criteria = parse_rubric(checker, block, "criteria", "", REUSABLE_SCALE)
    if checker.problems:
        return None
    assert rubric_id is not None and title is not None and applies_to is not None
    assert threshold is not None and criteria is not None
    return RubricDefinition(
        id=rubric_id,
        title=title,
        description=description or "",
        applies_to=AppliesTo(applies_to),
        disagreement_threshold=threshold,
        criteria=criteria,
    )


# A rubric file's id equals its file name without `.yaml`. Each function raises
# RubricFileError, or returns the problems, as the shared reader documents.
RUBRIC_FILE = AuthoredFormat(DOCS, _rubric, RubricFileError)
parse_rubric_text = RUBRIC_FILE.parse_text
load_rubric_file = RUBRIC_FILE.load_file
validate_rubric_text = RUBRIC_FILE.validate_text
validate_rubric_dict = RUBRIC_FILE.validate_data
