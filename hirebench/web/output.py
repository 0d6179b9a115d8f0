"""Pages and JSON that can always be sent, whatever text is stored.

input.py refuses text that is not valid Unicode, but rows written before that check (or by
an import that skipped it) may still hold lone surrogates, and one of them in a page makes
encoding the response fail. Templates and JSON responses show them as U+FFFD instead."""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from hirebench.unicode_text import SURROGATES, scrub


def finalize(value: Any) -> Any:
    """Jinja's finalize: runs on every `{{ ... }}` value before it is escaped."""
    if isinstance(value, str) and SURROGATES.search(value):
        if isinstance(value, Markup):
            # Already markup; only surrogates change, to a character that is no markup.
            return Markup(scrub(value))  # noqa: S704
        return scrub(value)
    return value


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


class TextSafeJSONProvider(DefaultJSONProvider):
    """JSON out (jsonify, |tojson) with lone surrogates replaced by U+FFFD."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        # ASCII output writes surrogates (and emoji, as pairs) as \udXXX escapes; other
        # output holds them as they are. Text without either, nearly all of it, is done.
        if "\\ud" not in text and not SURROGATES.search(text):
            return text
        # Read back, every value is plain JSON data, whatever `default` turned it from.
        fixed = _scrubbed(json.loads(text))
        return super().dumps(fixed, **kwargs)
