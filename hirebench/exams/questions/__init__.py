"""The question-type registry: the explicit list QUESTION_TYPES, CTFd-style.

Each type (a `QuestionType` subclass, one module) declares its name and label, its author
schema (the YAML keys it reads, checked by `author_schema`), what the candidate sees
(`candidate_view`) and what the exam page prefills (`prefill`), how a browser's answer is
cleaned (`validate_answer`), how it is scored (`auto_grade`; or in the sandbox when
`graded_in_sandbox`, through `grader_spec` and `sandbox_grade`), which part reviewers grade
against which rubric (`review_part`), how it renders for a reviewer (`review_view`) and the
scorecard stage it counts in (`scorecard_stage`). Code elsewhere calls these hooks and never
branches on a type's name, so a new type is one module plus one line in QUESTION_TYPES.
"""

from __future__ import annotations

from typing import Any

from hirebench.exams.questions.annotation_rules import AnnotationRules
from hirebench.exams.questions.assessment import Assessment
from hirebench.exams.questions.base import (
    AnswerError,
    AutoGrade,
    Prefill,
    Question,
    QuestionType,
    ReviewPart,
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


# Every question type the platform knows, in the order the docs list them.
QUESTION_TYPES: tuple[QuestionType[Any], ...] = (
    Coding(),
    SingleChoice(),
    MultipleChoice(),
    Numeric(),
    ShortAnswer(),
    AnnotationRules(),
    Assessment(),
)
for _question_type in QUESTION_TYPES:
    register(_question_type)

__all__ = [
    "QUESTION_TYPES",
    "REGISTRY",
    "AnswerError",
    "AutoGrade",
    "Prefill",
    "Question",
    "QuestionType",
    "ReviewPart",
    "get_type",
    "register",
    "seeded_shuffle",
    "type_of",
]
