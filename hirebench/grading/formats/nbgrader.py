"""nbgrader source notebooks, read as they are: `metadata.nbgrader` flags (solution, grade,
locked, task) give each cell its role, `grade_id` its id and `points` its points. Locked cells
are setup unless they use the candidate's answer. docs/grader-notebook.md describes the mapping."""

from __future__ import annotations

import ast
import logging
from typing import Any

from hirebench.grading.dataflow import loaded_names
from hirebench.grading.formats.common import (
    NBGRADER_SCHEMA_VERSION,
    NotebookCell,
    NotebookFormat,
    Reporter,
    without_magics,
)
from hirebench.grading.formats.parsing import parse_module

log = logging.getLogger(__name__)


class NbgraderFormat(NotebookFormat):
    name = "nbgrader"
    id_field = "nbgrader.grade_id"
    points_field = "nbgrader.points"
    stub_whole_unmarked = True
    # nbgrader's autograder gives every cell its ExecutePreprocessor's default of 30 s; a test
    # that passes there must not time out here.
    default_timeout = 30.0

    def defines(self, cell: NotebookCell) -> bool:
        return bool(cell.nbg)

    def prepare(self, cells: list[NotebookCell]) -> set[str]:
        """The names the candidate's answer defines, to tell nbgrader's locked setup cells from
        locked cells that use the answer."""
        solution_names: set[str] = set()
        for cell in cells:
            if cell.nbg and cell.nbg.get("solution") is True and cell.cell_type == "code":
                solution_names |= _top_level_names(cell.source)
        return solution_names

    def assign_role(self, report: Reporter, cell: NotebookCell, context: Any) -> None:
        solution_names: set[str] = context
        assert cell.nbg is not None
        nbg = cell.nbg
        flags = {}
        for flag in ("solution", "grade", "locked", "task"):
            value = nbg.get(flag, False)
            if not isinstance(value, bool):
                report.problem(f"nbgrader.{flag} must be true or false, not {value!r}", cell.index)
                value = False
            flags[flag] = value
        version = nbg.get("schema_version", NBGRADER_SCHEMA_VERSION)
        if not isinstance(version, int) or version > NBGRADER_SCHEMA_VERSION:
            report.problem(
                f"nbgrader.schema_version {version!r} is newer than the supported "
                f"version {NBGRADER_SCHEMA_VERSION}",
                cell.index,
            )
        grade_id = nbg.get("grade_id")
        cell.cell_id = grade_id if isinstance(grade_id, str) and grade_id else None
        if cell.cell_type != "code":
            if flags["grade"] and flags["solution"]:
                # A manually graded written answer: reviewers grade those, not the sandbox.
                log.info(
                    "cell %d is a manually graded answer; its points are not autograded", cell.index
                )
            return
        if flags["solution"]:
            cell.role = "solution"
            if flags["grade"]:
                log.info(
                    "cell %d is a manually graded code answer; it runs as a solution cell "
                    "but its points are not autograded",
                    cell.index,
                )
        elif flags["grade"]:
            cell.role = "test"
        elif flags["locked"]:
            # A locked cell that uses the candidate's answer (a demo or plot) cannot run
            # before that answer exists or on the judge side, so it stays in place as context.
            uses_answer = bool(loaded_names(cell.source) & solution_names)
            cell.role = "context" if uses_answer else "setup"

    def test_points(self, cell: NotebookCell) -> Any:
        return (cell.nbg or {}).get("points")


def _top_level_names(source: str) -> set[str]:
    try:
        tree = parse_module(without_magics(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            names.update(
                sub.id
                for sub in ast.walk(node)
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)
            )
    return names
