"""`numeric`: a number, with full credit within `tolerance` and smaller credit in optional
wider `partial` bands, checked in order."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.authoring import is_number, join
from hirebench.exams.questions.base import (
    AnswerError,
    AuthorContext,
    AutoGrade,
    Prefill,
    Question,
    QuestionType,
    is_answered,
    number_text,
)

MAX_INPUT_CHARS = 64
MAX_BANDS = 10
# Binary floats: 0.805 - 0.8 is 0.0050000000000000044, which must still count as within a
# tolerance of 0.005. The slack is far below any tolerance an author would write.
RELATIVE_SLACK = 1e-9


@dataclass(frozen=True)
class Band:
    within: float
    credit: float


@dataclass(frozen=True)
class NumericSpec:
    answer: float
    tolerance: float = 0.0
    partial: tuple[Band, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "tolerance": self.tolerance,
            "partial": [{"within": band.within, "credit": band.credit} for band in self.partial],
        }


def _within(error: float, limit: float, answer: float) -> bool:
    return error <= limit + RELATIVE_SLACK * max(1.0, abs(answer), limit)


class Numeric(QuestionType[NumericSpec]):
    name = "numeric"
    label = _l("Number")
    spec_class = NumericSpec
    required_keys = ("answer",)
    optional_keys = ("tolerance", "partial")

    def author_schema(
        self, block: Mapping[str, Any], path: str, ctx: AuthorContext, points: float | None
    ) -> NumericSpec | None:
        checker = ctx.checker
        answer = checker.number(block, "answer", path)
        tolerance = checker.number(block, "tolerance", path, required=False, default=0, minimum=0)
        bands = self._bands(ctx, block, path, tolerance)
        if answer is None or tolerance is None or bands is None:
            return None
        return NumericSpec(answer, tolerance, bands)

    def _bands(
        self, ctx: AuthorContext, block: Mapping[str, Any], path: str, tolerance: float | None
    ) -> tuple[Band, ...] | None:
        checker = ctx.checker
        if "partial" not in block:
            return ()
        raw = checker.items(
            block, "partial", path, max_items=(MAX_BANDS, "bands", "drop some bands")
        )
        if raw is None:
            return None
        where = join(path, "partial")
        bands: list[Band] = []
        ok = True
        previous = Band(tolerance if tolerance is not None else 0.0, 1.0)
        for index, item in enumerate(raw):
            at = join(where, index)
            entry = checker.mapping(item, at, "a partial-credit band")
            if entry is None:
                ok = False
                continue
            checker.keys(entry, at, ("within", "credit"))
            within = checker.number(entry, "within", at, above=0)
            credit = checker.number(entry, "credit", at, above=0, maximum=1)
            if within is None or credit is None:
                ok = False
                continue
            if within <= previous.within:
                checker.add(
                    join(at, "within"),
                    f"within {within:g} is not wider than the "
                    + ("tolerance" if index == 0 else "band before it")
                    + f" ({previous.within:g})",
                    "list bands from narrow to wide, each wider than the tolerance",
                )
                ok = False
            if credit >= previous.credit:
                checker.add(
                    join(at, "credit"),
                    f"credit {credit:g} is not less than the credit closer in "
                    f"({previous.credit:g})",
                    "give each wider band less credit than the one before it (full credit is 1)",
                )
                ok = False
            previous = Band(within, credit)
            bands.append(previous)
        return tuple(bands) if ok else None

    def spec_from_json(self, data: Mapping[str, Any]) -> NumericSpec:
        return NumericSpec(
            float(data["answer"]),
            float(data["tolerance"]),
            tuple(Band(float(b["within"]), float(b["credit"])) for b in data["partial"]),
        )

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        self.spec(question)
        return self.base_view(question)

    def validate_answer(self, question: Question, raw: Any) -> float | None:
        self.spec(question)
        if raw is None:
            return None
        if isinstance(raw, str):
            text = raw.strip()
            if not text:
                return None  # an emptied input box clears the answer
            if len(text) > MAX_INPUT_CHARS:
                raise AnswerError(
                    _("The answer is longer than %(limit)d characters.", limit=MAX_INPUT_CHARS)
                )
            try:
                # float() also accepts "1_000", which no number input sends.
                if "_" in text:
                    raise ValueError(text)
                value = float(text)
            except ValueError:
                raise AnswerError(
                    _("%(value)r is not a number (write e.g. 0.8).", value=text[:40])
                ) from None
        elif is_number(raw):
            value = float(raw)
        elif isinstance(raw, int) and not isinstance(raw, bool):
            # An int is_number refuses has hundreds of digits, which JSON allows.
            raise AnswerError(_("The number is too large."))
        else:
            raise AnswerError(_("The answer must be a number."))
        if not math.isfinite(value):
            raise AnswerError(_("The answer must be a finite number."))
        return value

    def auto_grade(self, question: Question, answer: Any) -> AutoGrade:
        spec = self.spec(question)
        if answer is None:
            return AutoGrade(0.0, question.points, {"given": None, "credit": 0.0})
        error = abs(float(answer) - spec.answer)
        credit = 0.0
        if _within(error, spec.tolerance, spec.answer):
            credit = 1.0
        else:
            credit = next(
                (b.credit for b in spec.partial if _within(error, b.within, spec.answer)), 0.0
            )
        return AutoGrade(
            question.points * credit,
            question.points,
            {"given": answer, "expected": spec.answer, "error": error, "credit": credit},
        )

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        return Prefill(answered=is_answered(value), text=number_text(value))

    def review_view(self, question: Question, answer: Any) -> dict[str, Any]:
        spec = self.spec(question)
        return {
            **self.base_view(question),
            **spec.to_json(),
            "explanation": question.explanation,
            "given": answer,
        }
