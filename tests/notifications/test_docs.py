"""docs/notifications.md against the code: its table names every kind, each kind's texts use
only params the table documents, and its example row loads and reads in both languages."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask_babel import force_locale

from hirebench.notifications import kinds
from hirebench.paths import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "notifications.md").read_text(encoding="utf-8")
ROW_RE = re.compile(r"^\| `([a-z_]+)` \|.*\| ([^|]+) \|$", re.MULTILINE)
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")


def documented() -> dict[str, set[str]]:
    return {kind: set(re.findall(r"`(\w+)`", params)) for kind, params in ROW_RE.findall(DOC)}


def test_the_table_names_every_kind() -> None:
    assert set(documented()) == set(kinds.KINDS)


def test_texts_use_only_documented_params() -> None:
    for key, params in documented().items():
        kind = kinds.KINDS[key]
        used = set(PLACEHOLDER_RE.findall(kind.title + kind.body))
        assert used <= params, (key, used - params)


def test_the_example_row_reads_in_both_languages(app: Flask) -> None:
    example = json.loads(DOC.split("```json\n", 1)[1].split("```", 1)[0])
    assert example["kind"] in kinds.KINDS and example["read_at"] is None
    with app.app_context():
        with force_locale("en"):
            assert kinds.title(example["kind"], example["params"]) == "Chen Jing: Hire"
        with force_locale("zh_Hans"):
            assert kinds.title(example["kind"], example["params"]) == "Chen Jing：录用"
