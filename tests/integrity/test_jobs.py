"""When similarity runs (hirebench.integrity.jobs): the worker's periodic task queues the parts
of exam versions whose submissions have closed, once, and carries out queued runs; a run is
claimed by one worker only, and one left running by a dead worker is queued again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.integrity import jobs, service
from hirebench.models import SimilarityPair, SimilarityRun, SimilarityStatus, User
from hirebench.models.base import utcnow
from hirebench.models.people import Role
from hirebench.outbox import dispatcher
from tests.factories import row
from tests.integrity.conftest import CODING, Sat, sit
from tests.integrity.material import CODE_DEE


def statuses() -> list[str]:
    return sorted(r.status.value for r in db.session.scalars(sa.select(SimilarityRun)))


def test_the_worker_runs_it_every_two_minutes(sat: Sat) -> None:
    task, every = dispatcher.periodic_tasks()["integrity-similarity"]
    assert task is jobs.tick and every == jobs.EVERY_SECONDS == 120


def test_closed_exams_are_queued_once_and_run(sat: Sat) -> None:
    queued = jobs.schedule_closed()
    assert len(queued) == 4 and statuses() == ["queued"] * 4
    assert jobs.schedule_closed() == []  # already waiting
    jobs.tick()
    assert statuses() == ["done"] * 4
    assert jobs.schedule_closed() == []  # nothing new since the runs
    assert all(r.requested_by_id is None for r in db.session.scalars(sa.select(SimilarityRun)))


def test_a_new_submission_queues_the_parts_again(sat: Sat, make_user: Callable[..., User]) -> None:
    jobs.tick()
    late = make_user(Role.candidate, email="late@example.com")
    sit(row(User, late.id), sat.exam(), {CODING: CODE_DEE})
    assert len(jobs.schedule_closed(now=utcnow() + timedelta(seconds=1))) == 4


def test_nothing_is_queued_while_someone_is_still_writing_unless_a_day_passed(
    sat: Sat, make_user: Callable[..., User]
) -> None:
    writer = make_user(Role.candidate, email="writer@example.com")
    attempt = sit(row(User, writer.id), sat.exam(), {CODING: CODE_DEE}, submit=False)
    assert jobs.schedule_closed() == []
    # Someone is always writing an exam that stays open for weeks: the writer's deadline is
    # moved past the check, so only the age of the newest submission lets the run go ahead.
    later = utcnow() + jobs.RERUN_AFTER + timedelta(minutes=1)
    attempt.deadline_at = later + timedelta(hours=1)
    db.session.commit()
    assert jobs.schedule_closed(now=later - timedelta(hours=2)) == []
    assert len(jobs.schedule_closed(now=later)) == 4


def test_a_run_is_claimed_by_one_worker_only(sat: Sat) -> None:
    service.queue_exam(sat.exam())
    first = db.session.scalars(sa.select(SimilarityRun).order_by(SimilarityRun.id)).first()
    assert first is not None
    claimed = jobs.claim(first.id)
    assert claimed is not None and claimed.status is SimilarityStatus.running
    assert claimed.started_at is not None
    assert jobs.claim(first.id) is None


def test_a_run_left_running_by_a_dead_worker_is_queued_again(sat: Sat) -> None:
    service.queue_exam(sat.exam())
    run = db.session.scalars(sa.select(SimilarityRun)).first()
    assert run is not None and jobs.claim(run.id) is not None
    assert jobs.requeue_stale() == 0  # a fresh claim is left alone
    assert jobs.requeue_stale(now=utcnow() + jobs.STALE_AFTER + timedelta(minutes=1)) == 1
    db.session.refresh(run)
    assert run.status is SimilarityStatus.queued and run.started_at is None


def test_the_budget_bounds_one_tick(sat: Sat) -> None:
    service.queue_exam(sat.exam())
    # With no time at all nothing is started; the runs wait for the next tick.
    assert jobs.run_queued(budget_seconds=0) == []
    assert statuses() == ["queued"] * 4


@pytest.mark.postgres
class TestOnPostgres:
    """The schedule's grouped query, the partial unique index and the claim on PostgreSQL."""

    @pytest.fixture
    def app_config(self, app_config: dict[str, Any], postgres_url: str) -> dict[str, Any]:
        return {**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url}

    def test_schedule_claim_and_run(self, sat: Sat) -> None:
        assert len(jobs.schedule_closed()) == 4
        assert jobs.schedule_closed() == []
        first = db.session.scalars(sa.select(SimilarityRun).order_by(SimilarityRun.id)).first()
        assert first is not None
        claimed = jobs.claim(first.id)
        assert claimed is not None and jobs.claim(first.id) is None
        service.execute(claimed)  # the claimer runs it; the tick takes the other three
        jobs.tick()
        assert statuses() == ["done"] * 4
        flagged = db.session.scalars(sa.select(SimilarityPair).where(SimilarityPair.flagged)).all()
        assert {(p.candidate_a_id, p.candidate_b_id) for p in flagged} == {
            (sat.users["ana"], sat.users["eve"])
        }
