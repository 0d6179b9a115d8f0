"""Uploaded files: the checks that portfolio uploads and resume imports share, so both clean
names, measure sizes and open archives the same way. Each caller words its own errors.

A name is whatever the sender's browser or archive said. Invisible characters (a right-to-left
override especially) can make "cv\u202efdp.exe" look like "cvexe.pdf", and NUL or line
breaks break logs and databases; they are removed. A name that is too long is shortened in
its stem, never its extension, which is what the type checks and the reader go by."""

from __future__ import annotations

import copy
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from typing import Literal

# Controls, formatting (bidi overrides, zero-width joiners), surrogates, private use,
# unassigned code points, and the line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SEPARATORS = re.compile(r"[/\\]")
# An extension longer than this is not one ("notes.this is a sentence about the file").
_MAX_EXTENSION_CHARS = 16
PDF_HEADER = b"%PDF-"
# zipfile inflates bzip2 and LZMA without an output limit, so even a small chunk of such an
# entry could fill memory; every common tool writes Deflate, so only these two are opened.
SAFE_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What reading a damaged or hostile ZIP archive raises, from the directory to the last chunk.
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)
_CHUNK = 64 * 1024


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


def extension(name: str) -> str:
    """The lower-case extension without its dot ("pdf"), or "" when the name has none."""
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def size_problem(data: bytes, max_bytes: int) -> Literal["empty", "too_large"] | None:
    """Why an upload's size alone refuses it, if it does."""
    if not data:
        return "empty"
    return "too_large" if len(data) > max_bytes else None


def human_size(n: int) -> str:
    """A byte count as people read it in messages: 20 MB, 512 KB, 300 bytes."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if n >= 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{n} bytes"


def is_pdf(data: bytes) -> bool:
    """Starts with a PDF header. Stricter than filetype, which also accepts a byte-order mark
    and no dash, neither of which a PDF reader should be given."""
    return data.startswith(PDF_HEADER)


def inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The entry's data in chunks, read through `budget` + 1 bytes at most, so a caller counting
    the chunks sees an entry that is bigger than its header says: zipfile itself stops at the
    declared size. Raises what ZIP_ERRORS lists on damaged data."""
    probe = copy.copy(info)
    probe.file_size = budget + 1
    with archive.open(probe) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk
