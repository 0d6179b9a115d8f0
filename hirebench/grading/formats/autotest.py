"""nbgrader's `### AUTOTEST` and `### HASHED AUTOTEST` directives, as load_grader reads them:
finding the directives in a test cell and reading the templates (autotests.yml) that will turn
them into asserts. Nothing here runs code; `hirebench.grading.autotests` runs the grader's
solution in the sandbox to compute the expected values. docs/grader-notebook.md, "nbgrader
AUTOTEST", describes the feature.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hirebench.grading.formats.parsing import parse_expression

DELIMITER = "AUTOTEST"
HASHED = "HASHED"
#: The file a course puts beside its notebooks to replace the built-in templates, as nbgrader
#: reads it from the assignment's folder.
TEMPLATES_FILE = "autotests.yml"
# A kernel with no section of its own in autotests.yml uses the first of these that exists:
# every Python kernel runs the same sandbox Python.
FALLBACK_KERNELS = ("python3", "python")
MAX_TEMPLATES_BYTES = 200_000


@dataclass(frozen=True)
class Autotest:
    """One directive line: `line` counts from 1 within the cell's source."""

    line: int
    snippets: tuple[str, ...]
    hashed: bool

    def __str__(self) -> str:
        kind = f"{HASHED} {DELIMITER}" if self.hashed else DELIMITER
        return f"line {self.line}: {kind} {'; '.join(self.snippets)}"


def directive_text(line: str) -> str | None:
    """What follows the delimiter when `line` is a directive, else None. Like nbgrader, a
    directive is any comment line holding the delimiter, whatever precedes it on the line."""
    stripped = line.strip()
    if not stripped.startswith("#") or DELIMITER not in line:
        return None
    return line[line.index(DELIMITER) + len(DELIMITER) :]


def find_autotests(source: str) -> tuple[Autotest, ...]:
    """Every directive in a cell's source, in order. Snippets are separated by `;`; empty
    ones are dropped."""
    found = []
    for number, line in enumerate(source.split("\n"), start=1):
        text = directive_text(line)
        if text is None:
            continue
        snippets = tuple(part.strip() for part in text.split(";") if part.strip())
        hashed = HASHED in line[: line.index(DELIMITER)]
        found.append(Autotest(number, snippets, hashed))
    return tuple(found)


def autotest_problems(directives: tuple[Autotest, ...]) -> Iterator[tuple[int, str]]:
    """(line, message) for directives that cannot become tests."""
    for directive in directives:
        if not directive.snippets:
            yield directive.line, f"{DELIMITER} directive names no expression to test"
        for snippet in directive.snippets:
            try:
                parse_expression(snippet)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                yield (
                    directive.line,
                    f"{DELIMITER} snippet {snippet!r} is not a Python expression",
                )


@dataclass(frozen=True)
class Check:
    """One template check: `test` is an expression template, `fail` its message template."""

    test: str
    fail: str


@dataclass(frozen=True)
class Templates:
    """One kernel's section of an autotests.yml."""

    dispatch: str
    normalize: str
    check: str
    checks: Mapping[str, tuple[Check, ...]]
    setup: str | None = None
    hash: str | None = None
    success: str | None = None

    def checks_for(self, type_key: str) -> tuple[Check, ...]:
        """The checks for a value whose dispatch text is `type_key`; `default` otherwise."""
        return self.checks.get(type_key, self.checks["default"])


class TemplatesError(ValueError):
    """autotests.yml cannot be used; the message says why."""


def builtin_templates_text() -> str:
    return resources.files("hirebench.grading").joinpath(TEMPLATES_FILE).read_text("utf-8")


def course_templates_text(folder: Path) -> str:
    """The text of the autotests.yml in a grader notebook's folder, or "" when there is none."""
    path = folder / TEMPLATES_FILE
    try:
        if path.stat().st_size > MAX_TEMPLATES_BYTES:
            raise TemplatesError(f"{TEMPLATES_FILE} is larger than {MAX_TEMPLATES_BYTES:,} bytes")
        return path.read_text("utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplatesError(f"cannot read {path}: {exc}") from exc


def parse_templates(text: str, kernel: str) -> Templates:
    """The section of an autotests.yml text for `kernel` (empty text: the built-in one)."""
    try:
        data = yaml.safe_load(text or builtin_templates_text())
    except yaml.YAMLError as exc:
        raise TemplatesError(f"{TEMPLATES_FILE} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplatesError(f"{TEMPLATES_FILE} must map kernel names to templates")
    name = next((k for k in (kernel, *FALLBACK_KERNELS) if k in data), None)
    if name is None:
        raise TemplatesError(
            f"{TEMPLATES_FILE} has no section for the kernel {kernel!r} "
            f"(nor {' or '.join(FALLBACK_KERNELS)})"
        )
    section = data[name]
    if not isinstance(section, dict):
        raise TemplatesError(f"{TEMPLATES_FILE}: {name} must be a mapping")
    fields = {key: _text(section, name, key, required) for key, required in _FIELDS.items()}
    checks = _checks(section.get("templates"), name)
    return Templates(checks=checks, **fields)  # type: ignore[arg-type]


_FIELDS = {
    "dispatch": True,
    "normalize": True,
    "check": True,
    "setup": False,
    "hash": False,
    "success": False,
}


def _text(section: dict[str, Any], name: str, key: str, required: bool) -> str | None:
    value = section.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TemplatesError(f"{TEMPLATES_FILE}: {name}.{key} must be a non-empty string")
    return value


def _checks(raw: Any, name: str) -> dict[str, tuple[Check, ...]]:
    if not isinstance(raw, dict) or "default" not in raw:
        raise TemplatesError(
            f"{TEMPLATES_FILE}: {name}.templates must map type names to checks and "
            f"include 'default'"
        )
    checks: dict[str, tuple[Check, ...]] = {}
    for type_key, entries in raw.items():
        where = f"{TEMPLATES_FILE}: {name}.templates.{type_key}"
        if not isinstance(entries, list) or not entries:
            raise TemplatesError(f"{where} must be a non-empty list of checks")
        parsed = []
        for entry in entries:
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("test"), str)
                and isinstance(entry.get("fail"), str)
            ):
                raise TemplatesError(f"{where}: each check needs a 'test' and a 'fail' string")
            parsed.append(Check(entry["test"], entry["fail"]))
        checks[str(type_key)] = tuple(parsed)
    return checks
