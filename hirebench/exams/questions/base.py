"""The contract between exam definitions and question types.

definition.py reads the common keys of every question and hands the rest of the block to the
question type named by `type:`; the type checks it and builds its typed spec. Problems are
collected, never raised, so an author sees all of them in one run.

This module holds what both sides share: the problem record, the checker that collects
problems under YAML key paths, the author context that reads referenced files safely, the
question dataclass, and the base class of question types.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Generic, TypeVar, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ID_RULE = "1-64 lowercase letters, digits or '-', starting with a letter or digit"
OPTION_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
OPTION_ID_RULE = "1-32 letters, digits, '_' or '-', starting with a letter or digit"
ASSET_MAX_BYTES = 10_000_000
TEXT_MAX_CHARS = 50_000  # prompts and descriptions; an exam page is not a book


# ------------------------------------------------------------------------------ problems


@dataclass(frozen=True)
class ExamProblem:
    """One thing wrong with an exam folder. `file` is relative to the exam folder (or names
    a grader as `graders/<ref>`); `key_path` locates the YAML key, e.g.
    `sections[1].questions[3].options` (list indices count from 0)."""

    file: str
    key_path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        return f"{where}: {self.message} — fix: {self.fix}"


class ExamDefinitionError(ValueError):
    """The exam folder cannot be used. `problems` holds every problem found. Other authored
    files (rubrics, the interview bank) subclass it with their own `what`, so one `except`
    catches every authoring error."""

    what = "exam definition"

    def __init__(self, problems: Iterable[ExamProblem]) -> None:
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

    file: str = "exam.yaml"
    problems: list[ExamProblem] = field(default_factory=list)

    def add(self, path: str, message: str, fix: str, *, file: str | None = None) -> None:
        self.problems.append(ExamProblem(file or self.file, path, message, fix))

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


# --------------------------------------------------------------------------- file access


@dataclass
class AuthorContext:
    """Checks one exam folder: the problem checker plus safe reading of referenced files.

    `files` collects the bytes of every file read, keyed by a name that cannot collide
    between the exam folder and the graders root; the content hash is taken over them, and
    the spec keeps what it needs of them, so what is hashed, validated and stored is the same
    bytes, read once."""

    folder: Path
    graders_root: Path
    checker: Checker = field(default_factory=Checker)
    files: dict[str, bytes] = field(default_factory=dict)

    GRADER_PREFIX: ClassVar[str] = "graders/"

    def read_asset(self, ref: Any, path: str, *, suffixes: Sequence[str] = ()) -> bytes | None:
        """A file inside the exam folder, referenced at `path` in exam.yaml."""
        data = self._read(ref, path, self.folder, "the exam folder", suffixes, ASSET_MAX_BYTES)
        if data is not None:
            self.files[str(ref)] = data
        return data

    def read_grader(self, ref: Any, path: str, *, max_bytes: int) -> bytes | None:
        """A grader notebook under the graders root, referenced at `path` in exam.yaml."""
        data = self._read(ref, path, self.graders_root, "graders/", (".ipynb",), max_bytes)
        if data is not None:
            self.files[self.GRADER_PREFIX + str(ref)] = data
        return data

    def _read(
        self,
        ref: Any,
        path: str,
        base: Path,
        base_name: str,
        suffixes: Sequence[str],
        max_bytes: int,
    ) -> bytes | None:
        add = self.checker.add
        if not isinstance(ref, str) or not ref.strip():
            add(path, f"the file reference must be text, not {describe(ref)}", "write a path")
            return None
        if "\\" in ref:
            add(path, f"{ref!r} uses backslashes", "write the path with forward slashes")
            return None
        pure = PurePosixPath(ref)
        if pure.is_absolute() or ".." in pure.parts:
            # Rejected outright, even when it would land inside: an exam must be movable as
            # one folder, and a published version must not depend on files outside it.
            add(
                path,
                f"{ref!r} points outside {base_name}",
                f"give a path relative to {base_name}, without '..'",
            )
            return None
        if suffixes and pure.suffix.lower() not in suffixes:
            add(path, f"{ref!r} is not a {' or '.join(suffixes)} file", "point at the right file")
            return None
        try:
            root = base.resolve(strict=True)
        except OSError:
            add(path, f"{base_name} ({base}) does not exist", f"create {base_name}")
            return None
        target = base / pure
        try:
            # resolve() follows symlinks, so a link that leaves the folder is caught here.
            resolved = target.resolve(strict=True)
        except OSError:
            add(path, f"{ref!r} does not exist in {base_name}", "add the file or fix the path")
            return None
        if not resolved.is_relative_to(root):
            add(
                path,
                f"{ref!r} is a symbolic link to a file outside {base_name}",
                f"copy the file into {base_name} instead of linking to it",
            )
            return None
        if not resolved.is_file():
            add(path, f"{ref!r} is not a regular file", "point at a file, not a folder")
            return None
        try:
            size = resolved.stat().st_size
            if size > max_bytes:
                add(
                    path,
                    f"{ref!r} is {size:,} bytes; the limit is {max_bytes:,}",
                    "make the file smaller",
                )
                return None
            return resolved.read_bytes()
        except OSError as exc:
            add(path, f"cannot read {ref!r}: {exc.strerror or exc}", "check its permissions")
            return None


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 over every file, in name order; each name and length is hashed before its
    bytes so that moving bytes from one file to the next changes the hash."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# ------------------------------------------------------------------------------ questions


@dataclass(frozen=True)
class Question:
    """One question. Common keys are typed here; `spec` is the question type's own."""

    id: str
    type: str
    points: float
    prompt: str
    # The type's own frozen dataclass (with to_json); each type checks it with isinstance.
    spec: Any
    competency: str = ""
    explanation: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "points": self.points,
            "prompt": self.prompt,
            "competency": self.competency,
            "explanation": self.explanation,
            "spec": self.spec.to_json(),
        }


