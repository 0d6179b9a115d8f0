"""The behavioural interview question bank: competencies and the questions that probe them,
each with a STAR-based scoring guide. The format is documented in docs/interview-bank.md.

The file is read through the authoring toolkit's shared reader (hirebench.authoring), like
exams, rubrics and job profiles: every problem is collected with the file, the YAML key path
and a fix, and nothing is returned unless the whole file is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hirebench.authoring import (
    AuthoredFormat,
    AuthoringError,
    Checker,
    Scale,
    describe,
    join,
    parse_anchors,
)

TITLE_MAX_CHARS = 200  # models.interviews: competency_title is String(200)
TEXT_MAX_CHARS = 2_000  # question texts, follow-ups and guide entries: said aloud, so short
DESCRIPTION_MAX_CHARS = 5_000
MAX_COMPETENCIES = 50
MAX_QUESTIONS = 500
MAX_FOLLOW_UPS = 10
# Scores 1 to 5, with the low, middle and high anchors required: without all three,
# interviewers score by feel.
GUIDE_SCALE = Scale(1, 5, required=(1, 3, 5), noun="score", text_max=TEXT_MAX_CHARS)
DOCS = "docs/interview-bank.md"


class BankFileError(AuthoringError):
    """The question bank cannot be used. `problems` holds every problem found."""

    what = "interview bank"


@dataclass(frozen=True)
class Competency:
    id: str
    title: str
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Competency:
        return cls(data["id"], data["title"], data["description"])


@dataclass(frozen=True)
class BankQuestion:
    id: str
    competency: str
    text: str
    follow_ups: tuple[str, ...]
    guide: tuple[tuple[int, str], ...]  # (score, what an answer at that score sounds like)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "competency": self.competency,
            "text": self.text,
            "follow_ups": list(self.follow_ups),
            # A list, because JSON would turn integer mapping keys into strings.
            "guide": [{"score": score, "text": text} for score, text in self.guide],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BankQuestion:
        return cls(
            id=data["id"],
            competency=data["competency"],
            text=data["text"],
            follow_ups=tuple(data["follow_ups"]),
            guide=tuple((int(item["score"]), str(item["text"])) for item in data["guide"]),
        )


@dataclass(frozen=True)
class InterviewBank:
    competencies: tuple[Competency, ...]
    questions: tuple[BankQuestion, ...]

    def question(self, question_id: str) -> BankQuestion:
        """The question with this id; KeyError when the bank has none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def by_competency(self) -> dict[str, tuple[BankQuestion, ...]]:
        """Competency id -> its questions, both in the author's order; every competency is
        a key, with an empty tuple when it has no questions yet."""
        return {
            competency.id: tuple(q for q in self.questions if q.competency == competency.id)
            for competency in self.competencies
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "competencies": [competency.to_json() for competency in self.competencies],
            "questions": [question.to_json() for question in self.questions],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InterviewBank:
        return cls(
            tuple(Competency.from_json(item) for item in data["competencies"]),
            tuple(BankQuestion.from_json(item) for item in data["questions"]),
        )


# ------------------------------------------------------------------------------ reading


def _bank(checker: Checker, block: Mapping[str, Any]) -> InterviewBank | None:
    checker.keys(block, "", ("competencies", "questions"))
    competencies = _competencies(checker, block)
    questions = _questions(checker, block, competencies)
    if checker.problems:
        return None
    assert competencies is not None and questions is not None
    return InterviewBank(competencies, questions)


def _competencies(checker: Checker, block: Mapping[str, Any]) -> tuple[Competency, ...] | None:
    raw = checker.items(
        block,
        "competencies",
        "",
        max_items=(MAX_COMPETENCIES, "competencies", "merge related competencies"),
    )
    if raw is None:
        return None
    result: list[Competency] = []
    seen: dict[str, str] = {}
    ok = True
    for index, item in enumerate(raw):
        path = join("competencies", index)
        entry = checker.mapping(item, path, "a competency")
        if entry is None:
            ok = False
            continue
        checker.keys(entry, path, ("id", "title"), ("description",))
        competency_id = checker.unique_ident(
            entry, "id", path, seen, "competency id", "give each competency its own id"
        )
        title = checker.text(entry, "title", path, max_chars=TITLE_MAX_CHARS)
        description = checker.text(
            entry, "description", path, required=False, max_chars=DESCRIPTION_MAX_CHARS
        )
        if competency_id is None or title is None or description is None:
            ok = False
            continue
        result.append(Competency(competency_id, title, description))
    return tuple(result) if ok else None


def _questions(
    checker: Checker, block: Mapping[str, Any], competencies: tuple[Competency, ...] | None
) -> tuple[BankQuestion, ...] | None:
    raw = checker.items(
        block,
        "questions",
        "",
        max_items=(MAX_QUESTIONS, "questions", "split the bank or retire old questions"),
    )
    if raw is None:
        return None
    known = [competency.id for competency in competencies or ()]
    result: list[BankQuestion] = []
    seen: dict[str, str] = {}
    ok = True
    for index, item in enumerate(raw):
        path = join("questions", index)
        entry = checker.mapping(item, path, "a question")
        if entry is None:
            ok = False
            continue
        checker.keys(entry, path, ("id", "competency", "text", "guide"), ("follow_ups",))
        question_id = checker.unique_ident(
            entry, "id", path, seen, "question id", "give each question its own id"
        )
        competency = checker.ident(entry, "competency", path)
        # Unchecked while the competencies themselves are broken: every question would be
        # reported against a list that is about to change.
        if competency is not None and competencies is not None and competency not in known:
            checker.add(
                join(path, "competency"),
                f"unknown competency '{competency}'",
                f"use one of {', '.join(known)}, or add it under competencies",
            )
            competency = None
        text = checker.text(entry, "text", path, max_chars=TEXT_MAX_CHARS)
        follow_ups = _follow_ups(checker, entry, path)
        guide = parse_anchors(checker, entry, "guide", path, GUIDE_SCALE)
        if (
            question_id is None
            or competency is None
            or text is None
            or follow_ups is None
            or guide is None
        ):
            ok = False
            continue
        result.append(BankQuestion(question_id, competency, text, follow_ups, guide))
    return tuple(result) if ok else None


def _follow_ups(checker: Checker, entry: Mapping[str, Any], path: str) -> tuple[str, ...] | None:
    if "follow_ups" not in entry:
        return ()
    raw = checker.items(
        entry,
        "follow_ups",
        path,
        min_items=0,
        max_items=(MAX_FOLLOW_UPS, "follow-ups", "keep the follow-ups that matter most"),
    )
    if raw is None:
        return None
    where = join(path, "follow_ups")
    ok = True
    for index, text in enumerate(raw):
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX_CHARS:
            checker.add(
                join(where, index),
                f"a follow-up must be non-empty text, not {describe(text)}",
                f'write - "..." (text, at most {TEXT_MAX_CHARS:,} characters)',
            )
            ok = False
    return tuple(raw) if ok else None


# One bank may hold many competencies, so its file name is free. Each function raises
# BankFileError, or returns the problems, as the shared reader documents.
BANK_FILE = AuthoredFormat(DOCS, _bank, BankFileError, id_is_file_name=False)
parse_bank_text = BANK_FILE.parse_text
load_bank_file = BANK_FILE.load_file
validate_bank_dict = BANK_FILE.validate_data
