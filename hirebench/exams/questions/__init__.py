"""The question-type registry: one explicit `register()` call per type, CTFd-style.

Each type (a `QuestionType` subclass) declares its name, its author schema (the YAML keys it
reads, checked by `author_schema`), what the candidate sees (`candidate_view`), how a
browser's answer is cleaned (`validate_answer`), how it is scored (`auto_grade`, or None when
the sandbox or reviewers grade it) and how it renders for a reviewer (`review_view`).
"""

from __future__ import annotations

from typing import Any

from hirebench.exams.questions.annotation_rules import AnnotationRules
from hirebench.exams.questions.assessment import Assessment
from hirebench.exams.questions.base import (
    AnswerError,
    AutoGrade,
    Question,
    QuestionType,
    seeded_shuffle,
)
from hirebench.exams.questions.coding import Coding
from hirebench.exams.questions.multiple_choice import MultipleChoice
from hirebench.exams.questions.numeric import Numeric
from hirebench.exams.questions.short_answer import ShortAnswer
from hirebench.exams.questions.single_choice import SingleChoice

REGISTRY: dict[str, QuestionType[Any]] = {}


def register(question_type: QuestionType[Any]) -> QuestionType[Any]:
    """Add a type. A second type with the same name is a programming error."""
    if question_type.name in REGISTRY:
        raise ValueError(f"question type {question_type.name!r} is already registered")
    REGISTRY[question_type.name] = question_type
    return question_type


def get_type(name: str) -> QuestionType[Any]:
    """The registered type; KeyError for an unknown name."""
    return REGISTRY[name]


def type_of(question: Question) -> QuestionType[Any]:
    return REGISTRY[question.type]


register(Coding())
register(SingleChoice())
register(MultipleChoice())
register(Numeric())
register(ShortAnswer())
register(AnnotationRules())
register(Assessment())

__all__ = [
    "REGISTRY",
    "AnswerError",
    "AutoGrade",
    "Question",
    "QuestionType",
    "get_type",
    "register",
    "seeded_shuffle",
    "type_of",
]
