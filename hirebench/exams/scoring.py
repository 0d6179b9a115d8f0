"""An attempt's total from its answers. Kept apart from attempts.py so that the review glue
(review_items.py), which attempts.py calls, can rescore an attempt without an import cycle."""

from __future__ import annotations

from hirebench import events
from hirebench.models import AnswerState, Attempt, AttemptStatus
from hirebench.models.base import utcnow


def rescore(attempt: Attempt) -> None:
    """Total the scored answers of a closed attempt, mark it graded once nothing is left in
    the sandbox, and announce the new evidence. Joins the caller's transaction."""
    if attempt.status is AttemptStatus.in_progress:
        return
    answers = attempt.answers  # one per question (uq_answers_attempt_question)
    attempt.max_score = sum(a.max_points or 0.0 for a in answers)
    attempt.score = sum(a.points or 0.0 for a in answers if a.state is AnswerState.scored)
    if not any(a.state is AnswerState.grading for a in answers):
        attempt.status = AttemptStatus.graded
        attempt.graded_at = attempt.graded_at or utcnow()
    events.evidence_changed.send(attempt, candidate_id=attempt.candidate_id)
