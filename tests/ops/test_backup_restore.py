"""Backups and restores on SQLite, without load: what an archive holds, a restore into a fresh
instance, refusals without --force, and every kind of bad input leaving the target untouched.
The concurrent cases are in test_sqlite_online.py and test_exam_load.py."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade

from hirebench.extensions import db
from hirebench.models import Role
from hirebench.ops import database, restore
from hirebench.ops.backup import create_backup
from hirebench.ops.manifest import FORMAT_VERSION, BackupError
from hirebench.ops.restore import restore_backup, revision_problems, verify
from hirebench.portfolios.uploads import FileStore
from hirebench.services import accounts
from tests.ops.conftest import tree_digests

MakeInstance = Callable[..., Flask]


def url_of(app: Flask) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"])


def uploads_of(app: Flask) -> Path:
    return Path(app.config["UPLOAD_ROOT"])


def seed(app: Flask, tag: str = "source", files: int = 3) -> list[str]:
    """Two accounts and `files` portfolio uploads (plus one onboarding upload)."""
    with app.app_context():
        accounts.create_user(f"hr-{tag}@example.com", Role.hr, name=f"HR {tag}")
        accounts.create_user(f"rev-{tag}@example.com", Role.reviewer, name="审阅者")
        db.session.commit()
        db.engine.dispose()
    portfolios = FileStore(uploads_of(app) / "portfolios")
    names = [portfolios.save(f"{tag} file {i}\n".encode() * (i + 1)) for i in range(files)]
    FileStore(uploads_of(app) / "onboarding").save(b"%PDF-1.4 " + tag.encode())
    return names


def all_rows(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, as sorted text, to compare two databases exactly."""
    with app.app_context(), db.engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        return {
            # Table names come from the database's own catalogue.
            t: sorted(repr(tuple(r)) for r in connection.execute(sa.text(f'SELECT * FROM "{t}"')))  # noqa: S608
            for t in tables
        }


def snapshot(app: Flask) -> tuple[dict[str, list[str]], dict[str, str]]:
    found = all_rows(app), tree_digests(uploads_of(app))
    stop(app)
    return found


def stop(app: Flask) -> None:
    """Close the app's pooled connections, as stopping the portal would: a restore refuses a
    SQLite database that another process holds open."""
    with app.app_context():
        db.engine.dispose()


