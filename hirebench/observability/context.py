"""The request id and grading job id of the code running now, for log lines.

A request gets its id in a before_request hook (`hirebench.web.metrics`); a grading job runs
in another thread or process, so the id of the request that queued it travels with the job:
`remember_origin` at dispatch (a bounded map in this process, for the embedded pool) or the
RQ doorbell's argument (`adopt_origin` in the worker)."""

from __future__ import annotations

import contextvars
import functools
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hirebench_request_id", default=None
)
_job_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "hirebench_job_id", default=None
)

# An incoming id is copied into every log line, so it must not be able to forge one: no spaces,
# quotes, newlines or control characters, and short. UUIDs, hex trace ids and base64 ids fit.
_SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
MAX_REMEMBERED = 10_000

_origins: OrderedDict[int, str] = OrderedDict()
_origins_lock = threading.Lock()


def sanitise(value: str | None) -> str | None:
    """The incoming X-Request-ID when it is safe to log as is, else None."""
    if value is None:
        return None
    value = value.strip()
    return value if _SANE_ID.fullmatch(value) else None


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id() -> str | None:
    return _request_id.get()


def job_id() -> int | None:
    return _job_id.get()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def remember_origin(job: int) -> None:
    """Note the current request as the origin of grading job `job`, for the pool thread that
    will run it. Outside a request this does nothing; the map forgets its oldest entries."""
    current = _request_id.get()
    if current is not None:
        adopt_origin(job, current)


def adopt_origin(job: int, origin: str | None) -> None:
    """Record `origin` (a request id, e.g. from an RQ doorbell) for grading job `job`."""
    origin = sanitise(origin)
    if origin is None:
        return
    with _origins_lock:
        _origins[job] = origin
        _origins.move_to_end(job)
        while len(_origins) > MAX_REMEMBERED:
            _origins.popitem(last=False)


def origin_of(job: int) -> str | None:
    with _origins_lock:
        return _origins.get(job)


@contextmanager
def job_scope(job: int) -> Iterator[None]:
    """Log lines inside carry the job id and the id of the request that queued the job."""
    job_token = _job_id.set(job)
    request_token = _request_id.set(origin_of(job) or _request_id.get())
    try:
        yield
    finally:
        _request_id.reset(request_token)
        _job_id.reset(job_token)


def in_job_scope(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function(job_id, ...)` inside `job_scope(job_id)`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        job = args[0] if args else kwargs.get("job_id")
        if not isinstance(job, int):
            return function(*args, **kwargs)
        with job_scope(job):
            return function(*args, **kwargs)

    return wrapper
