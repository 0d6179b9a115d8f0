"""Text that is not valid Unicode. A lone UTF-16 surrogate (half of an emoji, say) can be
written as the escape "\\ud83d" in JSON and YAML, and Python decodes it into a str, but that str
cannot be encoded as UTF-8 again: a page or file that shows it fails. Entry points refuse such
text with these helpers; output shows what was stored before as U+FFFD."""

from __future__ import annotations

import re
from typing import Any

SURROGATES = re.compile("[\ud800-\udfff]")


def has_surrogates(value: Any) -> bool:
    """True if any string in a decoded JSON value (keys included) holds a surrogate code
    point. Python's JSON decoder joins a proper pair into one character, so any left is a
    lone half. Iterative: JSON nests deeper than Python's recursion limit allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if SURROGATES.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def scrub(text: str) -> str:
    """`text` with every surrogate replaced by U+FFFD, so it can be encoded as UTF-8."""
    return SURROGATES.sub("\ufffd", text)
