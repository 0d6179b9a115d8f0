"""Which similarity flags are open, for the scorecard's `integrity` flag: a flagged pair of the
latest finished run of its question part, involving the candidate's attempt, that nobody has
decided on yet. Kept apart from the service so the scorecard reads it without loading the
similarity engine. A flag never changes a score; the scorecard only shows it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import Answer, SimilarityPair, SimilarityRun, SimilarityStatus


def latest_done_runs() -> sa.Select[Any]:
    """The id of the latest finished run of each question part of each version: an older run
    of the same part is history, not an open question."""
    return (
        sa.select(sa.func.max(SimilarityRun.id))
        .where(SimilarityRun.status == SimilarityStatus.done)
        .group_by(SimilarityRun.exam_version_id, SimilarityRun.question_id, SimilarityRun.part)
    )


def open_pairs_for_attempt(attempt_id: int) -> list[SimilarityPair]:
    """The undecided flagged pairs of the latest runs that involve one of the attempt's
    answers."""
    answer_ids = sa.select(Answer.id).where(Answer.attempt_id == attempt_id)
    return list(
        db.session.scalars(
            sa.select(SimilarityPair)
            .where(
                SimilarityPair.run_id.in_(latest_done_runs()),
                SimilarityPair.flagged,
                SimilarityPair.decision.is_(None),
                sa.or_(
                    SimilarityPair.answer_a_id.in_(answer_ids),
                    SimilarityPair.answer_b_id.in_(answer_ids),
                ),
            )
            .order_by(SimilarityPair.id)
        )
    )
