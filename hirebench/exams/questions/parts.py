"""Pieces several question types share: choice options and anchored rubrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask_babel import gettext as _

from hirebench.exams.questions.base import (
    OPTION_ID_PATTERN,
    OPTION_ID_RULE,
    AnswerError,
    Checker,
    Question,
    QuestionType,
    describe,
    join,
    seeded_shuffle,
)

OPTION_TEXT_MAX = 2_000
RUBRIC_TEXT_MAX = 2_000
MIN_OPTIONS = 2
MAX_OPTIONS = 26
MAX_CRITERIA = 20
MAX_LEVEL = 10


# -------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool = False  # choice questions
    score: float = 0.0  # assessment items

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "correct": self.correct, "score": self.score}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Option:
        return cls(data["id"], data["text"], bool(data["correct"]), float(data["score"]))


def parse_options(
    checker: Checker, block: Mapping[str, Any], path: str, *, scored: bool
) -> tuple[Option, ...] | None:
    """`options:` of a choice item (`correct: true` marks right answers) or, when `scored`,
    of an assessment item (each option has a `score`)."""
    raw = checker.items(
        block,
        "options",
        path,
        min_items=MIN_OPTIONS,
        max_items=(MAX_OPTIONS, "options", "split the question or drop options"),
    )
    if raw is None:
        return None
    where = join(path, "options")
    options: list[Option] = []
    ids: list[str | None] = []
    ok = True
    for index, item in enumerate(raw):
        at = join(where, index)
        entry = checker.mapping(item, at, "an option")
        if entry is None:
            ok = False
            continue
        if scored:
            checker.keys(entry, at, ("id", "text", "score"))
        else:
            checker.keys(entry, at, ("id", "text"), ("correct",))
        option_id = checker.ident(entry, "id", at, pattern=OPTION_ID_PATTERN, rule=OPTION_ID_RULE)
        text = checker.text(entry, "text", at, max_chars=OPTION_TEXT_MAX)
        correct = False if scored else checker.boolean(entry, "correct", at, False)
        score = checker.number(entry, "score", at, minimum=0) if scored else 0.0
        ids.append(option_id)
        if option_id is None or text is None or score is None:
            ok = False
            continue
        options.append(Option(option_id, text, correct, score))
    before = len(checker.problems)
    checker.unique(ids, where, "option id", "give each option its own id")
    if not ok or len(checker.problems) > before:
        return None
    return tuple(options)


def option_ids(options: tuple[Option, ...]) -> set[str]:
    return {option.id for option in options}


def chosen_option(options: tuple[Option, ...], raw: Any) -> str:
    """One option id from the browser, checked against the question's own options."""
    if not isinstance(raw, str):
        raise AnswerError(_("The answer must be one option id."))
    if raw not in option_ids(options):
        # Only a tampered or stale page sends an id the question does not have.
        raise AnswerError(_("%(value)r is not an option of this question.", value=raw[:40]))
    return raw


