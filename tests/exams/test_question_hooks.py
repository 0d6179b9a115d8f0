"""The hooks through which the rest of the platform asks a question type what to do: its label,
what the exam page prefills, whether the sandbox grades it, which part reviewers grade, and the
scorecard stage it counts in. Nothing outside the registry branches on a type's name, so a new
type is one module plus one line in QUESTION_TYPES."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask_babel import lazy_gettext as _l

from hirebench.exams.definition import ExamDefinition, load_definition
from hirebench.exams.questions import (
    QUESTION_TYPES,
    REGISTRY,
    Prefill,
    Question,
    QuestionType,
    get_type,
    type_of,
)
from hirebench.jobs.profile import Stage
from hirebench.web import candidate as candidate_views
from tests.exams import FIXTURES

PACKAGE = Path(__file__).resolve().parents[2] / "hirebench"


@pytest.fixture(scope="module")
def mini() -> ExamDefinition:
    return load_definition(FIXTURES / "exams" / "mini", FIXTURES / "graders")


def prefill(question: Question, value: Any) -> Prefill:
    qtype = type_of(question)
    return qtype.prefill(question, qtype.candidate_view(question, "seed"), value)


def test_registration_is_the_explicit_list() -> None:
    assert [qtype.name for qtype in QUESTION_TYPES] == list(REGISTRY)
    assert all(REGISTRY[qtype.name] is qtype for qtype in QUESTION_TYPES)


def test_every_type_names_itself_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        labels = {name: str(qtype.label) for name, qtype in REGISTRY.items()}
    assert labels["numeric"] == "Number" and labels["assessment"] == "Reasoning item"
    assert all(labels.values())
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = {name: str(qtype.label) for name, qtype in REGISTRY.items()}
    assert chinese["coding"] != "Coding"
    # The pages' label table is read from the types, not kept beside them.
    assert {name: label for name, label in candidate_views.TYPE_LABELS.items()} == {
        qtype.name: qtype.label for qtype in QUESTION_TYPES
    }


def test_prefill_shows_the_saved_answer_or_the_starting_point(mini: ExamDefinition) -> None:
    coding = mini.question("add-task")
    fresh = prefill(coding, None)
    assert not fresh.answered and fresh.text == coding.spec.starter_code != ""
    assert prefill(coding, "def add(a, b):\n    return a + b\n").text.startswith("def add")
    assert prefill(mini.question("gd-step"), "b").chosen == {"b"}
    assert prefill(mini.question("logic-1"), "b").chosen == {"b"}
    ticked = prefill(mini.question("overfit-signs"), ["a", "c"])
    assert ticked.chosen == {"a", "c"} and ticked.answered
    assert prefill(mini.question("f1-value"), 2.0).text == "2"
    assert prefill(mini.question("f1-value"), 0.25).text == "0.25"
    assert prefill(mini.question("explain-gd"), None).text == ""
    assert not prefill(mini.question("explain-gd"), "").answered


def test_annotation_prefill_keeps_the_table_the_rationale_and_a_format_example(
    mini: ExamDefinition,
) -> None:
    question = mini.question("event-labels")
    rules = [{"conditions": [], "label": "browse"}]
    shown = prefill(question, {"rules": rules, "rationale": "why"})
    assert json.loads(shown.text) == rules and shown.rationale == "why" and shown.answered
    # An autosaved rationale alone counts as an answer in progress.
    assert prefill(question, {"rules": [], "rationale": "thinking"}).answered
    assert not prefill(question, {"rules": [], "rationale": ""}).answered
    example = json.loads(shown.example_rules)
    assert example[-1] == {"conditions": [], "label": question.spec.labels[-1]}
    assert len(shown.sample_rows) == len(question.spec.sample_rows)
    assert all(isinstance(cell, str) for row in shown.sample_rows for cell in row)


def test_only_the_sandbox_types_have_a_grader(mini: ExamDefinition) -> None:
    sandboxed = {qtype.name for qtype in QUESTION_TYPES if qtype.graded_in_sandbox}
    assert sandboxed == {"coding"}
    coding = mini.question("add-task")
    assert get_type("coding").grader_spec(coding).max_points > 0
    with pytest.raises(TypeError):
        get_type("short_answer").grader_spec(mini.question("explain-gd"))
    with pytest.raises(TypeError):
        get_type("numeric").sandbox_grade(mini.question("f1-value"), 1.0, 1.0)


def test_review_parts_name_the_text_and_rubric_reviewers_grade(mini: ExamDefinition) -> None:
    short = mini.question("explain-gd")
    part = type_of(short).review_part(short, "Because the gradient points uphill.")
    assert part is not None and part.kind == "answer"
    assert part.rubric == short.spec.rubric and part.text.startswith("Because")
    empty = type_of(short).review_part(short, None)
    assert empty is not None and empty.text == ""
    rules = mini.question("event-labels")
    rationale = type_of(rules).review_part(rules, {"rules": [], "rationale": "edge cases"})
    assert rationale is not None and rationale.kind == "rationale"
    assert rationale.rubric == rules.spec.rationale_rubric and rationale.text == "edge cases"
    for question_id in ("add-task", "gd-step", "overfit-signs", "f1-value", "logic-1"):
        question = mini.question(question_id)
        assert type_of(question).review_part(question, "x") is None


def test_scorecard_stages_are_profile_stages() -> None:
    stages = {qtype.name: Stage(qtype.scorecard_stage) for qtype in QUESTION_TYPES}
    assert stages.pop("assessment") is Stage.assessment
    assert set(stages.values()) == {Stage.written_test}


class _Rating(QuestionType[dict[str, Any]]):
    """A type that exists only in this test: a 1-5 self-rating."""

    name = "rating"
    label = _l("Rating")
    spec_class = dict
    scorecard_stage: ClassVar[str] = "assessment"

    def candidate_view(self, question: Question, seed: str | int) -> dict[str, Any]:
        return self.base_view(question)

    def prefill(self, question: Question, view: Mapping[str, Any], value: Any) -> Prefill:
        return Prefill(answered=value is not None, text=f"{value} of 5")


def test_a_new_type_is_one_class_the_exam_page_asks(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(REGISTRY, "rating", _Rating())
    question = Question("self", "rating", 1.0, "Rate yourself", {})

    class Stored:  # the fields of an Answer the exam page reads
        value = 4
        revision = 2
        save_client = ""
        save_seq = 0

    with app.test_request_context():
        shown = candidate_views._question_view(3, question, "seed", Stored())  # type: ignore[arg-type]
    assert shown.answered and shown.text == "4 of 5" and shown.number == 3


def _type_names(node: ast.expr) -> set[Any]:
    """The registered type names a comparison operand spells out, alone or in a tuple."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return {item.value for item in items if isinstance(item, ast.Constant)} & set(REGISTRY)


def test_no_module_outside_the_registry_branches_on_a_type_name() -> None:
    """`question.type == "coding"` and the like belong in the type's own module."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        # The demo seeder picks sample answers per type; it is data, not behaviour.
        if relative.startswith("exams/questions/") or relative == "services/demo.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if any(
                isinstance(side, ast.Attribute) and side.attr == "type" for side in sides
            ) and any(_type_names(side) for side in sides):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []
