"""Pieces several question types share: choice options and anchored rubrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask_babel import gettext as _

from hirebench.authoring import Checker, join
from hirebench.exams.questions.base import (
    OPTION_ID_PATTERN,
    OPTION_ID_RULE,
    AnswerError,
    Prefill,
    Question,
    QuestionType,
    is_answered,
    seeded_shuffle,
)

OPTION_TEXT_MAX = 2_000
MIN_OPTIONS = 2
MAX_OPTIONS = 26


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

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        chosen = frozenset({value}) if isinstance(value, str) else frozenset()
        return Prefill(answered=is_answered(value), chosen=chosen)