# -------------------------------------------------------------------------------- rubrics


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion, with anchored levels: level number -> what that level looks like."""

    id: str
    title: str
    weight: float
    levels: tuple[tuple[int, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "weight": self.weight,
            # A list, because JSON would turn integer mapping keys into strings.
            "levels": [{"level": level, "text": text} for level, text in self.levels],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Criterion:
        return cls(
            data["id"],
            data["title"],
            float(data["weight"]),
            tuple((int(item["level"]), str(item["text"])) for item in data["levels"]),
        )


@dataclass(frozen=True)
class Scale:
    """The anchor numbers a rubric's levels (or an interview guide's scores) may use, and
    the ones that must be described. `noun` names them in problems: "level" or "score"."""

    low: int
    high: int
    required: tuple[int, ...] = ()
    noun: str = "level"
    text_max: int = RUBRIC_TEXT_MAX


# Exam rubrics may number their levels 0-10 and anchor any two of them.
EXAM_RUBRIC_SCALE = Scale(0, MAX_LEVEL)


def rubric_to_json(rubric: tuple[Criterion, ...]) -> list[dict[str, Any]]:
    return [criterion.to_json() for criterion in rubric]


def rubric_from_json(data: list[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    return tuple(Criterion.from_json(item) for item in data)


def parse_rubric(
    checker: Checker,
    block: Mapping[str, Any],
    key: str,
    path: str,
    scale: Scale = EXAM_RUBRIC_SCALE,
) -> tuple[Criterion, ...] | None:
    raw = checker.items(block, key, path, max_items=(MAX_CRITERIA, "criteria", "merge criteria"))
    if raw is None:
        return None
    where = join(path, key)
    criteria: list[Criterion] = []
    ids: list[str | None] = []
    ok = True
    for index, item in enumerate(raw):
        at = join(where, index)
        entry = checker.mapping(item, at, "a rubric criterion")
        if entry is None:
            ok = False
            continue
        checker.keys(entry, at, ("id", "title", "levels"), ("weight",))
        criterion_id = checker.ident(entry, "id", at)
        title = checker.text(entry, "title", at, max_chars=RUBRIC_TEXT_MAX)
        weight = checker.number(entry, "weight", at, required=False, default=1.0, above=0)
        levels = parse_anchors(checker, entry, "levels", at, scale)
        ids.append(criterion_id)
        if criterion_id is None or title is None or weight is None or levels is None:
            ok = False
            continue
        criteria.append(Criterion(criterion_id, title, weight, levels))
    before = len(checker.problems)
    checker.unique(ids, where, "criterion id", "give each criterion its own id")
    if not ok or len(checker.problems) > before:
        return None
    return tuple(criteria)


def parse_anchors(
    checker: Checker, entry: Mapping[str, Any], key: str, path: str, scale: Scale
) -> tuple[tuple[int, str], ...] | None:
    """`{number: "what work at that number looks like", ...}`, checked against the scale."""
    if key not in entry:
        return None  # reported by keys()
    raw = entry[key]
    where = join(path, key)
    noun = scale.noun
    if not isinstance(raw, dict):
        checker.add(
            where,
            f"'{key}' must map {noun} numbers to descriptions, not {describe(raw)}",
            'write it as {1: "...", 3: "...", 5: "..."}',
        )
        return None
    anchors: list[tuple[int, str]] = []
    ok = True
    for number, text in raw.items():
        if isinstance(number, bool) or not isinstance(number, int):
            checker.add(
                where,
                f"{noun} {describe(number)} is not a whole number from {scale.low} to {scale.high}",
                f"number the {noun}s {scale.low} to {scale.high}, without quotes",
            )
            ok = False
            continue
        if not scale.low <= number <= scale.high:
            checker.add(
                where,
                f"{noun} {number} is outside {scale.low} to {scale.high}",
                f"number the {noun}s {scale.low} to {scale.high}",
            )
            ok = False
            continue
        if not isinstance(text, str) or not text.strip() or len(text) > scale.text_max:
            checker.add(
                join(where, str(number)),
                f"{noun} {number} needs a description of what work at that {noun} looks like",
                f'write {number}: "..." (text, at most {scale.text_max:,} characters)',
            )
            ok = False
            continue
        anchors.append((number, text))
    for number in scale.required:
        if number not in raw:
            checker.add(
                where,
                f"{noun} {number} is missing; the scale needs "
                + ", ".join(str(n) for n in scale.required),
                f'add {number}: "..." describing what work at {noun} {number} looks like',
            )
            ok = False
    if ok and len(anchors) < 2:
        checker.add(
            where,
            f"{len(anchors)} {noun}; a scale needs at least 2 anchored {noun}s",
            f"describe at least the lowest and the highest {noun}",
        )
        return None
    return tuple(sorted(anchors)) if ok else None


def options_view(
    question: Question, options: tuple[Option, ...], shuffle: bool, seed: str | int
) -> list[dict[str, str]]:
    """The options as the candidate sees them: ids and texts only, shuffled per candidate."""
    shown = [{"id": option.id, "text": option.text} for option in options]
    return seeded_shuffle(shown, seed, question.id) if shuffle else shown


def max_chars_option(
    checker: Checker, block: Mapping[str, Any], path: str, default: int, ceiling: int
) -> int | None:
    """The optional `max_chars` key of free-text and code questions."""
    value = checker.number(
        block,
        "max_chars",
        path,
        required=False,
        default=default,
        minimum=1,
        maximum=ceiling,
        integer=True,
    )
    return None if value is None else int(value)


class _OptionSpec(Protocol):
    @property
    def options(self) -> tuple[Option, ...]: ...

    @property
    def shuffle_options(self) -> bool: ...


OptionSpecT = TypeVar("OptionSpecT", bound=_OptionSpec)


class OneOptionType(QuestionType[OptionSpecT]):
    """A question answered by picking one option (single choice, assessment items): the
    candidate's view and the answer check are the same; only the scoring differs."""

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        spec = self.spec(question)
        options = options_view(question, spec.options, spec.shuffle_options, seed)
        return {**self.base_view(question), "options": options}

    def validate_answer(self, question: Question, raw: Any) -> str | None:
        if raw is None:
            return None
        return chosen_option(self.spec(question).options, raw)
