"""What every grader-notebook format shares: the spec a format produces (`GraderSpec` and its
cells and tests), the located problems, reading and nbformat schema checks, the SOLUTION and
HIDDEN TESTS markers, and the interface each format implements (`NotebookFormat`).

Cells are numbered from 0, as in the notebook's JSON (`cells[3]`) and nbformat's error
paths; lines are numbered from 1 within a cell's source.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

import nbformat
from nbformat.validator import DuplicateCellId, MissingIDFieldWarning

from hirebench.grading.formats.autotest import Autotest
from hirebench.grading.formats.parsing import parse_module

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_TIMEOUT = 120.0
# A grader may raise max_timeout, but not past this: one test must never hold a sandbox
# (and a worker) for longer than the queue's own job limits expect.
TIMEOUT_CEILING = 600.0
DEFAULT_MAX_BYTES = 5_000_000
# Kernel names accepted when a kernelspec does not say its language.
SUPPORTED_KERNELS = ("python3", "python")
# nbformat's newest 4.x minor version, which every notebook is upgraded to before checking.
CURRENT_MINOR: int = nbformat.v4.nbformat_minor
ROLES = ("setup", "solution", "test", "context")
# What nbgrader puts in place of a solution region, so starter code reads the same as an
# nbgrader release notebook.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
NBGRADER_SCHEMA_VERSION = 3
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MESSAGE_CLIP = 200

MODES = ("full", "visible")

# Like nbgrader, any comment line holding the delimiter counts, however many `#` it has.
_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END)\s+(SOLUTION|HIDDEN TESTS)\b")
SOLUTION = "SOLUTION"
HIDDEN = "HIDDEN TESTS"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a grader notebook (or a submitted notebook)."""

    message: str
    cell: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.cell is not None:
            where.append(f"cell {self.cell}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class GraderError(ValueError):
    """The grader notebook cannot be used. `problems` holds every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return f"invalid grader notebook: {self.problems[0]}"
        lines = [f"invalid grader notebook ({len(self.problems)} problems):"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class GraderCell:
    """One cell of the grader, in notebook order.

    `source` is what the cell means to the pipeline: for a solution cell, its starter code
    (solution regions replaced by the stub); for a test cell, the full test with the hidden
    markers' lines removed; otherwise the cell's source as written.
    `cell_id` is the hirebench id or nbgrader grade_id, when the cell has one.
    `nb_id` is the nbformat cell id, which a starter notebook keeps, so a submitted notebook's
    copies of grader cells can be recognised.
    """

    index: int
    role: str
    cell_type: str
    source: str
    cell_id: str | None
    nb_id: str | None = None
    #: A solution cell's reference solution (markers dropped), which the candidate never sees:
    #: it tells the planner which names the candidate is meant to (re)define.
    solution: str = ""


@dataclass(frozen=True)
class GraderTest:
    id: str
    points: float
    source: str
    visible_source: str
    hidden: bool
    timeout: float
    cell_index: int
    description: str = ""
    #: nbgrader AUTOTEST directives not yet turned into asserts (hirebench.grading.autotests
    #: does that by running the grader's solution); `cell_source` is then the cell as written,
    #: markers and directives included.
    autotests: tuple[Autotest, ...] = ()
    cell_source: str = ""


@dataclass(frozen=True)
class GraderSpec:
    title: str
    kernel: str
    cells: tuple[GraderCell, ...]
    tests: tuple[GraderTest, ...]
    default_timeout: float
    source_format: str
    digest: str
    max_timeout: float = DEFAULT_MAX_TIMEOUT
    #: Files shipped read-only into the working directory: (relative POSIX path, bytes),
    #: sorted by path, and part of `digest` (formats/files.py).
    files: tuple[tuple[str, bytes], ...] = ()
    #: A course's own autotests.yml (found beside the notebook); "" means the built-in one.
    autotest_templates: str = ""

    @property
    def pending_autotests(self) -> bool:
        """Whether a test still holds AUTOTEST directives, which must be instantiated
        (hirebench.grading.autotests.instantiate) before the spec can grade."""
        return any(test.autotests for test in self.tests)

    @property
    def max_points(self) -> float:
        return float(sum(test.points for test in self.tests))

    def setup_sources(self) -> list[str]:
        return [cell.source for cell in self.cells if cell.role == "setup"]

    def solution_cells(self) -> list[GraderCell]:
        return [cell for cell in self.cells if cell.role == "solution"]

    def starter_code(self) -> str:
        """The starter for a `.py` submission: the solution cells' starter code, in order.
        Setup is left out because it always runs before the candidate's file."""
        parts = [cell.source.strip("\n") for cell in self.solution_cells()]
        return "\n\n\n".join(part for part in parts if part) + "\n"

    def tests_for(self, mode: str) -> list[GraderTest]:
        """The tests to run. In "visible" mode each test's `source` is its visible part and
        tests that are wholly hidden are left out."""
        if mode == "full":
            return list(self.tests)
        if mode == "visible":
            return [
                replace(test, source=test.visible_source)
                for test in self.tests
                if test.visible_source
            ]
        raise ValueError(f"unknown grading mode {mode!r}; expected one of {MODES}")

    def starter_notebook(self) -> nbformat.NotebookNode:
        """The notebook handed to candidates: solution regions stubbed, hidden tests removed,
        cells tagged so that `plan_submission` can match the candidate's cells back."""
        cells = []
        tests = {test.cell_index: test for test in self.tests}
        for cell in self.cells:
            meta: dict[str, Any] = {}
            source = cell.source
            if cell.role == "test":
                test = tests[cell.index]
                if not test.visible_source:
                    continue
                source = test.visible_source
                meta = {"role": "test", "id": test.id, "points": test.points}
            elif cell.role in ("setup", "solution"):
                meta = {"role": cell.role}
                if cell.cell_id:
                    meta["id"] = cell.cell_id
            if cell.cell_type == "code":
                new = nbformat.v4.new_code_cell(source)
                new.metadata["editable"] = cell.role == "solution"
            elif cell.cell_type == "markdown":
                new = nbformat.v4.new_markdown_cell(source)
            else:
                new = nbformat.v4.new_raw_cell(source)
            if meta:
                new.metadata["hirebench"] = meta
            if cell.nb_id:
                new["id"] = cell.nb_id
            cells.append(new)
        notebook = nbformat.v4.new_notebook(cells=cells)
        # The candidate's Jupyter may not have the course's kernel; every Python has python3.
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        notebook.metadata["hirebench"] = {
            "format": FORMAT_VERSION,
            "title": self.title,
            "starter_of": self.digest,
        }
        return notebook


# ---------------------------------------------------------------------------------------
# Small helpers, shared by the formats and submission.py


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (nbformat allows a list of lines on disk)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def clip_message(text: str, limit: int = MESSAGE_CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def without_magics(source: str) -> str:
    # Same line count, so line numbers in errors still point at the author's lines.
    lines = source.split("\n")
    for number, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            lines[number] = line[: len(line) - len(stripped)] + "pass"
    return "\n".join(lines)


def find_syntax_error(source: str) -> tuple[int | None, str] | None:
    """(line, message) of the first syntax error in `source`, or None. Lines that start
    with `%` or `!` are IPython magics and shell escapes, which the kernel accepts."""
    first = next((line.strip() for line in source.split("\n") if line.strip()), "")
    if first.startswith("%%"):
        return None  # a cell magic: the body need not be Python at all
    try:
        parse_module(source)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass  # may only be a magic line; parse again without them to decide
    try:
        parse_module(without_magics(source))
    except SyntaxError as exc:
        return exc.lineno, exc.msg
    except ValueError as exc:  # Python 3.11 raises ValueError for NUL bytes
        return None, str(exc)
    except (RecursionError, MemoryError):
        return None, "the code is nested too deeply to compile"
    return None


# ---------------------------------------------------------------------------------------
# Reading and schema checks


def read_source(source: Path | bytes | str, max_bytes: int) -> tuple[bytes, str | None]:
    """The notebook's bytes and a name to fall back on for the title. A str is notebook
    JSON when it starts with `{` (every notebook does) and a file path otherwise."""
    if isinstance(source, str):
        source = source.encode("utf-8") if source.lstrip().startswith("{") else Path(source)
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
            if size > max_bytes:
                raise GraderError([_too_big(size, max_bytes)])
            return source.read_bytes(), source.stem
        except OSError as exc:
            raise GraderError([Problem(f"cannot read {source}: {exc.strerror or exc}")]) from exc
    if len(source) > max_bytes:
        raise GraderError([_too_big(len(source), max_bytes)])
    return source, None


def _too_big(size: int, max_bytes: int) -> Problem:
    return Problem(
        f"the file is {size:,} bytes; a grader notebook may be at most {max_bytes:,} bytes"
    )


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse_notebook_json(data: bytes) -> dict[str, Any]:
    """Decode and parse notebook JSON; raise GraderError with a located problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GraderError(
            [Problem(f"not UTF-8 text (bad byte at offset {exc.start})", line=line)]
        ) from exc
    try:
        notebook = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise GraderError(
            [Problem(f"not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno)]
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise GraderError([Problem(f"not valid JSON: {clip_message(str(exc))}")]) from exc
    if not isinstance(notebook, dict):
        raise GraderError(
            [
                Problem(
                    f"not a notebook: the JSON top level is "
                    f"{type(notebook).__name__}, not an object"
                )
            ]
        )
    return notebook


def _path(parts: Iterable[Any]) -> str:
    return "/".join(str(part) for part in parts)


def current_notebook(notebook: dict[str, Any]) -> nbformat.NotebookNode:
    """A copy of an nbformat 4 notebook upgraded by nbformat itself to its current minor
    version (4.5): nbformat 4.0-4.4 files, which have no cell ids, get them, and 4.5 files
    that lack some get them filled in, as Jupyter does when it opens them."""
    node = nbformat.from_dict(copy.deepcopy(notebook))
    minor = node.get("nbformat_minor")
    if not isinstance(node.get("metadata"), dict) or not isinstance(node.get("cells"), list):
        return node  # nbformat cannot upgrade it; validation reports what is wrong
    if isinstance(minor, int) and not isinstance(minor, bool) and minor < CURRENT_MINOR:
        node = nbformat.v4.upgrade(node, from_version=4, from_minor=minor)
    if any(
        not isinstance(cell, dict) or not isinstance(cell.get("id", ""), str) for cell in node.cells
    ):
        return node  # normalize would trip over it; validation reports the bad id
    with warnings.catch_warnings():
        # nbformat warns about each id it fills in; a missing id is not the author's problem.
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        warnings.simplefilter("ignore", DuplicateCellId)
        _, node = nbformat.validator.normalize(node, 4, CURRENT_MINOR)
    return nbformat.from_dict(node)


def _cell_problem(index: int, cell: Any) -> Problem | None:
    if not isinstance(cell, dict):
        return Problem("a cell must be a JSON object", cell=index)
    cell_type = cell.get("cell_type")
    if cell_type not in ("code", "markdown", "raw"):
        return Problem(
            f"unknown cell_type {cell_type!r}; expected code, markdown or raw", cell=index
        )
    return None


def notebook_problems(notebook: dict[str, Any]) -> list[Problem]:
    """nbformat v4 schema problems, each located at its cell, as nbformat's own validator
    finds them once nbformat has upgraded the notebook to 4.5 (so 4.0-4.4 files are read as
    Jupyter reads them, and missing cell ids are tolerated)."""
    major = notebook.get("nbformat")
    if major != 4:
        return [
            Problem(
                f"nbformat {major!r} is not supported; grader and submission "
                f"notebooks must be nbformat 4 (save the notebook in a current Jupyter)"
            )
        ]
    problems: list[Problem] = []
    cells = notebook.get("cells")
    if isinstance(cells, list):
        for index, cell in enumerate(cells):
            problem = _cell_problem(index, cell)
            if problem is not None:
                problems.append(problem)
                # A stand-in keeps the other cells' indices; the problem is reported already.
                cells = [*cells[:index], nbformat.v4.new_raw_cell(), *cells[index + 1 :]]
        notebook = {**notebook, "cells": cells}
    node = current_notebook(notebook)
    minor = node.get("nbformat_minor")
    minor = minor if isinstance(minor, int) and not isinstance(minor, bool) else CURRENT_MINOR
    for error in nbformat.validator.iter_validate(node, version=4, version_minor=minor):
        parts = list(error.relative_path)
        cell = None
        if len(parts) >= 2 and parts[0] == "cells" and isinstance(parts[1], int):
            cell, parts = parts[1], parts[2:]
        where = _path(parts)
        message = clip_message(f"{where + ': ' if where else ''}{error.message}")
        problems.append(Problem(message, cell=cell))
    return problems


# ---------------------------------------------------------------------------------------
# Markers


def _marker(line: str) -> tuple[str, str] | None:
    match = _MARKER.match(line)
    return (match.group(1), match.group(2)) if match else None


def marker_problems(source: str, allowed: str | None) -> Iterator[tuple[int, str]]:
    """(line, message) for every misplaced or unbalanced marker. `allowed` is the one
    marker kind this cell may hold."""
    open_line: int | None = None
    for number, line in enumerate(source.split("\n"), start=1):
        found = _marker(line)
        if found is None:
            continue
        edge, kind = found
        if kind != allowed:
            yield number, f"'{edge} {kind}' does not belong in this cell"
        elif edge == "BEGIN":
            if open_line is not None:
                yield number, f"'BEGIN {kind}' inside the region opened at line {open_line}"
            else:
                open_line = number
        elif open_line is None:
            yield number, f"'END {kind}' without a matching 'BEGIN {kind}'"
        else:
            open_line = None
    if open_line is not None:
        yield open_line, f"'BEGIN {allowed}' is never closed by 'END {allowed}'"


def split_hidden(source: str) -> tuple[str, str]:
    """(full, visible): `full` drops only the marker lines; `visible` also drops every
    hidden block."""
    full: list[str] = []
    visible: list[str] = []
    hidden = False
    for line in source.split("\n"):
        found = _marker(line)
        if found is not None and found[1] == HIDDEN:
            hidden = found[0] == "BEGIN"
            continue
        full.append(line)
        if not hidden:
            visible.append(line)
    return "\n".join(full).strip("\n"), "\n".join(visible).strip("\n")


def stub_solutions(source: str, *, whole_if_unmarked: bool) -> str:
    """Replace each SOLUTION region by the stub, indented like its BEGIN line, as nbgrader
    does. With no region, nbgrader replaces the whole cell; the native format keeps it."""
    out: list[str] = []
    inside = found_region = False
    for line in source.split("\n"):
        found = _marker(line)
        if found is not None and found[1] == SOLUTION:
            if found[0] == "BEGIN":
                inside = found_region = True
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(indent + stub for stub in CODE_STUB.split("\n"))
            else:
                inside = False
            continue
        if not inside:
            out.append(line)
    if not found_region and whole_if_unmarked:
        return CODE_STUB
    return "\n".join(out)


def without_solution_markers(source: str) -> str:
    """The reference solution: the cell as the author wrote it, SOLUTION marker lines dropped."""
    return "\n".join(
        line for line in source.split("\n") if (_marker(line) or ("", ""))[1] != SOLUTION
    )


def has_code(source: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in source.split("\n"))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class NotebookCell:
    """A cell as read, before a format gives it its role."""

    index: int
    cell_type: str
    source: str
    meta: dict[str, Any]
    nb_id: str | None
    hb: dict[str, Any] | None = None
    nbg: dict[str, Any] | None = None
    role: str = "context"
    cell_id: str | None = None


class Reporter(Protocol):
    def problem(self, message: str, cell: int | None = None, line: int | None = None) -> None: ...


class NotebookFormat(ABC):
    """One way of marking up a grader notebook. A format recognises the cells its metadata
    defines, gives them their roles (setup, solution, test, context) and says where a test's id
    and points live. One notebook may mix formats cell by cell; the first format in
    `hirebench.grading.formats.FORMATS` that defines a cell reads it."""

    #: The spec's source_format when this format reads the notebook.
    name: ClassVar[str]
    #: Where a test's id and points are written, for problem messages.
    id_field: ClassVar[str]
    points_field: ClassVar[str]
    #: nbgrader replaces a solution cell with no SOLUTION region by the stub; native keeps it.
    stub_whole_unmarked: ClassVar[bool]
    #: A test's timeout when neither the cell nor metadata.hirebench.default_timeout sets one;
    #: None means hirebench's own default.
    default_timeout: ClassVar[float | None] = None

    @abstractmethod
    def defines(self, cell: NotebookCell) -> bool:
        """Whether this format's metadata gives the cell its role."""

    def prepare(self, cells: list[NotebookCell]) -> Any:
        """Whatever assign_role needs to know about the whole notebook (None by default)."""
        return None

    @abstractmethod
    def assign_role(self, report: Reporter, cell: NotebookCell, context: Any) -> None:
        """Set cell.role and cell.cell_id from the metadata, reporting what is wrong."""

    @abstractmethod
    def test_points(self, cell: NotebookCell) -> Any:
        """The points written for a test cell, unchecked (None when missing)."""

    def reports_missing_id(self, cell: NotebookCell) -> bool:
        """Whether a test cell without an id is reported as such (not when its id is reported
        as malformed already)."""
        return True
