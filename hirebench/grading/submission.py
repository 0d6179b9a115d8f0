"""Turn a candidate's submission (a .py file or a notebook) into the cells to execute.

Like nbgrader's autograder, the grader's own cells win: setup and locked/context code are
restored from the grader whatever the candidate sent, and the candidate's copies of test
cells are dropped. Tests are not part of the plan at all; they run later, on the judge side,
from the grader's copy. Rules and examples: docs/grader-notebook.md.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from hirebench.grading.dataflow import loaded_names, stored_names
from hirebench.grading.formats import (
    MODES,
    GraderCell,
    GraderError,
    GraderSpec,
    GraderTest,
    cell_source,
    find_syntax_error,
    notebook_problems,
    parse_notebook_json,
)

log = logging.getLogger(__name__)

MAX_SUBMISSION_BYTES = 1_000_000
# A notebook is capped on its code (outputs and attachments stripped, since they never run),
# but the file as uploaded still has a ceiling, so a huge file is not parsed at all.
MAX_NOTEBOOK_FILE_BYTES = 20 * MAX_SUBMISSION_BYTES
EXTENSIONS = (".py", ".ipynb")
GRADER_ROLES = ("setup", "test", "context")


class SubmissionError(ValueError):
    """The submission cannot be graded. The message is meant for the candidate."""


@dataclass(frozen=True)
class PlannedCell:
    source: str
    owner: str  # "grader" | "candidate"
    label: str  # e.g. "setup 1", "solution orders", "candidate cell 7"
    # A grader cell's index in the grader notebook; bookkeeping, not part of what runs.
    grader_index: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Step:
    """One thing the judge does, in notebook order.

    kind: "cell" runs in the candidate's kernel; "grader" (setup) and "context" run there and
    again on the judge's side, so tests see the grader's own objects; "test" runs only on the
    judge's side. `prefer_candidate` names what the grader's reference solution wrote last, to
    be read from the kernel; `export` names what a test defines that later cells read, to be
    sent into the kernel afterwards; `capture` returns the test's `__capture__` value."""

    kind: str
    label: str
    source: str
    timeout: float
    test_id: str | None = None
    prefer_candidate: tuple[str, ...] = ()
    export: tuple[str, ...] = ()
    capture: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "source": self.source,
            "timeout": self.timeout,
            "id": self.test_id,
            "prefer_candidate": list(self.prefer_candidate),
            "export": list(self.export),
            "capture": self.capture,
        }


@dataclass(frozen=True)
class ExecutionPlan:
    cells: tuple[PlannedCell, ...]
    tests: tuple[GraderTest, ...]
    setup_sources: tuple[str, ...]
    mode: str
    syntax_error: str | None  # e.g. "line 3: invalid syntax", or None
    steps: tuple[Step, ...] = ()


