"""`assessment`: a logic or communication item. Each option carries a score, and items are
grouped into named scales, which the scorecard sums separately."""

from __future__ import annotations

import re
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

_SCALE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class AssessmentSpec:
    scale: str
    options: tuple[Option, ...]
    shuffle_options: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "options": [option.to_json() for option in self.options],
            "shuffle_options": self.shuffle_options,
        }


class Assessment(OneOptionType[AssessmentSpec]):
    name = "assessment"
    label = _l("Reasoning item")
    # Reasoning items make up the profile's assessment stage, apart from the written test.
    scorecard_stage = "assessment"
    spec_class = AssessmentSpec
    required_keys = ("scale", "options")
    optional_keys = ("shuffle_options",)

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> AssessmentSpec | None:
        checker = ctx.checker
        # Scales are names used in reports, so the id rule (with '_' too) keeps them tidy.
        scale = checker.ident(
            block,
            "scale",
            path,
            pattern=_SCALE_PATTERN,
            rule="1-64 lowercase letters, digits, '_' or '-'",
        )
        shuffle = checker.boolean(block, "shuffle_options", path, True)
        options = parse_options(checker, block, path, scored=True)
        if scale is None or options is None:
            return None
        if points is not None:
            too_high = [o.id for o in options if o.score > points]
            if too_high:
                checker.add(
                    join(path, "options"),
                    f"option {', '.join(too_high)} scores more than the question's "
                    f"{points:g} points",
                    f"give each option a score from 0 to {points:g}",
                )
                return None
            if max(o.score for o in options) < points:
                checker.add(
                    join(path, "options"),
                    f"no option scores the question's full {points:g} points",
                    f"give the best option `score: {points:g}`, or lower the points",
                )
                return None
        return AssessmentSpec(scale, options, shuffle)

    def spec_from_json(self, data: Mapping[str, Any]) -> AssessmentSpec:
        return AssessmentSpec(
            str(data["scale"]),
            tuple(Option.from_json(item) for item in data["options"]),
            bool(data["shuffle_options"]),
        )

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade:
        spec = self.spec(question)
        option = next((o for o in spec.options if o.id == answer), None)
        score = option.score if option is not None else 0.0
        return AutoGrade(score, question.points, {"scale": spec.scale, "chosen": answer})

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            "scale": spec.scale,
            "options": [
                {"id": o.id, "text": o.text, "score": o.score, "chosen": o.id == answer}
                for o in spec.options
            ],
            "explanation": question.explanation,
            "answer": answer,
        }
