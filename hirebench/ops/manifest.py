"""The manifest of a backup archive: what is in it, with a checksum for every file, so a restore
can prove it has the whole backup before it changes anything (docs/operations.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "hirebench-backup"
#: Raised when the layout changes in a way an older restore could not read.
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_KINDS = ("sqlite", "postgresql")
DATABASE_FILES = {"sqlite": "database/hirebench.sqlite3", "postgresql": "database/hirebench.pgdump"}
UPLOADS_PREFIX = "uploads/"
#: A manifest lists every file; even 200,000 uploads stay well under this.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
# Member names are written by hirebench from a walk of the upload folder: plain relative parts,
# no dot-dot, no leading slash, no backslash; anything else in an archive is not ours.
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why, for an operator."""


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int


@dataclass
class Manifest:
    created_at: str
    hirebench_version: str
    alembic_revision: str | None
    database_kind: str
    files: list[FileEntry] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.database_kind]

    def upload_entries(self) -> list[FileEntry]:
        return [f for f in self.files if f.path.startswith(UPLOADS_PREFIX)]

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": self.format_version,
            "created_at": self.created_at,
            "hirebench_version": self.hirebench_version,
            "alembic_revision": self.alembic_revision,
            "database": {"kind": self.database_kind, "file": self.database_file},
            "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in self.files],
            "row_counts": dict(sorted(self.row_counts.items())),
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"


def is_safe_part(name: str) -> bool:
    return bool(_PART.fullmatch(name))


def is_member_name(path: str) -> bool:
    """Whether `path` may name a file in a backup: the database file or an upload."""
    in_place = path in DATABASE_FILES.values() or path.startswith(UPLOADS_PREFIX)
    return in_place and all(is_safe_part(part) for part in path.split("/"))


def file_digest(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def entry_for(path: Path, member: str) -> FileEntry:
    with path.open("rb") as handle:
        sha256, size = file_digest(handle)
    return FileEntry(member, sha256, size)


def parse(data: bytes) -> Manifest:
    """The manifest in `data`, checked field by field; BackupError names the first problem."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"the manifest is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError("this is not a hirebench backup (its manifest names another format)")
    version = document.get("format_version")
    if type(version) is not int or version < 1:
        raise BackupError(f"the manifest's format_version is not a version: {version!r}")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"this backup has format version {version}, made by a newer hirebench "
            f"({document.get('hirebench_version', 'unknown')}); this one reads up to version "
            f"{FORMAT_VERSION}. Restore it with that hirebench version or newer."
        )
    database = _mapping(document, "database")
    kind = database.get("kind")
    if kind not in DATABASE_KINDS:
        raise BackupError(f"the manifest names an unknown database kind: {kind!r}")
    manifest = Manifest(
        created_at=_text(document, "created_at"),
        hirebench_version=_text(document, "hirebench_version"),
        alembic_revision=_optional_text(document, "alembic_revision"),
        database_kind=str(kind),
        files=_files(document.get("files")),
        row_counts=_counts(document.get("row_counts")),
        format_version=version,
    )
    if database.get("file") != manifest.database_file or manifest.database_file not in {
        f.path for f in manifest.files
    }:
        raise BackupError(f"the manifest does not list the database file {manifest.database_file}")
    return manifest


def _mapping(document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = document.get(key)
    if not isinstance(value, dict):
        raise BackupError(f"the manifest's {key} is missing or not an object")
    return value


def _text(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise BackupError(f"the manifest's {key} is missing or not text")
    return value


def _optional_text(document: Mapping[str, Any], key: str) -> str | None:
    return None if document.get(key) is None else _text(document, key)


def _files(raw: Any) -> list[FileEntry]:
    if not isinstance(raw, list):
        raise BackupError("the manifest's files is missing or not a list")
    files: list[FileEntry] = []
    seen: set[str] = set()
    for item in raw:
        path = item.get("path") if isinstance(item, dict) else None
        sha256 = item.get("sha256") if isinstance(item, dict) else None
        size = item.get("size") if isinstance(item, dict) else None
        if not isinstance(path, str) or not is_member_name(path) or path in seen:
            raise BackupError(f"the manifest lists an unsafe or repeated file name: {path!r}")
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise BackupError(f"the manifest's checksum of {path} is not a SHA-256")
        if type(size) is not int or size < 0:
            raise BackupError(f"the manifest's size of {path} is not a size")
        seen.add(path)
        files.append(FileEntry(path, sha256, size))
    return files


def _counts(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and type(v) is int and v >= 0 for k, v in raw.items()
    ):
        raise BackupError("the manifest's row_counts is missing or not a table of counts")
    return dict(raw)
