"""The contract between exam definitions and question types.

definition.py reads the common keys of every question and hands the rest of the block to the
question type named by `type:`; the type checks it and builds its typed spec. Problems are
collected (hirebench.authoring's Checker), never raised, so an author sees all of them in one
run.

This module holds what both sides share: the author context that reads an exam folder's
referenced files safely, the question dataclass, and the base class of question types with
the hooks the rest of the platform calls instead of branching on type names.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from hirebench.authoring import Checker, Criterion, describe
from hirebench.grading.formats import GraderSpec
from hirebench.grading.formats.files import GraderFiles

OPTION_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
OPTION_ID_RULE = "1-32 letters, digits, '_' or '-', starting with a letter or digit"
ASSET_MAX_BYTES = 10_000_000
EXAM_FILE = "exam.yaml"


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
    checker: Checker = field(default_factory=lambda: Checker(file=EXAM_FILE))
    files: dict[str, bytes] = field(default_factory=dict)
    # Files that graders ship, by SHA-256: the loader stores them (exams/grader_files.py).
    blobs: dict[str, bytes] = field(default_factory=dict)

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

    def grader_folder(self, ref: str) -> Path:
        """The real folder of a grader notebook that read_grader accepted, whose files the
        grader ships (resolved, so it is inside the graders root as the notebook is)."""
        return (self.graders_root / ref).resolve().parent

    def add_grader_files(self, folder: Path, files: GraderFiles) -> None:
        """Count a grader's files in the content hash, under their place in graders/, and
        keep their bytes for the loader."""
        prefix = self._grader_prefix(folder)
        for path, data in files:
            self.files[prefix + path] = data
            self.blobs[hashlib.sha256(data).hexdigest()] = data

    def count_grader_file(self, folder: Path, name: str, data: bytes) -> None:
        """Count a file the grader is read with but does not ship (its course's
        autotests.yml) in the content hash, under its place in graders/."""
        self.files[self._grader_prefix(folder) + name] = data

    def _grader_prefix(self, folder: Path) -> str:
        where = folder.relative_to(self.graders_root.resolve()).as_posix()
        return self.GRADER_PREFIX + ("" if where == "." else where + "/")

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


def is_answered(value: Any) -> bool:
    """Whether a stored answer value holds anything (an empty text or list is no answer)."""
    return value not in (None, "", [], {})


def number_text(value: Any) -> str:
    """A number as a person writes it (2, not 2.0); None as an empty cell."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


@dataclass(frozen=True)
class Prefill:
    """What the exam page puts in a question's inputs: the candidate's saved answer, or the
    type's starting point (starter code) when there is none."""

    answered: bool
    chosen: frozenset[str] = frozenset()  # choice types: the option ids ticked
    text: str = ""  # the text box: code, number, short answer or rule table JSON
    rationale: str = ""  # a second text box (annotation rules)
    example_rules: str = ""  # annotation rules: the documented placeholder
    sample_rows: tuple[tuple[str, ...], ...] = ()  # a sample table, as text cells


ReviewPartKind = Literal["answer", "rationale"]


@dataclass(frozen=True)
class ReviewPart:
    """The part of an answer that reviewers grade against a rubric. An `answer` part's review
    score is the question's score; a `rationale` part gets its own rubric score beside the
    auto-graded one. Empty `text` means there is nothing for a reviewer to read."""

    kind: ReviewPartKind
    rubric: tuple[Criterion, ...]
    text: str


SpecT = TypeVar("SpecT")


class QuestionType(Generic[SpecT]):
    """A question type: CTFd's challenge-type idea with explicit registration.

    Subclasses set `name`, `spec_class`, `required_keys` and `optional_keys` (beside the
    common keys every question has), and implement the hooks. Answers are JSON values;
    `None` is always accepted and means "not answered"."""

    name: ClassVar[str]
    # The type's name as candidates and HR read it; lazy, as it is made at import.
    label: ClassVar[LazyString]
    spec_class: ClassVar[type]
    required_keys: ClassVar[tuple[str, ...]] = ()
    optional_keys: ClassVar[tuple[str, ...]] = ()
    # True when a grader notebook scores the answer in the sandbox (the grading queue), and
    # the candidate may run its visible tests: then grader_spec and sandbox_grade apply.
    graded_in_sandbox: ClassVar[bool] = False
    # The job-profile stage (jobs.profile.Stage value) whose score the question counts in.
    scorecard_stage: ClassVar[str] = "written_test"
    # The parts of an answer that similarity checks compare (hirebench.integrity), as
    # (part, kind): part "" is the whole answer, kind "code" or "text". Items with one right
    # answer (choices, numbers) are alike by design and never compared.
    similarity_parts: ClassVar[tuple[tuple[str, str], ...]] = ()

    def correct_options(self, question: Question) -> frozenset[str] | None:
        """The option ids that are right, for item analysis of a choice question whose answer
        is one option id; None for any other kind of question."""
        return None

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

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        """What the exam page shows for the stored answer `value`; `view` is this type's
        candidate_view of the question."""
        return Prefill(answered=is_answered(value))

    def review_part(self, question: Question, value: Any) -> ReviewPart | None:
        """The part of the stored answer `value` that reviewers grade, or None when no
        reviewer sees this type."""
        return None

    def grader_spec(self, question: Question) -> GraderSpec:
        """The grader notebook that scores the answer (graded_in_sandbox types only)."""
        raise TypeError(f"{self.name} questions are not graded in the sandbox")

    def sandbox_grade(self, question: Question, total: float, max_total: float) -> AutoGrade:
        """The question's score from a sandbox result (graded_in_sandbox types only)."""
        raise TypeError(f"{self.name} questions are not graded in the sandbox")

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
