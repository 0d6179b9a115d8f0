"""The sweeper's decisions: which running jobs have lost their worker (requeued while attempts
remain, else failed), and which queued jobs may have lost their doorbell. Every process that
grades or submits sweeps periodically (hirebench.grading.queue.sweep rings what these return),
so a dead worker or a lost doorbell is always repaired."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.grading.claims import Handed, abandon, announce_finished, host_pid, notify_settled
from hirebench.grading.settings import setting
from hirebench.models.base import utcnow
from hirebench.models.grading import GradingJob, JobStatus
from hirebench.sandbox.owner import owner_gone, parse_owner

log = logging.getLogger(__name__)

# Queued jobs younger than this are left to the doorbell rung at submission.
REDISPATCH_GRACE_SECONDS = 5.0
REDISPATCH_BATCH = 1000


@dataclass
class Reaped:
    taken: int = 0  # jobs taken back from their worker
    requeued: list[Handed] = field(default_factory=list)  # of those, the ones to ring again


def take_back_stale(now: datetime | None = None) -> Reaped:
    """Requeue or fail running jobs whose worker is gone: its process provably ended (same
    host, see hirebench/sandbox/owner.py), no heartbeat for GRADING_HEARTBEAT_TIMEOUT seconds,
    or running longer than GRADING_JOB_TIMEOUT."""
    now = now or utcnow()
    lost_before = now - timedelta(seconds=setting("GRADING_HEARTBEAT_TIMEOUT"))
    overrun_before = now - timedelta(seconds=setting("GRADING_JOB_TIMEOUT"))
    lost = sa.or_(GradingJob.heartbeat_at.is_(None), GradingJob.heartbeat_at < lost_before)
    overrun = GradingJob.started_at < overrun_before
    # Every running job is looked at: few run at once, and a dead owner is known at once.
    rows = db.session.execute(
        sa.select(
            GradingJob.id,
            GradingJob.attempts,
            GradingJob.worker,
            GradingJob.heartbeat_at,
            GradingJob.started_at,
            GradingJob.grader_ref,
        )
        .where(GradingJob.status == JobStatus.running)
        .order_by(GradingJob.id)
    ).all()
    db.session.commit()
    reaped = Reaped()
    for row in rows:
        owner = parse_owner(row.worker)
        if owner is not None and owner_gone(owner):
            why, stale = "worker lost", None  # its process is gone: no need to wait
        elif _is_lost(row.heartbeat_at, lost_before) or _before(row.started_at, overrun_before):
            fresh = not _is_lost(row.heartbeat_at, lost_before)
            why, stale = ("timed out" if fresh else "worker lost"), sa.or_(lost, overrun)
        else:
            continue
        status = abandon(
            row.id, row.worker, row.attempts, now, f"{why} ({host_pid(row.worker)})", stale
        )
        db.session.commit()
        if status is not None:
            reaped.taken += 1
        if status is JobStatus.queued:
            reaped.requeued.append((row.id, row.attempts))
        elif status is JobStatus.failed:
            announce_finished(row.id, row.grader_ref)
    if reaped.taken:
        notify_settled()
    return reaped


def _before(moment: datetime | None, cutoff: datetime) -> bool:
    return moment is not None and moment < cutoff


def _is_lost(heartbeat: datetime | None, lost_before: datetime) -> bool:
    return heartbeat is None or heartbeat < lost_before


def queued_to_ring(grace: float = REDISPATCH_GRACE_SECONDS) -> list[Handed]:
    """Queued jobs older than `grace` seconds whose doorbell may be lost (a restarted process,
    an RQ job evicted or failed), oldest first."""
    cutoff = utcnow() - timedelta(seconds=grace)
    rows = db.session.execute(
        sa.select(GradingJob.id, GradingJob.attempts)
        .where(GradingJob.status == JobStatus.queued, GradingJob.submitted_at <= cutoff)
        .order_by(GradingJob.id)
        .limit(REDISPATCH_BATCH)
    ).all()
    db.session.commit()
    return [(row.id, row.attempts) for row in rows]
