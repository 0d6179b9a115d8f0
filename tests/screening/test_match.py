"""Matching a resume against the demo job's profile: every point explained, and the flags."""

from __future__ import annotations

from datetime import date

import pytest

from hirebench.jobs.profile import JobProfileDefinition
from hirebench.jobs.profile_file import load_profile_file
from hirebench.paths import PROJECT_ROOT
from hirebench.screening.fields import Employment, ResumeFields, Salary, SkillClaim
from hirebench.screening.match import match, recent_employers

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def profile() -> JobProfileDefinition:
    # python >= proficient; data-annotation >= 1 year; ml-basics >= familiar;
    # data-cleaning >= familiar; budget up to 22000 a month; unstable at 4 employers in 3 years.
    return load_profile_file(PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml")


def fields(**skills: SkillClaim) -> ResumeFields:
    return ResumeFields(skills={tag.replace("_", "-"): claim for tag, claim in skills.items()})


def test_meeting_every_requirement_scores_100(profile: JobProfileDefinition) -> None:
    result = match(
        fields(
            python=SkillClaim("expert", 5),
            data_annotation=SkillClaim(None, 2),
            ml_basics=SkillClaim("familiar"),
            data_cleaning=SkillClaim("proficient"),
        ),
        profile,
        TODAY,
    )
    assert result.score == 100.0
    assert result.flags == ()
    assert all(line.startswith("+ ") for line in result.explanation)


def test_each_point_given_or_missed_is_explained(profile: JobProfileDefinition) -> None:
    result = match(
        fields(python=SkillClaim("familiar"), data_annotation=SkillClaim(None, 0.5)),
        profile,
        TODAY,
    )
    by_skill = {p.requirement: p for p in result.points}
    python = by_skill["Python"]
    # familiar is rank 1, proficient rank 2: (1 + 1) / (2 + 1) of 25 points.
    assert python.points == pytest.approx(25 * 2 / 3, abs=0.01)
    assert python.needed == "proficient" and python.found == "familiar"
    annotation = by_skill["Data annotation · 数据标注"]
    assert annotation.points == pytest.approx(12.5)  # half a year of the one required
    assert by_skill["ML basics · 机器学习基础"].found == "not mentioned"
    assert by_skill["ML basics · 机器学习基础"].points == 0
    assert result.score == pytest.approx(round(25 * 2 / 3 + 12.5, 1))
    lines = result.explanation
    assert len(lines) == 4
    assert any(line.startswith("− ML basics") and "not mentioned" in line for line in lines)
    assert any(line.startswith("± Python: needs proficient, found familiar") for line in lines)


def test_a_skill_named_without_level_or_years(profile: JobProfileDefinition) -> None:
    result = match(fields(python=SkillClaim(), data_annotation=SkillClaim()), profile, TODAY)
    by_skill = {p.requirement: p for p in result.points}
    # Named with no level word counts as basic (rank 0): 1/3 of the share.
    assert by_skill["Python"].points == pytest.approx(25 / 3, abs=0.01)
    # Named without a duration: half the share for a years requirement.
    assert by_skill["Data annotation · 数据标注"].points == pytest.approx(12.5)


def test_unstable_counts_employers_of_the_last_three_years(
    profile: JobProfileDefinition,
) -> None:
    hopper = ResumeFields(
        employers=(
            Employment("A 科技有限公司", "2024-01", "present"),
            Employment("B Inc.", "2023-03", "2023-12"),
            Employment("C Ltd.", "2024-06", "2024-09"),
            Employment("D 集团", "2023-12", "2024-02"),
            Employment("Old Corp", "2015-01", "2019-01"),  # long before the window
        )
    )
    assert recent_employers(hopper, 3, TODAY) == 4
    result = match(hopper, profile, TODAY)
    assert "unstable" in result.flags
    assert any("4 employers in the last 3 years" in line for line in result.explanation)
    steady = ResumeFields(employers=hopper.employers[1:])
    assert "unstable" not in match(steady, profile, TODAY).flags


@pytest.mark.parametrize(
    ("salary", "over"),
    [
        (Salary(18000, 22000, "month"), False),
        (Salary(22000, 25000, "month"), False),  # the minimum is within the budget
        (Salary(23000, 26000, "month"), True),
        (Salary(300000, 300000, "year"), True),  # 25,000 a month
        (Salary(240000, 260000, "year"), False),
    ],
)
def test_over_budget_compares_monthly_minimums(
    profile: JobProfileDefinition, salary: Salary, over: bool
) -> None:
    result = match(ResumeFields(salary=salary), profile, TODAY)
    assert ("over_budget" in result.flags) is over
    assert any(line.startswith("over budget") for line in result.explanation) is over


def test_result_json_round_trips_the_explanation(profile: JobProfileDefinition) -> None:
    result = match(fields(python=SkillClaim("expert", 3)), profile, TODAY)
    data = result.to_json()
    assert data["score"] == result.score
    assert data["explanation"] == result.explanation
    assert data["points"][0]["requirement"] == "Python"
