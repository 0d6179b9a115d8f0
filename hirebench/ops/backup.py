"""`hirebench backup`: one gzipped tar archive holding the database copy, the instance's uploads
and a manifest with a SHA-256 for every file (docs/operations.md, "Backups").

The database is copied first and the uploads after: an upload is written to disk before its row
is committed, so every file a copied row names is already there. Files uploaded after the copy
come along as unreferenced extras, which do no harm."""

from __future__ import annotations

import io
import logging
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from hirebench.ops import database
from hirebench.ops.manifest import (
    DATABASE_FILES,
    MANIFEST_NAME,
    UPLOADS_PREFIX,
    BackupError,
    FileEntry,
    Manifest,
    entry_for,
    is_safe_part,
)

logger = logging.getLogger(__name__)

ARCHIVE_SUFFIX = ".tar.gz"
# Level 1: most of the gain on a SQLite file at a fraction of the CPU, which matters when the
# backup runs beside an exam on the same two cores; dumps and uploads are mostly compressed.
_COMPRESSLEVEL = 1


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    #: Files under the upload folder left out (not regular files, or names hirebench never
    #: writes), relative to it.
    skipped: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.manifest.files)


def hirebench_version() -> str:
    try:
        return metadata.version("hirebench")
    except metadata.PackageNotFoundError:
        return "unknown"


def archive_path(destination: Path, now: datetime) -> Path:
    """A directory gets a timestamped archive inside it; anything else is the archive's name."""
    if destination.is_dir():
        return destination / f"hirebench-backup-{now:%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"
    if destination.exists():
        raise BackupError(f"{destination} already exists; a backup never overwrites a file")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    return destination


def create_backup(database_url: str, upload_root: Path, destination: Path) -> BackupResult:
    """Back up the database at `database_url` and the files under `upload_root`."""
    now = datetime.now(UTC).replace(microsecond=0)
    target = archive_path(destination, now)
    kind = database.kind_of(database_url)
    with tempfile.TemporaryDirectory(prefix=".hirebench-backup-", dir=target.parent) as work:
        staging = Path(work)
        db_member = DATABASE_FILES[kind]
        db_copy = staging / Path(db_member).name
        if kind == "sqlite":
            snapshot = database.copy_sqlite(database_url, db_copy)
        else:
            snapshot = database.dump_postgres(database_url, db_copy)
        files = {db_member: db_copy}
        skipped = _link_uploads(upload_root, staging / "uploads", files)
        manifest = Manifest(
            created_at=now.isoformat().replace("+00:00", "Z"),
            hirebench_version=hirebench_version(),
            alembic_revision=snapshot.revision,
            database_kind=kind,
            files=[entry_for(path, member) for member, path in sorted(files.items())],
            row_counts=snapshot.row_counts,
        )
        _write_archive(target, manifest, files)
    logger.info("backup written to %s (%d files)", target, len(manifest.files))
    return BackupResult(target, manifest, skipped)


def _upload_files(upload_root: Path) -> Iterator[tuple[Path, str | None]]:
    """Every entry under the upload folder with its member name, or None when it is left out."""
    for folder, dirs, names in os.walk(upload_root):
        here = Path(folder)
        relative = here.relative_to(upload_root)
        dirs[:] = sorted(d for d in dirs if is_safe_part(d) and not (here / d).is_symlink())
        for name in sorted(names):
            path = here / name
            member = (relative / name).as_posix()
            # FileStore writes `.upload-*` temporaries and renames them when whole; a symlink
            # could point anywhere on the host.
            ok = is_safe_part(name) and path.is_file() and not path.is_symlink()
            yield path, (UPLOADS_PREFIX + member if ok else None)


def _link_uploads(upload_root: Path, into: Path, files: dict[str, Path]) -> list[str]:
    """Freeze the uploads as they are now: hard links (a file is replaced by rename, never
    rewritten, so the link keeps the bytes), or a copy across file systems."""
    skipped: list[str] = []
    if not upload_root.is_dir():
        return skipped
    for path, member in _upload_files(upload_root):
        if member is None:
            skipped.append(path.relative_to(upload_root).as_posix())
            continue
        frozen = into / member.removeprefix(UPLOADS_PREFIX)
        frozen.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, frozen)
        except FileNotFoundError:
            continue  # deleted since the walk saw it: gone from the instance too
        except OSError:
            _copy(path, frozen)
        files[member] = frozen
    for name in skipped:
        logger.warning("backup: left out %s (not a regular file hirebench wrote)", name)
    return skipped


def _copy(source: Path, target: Path) -> None:
    with source.open("rb") as reading, target.open("wb") as writing:
        while chunk := reading.read(1024 * 1024):
            writing.write(chunk)


def _write_archive(target: Path, manifest: Manifest, files: dict[str, Path]) -> None:
    """Manifest first, then the files in its order; written under a temporary name and renamed,
    so a crash never leaves something that looks like a finished backup."""
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=_COMPRESSLEVEL) as archive:
                body = manifest.to_json()
                archive.addfile(_info(MANIFEST_NAME, len(body), manifest), io.BytesIO(body))
                for entry in manifest.files:
                    _add(archive, entry, files[entry.path], manifest)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _info(name: str, size: int, manifest: Manifest) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(datetime.fromisoformat(manifest.created_at).timestamp())
    return info


def _add(archive: tarfile.TarFile, entry: FileEntry, path: Path, manifest: Manifest) -> None:
    with path.open("rb") as handle:
        archive.addfile(_info(entry.path, entry.size, manifest), handle)
