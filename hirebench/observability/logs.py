"""Log lines: plain text by default, JSON lines with HIREBENCH_LOG_FORMAT=json. Every JSON line
carries time, level, logger, message and request_id (null outside a request or job), plus
job_id inside a grading job and the traceback as `exception` when there is one."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from hirebench.observability import context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
# Marks the handler this module installed, so configuring again replaces it instead of adding
# a second one (tests and the CLI build many apps in one process).
_OURS = "_hirebench_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or context.request_id(),
        }
        job = getattr(record, "job_id", None) or context.job_id()
        if job is not None:
            line["job_id"] = job
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        # default=str: a message argument that is not JSON (a Path, a datetime) still logs.
        return json.dumps(line, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is at each line, like logging's last-resort handler, so a
    redirect made after start-up (a test's capture, a daemon's log file) is followed."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def configure(log_format: str, stream: IO[str] | None = None) -> None:
    """Set up the root logger for `log_format` ("text" or "json"). Text keeps logging's
    basicConfig behaviour (nothing changes when a handler is already there); JSON replaces
    plain stream handlers, so no line is written twice in two formats."""
    root = logging.getLogger()
    if log_format != "json":
        logging.basicConfig(level=logging.INFO, format=TEXT_FORMAT)
        return
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter())
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
