"""File names from uploads, made fit to store and show. Shared by portfolio uploads and resume
imports, so both clean names the same way.

A name is whatever the sender's browser or archive said. Invisible characters (a right-to-left
override especially) can make "cv\u202efdp.exe" look like "cvexe.pdf", and NUL or line
breaks break logs and databases; they are removed. A name that is too long is shortened in
its stem, never its extension, which is what the type checks and the reader go by."""

from __future__ import annotations

import re
import unicodedata

# Controls, formatting (bidi overrides, zero-width joiners), surrogates, private use,
# unassigned code points, and the line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SEPARATORS = re.compile(r"[/\\]")
# An extension longer than this is not one ("notes.this is a sentence about the file").
_MAX_EXTENSION_CHARS = 16


def visible(name: str) -> str:
    """The name in NFC with every invisible character removed, trimmed."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in INVISIBLE_CATEGORIES
    ).strip()


def path_parts(name: str) -> list[str]:
    """Old browsers and archives send a whole client-side path, with either separator."""
    return _SEPARATORS.split(name)


def fit(base: str, limit: int) -> str:
    """`base` cut to at most `limit` characters, keeping its extension."""
    if len(base) <= limit:
        return base
    _stem, dot, extension = base.rpartition(".")
    suffix = dot + extension if dot and len(extension) <= _MAX_EXTENSION_CHARS else ""
    return base[: limit - len(suffix)].rstrip(" .") + suffix


def shown_name(name: str, limit: int) -> str:
    """A name fit to show in a message, whatever was sent, its extension kept."""
    return fit(visible(name), limit)


def base_name(name: str, limit: int) -> str:
    """The last part of a path, visible characters only, at most `limit` long; may be ""."""
    return fit(path_parts(visible(name))[-1].strip(), limit)
