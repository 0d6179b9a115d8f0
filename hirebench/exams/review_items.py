"""Exam free-text answers go through the same review queue as portfolios: a short answer is
scored into the exam by its rubric, an annotation rationale gets its own rubric score.

This glue lives in exams, not in reviews, so the dependency runs one way (exams -> reviews):
exams queues the items, names them for the reader, and takes a settled review's score into
the answer when reviews announces `review_settled`."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench.exams.loader import version_definition
from hirebench.exams.questions import get_type
from hirebench.exams.scoring import rescore
from hirebench.exams.titles import bilingual, exam_title
from hirebench.extensions import db
from hirebench.models import Answer, AnswerState, Attempt, ReviewItem, ReviewKind
from hirebench.reviews import workflow

EXAM_KINDS = (ReviewKind.exam_answer, ReviewKind.exam_rationale)


def queue_exam_answers(attempt: Attempt) -> int:
    """Create the review items a submitted attempt needs; safe to call again (regrading)."""
    definition = version_definition(attempt.version)
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


def apply_review(sender: object, *, item_id: int, **_kwargs: object) -> None:
    """Receiver of `review_settled`. A reviewed short answer earns its exam points and the
    attempt is rescored; a rationale's score is kept beside the automatic rule score, which
    it does not change. Joins the reviewer's transaction."""
    item = db.session.get(ReviewItem, item_id)
    if item is None or item.answer_id is None or item.score is None:
        return
    answer = db.session.get(Answer, item.answer_id)
    if answer is None:
        return
    review = {"item_id": item.id, "score": item.score}
    if item.kind is ReviewKind.exam_answer:
        answer.points = round((answer.max_points or 0.0) * item.score / 100, 2)
        answer.state = AnswerState.scored
        answer.detail = {**(answer.detail or {}), "review": review}
    else:
        answer.detail = {**(answer.detail or {}), "rationale_review": review}
    db.session.flush()
    rescore(answer.attempt)


def item_title(item: ReviewItem) -> str:
    """An exam answer's review item, named for the reader by its exam and the question's
    section in the reader's language; its stored title (made once, in English, with the
    question's internal id) is only the fallback. Registered with reviews in wiring."""
    answer = item.answer
    if answer is None:
        return item.title
    version = answer.attempt.version
    sections = version.definition.get("sections", [])
    section = next(
        (
            str(s.get("title", ""))
            for s in sections
            if any(q.get("id") == answer.question_id for q in s.get("questions", []))
        ),
        "",
    )
    parts = [exam_title(version)] + ([bilingual(section)] if section else [])
    if item.kind is ReviewKind.exam_rationale:
        parts.append(_("rationale"))
    return " · ".join(parts)
