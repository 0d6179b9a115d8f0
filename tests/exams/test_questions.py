"""The question-type registry: candidate views (deterministic shuffles, no leaks), answer
cleaning, automatic grading with partial credit, and review views."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from hirebench.exams.definition import ExamDefinition, load_definition
from hirebench.exams.questions import (
    REGISTRY,
    AnswerError,
    AutoGrade,
    Question,
    annotation_rules,
    get_type,
    register,
    type_of,
)
from hirebench.exams.questions.coding import Coding
from hirebench.exams.questions.single_choice import SingleChoice
from tests.exams import FIXTURES

# What a candidate must never see: answer keys, scores, hidden data, rubric internals.
SECRET_KEYS = {
    "correct",
    "score",
    "answer",
    "explanation",
    "tolerance",
    "partial",
    "rubric",
    "rationale_rubric",
    "levels",
    "gold",
    "gold_rows",
    "grader",
    "grader_source",
    "grader_digest",
}


@pytest.fixture(scope="module")
def mini() -> ExamDefinition:
    return load_definition(FIXTURES / "exams" / "mini", FIXTURES / "graders")


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def view(question: Question, seed: str | int = "seed") -> dict[str, Any]:
    return type_of(question).candidate_view(question, seed)


def clean(question: Question, raw: Any) -> Any:
    return type_of(question).validate_answer(question, raw)


def grade(question: Question, raw: Any) -> AutoGrade | None:
    qtype = type_of(question)
    return qtype.auto_grade(question, qtype.validate_answer(question, raw))


def option_order(question: Question, seed: str | int) -> list[str]:
    return [option["id"] for option in view(question, seed)["options"]]


# ------------------------------------------------------------------------------- registry


def test_registry_holds_every_type() -> None:
    assert sorted(REGISTRY) == [
        "annotation_rules",
        "assessment",
        "coding",
        "multiple_choice",
        "numeric",
        "short_answer",
        "single_choice",
    ]
    assert isinstance(get_type("coding"), Coding)
    with pytest.raises(KeyError):
        get_type("essay")


def test_registering_a_name_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(SingleChoice())


def test_a_type_refuses_another_types_question(mini: ExamDefinition) -> None:
    with pytest.raises(TypeError, match="not a single_choice question"):
        get_type("single_choice").candidate_view(mini.question("f1-value"), 1)


# -------------------------------------------------------------------- candidate view


def test_candidate_views_never_leak_answers(mini: ExamDefinition) -> None:
    for question in mini.questions():
        for seed in range(5):
            shown = view(question, seed)
            assert not keys_of(shown) & SECRET_KEYS, (question.id, keys_of(shown) & SECRET_KEYS)
            text = json.dumps(shown)
            assert "SECRET_HIDDEN_CHECK" not in text  # the coding task's hidden test
            assert "return x + BASE" not in text  # its reference solution
            assert "events_gold" not in text and '"1000"' not in text  # gold path, gold ids
            assert shown["id"] == question.id and shown["prompt"] == question.prompt


def test_candidate_views_show_what_the_type_needs(mini: ExamDefinition) -> None:
    single = view(mini.question("gd-step"))
    assert {o["id"]: o["text"] for o in single["options"]}["a"] == "Against the gradient"
    assert view(mini.question("overfit-signs"))["scoring"] == "partial"
    assert view(mini.question("explain-gd"))["max_chars"] == 500
    coding = view(mini.question("add-task"))
    assert (
        "def add(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
        in (coding["starter_code"])
    )
    assert [t["id"] for t in coding["visible_tests"]] == ["adds", "adds-more"]
    assert coding["visible_tests"][1]["source"] == "assert add(2) == 12"
    rules = view(mini.question("event-labels"))
    assert rules["labels"] == ["browse", "click", "purchase"]
    assert rules["fields"][0] == {
        "name": "action",
        "type": "category",
        "values": ["view", "click", "pay"],
    }
    assert "missing" in rules["ops"]["number"] and "lt" not in rules["ops"]["category"]
    assert len(rules["sample"]["rows"]) == 8 and rules["max_rules"] == 10


@pytest.mark.parametrize("question_id", ["gd-step", "overfit-signs", "logic-1", "logic-3"])
def test_option_shuffle_is_deterministic_per_seed(mini: ExamDefinition, question_id: str) -> None:
    question = mini.question(question_id)
    authored = [o.id for o in question.spec.options]
    for seed in ("alice", 7, "bob"):
        order = option_order(question, seed)
        assert order == option_order(question, seed)
        assert sorted(order) == sorted(authored)
    orders = {tuple(option_order(question, seed)) for seed in range(30)}
    assert len(orders) > 1


def test_shuffle_depends_on_the_question_too(mini: ExamDefinition) -> None:
    # Same seed, same options, different question id: a different stream.
    question = mini.question("gd-step")
    twin = replace(question, id="gd-step-twin")
    differs = [option_order(question, s) != option_order(twin, s) for s in range(20)]
    assert any(differs)


def test_shuffle_off_keeps_author_order(mini: ExamDefinition) -> None:
    question = mini.question("logic-2")
    assert question.spec.shuffle_options is False
    assert {tuple(option_order(question, seed)) for seed in range(20)} == {("a", "b", "c")}
    single = mini.question("gd-step")
    fixed = replace(single, spec=replace(single.spec, shuffle_options=False))
    assert option_order(fixed, "x") == ["a", "b", "c", "d", "e"]


# ---------------------------------------------------------------------------- choices


def test_single_choice_grading(mini: ExamDefinition) -> None:
    question = mini.question("gd-step")
    assert grade(question, "a") == AutoGrade(2.0, 2.0, {"chosen": "a", "correct": True})
    assert grade(question, "b") == AutoGrade(0.0, 2.0, {"chosen": "b", "correct": False})
    assert grade(question, None) == AutoGrade(0.0, 2.0, {"chosen": None, "correct": False})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("z", "'z' is not an option of this question"),
        ("A", "'A' is not an option of this question"),
        (["a"], "must be one option id"),
        (1, "must be one option id"),
        ({"id": "a"}, "must be one option id"),
    ],
)
def test_single_choice_refuses_tampered_answers(
    mini: ExamDefinition, raw: Any, message: str
) -> None:
    with pytest.raises(AnswerError, match=message):
        clean(mini.question("gd-step"), raw)


@pytest.mark.parametrize(
    ("picks", "points"),
    [
        (["a", "b"], 3.0),
        (["b", "a"], 3.0),
        (["a"], 1.5),
        (["a", "b", "c"], 1.5),  # (2 right - 1 wrong) / 2 correct
        (["a", "c"], 0.0),
        (["a", "b", "c", "d"], 0.0),  # ticking everything earns nothing
        (["c", "d"], 0.0),  # floored at 0, never negative
        ([], 0.0),
        (None, 0.0),
    ],
)
def test_multiple_choice_partial_credit(
    mini: ExamDefinition, picks: list[str] | None, points: float
) -> None:
    result = grade(mini.question("overfit-signs"), picks)
    assert result is not None
    assert result.points == pytest.approx(points) and result.max_points == 3.0
    assert result.detail["scoring"] == "partial"


@pytest.mark.parametrize(
    ("picks", "points"), [(["a", "b"], 3.0), (["a"], 0.0), (["a", "b", "c"], 0.0)]
)
def test_multiple_choice_all_or_nothing(
    mini: ExamDefinition, picks: list[str], points: float
) -> None:
    question = mini.question("overfit-signs")
    strict = replace(question, spec=replace(question.spec, scoring="all_or_nothing"))
    result = grade(strict, picks)
    assert result is not None and result.points == points


def test_multiple_choice_stores_picks_in_author_order(mini: ExamDefinition) -> None:
    assert clean(mini.question("overfit-signs"), ["c", "a"]) == ["a", "c"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a", "must be a list of option ids"),
        (["a", 1], "must be a list of option ids"),
        (["a", "x"], "'x' is not an option"),
        (["a", "a"], "picks the same option twice"),
        (["a", "b", "c", "d", "a"], "more picks than the question has options"),
    ],
)
def test_multiple_choice_refuses_bad_answers(mini: ExamDefinition, raw: Any, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        clean(mini.question("overfit-signs"), raw)


def test_assessment_scores_the_chosen_option_and_names_its_scale(mini: ExamDefinition) -> None:
    question = mini.question("logic-2")
    assert grade(question, "b") == AutoGrade(
        1.0, 1.0, {"scale": "logical_reasoning", "chosen": "b"}
    )
    assert grade(question, "c") == AutoGrade(
        0.5, 1.0, {"scale": "logical_reasoning", "chosen": "c"}
    )
    assert grade(question, None) == AutoGrade(
        0.0, 1.0, {"scale": "logical_reasoning", "chosen": None}
    )
    with pytest.raises(AnswerError, match="not an option"):
        clean(question, "d")


# ---------------------------------------------------------------------------- numeric


@pytest.mark.parametrize(
    ("raw", "credit"),
    [
        (0.8, 1.0),
        ("0.8", 1.0),
        (" .8 ", 1.0),
        (0.805, 1.0),  # on the edge: 0.805 - 0.8 is a hair above 0.005 in binary floats
        (0.795, 1.0),
        (0.81, 0.5),
        (0.75, 0.5),  # exactly on the band's edge
        (0.85, 0.5),
        (0.851, 0.0),
        (1, 0.0),
        ("8e-1", 1.0),
        (None, 0.0),
        ("", 0.0),  # an emptied box clears the answer
    ],
)
def test_numeric_tolerance_and_bands(mini: ExamDefinition, raw: Any, credit: float) -> None:
    result = grade(mini.question("f1-value"), raw)
    assert result is not None
    assert result.points == pytest.approx(2.0 * credit)
    assert result.detail["credit"] == credit


def test_numeric_bands_are_checked_in_order(mini: ExamDefinition) -> None:
    from hirebench.exams.questions.numeric import Band

    question = mini.question("f1-value")
    banded = replace(
        question,
        spec=replace(question.spec, partial=(Band(0.02, 0.75), Band(0.1, 0.25))),
    )
    credits = [grade(banded, value).detail["credit"] for value in (0.81, 0.85, 0.95)]  # type: ignore[union-attr]
    assert credits == [0.75, 0.25, 0.0]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a number"),
        ("0,8", "'0,8' is not a number"),
        ("1_000", "'1_000' is not a number"),
        ("nan", "must be a finite number"),
        ("inf", "must be a finite number"),
        (float("nan"), "must be a number"),
        (True, "must be a number"),
        ([0.8], "must be a number"),
        ("1" * 65, "longer than 64 characters"),
        (10**400, "too large"),  # JSON ints have no size limit; floats do
        (-(10**400), "too large"),
    ],
)
def test_numeric_refuses_bad_answers(mini: ExamDefinition, raw: Any, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        clean(mini.question("f1-value"), raw)


@pytest.mark.parametrize(
    ("question_id", "raw", "chinese"),
    [
        ("f1-value", "abc", "不是数字"),
        ("gd-step", "z", "不是本题的选项"),
        ("explain-gd", 42, "必须是文本"),
        # The rule checker's messages: the rule's place, and what is wrong with it.
        (
            "event-labels",
            {"rules": [{"conditions": [], "label": "shop"}], "rationale": ""},
            "第 1 条规则：未知标签 'shop'",
        ),
        (
            "event-labels",
            {"rules": [{"conditions": [{"field": "action", "op": "eq"}], "label": "browse"}]},
            "第 1 条规则的第 1 个条件：运算符 'eq' 需要一个值",
        ),
    ],
)
def test_answer_errors_are_in_the_candidates_language(
    app: Flask, mini: ExamDefinition, question_id: str, raw: Any, chinese: str
) -> None:
    zh = app.test_request_context(headers={"Accept-Language": "zh-CN"})
    with zh, pytest.raises(AnswerError, match=chinese):
        clean(mini.question(question_id), raw)


def test_a_number_too_large_for_a_float_is_no_number() -> None:
    from hirebench.authoring import is_number

    assert is_number(10**300) and is_number(-2.5)
    assert not is_number(10**400) and not is_number(-(10**400)) and not is_number(float("inf"))


# ---------------------------------------------------------------------- text and code


def test_short_answer_goes_to_reviewers(mini: ExamDefinition) -> None:
    question = mini.question("explain-gd")
    answer = clean(question, "Step\r\nagainst the gradient.")
    assert answer == "Step\nagainst the gradient."
    assert type_of(question).auto_grade(question, answer) is None
    review = type_of(question).review_view(question, answer)
    assert review["answer"] == answer
    assert [c["id"] for c in review["rubric"]] == ["mechanism", "learning-rate"]
    assert review["rubric"][0]["levels"][0] == {"level": 1, "text": "Vague"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("x" * 501, "501 characters; the limit is 500"),
        (["text"], "must be text"),
        (42, "must be text"),
        ("a\0b", "NUL character"),
    ],
)
def test_short_answer_refuses_bad_answers(mini: ExamDefinition, raw: Any, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        clean(mini.question("explain-gd"), raw)


def test_short_answer_limit_counts_normalised_newlines(mini: ExamDefinition) -> None:
    question = mini.question("explain-gd")
    assert len(clean(question, "ab\r\n" * 166)) == 498  # 664 characters as sent


def test_coding_is_graded_in_the_sandbox(mini: ExamDefinition) -> None:
    question = mini.question("add-task")
    qtype = get_type("coding")
    assert isinstance(qtype, Coding)
    code = "def add(x):\n    return x + BASE\n"
    assert clean(question, code) == code
    assert qtype.auto_grade(question, code) is None
    spec = qtype.grader_spec(question)
    assert spec.max_points == 3 and spec.digest == question.spec.grader_digest
    assert qtype.sandbox_grade(question, 2.0, 3.0).points == pytest.approx(10 * 2 / 3)
    assert qtype.sandbox_grade(question, 3.0, 3.0).points == 10.0
    review = qtype.review_view(question, code)
    assert review["answer"] == code and review["grader"] == "mini/add.ipynb"
    with pytest.raises(AnswerError, match="The code is 100,001 characters"):
        clean(question, "x" * 100_001)
    with pytest.raises(AnswerError, match="The code must be text"):
        clean(question, {"code": code})


# ------------------------------------------------------------------------- annotation

PERFECT = [
    {"conditions": [{"field": "action", "op": "eq", "value": "pay"}], "label": "purchase"},
    {
        "conditions": [
            {"field": "action", "op": "eq", "value": "click"},
            {"field": "dwell_seconds", "op": "ge", "value": 1},
        ],
        "label": "click",
    },
    {"conditions": [], "label": "browse"},
]


def test_annotation_answer_is_kept_as_written(mini: ExamDefinition) -> None:
    question = mini.question("event-labels")
    answer = clean(question, {"rules": PERFECT, "rationale": "Pay is a purchase."})
    assert answer == {"rules": PERFECT, "rationale": "Pay is a purchase."}
    # An empty table is work in progress: it saves, and grades to zero.
    assert clean(question, {"rationale": "thinking"}) == {"rules": [], "rationale": "thinking"}
    assert grade(question, {"rules": [], "rationale": ""}) == AutoGrade(
        0.0, 20.0, {"answered": False}
    )


def rule(*conditions: dict[str, Any], label: str = "browse") -> dict[str, Any]:
    return {"conditions": list(conditions), "label": label}


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("rules", "must have 'rules' and 'rationale' only"),
        ({"rules": [], "score": 1}, "must have 'rules' and 'rationale' only"),
        ({"rules": "[]"}, "The rules must be a list"),
        ({"rules": [rule(label="buy")]}, "rule 1: unknown label 'buy'"),
        ({"rules": [rule(cond("dwel", "gt", 1))]}, "rule 1, condition 1: unknown field 'dwel'"),
        (
            {"rules": [rule(cond("action", "eq", "view")), rule(cond("action", "lt", "x"))]},
            "rule 2, condition 1: op 'lt' does not apply to category field 'action'",
        ),
        (
            {"rules": [rule(cond("action", "eq", "scroll"))]},
            "rule 1, condition 1: 'scroll' is not a value of 'action'",
        ),
        (
            {"rules": [rule(cond("dwell_seconds", "gt", "long"))]},
            "must be a number",
        ),
        ({"rules": [rule(), rule(cond("action", "eq", "pay"))]}, "allowed only as the last rule"),
        ({"rules": [rule(cond("action", "eq", "pay"))] * 11}, "too many rules: 11"),
        ({"rules": [{"label": "browse", "conditions": [], "why": 1}]}, "unknown key 'why'"),
        ({"rules": [], "rationale": 5}, "The rationale must be text"),
        ({"rules": [], "rationale": "x" * 4001}, "The rationale is 4,001 characters"),
    ],
)
def test_annotation_refuses_malformed_tables(mini: ExamDefinition, raw: Any, message: str) -> None:
    with pytest.raises(AnswerError, match=message.replace("(", r"\(")):
        clean(mini.question("event-labels"), raw)


def test_annotation_grading_with_the_real_engine(mini: ExamDefinition) -> None:
    pytest.importorskip("hirebench.exams.annotation")
    question = mini.question("event-labels")
    perfect = grade(question, {"rules": PERFECT, "rationale": ""})
    assert perfect is not None
    assert perfect.points == pytest.approx(20.0) and perfect.max_points == 20.0
    assert perfect.detail["kappa"] == pytest.approx(1.0)
    assert perfect.detail["accuracy"] == 1.0 and perfect.detail["unmatched_share"] == 0.0
    assert perfect.detail["per_label_f1"] == {"browse": 1.0, "click": 1.0, "purchase": 1.0}

    naive = grade(question, {"rules": PERFECT[:1], "rationale": ""})
    assert naive is not None and 0 < naive.points < 20
    assert naive.detail["unmatched_share"] > 0
    assert naive.points == pytest.approx(20 * naive.detail["kappa"])


@pytest.mark.parametrize(("kappa", "points"), [(0.5, 10.0), (1.0, 20.0), (-0.3, 0.0)])
def test_annotation_points_are_points_times_kappa_floored_at_zero(
    mini: ExamDefinition, monkeypatch: pytest.MonkeyPatch, kappa: float, points: float
) -> None:
    seen: dict[str, Any] = {}

    class Score:
        accuracy = 0.9
        per_label_f1 = {"browse": 0.8}
        unmatched_share = 0.1
        conflict_share = 0.05

    def stand_in(rules: Any, gold_rows: Any, labels: Any) -> Score:
        seen.update(rules=rules, gold_rows=gold_rows, labels=labels)
        score = Score()
        score.kappa = kappa  # type: ignore[attr-defined]
        return score

    # The question type imports the engine's scorer by name, so the stand-in replaces it there.
    monkeypatch.setattr(annotation_rules, "score_rules", stand_in)
    result = grade(mini.question("event-labels"), {"rules": PERFECT, "rationale": ""})
    assert result is not None and result.points == pytest.approx(points)
    assert result.detail["kappa"] == kappa and result.detail["conflict_share"] == 0.05
    assert seen["labels"] == ["browse", "click", "purchase"]
    assert len(seen["gold_rows"]) == 210 and seen["rules"][0].label == "purchase"


def test_annotation_grading_survives_a_bad_stored_answer(mini: ExamDefinition) -> None:
    question = mini.question("event-labels")
    qtype = type_of(question)
    bad = {"rules": [rule(cond("nope", "eq", 1))], "rationale": ""}
    result = qtype.auto_grade(question, bad)
    assert result is not None and result.points == 0.0
    assert "unknown field 'nope'" in result.detail["error"]
    assert qtype.auto_grade(question, ["not", "a", "table"]).points == 0.0  # type: ignore[union-attr]


def test_annotation_review_view_carries_rules_rationale_and_rubric(mini: ExamDefinition) -> None:
    question = mini.question("event-labels")
    answer = {"rules": PERFECT, "rationale": "Because."}
    review = type_of(question).review_view(question, answer)
    assert review["rules"] == PERFECT and review["rationale"] == "Because."
    assert review["rationale_rubric"][0]["id"] == "ambiguity"
    assert type_of(question).review_view(question, None)["rules"] == []


def test_review_views_show_the_key(mini: ExamDefinition) -> None:
    single = type_of(mini.question("gd-step")).review_view(mini.question("gd-step"), "b")
    assert [(o["id"], o["correct"], o["chosen"]) for o in single["options"][:2]] == [
        ("a", True, False),
        ("b", False, True),
    ]
    assert single["explanation"].startswith("The gradient points uphill")
    numeric = type_of(mini.question("f1-value")).review_view(mini.question("f1-value"), 0.7)
    assert numeric["answer"] == 0.8 and numeric["given"] == 0.7 and numeric["tolerance"] == 0.005
    logic = type_of(mini.question("logic-2")).review_view(mini.question("logic-2"), "c")
    assert logic["scale"] == "logical_reasoning"
    assert [(o["id"], o["score"], o["chosen"]) for o in logic["options"]][2] == ("c", 0.5, True)


def test_none_always_means_unanswered(mini: ExamDefinition) -> None:
    for question in mini.questions():
        assert clean(question, None) is None
