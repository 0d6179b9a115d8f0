"""The new-hire record's JSON Schema and its validation. The schema ships inside the package
(new-hire.schema.json), an identical copy of docs/new-hire.schema.json, which a test keeps in
step, so an installed hirebench validates without the docs directory."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_FILE = "new-hire.schema.json"


class InvalidRecord(RuntimeError):
    """A record that does not match the schema. Always a bug in hirebench, never bad input:
    the record is built from checked offers and onboardings."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("new-hire record does not match its schema: " + "; ".join(problems))
        self.problems = problems


@cache
def schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    # Without a format checker, "format" is only an annotation; with it, dates and addresses
    # are checked too (date-time also carries a pattern, as its checker needs an extra package).
    return Draft202012Validator(schema(), format_checker=FormatChecker())


def problems(record: Any) -> list[str]:
    """Every way the record breaks the schema, as "path: message", in a stable order."""
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in errors
    ]


def validate(record: Any) -> None:
    """Raise InvalidRecord when the record does not match the schema."""
    found = problems(record)
    if found:
        raise InvalidRecord(found)
