"""nbgrader's `### AUTOTEST` / `### HASHED AUTOTEST` directives turned into tests, as
`nbgrader generate_assignment` does it: the grader's own solution runs in the sandbox, every
directive snippet is evaluated there once the cells above it have run, and each directive line
becomes asserts with the solution's values written in (hashed for HASHED AUTOTEST).

    load_grader (directives recorded on GraderTest.autotests, no sandbox)
      -> instantiate(spec, run): one sandbox run of the grader with its solutions in
      -> a spec whose tests hold the generated asserts; cached by the grader's digest

The templates are nbgrader's autotests.yml schema (formats/autotest.py reads them). Values are
computed on the judge's side with the same code that will later check candidates, so the
grader's own solution always passes what is generated here. docs/grader-notebook.md, "nbgrader
AUTOTEST", describes the feature and where hirebench differs from nbgrader.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from hirebench.grading.formats import GraderError, GraderSpec, GraderTest, Problem, split_hidden
from hirebench.grading.formats.autotest import (
    Check,
    Templates,
    TemplatesError,
    parse_templates,
)
from hirebench.grading.formats.parsing import parse_expression
from hirebench.grading.submission import PlannedCell, Step, plan_steps

log = logging.getLogger(__name__)

#: Runs judge steps in a fresh sandbox and returns the checked report; the pipeline passes
#: `lambda steps: run_steps(steps, sandboxes, limits, job_files(spec))`.
StepRunner = Callable[[Sequence[Step]], dict[str, Any]]

# Part of the cache key: bump it when the generated code changes.
GENERATOR_VERSION = 3
CACHE_SETTING = "AUTOTEST_CACHE_DIR"
# The dispatch is rendered on this parameter and evaluated as a one-argument function.
DISPATCH_PARAMETER = "__hb_autotest_snippet"
CACHE_FOLDER = "autotests"

# Host-side rendering of templates a grader author wrote: sandboxed, so a template cannot
# reach Python internals on the worker.
_JINJA = SandboxedEnvironment()

# Evaluated on the judge's side before a cell's directives. The dispatch runs as nbgrader runs
# it, in the candidate's namespace on the snippet's value, and its key is the text IPython
# displays for the result (nbgrader reads the kernel's text/plain, quotes stripped). A value
# left in the kernel (a reference here, hbremote.Ref) is dispatched by the kernel itself: the
# judge's `type(ref)` or `ref.__class__` would name the reference, not the candidate's object.
# A value that came back as data is an exact copy, so the dispatch gives the same result here,
# where names resolve as in nbgrader's single namespace; a result left in the kernel is
# displayed by the kernel's own formatter. IPython displays nothing for None, so nbgrader then
# finds no type and uses `default`.
_PRELUDE = """__capture__ = []
def __hb_autotest_key(value):
    if isinstance(value, type):
        if [k for k in type(value).__mro__ if "__repr__" in vars(k)][:1] == [type]:
            module = getattr(value, "__module__", None)
            name = getattr(value, "__qualname__", None)
            name = name if isinstance(name, str) else value.__name__
            if module in (None, "builtins", "__builtin__", "exceptions"):
                return name
            return module + "." + name
    return repr(value).strip('"').strip("'")
def __hb_autotest_in_kernel(value):
    return type(value).__module__ == "hbremote" and type(value).__name__ == "Ref"
def __hb_autotest_dispatch(kernel_source, here, value):
    if __hb_autotest_in_kernel(value):
        result = get_ipython().ev(kernel_source)(value)
    else:
        result = here(value)
    if result is None:
        return "default"
    if not __hb_autotest_in_kernel(result):
        return __hb_autotest_key(result)
    text = get_ipython().display_formatter.formatters["text/plain"](result)
    if type(text) is not str:
        raise TypeError("the kernel could not display the AUTOTEST dispatch value")
    return text.strip('"').strip("'")
