"""`hirebench resumes import DIR --job ID [--json]` (docs/screening.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from hirebench.extensions import db
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import save_profile
from hirebench.models import Job, Resume
from tests.screening import CORPUS, PROFILE, STRONG

KEYS = {
    "file",
    "status",
    "error",
    "skills",
    "employers",
    "salary_expectation",
    "match_score",
    "flags",
    "explanation",
}


@pytest.fixture
def job_id(app: Flask) -> int:
    with app.app_context():
        return save_profile(load_profile_file(PROFILE)).job_id


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two readable resumes (an inline TXT and a PDF of the evaluation set) and two bad ones."""
    folder = tmp_path / "resumes"
    folder.mkdir()
    (folder / "alice.txt").write_text(STRONG, encoding="utf-8")
    shutil.copy(CORPUS / "en-05.pdf", folder / "sophia.pdf")
    (folder / "empty.txt").write_bytes(b"")
    shutil.copy(CORPUS / "bad" / "encrypted.pdf", folder / "locked.pdf")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: skipped
    (folder / "nested").mkdir()  # not recursive
    (folder / "nested" / "inner.txt").write_text(STRONG, encoding="utf-8")
    return folder


def invoke(runner: FlaskCliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["resumes", "import", *args])


def test_json_output_has_one_object_per_file(
    app: Flask, runner: FlaskCliRunner, folder: Path, job_id: int
) -> None:
    result = invoke(runner, str(folder), "--job", str(job_id), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert isinstance(rows, list)
    assert [row["file"] for row in rows] == ["alice.txt", "empty.txt", "locked.pdf", "sophia.pdf"]
    for row in rows:
        assert set(row) == KEYS, row["file"]
    by_file = {row["file"]: row for row in rows}

    alice = by_file["alice.txt"]
    assert alice["status"] == "ok" and alice["error"] is None
    assert alice["match_score"] == 100.0
    assert alice["skills"]["python"] == {"level": "expert", "years": 5.0}
    assert alice["salary_expectation"] == {"min": 18000, "max": 20000, "period": "month"}
    assert alice["employers"] == [] and alice["flags"] == []
    assert len(alice["explanation"]) == 4
    assert all(line.startswith("+ ") for line in alice["explanation"])

    sophia = by_file["sophia.pdf"]
    assert sophia["status"] == "ok" and sophia["error"] is None
    assert isinstance(sophia["match_score"], float) and 0 <= sophia["match_score"] <= 100
    assert isinstance(sophia["skills"], dict) and isinstance(sophia["employers"], list)
    assert len(sophia["explanation"]) >= 4

    for name in ("empty.txt", "locked.pdf"):
        row = by_file[name]
        assert row["status"] == "error"
        assert name in row["error"]
        assert row["match_score"] is None
        assert row["skills"] == {} and row["employers"] == [] and row["flags"] == []
        assert row["salary_expectation"] is None and row["explanation"] == []
    assert "empty" in by_file["empty.txt"]["error"]
    assert "password" in by_file["locked.pdf"]["error"]

    with app.app_context():
        stored = db.session.scalars(sa.select(Resume).where(Resume.job_id == job_id)).all()
        assert sorted(r.file_name for r in stored) == sorted(by_file)


def test_json_output_keeps_chinese_readable(
    runner: FlaskCliRunner, tmp_path: Path, job_id: int
) -> None:
    folder = tmp_path / "zh"
    folder.mkdir()
    (folder / "zh.txt").write_text(
        "张三\n邮箱：zhang.san@example.com\n期望月薪30-35K\n专业技能\n- 精通Python，5年经验\n",
        encoding="utf-8",
    )
    result = invoke(runner, str(folder), "--job", str(job_id), "--json")
    assert result.exit_code == 0, result.output
    # Chinese stays Chinese, not \u escapes.
    assert "数据标注" in result.output
    (row,) = json.loads(result.output)
    assert row["flags"] == ["over_budget"]
    assert row["salary_expectation"] == {"min": 30000, "max": 35000, "period": "month"}
    assert "over budget" in row["explanation"][-1]


def test_importing_again_updates_rather_than_duplicates(
    app: Flask, runner: FlaskCliRunner, folder: Path, job_id: int
) -> None:
    for _ in range(2):
        assert invoke(runner, str(folder), "--job", str(job_id), "--json").exit_code == 0
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Resume).where(Resume.job_id == job_id)
        )
    assert count == 4


def test_plain_output_is_a_readable_list(runner: FlaskCliRunner, folder: Path, job_id: int) -> None:
    result = invoke(runner, str(folder), "--job", str(job_id))
    assert result.exit_code == 0, result.output
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 5
    # Best first, then the files that could not be read, with why; then a summary.
    assert lines[0].split() == ["100.0", "alice.txt"]
    assert "sophia.pdf" in lines[1]
    errors = lines[2:4]
    assert all(line.startswith("error") for line in errors)
    assert any("empty.txt" in line and "empty" in line.split(":", 1)[1] for line in errors)
    assert any("locked.pdf" in line and "password" in line for line in errors)
    assert lines[-1] == "2 screened, 2 could not be read"


def test_unknown_job_is_an_error(runner: FlaskCliRunner, folder: Path, job_id: int) -> None:
    result = invoke(runner, str(folder), "--job", str(job_id + 100), "--json")
    assert result.exit_code != 0
    assert f"no job with id {job_id + 100}" in result.output


def test_a_job_without_a_profile_is_an_error(
    app: Flask, runner: FlaskCliRunner, folder: Path
) -> None:
    with app.app_context():
        job = Job(title="Bare job")
        db.session.add(job)
        db.session.commit()
        bare_id = job.id
    result = invoke(runner, str(folder), "--job", str(bare_id))
    assert result.exit_code != 0
    assert "no job profile" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Resume)).all() == []


def test_the_folder_must_exist(runner: FlaskCliRunner, tmp_path: Path, job_id: int) -> None:
    result = invoke(runner, str(tmp_path / "missing"), "--job", str(job_id))
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_an_oversized_file_is_refused_without_reading_it_whole(
    runner: FlaskCliRunner, tmp_path: Path, job_id: int
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    with (folder / "big.pdf").open("wb") as handle:
        handle.truncate(12 * 1024 * 1024)  # sparse: 12 MB on paper
    result = invoke(runner, str(folder), "--job", str(job_id), "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["status"] == "error"
    # The CLI reads only the first 10 MB and a byte, so it must not claim a size.
    assert row["error"] == "big.pdf is larger than 10 MB, the most a resume may be."
