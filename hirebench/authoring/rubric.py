"""Anchored rubrics: criteria whose levels (or an interview guide's scores) are described by
what work at that level looks like, checked against a scale. Exam questions, reusable review
rubrics and the interview bank's scoring guides share them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hirebench.authoring.checker import Checker, describe, join

RUBRIC_TEXT_MAX = 2_000
MAX_CRITERIA = 20
MAX_LEVEL = 10


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

    def fraction(self, level: float) -> float:
        """How far up the scale a level (or a mean of levels) is: `low` is 0, `high` is 1. The
        one conversion for rubric levels and interview ratings alike; a level off the scale
        raises rather than give a score below 0 or above 100."""
        if self.high <= self.low:
            raise ValueError(f"a scale needs two levels, got {self.low}..{self.high}")
        if not self.low <= level <= self.high:
            raise ValueError(f"level {level} is outside {self.low}..{self.high}")
        return (level - self.low) / (self.high - self.low)

    def percent(self, level: float) -> float:
        """The level on the 0-100 scale that scores are compared on."""
        return self.fraction(level) * 100


# Unless a format fixes its own scale, levels may be numbered 0-10, any two of them anchored.
OPEN_SCALE = Scale(0, MAX_LEVEL)


def rubric_to_json(rubric: tuple[Criterion, ...]) -> list[dict[str, Any]]:
    return [criterion.to_json() for criterion in rubric]


def rubric_from_json(data: list[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    return tuple(Criterion.from_json(item) for item in data)


def parse_rubric(
    checker: Checker,
    block: Mapping[str, Any],
    key: str,
    path: str,
    scale: Scale = OPEN_SCALE,
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