def __hb_autotest_value(value):
    return ["str", value] if type(value) is str else ["repr", repr(value)]"""


@dataclass(frozen=True)
class _Snippet:
    test: GraderTest
    line: int  # the directive's line in the cell
    text: str
    salt: str | None  # set for HASHED AUTOTEST


_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _render(template: str, **values: Any) -> str:
    """Jinja's rendering of the template. Templates made only of plain `{{name}}` holes (all
    of the defaults) are filled in directly: a grader has hundreds of them to render, and
    compiling each with Jinja costs a millisecond or two."""
    simple = "{%" not in template and "{#" not in template
    if simple and template.count("{{") == len(_PLACEHOLDER.findall(template)):
        template = template[:-1] if template.endswith("\n") else template  # as Jinja drops it
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)
    return _compiled(template).render(**values)


@functools.lru_cache(maxsize=512)
def _compiled(template: str) -> Template:
    return _JINJA.from_string(template)


def _snippets(test: GraderTest) -> list[_Snippet]:
    """The cell's snippets in order. A hashed snippet's salt is fixed by the cell (its
    position and source) and counts up per snippet, so regenerating gives the same code."""
    digest = hashlib.sha256(f"{test.cell_index}\n{test.cell_source}".encode()).hexdigest()
    counter = int(digest[:5], 16)
    found = []
    for directive in test.autotests:
        for text in directive.snippets:
            salt = None
            if directive.hashed:
                counter += 1
                salt = format(counter, "x")
            found.append(_Snippet(test, directive.line, text, salt))
    return found


def _expressions(templates: Templates, checks: Sequence[Check], snippet: _Snippet) -> list[str]:
    """Each check's expression for the snippet: normalized, then hashed when asked."""
    expressions = []
    for check in checks:
        code = _render(templates.normalize, snippet=check.test)
        if snippet.salt is not None:
            assert templates.hash is not None  # load_grader refuses hashing without it
            code = _render(templates.hash, snippet=code, salt=snippet.salt)
        expressions.append(_render(code, snippet=snippet.text))
    return expressions


def _expand(
    test: GraderTest, templates: Templates, emit: Callable[[_Snippet], str]
) -> Iterator[tuple[str, int, _Snippet | None]]:
    """The cell rewritten: (block of code, the cell line it stands for, its snippet). Each
    directive line gives way to the setup code (before the cell's first directive) and one
    block per snippet; the success code ends the cell."""
    snippets = iter(_snippets(test))
    at_line = {directive.line: directive for directive in test.autotests}
    setup_pending = templates.setup is not None
    for number, line in enumerate(test.cell_source.split("\n"), start=1):
        directive = at_line.get(number)
        if directive is None:
            yield line, number, None
            continue
        if setup_pending and templates.setup is not None:
            yield templates.setup, number, None
            setup_pending = False
        for _ in directive.snippets:
            snippet = next(snippets)
            yield emit(snippet), number, snippet
    if templates.success is not None:
        yield templates.success, 0, None


# -------------------------------------------------------------------------------- capture


@dataclass
class _CaptureProgram:
    source: str
    # Program line (from 1) -> (cell line, snippet), to say where a failure happened.
    origin: dict[int, tuple[int, _Snippet | None]]


def dispatch_function(templates: Templates) -> str:
    """The dispatch template as a lambda of the snippet's value. The value is evaluated once
    and passed in, so a snippet may use names only the judge holds (a test's own helpers) and
    still be dispatched in the kernel when its value lives there."""
    dispatch = _render(templates.dispatch, snippet=DISPATCH_PARAMETER).strip()
    try:
        parse_expression(dispatch)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise GraderError(
            [
                Problem(
                    f"autotests.yml: the dispatch {templates.dispatch.strip()!r} is not a "
                    "Python expression"
                )
            ]
        ) from exc
    return f"lambda {DISPATCH_PARAMETER}: ({dispatch}\n)"


