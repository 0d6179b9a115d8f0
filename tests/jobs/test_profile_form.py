"""The job profile as a form (hirebench/jobs/profile_form.py): every demo profile and every
profile in docs/ goes to the form's data and back unchanged; the form is judged by the profile
file's own checks, with each problem on the field it is about; blank rows are left out; the
add and remove buttons change only their row; and uploads are read as authored files are."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hirebench.jobs import profile_form
from hirebench.jobs.profile import JobProfileDefinition, OfferApprover
from hirebench.jobs.profile_file import load_profile_file, parse_profile_text
from hirebench.jobs.service import new_profile_text
from hirebench.paths import PROJECT_ROOT
from hirebench.services import demo_analytics

SHIPPED = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
DOCS = PROJECT_ROOT / "docs"


def yaml_blocks(doc: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)


def onboarding_example() -> dict[str, Any]:
    [checklist] = yaml_blocks(DOCS / "onboarding.md")
    loaded = yaml.safe_load(checklist)
    assert isinstance(loaded, dict)
    return loaded


def profiles() -> dict[str, JobProfileDefinition]:
    """Every profile the demo seeds and every one docs/ shows."""
    shipped = load_profile_file(SHIPPED)
    found = {
        "shipped": shipped,
        "new-job template": parse_profile_text(new_profile_text(), "new.yaml"),
        "demo cohort": dataclasses.replace(
            shipped,
            id="ai-trainer-2025-cohort",
            title=demo_analytics.PAST_TITLE,
            stages=demo_analytics.STAGES,
        ),
        "with a template": dataclasses.replace(shipped, onboarding={"template": "default"}),
        "with a checklist": dataclasses.replace(shipped, onboarding=onboarding_example()),
        "approved by a role": dataclasses.replace(shipped, offer_approver=OfferApprover(role="hr")),
        "yearly, no exam": dataclasses.replace(
            shipped, exam=None, salary_period="year", salary_min=None, skills=()
        ),
    }
    for doc in ("job-profile.md", "offers.md"):
        for number, text in enumerate(yaml_blocks(DOCS / doc)):
            if text.startswith("id:"):
                found[f"{doc} #{number}"] = parse_profile_text(text, "example.yaml")
    return found


def shipped_data() -> profile_form.FormData:
    return profile_form.form_data(load_profile_file(SHIPPED))


def placed_after(change: Callable[[profile_form.FormData], Any]) -> dict[str, list[str]]:
    """The problems, by field, of the shipped profile's form after `change`."""
    data = shipped_data()
    change(data)
    reading = profile_form.read(data)
    assert reading.definition is None
    assert not reading.problems.unplaced, reading.problems.unplaced
    return {name: [p.message for p in found] for name, found in reading.problems.fields.items()}


# ------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", sorted(profiles()))
def test_every_demo_and_docs_profile_round_trips(name: str) -> None:
    definition = profiles()[name]
    data = profile_form.form_data(definition)
    reading = profile_form.read(data)
    assert not reading.problems, reading.problems
    assert reading.definition == definition
    assert reading.definition.content_hash() == definition.content_hash()
    # The advanced view shows the same profile as the form.
    assert parse_profile_text(profile_form.to_yaml(data), "view.yaml") == definition


def test_docs_show_profiles_to_round_trip() -> None:
    names = set(profiles())
    assert {"job-profile.md #0", "offers.md #0"} <= names


def test_form_data_lists_every_stage_weighted_ones_first() -> None:
    data = shipped_data()
    assert [row["stage"] for row in data["stages"]] == [
        "written_test",
        "portfolio",
        "interview",
        "assessment",
        "screening",
    ]
    assert [row["weight"] for row in data["stages"]] == ["30", "30", "25", "15", ""]
    assert data["stages"][0]["minimum"] == "40"
    assert data["approver"] == "user" and data["approver_user"] == "business@demo.local"
    assert data["onboarding"] == "default"
    assert data["mapping"][0] == {
        "kind": "exam_sections",
        "source": "coding",
        "competency": "technical",
    }


def test_weights_change_the_stage_order_they_are_given_in() -> None:
    data = shipped_data()
    data["stages"] = [
        {"stage": "interview", "weight": "50", "minimum": ""},
        {"stage": "screening", "weight": "", "minimum": ""},
        {"stage": "written_test", "weight": "50", "minimum": "35.5"},
    ]
    definition = profile_form.read(data).definition
    assert definition is not None
    assert [(stage.value, weight) for stage, weight in definition.stages] == [
        ("interview", 50.0),
        ("written_test", 50.0),
    ]
    assert definition.cutoffs.stages == (("written_test", 35.5),)


def test_numbers_may_be_written_with_thousands_separators() -> None:
    data = shipped_data()
    data["salary_min"], data["salary_max"] = "12,000", "18 000"
    definition = profile_form.read(data).definition
    assert definition is not None
    assert (definition.salary_min, definition.salary_max) == (12000, 18000)


