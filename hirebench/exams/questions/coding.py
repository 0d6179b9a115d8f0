"""`coding`: a Python task graded in the sandbox by a grader notebook under `graders/`.

The grader's bytes are copied into the spec (and the files it ships into GraderFile rows,
named by hash in the spec; its course's AUTOTEST templates as text), so a published exam
version keeps grading against the notebook, files and templates it was published with even
after they are edited. The question's `points` scale the grader's own test points."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from hirebench.authoring import join
from hirebench.exams import grader_files
from hirebench.exams.questions.base import (
    AuthorContext,
    AutoGrade,
    Prefill,
    Question,
    QuestionType,
    answer_text,
    is_answered,
)
from hirebench.exams.questions.parts import max_chars_option
from hirebench.grading.formats import (
    DEFAULT_MAX_BYTES,
    GraderError,
    GraderSpec,
    Problem,
    load_grader,
)
from hirebench.grading.formats.autotest import TEMPLATES_FILE
from hirebench.grading.formats.files import attach_files

DEFAULT_MAX_CHARS = 100_000
MAX_CHARS_CEILING = 1_000_000


@dataclass(frozen=True)
class CodingSpec:
    grader: str  # relative to graders/
    grader_source: str  # the notebook's exact text (UTF-8), as validated and hashed
    grader_digest: str  # SHA-256 of those bytes; GradingJob.grader_digest compares to it
    starter_code: str
    visible_tests: tuple[dict[str, Any], ...]  # id, points, description, source
    grader_max_points: float
    max_chars: int = DEFAULT_MAX_CHARS
    # The files the grader ships, by path, sha256 and size (exams/grader_files.py); their
    # bytes are in GraderFile rows, and grader_digest covers them.
    grader_files: tuple[dict[str, Any], ...] = ()
    # The text of the autotests.yml beside the grader that its AUTOTEST directives were read
    # with ("" for the built-in templates, or a grader without directives): re-read from its
    # bytes alone, the grader would otherwise fall back to the built-in ones.
    autotest_templates: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "grader": self.grader,
            "grader_source": self.grader_source,
            "grader_digest": self.grader_digest,
            "starter_code": self.starter_code,
            "visible_tests": list(self.visible_tests),
            "grader_max_points": self.grader_max_points,
            "max_chars": self.max_chars,
            "grader_files": [dict(ref) for ref in self.grader_files],
            "autotest_templates": self.autotest_templates,
        }


@functools.lru_cache(maxsize=32)
def _parse(source: str, autotest_templates: str) -> GraderSpec:
    return load_grader(source.encode("utf-8"), autotest_templates=autotest_templates)


class Coding(QuestionType[CodingSpec]):
    similarity_parts = (("", "code"),)
    name = "coding"
    label = _l("Coding")
    graded_in_sandbox = True
    spec_class = CodingSpec
    required_keys = ("grader",)
    optional_keys = ("max_chars",)

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> CodingSpec | None:
        checker = ctx.checker
        max_chars = max_chars_option(checker, block, path, DEFAULT_MAX_CHARS, MAX_CHARS_CEILING)
        if "grader" not in block:
            return None
        ref = block["grader"]
        where = join(path, "grader")
        data = ctx.read_grader(ref, where, max_bytes=DEFAULT_MAX_BYTES)
        if data is None:
            return None
        folder = ctx.grader_folder(str(ref))
        try:
            # The same check as `hirebench grader validate` (validate_grader), run on the
            # bytes already read, so the notebook validated is the one hashed and stored;
            # the files come from the notebook's folder, as they would for validate.
            grader = load_grader(data, files_from=folder)
        except GraderError as exc:
            for problem in exc.problems:
                checker.add(
                    where,
                    str(problem),
                    f"fix the notebook; `hirebench grader validate graders/{ref}` "
                    "checks it (docs/grader-notebook.md)",
                    file=f"graders/{ref}",
                )
            return None
        if grader.max_points <= 0:
            checker.add(
                where,
                "the grader's tests are worth 0 points in total, so no score can be scaled "
                "to the question's points",
                "give the grader's tests points",
                file=f"graders/{ref}",
            )
            return None
        if max_chars is None:
            return None
        ctx.add_grader_files(folder, grader.files)
        if grader.autotest_templates:
            # They decide the tests the directives become, so editing them is a new version.
            ctx.count_grader_file(folder, TEMPLATES_FILE, grader.autotest_templates.encode())
        visible = tuple(
            {
                "id": test.id,
                "points": test.points,
                "description": test.description,
                "source": test.visible_source,
            }
            for test in grader.tests_for("visible")
        )
        return CodingSpec(
            grader=str(ref),
            # load_grader accepted it, so it is UTF-8; a BOM survives as U+FEFF, so
            # encoding the text again gives back the exact bytes that were hashed.
            grader_source=data.decode("utf-8"),
            grader_digest=grader.digest,
            starter_code=grader.starter_code(),
            visible_tests=visible,
            grader_max_points=grader.max_points,
            max_chars=int(max_chars),
            grader_files=grader_files.file_refs(grader.files),
            autotest_templates=grader.autotest_templates,
        )

    def spec_from_json(self, data: Mapping[str, Any]) -> CodingSpec:
        return CodingSpec(
            grader=str(data["grader"]),
            grader_source=str(data["grader_source"]),
            grader_digest=str(data["grader_digest"]),
            starter_code=str(data["starter_code"]),
            visible_tests=tuple(dict(test) for test in data["visible_tests"]),
            grader_max_points=float(data["grader_max_points"]),
            max_chars=int(data["max_chars"]),
            # Versions stored before graders shipped files have no such key.
            grader_files=tuple(dict(ref) for ref in data.get("grader_files", ())),
            # Versions stored before the templates were kept have none: the built-in ones.
            autotest_templates=str(data.get("autotest_templates", "")),
        )

    def grader_spec(self, question: Question) -> GraderSpec:
        """The stored grader notebook, parsed (cached) with its stored AUTOTEST templates, with
        its files from the database, for the grading queue. Raises GraderError when the files
        are missing or damaged, or do not add up to the digest stored with the question."""
        spec = self.spec(question)
        parsed = _parse(spec.grader_source, spec.autotest_templates)
        if not spec.grader_files:
            return parsed
        # Fetched for every job, not cached: up to 20 MB each, and checked against its hash
        # every time.
        grader = attach_files(parsed, grader_files.fetch(spec.grader_files))
        if grader.digest != spec.grader_digest:
            raise GraderError([Problem("the grader's files do not match its stored digest")])
        return grader

    def sandbox_grade(self, question: Question, total: float, max_total: float) -> AutoGrade:
        """The question's score from a sandbox result: its points times the share of the
        grader's points earned."""
        spec = self.spec(question)
        share = max(0.0, min(1.0, total / spec.grader_max_points))
        return AutoGrade(
            question.points * share,
            question.points,
            {"grader_total": total, "grader_max": max_total, "grader": spec.grader},
        )

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            "starter_code": spec.starter_code,
            "visible_tests": [dict(test) for test in spec.visible_tests],
            "max_chars": spec.max_chars,
        }

    def validate_answer(self, question: Question, raw: Any) -> str | None:
        if raw is None:
            return None
        return answer_text(raw, self.spec(question).max_chars, "code")

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade | None:
        self.spec(question)
        return None  # the sandbox grades it, through the grading queue

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        # Nothing saved yet: the editor starts from the grader's starter code.
        text = value if isinstance(value, str) else str(view["starter_code"])
        return Prefill(answered=is_answered(value), text=text)

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            "grader": spec.grader,
            "grader_digest": spec.grader_digest,
            "starter_code": spec.starter_code,
            "answer": answer,
        }