@dataclass(frozen=True)
class AutoGrade:
    points: float
    max_points: float
    detail: dict[str, Any] = field(default_factory=dict)


class AnswerError(ValueError):
    """An answer payload the question cannot accept. The message is safe to show the
    candidate: it names what is wrong, never the correct answer."""


SpecT = TypeVar("SpecT")


class QuestionType(Generic[SpecT]):
    """A question type: CTFd's challenge-type idea with explicit registration.

    Subclasses set `name`, `spec_class`, `required_keys` and `optional_keys` (beside the
    common keys every question has), and implement the hooks. Answers are JSON values;
    `None` is always accepted and means "not answered"."""

    name: ClassVar[str]
    spec_class: ClassVar[type]
    required_keys: ClassVar[tuple[str, ...]] = ()
    optional_keys: ClassVar[tuple[str, ...]] = ()

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> SpecT | None:
        """Check the type's keys of a question block (unknown keys are already reported)
        and build its spec, or return None after reporting problems on `ctx.checker`.
        `points` is the question's points when they were valid."""
        raise NotImplementedError

    def spec_from_json(self, data: Mapping[str, Any]) -> SpecT:
        """Rebuild the spec from `to_json()` output (a stored exam version)."""
        raise NotImplementedError

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        """What the candidate sees. Never the correct answer, scores, gold data or rubric."""
        raise NotImplementedError

    def validate_answer(self, question: Question, raw: Any) -> Any:
        """The cleaned answer, or AnswerError with a message for the candidate."""
        raise NotImplementedError

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade | None:
        """The score, or None when this type is graded elsewhere (sandbox, reviewers)."""
        raise NotImplementedError

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        """The question and answer as a reviewer sees them, with the answer key."""
        raise NotImplementedError

    # helpers -------------------------------------------------------------------------

    def spec(self, question: Question) -> SpecT:
        if question.type != self.name or not isinstance(question.spec, self.spec_class):
            # A programming error (a question handed to the wrong type), not bad input.
            raise TypeError(f"question {question.id!r} is not a {self.name} question")
        return cast(SpecT, question.spec)

    @staticmethod
    def base_view(question: Question) -> dict[str, Any]:
        return {
            "id": question.id,
            "type": question.type,
            "points": question.points,
            "prompt": question.prompt,
        }


def seeded_shuffle(items: Sequence[Any], seed: str | int, question_id: str) -> list[Any]:
    """The same order for the same candidate seed and question, a different one elsewhere.
    A str seed is hashed with SHA-512 by random, so the order is stable across processes
    (unlike hash(), which PYTHONHASHSEED randomises)."""
    shuffled = list(items)
    random.Random(f"{seed}:{question_id}").shuffle(shuffled)  # noqa: S311 - not a secret
    return shuffled


# The names answer_text() gives the text it checks, in the candidate's language. Lazy: they
# are made at import, before any request has a language.
_TEXT_NAMES = {"answer": _l("answer"), "code": _l("code"), "rationale": _l("rationale")}


def answer_text(raw: Any, max_chars: int, what: str = "answer") -> str:
    """A text answer with newlines normalised (browsers send CRLF), within max_chars."""
    name = str(_TEXT_NAMES[what]) if what in _TEXT_NAMES else what
    if not isinstance(raw, str):
        raise AnswerError(_("The %(what)s must be text.", what=name))
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text:
        raise AnswerError(_("The %(what)s contains a NUL character.", what=name))
    if len(text) > max_chars:
        raise AnswerError(
            _(
                "The %(what)s is %(length)s characters; the limit is %(limit)s.",
                what=name,
                length=f"{len(text):,}",
                limit=f"{max_chars:,}",
            )
        )
    return text
