"""`short_answer`: free text, graded by reviewers against an anchored rubric."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from hirebench.authoring import Criterion, parse_rubric, rubric_from_json, rubric_to_json
from hirebench.exams.questions.base import (
    AuthorContext,
    AutoGrade,
    Prefill,
    Question,
    QuestionType,
    ReviewPart,
    answer_text,
    is_answered,
)
from hirebench.exams.questions.parts import max_chars_option

DEFAULT_MAX_CHARS = 4_000
MAX_CHARS_CEILING = 50_000


@dataclass(frozen=True)
class ShortAnswerSpec:
    rubric: tuple[Criterion, ...]
    max_chars: int = DEFAULT_MAX_CHARS

    def to_json(self) -> dict[str, Any]:
        return {"rubric": rubric_to_json(self.rubric), "max_chars": self.max_chars}


class ShortAnswer(QuestionType[ShortAnswerSpec]):
    similarity_parts = (("", "text"),)
    name = "short_answer"
    label = _l("Short answer")
    spec_class = ShortAnswerSpec
    required_keys = ("rubric",)
    optional_keys = ("max_chars",)

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> ShortAnswerSpec | None:
        checker = ctx.checker
        max_chars = max_chars_option(checker, block, path, DEFAULT_MAX_CHARS, MAX_CHARS_CEILING)
        rubric = parse_rubric(checker, block, "rubric", path)
        if rubric is None or max_chars is None:
            return None
        return ShortAnswerSpec(rubric, int(max_chars))

    def spec_from_json(self, data: Mapping[str, Any]) -> ShortAnswerSpec:
        return ShortAnswerSpec(rubric_from_json(data["rubric"]), int(data["max_chars"]))

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        return {**self.base_view(question), "max_chars": self.spec(question).max_chars}

    def validate_answer(self, question: Question, raw: Any) -> str | None:
        if raw is None:
            return None
        return answer_text(raw, self.spec(question).max_chars)

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade | None:
        self.spec(question)
        return None  # reviewers grade it against the rubric

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            "rubric": rubric_to_json(spec.rubric),
            "max_chars": spec.max_chars,
            "answer": answer,
        }

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        return Prefill(answered=is_answered(value), text=value if isinstance(value, str) else "")

    def review_part(self, question: Question, value: Any) -> ReviewPart:
        # The reviewers' rubric score is the question's score.
        text = value if isinstance(value, str) else ""
        return ReviewPart("answer", self.spec(question).rubric, text)
