"""Checking authored YAML: the problem record, the error that carries every problem, and the
checker that collects problems under YAML key paths. Readers built on the checker return a
usable value or None, never raise, so the author sees every problem in one run.

Exams, rubrics, job profiles and the interview bank all use it; it knows none of them."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ID_RULE = "1-64 lowercase letters, digits or '-', starting with a letter or digit"
TEXT_MAX_CHARS = 50_000  # prompts and descriptions; a page is not a book

# ------------------------------------------------------------------------------ problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an authored file. `file` names the file (for an exam, relative to
    its folder, or a grader as `graders/<ref>`); `key_path` locates the YAML key, e.g.
    `sections[1].questions[3].options` (list indices count from 0)."""

    file: str
    key_path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        return f"{where}: {self.message} — fix: {self.fix}"


class AuthoringError(ValueError):
    """An authored file cannot be used. `problems` holds every problem found. Each format
    subclasses it with its own `what` (exam definition, rubric file, job profile, interview
    bank), so one `except AuthoringError` catches every authoring error."""

    what = "authored file"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        lines = [f"invalid {self.what} ({len(self.problems)} problems):"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(value: Any) -> str:
    """How a YAML value reads in a message: its repr, clipped, and its YAML type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:59] + "…"
    kinds = {bool: "true/false", int: "number", float: "number", str: "text"}
    kind = kinds.get(type(value), "list" if isinstance(value, list) else type(value).__name__)
    if isinstance(value, dict):
        kind = "mapping"
    return f"{text} ({kind})"


def is_number(value: Any) -> bool:
    """A finite int or float that fits a float. bool is an int subclass, and `points: yes` is
    a typo, not 1 point. JSON and YAML ints have no size limit; 10**400 is no usable number."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


@dataclass
class Checker:
    """Collects problems. Every reader returns a usable value or None, so checking goes on
    after a problem and the author sees every problem in one run."""

    file: str  # named in every problem
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, fix: str, *, file: str | None = None) -> None:
        self.problems.append(Problem(file or self.file, path, message, fix))

    # mappings --------------------------------------------------------------------------

    def mapping(self, value: Any, path: str, what: str) -> Mapping[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.add(
            path,
            f"{what} must be a mapping of keys to values, not {describe(value)}",
            "write it as `key: value` lines indented under it",
        )
        return None

    def keys(
        self,
        block: Mapping[Any, Any],
        path: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        """Missing required keys and unknown keys (typos would otherwise be ignored)."""
        required = list(required)
        allowed = [*required, *optional]
        for key in required:
            if key not in block:
                self.add(path, f"missing required key '{key}'", f"add `{key}:`")
        for key in block:
            if key in allowed:
                continue
            if not isinstance(key, str):
                self.add(
                    path,
                    f"key {describe(key)} is not text",
                    f"use one of the keys {', '.join(allowed)}",
                )
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
            fix = (
                f"did you mean '{close[0]}'?"
                if close
                else f"remove it; the keys allowed here are {', '.join(allowed)}"
            )
            self.add(join(path, key), f"unknown key '{key}'", fix)

    # scalars ---------------------------------------------------------------------------

    def text(
        self,
        block: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        default: str = "",
        max_chars: int = TEXT_MAX_CHARS,
    ) -> str | None:
        if key not in block:
            return None if required else default  # a missing required key is reported by keys()
        value = block[key]
        where = join(path, key)
        if not isinstance(value, str):
            self.add(
                where,
                f"'{key}' must be text, not {describe(value)}",
                f'put the text in quotes: {key}: "..."',
            )
            return None
        if required and not value.strip():
            self.add(where, f"'{key}' is empty", f"write the {key}")
            return None
        if len(value) > max_chars:
            self.add(
                where,
                f"'{key}' is {len(value):,} characters; the limit is {max_chars:,}",
                "shorten it",
            )
            return None
        return value

    def ident(
        self,
        block: Mapping[str, Any],
        key: str,
        path: str,
        *,
        pattern: re.Pattern[str] = ID_PATTERN,
        rule: str = ID_RULE,
    ) -> str | None:
        if key not in block:
            return None
        value = block[key]
        where = join(path, key)
        if not isinstance(value, str):
            self.add(
                where,
                f"'{key}' must be text, not {describe(value)}",
                f'quote it: {key}: "{value}"',
            )
            return None
        if not pattern.match(value):
            self.add(where, f"{key} {value!r} is not a valid id", f"use {rule}")
            return None
        return value

    def number(
        self,
        block: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        default: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
        integer: bool = False,
    ) -> float | None:
        """A finite number within bounds; `above` is an exclusive lower bound."""
        if key not in block:
            return None if required else default
        value = block[key]
        where = join(path, key)
        bounds = []
        if above is not None:
            bounds.append(f"above {above:g}")
        if minimum is not None:
            bounds.append(f"at least {minimum:g}")
        if maximum is not None:
            bounds.append(f"at most {maximum:g}")
        wanted = ("a whole number" if integer else "a number") + (
            f" {' and '.join(bounds)}" if bounds else ""
        )
        if not is_number(value) or (integer and not isinstance(value, int)):
            fix = f"write {wanted}"
            if isinstance(value, str) and _parses_as_float(value):
                # PyYAML follows YAML 1.1, which reads 1e-3 (no dot) as text, not a number.
                fix = f"write it without quotes and with a decimal point, e.g. {float(value)!r}"
            self.add(where, f"'{key}' must be {wanted}, not {describe(value)}", fix)
            return None
        if (
            (above is not None and not value > above)
            or (minimum is not None and value < minimum)
            or (maximum is not None and value > maximum)
        ):
            self.add(where, f"'{key}' is {value:g}; it must be {wanted}", f"write {wanted}")
            return None
        return float(value)

    def boolean(self, block: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        if key not in block:
            return default
        value = block[key]
        if not isinstance(value, bool):
            self.add(
                join(path, key),
                f"'{key}' must be true or false, not {describe(value)}",
                f"write `{key}: true` or `{key}: false`",
            )
            return default
        return value

    def choice(
        self,
        block: Mapping[str, Any],
        key: str,
        path: str,
        choices: Sequence[str],
        default: str | None = None,
    ) -> str | None:
        if key not in block:
            return default
        value = block[key]
        if value not in choices:
            self.add(
                join(path, key),
                f"'{key}' is {describe(value)}; it must be one of {', '.join(choices)}",
                f"write one of {', '.join(choices)}",
            )
            return None
        return str(value)

    def items(
        self,
        block: Mapping[str, Any],
        key: str,
        path: str,
        *,
        min_items: int = 1,
        max_items: tuple[int, str, str] | None = None,
    ) -> list[Any] | None:
        """The list under `key`. `max_items` is (limit, what the entries are, the fix), for
        lists whose length is capped."""
        if key not in block:
            return None
        value = block[key]
        where = join(path, key)
        if not isinstance(value, list):
            self.add(
                where,
                f"'{key}' must be a list, not {describe(value)}",
                "write one `- item` line per entry",
            )
            return None
        if len(value) < min_items:
            self.add(
                where,
                f"'{key}' has {len(value)} entries; it needs at least {min_items}",
                f"add {'entries' if min_items > 1 else 'an entry'}",
            )
            return None
        if max_items is not None and len(value) > max_items[0]:
            limit, what, fix = max_items
            self.add(where, f"{len(value)} {what}; at most {limit} are allowed", fix)
            return None
        return value

    def unique_ident(
        self,
        entry: Mapping[str, Any],
        key: str,
        path: str,
        seen: dict[str, str],
        what: str,
        fix: str,
    ) -> str | None:
        """The id under `key` (see ident), or None when it repeats one in `seen` (id -> the
        path where it was first read), which then records it. `what` names it in the
        problem ("competency id"), as `fix` says what to do."""
        value = self.ident(entry, key, path)
        if value is None:
            return None
        if value in seen:
            self.add(join(path, key), f"duplicate {what} '{value}' (also at {seen[value]})", fix)
            return None
        seen[value] = path
        return value

    def unique(self, values: Iterable[Any], path: str, what: str, fix: str) -> None:
        """A problem, reported at `path` (the list), for each repeated value; `what` names
        the value ("option id", "label")."""
        seen: set[Any] = set()
        for value in values:
            if value is None or not isinstance(value, str | int | float):
                continue  # reported where it was read
            if value in seen:
                self.add(path, f"duplicate {what} '{value}'", fix)
            seen.add(value)


def _parses_as_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
