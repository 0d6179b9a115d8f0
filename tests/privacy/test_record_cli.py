"""The record of processing names every table that can hold a person's rows (read from the
metadata, so a new table fails here until docs/privacy.md and record.py say what it is), and
the commands: report, export, erase (refused under a hold, with the reason), retention."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from flask import Flask

from hirebench.extensions import db
from hirebench.paths import PROJECT_ROOT
from hirebench.privacy import erasure, record
from tests.privacy.conftest import RICH, user


def test_every_table_with_personal_data_is_in_the_record(ctx: Flask) -> None:
    report = record.report()
    assert report["unrecorded_tables"] == []
    assert {"users", "answers", "group_data", "consent_records"} <= set(
        report["tables_with_personal_data"]
    )
    assert report["retention_days"]["unsuccessful_days"] == 180
    assert report["retention_days"]["integrity_events_days"] == 90
    docs = (PROJECT_ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    for table in report["tables_with_personal_data"]:
        assert f"`{table}`" in docs, f"docs/privacy.md does not name {table}"


def test_the_commands(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["privacy", "report"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["unrecorded_tables"] == []

    output = tmp_path / "copy.zip"
    exported = runner.invoke(args=["privacy", "export", RICH, "--output", str(output)])
    assert exported.exit_code == 0, exported.output
    document = json.loads(zipfile.ZipFile(io.BytesIO(output.read_bytes())).read("copy.json"))
    assert document["subject"]["email"] == RICH
    missing = runner.invoke(args=["privacy", "export", "nobody@x.cn", "--output", str(output)])
    assert missing.exit_code != 0 and "No candidate" in missing.output

    held = runner.invoke(
        args=["privacy", "erase", "candidate6@demo.local", "--reason", "mail", "--yes"]
    )
    assert held.exit_code != 0 and "legal hold" in held.output and "offer" in held.output
    not_confirmed = runner.invoke(args=["privacy", "erase", RICH, "--reason", "mail"], input="n\n")
    assert not_confirmed.exit_code != 0
    erased = runner.invoke(args=["privacy", "erase", RICH, "--reason", "mail", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["counts"]["files"] >= 4
    with app.app_context():
        tombstone = db.session.get(type(user("hr@demo.local")), json.loads(erased.output)["erased"])
        assert tombstone is not None and erasure.is_erased(tombstone)

    dry = runner.invoke(args=["privacy", "retention", "--dry-run", "--now", "2020-01-01"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["dry_run"] is True
