"""Checking portfolio uploads and keeping them on disk.

Every upload is hostile until proven otherwise. The kind of a file comes from its bytes, never
from its name; the name only has to agree. Archives are inspected in memory and never
extracted, and their sizes are counted while decompressing rather than taken from the headers,
which the uploader wrote."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import logging
import os
import re
import secrets
import stat
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import filetype
import nbformat
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from nbformat import NBFormatError, ValidationError
from nbformat.reader import NotJSONError
from nbformat.reader import reads as read_notebook_json
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning
from PIL import Image

from hirebench.files import (
    SAFE_ZIP_METHODS,
    ZIP_ERRORS,
    extension,
    fit,
    human_size,
    inflate,
    is_pdf,
    path_parts,
    shown_name,
    size_problem,
    visible,
)
from hirebench.services.errors import ServiceError
from hirebench.unicode_text import has_surrogates

log = logging.getLogger(__name__)

UploadCode = Literal[
    "empty",
    "too_large",
    "forbidden_type",
    "type_mismatch",
    "bad_name",
    "corrupt",
    "zip_bomb",
    "zip_traversal",
    "zip_symlink",
    "zip_too_many_entries",
    "zip_encrypted",
    "zip_nested",
]
Kind = Literal["pdf", "image", "notebook", "csv", "markdown", "zip"]

ACCEPTED = "PDF, PNG, JPEG, GIF, WebP, Jupyter notebook (.ipynb), CSV, Markdown (.md) or ZIP"

_EXTENSION_KINDS: dict[str, Kind] = {
    "pdf": "pdf",
    "png": "image",
    "jpg": "image",
    "jpeg": "image",
    "gif": "image",
    "webp": "image",
    "ipynb": "notebook",
    "csv": "csv",
    "md": "markdown",
    "markdown": "markdown",
    "zip": "zip",
}
_KIND_NAMES: dict[Kind, LazyString] = {
    "pdf": _l("a PDF"),
    "image": _l("an image"),
    "notebook": _l("a Jupyter notebook"),
    "csv": _l("a CSV file"),
    "markdown": _l("a Markdown file"),
    "zip": _l("a ZIP archive"),
}
_KIND_EXTENSIONS: dict[Kind, str] = {
    "pdf": ".pdf",
    "image": ".png or .jpg",
    "notebook": ".ipynb",
    "csv": ".csv",
    "markdown": ".md",
    "zip": ".zip",
}
_TEXT_MEDIA_TYPES: dict[Kind, str] = {
    "notebook": "application/x-ipynb+json",
    "csv": "text/csv",
    "markdown": "text/markdown",
}
# Sniffed MIME type -> (kind, the Pillow decoder allowed to open it).
_BINARY_KINDS: dict[str, tuple[Kind, str]] = {
    "application/pdf": ("pdf", ""),
    "application/zip": ("zip", ""),
    "image/png": ("image", "PNG"),
    "image/apng": ("image", "PNG"),  # an animated PNG is still a PNG to every viewer
    "image/jpeg": ("image", "JPEG"),
    "image/gif": ("image", "GIF"),
    "image/webp": ("image", "WEBP"),
}
_IMAGE_MEDIA_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}

_NESTED_EXTENSIONS = (
    *(".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".zst"),
    *(".7z", ".rar", ".cab", ".lz", ".lzma", ".z", ".jar", ".war", ".apk"),
)
_ARCHIVE_MIMES = {
    "application/zip",
    "application/x-tar",
    "application/gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/zstd",
    "application/x-7z-compressed",
    "application/x-rar-compressed",
    "application/vnd.ms-cab-compressed",
    "application/x-compress",
    "application/x-lzip",
    "application/x-lz4",
    "application/x-brotli",
}
# A few kilobytes of blank lines compress a thousandfold without being a bomb; the ratio cap
# only matters once there is real volume behind it.
_RATIO_FLOOR = 1024 * 1024
_COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}
_ZIP_ENCRYPTED = 0x1
_ZIP_STRONG_ENCRYPTION = 0x40
_DRIVE = re.compile(r"[A-Za-z]:")
_STORAGE_NAME = re.compile(r"[0-9a-f]{32}")
_NOT_A_NOTEBOOK = _l("it is not in the Jupyter notebook format")


class UploadError(ServiceError):
    """An upload that was refused; `code` is for programs, the message for the candidate."""

    def __init__(self, filename: str, code: UploadCode, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.filename = filename
        self.code: UploadCode = code


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int = 20 * 1024 * 1024
    max_zip_entries: int = 500
    max_zip_uncompressed_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: float = 100.0
    max_name_chars: int = 200
    max_image_pixels: int = 50_000_000
    max_csv_columns: int = 1_000


DEFAULT_LIMITS = UploadLimits()


@dataclass(frozen=True)
class ZipEntry:
    name: str
    size: int
    compressed_size: int


@dataclass(frozen=True)
class CheckedFile:
    display_name: str
    kind: Kind
    media_type: str
    size: int
    sha256: str
    data: bytes
    entries: tuple[ZipEntry, ...] = ()


def check_upload(filename: str, data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> CheckedFile:
    """Accept `data` as one of the portfolio kinds or raise UploadError saying why not."""
    shown = _printable(filename, limits.max_name_chars)
    size_refused = size_problem(data, limits.max_file_bytes)
    if size_refused == "empty":
        raise UploadError(
            shown,
            "empty",
            _l("%(name)s is empty. Choose the file again and upload it.", name=shown),
        )
    if size_refused == "too_large":
        raise UploadError(
            shown,
            "too_large",
            _l(
                "%(name)s is %(size)s; files may be at most %(limit)s. "
                "Make it smaller or split it into several files.",
                name=shown,
                size=human_size(len(data)),
                limit=human_size(limits.max_file_bytes),
            ),
        )
    name = _display_name(filename, limits.max_name_chars)
    claimed = _EXTENSION_KINDS.get(extension(name))

    entries: tuple[ZipEntry, ...] = ()
    guess = filetype.guess(data)
    binary = _BINARY_KINDS.get(guess.mime) if guess is not None else None
    text = None if binary else _as_text(data)
    if binary is not None:
        kind, decoder = binary
        _require_extension(name, claimed, kind)
        if kind == "pdf":
            media_type = _check_pdf(name, data)
        elif kind == "image":
            media_type = _check_image(name, data, decoder, limits)
        else:
            media_type = "application/zip"
            entries = _check_zip(name, data, limits)
    elif text is not None:
        # Some signatures filetype knows are two letters long ("BM", "MZ"), so a CSV whose
        # first column is "BMI" would pass for a bitmap; readable text wins over them.
        kind = _check_text(name, text, claimed, limits)
        media_type = _TEXT_MEDIA_TYPES[kind]
    elif guess is not None:
        raise _forbidden(name, _l("a file of type %(type)s", type=guess.mime))
    elif claimed in _TEXT_MEDIA_TYPES:
        raise _corrupt(name, claimed, _l("it is not UTF-8 text (save it with UTF-8 encoding)"))
    elif claimed is not None:
        raise _corrupt(name, claimed, _l("its contents are not a recognised file format"))
    else:
        raise _forbidden(name, _l("a file of an unknown type"))

    return CheckedFile(
        display_name=name,
        kind=kind,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        entries=entries,
    )


def _printable(name: str, limit: int) -> str:
    """A name fit to show in a message, whatever the uploader sent."""
    return shown_name(name, limit)


def _is_dots(part: str) -> bool:
    # Windows drops trailing dots and spaces, so "... " can mean a parent directory too.
    part = part.strip()
    return len(part) >= 2 and set(part) == {"."}


def _display_name(filename: str, limit: int) -> str:
    shown = _printable(filename, limit)
    if "\x00" in filename:
        raise _bad_name(shown, _l("it contains a NUL character"))
    # Invisible characters (bidi overrides especially) can disguise the real extension.
    name = visible(filename)
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise _bad_name(shown, _l("it is an absolute path"))
    parts = path_parts(name)
    if any(_is_dots(part) for part in parts):
        raise _bad_name(shown, _l("it points outside its folder with “..”"))
    base = parts[-1].strip()
    if not base or set(base) == {"."}:
        raise _bad_name(shown, _l("no file name is left once unsafe characters are removed"))
    # Shortened in the stem: the extension is what the type check reads.
    return fit(base, limit)


def _as_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _require_extension(name: str, claimed: Kind | None, actual: Kind) -> None:
    if claimed is None:
        raise UploadError(
            name,
            "forbidden_type",
            _l(
                "%(name)s contains %(actual)s but its name does not end in an accepted "
                "extension. Rename it to end in %(extension)s and upload it again.",
                name=name,
                actual=str(_KIND_NAMES[actual]),
                extension=_KIND_EXTENSIONS[actual],
            ),
        )
    if claimed != actual:
        raise UploadError(
            name,
            "type_mismatch",
            _l(
                "%(name)s is named like %(claimed)s but contains %(actual)s. "
                "Upload the right file, or rename it to end in %(extension)s.",
                name=name,
                claimed=str(_KIND_NAMES[claimed]),
                actual=str(_KIND_NAMES[actual]),
                extension=_KIND_EXTENSIONS[actual],
            ),
        )


def _check_pdf(name: str, data: bytes) -> str:
    if not is_pdf(data):
        raise _corrupt(name, "pdf", _l("it does not start with a PDF header"))
    return "application/pdf"


def _check_image(name: str, data: bytes, decoder: str, limits: UploadLimits) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the decoder for the sniffed format may run on these bytes.
            image = Image.open(io.BytesIO(data), formats=[decoder])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, limits) from exc
    except Exception as exc:  # Pillow's decoders raise many types on bad data
        raise _corrupt(name, "image", _l("the image data is damaged")) from exc
    with image:
        width, height = image.size
        if width * height > limits.max_image_pixels:
            raise _too_many_pixels(name, limits)
        try:
            image.verify()
        except Exception as exc:
            raise _corrupt(name, "image", _l("the image data is damaged")) from exc
        return _IMAGE_MEDIA_TYPES[decoder]


def _too_many_pixels(name: str, limits: UploadLimits) -> UploadError:
    return UploadError(
        name,
        "too_large",
        _l(
            "%(name)s has more than %(limit)s megapixels. Scale the image down and upload it "
            "again.",
            name=name,
            limit=limits.max_image_pixels // 1_000_000,
        ),
    )


def _check_text(name: str, text: str, claimed: Kind | None, limits: UploadLimits) -> Kind:
    if not text.strip():
        raise UploadError(
            name, "empty", _l("%(name)s has no content. Check the file and upload it.", name=name)
        )
    if claimed == "notebook" or text.lstrip().startswith("{"):
        problem = _notebook_problem(text)
        if problem is None:
            _require_extension(name, claimed, "notebook")
            return "notebook"
        if claimed == "notebook":
            raise _corrupt(name, "notebook", problem)
    if claimed == "csv":
        _check_csv(name, text, limits)
        return "csv"
    if claimed == "markdown":
        return "markdown"
    raise _forbidden(name, _describe_text(text))


def _notebook_problem(text: str) -> str | LazyString | None:
    """Why `text` is not a valid notebook, or None when it is one."""
    try:
        raw = read_notebook_json(text)
        if has_surrogates(raw):
            # "\ud83d" escapes decode to half an emoji, which no page or export can show.
            return _l("it contains text that is not valid Unicode (half of an emoji)")
        notebook = nbformat.convert(raw, 4)
        with warnings.catch_warnings():
            # Missing ids (notebooks saved before they existed) and duplicated ids (cells
            # pasted by hand) are common and harmless; nbformat repairs both as it validates.
            warnings.simplefilter("ignore", MissingIDFieldWarning)
            warnings.simplefilter("ignore", DuplicateCellId)
            nbformat.validate(notebook)
    except NotJSONError:
        return _l("it is not valid JSON")
    except (ValidationError, NBFormatError) as exc:
        # These carry readable reasons ("missing an expected key: cells"); keep the first line.
        lines = str(exc).strip().splitlines()
        return lines[0][:200] if lines else _NOT_A_NOTEBOOK
    except Exception:  # noqa: BLE001 - converting malformed JSON fails with assorted types
        return _NOT_A_NOTEBOOK
    return None


def _check_csv(name: str, text: str, limits: UploadLimits) -> None:
    widest = 0
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            widest = max(widest, len(row))
    except csv.Error as exc:
        raise _corrupt(name, "csv", str(exc)) from exc
    if widest > limits.max_csv_columns:
        raise UploadError(
            name,
            "too_large",
            _l(
                "%(name)s has %(count)s columns; a CSV file may have at most %(limit)s. "
                "Upload a narrower extract.",
                name=name,
                count=widest,
                limit=limits.max_csv_columns,
            ),
        )


def _describe_text(text: str) -> str | LazyString:
    start = text[:1024].lstrip().lower()
    if "<svg" in start:
        return _l("an SVG image")
    if start.startswith(("<!doctype html", "<html")) or "<script" in start:
        return _l("an HTML page")
    if start.startswith("<?xml"):
        return _l("an XML document")
    if start.startswith(("{", "[")):
        return _l("JSON data")
    return _l("a text file")


def _check_zip(name: str, data: bytes, limits: UploadLimits) -> tuple[ZipEntry, ...]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise _corrupt(name, "zip", str(exc)) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            raise UploadError(
                name,
                "zip_too_many_entries",
                _l(
                    "%(name)s holds %(count)s entries; an archive may hold at most %(limit)s. "
                    "Split it into several archives.",
                    name=name,
                    count=len(infos),
                    limit=limits.max_zip_entries,
                ),
            )
        for info in infos:
            _check_entry(name, info)
        declared = sum(info.file_size for info in infos)
        if (
            declared > limits.max_zip_uncompressed_bytes
            or _too_compressed(declared, len(data), limits)
            or any(_too_compressed(i.file_size, i.compress_size, limits) for i in infos)
        ):
            raise _zip_bomb(name, limits)
        # Each entry must then inflate to exactly its declared size, so the checks above hold
        # for the real data too.
        total = 0
        for info in infos:
            total += _inflate(name, archive, info, total, limits)
    return tuple(
        ZipEntry(i.filename, i.file_size, i.compress_size) for i in infos if not i.is_dir()
    )


def _check_entry(name: str, info: zipfile.ZipInfo) -> None:
    entry = _printable(info.orig_filename, 100)
    path = info.orig_filename.replace("\\", "/")
    if (
        not path
        or "\x00" in path
        or path.startswith("/")
        or _DRIVE.match(path)
        or any(_is_dots(part) for part in path.split("/"))
    ):
        raise UploadError(
            name,
            "zip_traversal",
            _l(
                "%(name)s contains an entry with an unsafe path (%(entry)s). Create the "
                "archive again from a folder of your files.",
                name=name,
                entry=entry,
            ),
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UploadError(
            name,
            "zip_symlink",
            _l(
                "%(name)s contains a symbolic link (%(entry)s). Replace links with the files "
                "they point to and create the archive again.",
                name=name,
                entry=entry,
            ),
        )
    if info.flag_bits & (_ZIP_ENCRYPTED | _ZIP_STRONG_ENCRYPTION):
        raise UploadError(
            name,
            "zip_encrypted",
            _l(
                "%(name)s is password-protected (%(entry)s). Upload an archive without a password.",
                name=name,
                entry=entry,
            ),
        )
    if info.compress_type not in SAFE_ZIP_METHODS:
        method = _COMPRESSION_NAMES.get(info.compress_type, str(info.compress_type))
        raise UploadError(
            name,
            "forbidden_type",
            _l(
                "%(name)s uses %(method)s compression (%(entry)s), which is not accepted. "
                "Create the archive again with standard ZIP (Deflate) compression.",
                name=name,
                method=method,
                entry=entry,
            ),
        )
    if path.lower().endswith(_NESTED_EXTENSIONS):
        raise _nested(name, entry)


def _inflate(
    name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, before: int, limits: UploadLimits
) -> int:
    """Decompress one entry in chunks, counting its real size; returns that size."""
    count = 0
    try:
        for chunk in inflate(archive, info, limits.max_zip_uncompressed_bytes):
            if count == 0 and _is_archive(chunk):
                raise _nested(name, _printable(info.filename, 100))
            count += len(chunk)
            if count > info.file_size or before + count > limits.max_zip_uncompressed_bytes:
                raise _zip_bomb(name, limits)
    except UploadError:
        raise
    except ZIP_ERRORS as exc:
        raise _corrupt(name, "zip", str(exc)) from exc
    if count != info.file_size:
        raise _corrupt(name, "zip", _l("an entry is smaller than its header says"))
    return count


def _is_archive(chunk: bytes) -> bool:
    guess = filetype.guess(chunk)
    return guess is not None and guess.mime in _ARCHIVE_MIMES


def _too_compressed(size: int, compressed: int, limits: UploadLimits) -> bool:
    return size > _RATIO_FLOOR and size > limits.max_zip_ratio * max(compressed, 1)


def _zip_bomb(name: str, limits: UploadLimits) -> UploadError:
    return UploadError(
        name,
        "zip_bomb",
        _l(
            "%(name)s unpacks to far more data than it holds (more than %(limit)s in all, or "
            "over %(ratio)s times its compressed size). Upload the files in smaller archives.",
            name=name,
            limit=human_size(limits.max_zip_uncompressed_bytes),
            ratio=f"{limits.max_zip_ratio:g}",
        ),
    )


def _nested(name: str, entry: str) -> UploadError:
    return UploadError(
        name,
        "zip_nested",
        _l(
            "%(name)s contains another archive (%(entry)s). Put its files directly into one "
            "ZIP archive.",
            name=name,
            entry=entry,
        ),
    )


def _forbidden(name: str, detected: str | LazyString) -> UploadError:
    return UploadError(
        name,
        "forbidden_type",
        _l(
            "%(name)s is %(detected)s, which cannot be uploaded. Upload %(accepted)s files.",
            name=name,
            detected=str(detected),
            accepted=ACCEPTED,
        ),
    )


def _corrupt(name: str, kind: Kind, reason: str | LazyString) -> UploadError:
    return UploadError(
        name,
        "corrupt",
        _l(
            "%(name)s could not be read as %(kind)s: %(reason)s. Check that it opens on your "
            "computer, then upload it again.",
            name=name,
            kind=str(_KIND_NAMES[kind]),
            reason=str(reason),
        ),
    )


def _bad_name(shown: str, reason: LazyString) -> UploadError:
    return UploadError(
        shown,
        "bad_name",
        _l(
            "The file name “%(name)s” is not allowed because %(reason)s. Rename the file to a "
            "plain name such as report.pdf and upload it again.",
            name=shown,
            reason=str(reason),
        ),
    )


class StorageFull(ServiceError):
    """The upload folder's file system has no room (or no inodes, or the quota is reached):
    the server's trouble, not the file's. Nothing of the upload was kept."""

    def __init__(self) -> None:
        super().__init__(
            str(
                _l(
                    "The server has no room to store files right now, so nothing was saved. "
                    "Please try again later."
                )
            )
        )


class FileStore:
    """Uploaded files under random names in one private directory.

    Names are never derived from the upload, so nothing a candidate sends can choose a path."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes) -> str:
        """Store the bytes under a new name; StorageFull when the disk has no room for them."""
        try:
            return self._write(data)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            log.error("no room for an upload of %d bytes in %s: %s", len(data), self.root, exc)
            raise StorageFull() from exc

    def _write(self, data: bytes) -> str:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        storage_name = secrets.token_hex(16)
        # mkstemp creates the file 0o600; the rename makes it appear whole or not at all.
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path(storage_name))
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return storage_name

    def path(self, storage_name: str) -> Path:
        if not _STORAGE_NAME.fullmatch(storage_name):
            raise ValueError(f"not a storage name: {storage_name!r}")
        return self.root / storage_name

    def read(self, storage_name: str) -> bytes:
        return self.path(storage_name).read_bytes()

    def delete(self, storage_name: str) -> None:
        self.path(storage_name).unlink(missing_ok=True)
