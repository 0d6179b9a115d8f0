"""Job profile files: the shipped profile and the docs example load, the YAML and JSON forms
round-trip, and every rule reports its file, key path, message and fix."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hirebench.authoring import AuthoringError, Problem
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs.profile import JobProfileDefinition, MissingStage, Stage
from hirebench.jobs.profile_file import (
    JobProfileError,
    load_profile_file,
    parse_profile_text,
    profile_yaml,
    validate_profile_text,
)
from hirebench.jobs.service import new_profile_text
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews.rubric_file import load_rubric_file
from tests.exams import find

SHIPPED = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
DOCS = PROJECT_ROOT / "docs" / "job-profile.md"
SOURCE = "test.yaml"
STAGES = "screening, written_test, portfolio, interview, assessment"
LEVELS = "basic, familiar, proficient, expert"


def profile() -> dict[str, Any]:
    return {
        "id": "test",
        "title": "Test job",
        "skills": [{"tag": "python", "title": "Python", "min_level": "proficient"}],
        "competencies": [
            {"id": "technical", "title": "Technical"},
            {"id": "communication", "title": "Communication", "indicators": ["explains"]},
        ],
        "stages": {"written_test": 60, "interview": 40},
        "mapping": {"exam_sections": {"coding": "technical"}},
    }


def problems_after(change: Callable[[dict[str, Any]], Any]) -> list[Problem]:
    data = profile()
    change(data)
    return validate_profile_text(yaml.safe_dump(data, allow_unicode=True), SOURCE)


# ---------------------------------------------------------------------------- valid files


def test_shipped_profile_is_valid() -> None:
    loaded = load_profile_file(SHIPPED)
    assert loaded.id == "ai-trainer-ecommerce" and loaded.exam == "ai-trainer-ecommerce"
    assert (loaded.salary_min, loaded.salary_max, loaded.salary_period) == (15000, 22000, "month")
    assert dict(loaded.stages) == {
        Stage.written_test: 30.0,
        Stage.portfolio: 30.0,
        Stage.interview: 25.0,
        Stage.assessment: 15.0,
    }
    skills = {s.tag: (s.min_level, s.min_years) for s in loaded.skills}
    assert skills == {
        "python": ("proficient", None),
        "data-annotation": (None, 1.0),
        "ml-basics": ("familiar", None),
        "data-cleaning": ("familiar", None),
    }
    communication = loaded.competency("communication")
    assert communication is not None
    indicators = " ".join(communication.indicators)
    assert "Explains annotation-rule logic clearly" in indicators
    assert "disagreements between the business and algorithm teams" in indicators
    for competency in loaded.competencies:
        assert " · " in competency.title  # bilingual


def test_shipped_mapping_names_real_ids() -> None:
    loaded = load_profile_file(SHIPPED)
    exam = yaml.safe_load(
        (PROJECT_ROOT / "exams" / "ai-trainer-ecommerce" / "exam.yaml").read_text("utf-8")
    )
    sections = {section["id"] for section in exam["sections"]}
    questions = {q["id"] for section in exam["sections"] for q in section["questions"]}
    rubric = load_rubric_file(PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml")
    bank = load_bank_file(PROJECT_ROOT / "exams" / "interviews" / "behavioural.yaml")
    mapping = loaded.mapping
    assert {key for key, _ in mapping.exam_sections} <= sections
    assert {key for key, _ in mapping.exam_questions} <= questions
    assert {key for key, _ in mapping.portfolio_criteria} <= {c.id for c in rubric.criteria}
    assert {key for key, _ in mapping.interview_competencies} == {c.id for c in bank.competencies}


def test_docs_example_loads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/job-profile.md has no yaml example"
    example = parse_profile_text(blocks[0], "data-annotator.yaml")
    assert example.id == "data-annotator"
    assert [c.id for c in example.competencies] == ["quality", "communication"]
    assert (example.cutoffs.hire, example.cutoffs.reject) == (70.0, 45.0)


def test_new_profile_template_is_the_documented_example() -> None:
    # The editor's template ships as package data; the doc shows the same text.
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert new_profile_text() == blocks[0]
    assert parse_profile_text(new_profile_text(), "new.yaml").id == "data-annotator"


def test_defaults() -> None:
    loaded = parse_profile_text(yaml.safe_dump(profile()), SOURCE)
    assert loaded.department == "" and loaded.exam is None
    assert (loaded.salary_min, loaded.salary_max, loaded.salary_period) == (None, None, "month")
    assert loaded.missing_stage is MissingStage.reweight
    assert (loaded.cutoffs.hire, loaded.cutoffs.reject, loaded.cutoffs.competency_floor) == (
        75.0,
        50.0,
        60.0,
    )
    assert loaded.cutoffs.stages == ()
    assert (loaded.stability.max_employers, loaded.stability.within_years) == (4, 3.0)
    assert loaded.competencies[0].indicators == ()
    assert loaded.mapping.exam_questions == ()


def test_empty_exam_means_none() -> None:
    assert parse_profile_text(yaml.safe_dump(profile()) + "exam:\n", SOURCE).exam is None


def test_fractional_weights_summing_to_100() -> None:
    data = profile()
    data["stages"] = {"written_test": 33.3, "portfolio": 33.3, "interview": 33.4}
    assert validate_profile_text(yaml.safe_dump(data), SOURCE) == []


# ----------------------------------------------------------------------------- round trips


def test_yaml_round_trip() -> None:
    loaded = load_profile_file(SHIPPED)
    assert parse_profile_text(profile_yaml(loaded), SHIPPED.name) == loaded
    minimal = parse_profile_text(yaml.safe_dump(profile()), SOURCE)
    assert parse_profile_text(profile_yaml(minimal), SOURCE) == minimal


def test_yaml_round_trip_keeps_odd_values() -> None:
    data = profile()
    data.update(
        salary={"max": 300000, "period": "year"},
        missing_stage="hold",
        stages={"interview": 12.5, "written_test": 87.5},
        cutoffs={"hire": 80.5, "stages": {"interview": 30}},
        stability={"max_employers": 2, "within_years": 1.5},
    )
    data["skills"].append({"tag": "sql", "title": "SQL", "min_years": 0.5})
    loaded = parse_profile_text(yaml.safe_dump(data), SOURCE)
    assert parse_profile_text(profile_yaml(loaded), SOURCE) == loaded
    assert [stage for stage, _ in loaded.stages] == [Stage.interview, Stage.written_test]


def test_json_round_trip_and_hash() -> None:
    loaded = load_profile_file(SHIPPED)
    stored = json.loads(json.dumps(loaded.to_json()))
    assert stored["format"] == 1 and stored["stages"]["written_test"] == 30.0
    again = JobProfileDefinition.from_json(stored)
    assert again == loaded
    assert re.fullmatch(r"[0-9a-f]{64}", loaded.content_hash())
    assert again.content_hash() == loaded.content_hash()
    assert parse_profile_text(profile_yaml(loaded), SHIPPED.name).content_hash() == (
        loaded.content_hash()
    )


def test_content_hash_ignores_layout_but_not_content() -> None:
    first = parse_profile_text(yaml.safe_dump(profile()), SOURCE).content_hash()
    relaid = "# a comment\n" + yaml.safe_dump(profile(), default_flow_style=True)
    assert parse_profile_text(relaid, SOURCE).content_hash() == first
    data = profile()
    data["stages"] = {"written_test": 50, "interview": 50}
    assert parse_profile_text(yaml.safe_dump(data), SOURCE).content_hash() != first


# ------------------------------------------------------------------------------ the rules


@pytest.mark.parametrize(("weights", "total"), [((60, 35), "95"), ((60, 45), "105")])
def test_weights_must_sum_to_100(weights: tuple[int, int], total: str) -> None:
    stages = dict(zip(("written_test", "interview"), weights, strict=True))
    problems = problems_after(lambda d: d.update(stages=stages))
    problem = find(problems, "stages", f"the stage weights sum to {total}, not 100")
    assert problem.fix == "make them add up to 100"
    assert problem.file == SOURCE and len(problems) == 1


def test_unknown_stage() -> None:
    problems = problems_after(lambda d: d.update(stages={"written_test": 60, "coffee": 40}))
    problem = find(problems, "stages.coffee", "unknown stage 'coffee'")
    assert problem.fix == f"use one of {STAGES}"
    assert len(problems) == 1  # its weight still counts toward the sum


def test_misspelt_stage_suggests_the_name() -> None:
    problems = problems_after(lambda d: d.update(stages={"writen_test": 60, "interview": 40}))
    problem = find(problems, "stages.writen_test", "unknown stage")
    assert problem.fix == f"did you mean 'written_test'? The stages are {STAGES}"


@pytest.mark.parametrize("weight", [-10, 0])
def test_weight_must_be_above_0(weight: int) -> None:
    problems = problems_after(lambda d: d.update(stages={"written_test": 100, "interview": weight}))
    problem = find(problems, "stages.interview", f"'interview' is {weight}")
    assert "above 0" in problem.message
    assert problem.fix == "write a number above 0 and at most 100"
    assert not [p for p in problems if "sum to" in p.message]  # not while a weight is wrong


def test_stages_required_and_a_mapping() -> None:
    assert find(problems_after(lambda d: d.pop("stages")), "", "'stages'").fix == "add `stages:`"
    find(problems_after(lambda d: d.update(stages=[30, 70])), "stages", "must be a mapping")


@pytest.mark.parametrize(
    "key", ["exam_sections", "exam_questions", "portfolio_criteria", "interview_competencies"]
)
def test_mapping_to_a_missing_competency(key: str) -> None:
    problems = problems_after(lambda d: d["mapping"].update({key: {"some-id": "leadership"}}))
    problem = find(
        problems,
        f"mapping.{key}.some-id",
        "'some-id' maps to competency 'leadership', which this profile does not have",
    )
    assert problem.fix == (
        "use one of technical, communication, or add 'leadership' under competencies"
    )


def test_mapping_not_checked_while_competencies_are_wrong() -> None:
    def change(data: dict[str, Any]) -> None:
        data["competencies"][0]["title"] = ""
        data["mapping"]["exam_sections"]["coding"] = "nope"

    problems = problems_after(change)
    find(problems, "competencies[0].title", "'title' is empty")
    assert not [p for p in problems if p.key_path.startswith("mapping")]


def test_mapping_ids_must_be_slugs() -> None:
    problems = problems_after(
        lambda d: d["mapping"].update(exam_sections={"Data Cleaning": "technical", "x": 5})
    )
    assert find(
        problems, "mapping.exam_sections.Data Cleaning", "is not a valid id"
    ).fix.startswith("use 1-64 lowercase")
    find(problems, "mapping.exam_sections.x", "must name a competency id")


def test_mapping_entries_are_capped() -> None:
    many = {f"q{i}": "technical" for i in range(201)}
    problems = problems_after(lambda d: d["mapping"].update(exam_questions=many))
    find(problems, "mapping.exam_questions", "201 entries; at most 200")


def test_bad_min_level() -> None:
    problems = problems_after(lambda d: d["skills"][0].update(min_level="guru"))
    problem = find(problems, "skills[0].min_level", f"it must be one of {LEVELS}")
    assert "'guru'" in problem.message
    assert problem.fix == f"write one of {LEVELS}"


def test_skill_needs_a_minimum() -> None:
    problems = problems_after(lambda d: d["skills"][0].pop("min_level"))
    problem = find(problems, "skills[0]", "neither min_level nor min_years")
    assert LEVELS in problem.fix and "min_years (0 or more)" in problem.fix


def test_negative_min_years() -> None:
    problems = problems_after(lambda d: d["skills"][0].update(min_years=-1))
    find(problems, "skills[0].min_years", "at least 0")


def test_duplicate_ids() -> None:
    def change(data: dict[str, Any]) -> None:
        data["skills"].append({"tag": "python", "title": "Python again", "min_years": 2})
        data["competencies"][1]["id"] = "technical"

    problems = problems_after(change)
    skill = find(problems, "skills[1].tag", "duplicate skill tag 'python' (also at skills[0])")
    assert skill.fix == "give each one its own tag"
    find(problems, "competencies[1].id", "duplicate competency id 'technical'")


def test_at_least_one_competency() -> None:
    problems = problems_after(lambda d: d.update(competencies=[]))
    assert find(problems, "competencies", "needs at least 1").fix == "add an entry"


def test_invalid_ids() -> None:
    def change(data: dict[str, Any]) -> None:
        data["id"] = "Test Job"
        data["exam"] = "My Exam"
        data["skills"][0]["tag"] = "Python!"
        data["competencies"][0]["id"] = "Tech"

    problems = problems_after(change)
    for path in ("id", "exam", "skills[0].tag", "competencies[0].id"):
        assert find(problems, path, "is not a valid id").fix.startswith("use 1-64 lowercase")


def test_reject_above_hire() -> None:
    problems = problems_after(lambda d: d.update(cutoffs={"hire": 60, "reject": 70}))
    problem = find(problems, "cutoffs.reject", "the reject cut-off 70 is above the hire cut-off 60")
    assert problem.fix == "make reject at most hire"
    # With only hire written, the default reject (50) is compared, and hire is blamed.
    problems = problems_after(lambda d: d.update(cutoffs={"hire": 40}))
    find(problems, "cutoffs.hire", "the reject cut-off 50 is above the hire cut-off 40")


@pytest.mark.parametrize(
    ("cutoffs", "path"),
    [
        ({"hire": 101}, "cutoffs.hire"),
        ({"reject": -1}, "cutoffs.reject"),
        ({"competency_floor": 150}, "cutoffs.competency_floor"),
        ({"stages": {"interview": 120}}, "cutoffs.stages.interview"),
    ],
)
def test_cutoffs_between_0_and_100(cutoffs: dict[str, Any], path: str) -> None:
    problem = find(problems_after(lambda d: d.update(cutoffs=cutoffs)), path)
    assert "at least 0 and at most 100" in problem.message


def test_stage_cutoff_only_for_weighted_stages() -> None:
    problems = problems_after(lambda d: d.update(cutoffs={"stages": {"portfolio": 50}}))
    problem = find(problems, "cutoffs.stages.portfolio", "stage 'portfolio' has no weight")
    assert problem.fix == "add the stage under stages, or remove this minimum"
    problems = problems_after(lambda d: d.update(cutoffs={"stages": {"coffee": 50}}))
    assert find(problems, "cutoffs.stages.coffee", "unknown stage").fix == f"use one of {STAGES}"


def test_salary_rules() -> None:
    problems = problems_after(lambda d: d.update(salary={"min": 22000, "max": 15000}))
    problem = find(problems, "salary.min", "salary min 22000 is above salary max 15000")
    assert problem.fix == "make min at most max (swap them?)"
    problems = problems_after(lambda d: d.update(salary={"min": 0, "period": "week"}))
    find(problems, "salary.min", "above 0")
    assert find(problems, "salary.period", "one of month, year").fix == "write one of month, year"
    problems = problems_after(lambda d: d.update(salary={"min": 15000.5}))
    find(problems, "salary.min", "a whole number")


def test_stability_rules() -> None:
    problems = problems_after(
        lambda d: d.update(stability={"max_employers": 0, "within_years": -1})
    )
    find(problems, "stability.max_employers", "a whole number above 0")
    find(problems, "stability.within_years", "above 0")


def test_text_caps() -> None:
    def change(data: dict[str, Any]) -> None:
        data["title"] = "x" * 201
        data["competencies"][1]["indicators"] = ["y" * 501, "  ", *["z"] * 19]

    problems = problems_after(change)
    find(problems, "title", "201 characters; the limit is 200")
    find(problems, "competencies[1].indicators", "21 indicators; at most 20")
    problems = problems_after(lambda d: d["competencies"][1].update(indicators=["y" * 501, " "]))
    problem = find(problems, "competencies[1].indicators[0]", "must be non-empty text")
    assert problem.fix == 'write - "..." (text, at most 500 characters)'
    find(problems, "competencies[1].indicators[1]", "must be non-empty text")


def test_list_caps() -> None:
    def change(data: dict[str, Any]) -> None:
        data["competencies"] = [{"id": f"c{i}", "title": "C"} for i in range(21)]
        data["skills"] = [{"tag": f"s{i}", "title": "S", "min_years": 1} for i in range(51)]
        data.pop("mapping")

    problems = problems_after(change)
    find(problems, "competencies", "21 competencies; at most 20")
    find(problems, "skills", "51 skills; at most 50")


def test_unknown_keys() -> None:
    def change(data: dict[str, Any]) -> None:
        data["competences"] = []
        data["mapping"]["exam_section"] = {}
        data["cutoffs"] = {"hier": 80}
        data["skills"][0]["level"] = "expert"

    problems = problems_after(change)
    assert find(problems, "competences", "unknown key").fix == "did you mean 'competencies'?"
    assert find(problems, "mapping.exam_section", "unknown key").fix == (
        "did you mean 'exam_sections'?"
    )
    assert find(problems, "cutoffs.hier", "unknown key").fix == "did you mean 'hire'?"
    find(problems, "skills[0].level", "unknown key")


def test_missing_stage_choice() -> None:
    problem = find(problems_after(lambda d: d.update(missing_stage="skip")), "missing_stage")
    assert problem.fix == "write one of reweight, zero, hold"


def test_several_problems_at_once() -> None:
    def change(data: dict[str, Any]) -> None:
        data["stages"] = {"written_test": 60, "interview": 35}
        data["mapping"]["portfolio_criteria"] = {"data-work": "quality"}
        data["skills"][0]["min_level"] = "guru"
        data["cutoffs"] = {"hire": 60, "reject": 70}

    problems = problems_after(change)
    find(problems, "stages", "sum to 95")
    find(problems, "mapping.portfolio_criteria.data-work", "'quality'")
    find(problems, "skills[0].min_level")
    find(problems, "cutoffs.reject")
    data = profile()
    change(data)
    with pytest.raises(JobProfileError) as caught:
        parse_profile_text(yaml.safe_dump(data), SOURCE)
    assert len(caught.value.problems) == 4
    assert isinstance(caught.value, AuthoringError)
    assert str(caught.value).startswith("invalid job profile (4 problems):")


# ------------------------------------------------------------------------------ the YAML


def test_yaml_syntax_error_has_line_number() -> None:
    text = "id: test\ntitle: Test\nstages: {written_test: 100\ncompetencies: []\n"
    problem = find(validate_profile_text(text, SOURCE), "", "YAML syntax error at line")
    assert re.search(r"line \d+, column \d+", problem.message)
    assert "fix the YAML near line" in problem.fix
    problem = find(validate_profile_text("id: test\ntitle: a: b\n", SOURCE), "", "YAML syntax")
    assert "line 2" in problem.message


def test_not_a_mapping_and_empty() -> None:
    find(validate_profile_text("- one\n", SOURCE), "", "must be a mapping")
    assert "empty" in validate_profile_text("", SOURCE)[0].message


def test_duplicate_yaml_key() -> None:
    text = yaml.safe_dump(profile()).replace("interview: 40", "interview: 40\n  interview: 30")
    problem = find(validate_profile_text(text, SOURCE), "stages.interview", "duplicate key")
    assert problem.fix == "remove one of them"


# ------------------------------------------------------------------------------ the files


def test_load_checks_id_against_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    data = profile()
    data["stages"]["interview"] = 35
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(JobProfileError) as caught:
        load_profile_file(path)
    problem = find(caught.value.problems, "id", "does not match the file name 'other.yaml'")
    assert problem.file == "other.yaml"
    find(caught.value.problems, "stages", "sum to 95")  # reported in the same run
    path.write_text(yaml.safe_dump(profile()), encoding="utf-8")
    assert load_profile_file(path.rename(tmp_path / "test.yaml")).id == "test"


def test_load_reports_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(JobProfileError, match="does not exist"):
        load_profile_file(tmp_path / "nope.yaml")
    path = tmp_path / "test.yaml"
    path.write_bytes(b"id: test\ntitle: \xff\n")
    with pytest.raises(JobProfileError, match="bad byte on line 2"):
        load_profile_file(path)
