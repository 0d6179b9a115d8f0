"""The grading queue's settings: read from app.config, then from the HIREBENCH_<NAME>
environment variable, then the defaults here (docs/grading-queue.md lists them)."""

from __future__ import annotations

import os
from typing import cast

from flask import Flask, current_app

DEFAULTS: dict[str, float] = {
    "GRADING_WORKERS": 2,  # embedded mode: grading threads per process
    "GRADING_HEARTBEAT_TIMEOUT": 60.0,  # seconds without a heartbeat before a job is lost
    "GRADING_REAP_INTERVAL": 15.0,  # seconds between sweeps (reap lost jobs, re-ring doorbells)
    "GRADING_JOB_TIMEOUT": 900.0,  # RQ job timeout; also, a job running longer is reaped
    "GRADING_MAX_ATTEMPTS": 2,  # claims per job before it is failed
    "GRADING_SUBMISSION_MAX_BYTES": 2 * 1024 * 1024,
    "GRADING_RESULT_MAX_BYTES": 1024 * 1024,  # stored result JSON (PrairieLearn caps results too)
}


def current() -> Flask:
    """The app of the current application context (the real object, not the proxy)."""
    return cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]


def setting(name: str, app: Flask | None = None) -> float:
    app = app or current()
    value = app.config.get(name)
    if value is None:
        value = os.environ.get("HIREBENCH_" + name)
    if value is None:
        value = DEFAULTS[name]
    return float(value)
