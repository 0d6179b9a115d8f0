"""`single_choice`: one right option among several; all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from hirebench.authoring import join
from hirebench.exams.questions.base import (
    AuthorContext,
    AutoGrade,
    Question,
)
from hirebench.exams.questions.parts import OneOptionType, Option, parse_options


@dataclass(frozen=True)
class SingleChoiceSpec:
    options: tuple[Option, ...]
    shuffle_options: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "options": [option.to_json() for option in self.options],
            "shuffle_options": self.shuffle_options,
        }

    @property
    def correct_id(self) -> str:
        return next(option.id for option in self.options if option.correct)


class SingleChoice(OneOptionType[SingleChoiceSpec]):
    name = "single_choice"
    label = _l("Single choice")
    spec_class = SingleChoiceSpec
    required_keys = ("options",)

    def correct_options(self, question: Question) -> frozenset[str] | None:
        return frozenset({question.spec.correct_id})

    optional_keys = ("shuffle_options",)

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> SingleChoiceSpec | None:
        checker = ctx.checker
        shuffle = checker.boolean(block, "shuffle_options", path, True)
        options = parse_options(checker, block, path, scored=False)
        if options is None:
            return None
        correct = [option.id for option in options if option.correct]
        if len(correct) != 1:
            checker.add(
                join(path, "options"),
                f"a single_choice question needs exactly one correct option, "
                f"found {len(correct)}" + (f" ({', '.join(correct)})" if correct else ""),
                "mark exactly one option `correct: true`, or make it multiple_choice",
            )
            return None
        return SingleChoiceSpec(options, shuffle)

    def spec_from_json(self, data: Mapping[str, Any]) -> SingleChoiceSpec:
        return SingleChoiceSpec(
            tuple(Option.from_json(item) for item in data["options"]),
            bool(data["shuffle_options"]),
        )

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade:
        spec = self.spec(question)
        right = answer is not None and answer == spec.correct_id
        return AutoGrade(
            question.points if right else 0.0,
            question.points,
            {"chosen": answer, "correct": right},
        )

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            "options": [
                {**option.to_json(), "chosen": option.id == answer} for option in spec.options
            ],
            "explanation": question.explanation,
            "answer": answer,
        }