def _capture_block(templates: Templates, snippet: _Snippet) -> str:
    """Code that evaluates a snippet's dispatch value and then the checks for its type, and
    appends [type key, values] to __capture__ (None while it runs)."""
    dispatch = dispatch_function(templates)
    kind = f"__hb_autotest_dispatch({dispatch!r}, {dispatch}, ({snippet.text}))"
    lines = ["__capture__.append(None)", f"__hb_autotest_kind = {kind}"]
    keys = [key for key in templates.checks if key != "default"]
    for number, key in enumerate([*keys, "default"]):
        expressions = _expressions(templates, templates.checks[key], snippet)
        values = ", ".join(f"__hb_autotest_value(({code}))" for code in expressions)
        if key == "default":
            lines.append("else:" if keys else "if True:")
        else:
            lines.append(f"{'if' if number == 0 else 'elif'} __hb_autotest_kind == {key!r}:")
        lines.append(f"    __capture__[-1] = [__hb_autotest_kind, [{values}]]")
    return "\n".join(lines)


def capture_program(test: GraderTest, templates: Templates) -> _CaptureProgram:
    """The test cell as run while instantiating: its own code in place, each directive
    replaced by code that records the solution's values for it."""
    blocks: list[tuple[str, int, _Snippet | None]] = [(_PRELUDE, 0, None)]
    blocks += list(_expand(test, templates, lambda snippet: _capture_block(templates, snippet)))
    origin: dict[int, tuple[int, _Snippet | None]] = {}
    for block, line, snippet in blocks:
        for _ in block.split("\n"):
            origin[len(origin) + 1] = (line, snippet)
    return _CaptureProgram("\n".join(block for block, _, _ in blocks), origin)


def _checked_capture(captured: Any, snippets: list[_Snippet], templates: Templates) -> list[Any]:
    """The captured [type key, values] per snippet, or ValueError if the shape is wrong."""
    if not isinstance(captured, list) or len(captured) != len(snippets):
        raise ValueError("the sandbox did not return a value for every snippet")
    for entry in captured:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            raise ValueError("a captured value has the wrong shape")
        key, values = entry
        checks = templates.checks_for(key)
        if not isinstance(values, list) or len(values) != len(checks):
            raise ValueError(f"the checks for {key!r} did not all return a value")
        for value in values:
            if not (
                isinstance(value, list)
                and len(value) == 2
                and value[0] in ("str", "repr")
                and isinstance(value[1], str)
            ):
                raise ValueError("a captured value has the wrong shape")
    return captured


# ------------------------------------------------------------------------------ generation


_QUOTED_VALUE = re.compile(r"""(["'])\{\{-?\s*value\s*-?\}\}""")


def value_quote(check_template: str) -> str | None:
    """The quote character the check template puts just before {{value}}, if any."""
    match = _QUOTED_VALUE.search(check_template)
    return match.group(1) if match else None


def value_text(kind: str, value: str, quote: str | None) -> str:
    """The value as it goes between the template's quotes. nbgrader writes the kernel's repr
    with the quotes stripped. A string here keeps repr's escapes and has the template's quote
    character escaped too (both when the template's quoting is unknown), so the literal reads
    back as exactly the value; nbgrader's stripping loses quote characters at a string's ends
    and leaves a quote at the end that closes the literal early."""
    if kind == "repr":
        return value.strip('"').strip("'")
    text = repr(value)
    delimiter, body = text[0], text[1:-1]
    # repr escaped only its own delimiter; every other quote character is still bare.
    for char in ('"', "'") if quote is None else (quote,):
        if char != delimiter:
            body = body.replace(char, "\\" + char)
    return body


def generated_source(test: GraderTest, templates: Templates, captured: list[Any]) -> str:
    """The test cell with every directive replaced by asserts on the captured values (hidden
    markers kept, so the visible part is split off as for any test)."""
    results = iter(captured)
    quote = value_quote(templates.check)

    def checks(snippet: _Snippet) -> str:
        key, values = next(results)
        chosen = templates.checks_for(key)
        lines = []
        for check, code, (kind, value) in zip(
            chosen, _expressions(templates, chosen, snippet), values, strict=True
        ):
            message = _render(check.fail, snippet=snippet.text).replace('"', '\\"')
            text = value_text(kind, value, quote)
            lines.append(_render(templates.check, snippet=code, value=text, message=message))
        return "\n".join([*lines, ""])

    return "\n".join(block for block, _, _ in _expand(test, templates, checks))


