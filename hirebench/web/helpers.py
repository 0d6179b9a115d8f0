"""Small view helpers."""

from __future__ import annotations

from flask import request


def client_ip() -> str:
    return request.remote_addr or ""


def page_number() -> int:
    """The ?page= query argument, clamped so a bad value shows page 1 instead of an error."""
    value = request.args.get("page", 1, type=int) or 1
    return max(1, min(value, 100_000))
