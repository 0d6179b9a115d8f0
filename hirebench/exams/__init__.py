"""Exams: definitions read from exam folders (definition.py), the question-type registry
(questions/), loading into versioned database rows (loader.py) and the `hirebench exams`
commands (cli.py). The format is documented in docs/exam-format.md.

Only the database-free API is re-exported here, so importing a submodule (say, the
annotation scorer) does not pull in the models."""

from hirebench.exams.definition import (
    ExamDefinition,
    ResultsPolicy,
    Section,
    load_definition,
    validate_folder,
)
from hirebench.exams.questions.base import (
    AnswerError,
    AutoGrade,
    ExamDefinitionError,
    ExamProblem,
    Question,
)

__all__ = [
    "AnswerError",
    "AutoGrade",
    "ExamDefinition",
    "ExamDefinitionError",
    "ExamProblem",
    "Question",
    "ResultsPolicy",
    "Section",
    "load_definition",
    "validate_folder",
]