# --------------------------------------------------------------------------- instantiation


def instantiate(spec: GraderSpec, run: StepRunner) -> GraderSpec:
    """The spec with every AUTOTEST directive replaced by generated asserts. A spec without
    pending directives comes back as it is, so calling this again costs nothing; a grader is
    run in the sandbox once per process and cache folder (see cache_folder).

    Raises GraderError when the grader's own solution fails while the values are computed
    (each problem names the cell, and the directive's line when a snippet failed); sandbox
    failures (SandboxError, ReportError) pass through unchanged and are not cached."""
    if not spec.pending_autotests:
        return spec
    key = cache_key(spec)
    with _lock_for(key):
        sources = _MEMORY.get(key) or _read_cache(key)
        if sources is None:
            sources = _generate(spec, run)
            _write_cache(key, sources)
        _MEMORY[key] = sources
    return apply_sources(spec, sources)


def _templates(spec: GraderSpec) -> Templates:
    try:
        return parse_templates(spec.autotest_templates, spec.kernel)
    except TemplatesError as exc:  # load_grader reported it; a hand-built spec may not have
        raise GraderError([Problem(str(exc))]) from exc


def instantiation_steps(
    spec: GraderSpec, templates: Templates
) -> tuple[list[Step], dict[str, _CaptureProgram]]:
    """Every code cell of the grader in order, solutions in, as nbgrader's generate_assignment
    runs them; tests with directives run their capture program (by test id)."""
    programs = {test.id: capture_program(test, templates) for test in spec.tests if test.autotests}
    tests = {test.cell_index: test for test in spec.tests}
    sequence: list[PlannedCell | GraderTest] = []
    for cell in spec.cells:
        if cell.cell_type != "code":
            continue
        label = f"{cell.role} (cell {cell.index})"
        if cell.role == "test" and cell.index in tests:
            test = tests[cell.index]
            if test.id in programs:
                # Dispatch and every check run the snippet again: allow for it.
                timeout = min(spec.max_timeout, 2 * test.timeout)
                test = replace(test, source=programs[test.id].source, timeout=timeout)
            sequence.append(test)
        elif cell.role == "solution":
            sequence.append(PlannedCell(cell.solution or cell.source, "candidate", label))
        elif cell.role in ("setup", "context"):
            sequence.append(PlannedCell(cell.source, "grader", label, cell.index))
    steps = [
        replace(step, capture=True) if step.kind == "test" and step.test_id in programs else step
        for step in plan_steps(spec, sequence)
    ]
    return steps, programs


def _generate(spec: GraderSpec, run: StepRunner) -> dict[int, str]:
    templates = _templates(spec)
    steps, programs = instantiation_steps(spec, templates)
    log.info("instantiating AUTOTEST directives of %r (%d tests)", spec.title, len(programs))
    report = run(steps)
    problems = _cell_problems(report)
    if report.get("setup_error"):
        raise GraderError(problems)  # every test failed with the same error; no more to say
    sources: dict[int, str] = {}
    for test in spec.tests:
        if test.id not in programs:
            continue
        entry = next(entry for entry in report["tests"] if entry["id"] == test.id)
        if entry["status"] != "passed":
            problems.append(_test_problem(test, entry, programs[test.id]))
            continue
        try:
            captured = _checked_capture(entry.get("captured"), _snippets(test), templates)
        except ValueError as exc:
            problems.append(Problem(f"test {test.id}: AUTOTEST: {exc}", test.cell_index))
            continue
        sources[test.cell_index] = generated_source(test, templates, captured)
    if problems:
        raise GraderError(problems)
    return sources


_CELL_LABEL = re.compile(r"\(cell (\d+)\)$")


