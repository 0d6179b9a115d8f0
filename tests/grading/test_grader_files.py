"""Files a grader ships (hirebench/grading/formats/files.py): which files a notebook's folder
gives, the sub-folder and `false` settings, what is refused (links, `..`, odd names, grader
source), the caps, the digest, the job's file list, `grader validate`'s listing, and an exam
that stores a grader's files and grades with them after a reload from the database."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask
from flask_migrate import upgrade

from hirebench import create_app
from hirebench.exams import attempts
from hirebench.exams.definition import ExamDefinition, ExamDefinitionError, load_definition
from hirebench.exams.loader import load_exam, version_definition
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.grading import registry
from hirebench.grading.cli import grader_group
from hirebench.grading.formats import GraderError, GraderSpec, load_grader
from hirebench.grading.formats.files import (
    MAX_FILES,
    MAX_TOTAL_BYTES,
    attach_files,
    files_digest,
    job_files,
)
from hirebench.models import Exam, GraderFile, Role, User
from tests.exams import copy_fixture, find
from tests.grading import dump, minimal

CSV = "city,orders\nHangzhou,12\nShenzhen,7\n"
FOLDER_FIX = "name a sub-folder in metadata.hirebench.files, or set it to false"


def grader_in(folder: Path, name: str = "problem1.ipynb", **settings: Any) -> Path:
    """A valid grader notebook written into `folder` (created), with notebook settings."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(dump(minimal(**settings)))
    return path


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(GraderError) as caught:
        load_grader(path)
    return [problem.message for problem in caught.value.problems]


@pytest.fixture
def ps1(tmp_path: Path) -> Path:
    """An nbgrader-style assignment folder: the notebook, its data, and the clutter that a
    course folder collects."""
    folder = tmp_path / "source" / "ps1"
    grader_in(folder)
    write(folder / "data" / "orders.csv", CSV)
    write(folder / "helpers.py", "def total(rows):\n    return sum(rows)\n")
    write(folder / "problem2.ipynb", "{}")  # another notebook of the assignment
    write(folder / ".env", "SECRET=1")
    write(folder / ".git" / "config", "[core]")
    write(folder / "__pycache__" / "helpers.cpython-311.pyc", b"\0pyc")
    write(folder / "data" / "__pycache__" / "x.pyc", b"\0pyc")
    write(folder / ".ipynb_checkpoints" / "problem1-checkpoint.ipynb", "{}")
    write(folder / "data" / ".DS_Store", b"\0mac")
    write(folder / "autotests.yml", "python3:\n  setup: ''\n")  # nbgrader's AUTOTEST config
    return folder


# --------------------------------------------------------------------------- collecting


def test_default_ships_the_notebooks_folder_without_clutter(ps1: Path) -> None:
    spec = load_grader(ps1 / "problem1.ipynb")
    assert spec.files == (
        ("data/orders.csv", CSV.encode()),
        ("helpers.py", b"def total(rows):\n    return sum(rows)\n"),
    )


def test_files_are_sorted_by_path(tmp_path: Path) -> None:
    path = grader_in(tmp_path / "g")
    for name in ("b.txt", "a/z.txt", "A.txt", "a.txt", "a/b/c.txt"):
        write(tmp_path / "g" / name, name)
    spec = load_grader(path)
    assert [name for name, _ in spec.files] == ["A.txt", "a.txt", "a/b/c.txt", "a/z.txt", "b.txt"]


def test_true_is_the_default(ps1: Path) -> None:
    default = load_grader(ps1 / "problem1.ipynb")
    explicit = load_grader(grader_in(ps1, files=True))
    assert explicit.files == default.files


def test_a_sub_folder_ships_only_it_under_the_same_paths(ps1: Path) -> None:
    write(ps1 / "data" / "raw" / "events.json", "[]")
    spec = load_grader(grader_in(ps1, files="data"))
    # Paths stay relative to the notebook's folder, so `data/orders.csv` reads the same
    # on the author's machine and in the sandbox.
    assert [name for name, _ in spec.files] == ["data/orders.csv", "data/raw/events.json"]
    nested = load_grader(grader_in(ps1, files="./data/raw/"))
    assert [name for name, _ in nested.files] == ["data/raw/events.json"]


