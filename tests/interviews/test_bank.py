"""The behavioural interview question bank: the shipped bank and the docs example load, and
every rule reports its file, key path and fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hirebench.authoring import AuthoringError, Problem
from hirebench.interviews.bank import (
    BankFileError,
    BankQuestion,
    InterviewBank,
    load_bank_file,
    parse_bank_text,
    validate_bank_dict,
)
from hirebench.paths import PROJECT_ROOT
from tests.exams import find

SHIPPED = PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml"
DOCS = PROJECT_ROOT / "docs" / "interview-bank.md"
SOURCE = "bank.yaml"
REQUIRED_QUESTIONS = (
    "How do you handle ambiguous cases in annotation data?",
    "How do you tell the algorithm team that the model needs changing?",
    "Tell me about a time a business team and an algorithm team disagreed.",
)


def question(question_id: str, competency: str = "ambiguity") -> dict[str, Any]:
    return {
        "id": question_id,
        "competency": competency,
        "text": "Tell me about it.",
        "guide": {1: "vague", 3: "a real case", 5: "a real case with a measured result"},
    }


def bank() -> dict[str, Any]:
    return {
        "competencies": [
            {"id": "ambiguity", "title": "Ambiguity"},
            {"id": "communication", "title": "Communication", "description": "Explains."},
        ],
        "questions": [
            question("first"),
            {**question("second", "communication"), "follow_ups": ["Why?", "And then?"]},
            question("third"),
        ],
    }


def problems_after(change: Callable[[dict[str, Any]], Any]) -> list[Problem]:
    data = bank()
    change(data)
    return validate_bank_dict(data, SOURCE)


def guide(data: dict[str, Any], index: int = 0) -> dict[Any, str]:
    result: dict[Any, str] = data["questions"][index]["guide"]
    return result


def parse(data: dict[str, Any]) -> InterviewBank:
    return parse_bank_text(yaml.safe_dump(data, allow_unicode=True), SOURCE)


# ---------------------------------------------------------------------------- valid files


def test_shipped_bank_is_valid() -> None:
    loaded = load_bank_file(SHIPPED)
    by_competency = loaded.by_competency()
    assert list(by_competency) == [
        "ambiguity",
        "communication",
        "collaboration",
        "business-understanding",
        "quality-ownership",
    ]
    assert all(len(questions) >= 2 for questions in by_competency.values())
    for competency in loaded.competencies:
        assert " · " in competency.title and competency.description
    for required in REQUIRED_QUESTIONS:
        assert [q for q in loaded.questions if q.text.startswith(required + " · ")], required
    for item in loaded.questions:
        assert {1, 3, 5} <= {score for score, _ in item.guide}
        assert " · " in item.text  # bilingual
    assert loaded.question("ambiguous-annotation-cases").competency == "ambiguity"
    assert loaded.question("model-needs-changing").competency == "communication"
    assert loaded.question("business-vs-algorithm").competency == "collaboration"


def test_docs_example_loads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/interview-bank.md has no yaml example"
    example = parse_bank_text(blocks[0], "behavioural.yaml")
    assert [c.id for c in example.competencies] == ["ambiguity"]
    assert example.questions[0].text.startswith(REQUIRED_QUESTIONS[0])
    assert [score for score, _ in example.questions[0].guide] == [1, 3, 5]


def test_typed_and_ordered() -> None:
    loaded = parse(bank())
    assert loaded.competencies[0].description == ""
    assert loaded.question("first").follow_ups == ()
    assert loaded.question("second").follow_ups == ("Why?", "And then?")
    assert loaded.question("first").guide[1] == (3, "a real case")
    assert [q.id for q in loaded.by_competency()["ambiguity"]] == ["first", "third"]
    with pytest.raises(KeyError):
        loaded.question("nope")


def test_competency_without_questions_is_allowed() -> None:
    data = bank()
    data["competencies"].append({"id": "spare", "title": "Spare"})
    assert parse(data).by_competency()["spare"] == ()


def test_json_round_trip() -> None:
    loaded = load_bank_file(SHIPPED)
    stored = json.loads(json.dumps(loaded.to_json()))
    assert InterviewBank.from_json(stored) == loaded
    one = loaded.question("ambiguous-annotation-cases")
    stored_question = json.loads(json.dumps(one.to_json()))
    assert stored_question["guide"][0]["score"] == 1
    assert BankQuestion.from_json(stored_question) == one


# ------------------------------------------------------------------------------ the rules


def test_unknown_competency_names_the_known_ones() -> None:
    problems = problems_after(lambda d: d["questions"][1].update(competency="comms"))
    problem = find(problems, "questions[1].competency", "unknown competency 'comms'")
    assert problem.file == SOURCE
    assert problem.fix == "use one of ambiguity, communication, or add it under competencies"


def test_unknown_competency_not_reported_while_competencies_are_broken() -> None:
    def change(data: dict[str, Any]) -> None:
        data["competencies"][0]["title"] = ""
        data["questions"][1]["competency"] = "comms"

    problems = problems_after(change)
    find(problems, "competencies[0].title", "'title' is empty")
    assert not [p for p in problems if "unknown competency" in p.message]


def test_missing_guide_score_3() -> None:
    problems = problems_after(lambda d: guide(d).pop(3))
    problem = find(problems, "questions[0].guide", "score 3 is missing")
    assert problem.message == "score 3 is missing; the scale needs 1, 3, 5"
    assert problem.fix.startswith('add 3: "..."')


@pytest.mark.parametrize("score", [0, 6])
def test_guide_score_outside_1_to_5(score: int) -> None:
    problems = problems_after(lambda d: guide(d).update({score: "odd"}))
    problem = find(problems, "questions[0].guide", f"score {score} is outside 1 to 5")
    assert problem.fix == "number the scores 1 to 5"


@pytest.mark.parametrize("score", ["4", 2.0, None])
def test_guide_score_not_a_whole_number(score: Any) -> None:
    problems = problems_after(lambda d: guide(d).update({score: "odd"}))
    problem = find(problems, "questions[0].guide", "is not a whole number from 1 to 5")
    assert problem.fix == "number the scores 1 to 5, without quotes"


def test_guide_scores_2_and_4_are_optional() -> None:
    data = bank()
    guide(data).update({2: "two", 4: "four"})
    assert [score for score, _ in parse(data).questions[0].guide] == [1, 2, 3, 4, 5]


def test_guide_text_and_shape() -> None:
    problems = problems_after(lambda d: guide(d).update({5: ""}))
    find(problems, "questions[0].guide.5", "score 5 needs a description")
    problems = problems_after(lambda d: d["questions"][0].update(guide=["a", "b", "c"]))
    find(problems, "questions[0].guide", "'guide' must map score numbers to descriptions")


def test_duplicate_question_id() -> None:
    problems = problems_after(lambda d: d["questions"][2].update(id="first"))
    problem = find(problems, "questions[2].id", "duplicate question id 'first'")
    assert "also at questions[0]" in problem.message
    assert problem.fix == "give each question its own id"


def test_duplicate_competency_id() -> None:
    problems = problems_after(lambda d: d["competencies"][1].update(id="ambiguity"))
    find(problems, "competencies[1].id", "duplicate competency id 'ambiguity'")


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (lambda d: d["questions"][0].update(text=["a"]), "questions[0].text", "must be text"),
        (lambda d: d["questions"][0].update(competency=3), "questions[0].competency", "text"),
        (lambda d: d["questions"][0].update(id="Bad Id"), "questions[0].id", "not a valid id"),
        (
            lambda d: d["questions"][0].update(follow_ups="Why?"),
            "questions[0].follow_ups",
            "'follow_ups' must be a list",
        ),
        (
            lambda d: d["questions"][1]["follow_ups"].append(7),
            "questions[1].follow_ups[2]",
            "a follow-up must be non-empty text",
        ),
        (lambda d: d.update(questions={"a": 1}), "questions", "'questions' must be a list"),
        (lambda d: d.update(competencies=[]), "competencies", "needs at least 1"),
        (lambda d: d["questions"].append("q"), "questions[3]", "a question must be a mapping"),
        (
            lambda d: d["competencies"].append(["x"]),
            "competencies[2]",
            "a competency must be a mapping",
        ),
    ],
)
def test_wrong_types(change: Callable[[dict[str, Any]], Any], path: str, fragment: str) -> None:
    find(problems_after(change), path, fragment)


def test_missing_and_unknown_keys() -> None:
    def change(data: dict[str, Any]) -> None:
        del data["questions"][0]["guide"]
        data["questions"][1]["folow_ups"] = data["questions"][1].pop("follow_ups")
        data["extra"] = 1

    problems = problems_after(change)
    find(problems, "questions[0]", "missing required key 'guide'")
    assert find(problems, "questions[1].folow_ups").fix == "did you mean 'follow_ups'?"
    assert "competencies, questions" in find(problems, "extra", "unknown key").fix


def test_length_caps() -> None:
    problems = problems_after(lambda d: d["questions"][0].update(text="x" * 2001))
    find(problems, "questions[0].text", "2,001 characters; the limit is 2,000")
    problems = problems_after(lambda d: guide(d).update({1: "x" * 2001}))
    find(problems, "questions[0].guide.1", "needs a description")

    def many(data: dict[str, Any]) -> None:
        data["questions"] = [question(f"q{i}") for i in range(501)]

    find(problems_after(many), "questions", "501 questions; at most 500 are allowed")


def test_every_problem_is_reported_at_once() -> None:
    def change(data: dict[str, Any]) -> None:
        guide(data).pop(3)
        data["questions"][1]["competency"] = "comms"
        data["questions"][2]["id"] = "first"

    with pytest.raises(BankFileError) as caught:
        data = bank()
        change(data)
        parse(data)
    assert len(caught.value.problems) == 3
    assert isinstance(caught.value, AuthoringError)
    assert str(caught.value).startswith("invalid interview bank (3 problems):")


def test_not_a_mapping() -> None:
    with pytest.raises(BankFileError) as caught:
        parse_bank_text("- a\n- b\n", SOURCE)
    problem = find(caught.value.problems, "", "must be a mapping")
    assert problem.file == SOURCE
    find(validate_bank_dict("text", SOURCE), "", "must be a mapping")


def test_yaml_syntax_error_has_line_number() -> None:
    text = "competencies:\n  - id: a\n    title: A\nquestions:\n  - id: q\n    text: why: now\n"
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, SOURCE)
    problem = find(caught.value.problems, "", "YAML syntax error at line 6")
    assert "fix the YAML near line 6" in problem.fix


def test_duplicate_yaml_key() -> None:
    text = yaml.safe_dump(bank()).replace("id: first\n", "id: first\n  id: again\n")
    with pytest.raises(BankFileError) as caught:
        parse_bank_text(text, SOURCE)
    find(caught.value.problems, "questions[0].id", "duplicate key 'id'")


def test_load_reports_file_problems(tmp_path: Path) -> None:
    with pytest.raises(BankFileError, match="does not exist"):
        load_bank_file(tmp_path / "nope.yaml")
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(bank()), encoding="utf-8-sig")  # a BOM is tolerated
    assert len(load_bank_file(path).questions) == 3
