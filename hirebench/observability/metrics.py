"""The metrics hirebench records as things happen (prometheus-client). Values that are state
rather than events (queue depth, outbox lag, warm sandboxes) are read at scrape time instead,
by `hirebench.observability.scrape`.

Under gunicorn each worker process has its own memory; with PROMETHEUS_MULTIPROC_DIR set
(before the process starts: prometheus-client reads it when imported) every process writes its
samples to files there and a scrape adds them up. Only counters and histograms are recorded
here, so no gauge needs a multiprocess mode."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Web latencies: the autosave target (p99 under 150 ms) falls on a bucket edge.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
GRADING_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: Methods a label may name; anything else is "other", so a client cannot add label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "hirebench_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint (never the raw path), method and status.",
    ["endpoint", "method", "status"],
    buckets=REQUEST_BUCKETS,
)
AUTOSAVE_SECONDS = Histogram(
    "hirebench_autosave_duration_seconds",
    "Time to store one autosaved exam answer; outcome saved, rejected (4xx) or error (5xx).",
    ["outcome"],
    buckets=REQUEST_BUCKETS,
)
GRADING_SECONDS = Histogram(
    "hirebench_grading_duration_seconds",
    "Time the grader took on one claim of a grading job, by mode and result status.",
    ["mode", "outcome"],
    buckets=GRADING_BUCKETS,
)
GRADING_TURNAROUND_SECONDS = Histogram(
    "hirebench_grading_turnaround_seconds",
    "Time from a grading job's submission to its stored result (queue wait included).",
    ["mode"],
    buckets=GRADING_BUCKETS,
)
GRADING_OUTCOMES = Counter(
    "hirebench_grading_jobs",
    "Grading jobs that ended a claim: graded, error (the result says why), requeued or "
    "failed (a lost worker; failed once no attempt is left), refused (over the size cap).",
    ["outcome"],
)


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint, method_label(method), str(status)).observe(seconds)


def autosave_outcome(status: int) -> str:
    if status >= 500:
        return "error"
    return "rejected" if status >= 400 else "saved"


def observe_autosave(status: int, seconds: float) -> None:
    AUTOSAVE_SECONDS.labels(autosave_outcome(status)).observe(seconds)


def observe_grading(mode: str, outcome: str, seconds: float, turnaround: float | None) -> None:
    """A claim of a grading job ended with a stored result."""
    GRADING_SECONDS.labels(mode, outcome).observe(seconds)
    if turnaround is not None:
        GRADING_TURNAROUND_SECONDS.labels(mode).observe(max(0.0, turnaround))
    GRADING_OUTCOMES.labels(outcome).inc()


def count_grading_outcome(outcome: str) -> None:
    """A grading job ended without running the grader (requeued, failed, refused)."""
    GRADING_OUTCOMES.labels(outcome).inc()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class _Recorded(Collector):
    """What this process (or, in multiprocess mode, every process) recorded."""

    def collect(self) -> Iterator[Metric]:
        if multiprocess_dir():
            collected = CollectorRegistry()
            MultiProcessCollector(collected)
            yield from collected.collect()
        else:
            yield from REGISTRY.collect()


def exposition(scraped: Iterable[Collector]) -> bytes:
    """The text format of everything recorded plus the scrape-time collectors."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Recorded())
    for collector in scraped:
        registry.register(collector)
    return generate_latest(registry)
