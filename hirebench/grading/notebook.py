"""Grader notebooks: the native hirebench format and nbgrader source notebooks.

`load_grader` reads a notebook into a `GraderSpec`, or raises `GraderError` listing every
problem it found, each with its cell and line, so an author fixes them all in one pass.
The format is documented in docs/grader-notebook.md.

Cells are numbered from 0, as in the notebook's JSON (`cells[3]`) and nbformat's error
paths; lines are numbered from 1 within a cell's source.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import nbformat

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_TIMEOUT = 120.0
# A grader may raise max_timeout, but not past this: one test must never hold a sandbox
# (and a worker) for longer than the queue's own job limits expect.
TIMEOUT_CEILING = 600.0
DEFAULT_MAX_BYTES = 5_000_000
SUPPORTED_KERNELS = ("python3",)
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
_SOLUTION = "SOLUTION"
_HIDDEN = "HIDDEN TESTS"


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
        notebook.metadata["kernelspec"] = {
            "name": self.kernel,
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
# Small helpers, shared with submission.py


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (nbformat allows a list of lines on disk)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def clip_message(text: str, limit: int = MESSAGE_CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _without_magics(source: str) -> str:
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
        ast.parse(source)
        return None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass  # may only be a magic line; parse again without them to decide
    try:
        ast.parse(_without_magics(source))
    except SyntaxError as exc:
        return exc.lineno, exc.msg
    except ValueError as exc:  # Python 3.11 raises ValueError for NUL bytes
        return None, str(exc)
    except (RecursionError, MemoryError):
        return None, "the code is nested too deeply to compile"
    return None


# ---------------------------------------------------------------------------------------
# Reading and schema checks


def _read_source(source: Path | bytes | str, max_bytes: int) -> tuple[bytes, str | None]:
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


@cache
def _schema(minor: int | None) -> dict[str, Any]:
    folder = Path(nbformat.v4.__file__).parent
    path = folder / f"nbformat.v4.{minor}.schema.json"
    if minor is None or not path.exists():
        path = folder / "nbformat.v4.schema.json"  # the newest minor version
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@cache
def _validator(minor: int | None, definition: str | None) -> Any:
    schema = _schema(minor)
    if definition is not None:
        # Draft 4 ignores keywords beside $ref, so this checks one cell type only and gives
        # precise errors instead of "is not valid under any of the given schemas".
        schema = {**schema, "$ref": f"#/definitions/{definition}"}
    return jsonschema.validators.validator_for(schema)(schema)


def _path(parts: Iterable[Any]) -> str:
    return "/".join(str(part) for part in parts)


def notebook_problems(notebook: dict[str, Any]) -> list[Problem]:
    """nbformat v4 schema problems, each located at its cell. Missing cell ids (required
    from nbformat 4.5) are tolerated, as nbformat itself fills them in on read."""
    major = notebook.get("nbformat")
    if major != 4:
        return [
            Problem(
                f"nbformat {major!r} is not supported; grader and submission "
                f"notebooks must be nbformat 4 (save the notebook in a current Jupyter)"
            )
        ]
    minor = notebook.get("nbformat_minor")
    minor = minor if isinstance(minor, int) and not isinstance(minor, bool) else None
    problems: list[Problem] = []
    cells = notebook.get("cells")
    top = {**notebook, "cells": [] if isinstance(cells, list) else cells}
    for error in _validator(minor, None).iter_errors(top):
        where = _path(error.absolute_path)
        problems.append(Problem(clip_message(f"{where + ': ' if where else ''}{error.message}")))
    if not isinstance(cells, list):
        return problems
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            problems.append(Problem("a cell must be a JSON object", cell=index))
            continue
        cell_type = cell.get("cell_type")
        if cell_type not in ("code", "markdown", "raw"):
            problems.append(
                Problem(
                    f"unknown cell_type {cell_type!r}; expected code, markdown or raw", cell=index
                )
            )
            continue
        if "id" not in cell:
            cell = {**cell, "id": f"cell-{index}"}
        for error in _validator(minor, f"{cell_type}_cell").iter_errors(cell):
            where = _path(error.absolute_path)
            problems.append(
                Problem(clip_message(f"{where + ': ' if where else ''}{error.message}"), cell=index)
            )
    return problems


# ---------------------------------------------------------------------------------------
# Markers


def _marker(line: str) -> tuple[str, str] | None:
    match = _MARKER.match(line)
    return (match.group(1), match.group(2)) if match else None


def _marker_problems(source: str, allowed: str | None) -> Iterator[tuple[int, str]]:
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
        if found is not None and found[1] == _HIDDEN:
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
        if found is not None and found[1] == _SOLUTION:
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


def _has_code(source: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in source.split("\n"))


# ---------------------------------------------------------------------------------------
# Names, to tell nbgrader's locked setup cells from locked cells that use the answer


def _top_level_names(source: str) -> set[str]:
    try:
        tree = ast.parse(_without_magics(source))
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


def _loaded_names(source: str) -> set[str]:
    try:
        tree = ast.parse(_without_magics(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


# ---------------------------------------------------------------------------------------
# Building the spec


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class _Cell:
    index: int
    cell_type: str
    source: str
    meta: dict[str, Any]
    nb_id: str | None
    hb: dict[str, Any] | None = None
    nbg: dict[str, Any] | None = None
    role: str = "context"
    cell_id: str | None = None


@dataclass
class _Builder:
    notebook: dict[str, Any]
    name: str | None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, message: str, cell: int | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(message, cell, line))

    # notebook level -------------------------------------------------------------------

    def _settings(self) -> tuple[dict[str, Any], float, float]:
        meta = self.notebook.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        settings = meta.get("hirebench", {})
        if not isinstance(settings, dict):
            self.problem("metadata.hirebench must be an object")
            settings = {}
        fmt = settings.get("format", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            self.problem(
                f"metadata.hirebench.format is {fmt!r}; this version of hirebench "
                f"reads format {FORMAT_VERSION}"
            )
        max_timeout = settings.get("max_timeout", DEFAULT_MAX_TIMEOUT)
        if not _is_number(max_timeout) or not 0 < max_timeout <= TIMEOUT_CEILING:
            self.problem(
                f"metadata.hirebench.max_timeout must be a number of seconds above 0 "
                f"and at most {TIMEOUT_CEILING:g}, not {max_timeout!r}"
            )
            max_timeout = DEFAULT_MAX_TIMEOUT
        default = settings.get("default_timeout", DEFAULT_TIMEOUT)
        if not _is_number(default) or not 0 < default <= max_timeout:
            self.problem(
                f"metadata.hirebench.default_timeout must be a number of seconds above "
                f"0 and at most max_timeout ({max_timeout:g}), not {default!r}"
            )
            default = min(DEFAULT_TIMEOUT, max_timeout)
        if "starter_of" in settings:
            # Uploading the candidates' copy by mistake would grade without hidden tests.
            self.problem(
                "this is a starter notebook made from a grader (it has no hidden tests "
                "or reference solutions), not a grader notebook"
            )
        if "title" in settings and not isinstance(settings["title"], str):
            self.problem("metadata.hirebench.title must be a string")
        return settings, float(default), float(max_timeout)

    def _kernel(self) -> str:
        meta = self.notebook.get("metadata")
        spec = meta.get("kernelspec") if isinstance(meta, dict) else None
        if spec is None:
            return "python3"  # hand-written notebooks often omit it; Jupyter would ask
        name = spec.get("name") if isinstance(spec, dict) else None
        if name not in SUPPORTED_KERNELS:
            self.problem(
                f"unknown kernel {name!r}: graders run on the "
                f"{' or '.join(SUPPORTED_KERNELS)} kernel only (metadata.kernelspec.name)"
            )
        return str(name)

    def _title(self, settings: dict[str, Any], cells: list[_Cell]) -> str:
        title = settings.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        for cell in cells:
            if cell.cell_type == "markdown":
                for line in cell.source.split("\n"):
                    if line.startswith("# "):
                        return line[2:].strip()
        return self.name or "Untitled grader"

    # cell level -----------------------------------------------------------------------

    def _cells(self) -> list[_Cell]:
        raw = self.notebook.get("cells")
        cells: list[_Cell] = []
        for index, cell in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(cell, dict) or cell.get("cell_type") not in (
                "code",
                "markdown",
                "raw",
            ):
                continue  # notebook_problems has reported it
            meta = cell.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            nb_id = cell.get("id")
            parsed = _Cell(
                index,
                cell["cell_type"],
                cell_source(cell),
                meta,
                nb_id if isinstance(nb_id, str) else None,
            )
            hb = meta.get("hirebench")
            if hb is not None and not isinstance(hb, dict):
                self.problem("metadata.hirebench must be an object", index)
            parsed.hb = hb if isinstance(hb, dict) else None
            nbg = meta.get("nbgrader")
            if nbg is not None and not isinstance(nbg, dict):
                self.problem("metadata.nbgrader must be an object", index)
            parsed.nbg = nbg if isinstance(nbg, dict) else None
            cells.append(parsed)
        return cells

    def _hirebench_role(self, cell: _Cell) -> None:
        assert cell.hb is not None
        role = cell.hb["role"]
        if role not in ROLES:
            self.problem(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", cell.index)
            return
        if role != "context" and cell.cell_type != "code":
            self.problem(f"a {role} cell must be a code cell, not {cell.cell_type}", cell.index)
            return
        cell.role = role
        if "id" in cell.hb:
            cell.cell_id = cell.hb["id"] if isinstance(cell.hb["id"], str) else None
            if cell.cell_id is None:
                self.problem(
                    f"metadata.hirebench.id must be a string, not {cell.hb['id']!r}", cell.index
                )

    def _nbgrader_role(self, cell: _Cell, solution_names: set[str]) -> None:
        assert cell.nbg is not None
        nbg = cell.nbg
        flags = {}
        for flag in ("solution", "grade", "locked", "task"):
            value = nbg.get(flag, False)
            if not isinstance(value, bool):
                self.problem(f"nbgrader.{flag} must be true or false, not {value!r}", cell.index)
                value = False
            flags[flag] = value
        version = nbg.get("schema_version", NBGRADER_SCHEMA_VERSION)
        if not isinstance(version, int) or version > NBGRADER_SCHEMA_VERSION:
            self.problem(
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
            uses_answer = bool(_loaded_names(cell.source) & solution_names)
            cell.role = "context" if uses_answer else "setup"

    def _test(
        self, cell: _Cell, default_timeout: float, max_timeout: float, nbgrader: bool
    ) -> GraderTest | None:
        hb = cell.hb or {}
        where = "nbgrader.grade_id" if nbgrader else "metadata.hirebench.id"
        test_id = cell.cell_id
        ok = True
        if not test_id:
            if nbgrader or isinstance(hb.get("id"), str | None):  # else reported as not a str
                self.problem(f"test cell has no id ({where})", cell.index)
            ok = False
        elif not ID_PATTERN.match(test_id):
            self.problem(
                f"test id {test_id!r} must be 1-64 letters, digits, '_', '.' or '-', "
                f"starting with a letter or digit",
                cell.index,
            )
            ok = False
        points = (cell.nbg or {}).get("points") if nbgrader else hb.get("points")
        if points is None:
            self.problem(
                f"test {test_id or '?'} has no points "
                f"({'nbgrader.points' if nbgrader else 'metadata.hirebench.points'})",
                cell.index,
            )
            ok = False
        elif not _is_number(points) or points < 0:
            self.problem(
                f"test {test_id or '?'}: points must be a number of at least 0, not {points!r}",
                cell.index,
            )
            ok = False
        timeout = hb.get("timeout", default_timeout)
        if not _is_number(timeout) or not 0 < timeout <= max_timeout:
            self.problem(
                f"test {test_id or '?'}: timeout must be a number of seconds above 0 "
                f"and at most {max_timeout:g}, not {timeout!r}",
                cell.index,
            )
            ok = False
        hidden_flag = hb.get("hidden", False)
        if not isinstance(hidden_flag, bool):
            self.problem(
                f"test {test_id or '?'}: hidden must be true or false, not {hidden_flag!r}",
                cell.index,
            )
            ok = False
        description = hb.get("description", "")
        if not isinstance(description, str):
            self.problem(f"test {test_id or '?'}: description must be a string", cell.index)
            ok = False
        full, visible = split_hidden(cell.source)
        if not _has_code(full):
            self.problem(f"test {test_id or '?'} has no code", cell.index)
            ok = False
        if not ok:
            return None
        assert test_id is not None and isinstance(points, int | float)
        assert isinstance(timeout, int | float)
        if hidden_flag or not _has_code(visible):
            visible = ""
        return GraderTest(
            id=test_id,
            points=float(points),
            source=full,
            visible_source=visible,
            hidden=bool(hidden_flag) or visible != full,
            timeout=float(timeout),
            cell_index=cell.index,
            description=str(description),
        )

    def _check_source(self, cell: _Cell) -> None:
        if cell.cell_type != "code":
            return
        allowed = {"solution": _SOLUTION, "test": _HIDDEN}.get(cell.role)
        for line, message in _marker_problems(cell.source, allowed):
            self.problem(message, cell.index, line)
        if cell.role == "solution":
            return  # starter code may be a deliberate fragment
        error = find_syntax_error(cell.source)
        if error is not None:
            self.problem(f"syntax error in {cell.role} cell: {error[1]}", cell.index, error[0])

    def build(self, digest: str) -> GraderSpec | None:
        settings, default_timeout, max_timeout = self._settings()
        kernel = self._kernel()
        cells = self._cells()
        meta = self.notebook.get("metadata")
        has_settings = isinstance(meta, dict) and "hirebench" in meta
        has_roles = any(c.hb is not None and "role" in c.hb for c in cells)
        has_nbgrader = any(c.nbg for c in cells)
        if not (has_settings or has_roles or has_nbgrader):
            self.problem(
                "not a grader notebook: there is no metadata.hirebench and no cell "
                "has hirebench or nbgrader metadata"
            )
            return None
        # An nbgrader notebook stays one when an author adds only notebook-level settings.
        source_format = "nbgrader" if has_nbgrader and not has_roles else "hirebench"

        solution_names: set[str] = set()
        for cell in cells:
            if cell.nbg and cell.nbg.get("solution") is True and cell.cell_type == "code":
                solution_names |= _top_level_names(cell.source)
        for cell in cells:
            if cell.hb is not None and "role" in cell.hb:
                self._hirebench_role(cell)
            elif cell.nbg:
                self._nbgrader_role(cell, solution_names)

        tests: list[GraderTest] = []
        grader_cells: list[GraderCell] = []
        seen: dict[str, int] = {}
        for cell in cells:
            self._check_source(cell)
            if cell.role in ("solution", "test") and cell.cell_id:
                if cell.cell_id in seen:
                    self.problem(
                        f"duplicate id {cell.cell_id!r} (also used by cell {seen[cell.cell_id]})",
                        cell.index,
                    )
                seen.setdefault(cell.cell_id, cell.index)
            source = cell.source
            if cell.role == "test":
                test = self._test(
                    cell, default_timeout, max_timeout, nbgrader=not (cell.hb and "role" in cell.hb)
                )
                if test is not None:
                    tests.append(test)
                source = split_hidden(cell.source)[0]
            elif cell.role == "solution":
                source = stub_solutions(
                    cell.source, whole_if_unmarked=not (cell.hb and "role" in cell.hb)
                )
            grader_cells.append(
                GraderCell(cell.index, cell.role, cell.cell_type, source, cell.cell_id, cell.nb_id)
            )

        if not any(cell.role == "test" for cell in cells):
            self.problem(
                "the notebook has no test cells (role 'test', or nbgrader grade "
                "cells that are not solutions)"
            )
        if not any(cell.role == "solution" for cell in cells):
            self.problem(
                "the notebook has no solution cell for the candidate's code "
                "(role 'solution', or nbgrader solution cells)"
            )
        return GraderSpec(
            title=self._title(settings, cells),
            kernel=kernel,
            cells=tuple(grader_cells),
            tests=tuple(tests),
            default_timeout=default_timeout,
            source_format=source_format,
            digest=digest,
            max_timeout=max_timeout,
        )


def _sorted(problems: list[Problem]) -> list[Problem]:
    # Notebook-wide problems first, then in reading order; stable for equal positions.
    return sorted(problems, key=lambda p: (p.cell is not None, p.cell or 0, p.line or 0))


def load_grader(source: Path | bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> GraderSpec:
    """Read a grader notebook from a path, its bytes, or its JSON text.

    Raises GraderError listing every problem found, each with its cell and line."""
    data, name = _read_source(source, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    notebook = parse_notebook_json(data)
    problems = notebook_problems(notebook)
    if problems and notebook.get("nbformat") != 4:
        raise GraderError(problems)
    builder = _Builder(notebook, name)
    spec = builder.build(digest)
    problems += builder.problems
    if problems or spec is None:
        raise GraderError(_sorted(problems))
    log.debug("loaded grader %r: %d tests, %g points", spec.title, len(spec.tests), spec.max_points)
    return spec


def validate_grader(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """Every problem with the grader notebook at `path`; empty when it is usable."""
    try:
        load_grader(Path(path), max_bytes=max_bytes)
    except GraderError as exc:
        return exc.problems
    return []