def _decode(content: bytes, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        shown = filename if len(filename) <= 80 else filename[:77] + "..."
        raise SubmissionError(
            f"Submit a Python file (.py) or a Jupyter notebook (.ipynb); {shown!r} is neither."
        )
    limit = MAX_NOTEBOOK_FILE_BYTES if suffix == ".ipynb" else MAX_SUBMISSION_BYTES
    if len(content) > limit:
        raise SubmissionError(
            f"The submission is {len(content):,} bytes; the limit is {limit:,} bytes."
        )
    if not content.strip():
        raise SubmissionError("The submission is empty.")
    if b"\x00" in content:
        raise SubmissionError(
            "The submission is a binary file (it contains NUL bytes), "
            "not Python source or a notebook."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            f"The submission is not UTF-8 text (invalid byte at offset "
            f"{exc.start}); save it as UTF-8 and submit it again."
        ) from exc
    return text.replace("\r\n", "\n")


def _syntax_error(source: str, label: str | None) -> str | None:
    error = find_syntax_error(source)
    if error is None:
        return None
    line, message = error
    where = ", ".join(part for part in (label, f"line {line}" if line else None) if part)
    return f"{where}: {message}" if where else message


def plan_submission(
    spec: GraderSpec, content: bytes, filename: str, mode: str = "full"
) -> ExecutionPlan:
    """The cells to execute for this submission, in order, and the tests to run after.

    Raises SubmissionError for input that cannot be graded at all. A Python syntax error is
    not raised: it is reported in `syntax_error` so that every test can say why it failed."""
    if mode not in MODES:
        raise ValueError(f"unknown grading mode {mode!r}; expected one of {MODES}")
    text = _decode(content, filename)
    tests = spec.tests_for(mode)
    sequence: list[PlannedCell | GraderTest]
    if PurePath(filename).suffix.lower() == ".py":
        setup = [cell for cell in spec.cells if cell.role == "setup"]
        cells = [
            PlannedCell(cell.source, "grader", f"setup {n}", cell.index)
            for n, cell in enumerate(setup, start=1)
        ]
        cells.append(PlannedCell(text, "candidate", "submission"))
        syntax_error = _syntax_error(text, None)
        sequence = [*cells, *tests]  # a script has no cell order: every test runs after it
    else:
        sequence, syntax_error = _NotebookPlanner(spec, _read_notebook(text), tests).plan()
        cells = [item for item in sequence if isinstance(item, PlannedCell)]
    return ExecutionPlan(
        cells=tuple(cells),
        tests=tuple(tests),
        setup_sources=tuple(spec.setup_sources()),
        mode=mode,
        syntax_error=syntax_error,
        steps=tuple(plan_steps(spec, sequence)),
    )


def _name_owners(spec: GraderSpec) -> tuple[dict[int, dict[str, str]], dict[str, str]]:
    """Who wrote each name last before each grader code cell runs (by cell index), and after
    the last: "solution" (the reference solution, so the candidate's kernel holds the value)
    or "grader" (setup, context and test cells, so the judge holds the trusted value)."""
    owners: dict[str, str] = {}
    before: dict[int, dict[str, str]] = {}
    for cell in spec.cells:
        if cell.cell_type != "code":
            continue
        before[cell.index] = dict(owners)
        if cell.role == "solution":
            owners.update(dict.fromkeys(stored_names(cell.solution or cell.source), "solution"))
        else:
            owners.update(dict.fromkeys(stored_names(cell.source), "grader"))
    return before, owners


def plan_steps(spec: GraderSpec, sequence: list[PlannedCell | GraderTest]) -> list[Step]:
    """The judge's steps for a planned sequence of cells and tests."""
    before, final = _name_owners(spec)
    steps: list[Step] = []
    for item in sequence:
        if isinstance(item, GraderTest):
            owners = before.get(item.cell_index, final)
            preferred, exports = _preferred(owners), tuple(sorted(_exports(spec, item)))
            steps.append(
                Step("test", item.id, item.source, item.timeout, item.id, preferred, exports)
            )
        elif item.owner == "candidate":
            steps.append(Step("cell", item.label, item.source, 0.0))
        else:
            kind = "context" if item.label.startswith("context") else "grader"
            owners = before.get(item.grader_index, final) if item.grader_index is not None else {}
            steps.append(Step(kind, item.label, item.source, 0.0, None, _preferred(owners)))
    return steps


def _preferred(owners: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(name for name, writer in owners.items() if writer == "solution"))


def _exports(spec: GraderSpec, test: GraderTest) -> frozenset[str]:
    """Names the test defines that a non-test cell of the grader reads: nbgrader shares one
    namespace, so a later solution may use an array a test cell set up, and an earlier
    solution function may read a global the test sets before calling it. Only those cross
    into the kernel, so values a hidden test computes for itself stay on the judge's side.
    What counts is the grader's own solution, never what a candidate wrote."""
    defined = stored_names(test.source)
    read: set[str] = set()
    for cell in spec.cells:
        if cell.cell_type == "code" and cell.role != "test":
            read |= loaded_names(cell.solution or cell.source)
    return defined & read


def _read_notebook(text: str) -> list[tuple[int, dict[str, Any]]]:
    """The notebook's code cells, each with its index among all the notebook's cells."""
    try:
        notebook = parse_notebook_json(text.encode("utf-8"))
    except GraderError as exc:
        raise SubmissionError(f"The notebook cannot be read: {exc.problems[0]}.") from exc
    problems = notebook_problems(notebook)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SubmissionError(f"The file is not a valid Jupyter notebook: {problems[0]}{more}.")
    size = len(json.dumps(_without_outputs(notebook), ensure_ascii=False).encode("utf-8"))
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(
            f"The notebook's code and text come to {size:,} bytes (outputs and attachments "
            f"not counted); the limit is {MAX_SUBMISSION_BYTES:,} bytes."
        )
    return [
        (index, cell) for index, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"
    ]


def _without_outputs(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook as it is run: outputs and attachments are never executed, so they do not
    count against the size cap."""
    cells = [
        {key: value for key, value in cell.items() if key not in ("outputs", "attachments")}
        for cell in notebook["cells"]
    ]
    return {**notebook, "cells": cells}


@dataclass
class _Candidate:
    index: int  # position among all the notebook's cells, as the candidate counts them
    source: str
    kind: str  # "grader" | "solution" | "plain"
    declared_id: str | None
    nb_id: str | None


@dataclass
class _NotebookPlanner:
    spec: GraderSpec
    code_cells: list[tuple[int, dict[str, Any]]]
    tests: list[GraderTest]
    slots: list[GraderCell] = field(init=False)
    grader_nb_ids: set[str] = field(init=False)
    slot_nb_ids: set[str] = field(init=False)
    grader_sources: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.slots = self.spec.solution_cells()
        owned = [
            cell
            for cell in self.spec.cells
            if cell.role in GRADER_ROLES and cell.cell_type == "code"
        ]
        self.grader_nb_ids = {cell.nb_id for cell in owned if cell.nb_id}
        self.slot_nb_ids = {cell.nb_id for cell in self.slots if cell.nb_id}
        sources = {cell.source.strip() for cell in owned}
        sources |= {test.visible_source.strip() for test in self.spec.tests}
        self.grader_sources = sources - {""}

    def _classify(self, index: int, cell: dict[str, Any]) -> _Candidate:
        meta: dict[str, Any] = cell.get("metadata") or {}
        hb: dict[str, Any] = meta.get("hirebench") or {}
        nbg: dict[str, Any] = meta.get("nbgrader") or {}
        # The schema check let any JSON through as metadata values; ignore odd ones.
        hb = hb if isinstance(hb, dict) else {}
        nbg = nbg if isinstance(nbg, dict) else {}
        source = cell_source(cell)
        nb_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        kind, declared = "plain", None
        role = hb.get("role")
        if role in GRADER_ROLES:
            kind = "grader"
        elif role == "solution":
            kind, declared = "solution", hb.get("id")
        elif nbg.get("solution") is True:
            kind, declared = "solution", nbg.get("grade_id")
        elif nbg.get("grade") is True or nbg.get("locked") is True or nbg.get("task") is True:
            kind = "grader"
        elif nb_id is not None and nb_id in self.grader_nb_ids:
            kind = "grader"  # a grader cell copied from the starter notebook, tags stripped
        elif source.strip() in self.grader_sources:
            kind = "grader"
        elif nb_id is not None and nb_id in self.slot_nb_ids:
            kind = "solution"
        return _Candidate(
            index, source, kind, declared if isinstance(declared, str) else None, nb_id
        )

    def _match(self, candidates: list[_Candidate]) -> dict[int, int]:
        """Candidate index -> slot number: by id, then nbformat cell id, then order."""
        matched: dict[int, int] = {}
        looking = [c for c in candidates if c.kind == "solution"]
        for number, slot in enumerate(self.slots):
            for candidate in looking:
                if candidate.index in matched:
                    continue
                if (slot.cell_id and candidate.declared_id == slot.cell_id) or (
                    not candidate.declared_id and slot.nb_id and candidate.nb_id == slot.nb_id
                ):
                    matched[candidate.index] = number
                    break
        free_slots = [n for n in range(len(self.slots)) if n not in matched.values()]
        free = [c for c in looking if c.index not in matched]
        for number, candidate in zip(free_slots, free, strict=False):
            matched[candidate.index] = number
        return matched

    def plan(self) -> tuple[list[PlannedCell | GraderTest], str | None]:
        candidates = [self._classify(index, cell) for index, cell in self.code_cells]
        if not any(c.source.strip() for c in candidates if c.kind != "grader"):
            raise SubmissionError("The notebook contains no code of yours to grade.")
        matched = self._match(candidates)
        before_first: list[PlannedCell] = []
        groups: dict[int, list[PlannedCell]] = {n: [] for n in range(len(self.slots))}
        current: int | None = None
        for candidate in candidates:
            if candidate.kind == "grader":
                continue
            if candidate.index in matched:
                current = matched[candidate.index]
                label = self._slot_label(current)
            else:
                label = f"candidate cell {candidate.index}"
            if not candidate.source.strip():
                continue
            planned = PlannedCell(candidate.source, "candidate", label)
            (before_first if current is None else groups[current]).append(planned)
        for number in range(len(self.slots)):
            if not any(c.label == self._slot_label(number) for c in groups[number]):
                log.info("submission has no cell for %s", self._slot_label(number))

        cells: list[PlannedCell | GraderTest] = []
        counts = {"setup": 0, "context": 0}
        slot_of = {cell.index: n for n, cell in enumerate(self.slots)}
        test_at = {test.cell_index: test for test in self.tests}
        for cell in self.spec.cells:
            if cell.cell_type != "code":
                continue
            if cell.role == "test":
                if cell.index in test_at:  # a visible run leaves wholly hidden tests out
                    cells.append(test_at[cell.index])
                continue
            if cell.role == "solution":
                if slot_of[cell.index] == 0:
                    cells.extend(before_first)
                cells.extend(groups[slot_of[cell.index]])
            else:
                counts[cell.role] += 1
                label = f"{cell.role} {counts[cell.role]}"
                cells.append(PlannedCell(cell.source, "grader", label, cell.index))

        syntax_error = next(
            (
                error
                for c in cells
                if isinstance(c, PlannedCell) and c.owner == "candidate"
                if (error := _syntax_error(c.source, c.label)) is not None
            ),
            None,
        )
        return cells, syntax_error

    def _slot_label(self, number: int) -> str:
        slot = self.slots[number]
        return f"solution {slot.cell_id or number + 1}"
