"""Errors that services raise for bad input; views and the CLI turn them into messages."""

from __future__ import annotations

from flask_babel import gettext as _


class ServiceError(ValueError):
    """A request the service refuses, with a message fit to show the user."""


def bounded_text(
    value: object, limit: int, what: str, error: type[ServiceError] = ServiceError
) -> str:
    """Free text from a form (notes, comments, summaries): Windows line ends made plain,
    trimmed, and refused with `error` when longer than `limit` characters."""
    text = str(value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise error(_("%(what)s is longer than %(limit)d characters.", what=what, limit=limit))
    return text