def test_blank_rows_are_left_out() -> None:
    data = shipped_data()
    for action in ("add-skill", "add-competency", "add-indicator-0", "add-mapping"):
        data = profile_form.apply_action(data, action)
    data["competencies"][1]["indicators"].insert(0, "   ")
    reading = profile_form.read(data)
    assert not reading.problems
    assert reading.definition == load_profile_file(SHIPPED)


def test_clearing_the_optional_parts() -> None:
    data = shipped_data()
    data.update(
        department="",
        salary_min="",
        salary_max="",
        exam="",
        skills=[],
        mapping=[],
        approver="",
        onboarding="default",
    )
    definition = profile_form.read(data).definition
    assert definition is not None
    assert definition.department == "" and definition.exam is None
    assert (definition.salary_min, definition.salary_max) == (None, None)
    assert definition.skills == () and definition.offer_approver is None
    assert all(not pairs for pairs in dataclasses.astuple(definition.mapping))


# ---------------------------------------------------------------------------- problems


def test_weights_that_do_not_add_up_are_reported_on_the_stages() -> None:
    def change(data: profile_form.FormData) -> None:
        data["stages"][0]["weight"] = "25"

    assert placed_after(change) == {"stages": ["the stage weights sum to 95, not 100"]}


def test_a_weight_that_is_no_number_is_reported_on_its_input() -> None:
    def change(data: profile_form.FormData) -> None:
        data["stages"][1]["weight"] = "thirty"

    placed = placed_after(change)
    assert list(placed) == ["stages-1-weight"]
    assert "'portfolio' must be a number" in placed["stages-1-weight"][0]
    assert profile_form.weight_total(shipped_data()) == 100
    data = shipped_data()
    change(data)
    assert profile_form.weight_total(data) is None


def test_out_of_range_values_are_reported_on_their_inputs() -> None:
    def change(data: profile_form.FormData) -> None:
        data["stages"][2]["weight"] = "120"
        data["cutoff_hire"] = "150"
        data["skills"][0]["min_level"] = "guru"
        data["max_employers"] = "2.5"

    placed = placed_after(change)
    assert set(placed) == {"stages-2-weight", "cutoff_hire", "skills-0-min_level", "max_employers"}
    assert "at most 100" in placed["stages-2-weight"][0]
    assert "'hire' is 150" in placed["cutoff_hire"][0]
    assert "'min_level' is 'guru'" in placed["skills-0-min_level"][0]
    assert "whole number" in placed["max_employers"][0]


def test_a_minimum_for_a_stage_without_weight() -> None:
    def change(data: profile_form.FormData) -> None:
        data["stages"][4]["minimum"] = "50"  # screening has no weight

    placed = placed_after(change)
    assert list(placed) == ["stages-4-minimum"]
    assert "has no weight under stages" in placed["stages-4-minimum"][0]


def test_duplicates_and_empty_names_are_reported_on_their_inputs() -> None:
    def change(data: profile_form.FormData) -> None:
        data["title"] = "  "
        data["skills"][2]["tag"] = "python"
        data["skills"][1]["title"] = ""
        data["competencies"][3]["key"] = "technical"
        data["competencies"][2]["title"] = ""

    placed = placed_after(change)
    assert placed == {
        "title": ["'title' is empty"],
        "skills-1-title": ["'title' is empty"],
        "skills-2-tag": ["duplicate skill tag 'python' (also at skills[0])"],
        "competencies-2-title": ["'title' is empty"],
        "competencies-3-key": ["duplicate competency id 'technical' (also at competencies[0])"],
    }


def test_budget_and_cutoffs_in_the_wrong_order() -> None:
    def change(data: profile_form.FormData) -> None:
        data["salary_min"] = "30000"
        data["cutoff_reject"] = "80"

    assert placed_after(change) == {
        "salary_min": ["salary min 30000 is above salary max 22000"],
        "cutoff_reject": ["the reject cut-off 80 is above the hire cut-off 75"],
    }


def test_rows_are_found_past_the_blank_ones_left_out() -> None:
    def change(data: profile_form.FormData) -> None:
        data["skills"].insert(0, {"tag": "", "title": "", "min_level": "", "min_years": ""})
        data["skills"][2]["tag"] = "Bad Tag"
        data["competencies"].insert(1, {"key": "", "title": "", "indicators": ["", " "]})
        data["competencies"][2]["indicators"] = ["", "x" * 501, "fine"]
        data["skills"][4]["min_level"] = ""  # data-cleaning: no level, no years

    placed = placed_after(change)
    assert set(placed) == {"skills-2-tag", "competencies-2-indicators-1", "skills-4-min_level"}
    assert "neither min_level nor min_years" in placed["skills-4-min_level"][0]


def test_lists_too_long_or_empty_are_reported_on_the_list() -> None:
    def change(data: profile_form.FormData) -> None:
        data["competencies"][0]["indicators"] = [f"indicator {n}" for n in range(21)]

    assert list(placed_after(change)) == ["competencies-0-indicators"]

    def no_competencies(data: profile_form.FormData) -> None:
        data["competencies"] = [{"key": "", "title": "", "indicators": [""]}]
        data["mapping"] = []

    assert placed_after(no_competencies) == {
        "competencies": ["'competencies' has 0 entries; it needs at least 1"]
    }


