"""Checklist templates: the documented example, the shipped default, every kind of problem,
and the job profile's `onboarding:` key (template name or inline checklist)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from hirebench.jobs.profile_file import JobProfileError, parse_profile_text
from hirebench.onboarding.template import (
    ChecklistError,
    checklist_for,
    load_template,
    parse_checklist_text,
    pick,
    template_names,
    validate_checklist_text,
)
from hirebench.paths import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "onboarding.md"

GOOD = """\
guide:
  address: 上海市徐汇区 1 号
  arrive_at: "09:30"
tasks:
  - {key: medical, title: 体检报告, owner: new_hire, due_day: -3, upload: required,
     blocks_day_one: true}
"""


def doc_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Example", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match, "docs/onboarding.md has no yaml example"
    return match.group(1)


def problems(text: str) -> list[str]:
    return [f"{p.key_path}: {p.message}" for p in validate_checklist_text(text, "t.yaml")]


def test_the_documented_example_loads() -> None:
    checklist = parse_checklist_text(doc_example(), "example.yaml")
    assert checklist.guide["arrive_at"] == "09:00"
    assert checklist.guide["address"]["en"].startswith("8th floor")
    assert checklist.guide["contact"] == {
        "name": "王芳",
        "phone": "010-8888-0000",
        "email": "hr@example.com",
    }
    # Plain text is filed under its language.
    assert checklist.guide["materials"][1] == {"zh": "毕业证、学位证原件", "en": ""}
    assert checklist.guide["materials"][2] == {"zh": "", "en": "Two passport-size photos"}
    by_key = {task.key: task for task in checklist.tasks}
    assert [t.key for t in checklist.tasks] == [
        "bank-details",
        "medical-report",
        "laptop",
        "first-week-plan",
        "contract",
    ]
    assert by_key["bank-details"].collects == "personal"
    medical = by_key["medical-report"]
    assert (medical.owner, medical.due_day, medical.blocks_day_one, medical.upload) == (
        "new_hire",
        -3,
        True,
        "required",
    )
    assert by_key["laptop"].owner == "it" and by_key["first-week-plan"].owner == "manager"
    assert by_key["contract"].title == {"zh": "签订劳动合同", "en": "Sign the labour contract"}


def test_the_documented_problems_are_the_ones_reported() -> None:
    text = DOC.read_text(encoding="utf-8")
    for line in ("tasks[1].owner: 'owner' is 'boss'", "'due_day' is 400", "duplicate task key"):
        assert line in text


def test_the_shipped_default_is_a_realistic_chinese_checklist(app: Flask) -> None:
    with app.app_context():
        checklist = load_template("default")
        assert "default" in template_names()
    tasks = {task.key: task for task in checklist.tasks}
    assert checklist.guide["arrive_at"] == "09:00"
    assert tasks["medical-report"].upload == "required"
    assert tasks["medical-report"].blocks_day_one
    assert "体检" in tasks["medical-report"].title["zh"]
    assert tasks["personal-details"].collects == "personal"
    assert tasks["it-account"].owner == "it"
    assert tasks["manager-first-week"].owner == "manager"
    assert any("社保" in task.title["zh"] for task in checklist.tasks)
    assert any("身份证" in pick(m, "zh") for m in checklist.guide["materials"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("owner: new_hire", "tasks[0].owner: 'owner' is 'boss' (text); it must be one of"),
        ("due_day: -3", "tasks[0].due_day: 'due_day' must be a whole number"),
    ],
)
def test_unknown_owner_and_bad_due_day(change: str, expected: str) -> None:
    bad = GOOD.replace("owner: new_hire", "owner: boss") if "owner" in change else GOOD
    if "due_day" in change:
        bad = GOOD.replace("due_day: -3", "due_day: soon")
    assert any(p.startswith(expected) for p in problems(bad)), problems(bad)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("400", "'due_day' is 400; it must be a whole number at least -365 and at most 365"),
        ("-366", "'due_day' is -366"),
        ("2.5", "'due_day' must be a whole number"),
        ("true", "'due_day' must be a whole number"),
        ('"-3"', "'due_day' must be a whole number"),
    ],
)
def test_due_days_must_be_whole_and_within_a_year(value: str, message: str) -> None:
    found = problems(GOOD.replace("due_day: -3", f"due_day: {value}"))
    assert any(message in p for p in found), found


def test_duplicate_keys_unknown_fields_and_missing_ones_are_all_reported() -> None:
    text = """\
guide:
  address: Somewhere
  arrive_at: "09:00"
  parking: none
tasks:
  - {key: contract, title: Sign, owner: hr, due_day: 0, colour: red}
  - {key: contract, title: Again, owner: hr, due_day: 1}
  - {key: laptop, owner: it, due_day: -1, upload: maybe, blocks_day_one: "yes"}
"""
    found = problems(text)
    assert "guide.parking: unknown key 'parking'" in found
    assert "tasks[0].colour: unknown key 'colour'" in found
    assert any(p.startswith("tasks[1].key: duplicate task key 'contract'") for p in found)
    assert "tasks[2]: missing required key 'title'" in found
    assert any(p.startswith("tasks[2].upload: 'upload' is 'maybe'") for p in found)
    blocks = "tasks[2].blocks_day_one: 'blocks_day_one' must be true"
    assert any(p.startswith(blocks) for p in found)
    with pytest.raises(ChecklistError, match=r"invalid onboarding checklist \(6 problems\)"):
        parse_checklist_text(text, "t.yaml")


def test_a_repeated_yaml_key_names_its_lines() -> None:
    text = GOOD.replace('  arrive_at: "09:30"\n', '  arrive_at: "09:30"\n  arrive_at: "10:00"\n')
    assert any("duplicate key 'arrive_at' (lines 3 and 4)" in p for p in problems(text))


@pytest.mark.parametrize(
    ("arrive", "message"),
    [
        ("9:00", "arrive_at 540 was read as a number"),
        ("10:30", "arrive_at 630 was read as a number"),
        ('"9am"', "arrive_at must be a time HH:MM"),
        ('"24:00"', "arrive_at must be a time HH:MM"),
    ],
)
def test_arrival_time(arrive: str, message: str) -> None:
    found = problems(GOOD.replace('arrive_at: "09:30"', f"arrive_at: {arrive}"))
    assert any(message in p for p in found), found


def test_personal_details_are_collected_once_and_by_the_new_hire() -> None:
    text = """\
guide: {address: A, arrive_at: "09:00"}
tasks:
  - {key: bank, title: Bank, owner: new_hire, due_day: -5, collects: personal}
  - {key: bank-2, title: Bank again, owner: hr, due_day: -5, collects: personal}
"""
    found = problems(text)
    assert any(p.startswith("tasks[1].collects: only the new hire") for p in found)
    twice = problems(text.replace("owner: hr", "owner: new_hire"))
    assert twice == ["tasks[1]: a second task collects personal details (the first is tasks[0])"]


def test_texts_and_top_level_shapes() -> None:
    assert problems("tasks: []\n") == [
        ": missing required key 'guide'",
        "tasks: 'tasks' has 0 entries; it needs at least 1",
    ]
    found = problems(GOOD.replace("title: 体检报告", "title: {fr: Rapport}"))
    assert "tasks[0].title.fr: unknown key 'fr'" in found
    assert "tasks[0].title: the title has no text" in found
    assert problems("- a list\n") != []


def test_job_profile_key_names_a_template_or_holds_a_checklist(app: Flask, tmp_path: Path) -> None:
    base = "id: annotator\ntitle: T\ncompetencies: [{id: q, title: Q}]\nstages: {interview: 100}\n"
    with app.app_context():
        default = parse_profile_text(base, "annotator.yaml")
        assert default.onboarding is None
        assert checklist_for(default.onboarding).guide["arrive_at"] == "09:00"

        named = parse_profile_text(base + "onboarding: {template: default}\n", "annotator.yaml")
        assert named.onboarding == {"template": "default"}

        inline = parse_profile_text(base + "onboarding:\n" + _indent(GOOD), "annotator.yaml")
        checklist = checklist_for(inline.onboarding)
        assert [t.key for t in checklist.tasks] == ["medical"]
        assert checklist.guide["arrive_at"] == "09:30"

        with pytest.raises(JobProfileError) as missing:
            parse_profile_text(base + "onboarding: {template: beijing}\n", "annotator.yaml")
        assert "onboarding.template: there is no onboarding template named 'beijing'" in str(
            missing.value
        )
        broken = base + "onboarding:\n" + _indent(GOOD.replace("new_hire", "boss"))
        with pytest.raises(JobProfileError) as bad:
            parse_profile_text(broken, "annotator.yaml")
        assert "onboarding.tasks[0].owner: 'owner' is 'boss'" in str(bad.value)


def test_an_instance_template_is_found_and_may_replace_the_shipped_default(app: Flask) -> None:
    folder = Path(app.instance_path) / "onboarding"
    folder.mkdir(parents=True)
    (folder / "beijing.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "default.yaml").write_text(GOOD.replace("09:30", "08:45"), encoding="utf-8")
    with app.app_context():
        assert template_names() == ["beijing", "default"]
        assert checklist_for({"template": "beijing"}).guide["arrive_at"] == "09:30"
        assert checklist_for(None).guide["arrive_at"] == "08:45"
        (folder / "default.yaml").write_text("tasks: [", encoding="utf-8")
        with pytest.raises(ChecklistError, match="YAML syntax error"):
            checklist_for(None)


def _indent(text: str) -> str:
    return "".join("  " + line + "\n" for line in text.splitlines())
