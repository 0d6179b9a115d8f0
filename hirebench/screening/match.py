"""Matching a resume's fields against a job profile: a 0-100 score in which every point given
or missed is explained, plus the stability and budget flags (docs/screening.md).

Pure and cheap: screening ten thousand already-extracted resumes is a loop over this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hirebench.jobs.profile import SKILL_LEVELS, JobProfileDefinition, Skill, monthly
from hirebench.screening.fields import PRESENT, ResumeFields, SkillClaim

RANK = {level: index for index, level in enumerate(SKILL_LEVELS)}
# A skill named with no level word counts as this: mentioned, nothing more claimed.
UNSTATED_LEVEL = "basic"


@dataclass(frozen=True)
class MatchPoint:
    requirement: str  # the skill's title
    needed: str  # "proficient", "1 year", "proficient, 1 year"
    found: str  # "expert, 3 years", "not mentioned"
    points: float
    max_points: float
    # The same, structured, so a page can say it in the reader's language.
    need_level: str | None = None
    need_years: float | None = None
    have_level: str | None = None
    have_years: float | None = None
    mentioned: bool = False

    def explain(self) -> str:
        sign = "+" if self.points >= self.max_points else "±" if self.points > 0 else "−"
        return (
            f"{sign} {self.requirement}: needs {self.needed}, found {self.found} "
            f"({self.points:.1f}/{self.max_points:.1f})"
        )


@dataclass(frozen=True)
class MatchResult:
    score: float
    points: tuple[MatchPoint, ...]
    flags: tuple[str, ...]  # "unstable", "over_budget"
    notes: tuple[str, ...]  # why each flag was raised
    facts: dict[str, float] = field(default_factory=dict)  # the figures behind the flags

    @property
    def explanation(self) -> list[str]:
        return [point.explain() for point in self.points] + list(self.notes)

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "points": [
                {
                    "requirement": p.requirement,
                    "needed": p.needed,
                    "found": p.found,
                    "points": p.points,
                    "max_points": p.max_points,
                    "need_level": p.need_level,
                    "need_years": p.need_years,
                    "have_level": p.have_level,
                    "have_years": p.have_years,
                    "mentioned": p.mentioned,
                }
                for p in self.points
            ],
            "flags": list(self.flags),
            "facts": self.facts,
            "explanation": self.explanation,
        }


def _years(value: float) -> str:
    return f"{value:g} year" + ("" if value == 1 else "s")


def _skill_point(skill: Skill, claim: SkillClaim | None, worth: float) -> MatchPoint:
    needed = (
        ", ".join(
            part
            for part in (
                skill.min_level,
                _years(skill.min_years) if skill.min_years is not None else None,
            )
            if part
        )
        or "mentioned"
    )
    if claim is None:
        return MatchPoint(
            skill.title,
            needed,
            "not mentioned",
            0.0,
            worth,
            need_level=skill.min_level,
            need_years=skill.min_years,
        )
    found = ", ".join(
        part
        for part in (
            claim.level or "no level stated",
            _years(claim.years) if claim.years is not None else None,
        )
        if part
    )
    parts: list[float] = []  # each requirement's share met, 0..1
    if skill.min_level is not None:
        have = RANK[claim.level or UNSTATED_LEVEL]
        want = RANK[skill.min_level]
        parts.append(1.0 if have >= want else (have + 1) / (want + 1))
    if skill.min_years is not None:
        if skill.min_years <= 0:
            parts.append(1.0)
        elif claim.years is None:
            # Named but no duration given: half credit, and the explanation says so.
            parts.append(0.5)
        else:
            parts.append(min(1.0, claim.years / skill.min_years))
    share = sum(parts) / len(parts) if parts else 1.0
    return MatchPoint(
        skill.title,
        needed,
        found,
        round(worth * share, 2),
        worth,
        need_level=skill.min_level,
        need_years=skill.min_years,
        have_level=claim.level,
        have_years=claim.years,
        mentioned=True,
    )


def _month_index(value: str | None, today: date) -> int | None:
    if value is None:
        return None
    if value == PRESENT:
        return today.year * 12 + today.month - 1
    try:
        year, month = value.split("-")
        return int(year) * 12 + int(month) - 1
    except ValueError:
        return None


def recent_employers(fields: ResumeFields, within_years: float, today: date) -> int:
    """Employers whose time there overlaps the last `within_years` years."""
    since = today.year * 12 + today.month - 1 - round(within_years * 12)
    count = 0
    for job in fields.employers:
        end = _month_index(job.end, today)
        start = _month_index(job.start, today)
        last = end if end is not None else start
        if last is not None and last >= since:
            count += 1
    return count


def match(fields: ResumeFields, profile: JobProfileDefinition, today: date) -> MatchResult:
    skills = profile.skills
    worth = 100.0 / len(skills) if skills else 0.0
    points = tuple(_skill_point(s, fields.skills.get(s.tag), worth) for s in skills)
    score = round(sum(p.points for p in points), 1) if skills else 0.0
    flags: list[str] = []
    notes: list[str] = []
    stability = profile.stability
    employers = recent_employers(fields, stability.within_years, today)
    facts: dict[str, float] = {
        "employers": employers,
        "within_years": stability.within_years,
        "max_employers": stability.max_employers,
    }
    if employers >= stability.max_employers:
        flags.append("unstable")
        notes.append(
            f"unstable: {employers} employers in the last {stability.within_years:g} years "
            f"(the job flags {stability.max_employers} or more)"
        )
    salary = fields.salary
    budget = profile.monthly_budget()
    if salary is not None and budget is not None:
        wants = monthly(salary.min, salary.period)
        facts |= {"wants_monthly": wants, "budget_monthly": budget}
        if wants > budget:
            flags.append("over_budget")
            notes.append(
                f"over budget: expects at least {wants:,.0f} a month; the budget is up to "
                f"{budget:,.0f}"
            )
    return MatchResult(score, points, tuple(flags), tuple(notes), facts)
