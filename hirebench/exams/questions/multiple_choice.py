"""`multiple_choice`: several right options. `all_or_nothing` gives the points only for the
exact set; `partial` gives (right picks - wrong picks) / number of correct options, floored at
0, so ticking every box earns nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.authoring import join
from hirebench.exams.questions.base import (
    AnswerError,
    AuthorContext,
    AutoGrade,
    Prefill,
    Question,
    QuestionType,
    is_answered,
)
from hirebench.exams.questions.parts import Option, option_ids, options_view, parse_options

SCORINGS = ("all_or_nothing", "partial")


@dataclass(frozen=True)
class MultipleChoiceSpec:
    options: tuple[Option, ...]
    scoring: str = "all_or_nothing"
    shuffle_options: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "options": [option.to_json() for option in self.options],
            "scoring": self.scoring,
            "shuffle_options": self.shuffle_options,
        }

    @property
    def correct_ids(self) -> set[str]:
        return {option.id for option in self.options if option.correct}


class MultipleChoice(QuestionType[MultipleChoiceSpec]):
    name = "multiple_choice"
    label = _l("Multiple choice")
    spec_class = MultipleChoiceSpec
    required_keys = ("options",)
    optional_keys = ("scoring", "shuffle_options")

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> MultipleChoiceSpec | None:
        checker = ctx.checker
        shuffle = checker.boolean(block, "shuffle_options", path, True)
        scoring = checker.choice(block, "scoring", path, SCORINGS, "all_or_nothing")
        options = parse_options(checker, block, path, scored=False)
        if options is None or scoring is None:
            return None
        if not any(option.correct for option in options):
            checker.add(
                join(path, "options"),
                "no option is marked correct",
                "mark at least one option `correct: true`",
            )
            return None
        return MultipleChoiceSpec(options, scoring, shuffle)

    def spec_from_json(self, data: Mapping[str, Any]) -> MultipleChoiceSpec:
        return MultipleChoiceSpec(
            tuple(Option.from_json(item) for item in data["options"]),
            str(data["scoring"]),
            bool(data["shuffle_options"]),
        )

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        spec = self.spec(question)
        options = options_view(question, spec.options, spec.shuffle_options, seed)
        # How picks are scored is part of the question: with `partial`, a wrong pick costs.
        return {**self.base_view(question), "options": options, "scoring": spec.scoring}

    def validate_answer(self, question: Question, raw: Any) -> list[str] | None:
        if raw is None:
            return None
        spec = self.spec(question)
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise AnswerError(_("The answer must be a list of option ids."))
        if len(raw) > len(spec.options):
            raise AnswerError(_("The answer has more picks than the question has options."))
        known = option_ids(spec.options)
        for item in raw:
            if item not in known:
                raise AnswerError(
                    _("%(value)r is not an option of this question.", value=item[:40])
                )
        if len(set(raw)) != len(raw):
            raise AnswerError(_("The answer picks the same option twice."))
        # Stored in the author's option order, so equal answers compare equal.
        return [option.id for option in spec.options if option.id in raw]

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade:
        spec = self.spec(question)
        chosen = set(answer or ())
        correct = spec.correct_ids
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        if spec.scoring == "partial":
            credit = max(0.0, (right - wrong) / len(correct))
        else:
            credit = 1.0 if chosen == correct else 0.0
        return AutoGrade(
            question.points * credit,
            question.points,
            {
                "chosen": sorted(chosen),
                "right": right,
                "wrong": wrong,
                "correct_count": len(correct),
                "scoring": spec.scoring,
                "credit": credit,
            },
        )

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        chosen = frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()
        return Prefill(answered=is_answered(value), chosen=chosen)

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        chosen = set(answer or ())
        return {
            **self.base_view(question),
            "scoring": spec.scoring,
            "options": [
                {**option.to_json(), "chosen": option.id in chosen} for option in spec.options
            ],
            "explanation": question.explanation,
            "answer": answer,
        }
