"""Exams' side of grading: what grading needs from exams, registered at app start
(hirebench.wiring) so that grading never imports exams. Grading resolves an
`attempt-answer:<id>` reference to the grader stored with that attempt's exam version, and its
sweeper closes attempts past their deadline and takes finished sandbox results in."""

from __future__ import annotations

from hirebench.exams import attempts
from hirebench.grading import registry


def register() -> None:
    registry.register_grader_source(attempts.ANSWER_REF_PREFIX, attempts.grader_for_ref)
    # Exams close at their deadline even with every browser closed; the sweeper notices.
    registry.register_periodic(attempts.expire_overdue)
