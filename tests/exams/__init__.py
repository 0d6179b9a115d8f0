"""Helpers shared by the exam tests: copies of the fixture exams that a test may edit."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hirebench.authoring import Problem

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_fixture(tmp_path: Path, name: str = "mini") -> tuple[Path, Path]:
    """(exam folder, graders root) copied into tmp_path as tmp_path/exams/NAME and
    tmp_path/graders, the layout the CLI's default --graders expects."""
    folder = tmp_path / "exams" / name
    shutil.copytree(FIXTURES / "exams" / name, folder)
    graders = tmp_path / "graders"
    if not graders.exists():
        shutil.copytree(FIXTURES / "graders", graders)
    return folder, graders


def edit_yaml(folder: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    """Load exam.yaml, let `change` edit the data in place, and write it back."""
    path = folder / "exam.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def find(problems: list[Problem], key_path: str, fragment: str = "") -> Problem:
    """The one problem at key_path whose message contains fragment."""
    found = [p for p in problems if p.key_path == key_path and fragment in p.message]
    assert len(found) == 1, f"{key_path!r} / {fragment!r} not exactly once in:\n" + "\n".join(
        str(p) for p in problems
    )
    return found[0]