def test_false_ships_nothing(ps1: Path) -> None:
    spec = load_grader(grader_in(ps1, files=False))
    assert spec.files == ()
    data = (ps1 / "problem1.ipynb").read_bytes()
    assert spec.digest == hashlib.sha256(data).hexdigest()


def test_an_empty_folder_ships_nothing_and_keeps_the_notebook_digest(tmp_path: Path) -> None:
    path = grader_in(tmp_path / "alone")
    spec = load_grader(path)
    assert spec.files == ()
    assert spec.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_notebook_from_bytes_ships_only_what_it_is_given(ps1: Path) -> None:
    data = (ps1 / "problem1.ipynb").read_bytes()
    assert load_grader(data).files == ()
    given = load_grader(data, files_from=ps1)
    assert given.files == load_grader(ps1 / "problem1.ipynb").files
    assert given.digest == load_grader(ps1 / "problem1.ipynb").digest
    # A path given as text is a path source too.
    assert load_grader(str(ps1 / "problem1.ipynb")).files == given.files


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3, "metadata.hirebench.files must be a sub-folder (text), true or false, not int"),
        (None, "metadata.hirebench.files must be a sub-folder (text), true or false, not null"),
        *[
            (
                bad,
                f"metadata.hirebench.files {bad!r} must name a sub-folder of the notebook's "
                f"folder: a relative path whose parts use letters, digits, '_', '-' and '.', "
                f"not starting with '-' or '.' (no '..')",
            )
            for bad in ("../shared", "data/../..", "/srv/data", "", "my data", "data\\x", ".git")
        ],
    ],
)
def test_bad_setting_values(ps1: Path, value: Any, message: str) -> None:
    assert problems_of(grader_in(ps1, files=value)) == [message]


def test_the_setting_is_checked_for_a_notebook_from_bytes(tmp_path: Path) -> None:
    with pytest.raises(GraderError, match="must name a sub-folder"):
        load_grader(dump(minimal(files="../up")))


def test_the_sub_folder_must_be_a_real_folder(ps1: Path, tmp_path: Path) -> None:
    assert problems_of(grader_in(ps1, files="nope")) == [
        "metadata.hirebench.files 'nope' is not a folder next to the notebook"
    ]
    assert problems_of(grader_in(ps1, files="helpers.py")) == [
        "metadata.hirebench.files 'helpers.py' is not a folder next to the notebook"
    ]
    outside = tmp_path / "elsewhere"
    write(outside / "secret.csv", "x")
    (ps1 / "linked").symlink_to(outside)
    assert problems_of(grader_in(ps1, files="linked")) == [
        "metadata.hirebench.files 'linked' is a symbolic link; name a real folder"
    ]


def test_symbolic_links_are_refused(ps1: Path, tmp_path: Path) -> None:
    write(tmp_path / "outside.csv", "stolen")
    (ps1 / "data" / "link.csv").symlink_to(tmp_path / "outside.csv")
    (ps1 / "more").symlink_to(tmp_path)
    assert problems_of(ps1 / "problem1.ipynb") == [
        "grader file 'data/link.csv' is a symbolic link; links are never shipped "
        "(copy the file in instead)",
        "grader file 'more' is a symbolic link; links are never shipped (copy the file in instead)",
    ]


def test_names_must_be_safe_and_short(ps1: Path) -> None:
    write(ps1 / "data" / "my orders.csv", "x")
    write(ps1 / "-rf", "x")
    write(ps1 / "订单.csv", "x")
    long_name = "d" * 120 + "/" + "f" * 90 + ".csv"
    write(ps1 / long_name, "x")
    rule = "names may use only letters, digits, '_', '-' and '.', not starting with '-' or '.'"
    assert sorted(problems_of(ps1 / "problem1.ipynb")) == sorted(
        [
            f"grader file '-rf': {rule}",
            f"grader file 'data/my orders.csv': {rule}",
            f"grader file '订单.csv': {rule}",
            f"grader file path {long_name[:40]!r}… is 215 characters; the limit is 200",
        ]
    )


