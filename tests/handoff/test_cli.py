"""`hirebench hires export`: the records in full as JSON, masked as CSV and XLSX, audited."""

from __future__ import annotations

import io
import json
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook

from hirebench.extensions import db
from hirebench.handoff import schema
from hirebench.models import AuditEvent
from tests.handoff import helpers
from tests.handoff.helpers import ID_NUMBER


def _hire(app: Flask) -> int:
    with app.app_context():
        hire = helpers.offer()
        helpers.onboard(hire)
        db.session.commit()
        return hire.job.id


def test_json_is_the_full_records(app: Flask, runner: FlaskCliRunner) -> None:
    job_id = _hire(app)
    result = runner.invoke(args=["hires", "export", "--job", str(job_id), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["count"] == 1
    assert body["hires"][0]["employee"]["id_number"] == ID_NUMBER
    assert schema.problems(body["hires"][0]) == []
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export.hires_cli")
        ).one()
        assert event.detail["format"] == "json" and event.detail["rows"] == 1


def test_files_are_masked(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    _hire(app)
    out = tmp_path / "hires.xlsx"
    made = runner.invoke(args=["hires", "export", "--format", "xlsx", "--output", str(out)])
    assert made.exit_code == 0, made.output
    cells = repr(list(load_workbook(io.BytesIO(out.read_bytes())).active.values))
    assert "张伟" in cells and ID_NUMBER not in cells and "123X" in cells
    printed = runner.invoke(args=["hires", "export", "--format", "csv", "--from", "2026-03-01"])
    assert printed.exit_code == 0 and "张伟" in printed.stdout and ID_NUMBER not in printed.stdout


def test_bad_input(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["hires", "export", "--from", "March"]).exit_code == 2
    unknown = runner.invoke(args=["hires", "export", "--job", "4242"])
    assert unknown.exit_code == 1 and "no job with id 4242" in unknown.output
    assert runner.invoke(args=["hires", "export", "--format", "xlsx"]).exit_code == 2
