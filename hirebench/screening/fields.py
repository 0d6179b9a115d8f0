"""What is read from a resume. Skill tags are the job profile's tags (docs/job-profile.md);
levels are the profile's ladder, so a resume and a requirement compare directly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hirebench.jobs.profile import SKILL_LEVELS

PRESENT = "present"  # an employment's end while it lasts


@dataclass(frozen=True)
class SkillClaim:
    level: str | None = None  # one of SKILL_LEVELS
    years: float | None = None

    def __post_init__(self) -> None:
        if self.level is not None and self.level not in SKILL_LEVELS:
            raise ValueError(f"unknown skill level {self.level!r}")


@dataclass(frozen=True)
class Employment:
    name: str
    start: str | None  # "YYYY-MM"
    end: str | None  # "YYYY-MM" or PRESENT


@dataclass(frozen=True)
class Salary:
    min: int  # currency units (CNY), e.g. 18000
    max: int
    period: str  # "month" or "year"


@dataclass(frozen=True)
class ResumeFields:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str = "en"  # "zh" or "en": the resume's main language
    skills: Mapping[str, SkillClaim] = field(default_factory=dict)  # tag -> claim
    employers: tuple[Employment, ...] = ()
    salary: Salary | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "language": self.language,
            "skills": {
                tag: {"level": claim.level, "years": claim.years}
                for tag, claim in sorted(self.skills.items())
            },
            "employers": [{"name": e.name, "start": e.start, "end": e.end} for e in self.employers],
            "salary_expectation": (
                {"min": self.salary.min, "max": self.salary.max, "period": self.salary.period}
                if self.salary
                else None
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResumeFields:
        salary = data.get("salary_expectation")
        return cls(
            name=data.get("name"),
            email=data.get("email"),
            phone=data.get("phone"),
            language=data.get("language", "en"),
            skills={
                tag: SkillClaim(claim.get("level"), claim.get("years"))
                for tag, claim in data.get("skills", {}).items()
            },
            employers=tuple(
                Employment(e["name"], e.get("start"), e.get("end"))
                for e in data.get("employers", [])
            ),
            salary=Salary(int(salary["min"]), int(salary["max"]), salary["period"])
            if salary
            else None,
        )
