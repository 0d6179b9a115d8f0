"""Loading exam folders into the database: one transaction, immutable versions, an audit row,
and the `hirebench exams` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from hirebench.exams.cli import exams_group
from hirebench.exams.definition import load_definition
from hirebench.exams.loader import (
    ExamLoadError,
    LoadStatus,
    current_version,
    load_exam,
    version_definition,
)
from hirebench.extensions import db
from hirebench.models import AuditEvent, Exam, ExamVersion, Role
from tests.exams import FIXTURES, copy_fixture, edit_yaml


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Exam)) or 0,
        db.session.scalar(sa.select(sa.func.count()).select_from(ExamVersion)) or 0,
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0,
    )


def versions(slug: str = "mini") -> list[ExamVersion]:
    return list(
        db.session.scalars(
            sa.select(ExamVersion).join(Exam).where(Exam.slug == slug).order_by(ExamVersion.number)
        )
    )


def retitle(folder: Path, title: str) -> None:
    edit_yaml(folder, lambda d: d.update(title=title))


def test_first_load_creates_the_exam_and_version_one(app: Flask, tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        result = load_exam(folder, graders)
        assert result.created and result.status is LoadStatus.loaded
        assert (result.exam.slug, result.exam.title, result.version.number) == (
            "mini",
            "Mini exam",
            1,
        )
        db.session.expire_all()
        (version,) = versions()
        definition = load_definition(folder, graders)
        assert version.content_hash == definition.content_hash
        assert version.definition == json.loads(json.dumps(definition.to_json()))
        assert version_definition(version) == definition
        assert version.published_at is not None
        event = db.session.scalars(sa.select(AuditEvent)).one()
        assert event.action == "exam.load"
        assert (event.target_type, event.target_id) == ("ExamVersion", str(version.id))
        assert event.detail["slug"] == "mini" and event.detail["version"] == 1
        assert event.detail["status"] == "loaded"
        assert event.detail["content_hash"] == definition.content_hash


def test_the_actor_is_audited(app: Flask, tmp_path: Path, make_user: Any) -> None:
    folder, graders = copy_fixture(tmp_path)
    admin = make_user(Role.admin)
    with app.app_context():
        load_exam(folder, graders, actor=db.session.get(type(admin), admin.id))
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "exam.load")
        ).one()
        assert (event.actor_id, event.actor_email) == (admin.id, admin.email)


def test_same_content_is_unchanged_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        before = counts()
        again = load_exam(folder, graders)
        assert not again.created and again.status is LoadStatus.unchanged
        assert again.version.number == 1
        assert counts() == before == (1, 1, 1)


def test_a_change_makes_version_two_and_keeps_version_one(app: Flask, tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        first = load_exam(folder, graders)
        stored_v1 = json.loads(json.dumps(first.version.definition))
        retitle(folder, "Mini exam, revised")
        second = load_exam(folder, graders)
        assert second.created and second.version.number == 2
        assert second.exam.id == first.exam.id and second.exam.title == "Mini exam, revised"
        db.session.expire_all()
        v1, v2 = versions()
        assert v1.definition == stored_v1 and v1.definition["title"] == "Mini exam"
        assert v2.definition["title"] == "Mini exam, revised"
        assert v1.content_hash != v2.content_hash
        assert current_version(v1.exam) == v2
        assert counts() == (1, 2, 2)


def test_a_grader_edit_is_a_new_version_and_the_old_one_keeps_its_copy(
    app: Flask, tmp_path: Path
) -> None:
    folder, graders = copy_fixture(tmp_path)
    grader = graders / "mini" / "add.ipynb"
    original = grader.read_bytes()
    with app.app_context():
        load_exam(folder, graders)
        grader.write_bytes(original.replace(b"assert add(1) == 11", b"assert add(1) == 11.0"))
        assert load_exam(folder, graders).version.number == 2
        db.session.expire_all()
        v1, v2 = versions()
        source = v1.definition["sections"][0]["questions"][0]["spec"]["grader_source"]
        assert source.encode("utf-8") == original
        assert "11.0" in v2.definition["sections"][0]["questions"][0]["spec"]["grader_source"]


def test_reverting_republishes_the_older_version(app: Flask, tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        text = (folder / "exam.yaml").read_text()
        retitle(folder, "Changed")
        load_exam(folder, graders)
        (folder / "exam.yaml").write_text(text)
        back = load_exam(folder, graders)
        assert back.status is LoadStatus.republished and not back.created
        assert back.version.number == 1 and back.exam.title == "Mini exam"
        db.session.expire_all()
        assert len(versions()) == 2
        assert current_version(back.exam).number == 1  # type: ignore[union-attr]
        assert load_exam(folder, graders).status is LoadStatus.unchanged
        details = [e.detail["status"] for e in db.session.scalars(sa.select(AuditEvent))]
        assert details == ["loaded", "loaded", "republished"]


def test_a_broken_folder_writes_nothing(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(ExamLoadError) as caught:
            load_exam(FIXTURES / "exams" / "broken-many", FIXTURES / "graders")
        assert len(caught.value.problems) == 7
        assert "7 problems; nothing was loaded" in str(caught.value)
        assert counts() == (0, 0, 0)


def test_a_failure_mid_load_rolls_everything_back(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, graders = copy_fixture(tmp_path)

    def fail(*args: Any, **kwargs: Any) -> None:
        # By now the exam and version rows have been flushed to the database.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamVersion)) == 1
        raise RuntimeError("disk full")

    with app.app_context():
        monkeypatch.setattr("hirebench.exams.loader.audit.record", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            load_exam(folder, graders)
        assert counts() == (0, 0, 0)
        monkeypatch.undo()
        assert load_exam(folder, graders).version.number == 1


def test_a_failed_second_version_leaves_the_first_alone(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        first = load_exam(folder, graders).version.definition
        retitle(folder, "Second")
        monkeypatch.setattr(
            "hirebench.exams.loader.audit.record",
            lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")),
        )
        with pytest.raises(RuntimeError):
            load_exam(folder, graders)
        db.session.expire_all()
        (only,) = versions()
        assert only.number == 1 and only.definition == first
        assert only.exam.title == "Mini exam"


def test_a_concurrent_load_is_a_clear_error(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        retitle(folder, "Raced")
        real_scalar = db.session.scalar

        def stale_max(statement: Any, *args: Any, **kwargs: Any) -> Any:
            # As if another process had not yet committed version 2 when this one read the
            # highest number: both pick 2, and the unique constraint stops the second.
            if "max(" in str(statement):
                return 0
            return real_scalar(statement, *args, **kwargs)

        monkeypatch.setattr(db.session, "scalar", stale_max)
        with pytest.raises(ExamLoadError, match="another load of this exam ran at the same time"):
            load_exam(folder, graders)
        monkeypatch.undo()
        db.session.expire_all()
        assert [v.number for v in versions()] == [1]
        assert counts() == (1, 1, 1)


# ------------------------------------------------------------------------------------- CLI


def test_cli_validate_valid_exam_prints_one_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    folder, _ = copy_fixture(tmp_path)
    result = runner.invoke(exams_group, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert line.startswith(f"{folder}: ok: mini 'Mini exam': 4 sections, 9 questions, 44 points")


def test_cli_validate_prints_every_problem_and_exits_1(runner: FlaskCliRunner) -> None:
    folder = FIXTURES / "exams" / "broken-many"
    result = runner.invoke(
        exams_group, ["validate", str(folder), "--graders", str(FIXTURES / "graders")]
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 7
    assert lines[1] == (
        "exam.yaml: sections[0].questions[0].pionts: unknown key 'pionts' — fix: did you mean "
        "'points'?"
    )
    assert all(" — fix: " in line for line in lines)
    assert f"{folder}: 7 problems" in result.stderr


def test_cli_validate_yaml_syntax_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(exams_group, ["validate", str(FIXTURES / "exams" / "broken-yaml")])
    assert result.exit_code == 1
    assert result.stdout.startswith("exam.yaml: YAML syntax error at line 7, column 6")


def test_cli_load_then_unchanged_then_version_two(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder, _ = copy_fixture(tmp_path)
    assert runner.invoke(exams_group, ["load", str(folder)]).output == "loaded mini version 1\n"
    assert runner.invoke(exams_group, ["load", str(folder)]).output == "unchanged mini version 1\n"
    retitle(folder, "New title")
    assert runner.invoke(exams_group, ["load", str(folder)]).output == "loaded mini version 2\n"
    with app.app_context():
        assert counts() == (1, 2, 2)


def test_cli_load_broken_exits_1_and_writes_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    folder = FIXTURES / "exams" / "broken-many"
    result = runner.invoke(
        exams_group, ["load", str(folder), "--graders", str(FIXTURES / "graders")]
    )
    assert result.exit_code == 1
    assert "duplicate question id 'q1'" in result.stdout
    assert "7 problems; nothing was loaded" in result.stderr
    with app.app_context():
        assert counts() == (0, 0, 0)


@pytest.mark.postgres
def test_load_on_postgres_through_the_migrations(
    app_config: dict[str, Any], postgres_url: str, tmp_path: Path
) -> None:
    from flask_migrate import upgrade

    from hirebench import create_app

    folder, graders = copy_fixture(tmp_path)
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        upgrade()
        assert load_exam(folder, graders).version.number == 1
        assert load_exam(folder, graders).status is LoadStatus.unchanged
        retitle(folder, "On PostgreSQL")
        assert load_exam(folder, graders).version.number == 2
        db.session.expire_all()
        v1, _ = versions()
        assert version_definition(v1) == load_definition(
            FIXTURES / "exams" / "mini", FIXTURES / "graders"
        )
        db.engine.dispose()
