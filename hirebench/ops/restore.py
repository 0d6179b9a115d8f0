"""`hirebench restore`: check a backup archive completely, then put it in place.

Nothing in the instance changes until every file of the archive has been unpacked into a
staging folder and matched its manifest's size and SHA-256, and the database copy has been
read back. The uploads are then swapped in by renaming folders, and the database is loaded in one
transaction; if loading fails the old upload folder is renamed back, so a restore either
happens whole or not at all (docs/operations.md, "Backups")."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError

from hirebench.ops import database
from hirebench.ops.database import Snapshot
from hirebench.ops.manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    UPLOADS_PREFIX,
    BackupError,
    Manifest,
    parse,
)
from hirebench.paths import MIGRATIONS_DIR

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
# What a damaged archive raises while it is read: a cut-off gzip stream, a bad header, junk.
_DAMAGE = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    snapshot: Snapshot
    #: Set when the backup's schema is older than this code's: `hirebench init-db` upgrades it.
    upgrade_needed: bool


# ------------------------------------------------------------------------------ reading


def unpack(archive: Path, staging: Path) -> Manifest:
    """Unpack `archive` into `staging`, checking each file against the manifest as it is
    written; BackupError on anything missing, extra, altered or unreadable."""
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    try:
        with tarfile.open(archive, mode="r|gz") as stream:
            return _unpack_stream(stream, staging)
    except _DAMAGE as exc:
        raise BackupError(
            f"{archive} is not a hirebench backup, or it is truncated or damaged ({exc})"
        ) from exc


def _unpack_stream(stream: tarfile.TarFile, staging: Path) -> Manifest:
    first = stream.next()
    if first is None or first.name != MANIFEST_NAME or not first.isfile():
        raise BackupError("this is not a hirebench backup: it does not start with a manifest")
    if first.size > MAX_MANIFEST_BYTES:
        raise BackupError("the manifest is implausibly large")
    manifest = parse(_read_all(stream.extractfile(first)))
    expected = {entry.path: entry for entry in manifest.files}
    seen: set[str] = set()
    # next(), not iteration: iterating a stream starts again from its first member.
    while (member := stream.next()) is not None:
        entry = expected.get(member.name)
        if entry is None or member.name in seen or not member.isfile():
            raise BackupError(f"the archive holds {member.name!r}, not listed in its manifest")
        seen.add(member.name)
        target = staging / member.name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        sha256, size = _write(stream.extractfile(member), target)
        if (sha256, size) != (entry.sha256, entry.size):
            raise BackupError(
                f"{member.name} does not match its checksum in the manifest "
                f"({size} bytes, SHA-256 {sha256[:12]}…; expected {entry.size} bytes, "
                f"{entry.sha256[:12]}…): the backup is damaged"
            )
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"{len(missing)} file(s) listed in the manifest are missing from the archive, "
            f"e.g. {missing[0]}: the backup is incomplete"
        )
    return manifest


def _read_all(handle: IO[bytes] | None) -> bytes:
    if handle is None:
        raise BackupError("the manifest cannot be read")
    return handle.read(MAX_MANIFEST_BYTES + 1)


def _write(handle: IO[bytes] | None, target: Path) -> tuple[str, int]:
    if handle is None:
        raise BackupError(f"{target.name} cannot be read from the archive")
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def check_database_copy(manifest: Manifest, staging: Path) -> None:
    """The unpacked database copy is readable, and for SQLite holds the manifest's rows."""
    copy = staging / manifest.database_file
    if manifest.database_kind == "postgresql":
        database.check_postgres_dump(copy)
        return
    snapshot = database.check_sqlite_copy(copy)
    if snapshot.row_counts != manifest.row_counts:
        raise BackupError("the database copy's row counts differ from the manifest's")


STAGING_PREFIX = ".hirebench-restore-"


@contextmanager
def staging_folder(upload_root: Path) -> Iterator[Path]:
    """A private folder inside the upload folder, so that putting files in place is a rename
    even when the upload folder is a mount of its own (docker-compose's volume); removed
    afterwards whatever happens. Backups skip it: its name starts with a dot."""
    upload_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=upload_root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def verify(archive: Path) -> Manifest:
    """Check a backup fully without restoring it: every checksum, and the database copy."""
    with tempfile.TemporaryDirectory(prefix="hirebench-verify-") as work:
        manifest = unpack(archive, Path(work))
        check_database_copy(manifest, Path(work))
    return manifest


# ------------------------------------------------------------------------------ deciding