def test_mapping_problems_sit_on_the_side_that_is_wrong() -> None:
    def change(data: profile_form.FormData) -> None:
        data["mapping"][0]["competency"] = "technicl"
        data["mapping"][1]["source"] = "ML Concepts"
        data["mapping"].append(
            {"kind": "exam_sections", "source": "annotation", "competency": "business"}
        )
        data["mapping"].append({"kind": "exam_chapters", "source": "x", "competency": "business"})

    placed = placed_after(change)
    last = len(shipped_data()["mapping"])
    assert set(placed) == {
        "mapping-0-competency",
        "mapping-1-source",
        f"mapping-{last}-source",
        f"mapping-{last + 1}-kind",
    }
    assert "which this profile does not have" in placed["mapping-0-competency"][0]
    assert "is not a valid id" in placed["mapping-1-source"][0]
    assert "mapped twice" in placed[f"mapping-{last}-source"][0]
    assert "unknown key 'exam_chapters'" in placed[f"mapping-{last + 1}-kind"][0]


def test_offer_and_onboarding_problems() -> None:
    def change(data: profile_form.FormData) -> None:
        data["approver_user"] = "not an email"
        data["onboarding"] = "inline"
        data["onboarding_checklist"] = "tasks: [unclosed"

    placed = placed_after(change)
    assert set(placed) == {"approver_user", "onboarding_checklist"}
    assert "is not an email address" in placed["approver_user"][0]
    assert "YAML syntax error" in placed["onboarding_checklist"][0]

    def role(data: profile_form.FormData) -> None:
        data["approver"], data["approver_role"] = "role", "candidate"

    assert list(placed_after(role)) == ["approver_role"]


def test_nothing_is_returned_while_any_problem_remains() -> None:
    data = shipped_data()
    data["mapping"].append({"kind": "exam_sections", "source": "coding", "competency": "business"})
    reading = profile_form.read(data)
    assert reading.definition is None and reading.problems


# ------------------------------------------------------------------------- add, remove


def test_add_and_remove_rows() -> None:
    data = shipped_data()
    before = copy.deepcopy(data)
    added = profile_form.apply_action(data, "add-skill")
    assert added["skills"][-1] == {"tag": "", "title": "", "min_level": "", "min_years": ""}
    assert len(added["skills"]) == len(before["skills"]) + 1
    assert data == before  # the data given is not changed

    removed = profile_form.apply_action(data, "remove-skill-0")
    assert [s["tag"] for s in removed["skills"]] == [s["tag"] for s in before["skills"][1:]]

    indicator = profile_form.apply_action(data, "add-indicator-2")
    assert indicator["competencies"][2]["indicators"][-1] == ""
    assert indicator["competencies"][1] == before["competencies"][1]
    gone = profile_form.apply_action(data, "remove-indicator-2-0")
    assert gone["competencies"][2]["indicators"] == before["competencies"][2]["indicators"][1:]

    competency = profile_form.apply_action(data, "add-competency")
    assert competency["competencies"][-1] == {"key": "", "title": "", "indicators": [""]}
    assert len(profile_form.apply_action(data, "remove-competency-3")["competencies"]) == 3

    # A new mapping row takes the kind of the one above it.
    mapping = profile_form.apply_action(data, "add-mapping")
    assert mapping["mapping"][-1] == {
        "kind": "interview_competencies",
        "source": "",
        "competency": "",
    }


@pytest.mark.parametrize(
    "action",
    ["remove-skill-99", "remove-indicator-9-0", "add-indicator-9", "add-skill-1", "drop", ""],
)
def test_rows_that_are_not_there_and_unknown_actions_change_nothing(action: str) -> None:
    data = shipped_data()
    assert profile_form.apply_action(data, action) == data


def test_weight_total() -> None:
    data = shipped_data()
    data["stages"][4]["weight"] = "2.5"
    assert profile_form.weight_total(data) == 102.5
    data["stages"] = []
    assert profile_form.weight_total(data) == 0


def test_competency_ids_for_the_mapping() -> None:
    data = shipped_data()
    data["competencies"].append({"key": "technical", "title": "again", "indicators": []})
    ids = profile_form.competency_ids(data)
    assert ids == ["technical", "annotation-quality", "business", "communication"]


# ---------------------------------------------------------------------------- uploads


def test_uploaded_text() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert profile_form.uploaded_text(b"\xef\xbb\xbf" + text.encode()) == (text, None)
    assert profile_form.uploaded_text(b"")[0] is None
    empty, why = profile_form.uploaded_text(b"")
    assert empty is None and why and ".yaml" in why
    bad, why = profile_form.uploaded_text(b"id: x\ntitle: \xff\n")
    assert bad is None and why and "line 2" in why
    big, why = profile_form.uploaded_text(b"#" * 1_000_001)
    assert big is None and why and "1,000,000" in why
