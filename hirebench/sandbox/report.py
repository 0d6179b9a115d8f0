"""Checking what comes out of a sandbox. The judge's report is read as JSON only (never
unpickled), size-capped by the reader, validated against a schema, and must echo the nonce
of the job it answers. Points are never taken from it: the host assigns them."""

from __future__ import annotations

from typing import Any

import jsonschema

_TEXT = {"type": "string", "maxLength": 20_000}
# The judge clips what a test printed and its formatted traceback to these; anything longer is
# not a report this judge wrote.
TEST_OUTPUT_MAX = 4_000
TEST_TRACEBACK_MAX = 8_000
_SECONDS = {"type": "number", "minimum": 0, "maximum": 86_400}

REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["nonce", "cells", "tests", "kernel_alive"],
    "properties": {
        "nonce": {"type": "string", "maxLength": 128},
        "setup_error": {"type": ["string", "null"], "maxLength": 2000},
        "kernel_alive": {"type": "boolean"},
        "execute_seconds": _SECONDS,
        "test_seconds": _SECONDS,
        "cells": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "required": ["label", "status"],
                "properties": {
                    "label": _TEXT,
                    "status": {"enum": ["ok", "error", "timeout", "skipped"]},
                    "error": _TEXT,
                    "output": _TEXT,
                    "seconds": _SECONDS,
                    # A grader cell (setup, read-only, test) that failed when the judge re-ran it.
                    "judge_error": {"type": "string", "maxLength": TEST_TRACEBACK_MAX},
                },
            },
        },
        "tests": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "required": ["id", "status"],
                "properties": {
                    "id": {"type": "string", "maxLength": 200},
                    "status": {"enum": ["passed", "failed", "error", "timeout"]},
                    "message": _TEXT,
                    "seconds": _SECONDS,
                    "output": {"type": "string", "maxLength": TEST_OUTPUT_MAX},
                    "traceback": {"type": "string", "maxLength": TEST_TRACEBACK_MAX},
                    # Values the judge recorded for the host (any JSON); the reader's size cap
                    # bounds it, as it bounds the whole report.
                    "captured": {},
                },
            },
        },
    },
}


class ReportError(ValueError):
    pass


def check_report(report: dict[str, Any], nonce: str, test_ids: list[str]) -> dict[str, Any]:
    """The report if it is well-formed, answers this job and covers exactly its tests."""
    try:
        jsonschema.validate(report, REPORT_SCHEMA)
    except jsonschema.ValidationError as exc:
        raise ReportError(f"malformed sandbox report: {exc.message}") from exc
    if report["nonce"] != nonce:
        raise ReportError("the sandbox report does not answer this job")
    reported = [test["id"] for test in report["tests"]]
    if reported != test_ids:
        raise ReportError("the sandbox report does not match the tests that were sent")
    return report