def _ancestors(script: ScriptDirectory, revision: str) -> set[str] | None:
    """The revisions `revision` was built on, itself included; None when this code does not
    know it (it came from a newer hirebench)."""
    try:
        return {s.revision for s in script.walk_revisions(base="base", head=revision)}
    except (CommandError, RevisionError, KeyError):
        return None


def revision_problems(target: str | None, backup: str | None) -> list[str]:
    """Why the backup's schema revision may not replace the target's, for an operator."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    problems = []
    if backup is not None and _ancestors(script, backup) is None:
        problems.append(
            f"the backup's schema revision {backup} is unknown to this hirebench: it was made "
            "by a newer version; restore it with that version"
        )
    if target is not None and backup is not None and target != backup:
        known = _ancestors(script, target)
        if known is None or backup in known:
            problems.append(
                f"the target database is at schema revision {target}, newer than the backup's "
                f"{backup}: restoring would take the schema back"
            )
    return problems


def database_problems(state: Snapshot) -> list[str]:
    if not state.data_rows:
        return []
    tables = sorted(t for t, n in state.row_counts.items() if n and t != database.VERSION_TABLE)
    return [
        f"the target database is not empty ({state.data_rows} rows in {len(tables)} tables, "
        f"e.g. {tables[0]})"
    ]


def upload_problems(upload_root: Path) -> list[str]:
    # A staging folder left by a restore that was killed is not the instance's content.
    if upload_root.is_dir() and any(
        not p.name.startswith(STAGING_PREFIX) for p in upload_root.iterdir()
    ):
        return [f"the upload folder {upload_root} is not empty"]
    return []


def upgrade_needed(revision: str | None) -> bool:
    heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
    return revision is not None and revision not in heads


# ------------------------------------------------------------------------------ restoring


def restore_backup(
    archive: Path, database_url: str, upload_root: Path, *, force: bool = False
) -> RestoreResult:
    """Restore `archive` into the database at `database_url` and the folder `upload_root`.
    Into a database or folder that holds anything, or over a newer schema, only with `force`."""
    kind = database.kind_of(database_url)
    # Before the staging folder exists inside it, which is not the instance's content.
    uploads_in_use = upload_problems(upload_root)
    with staging_folder(upload_root) as staging:
        manifest = unpack(archive, staging)
        if manifest.database_kind != kind:
            raise BackupError(
                f"this is a backup of a {manifest.database_kind} database and this instance "
                f"uses {kind}; restore it into an instance configured for {manifest.database_kind}"
            )
        check_database_copy(manifest, staging)
        state = database.current_state(database_url)
        problems = database_problems(state) + uploads_in_use
        problems += revision_problems(state.revision, manifest.alembic_revision)
        if problems and not force:
            raise BackupError(
                "nothing was changed: " + "; ".join(problems) + ". A restore replaces the "
                "whole database and upload folder; pass --force to do that anyway."
            )
        extra = sorted(set(state.row_counts) - set(manifest.row_counts))
        snapshot = _put_in_place(manifest, staging, database_url, upload_root, extra)
    restored = {table: snapshot.row_counts.get(table) for table in manifest.row_counts}
    if restored != manifest.row_counts:
        differ = sorted(t for t, n in restored.items() if n != manifest.row_counts[t])
        raise BackupError(f"the restored database's row counts differ from the manifest: {differ}")
    logger.info("restored %s (%d files)", archive, len(manifest.files))
    return RestoreResult(manifest, snapshot, upgrade_needed(manifest.alembic_revision))


def _put_in_place(
    manifest: Manifest, staging: Path, database_url: str, upload_root: Path, extra: list[str]
) -> Snapshot:
    restored = staging / UPLOADS_PREFIX.rstrip("/")
    restored.mkdir(mode=0o700, exist_ok=True)
    replaced = staging / "replaced"
    replaced.mkdir(mode=0o700)
    current = [p for p in upload_root.iterdir() if not p.name.startswith(STAGING_PREFIX)]
    _move(current, replaced)
    _move(list(restored.iterdir()), upload_root)
    try:
        copy = staging / manifest.database_file
        if manifest.database_kind == "sqlite":
            return database.load_sqlite(copy, database_url)
        return database.load_postgres(copy, database_url, extra)
    except BaseException:
        # The database load is one transaction and left the target as it was: so must the files.
        back = [p for p in upload_root.iterdir() if not p.name.startswith(STAGING_PREFIX)]
        _move(back, restored)
        _move(list(replaced.iterdir()), upload_root)
        raise


def _move(paths: list[Path], into: Path) -> None:
    for path in paths:
        os.rename(path, into / path.name)