def test_grader_source_next_to_the_notebook_is_refused(ps1: Path) -> None:
    write(ps1 / "make_grader.py", 'SOLUTION = """\ndef f():\n    ### BEGIN SOLUTION\n"""\n')
    write(ps1 / "tests.py", "x = 1\n# BEGIN HIDDEN TESTS\n")
    write(ps1 / "notes.txt", "say BEGIN SOLUTION in prose\n")  # not a marker line: shipped
    assert problems_of(ps1 / "problem1.ipynb") == [
        "grader file 'make_grader.py' holds '### BEGIN SOLUTION' (line 3): candidates can read "
        f"every shipped file, so solutions and hidden tests must stay out of them (move the "
        f"file, or {FOLDER_FIX})",
        "grader file 'tests.py' holds '# BEGIN HIDDEN TESTS' (line 2): candidates can read "
        f"every shipped file, so solutions and hidden tests must stay out of them (move the "
        f"file, or {FOLDER_FIX})",
    ]


def test_file_problems_come_with_the_notebooks_own(ps1: Path) -> None:
    (ps1 / "data" / "link.csv").symlink_to(ps1 / "helpers.py")
    path = grader_in(ps1, max_timeout="long")
    messages = problems_of(path)
    assert len(messages) == 2
    assert messages[0].startswith("metadata.hirebench.max_timeout must be a number")
    assert messages[1].startswith("grader file 'data/link.csv' is a symbolic link")


# -------------------------------------------------------------------------------- caps


