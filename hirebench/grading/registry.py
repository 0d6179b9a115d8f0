"""What grading needs from the domain, registered at app start (hirebench.wiring) instead of
imported: grading knows nothing of exams, yet an `attempt-answer:<id>` reference must be graded
with the grader stored in that attempt's exam version, and the sweeper also closes overdue exams.

Both registries are process-wide: every app in a process (tests make many) is wired alike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from hirebench.grading.formats import GraderSpec

log = logging.getLogger(__name__)

#: Resolves a grader reference to the grader to use, or None when it names nothing.
GraderSource = Callable[[str], GraderSpec | None]
#: A task the grading sweeper runs on every sweep, inside an application context.
PeriodicTask = Callable[[], Any]

_sources: dict[str, GraderSource] = {}
_periodic: dict[str, PeriodicTask] = {}


def register_grader_source(prefix: str, resolve: GraderSource) -> None:
    """Grader references starting with `prefix` are resolved by `resolve` (registering a prefix
    again replaces its resolver, so wiring twice is harmless)."""
    if not prefix:
        raise ValueError("a grader source needs a non-empty prefix")
    _sources[prefix] = resolve


def register_periodic(task: PeriodicTask) -> None:
    """Run `task` on every grading sweep. Keyed by its qualified name, so re-registering the
    same function does not run it twice."""
    _periodic[f"{task.__module__}.{task.__qualname__}"] = task


def grader_from_source(grader_ref: str) -> GraderSpec | None:
    """The grader a registered source gives for `grader_ref`; None when no source claims the
    reference or its source finds nothing (the caller then reads it as a notebook path)."""
    for prefix, resolve in _sources.items():
        if grader_ref.startswith(prefix):
            return resolve(grader_ref)
    return None


def run_periodic() -> None:
    """Run every periodic task once. A task's database errors propagate, as the sweeper's own
    do: the sweeper logs them and tries again at its next sweep."""
    for task in list(_periodic.values()):
        task()
