"""Exam free-text answers go through the same review queue as portfolios: a short answer is
scored into the exam by its rubric, an annotation rationale gets its own rubric score."""

from __future__ import annotations

import sqlalchemy as sa

from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.models import Answer, AnswerState, Attempt, ReviewItem, ReviewKind
from hirebench.reviews import workflow


def queue_exam_answers(attempt: Attempt) -> int:
    """Create the review items a submitted attempt needs; safe to call again (regrading)."""
    from hirebench.exams.attempts import definition_of

    definition = definition_of(attempt)
    created = 0
    for answer in attempt.answers:
        question = definition.question(answer.question_id)
        part = get_type(question.type).review_part(question, answer.value)
        if part is None:
            continue
        if part.kind == "answer":
            if answer.state is not AnswerState.awaiting_review:
                continue  # scored already: reviewed before, or empty
            if not part.text.strip():
                # Nothing to read: no reviewer's time is spent on an empty answer.
                answer.state, answer.points = AnswerState.scored, 0.0
                continue
            kind = ReviewKind.exam_answer
        else:
            if not part.text.strip():
                continue
            kind = ReviewKind.exam_rationale
        rubric = part.rubric
        if _exists(kind, answer):
            continue
        suffix = "" if kind is ReviewKind.exam_answer else " · rationale"
        workflow.create_item(
            kind,
            attempt.candidate,
            rubric_key=f"exam:{attempt.exam_version_id}:{question.id}{suffix and ':rationale'}",
            title=f"{definition.title} · {question.id}{suffix}",
            rubric=workflow.snapshot(rubric),
            answer_id=answer.id,
        )
        created += 1
    db.session.flush()
    return created


def _exists(kind: ReviewKind, answer: Answer) -> bool:
    return (
        db.session.scalar(
            sa.select(ReviewItem.id).where(
                ReviewItem.kind == kind, ReviewItem.answer_id == answer.id
            )
        )
        is not None
    )