def test_at_most_200_files(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    path = grader_in(folder)
    for index in range(MAX_FILES):
        write(folder / "rows" / f"part-{index:03}.csv", "a\n")
    assert len(load_grader(path).files) == MAX_FILES
    write(folder / "one-more.csv", "a\n")
    assert problems_of(path) == [
        f"the grader's folder has more than 200 files to ship; the limit is 200 ({FOLDER_FIX})"
    ]


def test_at_most_20_mb_in_total(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    path = grader_in(folder)
    write(folder / "small.csv", "0123456789\n")
    big = write(folder / "data" / "big.bin", b"")
    os.truncate(big, MAX_TOTAL_BYTES - 11)  # sparse: the cap is measured, not read
    assert sum(len(data) for _, data in load_grader(path).files) == MAX_TOTAL_BYTES
    os.truncate(big, MAX_TOTAL_BYTES)
    assert problems_of(path) == [
        "the grader's files total 20,000,011 bytes in 2 files; the limit is 20,000,000 bytes "
        "(largest: 'data/big.bin', 20,000,000 bytes)"
    ]


# ------------------------------------------------------------------------------ digest


def test_the_digest_covers_every_file(ps1: Path) -> None:
    path = ps1 / "problem1.ipynb"
    first = load_grader(path)
    notebook_only = hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.digest != notebook_only
    assert first.digest == files_digest(notebook_only, first.files)
    assert load_grader(path).digest == first.digest  # the same files, the same digest

    write(ps1 / "data" / "orders.csv", CSV.replace("12", "13"))
    changed = load_grader(path).digest
    assert changed not in (first.digest, notebook_only)

    (ps1 / "data" / "orders.csv").rename(ps1 / "data" / "orders2.csv")
    renamed = load_grader(path).digest
    assert renamed not in (first.digest, changed)

    write(ps1 / "data" / "orders2.csv", CSV)
    (ps1 / "data" / "orders2.csv").rename(ps1 / "data" / "orders.csv")
    assert load_grader(path).digest == first.digest


def test_attach_files_sorts_and_refuses_twice() -> None:
    spec = load_grader(dump(minimal()))
    attached = attach_files(spec, (("b.csv", b"2"), ("a.csv", b"1")))
    assert attached.files == (("a.csv", b"1"), ("b.csv", b"2"))
    assert attached.digest == files_digest(spec.digest, attached.files) != spec.digest
    with pytest.raises(ValueError, match="has its files already"):
        attach_files(attached, (("c.csv", b"3"),))


def test_job_files_is_the_header_list(ps1: Path) -> None:
    spec = load_grader(ps1 / "problem1.ipynb")
    assert job_files(spec) == [
        {"path": "data/orders.csv", "data": base64.b64encode(CSV.encode()).decode()},
        {"path": "helpers.py", "data": "ZGVmIHRvdGFsKHJvd3MpOgogICAgcmV0dXJuIHN1bShyb3dzKQo="},
    ]
    assert job_files(load_grader(dump(minimal()))) == []


# ------------------------------------------------------------------------------- CLI


def validate(*paths: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(grader_group, ["validate", *map(str, paths)])
    return result.exit_code, result.output.splitlines()


def test_validate_lists_the_files_it_would_ship(ps1: Path) -> None:
    path = ps1 / "problem1.ipynb"
    code, lines = validate(path)
    assert code == 0
    assert lines == [
        f"{path}: ok (hirebench) 'Test grader': 1 tests (0 with hidden parts), 1 points",
        f"{path}: ships 2 files read-only, 73 bytes (limits: 200 files, 20,000,000 bytes):",
        f"{path}:   data/orders.csv (35 bytes)",
        f"{path}:   helpers.py (38 bytes)",
    ]


def test_validate_says_nothing_of_files_when_there_are_none(tmp_path: Path) -> None:
    path = grader_in(tmp_path / "alone")
    code, lines = validate(path)
    assert code == 0 and len(lines) == 1


def test_validate_reports_a_cap_and_fails(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    path = grader_in(folder)
    os.truncate(write(folder / "huge.parquet", b""), MAX_TOTAL_BYTES + 1)
    code, lines = validate(path)
    assert code == 1
    assert lines == [
        f"{path}: the grader's files total 20,000,001 bytes in 1 file; the limit is "
        f"20,000,000 bytes (largest: 'huge.parquet', 20,000,001 bytes)"
    ]


# ------------------------------------------------------------------------------ exams


def add_data(graders: Path) -> None:
    """The mini exam's grader (graders/mini/add.ipynb) ships a data folder."""
    write(graders / "mini" / "data" / "bases.csv", "base\n10\n")
    write(graders / "mini" / "helpers.py", "BASE = 10\n")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def exam_folders(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    folder, graders = copy_fixture(tmp_path)
    add_data(graders)
    yield folder, graders


def test_exam_definition_hashes_the_files_and_names_them_by_hash(
    exam_folders: tuple[Path, Path],
) -> None:
    folder, graders = exam_folders
    definition = load_definition(folder, graders)
    spec = definition.question("add-task").spec
    csv, helpers = b"base\n10\n", b"BASE = 10\n"
    assert spec.grader_files == (
        {"path": "data/bases.csv", "sha256": hashlib.sha256(csv).hexdigest(), "size": 8},
        {"path": "helpers.py", "sha256": hashlib.sha256(helpers).hexdigest(), "size": 10},
    )
    assert definition.blobs == {
        hashlib.sha256(csv).hexdigest(): csv,
        hashlib.sha256(helpers).hexdigest(): helpers,
    }
    notebook = (graders / "mini" / "add.ipynb").read_bytes()
    assert spec.grader_digest == files_digest(
        hashlib.sha256(notebook).hexdigest(), (("data/bases.csv", csv), ("helpers.py", helpers))
    )
    # The stored JSON holds the references, not the bytes, and rebuilds the same definition.
    stored = definition.to_json()
    assert stored["sections"][0]["questions"][0]["spec"]["grader_files"] == list(spec.grader_files)
    assert ExamDefinition.from_json(stored) == definition

    write(graders / "mini" / "data" / "bases.csv", "base\n11\n")
    assert load_definition(folder, graders).content_hash != definition.content_hash


def test_exam_import_names_the_question_and_the_file(exam_folders: tuple[Path, Path]) -> None:
    folder, graders = exam_folders
    (graders / "mini" / "data" / "link.csv").symlink_to(graders / "mini" / "helpers.py")
    with pytest.raises(ExamDefinitionError) as caught:
        load_definition(folder, graders)
    problem = find(caught.value.problems, "sections[0].questions[0].grader", "link.csv")
    assert problem.file == "graders/mini/add.ipynb"
    assert problem.message == (
        "grader file 'data/link.csv' is a symbolic link; links are never shipped "
        "(copy the file in instead)"
    )


def test_a_loaded_exam_grades_with_its_stored_files(
    app: Flask, make_user: Any, exam_folders: tuple[Path, Path]
) -> None:
    folder, graders = exam_folders
    candidate = make_user(Role.candidate, email="files@example.com")
    expected = load_grader(graders / "mini" / "add.ipynb")
    with app.app_context():
        version = load_exam(folder, graders).version
        rows = db.session.scalars(sa.select(GraderFile).order_by(GraderFile.size)).all()
        assert [(row.size, row.data) for row in rows] == [(8, b"base\n10\n"), (10, b"BASE = 10\n")]
        # Editing the files afterwards changes nothing for this version.
        write(graders / "mini" / "data" / "bases.csv", "edited\n")
        (graders / "mini" / "helpers.py").unlink()

        question = version_definition(version).question("add-task")
        spec = get_type("coding").grader_spec(question)
        assert isinstance(spec, GraderSpec)
        assert spec.files == expected.files and spec.digest == expected.digest

        exam = db.session.scalars(sa.select(Exam)).one()
        user = db.session.get(User, candidate.id)
        assert user is not None
        attempt = attempts.start_attempt(user, exam)
        answer = attempts.save_answer(attempt, "add-task", "def add(x):\n    return x + BASE\n")
        via_registry = registry.grader_from_source(f"attempt-answer:{answer.id}")
        assert via_registry is not None and via_registry.files == expected.files
        assert job_files(via_registry)[0]["path"] == "data/bases.csv"


def test_a_reload_with_new_files_is_a_new_version_and_shares_unchanged_files(
    app: Flask, exam_folders: tuple[Path, Path]
) -> None:
    folder, graders = exam_folders
    with app.app_context():
        first = load_exam(folder, graders).version
        write(graders / "mini" / "data" / "bases.csv", "base\n12\n")
        second = load_exam(folder, graders).version
        assert second.number == first.number + 1
        # helpers.py did not change: it is stored once for both versions.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GraderFile)) == 3
        coding = get_type("coding")
        old = coding.grader_spec(version_definition(first).question("add-task"))
        new = coding.grader_spec(version_definition(second).question("add-task"))
        assert dict(old.files)["data/bases.csv"] == b"base\n10\n"
        assert dict(new.files)["data/bases.csv"] == b"base\n12\n"


def test_a_damaged_stored_file_is_a_grader_error(
    app: Flask, exam_folders: tuple[Path, Path]
) -> None:
    folder, graders = exam_folders
    with app.app_context():
        version = load_exam(folder, graders).version
        row = db.session.scalars(sa.select(GraderFile).where(GraderFile.size == 8)).one()
        row.data = b"base\n99\n"
        db.session.commit()
        question = version_definition(version).question("add-task")
        with pytest.raises(GraderError, match=r"'data/bases.csv' .* missing from the database"):
            get_type("coding").grader_spec(question)


@pytest.mark.postgres
def test_grader_files_round_trip_on_postgres(
    app_config: dict[str, Any], postgres_url: str, exam_folders: tuple[Path, Path]
) -> None:
    folder, graders = exam_folders
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": postgres_url})
    with app.app_context():
        upgrade()  # the table comes from the migration, as in production
        version = load_exam(folder, graders).version
        db.session.expire_all()
        question = version_definition(version).question("add-task")
        spec = get_type("coding").grader_spec(question)
        assert spec.files == (("data/bases.csv", b"base\n10\n"), ("helpers.py", b"BASE = 10\n"))
        db.engine.dispose()
