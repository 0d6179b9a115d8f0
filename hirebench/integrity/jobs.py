"""When similarity runs (docs/integrity.md, "In hirebench"): in the worker, never in a web
request. One periodic task (registered in hirebench.wiring with the outbox dispatcher) does
two things each time:

1. **Schedules** a run for each comparable part of each exam version whose submissions have
   closed: new closed attempts since that part's last run, and either nobody still writing
   the version or the newest of those attempts a day old (an exam open for weeks is still
   compared daily).
2. **Carries out** queued runs, HR's "run similarity now" among them, one at a time until its
   time budget is spent. A run is claimed with one conditional UPDATE, so two workers never
   run the same one; a run left "running" by a worker that died is queued again.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa

from hirebench.exams.loader import version_definition
from hirebench.extensions import db
from hirebench.integrity import answers as cohorts
from hirebench.integrity import service
from hirebench.models import (
    Attempt,
    AttemptStatus,
    ExamVersion,
    SimilarityRun,
    SimilarityStatus,
)
from hirebench.models.base import utcnow

log = logging.getLogger(__name__)

EVERY_SECONDS = 120
#: Work per tick: the dispatcher's loop also delivers mail and webhooks, so a long backlog of
#: runs is spread over ticks instead of holding them up.
BUDGET_SECONDS = 30.0
#: A run "running" for longer than this was left by a worker that stopped; 500 submissions
#: take seconds (bench/similarity.py), so this is generous.
STALE_AFTER = timedelta(minutes=30)
#: An exam version that always has someone writing is still compared once a day.
RERUN_AFTER = timedelta(days=1)


def tick() -> None:
    """The periodic task: schedule what has closed, then run what is queued."""
    schedule_closed()
    run_queued()


def _last_runs(version_id: int) -> dict[tuple[str, str], datetime]:
    rows = db.session.execute(
        sa.select(
            SimilarityRun.question_id, SimilarityRun.part, sa.func.max(SimilarityRun.created_at)
        )
        .where(SimilarityRun.exam_version_id == version_id)
        .group_by(SimilarityRun.question_id, SimilarityRun.part)
    )
    return {(question, part): at for question, part, at in rows}


def _closed_versions(now: datetime) -> list[tuple[int, datetime, bool]]:
    """(version id, newest submission, anyone still writing) for versions with two or more
    candidates' closed attempts."""
    writing = (
        sa.select(Attempt.exam_version_id)
        .where(Attempt.status == AttemptStatus.in_progress, Attempt.deadline_at > now)
        .distinct()
    )
    rows = db.session.execute(
        sa.select(
            Attempt.exam_version_id,
            sa.func.max(Attempt.submitted_at),
            Attempt.exam_version_id.in_(writing),
        )
        .where(Attempt.status != AttemptStatus.in_progress, Attempt.submitted_at.is_not(None))
        .group_by(Attempt.exam_version_id)
        .having(sa.func.count(sa.distinct(Attempt.candidate_id)) >= 2)
    )
    return [(version_id, newest, bool(open_)) for version_id, newest, open_ in rows if newest]


def schedule_closed(now: datetime | None = None) -> list[SimilarityRun]:
    """Queue a run for every part whose cohort has changed since its last run and has closed
    (see the module's docstring). Idempotent: a part already waiting is not queued again."""
    now = now or utcnow()
    queued = []
    for version_id, newest, writing in _closed_versions(now):
        if writing and now - newest < RERUN_AFTER:
            continue
        version = db.session.get(ExamVersion, version_id)
        assert version is not None
        last = _last_runs(version_id)
        for target in cohorts.targets(version_definition(version)):
            ran = last.get((target.question_id, target.part))
            if ran is not None and ran >= newest:
                continue
            run, added = service.queue_run(version, target)
            if added:
                queued.append(run)
    if queued:
        log.info("queued %d similarity runs for closed exams", len(queued))
    return queued


def requeue_stale(now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - STALE_AFTER
    result = db.session.execute(
        sa.update(SimilarityRun)
        .where(SimilarityRun.status == SimilarityStatus.running, SimilarityRun.started_at < cutoff)
        .values(status=SimilarityStatus.queued, started_at=None)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def claim(run_id: int) -> SimilarityRun | None:
    """The run, now ours and running; None when another worker took it first."""
    result = db.session.execute(
        sa.update(SimilarityRun)
        .where(SimilarityRun.id == run_id, SimilarityRun.status == SimilarityStatus.queued)
        .values(status=SimilarityStatus.running, started_at=utcnow())
    )
    db.session.commit()
    if getattr(result, "rowcount", 0) != 1:
        return None
    return db.session.get(SimilarityRun, run_id)


def run_queued(budget_seconds: float = BUDGET_SECONDS) -> list[SimilarityRun]:
    """Carry out queued runs, oldest first, until the budget is spent."""
    requeue_stale()
    started = time.monotonic()
    finished: list[SimilarityRun] = []
    while time.monotonic() - started < budget_seconds:
        run_id = db.session.scalar(
            sa.select(SimilarityRun.id)
            .where(SimilarityRun.status == SimilarityStatus.queued)
            .order_by(SimilarityRun.id)
            .limit(1)
        )
        if run_id is None:
            break
        run = claim(run_id)
        if run is not None:
            finished.append(service.execute(run))
    return finished
