"""Exam definitions: the fixture exam reads into typed dataclasses, and every validation rule
reports its file, key path and fix."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hirebench.authoring import Problem
from hirebench.exams.definition import (
    ExamDefinition,
    ExamDefinitionError,
    ResultsPolicy,
    load_definition,
    validate_folder,
)
from hirebench.exams.questions.base import content_hash
from tests.exams import FIXTURES, copy_fixture, edit_yaml, find

GOLD = "assets/events_gold.csv"
SAMPLE = "assets/events_sample.csv"
ANNOTATION = "sections[2].questions[0]"


def q(data: dict[str, Any], section: int, question: int) -> dict[str, Any]:
    result: dict[str, Any] = data["sections"][section]["questions"][question]
    return result


def problems_after(tmp_path: Path, change: Callable[[dict[str, Any]], Any]) -> list[Problem]:
    folder, graders = copy_fixture(tmp_path)
    edit_yaml(folder, change)
    return validate_folder(folder, graders)


@pytest.fixture
def mini(tmp_path: Path) -> ExamDefinition:
    folder, graders = copy_fixture(tmp_path)
    return load_definition(folder, graders)


# ------------------------------------------------------------------------- the valid exam


def test_fixture_exam_is_valid_in_place() -> None:
    assert validate_folder(FIXTURES / "exams" / "mini", FIXTURES / "graders") == []


def test_definition_is_typed(mini: ExamDefinition) -> None:
    assert mini.id == "mini"
    assert mini.title == "Mini exam" and mini.title_zh == "迷你考试"
    assert mini.description == "A small exam used by the tests.\n"
    assert mini.time_limit_minutes == 30
    assert mini.pass_cutoff == 60.0
    assert mini.results_policy is ResultsPolicy.after_review
    assert mini.shuffle_questions is True
    assert [s.id for s in mini.sections] == ["coding", "quiz", "labelling", "logic"]
    assert [s.draw for s in mini.sections] == [None, None, None, 2]
    assert [question.type for question in mini.questions()] == [
        "coding",
        "single_choice",
        "multiple_choice",
        "numeric",
        "short_answer",
        "annotation_rules",
        "assessment",
        "assessment",
        "assessment",
    ]
    # The logic pool of 3 one-point items draws 2: 10 + 2 + 3 + 2 + 5 + 20 + 2.
    assert mini.max_points == 44
    add_task = mini.question("add-task")
    assert add_task.competency == "technical" and add_task.points == 10.0
    with pytest.raises(KeyError):
        mini.question("nope")


def test_content_hash_covers_yaml_and_referenced_files(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    definition = load_definition(folder, graders)
    files = {
        "exam.yaml": (folder / "exam.yaml").read_bytes(),
        GOLD: (folder / GOLD).read_bytes(),
        SAMPLE: (folder / SAMPLE).read_bytes(),
        "graders/mini/add.ipynb": (graders / "mini" / "add.ipynb").read_bytes(),
    }
    assert definition.content_hash == content_hash(files)
    assert len(definition.content_hash) == 64

    (folder / "notes.txt").write_text("not referenced")
    assert load_definition(folder, graders).content_hash == definition.content_hash

    with (folder / GOLD).open("a") as handle:
        handle.write("9999,view,1.0,browse\n")
    after_asset = load_definition(folder, graders).content_hash
    assert after_asset != definition.content_hash

    grader = graders / "mini" / "add.ipynb"
    grader.write_bytes(grader.read_bytes().replace(b"Add a base", b"Add the base"))
    assert load_definition(folder, graders).content_hash not in (
        definition.content_hash,
        after_asset,
    )


def test_content_hash_separates_file_boundaries() -> None:
    assert content_hash({"a": b"xy", "b": b"z"}) != content_hash({"a": b"x", "b": b"yz"})
    assert content_hash({"a": b"1", "b": b"2"}) == content_hash({"b": b"2", "a": b"1"})


def test_json_round_trip_is_exact_and_self_contained(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    definition = load_definition(folder, graders)
    stored = json.loads(json.dumps(definition.to_json()))
    assert ExamDefinition.from_json(stored) == definition
    assert stored["format"] == 1 and stored["max_points"] == 44
    coding = stored["sections"][0]["questions"][0]["spec"]
    grader_bytes = (graders / "mini" / "add.ipynb").read_bytes()
    assert coding["grader_source"].encode("utf-8") == grader_bytes
    assert coding["grader_digest"] == hashlib.sha256(grader_bytes).hexdigest()
    gold = stored["sections"][2]["questions"][0]["spec"]["gold_rows"]
    assert len(gold) == 210
    # Typed as the annotation engine's read_rows types them.
    assert gold[0] == {
        "event_id": "1000",
        "action": "click",
        "dwell_seconds": 11.9,
        "label": "click",
    }
    assert gold[1]["dwell_seconds"] is None
    # Nothing is read from disk any more.
    for path in (folder / GOLD, graders / "mini" / "add.ipynb"):
        path.unlink()
    assert ExamDefinition.from_json(stored) == definition


def test_from_json_refuses_an_unknown_format(mini: ExamDefinition) -> None:
    with pytest.raises(ValueError, match="format 2"):
        ExamDefinition.from_json({**mini.to_json(), "format": 2})


def test_variant_draws_and_shuffles_per_seed(mini: ExamDefinition) -> None:
    def ids(seed: str) -> list[list[str]]:
        return [[question.id for question in qs] for _, qs in mini.variant(seed)]

    assert ids("alice") == ids("alice")
    for seed in ("alice", "bob", "carol"):
        _coding, quiz, _labelling, logic = ids(seed)
        assert sorted(quiz) == ["explain-gd", "f1-value", "gd-step", "overfit-signs"]
        assert len(logic) == 2 and set(logic) <= {"logic-1", "logic-2", "logic-3"}
    variants = {json.dumps(ids(str(seed))) for seed in range(20)}
    assert len(variants) > 5


def test_variant_keeps_author_order_without_shuffle(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    edit_yaml(folder, lambda d: d.update(shuffle_questions=False))
    definition = load_definition(folder, graders)
    for seed in range(10):
        _, quiz, _, logic = (qs for _, qs in definition.variant(seed))
        assert [x.id for x in quiz] == ["gd-step", "overfit-signs", "f1-value", "explain-gd"]
        order = [x.id for x in logic]
        assert order == sorted(order)


def test_problem_prints_file_key_path_and_fix() -> None:
    problem = Problem("exam.yaml", "sections[1].questions[3].options", "bad", "do this")
    assert str(problem) == "exam.yaml: sections[1].questions[3].options: bad — fix: do this"
    assert str(Problem("exam.yaml", "", "bad", "do this")) == "exam.yaml: bad — fix: do this"


def test_load_definition_raises_with_every_problem(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    edit_yaml(folder, lambda d: d.update(time_limit_minutes=0, pass_cutoff=200))
    with pytest.raises(ExamDefinitionError) as caught:
        load_definition(folder, graders)
    assert [p.key_path for p in caught.value.problems] == ["time_limit_minutes", "pass_cutoff"]
    assert "2 problems" in str(caught.value)


# ------------------------------------------------------------------- rules in exam.yaml

OPTIONS = "sections[1].questions[0].options"
MULTI = "sections[1].questions[1]"
NUMERIC = "sections[1].questions[2]"
SHORT = "sections[1].questions[3]"
LOGIC = "sections[3].questions[0]"


def _set(target: Callable[[dict[str, Any]], dict[str, Any]], **values: Any) -> Any:
    return lambda d: target(d).update(values)


def _del(target: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Any:
    return lambda d: target(d).pop(key)


def top(d: dict[str, Any]) -> dict[str, Any]:
    return d


def single(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 1, 0)


def multi(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 1, 1)


def numeric(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 1, 2)


def short(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 1, 3)


def annotation(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 2, 0)


def logic(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 3, 0)


def coding(d: dict[str, Any]) -> dict[str, Any]:
    return q(d, 0, 0)


RULES = [
    # (change, key path, message fragment, fix fragment)
    (_del(top, "title"), "", "missing required key 'title'", "add `title:`"),
    (_set(top, time_limit=30), "time_limit", "unknown key 'time_limit'", "'time_limit_minutes'?"),
    (_set(top, id="Mini_Exam"), "id", "'Mini_Exam' is not a valid id", "lowercase letters"),
    (_set(top, id="other"), "id", "does not match the folder name 'mini'", "rename the folder"),
    (_set(top, title=5), "title", "'title' must be text, not 5 (number)", "quotes"),
    (_set(top, time_limit_minutes=0), "time_limit_minutes", "is 0", "at most 600"),
    (_set(top, time_limit_minutes=601), "time_limit_minutes", "is 601", "at most 600"),
    (_set(top, time_limit_minutes=1.5), "time_limit_minutes", "a whole number", "whole number"),
    (_set(top, pass_cutoff=101), "pass_cutoff", "is 101", "at most 100"),
    (_set(top, results_policy="later"), "results_policy", "one of immediate", "after_review"),
    (_set(top, shuffle_questions="yes"), "shuffle_questions", "true or false", "true`"),
    (_set(top, sections=[]), "sections", "has 0 entries", "add an entry"),
    (lambda d: d["sections"].append("oops"), "sections[4]", "a section must be a mapping", "key"),
    (
        lambda d: d["sections"][1].update(id="coding"),
        "sections",
        "duplicate section id 'coding'",
        "own id",
    ),
    (
        lambda d: d["sections"][1].pop("questions"),
        "sections[1]",
        "missing required key 'questions'",
        "add",
    ),
    (
        lambda d: d["sections"][3].update(draw=4),
        "sections[3].draw",
        "only 3 questions",
        "at most 3",
    ),
    (lambda d: d["sections"][3].update(draw=0), "sections[3].draw", "is 0", "at least 1"),
    (
        lambda d: (logic(d).update(points=2), logic(d)["options"][1].update(score=2)),
        "sections[3].questions",
        "different points",
        "same points",
    ),
    (
        lambda d: q(d, 1, 0).update(id="add-task"),
        "sections[1].questions[0].id",
        "duplicate question id 'add-task' (also at sections[0].questions[0])",
        "own id",
    ),
    (_set(single, id="Bad Id"), "sections[1].questions[0].id", "not a valid id", "lowercase"),
    (_set(single, points=0), "sections[1].questions[0].points", "is 0", "above 0"),
    (_set(single, points=-1), "sections[1].questions[0].points", "is -1", "above 0"),
    (
        _set(single, points=True),
        "sections[1].questions[0].points",
        "not True (true/false)",
        "number",
    ),
    (_set(single, prompt="  "), "sections[1].questions[0].prompt", "'prompt' is empty", "write"),
    (_del(single, "prompt"), "sections[1].questions[0]", "missing required key 'prompt'", "add"),
    (
        _set(single, type="single-choice"),
        "sections[1].questions[0].type",
        "unknown question type",
        "'single_choice'?",
    ),
    (
        _set(single, typo=1),
        "sections[1].questions[0].typo",
        "unknown key 'typo'",
        "did you mean 'type'?",
    ),
    (
        _set(single, rubric=[]),
        "sections[1].questions[0].rubric",
        "unknown key 'rubric'",
        "remove it",
    ),
    (
        lambda d: single(d)["options"][1].update(correct=True),
        OPTIONS,
        "exactly one correct option, found 2 (a, b)",
        "multiple_choice",
    ),
    (
        lambda d: single(d)["options"][0].update(correct=False),
        OPTIONS,
        "exactly one correct option, found 0",
        "`correct: true`",
    ),
    (
        lambda d: single(d)["options"][0].update(id=True),
        f"{OPTIONS}[0].id",
        "'id' must be text",
        "quote",
    ),
    (
        lambda d: single(d)["options"][0].update(id="a b"),
        f"{OPTIONS}[0].id",
        "not a valid id",
        "letters",
    ),
    (
        lambda d: single(d)["options"][1].pop("text"),
        f"{OPTIONS}[1]",
        "missing required key 'text'",
        "add",
    ),
    (
        lambda d: single(d)["options"][0].update(correct="yes"),
        f"{OPTIONS}[0].correct",
        "true or false",
        "true",
    ),
    (
        lambda d: single(d)["options"][0].update(score=1),
        f"{OPTIONS}[0].score",
        "unknown key 'score'",
        "remove",
    ),
    (
        lambda d: single(d).update(options=single(d)["options"][:1]),
        OPTIONS,
        "needs at least 2",
        "entries",
    ),
    (lambda d: single(d).update(options="a, b"), OPTIONS, "must be a list", "- item"),
    (
        lambda d: single(d)["options"].__setitem__(1, "b"),
        f"{OPTIONS}[1]",
        "an option must be a mapping",
        "key",
    ),
    (
        _set(single, shuffle_options="no"),
        f"{OPTIONS[:-8]}.shuffle_options",
        "true or false",
        "true",
    ),
    (
        lambda d: [o.update(correct=False) for o in multi(d)["options"]],
        f"{MULTI}.options",
        "no option is marked correct",
        "at least one",
    ),
    (_set(multi, scoring="some"), f"{MULTI}.scoring", "one of all_or_nothing, partial", "partial"),
    (_set(numeric, tolerance=-1), f"{NUMERIC}.tolerance", "is -1", "at least 0"),
    (
        _set(numeric, answer="1e-3"),
        f"{NUMERIC}.answer",
        "must be a number",
        "decimal point, e.g. 0.001",
    ),
    (_set(numeric, answer="eight"), f"{NUMERIC}.answer", "must be a number", "write a number"),
    (_del(numeric, "answer"), NUMERIC, "missing required key 'answer'", "add `answer:`"),
    (
        _set(numeric, partial=[{"within": 0.001, "credit": 0.5}]),
        f"{NUMERIC}.partial[0].within",
        "not wider than the tolerance (0.005)",
        "narrow to wide",
    ),
    (
        _set(numeric, partial=[{"within": 0.05, "credit": 0.5}, {"within": 0.1, "credit": 0.6}]),
        f"{NUMERIC}.partial[1].credit",
        "credit 0.6 is not less than the credit closer in (0.5)",
        "less credit",
    ),
    (
        _set(numeric, partial=[{"within": 0.05, "credit": 0.5}, {"within": 0.01, "credit": 0.2}]),
        f"{NUMERIC}.partial[1].within",
        "not wider than the band before it (0.05)",
        "narrow to wide",
    ),
    (
        _set(numeric, partial=[{"within": 0.05, "credit": 1.5}]),
        f"{NUMERIC}.partial[0].credit",
        "is 1.5",
        "at most 1",
    ),
    (
        _set(numeric, partial=[{"within": 0.05, "credit": 0.5, "note": "x"}]),
        f"{NUMERIC}.partial[0].note",
        "unknown key 'note'",
        "remove it",
    ),
    (
        lambda d: short(d)["rubric"][0].update(levels={"1": "a", "5": "b"}),
        f"{SHORT}.rubric[0].levels",
        "level '1' (text) is not a whole number from 0 to 10",
        "without quotes",
    ),
    (
        lambda d: short(d)["rubric"][0].update(levels={1: "only one"}),
        f"{SHORT}.rubric[0].levels",
        "needs at least 2 anchored levels",
        "lowest and the highest",
    ),
    (
        lambda d: short(d)["rubric"][0].update(levels={1: "", 5: "ok"}),
        f"{SHORT}.rubric[0].levels.1",
        "level 1 needs a description",
        "write 1:",
    ),
    (
        lambda d: short(d)["rubric"][0].update(levels="1-5"),
        f"{SHORT}.rubric[0].levels",
        "must map level",
        "{1:",
    ),
    (
        lambda d: short(d)["rubric"][0].update(weight=0),
        f"{SHORT}.rubric[0].weight",
        "is 0",
        "above 0",
    ),
    (
        lambda d: short(d)["rubric"][1].update(id="mechanism"),
        f"{SHORT}.rubric",
        "duplicate criterion id 'mechanism'",
        "own id",
    ),
    (_del(short, "rubric"), SHORT, "missing required key 'rubric'", "add `rubric:`"),
    (_set(short, max_chars=0), f"{SHORT}.max_chars", "is 0", "at least 1"),
    (_set(short, max_chars=10**6), f"{SHORT}.max_chars", "is 1e+06", "at most 50000"),
    (
        lambda d: logic(d)["options"][1].update(score=2),
        f"{LOGIC}.options",
        "option b scores more than the question's 1 points",
        "from 0 to 1",
    ),
    (
        lambda d: logic(d)["options"][1].update(score=0.5),
        f"{LOGIC}.options",
        "no option scores the question's full 1 points",
        "`score: 1`",
    ),
    (
        lambda d: logic(d)["options"][0].pop("score"),
        f"{LOGIC}.options[0]",
        "missing required key 'score'",
        "add",
    ),
    (
        lambda d: logic(d)["options"][0].update(score=-1),
        f"{LOGIC}.options[0].score",
        "is -1",
        "at least 0",
    ),
    (_set(logic, scale="Logic Reasoning"), f"{LOGIC}.scale", "not a valid id", "lowercase"),
    (_set(coding, max_chars=0), "sections[0].questions[0].max_chars", "is 0", "at least 1"),
    (
        _set(coding, starter="x"),
        "sections[0].questions[0].starter",
        "unknown key 'starter'",
        "remove",
    ),
    (
        _set(coding, grader="../add.ipynb"),
        "sections[0].questions[0].grader",
        "points outside graders/",
        "without '..'",
    ),
    (
        _set(coding, grader="/etc/add.ipynb"),
        "sections[0].questions[0].grader",
        "points outside graders/",
        "relative",
    ),
    (
        _set(coding, grader="mini/add.py"),
        "sections[0].questions[0].grader",
        "is not a .ipynb file",
        "right file",
    ),
    (
        _set(coding, grader="mini/none.ipynb"),
        "sections[0].questions[0].grader",
        "does not exist in graders/",
        "add the file",
    ),
    (
        _set(coding, grader=["mini/add.ipynb"]),
        "sections[0].questions[0].grader",
        "must be text",
        "path",
    ),
    (
        _set(annotation, labels=["browse", "browse", "click"]),
        f"{ANNOTATION}.labels",
        "duplicate label 'browse'",
        "once",
    ),
    (
        _set(annotation, labels=["browse", "(none)"]),
        f"{ANNOTATION}.labels[1]",
        "not a usable label",
        "'(none)'",
    ),
    (
        _set(annotation, labels=["browse", True]),
        f"{ANNOTATION}.labels[1]",
        "not a usable label",
        "quote",
    ),
    (
        _set(annotation, labels=["browse"]),
        f"{ANNOTATION}.labels",
        "needs at least 2",
        "add entries",
    ),
    (
        lambda d: annotation(d)["fields"][0].pop("values"),
        f"{ANNOTATION}.fields[0]",
        "a category field needs its values",
        "`values: [...]`",
    ),
    (
        lambda d: annotation(d)["fields"][0].update(values=["view", "view"]),
        f"{ANNOTATION}.fields[0].values",
        "duplicate value 'view'",
        "once",
    ),
    (
        lambda d: annotation(d)["fields"][1].update(name="label"),
        f"{ANNOTATION}.fields[1].name",
        "'label' is the gold label column",
        "remove this field",
    ),
    (
        lambda d: annotation(d)["fields"][1].update(type="integer"),
        f"{ANNOTATION}.fields[1].type",
        "one of category, number, text",
        "write one of",
    ),
    (
        lambda d: annotation(d)["fields"][1].update(values=[1, 2]),
        f"{ANNOTATION}.fields[1].values",
        "unknown key 'values'",
        "remove it",
    ),
    (
        lambda d: annotation(d)["fields"][1].update(name="action"),
        f"{ANNOTATION}.fields",
        "duplicate field 'action'",
        "once",
    ),
    (_set(annotation, max_rules=0), f"{ANNOTATION}.max_rules", "is 0", "at least 1"),
    (
        _set(annotation, rationale_max_chars="many"),
        f"{ANNOTATION}.rationale_max_chars",
        "whole number",
        "write",
    ),
    (
        _del(annotation, "rationale_rubric"),
        ANNOTATION,
        "missing required key 'rationale_rubric'",
        "add",
    ),
    (
        _set(annotation, gold="../mini/" + GOLD),
        f"{ANNOTATION}.gold",
        "points outside the exam folder",
        "without '..'",
    ),
    (
        _set(annotation, gold="/etc/passwd.csv"),
        f"{ANNOTATION}.gold",
        "points outside the exam folder",
        "relative",
    ),
    (
        _set(annotation, gold="assets\\events_gold.csv"),
        f"{ANNOTATION}.gold",
        "uses backslashes",
        "forward slashes",
    ),
    (
        _set(annotation, gold="assets/nope.csv"),
        f"{ANNOTATION}.gold",
        "does not exist in the exam folder",
        "add the file",
    ),
    (_set(annotation, gold="exam.yaml"), f"{ANNOTATION}.gold", "is not a .csv file", "right file"),
    (_set(annotation, sample="assets"), f"{ANNOTATION}.sample", "is not a .csv file", "right file"),
]


@pytest.mark.parametrize(("change", "key_path", "message", "fix"), RULES)
def test_each_rule_names_file_key_path_and_fix(
    tmp_path: Path, change: Any, key_path: str, message: str, fix: str
) -> None:
    problem = find(problems_after(tmp_path, change), key_path, message)
    assert problem.file == "exam.yaml"
    assert fix in problem.fix, problem.fix


def test_duplicate_option_id_reads_as_documented(tmp_path: Path) -> None:
    problems = problems_after(tmp_path, lambda d: multi(d)["options"][2].update(id="b"))
    assert [str(p) for p in problems] == [
        "exam.yaml: sections[1].questions[1].options: duplicate option id 'b' — fix: give each "
        "option its own id"
    ]


def test_unknown_type_does_not_report_the_other_keys(tmp_path: Path) -> None:
    problems = problems_after(tmp_path, _set(multi, type="multi_choice"))
    assert [(p.key_path, p.fix) for p in problems] == [
        (f"{MULTI}.type", "did you mean 'multiple_choice'?")
    ]


def test_every_problem_is_collected(tmp_path: Path) -> None:
    def break_many(d: dict[str, Any]) -> None:
        d["time_limit_minutes"] = 0
        single(d)["options"][1]["correct"] = True
        numeric(d)["tolerance"] = -1
        short(d)["max_chars"] = 0
        annotation(d)["gold"] = "missing.csv"
        coding(d)["grader"] = "mini/none.ipynb"
        logic(d)["scale"] = "No"

    paths = {p.key_path for p in problems_after(tmp_path, break_many)}
    assert paths == {
        "time_limit_minutes",
        OPTIONS,
        f"{NUMERIC}.tolerance",
        f"{SHORT}.max_chars",
        f"{ANNOTATION}.gold",
        "sections[0].questions[0].grader",
        f"{LOGIC}.scale",
    }


def test_broken_fixture_reports_all_its_problems() -> None:
    problems = validate_folder(FIXTURES / "exams" / "broken-many", FIXTURES / "graders")
    assert [(p.key_path, p.message.split(" (")[0]) for p in problems] == [
        ("sections[0].questions[0]", "missing required key 'points'"),
        ("sections[0].questions[0].pionts", "unknown key 'pionts'"),
        (
            "sections[0].questions[0].options",
            "a single_choice question needs exactly one correct option, found 2",
        ),
        ("sections[0].questions[1].id", "duplicate question id 'q1'"),
        ("sections[0].questions[1].grader", "'mini/missing.ipynb' does not exist in graders/"),
        (
            "sections[0].questions[2].sample",
            "'../mini/assets/events_sample.csv' points outside the exam folder",
        ),
        ("sections[0].questions[2].gold", "'assets/nope.csv' does not exist in the exam folder"),
    ]
    assert all(p.file == "exam.yaml" for p in problems)


# ------------------------------------------------------------------------------ YAML file


def test_yaml_syntax_error_names_line_and_column() -> None:
    (problem,) = validate_folder(FIXTURES / "exams" / "broken-yaml", FIXTURES / "graders")
    assert problem.file == "exam.yaml" and problem.key_path == ""
    assert problem.message.startswith("YAML syntax error at line 7, column 6: ")
    assert "near line 7" in problem.fix


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\n\tbad: tab\n", "YAML syntax error at line 2, column 1"),
        ("title: 'unclosed\n", "YAML syntax error at line 2"),
        ("", "exam.yaml is empty"),
        ("- a\n- b\n", "exam.yaml must be a mapping of keys to values, not ['a', 'b'] (list)"),
        ("!!python/object:os.system {}\n", "YAML syntax error at line 1, column 1"),
        # safe_load raises ValueError (not a YAML error) on an impossible unquoted date.
        ("id: x\ntitle_zh: 2024-02-30\n", "a value cannot be read"),
    ],
)
def test_yaml_file_problems(tmp_path: Path, text: str, message: str) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / "exam.yaml").write_text(text)
    problems = validate_folder(folder, graders)
    assert problems[0].file == "exam.yaml"
    assert message in problems[0].message, problems[0].message


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    path = folder / "exam.yaml"
    path.write_text(
        path.read_text().replace("pass_cutoff: 60\n", "pass_cutoff: 60\npass_cutoff: 70\n")
    )
    problem = find(validate_folder(folder, graders), "pass_cutoff", "duplicate key")
    assert "(lines 8 and 9)" in problem.message and problem.fix == "remove one of them"


def test_lone_surrogate_escapes_are_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    path = folder / "exam.yaml"
    text = path.read_text()
    assert text.count('title: "Mini exam"\n') == 1
    path.write_text(text.replace('title: "Mini exam"\n', 'title: "Mini \\ud83d exam"\n'))
    problem = find(validate_folder(folder, graders), "title", "surrogate")
    assert "line 3" in problem.message and "\\U0001F600" in problem.fix
    # The whole character, escaped or not, is fine.
    path.write_text(text.replace('title: "Mini exam"\n', 'title: "Mini \\U0001F600 😀"\n'))
    assert validate_folder(folder, graders) == []


def test_alias_bombs_are_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 7)]
    (folder / "exam.yaml").write_text("\n".join(lines) + "\n")
    problems = validate_folder(folder, graders)
    assert any("expands to more than" in p.message for p in problems)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / "exam.yaml").write_text("id: " + "[" * 5000 + "]" * 5000 + "\n")
    (problem,) = validate_folder(folder, graders)
    assert problem.message == "exam.yaml is nested too deeply"


def test_missing_exam_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (problem,) = validate_folder(tmp_path / "empty", tmp_path)
    assert problem.message == f"no exam.yaml in {tmp_path / 'empty'}"
    (problem,) = validate_folder(tmp_path / "absent", tmp_path)
    assert "is not a folder" in problem.message


def test_exam_file_must_be_utf8(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / "exam.yaml").write_bytes(b"id: mini\ntitle: \xff\n")
    (problem,) = validate_folder(folder, graders)
    assert problem.message == "not UTF-8 text (bad byte on line 2)"


def test_exam_file_symlinked_from_outside_is_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    outside = tmp_path / "outside.yaml"
    (folder / "exam.yaml").rename(outside)
    (folder / "exam.yaml").symlink_to(outside)
    (problem,) = validate_folder(folder, graders)
    assert "symbolic link to a file outside" in problem.message


# ------------------------------------------------------------------------ referenced files


def test_symlink_out_of_the_exam_folder_is_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    outside = tmp_path / "stolen.csv"
    (folder / GOLD).rename(outside)
    (folder / GOLD).symlink_to(outside)
    problem = find(validate_folder(folder, graders), f"{ANNOTATION}.gold")
    assert problem.message == f"'{GOLD}' is a symbolic link to a file outside the exam folder"
    assert problem.fix == "copy the file into the exam folder instead of linking to it"


def test_symlinked_folder_out_of_the_exam_folder_is_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / "assets").rename(tmp_path / "elsewhere")
    (folder / "assets").symlink_to(tmp_path / "elsewhere")
    problems = validate_folder(folder, graders)
    assert {p.key_path for p in problems} == {f"{ANNOTATION}.gold", f"{ANNOTATION}.sample"}
    assert all("symbolic link" in p.message for p in problems)


def test_symlink_inside_the_exam_folder_is_fine(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / "data").mkdir()
    (folder / GOLD).rename(folder / "data" / "gold.csv")
    os.symlink("../data/gold.csv", folder / GOLD)
    assert validate_folder(folder, graders) == []


def test_grader_symlink_out_of_graders_is_refused(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    outside = tmp_path / "add.ipynb"
    (graders / "mini" / "add.ipynb").rename(outside)
    (graders / "mini" / "add.ipynb").symlink_to(outside)
    problem = find(validate_folder(folder, graders), "sections[0].questions[0].grader")
    assert "symbolic link to a file outside graders/" in problem.message


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / "assets" / "dir.csv").mkdir()
    edit_yaml(folder, _set(annotation, gold="assets/dir.csv"))
    problem = find(validate_folder(folder, graders), f"{ANNOTATION}.gold")
    assert problem.message == "'assets/dir.csv' is not a regular file"


def test_invalid_grader_problems_are_reported_under_the_question(tmp_path: Path) -> None:
    problems = problems_after(tmp_path, _set(coding, grader="mini/broken.ipynb"))
    assert {p.file for p in problems} == {"graders/mini/broken.ipynb"}
    assert {p.key_path for p in problems} == {"sections[0].questions[0].grader"}
    assert [p.message for p in problems] == [
        "cell 0, line 1: syntax error in setup cell: '(' was never closed",
        "cell 2: test t: points must be a number of at least 0, not -1",
    ]
    assert "hirebench grader validate graders/mini/broken.ipynb" in problems[0].fix


def test_grader_without_points_is_refused(tmp_path: Path) -> None:
    from tests.grading import dump, native, setup, solution, test

    folder, graders = copy_fixture(tmp_path)
    (graders / "mini" / "zero.ipynb").write_bytes(
        dump(native(setup("A = 1"), solution("def f():\n    pass"), test("assert A", "t", 0)))
    )
    edit_yaml(folder, _set(coding, grader="mini/zero.ipynb"))
    problem = find(validate_folder(folder, graders), "sections[0].questions[0].grader")
    assert problem.file == "graders/mini/zero.ipynb"
    assert "worth 0 points" in problem.message


# ------------------------------------------------------------------------ gold and sample

HEADER = "event_id,action,dwell_seconds,label\n"


def gold_rows(count: int, label: str = "browse") -> str:
    labels = ["browse", "click", "purchase"]
    return "".join(f"{n},view,1.0,{labels[n % 3] if n < 3 else label}\n" for n in range(count))


@pytest.mark.parametrize(
    ("text", "message", "fix"),
    [
        (
            HEADER + gold_rows(199),
            "the gold set has 199 rows; it needs at least 200",
            "at least 200",
        ),
        ("event_id,action,dwell_seconds\n", "no 'label' column", "add a 'label' column"),
        (
            "event_id,dwell_seconds,label\n",
            "no 'action' column, but 'action' is a declared field",
            "remove the field",
        ),
        (
            "event_id,action,action,label\n",
            "the header has duplicate column names (action)",
            "own name",
        ),
        ("", "the file is empty; it needs a header row", "header row"),
        (
            HEADER + "1,view,1.0,buy\n" + gold_rows(200),
            "line 2: label 'buy' is not one of the labels (browse, click, purchase)",
            "declared label",
        ),
        (
            HEADER + "1,view,1.0,\n" + gold_rows(200),
            "line 2: label '' is not one of the labels",
            "label the row",
        ),
        (
            HEADER + "1,view,fast,browse\n" + gold_rows(200),
            "line 2: 'dwell_seconds' is 'fast', not a number",
            "12.5",
        ),
        (
            HEADER + "1,view,nan,browse\n" + gold_rows(200),
            "line 2: 'dwell_seconds' is 'nan', not a number",
            "12.5",
        ),
        (
            HEADER + "1,scroll,1.0,browse\n" + gold_rows(200),
            "line 2: 'action' is 'scroll', which is not one of its values",
            "view, click, pay",
        ),
        (
            HEADER + "1,view,1.0\n" + gold_rows(200),
            "line 2: 3 cells, but the header has 4 columns",
            "quote cells",
        ),
        (
            HEADER + gold_rows(210, "browse").replace(",purchase\n", ",click\n"),
            "label purchase never occurs in the gold set",
            "remove it from labels",
        ),
        (HEADER + '1,view,"1.0\n', "line 2: unexpected end of data", "quoting"),
    ],
)
def test_gold_csv_shape(tmp_path: Path, text: str, message: str, fix: str) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / GOLD).write_text(text)
    problems = validate_folder(folder, graders)
    problem = find(problems, f"{ANNOTATION}.gold", message)
    assert problem.file == GOLD
    assert fix in problem.fix


def test_declared_fields_must_be_columns_of_both_files(tmp_path: Path) -> None:
    problems = problems_after(
        tmp_path, lambda d: annotation(d)["fields"].append({"name": "price", "type": "number"})
    )
    assert [(p.file, p.key_path) for p in problems] == [
        (SAMPLE, f"{ANNOTATION}.sample"),
        (GOLD, f"{ANNOTATION}.gold"),
    ]
    assert problems[1].message == "no 'price' column, but 'price' is a declared field"
    assert problems[1].fix == f"add the column, or remove the field from {ANNOTATION}.fields"


def test_gold_allows_empty_cells_and_a_bom(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / GOLD).write_bytes(("\ufeff" + HEADER + "1,,,browse\n" + gold_rows(200)).encode())
    definition = load_definition(folder, graders)
    rows = definition.question("event-labels").spec.gold_rows
    assert rows[0] == {"event_id": "1", "action": None, "dwell_seconds": None, "label": "browse"}
    assert len(rows) == 201


def test_gold_must_be_utf8(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / GOLD).write_bytes(HEADER.encode() + b"1,view,1.0,br\xe9\n")
    problem = find(validate_folder(folder, graders), f"{ANNOTATION}.gold")
    assert problem.message == "not UTF-8 text (bad byte at offset 49)"


def test_row_problems_are_capped_with_a_count(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / GOLD).write_text(HEADER + "1,view,1.0,buy\n" * 25 + gold_rows(200))
    problems = [p for p in validate_folder(folder, graders) if p.file == GOLD]
    assert len(problems) == 11
    assert problems[-1].message.startswith("15 more lines have problems")


def test_sample_may_leave_labels_empty_but_not_wrong(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    sample = (folder / SAMPLE).read_text()
    assert "\n9002,click,22.7,\n" in sample  # an ambiguous case, left for the candidate
    (folder / SAMPLE).write_text(
        sample.replace("\n9002,click,22.7,\n", "\n9002,click,22.7,maybe\n")
    )
    problem = find(validate_folder(folder, graders), f"{ANNOTATION}.sample")
    assert problem.file == SAMPLE
    assert problem.message.startswith("line 4: label 'maybe' is not one of the labels")


def test_sample_needs_rows(tmp_path: Path) -> None:
    folder, graders = copy_fixture(tmp_path)
    (folder / SAMPLE).write_text(HEADER)
    problem = find(validate_folder(folder, graders), f"{ANNOTATION}.sample")
    assert problem.message == "the sample has no rows"


def test_sample_rows_keep_every_column_typed(mini: ExamDefinition) -> None:
    spec = mini.question("event-labels").spec
    assert spec.sample_columns == ("event_id", "action", "dwell_seconds", "label")
    assert spec.sample_rows[0] == {
        "event_id": "9000",
        "action": "click",
        "dwell_seconds": 2.0,
        "label": "click",
    }
    assert spec.sample_rows[2]["label"] is None


def test_the_json_types_match(mini: ExamDefinition) -> None:
    # Every stored value is plain JSON, so a version row reads back the same everywhere.
    text = json.dumps(mini.to_json(), allow_nan=False)
    assert ExamDefinition.from_json(json.loads(text)) == mini
