"""The one place where modules are told about each other: event receivers, and the hooks that
lower layers (grading) call without importing the domain. create_app calls `connect` once per
process, so web requests, RQ workers and CLI commands share the same wiring."""

from __future__ import annotations

from hirebench.exams import grading_hooks

_connected = False


def connect() -> None:
    """Connect every receiver. Idempotent: apps made in tests share one process."""
    global _connected
    if _connected:
        return
    _connected = True
    # Receivers are added here, one line each, grouped by the module that reacts.
    # grading: exams resolve `attempt-answer:` graders and close overdue attempts on each sweep.
    grading_hooks.register()
