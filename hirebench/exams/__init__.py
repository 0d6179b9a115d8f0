"""Exams: definitions read from exam folders (definition.py), the question-type registry
(questions/), loading into versioned database rows (loader.py) and the `hirebench exams`
commands (cli.py). The format is documented in docs/exam-format.md.

Only the database-free API is re-exported here, so importing a submodule (say, the
annotation scorer) does not pull in the models."""

from hirebench.authoring import Problem
from hirebench.exams.definition import (
    ExamDefinition,
    ExamDefinitionError,
    ResultsPolicy,
    Section,
    load_definition,
    validate_folder,
)
from hirebench.exams.questions.base import (
    AnswerError,
    AutoGrade,
    Question,
)

__all__ = [
    "AnswerError",
    "AutoGrade",
    "ExamDefinition",
    "ExamDefinitionError",
    "Problem",
    "Question",
    "ResultsPolicy",
    "Section",
    "load_definition",
    "validate_folder",
]
