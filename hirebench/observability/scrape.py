"""Metrics read at scrape time: the grading queue's depth and age, the outbox lag and this
process's warm sandboxes. State, not events: cheap COUNT and MIN queries on indexed status
columns, so every web process reports the same numbers and nothing has to be kept in step.
Runs inside the application context of the /metrics request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from hirebench.extensions import db
from hirebench.grading.pipeline import current_sandbox_provider
from hirebench.models.base import utcnow
from hirebench.models.grading import GradingJob, JobStatus
from hirebench.models.outbox import (
    DeliveryStatus,
    MailStatus,
    OutgoingMail,
    WebhookDelivery,
)

log = logging.getLogger(__name__)


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def _queue(now: datetime) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        "hirebench_grading_queue_jobs",
        "Grading jobs waiting for a worker (queued) or being graded (running).",
        labels=["status"],
    )
    rows = db.session.execute(
        sa.select(GradingJob.status, sa.func.count(GradingJob.id))
        .where(GradingJob.status.in_([JobStatus.queued, JobStatus.running]))
        .group_by(GradingJob.status)
    ).all()
    counts = {status: count for status, count in rows}
    for status in (JobStatus.queued, JobStatus.running):
        depth.add_metric([status.value], counts.get(status, 0))
    yield depth
    oldest = db.session.scalar(
        sa.select(sa.func.min(GradingJob.submitted_at)).where(GradingJob.status == JobStatus.queued)
    )
    yield GaugeMetricFamily(
        "hirebench_grading_queue_oldest_seconds",
        "Age of the oldest queued grading job (0 when none waits).",
        value=_age(oldest, now),
    )


def _outbox(now: datetime) -> Iterator[Metric]:
    pending = GaugeMetricFamily(
        "hirebench_outbox_pending", "Outbox rows not yet delivered.", labels=["outbox"]
    )
    lag = GaugeMetricFamily(
        "hirebench_outbox_lag_seconds",
        "Age of the oldest undelivered outbox row (0 when none): how far delivery is behind.",
        labels=["outbox"],
    )
    sources = (
        ("webhook", WebhookDelivery, WebhookDelivery.status == DeliveryStatus.pending),
        ("mail", OutgoingMail, OutgoingMail.status == MailStatus.pending),
    )
    for name, model, is_pending in sources:
        count, oldest = db.session.execute(
            sa.select(sa.func.count(model.id), sa.func.min(model.created_at)).where(is_pending)
        ).one()
        pending.add_metric([name], count or 0)
        lag.add_metric([name], _age(oldest, now))
    yield pending
    yield lag


def _warm_pool() -> Iterator[Metric]:
    provider = current_sandbox_provider()
    ready = GaugeMetricFamily(
        "hirebench_sandbox_warm_pool_ready",
        "Ready sandboxes in this process's warm pool (0 when this process has none).",
        value=provider.pool.ready_count() if provider is not None else 0,
    )
    size = GaugeMetricFamily(
        "hirebench_sandbox_warm_pool_size",
        "Ready sandboxes this process's warm pool aims to keep (0 before it starts).",
        value=provider.pool.size if provider is not None else 0,
    )
    return iter((ready, size))


class StateCollector(Collector):
    """Yields the state gauges; a database that cannot answer shows as
    hirebench_metrics_database_up 0 instead of failing the whole scrape."""

    def collect(self) -> Iterator[Metric]:
        yield from _warm_pool()
        now = utcnow()
        try:
            database = [*_queue(now), *_outbox(now)]
            db.session.commit()  # no snapshot held open between scrapes
            up = 1
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            db.session.rollback()
            database, up = [], 0
        yield from database
        yield GaugeMetricFamily(
            "hirebench_metrics_database_up",
            "1 when the database answered this scrape's queries.",
            value=up,
        )
