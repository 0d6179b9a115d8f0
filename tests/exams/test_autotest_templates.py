"""A coding question whose grader has nbgrader AUTOTEST directives keeps the course's
autotests.yml in the exam version (issue 13 cause 5): the definition stores its text with the
grader and counts it in the content hash, and `Coding.grader_spec`, and so an
`attempt-answer:` ref, reads the stored grader with it, so the directives become the tests
the course's templates make even after the file on disk changes or goes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hirebench.exams import attempts
from hirebench.exams.definition import ExamDefinition, load_definition
from hirebench.exams.loader import load_exam, version_definition
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.grading import autotests, registry
from hirebench.grading.formats import GraderSpec
from hirebench.models import Exam, Role, User
from tests.exams import copy_fixture
from tests.grading import dump, native, setup, solution, test
from tests.grading.test_autotest import run_here

# A course's templates that no one would mistake for the built-in ones: values compared as
# repr, one check per snippet, the course's own message.
COURSE_TEMPLATES = """python3:
  dispatch: "type({{snippet}})"
  normalize: "repr({{snippet}})"
  check: "assert {{snippet}} == '{{value}}', 'course check: {{message}}'"
  templates:
    default:
      - test: "{{snippet}}"
        fail: "{{snippet}} is off"
"""
COURSE_TESTS = (
    "assert repr(add(1)) == '11', 'course check: add(1) is off'\n\n"
    "assert repr(add(-10)) == '0', 'course check: add(-10) is off'"
)
# What the built-in templates make of the same directive (hirebench/grading/autotests.yml).
BUILT_IN_FIRST_LINE = "from hashlib import sha1"


def autotest_grader(graders: Path, templates: str | None = COURSE_TEMPLATES) -> None:
    """The mini exam's grader (graders/mini/add.ipynb) rewritten with an AUTOTEST test, and
    the course's autotests.yml beside it (none when `templates` is None)."""
    notebook = native(
        setup("BASE = 10"),
        solution("def add(x):\n    ### BEGIN SOLUTION\n    return x + BASE\n    ### END SOLUTION"),
        test("### AUTOTEST add(1); add(-10)", "adds", points=3),
    )
    (graders / "mini" / "add.ipynb").write_bytes(dump(notebook))
    path = graders / "mini" / "autotests.yml"
    if templates is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(templates, encoding="utf-8")


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {
        **app_config,
        "GRADING_WORKERS": 0,
        "GRADING_AUTOSTART": False,
        "AUTOTEST_CACHE_DIR": str(tmp_path / "autotest-cache"),
    }


@pytest.fixture
def exam_folders(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    folder, graders = copy_fixture(tmp_path)
    autotest_grader(graders)
    yield folder, graders


@pytest.fixture(autouse=True)
def fresh_memory_cache() -> Iterator[None]:
    autotests.clear_memory_cache()
    yield
    autotests.clear_memory_cache()


def instantiated_source(grader: GraderSpec) -> str:
    [generated] = autotests.instantiate(grader, run_here).tests
    return generated.source


def test_the_definition_stores_the_templates_and_hashes_them(
    exam_folders: tuple[Path, Path],
) -> None:
    folder, graders = exam_folders
    definition = load_definition(folder, graders)
    spec = definition.question("add-task").spec
    assert spec.autotest_templates == COURSE_TEMPLATES
    stored = json.loads(json.dumps(definition.to_json()))
    assert stored["sections"][0]["questions"][0]["spec"]["autotest_templates"] == (COURSE_TEMPLATES)
    assert ExamDefinition.from_json(stored) == definition

    autotest_grader(graders, COURSE_TEMPLATES.replace("is off", "is wrong"))
    edited = load_definition(folder, graders)
    assert edited.content_hash != definition.content_hash
    autotest_grader(graders, templates=None)
    built_in = load_definition(folder, graders)
    assert built_in.question("add-task").spec.autotest_templates == ""
    assert built_in.content_hash not in (definition.content_hash, edited.content_hash)


def test_a_version_grades_with_its_stored_templates(
    app: Flask, make_user: Any, exam_folders: tuple[Path, Path]
) -> None:
    folder, graders = exam_folders
    candidate = make_user(Role.candidate, email="autotest@example.com")
    with app.app_context():
        version = load_exam(folder, graders).version
        # The course's file changes after publishing, then goes: the version keeps its own.
        autotest_grader(graders, COURSE_TEMPLATES.replace("course check", "edited"))
        autotest_grader(graders, templates=None)

        question = version_definition(version).question("add-task")
        grader = get_type("coding").grader_spec(question)
        assert grader.autotest_templates == COURSE_TEMPLATES
        assert instantiated_source(grader) == COURSE_TESTS

        exam = db.session.query(Exam).one()
        user = db.session.get(User, candidate.id)
        assert user is not None
        attempt = attempts.start_attempt(user, exam)
        answer = attempts.save_answer(attempt, "add-task", "def add(x):\n    return x + 10\n")
        via_registry = registry.grader_from_source(f"attempt-answer:{answer.id}")
        assert via_registry is not None
        assert via_registry.autotest_templates == COURSE_TEMPLATES
        assert instantiated_source(via_registry) == COURSE_TESTS


def test_a_version_stored_before_templates_were_kept_uses_the_built_in_ones(
    exam_folders: tuple[Path, Path],
) -> None:
    folder, graders = exam_folders
    stored = json.loads(json.dumps(load_definition(folder, graders).to_json()))
    del stored["sections"][0]["questions"][0]["spec"]["autotest_templates"]
    question = ExamDefinition.from_json(stored).question("add-task")
    grader = get_type("coding").grader_spec(question)
    assert grader.autotest_templates == ""
    assert instantiated_source(grader).split("\n")[0] == BUILT_IN_FIRST_LINE


def test_a_grader_without_directives_stores_and_hashes_no_templates(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    plain = load_definition(folder, graders)
    (graders / "mini" / "autotests.yml").write_text(COURSE_TEMPLATES, encoding="utf-8")
    beside = load_definition(folder, graders)
    assert beside.question("add-task").spec.autotest_templates == ""
    assert beside.content_hash == plain.content_hash