def _cell_problems(report: dict[str, Any]) -> list[Problem]:
    """Grader cells that failed while the solution ran: nbgrader stops generating then too."""
    problems = []
    for entry in report["cells"]:
        if entry["status"] == "ok":
            continue
        match = _CELL_LABEL.search(str(entry["label"]))
        problems.append(
            Problem(
                f"{entry['label'].split(' (')[0]} cell failed while the grader's solution ran "
                f"to instantiate AUTOTEST directives: {entry.get('error') or entry['status']}",
                int(match.group(1)) if match else None,
            )
        )
    if report.get("setup_error"):
        # A setup cell that failed on the judge's side: every test then errors with it.
        setup_error = report["setup_error"]
        problems.append(Problem(f"while instantiating AUTOTEST directives: {setup_error}"))
    return problems


def _test_problem(test: GraderTest, entry: dict[str, Any], program: _CaptureProgram) -> Problem:
    """Where a capture program failed: the snippet (and its directive's line) when the
    traceback points into one, else the test's own code."""
    message = str(entry.get("message") or entry["status"])
    where = rf'File "<test {re.escape(test.id)}>", line (\d+)'
    lines = re.findall(where, str(entry.get("traceback", "")))
    line, snippet = program.origin.get(int(lines[-1]), (0, None)) if lines else (0, None)
    if snippet is not None:
        text = f"AUTOTEST {snippet.text!r} failed with the grader's own solution: {message}"
    else:
        text = f"failed with the grader's own solution while instantiating AUTOTEST: {message}"
    return Problem(f"test {test.id}: {text}", test.cell_index, line or None)


def apply_sources(spec: GraderSpec, sources: dict[int, str]) -> GraderSpec:
    """The spec with each test cell's generated source in place of its directives."""
    tests = []
    for test in spec.tests:
        raw = sources.get(test.cell_index)
        if raw is None or not test.autotests:
            tests.append(test)
            continue
        full, visible = split_hidden(raw)
        # A wholly hidden test stays hidden; otherwise the visible part now holds asserts.
        visible = visible if test.visible_source else ""
        tests.append(
            replace(test, source=full, visible_source=visible, autotests=(), cell_source=raw)
        )
    cells = tuple(
        replace(cell, source=split_hidden(sources[cell.index])[0])
        if cell.role == "test" and cell.index in sources
        else cell
        for cell in spec.cells
    )
    return replace(spec, tests=tuple(tests), cells=cells)


# ----------------------------------------------------------------------------------- cache

_MEMORY: dict[str, dict[int, str]] = {}
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(key: str) -> threading.Lock:
    # One run per grader at a time: threads grading the same new grader wait for the first.
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def cache_key(spec: GraderSpec) -> str:
    """The grader's bytes (its digest), the templates it uses and the generator's version."""
    text = f"{GENERATOR_VERSION}\n{spec.digest}\n{spec.kernel}\n{spec.autotest_templates}"
    return hashlib.sha256(text.encode()).hexdigest()


def cache_folder() -> Path | None:
    """Where instantiated tests are kept across processes: the AUTOTEST_CACHE_DIR setting, or
    `autotests/` in the Flask instance folder; None outside an app (memory only)."""
    if not has_app_context():
        return None
    configured = current_app.config.get(CACHE_SETTING)
    return Path(configured) if configured else Path(current_app.instance_path) / CACHE_FOLDER


def clear_memory_cache() -> None:
    _MEMORY.clear()


def _read_cache(key: str) -> dict[int, str] | None:
    folder = cache_folder()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable AUTOTEST cache entry %s: %s", key, exc)
        return None
    sources = data.get("sources") if isinstance(data, dict) else None
    if data.get("key") != key or not isinstance(sources, dict):
        return None
    if not all(k.isdigit() and isinstance(v, str) for k, v in sources.items()):
        return None
    return {int(k): v for k, v in sources.items()}


def _write_cache(key: str, sources: dict[int, str]) -> None:
    folder = cache_folder()
    if folder is None:
        return
    payload = {"key": key, "version": GENERATOR_VERSION, "sources": sources}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Written whole and renamed into place, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False)
        os.replace(tmp, folder / f"{key}.json")
    except OSError as exc:
        log.warning("could not write the AUTOTEST cache entry %s: %s", key, exc)