def backup_of(app: Flask, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return create_backup(url_of(app), uploads_of(app), folder).path


# ------------------------------------------------------------------------------ the archive


def test_the_archive_lists_every_file_with_its_checksum_and_every_tables_rows(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    seed(source)
    (uploads_of(source) / "portfolios" / ".upload-half-written").write_bytes(b"partial")
    result = create_backup(url_of(source), uploads_of(source), tmp_path)
    assert result.path.parent == tmp_path
    assert result.path.name.startswith("hirebench-backup-") and result.path.suffixes[-2:] == [
        ".tar",
        ".gz",
    ]
    assert result.path.stat().st_mode & 0o077 == 0, "a backup holds personal data: owner only"
    assert result.skipped == ["portfolios/.upload-half-written"]

    with tarfile.open(result.path) as archive:
        names = archive.getnames()
        assert names[0] == "manifest.json"
        document = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        contents = {n: archive.extractfile(n).read() for n in names[1:]}  # type: ignore[union-attr]
    assert document["format"] == "hirebench-backup"
    assert document["format_version"] == FORMAT_VERSION
    assert document["hirebench_version"] == "0.1.0"
    assert document["created_at"].endswith("Z")
    assert document["database"] == {"kind": "sqlite", "file": "database/hirebench.sqlite3"}
    with source.app_context():
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert document["alembic_revision"] == head
    listed = {f["path"]: (f["sha256"], f["size"]) for f in document["files"]}
    assert set(listed) == set(contents)
    assert listed == {n: (hashlib.sha256(c).hexdigest(), len(c)) for n, c in contents.items()}
    on_disk = tree_digests(uploads_of(source))
    del on_disk["portfolios/.upload-half-written"]
    assert {
        n.removeprefix("uploads/"): d
        for n, (d, _) in listed.items()
        if n != "database/hirebench.sqlite3"
    } == on_disk
    source_rows = all_rows(source)
    assert document["row_counts"] == {t: len(rows) for t, rows in source_rows.items()}
    assert document["row_counts"]["users"] == 2


def test_a_backup_never_overwrites_a_file(make_instance: MakeInstance, tmp_path: Path) -> None:
    source = make_instance("source")
    existing = tmp_path / "mine.tar.gz"
    existing.write_bytes(b"precious")
    with pytest.raises(BackupError, match="already exists"):
        create_backup(url_of(source), uploads_of(source), existing)
    assert existing.read_bytes() == b"precious"
    named = create_backup(url_of(source), uploads_of(source), tmp_path / "named.tar.gz")
    assert named.path == tmp_path / "named.tar.gz"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ------------------------------------------------------------------------------ restoring


def test_restore_into_a_fresh_instance_gives_back_every_row_and_file(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    seed(source)
    before = snapshot(source)
    archive = backup_of(source, tmp_path / "backups")
    target = make_instance("target", migrate=False)
    result = restore_backup(archive, url_of(target), uploads_of(target))
    assert snapshot(target) == before
    assert not result.upgrade_needed
    assert result.snapshot.row_counts == result.manifest.row_counts
    # The restored instance works: the app reads its accounts.
    with target.app_context():
        emails = set(db.session.scalars(sa.text("SELECT email FROM users")))
    assert emails == {"hr-source@example.com", "rev-source@example.com"}
    assert [p for p in uploads_of(target).iterdir() if p.name.startswith(".")] == []


def test_a_non_empty_target_needs_force_and_is_then_replaced(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    seed(source)
    wanted = snapshot(source)
    archive = backup_of(source, tmp_path / "backups")
    target = make_instance("target")
    seed(target, tag="target", files=1)
    theirs = snapshot(target)
    with pytest.raises(BackupError, match=r"not empty.*--force") as refused:
        restore_backup(archive, url_of(target), uploads_of(target))
    assert "nothing was changed" in str(refused.value)
    assert snapshot(target) == theirs
    restore_backup(archive, url_of(target), uploads_of(target), force=True)
    assert snapshot(target) == wanted


def test_an_upload_folder_alone_makes_a_target_non_empty(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    archive = backup_of(source, tmp_path / "backups")
    target = make_instance("target", migrate=False)
    stray = uploads_of(target) / "portfolios" / ("0" * 32)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"someone's file")
    with pytest.raises(BackupError, match=r"upload folder .* is not empty"):
        restore_backup(archive, url_of(target), uploads_of(target))
    assert stray.read_bytes() == b"someone's file"


def test_a_failed_database_load_puts_the_old_files_back(
    make_instance: MakeInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_instance("source")
    seed(source)
    archive = backup_of(source, tmp_path / "backups")
    target = make_instance("target")
    seed(target, tag="target")
    theirs = snapshot(target)

    def fail(copy: Path, url: str) -> Any:
        raise BackupError("disk full while loading")

    monkeypatch.setattr(database, "load_sqlite", fail)
    with pytest.raises(BackupError, match="disk full"):
        restore_backup(archive, url_of(target), uploads_of(target), force=True)
    assert snapshot(target) == theirs
    assert [p for p in uploads_of(target).iterdir() if p.name.startswith(".")] == []


def test_a_newer_schema_in_the_target_needs_force(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    with source.app_context():
        downgrade(revision="-1")
        older = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.engine.dispose()
    archive = backup_of(source, tmp_path / "backups")
    target = make_instance("target")
    with target.app_context():
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    stop(target)
    with pytest.raises(
        BackupError, match=f"schema revision {head}, newer than the backup's {older}"
    ):
        restore_backup(archive, url_of(target), uploads_of(target))
    result = restore_backup(archive, url_of(target), uploads_of(target), force=True)
    assert result.upgrade_needed
    assert database.current_state(url_of(target)).revision == older


def test_revision_problems_know_the_migration_history() -> None:
    assert revision_problems(None, "0001") == []
    assert revision_problems("0001", "0001") == []
    assert revision_problems("0001", "0002") == []  # the backup is newer: an upgrade, fine
    assert "newer than the backup's 0001" in revision_problems("0002", "0001")[0]
    assert "unknown to this hirebench" in revision_problems(None, "ffff")[0]
    # A target from a newer hirebench (a revision this code has never seen) counts as newer.
    assert "newer than the backup's 0001" in revision_problems("ffff", "0001")[0]


def test_a_sqlite_backup_does_not_restore_into_postgresql(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    archive = backup_of(source, tmp_path / "backups")
    with pytest.raises(
        BackupError, match="backup of a sqlite database and this instance uses postgresql"
    ):
        restore_backup(
            archive, "postgresql+psycopg://u:p@127.0.0.1:1/none", tmp_path / "pg-uploads"
        )


# ------------------------------------------------------------------------------ bad input


def _rewrite(
    archive: Path, out: Path, change: Callable[[dict[str, Any], dict[str, bytes]], None]
) -> Path:
    """A copy of `archive` with its manifest and members changed by `change`."""
    with tarfile.open(archive) as reading:
        names = reading.getnames()
        members = {n: reading.extractfile(n).read() for n in names}  # type: ignore[union-attr]
    document = json.loads(members.pop("manifest.json"))
    change(document, members)
    with tarfile.open(out, "w:gz") as writing:
        for name, data in [("manifest.json", json.dumps(document).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            writing.addfile(info, io.BytesIO(data))
    return out


def _tamper_upload(document: dict[str, Any], members: dict[str, bytes]) -> None:
    name = next(n for n in members if n.startswith("uploads/portfolios/"))
    members[name] = members[name][:-1] + b"X"


def _drop_upload(document: dict[str, Any], members: dict[str, bytes]) -> None:
    del members[next(n for n in members if n.startswith("uploads/portfolios/"))]


def _extra_member(document: dict[str, Any], members: dict[str, bytes]) -> None:
    members["uploads/portfolios/" + "e" * 32] = b"not in the manifest"


def _future(document: dict[str, Any], members: dict[str, bytes]) -> None:
    document["format_version"] = FORMAT_VERSION + 1
    document["hirebench_version"] = "9.0.0"


def _traversal(document: dict[str, Any], members: dict[str, bytes]) -> None:
    members["uploads/../../escape"] = b"x"
    document["files"].append({"path": "uploads/../../escape", "sha256": "0" * 64, "size": 1})


def _other_format(document: dict[str, Any], members: dict[str, bytes]) -> None:
    document["format"] = "something-else"


BAD_ARCHIVES = [
    pytest.param(_tamper_upload, "does not match its checksum", id="altered-upload"),
    pytest.param(_drop_upload, "missing from the archive", id="missing-upload"),
    pytest.param(_extra_member, "not listed in its manifest", id="extra-member"),
    pytest.param(_future, "format version 2, made by a newer hirebench \\(9.0.0\\)", id="future"),
    pytest.param(_traversal, "unsafe or repeated file name", id="path-traversal"),
    pytest.param(_other_format, "not a hirebench backup", id="other-format"),
]


@pytest.mark.parametrize(("change", "message"), BAD_ARCHIVES)
def test_a_bad_archive_changes_nothing(
    make_instance: MakeInstance,
    tmp_path: Path,
    change: Callable[[dict[str, Any], dict[str, bytes]], None],
    message: str,
) -> None:
    source = make_instance("source")
    seed(source)
    bad = _rewrite(backup_of(source, tmp_path / "backups"), tmp_path / "bad.tar.gz", change)
    target = make_instance("target")
    seed(target, tag="target")
    theirs = snapshot(target)
    with pytest.raises(BackupError, match=message):
        restore_backup(bad, url_of(target), uploads_of(target), force=True)
    with pytest.raises(BackupError, match=message):
        verify(bad)
    assert snapshot(target) == theirs
    assert not (tmp_path / "escape").exists()
    assert [p for p in uploads_of(target).iterdir() if p.name.startswith(".")] == []


def _truncated(archive: Path, out: Path) -> Path:
    data = archive.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])
    return out


def _not_gzip(archive: Path, out: Path) -> Path:
    out.write_text("name,email\nWang,wang@example.com\n")
    return out


def _tar_without_manifest(archive: Path, out: Path) -> Path:
    with tarfile.open(out, "w:gz") as writing:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        writing.addfile(info, io.BytesIO(b"hi"))
    return out


def _plain_gzip(archive: Path, out: Path) -> Path:
    out.write_bytes(gzip.compress(b"just some text, not a tar archive" * 20))
    return out


def _a_folder(archive: Path, out: Path) -> Path:
    out.mkdir()
    return out


NOT_BACKUPS = [
    pytest.param(_truncated, "truncated or damaged", id="truncated"),
    pytest.param(_not_gzip, "not a hirebench backup", id="csv"),
    pytest.param(_tar_without_manifest, "does not start with a manifest", id="tar-no-manifest"),
    pytest.param(_plain_gzip, "not a hirebench backup", id="gzip-not-tar"),
    pytest.param(_a_folder, "is not a file", id="folder"),
]


@pytest.mark.parametrize(("make_bad", "message"), NOT_BACKUPS)
def test_what_is_not_a_backup_changes_nothing(
    make_instance: MakeInstance,
    tmp_path: Path,
    make_bad: Callable[[Path, Path], Path],
    message: str,
) -> None:
    source = make_instance("source")
    seed(source, files=20)
    bad = make_bad(backup_of(source, tmp_path / "backups"), tmp_path / "bad")
    target = make_instance("target")
    seed(target, tag="target")
    theirs = snapshot(target)
    with pytest.raises(BackupError, match=message):
        restore_backup(bad, url_of(target), uploads_of(target), force=True)
    assert snapshot(target) == theirs
    assert [p for p in uploads_of(target).iterdir() if p.name.startswith(".")] == []


def test_a_damaged_database_copy_is_refused_before_anything_changes(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")

    def garble(document: dict[str, Any], members: dict[str, bytes]) -> None:
        # Rows counted in the manifest that the copy does not hold: checksums match (the
        # archive was rewritten whole), so only reading the copy back can tell.
        document["row_counts"]["users"] = 5

    bad = _rewrite(backup_of(source, tmp_path / "backups"), tmp_path / "bad.tar.gz", garble)
    target = make_instance("target", migrate=False)
    with pytest.raises(BackupError, match="row counts differ from the manifest"):
        restore_backup(bad, url_of(target), uploads_of(target))
    assert database.current_state(url_of(target)).row_counts == {}
    assert list(uploads_of(target).iterdir()) == []
    with pytest.raises(BackupError, match="row counts differ"):
        restore.verify(bad)


# ------------------------------------------------------------------------------ the commands


def test_the_commands_report_and_fail_in_plain_words(
    make_instance: MakeInstance, tmp_path: Path
) -> None:
    source = make_instance("source")
    seed(source)
    made = source.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert "backup written:" in made.output and "sqlite, schema" in made.output
    assert "4 uploads" in made.output
    archive = next(tmp_path.glob("hirebench-backup-*.tar.gz"))

    nowhere = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "no" / "b.tgz")])
    assert nowhere.exit_code == 1
    assert "backup failed: the folder" in nowhere.output and "does not exist" in nowhere.output

    target = make_instance("target", migrate=False)
    runner = target.test_cli_runner()
    checked = runner.invoke(args=["restore", "--check", str(archive)])
    assert checked.exit_code == 0, checked.output
    assert "backup ok: 5 files match their checksums" in checked.output
    assert database.current_state(url_of(target)).row_counts == {}, "--check changes nothing"

    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(archive.read_bytes()[:1000])
    failed = runner.invoke(args=["restore", str(junk)])
    assert failed.exit_code == 1
    assert "restore failed:" in failed.output and "truncated or damaged" in failed.output
    assert "Traceback" not in failed.output

    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "4 uploads" in restored.output and "init-db" not in restored.output
    again = runner.invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "pass --force" in again.output
