"""Grader notebooks, in every format hirebench reads: the native hirebench format
(`native.py`) and nbgrader source notebooks (`nbgrader.py`), behind one interface
(`common.NotebookFormat`), as otter-grader keeps one class per test-file format.

`load_grader` reads a notebook into a `GraderSpec`, or raises `GraderError` listing every
problem it found, each with its cell and line, so an author fixes them all in one pass.
The formats are documented in docs/grader-notebook.md.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hirebench.grading.formats.autotest import (
    TemplatesError,
    autotest_problems,
    course_templates_text,
    find_autotests,
    parse_templates,
)
from hirebench.grading.formats.common import (
    CODE_STUB,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TIMEOUT,
    DEFAULT_TIMEOUT,
    FORMAT_VERSION,
    HIDDEN,
    ID_PATTERN,
    MODES,
    SOLUTION,
    SUPPORTED_KERNELS,
    TIMEOUT_CEILING,
    GraderCell,
    GraderError,
    GraderSpec,
    GraderTest,
    NotebookCell,
    NotebookFormat,
    Problem,
    cell_source,
    clip_message,
    find_syntax_error,
    has_code,
    is_number,
    marker_problems,
    notebook_problems,
    parse_notebook_json,
    read_source,
    split_hidden,
    stub_solutions,
    without_solution_markers,
)
from hirebench.grading.formats.files import attach_files, collect_files
from hirebench.grading.formats.libraries import library_problems, shipped_modules
from hirebench.grading.formats.native import NativeFormat
from hirebench.grading.formats.nbgrader import NbgraderFormat

__all__ = [
    "CODE_STUB",
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "MODES",
    "GraderCell",
    "GraderError",
    "GraderSpec",
    "GraderTest",
    "NotebookFormat",
    "Problem",
    "cell_source",
    "clip_message",
    "find_syntax_error",
    "load_grader",
    "notebook_problems",
    "parse_notebook_json",
    "split_hidden",
    "stub_solutions",
    "validate_grader",
]

log = logging.getLogger(__name__)

#: The formats, in the order in which they are asked whether they read a cell.
FORMATS: tuple[NotebookFormat, ...] = (NativeFormat(), NbgraderFormat())


def format_of(cell: NotebookCell) -> NotebookFormat | None:
    """The format whose metadata gives the cell its role, if any."""
    return next((fmt for fmt in FORMATS if fmt.defines(cell)), None)


@dataclass
class _Builder:
    notebook: dict[str, Any]
    name: str | None
    problems: list[Problem] = field(default_factory=list)
    explicit_default_timeout: bool = False

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
        if not is_number(max_timeout) or not 0 < max_timeout <= TIMEOUT_CEILING:
            self.problem(
                f"metadata.hirebench.max_timeout must be a number of seconds above 0 "
                f"and at most {TIMEOUT_CEILING:g}, not {max_timeout!r}"
            )
            max_timeout = DEFAULT_MAX_TIMEOUT
        self.explicit_default_timeout = "default_timeout" in settings
        default = settings.get("default_timeout", DEFAULT_TIMEOUT)
        if not is_number(default) or not 0 < default <= max_timeout:
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
        language = spec.get("language") if isinstance(spec, dict) else None
        # Courses name their own kernels (nbgrader's fixture says `python`, courses say
        # `rt_grader`); what matters is the language, since the sandbox always runs its own
        # Python 3 kernel whatever the notebook names.
        if isinstance(language, str):
            python = language.strip().lower() == "python"
        else:
            python = name in SUPPORTED_KERNELS
        if not isinstance(name, str) or not name or not python:
            self.problem(
                f"unknown kernel {name!r} (language {language!r}): graders must use a Python "
                f"kernel (metadata.kernelspec.language 'python', or name "
                f"{' or '.join(SUPPORTED_KERNELS)})"
            )
        return str(name)

    def _title(self, settings: dict[str, Any], cells: list[NotebookCell]) -> str:
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

    def _cells(self) -> list[NotebookCell]:
        raw = self.notebook.get("cells")
        cells: list[NotebookCell] = []
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
            parsed = NotebookCell(
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

    def _test(
        self, cell: NotebookCell, fmt: NotebookFormat, default_timeout: float, max_timeout: float
    ) -> GraderTest | None:
        hb = cell.hb or {}
        test_id = cell.cell_id
        ok = True
        if not test_id:
            if fmt.reports_missing_id(cell):
                self.problem(f"test cell has no id ({fmt.id_field})", cell.index)
            ok = False
        elif not ID_PATTERN.match(test_id):
            self.problem(
                f"test id {test_id!r} must be 1-64 letters, digits, '_', '.' or '-', "
                f"starting with a letter or digit",
                cell.index,
            )
            ok = False
        points = fmt.test_points(cell)
        if points is None:
            self.problem(
                f"test {test_id or '?'} has no points ({fmt.points_field})",
                cell.index,
            )
            ok = False
        elif not is_number(points) or points < 0:
            self.problem(
                f"test {test_id or '?'}: points must be a number of at least 0, not {points!r}",
                cell.index,
            )
            ok = False
        if fmt.default_timeout is not None and not self.explicit_default_timeout:
            default_timeout = min(fmt.default_timeout, max_timeout)
        timeout = hb.get("timeout", default_timeout)
        if not is_number(timeout) or not 0 < timeout <= max_timeout:
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
        # An AUTOTEST directive is a comment until instantiated, and then it is code.
        autotests = find_autotests(cell.source)
        if not (has_code(full) or autotests):
            self.problem(f"test {test_id or '?'} has no code", cell.index)
            ok = False
        if not ok:
            return None
        assert test_id is not None and isinstance(points, int | float)
        assert isinstance(timeout, int | float)
        if hidden_flag or not (has_code(visible) or find_autotests(visible)):
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
            autotests=autotests,
            cell_source=cell.source if autotests else "",
        )

    def _check_source(self, cell: NotebookCell) -> None:
        if cell.cell_type != "code":
            return
        allowed = {"solution": SOLUTION, "test": HIDDEN}.get(cell.role)
        for line, message in marker_problems(cell.source, allowed):
            self.problem(message, cell.index, line)
        autotests = find_autotests(cell.source)
        if autotests and cell.role != "test":
            # nbgrader refuses them too: only a test cell's asserts are graded.
            self.problem("AUTOTEST directives belong in test cells", cell.index, autotests[0].line)
        for line, message in autotest_problems(autotests if cell.role == "test" else ()):
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
        formats = {id(cell): format_of(cell) for cell in cells}
        present = [fmt for fmt in FORMATS if fmt in formats.values()]
        if not (has_settings or present):
            self.problem(
                "not a grader notebook: there is no metadata.hirebench and no cell "
                "has hirebench or nbgrader metadata"
            )
            return None
        # The first format in FORMATS that reads any cell names the notebook's format (so an
        # nbgrader notebook stays one when an author adds only notebook-level settings).
        source_format = present[0].name if present else FORMATS[0].name
        contexts = {fmt.name: fmt.prepare(cells) for fmt in present}
        for cell in cells:
            fmt = formats[id(cell)]
            if fmt is not None:
                fmt.assign_role(self, cell, contexts[fmt.name])

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
            solution = ""
            fmt = formats[id(cell)]
            if cell.role == "test" and fmt is not None:
                test = self._test(cell, fmt, default_timeout, max_timeout)
                if test is not None:
                    tests.append(test)
                source = split_hidden(cell.source)[0]
            elif cell.role == "solution" and fmt is not None:
                source = stub_solutions(cell.source, whole_if_unmarked=fmt.stub_whole_unmarked)
                solution = without_solution_markers(cell.source)
            grader_cells.append(
                GraderCell(
                    cell.index,
                    cell.role,
                    cell.cell_type,
                    source,
                    cell.cell_id,
                    cell.nb_id,
                    solution,
                )
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


def load_grader(
    source: Path | bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    files_from: Path | None = None,
    autotest_templates: str | None = None,
) -> GraderSpec:
    """Read a grader notebook from a path, its bytes, or its JSON text.

    A notebook read from a path ships the files of its folder (formats/files.py); one read
    from bytes ships those of `files_from`, the folder it was read from, or none.
    AUTOTEST templates come from the autotests.yml in that folder unless `autotest_templates`
    gives their text (a stored grader's `spec.autotest_templates`; "" for the built-in ones).
    Raises GraderError listing every problem found, each with its cell and line."""
    data, name = read_source(source, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    notebook = parse_notebook_json(data)
    problems = notebook_problems(notebook)
    if problems and notebook.get("nbformat") != 4:
        raise GraderError(problems)
    builder = _Builder(notebook, name)
    spec = builder.build(digest)
    problems += builder.problems
    if files_from is None and name is not None and not isinstance(source, bytes):
        files_from = Path(source).parent  # read_source gives a name to path sources only
    files, file_problems = collect_files(notebook, files_from)
    problems += file_problems
    if spec is not None and files_from is not None:
        # Where a grader is authored (validate, exam import) its folder, and so the helper
        # modules it ships, are known. A stored grader re-read from its bytes alone is not
        # refused at grading time over a library set that changed since.
        problems += library_problems(notebook, shipped_modules(path for path, _ in files))
    if spec is not None and spec.pending_autotests:
        spec, template_problems = _with_autotest_templates(spec, files_from, autotest_templates)
        problems += template_problems
    if problems or spec is None:
        raise GraderError(_sorted(problems))
    if files:
        spec = attach_files(spec, files)
    log.debug("loaded grader %r: %d tests, %g points", spec.title, len(spec.tests), spec.max_points)
    return spec


def _with_autotest_templates(
    spec: GraderSpec, folder: Path | None, given: str | None
) -> tuple[GraderSpec, list[Problem]]:
    """A grader with AUTOTEST directives takes its templates from the autotests.yml in its
    folder, as nbgrader takes the assignment's, else from hirebench's built-in defaults."""
    try:
        text = given if given is not None else ""
        if given is None and folder is not None:
            text = course_templates_text(folder)
        templates = parse_templates(text, spec.kernel)
    except TemplatesError as exc:
        return spec, [Problem(str(exc))]
    problems = [
        Problem("HASHED AUTOTEST needs a 'hash' template in autotests.yml", test.cell_index, line)
        for test in spec.tests
        for line in (d.line for d in test.autotests if d.hashed)
        if templates.hash is None
    ]
    return replace(spec, autotest_templates=text), problems


def validate_grader(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """Every problem with the grader notebook at `path`; empty when it is usable."""
    try:
        load_grader(Path(path), max_bytes=max_bytes)
    except GraderError as exc:
        return exc.problems
    return []
