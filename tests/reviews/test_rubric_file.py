"""Reusable rubric files: the shipped rubric and the docs example load, and every rule reports
its file, key path and fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hirebench.authoring import AuthoringError, Problem
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews.rubric_file import (
    AppliesTo,
    RubricDefinition,
    RubricFileError,
    load_rubric_file,
    parse_rubric_text,
    validate_rubric_dict,
    validate_rubric_text,
)
from tests.exams import find

SHIPPED = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
DOCS = PROJECT_ROOT / "docs" / "rubric-format.md"
SOURCE = "test.yaml"


def rubric() -> dict[str, Any]:
    return {
        "id": "test",
        "title": "Test rubric",
        "criteria": [
            {"id": "one", "title": "One", "levels": {1: "low", 5: "high"}},
            {"id": "two", "title": "Two", "weight": 2, "levels": {1: "a", 3: "b", 5: "c"}},
        ],
    }


def problems_after(change: Callable[[dict[str, Any]], Any]) -> list[Problem]:
    data = rubric()
    change(data)
    return validate_rubric_text(yaml.safe_dump(data, allow_unicode=True), SOURCE)


def levels(data: dict[str, Any], index: int = 0) -> dict[Any, str]:
    result: dict[Any, str] = data["criteria"][index]["levels"]
    return result


# ---------------------------------------------------------------------------- valid files


def test_shipped_rubric_is_valid() -> None:
    loaded = load_rubric_file(SHIPPED)
    assert loaded.id == "portfolio-project"
    assert loaded.applies_to is AppliesTo.portfolio
    assert loaded.disagreement_threshold == 20.0
    assert [c.id for c in loaded.criteria] == [
        "problem-framing",
        "data-work",
        "measured-impact",
        "ownership",
        "communication",
    ]
    for criterion in loaded.criteria:
        assert [level for level, _ in criterion.levels] == [1, 2, 3, 4, 5]
        assert " · " in criterion.title  # bilingual
    assert "+20%" in dict(loaded.criteria[2].levels)[3]


def test_docs_example_loads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/rubric-format.md has no yaml example"
    example = parse_rubric_text(blocks[0], "short-write-up.yaml")
    assert example.id == "short-write-up"
    assert example.applies_to is AppliesTo.any
    assert [c.weight for c in example.criteria] == [2.0, 1.0]


def test_defaults() -> None:
    loaded = parse_rubric_text(yaml.safe_dump(rubric()), SOURCE)
    assert loaded.description == ""
    assert loaded.applies_to is AppliesTo.any
    assert loaded.disagreement_threshold == 20.0
    assert loaded.criteria[0].weight == 1.0
    assert loaded.criteria[1].levels == ((1, "a"), (3, "b"), (5, "c"))


def test_json_round_trip() -> None:
    loaded = load_rubric_file(SHIPPED)
    stored = json.loads(json.dumps(loaded.to_json()))
    assert stored["format"] == 1 and stored["applies_to"] == "portfolio"
    assert stored["criteria"][0]["levels"][0] == {
        "level": 1,
        "text": loaded.criteria[0].levels[0][1],
    }
    assert RubricDefinition.from_json(stored) == loaded
    assert RubricDefinition.from_json(stored).content_hash() == loaded.content_hash()
    with pytest.raises(ValueError, match="format 2"):
        RubricDefinition.from_json({**stored, "format": 2})


def test_content_hash_ignores_layout_but_not_content() -> None:
    text = yaml.safe_dump(rubric())
    first = parse_rubric_text(text, SOURCE).content_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    relaid = "# a comment\n" + yaml.safe_dump(rubric(), default_flow_style=True)
    assert parse_rubric_text(relaid, "other.yaml").content_hash() == first
    data = rubric()
    data["criteria"][1]["weight"] = 3
    assert parse_rubric_text(yaml.safe_dump(data), SOURCE).content_hash() != first
    data = rubric()
    data["disagreement_threshold"] = 25
    assert parse_rubric_text(yaml.safe_dump(data), SOURCE).content_hash() != first


# ------------------------------------------------------------------------------ the rules


def test_missing_level_1() -> None:
    problems = problems_after(lambda d: levels(d).pop(1))
    problem = find(problems, "criteria[0].levels", "level 1 is missing")
    assert problem.file == SOURCE
    assert problem.fix.startswith('add 1: "..."')


def test_missing_level_5() -> None:
    problem = find(problems_after(lambda d: levels(d, 1).pop(5)), "criteria[1].levels")
    assert "level 5 is missing" in problem.message and problem.fix.startswith('add 5: "..."')


@pytest.mark.parametrize("level", [0, 6, 10, 11])
def test_level_outside_1_to_5(level: int) -> None:
    problems = problems_after(lambda d: levels(d).update({level: "out of range"}))
    problem = find(problems, "criteria[0].levels", f"level {level} is outside 1 to 5")
    assert problem.fix == "number the levels 1 to 5"


@pytest.mark.parametrize("level", ["3", 2.5])
def test_level_not_a_number_from_1_to_5(level: Any) -> None:
    problems = problems_after(lambda d: levels(d).update({level: "odd"}))
    problem = find(problems, "criteria[0].levels", "is not a whole number from 1 to 5")
    assert problem.fix == "number the levels 1 to 5, without quotes"
    # Reported once, in the range of reusable rubrics, not that of exam rubrics.
    assert not [p for p in problems if "0 to 10" in str(p)]


def test_empty_level_text() -> None:
    problems = problems_after(lambda d: levels(d).update({3: "  "}))
    find(problems, "criteria[0].levels.3", "level 3 needs a description")


def test_weight_zero() -> None:
    problems = problems_after(lambda d: d["criteria"][0].update(weight=0))
    problem = find(problems, "criteria[0].weight", "must be a number above 0")
    assert problem.fix == "write a number above 0"


def test_duplicate_criterion_id() -> None:
    problems = problems_after(lambda d: d["criteria"][1].update(id="one"))
    assert find(problems, "criteria", "duplicate criterion id 'one'").fix == (
        "give each criterion its own id"
    )


def test_every_problem_is_reported_at_once() -> None:
    def change(data: dict[str, Any]) -> None:
        data["criteria"][0]["weight"] = 0
        levels(data, 1).pop(5)
        data["applies_to"] = "portfolios"

    problems = problems_after(change)
    find(problems, "criteria[0].weight")
    find(problems, "criteria[1].levels", "level 5 is missing")
    assert "one of portfolio, exam_answer, any" in find(problems, "applies_to").message
    with pytest.raises(RubricFileError) as caught:
        data = rubric()
        change(data)
        parse_rubric_text(yaml.safe_dump(data), SOURCE)
    assert len(caught.value.problems) == 3
    assert isinstance(caught.value, AuthoringError)
    assert str(caught.value).startswith("invalid rubric file (3 problems):")


@pytest.mark.parametrize(
    ("key", "value", "path", "fragment"),
    [
        ("title", 5, "title", "'title' must be text"),
        ("description", ["a"], "description", "'description' must be text"),
        ("disagreement_threshold", "high", "disagreement_threshold", "must be a number"),
        ("disagreement_threshold", 0, "disagreement_threshold", "above 0"),
        ("disagreement_threshold", 101, "disagreement_threshold", "at most 100"),
        ("id", "Portfolio Project", "id", "is not a valid id"),
        ("criteria", {"one": "x"}, "criteria", "'criteria' must be a list"),
        ("criteria", [], "criteria", "needs at least 1"),
        ("criteria", ["one"], "criteria[0]", "a rubric criterion must be a mapping"),
    ],
)
def test_wrong_types(key: str, value: Any, path: str, fragment: str) -> None:
    find(problems_after(lambda d: d.update({key: value})), path, fragment)


def test_levels_must_be_a_mapping() -> None:
    problems = problems_after(lambda d: d["criteria"][0].update(levels=["low", "high"]))
    find(problems, "criteria[0].levels", "'levels' must map level numbers")


def test_missing_and_unknown_keys() -> None:
    def change(data: dict[str, Any]) -> None:
        del data["title"]
        data["criteria"][0]["wieght"] = 2

    problems = problems_after(change)
    assert find(problems, "", "missing required key 'title'").fix == "add `title:`"
    assert find(problems, "criteria[0].wieght", "unknown key").fix == "did you mean 'weight'?"


def test_not_a_mapping() -> None:
    problem = find(validate_rubric_text("- one\n- two\n", SOURCE), "", "must be a mapping")
    assert problem.file == SOURCE
    assert validate_rubric_dict(["one"], SOURCE)[0].message.startswith(
        f"{SOURCE} must be a mapping"
    )


def test_yaml_syntax_error_has_line_number() -> None:
    text = "id: test\ntitle: Test\ncriteria:\n  - id: one\n    title: [unclosed\n"
    problem = find(validate_rubric_text(text, SOURCE), "", "YAML syntax error at line")
    assert re.search(r"line \d+, column \d+", problem.message)
    assert "fix the YAML near line" in problem.fix


def test_yaml_syntax_error_line_is_the_bad_line() -> None:
    text = "id: test\ntitle: Test\ndescription: a: b\n"
    problem = find(validate_rubric_text(text, SOURCE), "", "YAML syntax error")
    assert "line 3" in problem.message


def test_duplicate_yaml_key() -> None:
    text = yaml.safe_dump(rubric()).replace("weight: 2", "weight: 2\n  weight: 3")
    problem = find(validate_rubric_text(text, SOURCE), "criteria[1].weight", "duplicate key")
    assert problem.fix == "remove one of them"


def test_empty_text_and_bad_date() -> None:
    assert "empty" in validate_rubric_text("", SOURCE)[0].message
    problems = validate_rubric_text("id: test\ntitle: 2024-02-30\n", SOURCE)
    assert "cannot be read" in find(problems, "").message


def test_validate_dict_matches_text() -> None:
    data = rubric()
    assert validate_rubric_dict(data, SOURCE) == []
    data["criteria"][0]["weight"] = -1
    find(validate_rubric_dict(data, SOURCE), "criteria[0].weight", "above 0")


# ------------------------------------------------------------------------------ the files


def test_load_checks_id_against_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    data = rubric()
    data["criteria"][0]["weight"] = 0
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RubricFileError) as caught:
        load_rubric_file(path)
    problem = find(caught.value.problems, "id", "does not match the file name 'other.yaml'")
    assert problem.file == "other.yaml"
    find(caught.value.problems, "criteria[0].weight")  # reported in the same run
    path.write_text(yaml.safe_dump(rubric()), encoding="utf-8")
    path.rename(tmp_path / "test.yaml")
    assert load_rubric_file(tmp_path / "test.yaml").id == "test"


def test_load_reports_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(RubricFileError, match="does not exist"):
        load_rubric_file(tmp_path / "nope.yaml")
    path = tmp_path / "test.yaml"
    path.write_bytes(b"id: test\ntitle: \xff\n")
    with pytest.raises(RubricFileError, match="bad byte on line 2"):
        load_rubric_file(path)
