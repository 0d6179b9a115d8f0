"""Absolute links for mail and other messages that leave the site.

They are built from HIREBENCH_BASE_URL, never from the request's Host header: the client
chooses that header, and a forged one would otherwise put an attacker's host into an
invitation mail (and hand them the token when the candidate clicks)."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

log = logging.getLogger(__name__)


@cache
def _warn_no_base_url() -> None:
    """Once per process: the warning matters, a line per mail would drown it."""
    log.warning("HIREBENCH_BASE_URL is not set; links in mail use the request's host instead")


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an endpoint under BASE_URL (and its path prefix, if any)."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    if not base:
        # Development only: production (HIREBENCH_HTTPS=1) refuses to start without BASE_URL.
        _warn_no_base_url()
        if not has_request_context() and not current_app.config.get("SERVER_NAME"):
            # The worker and the CLI (offer expiry, the demo seed) have no host to name: a
            # path in the mail is better than the change failing.
            return current_app.url_map.bind("localhost").build(endpoint, values)
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
