"""Builders shared by the grading tests: small native and nbgrader grader notebooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

EXAMPLES = Path(__file__).resolve().parents[2] / "graders" / "examples"
SUBMISSIONS = EXAMPLES / "submissions"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def setup(source: str) -> Any:
    return new_code_cell(source, metadata={"hirebench": {"role": "setup"}})


def solution(source: str, cell_id: str | None = "answer") -> Any:
    meta: dict[str, Any] = {"role": "solution"}
    if cell_id is not None:
        meta["id"] = cell_id
    return new_code_cell(source, metadata={"hirebench": meta})


def test(source: str, test_id: Any = "t1", points: Any = 1, **extra: Any) -> Any:
    meta: dict[str, Any] = {"role": "test", "id": test_id, "points": points, **extra}
    if test_id is None:
        del meta["id"]
    if points is None:
        del meta["points"]
    return new_code_cell(source, metadata={"hirebench": meta})


test.__test__ = False  # type: ignore[attr-defined]  # a builder, not a pytest test


def markdown(source: str) -> Any:
    return new_markdown_cell(source)


def native(*cells: Any, kernel: str = "python3", **settings: Any) -> dict[str, Any]:
    """A native grader notebook as a JSON-ready dict."""
    notebook = new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {**KERNELSPEC, "name": kernel}
    notebook.metadata["hirebench"] = {"format": 1, "title": "Test grader", **settings}
    return json.loads(nbformat.writes(notebook))


def minimal(**settings: Any) -> dict[str, Any]:
    """A valid native grader: one setup, one solution, one test."""
    return native(
        setup("BASE = 10"),
        solution("def add(x):\n    return x + BASE"),
        test("assert add(1) == 11", "adds"),
        **settings,
    )


def nbgrader_cell(source: str, grade_id: str, **flags: Any) -> Any:
    meta = {
        "grade": False,
        "grade_id": grade_id,
        "locked": False,
        "schema_version": 3,
        "solution": False,
        "task": False,
        **flags,
    }
    return new_code_cell(source, metadata={"nbgrader": meta})


def nbgrader(*cells: Any) -> dict[str, Any]:
    notebook = new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = KERNELSPEC
    return json.loads(nbformat.writes(notebook))


def dump(notebook: dict[str, Any]) -> bytes:
    return json.dumps(notebook, indent=1, ensure_ascii=False).encode("utf-8")
