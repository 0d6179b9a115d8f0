"""The job profile: what the job needs (skills with minimum levels, a salary budget), how
candidates are judged (competencies with observable indicators), how the stages weigh, and
which exam sections, rubric criteria and interview competencies give evidence for which
competency. Authored as YAML (docs/job-profile.md), stored as JSON, versioned per job."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1

# Proficiency words in both languages map onto this ladder (issue 7's resume parser too).
SKILL_LEVELS = ("basic", "familiar", "proficient", "expert")


def monthly(amount: float, period: str) -> float:
    """An amount per month, so yearly and monthly figures compare (a year is 12 months)."""
    return amount / 12 if period == "year" else amount


class Stage(enum.StrEnum):
    screening = "screening"
    written_test = "written_test"
    portfolio = "portfolio"
    interview = "interview"
    assessment = "assessment"


class MissingStage(enum.StrEnum):
    """What a stage without a score does to the composite."""

    reweight = "reweight"  # the present stages share the missing stage's weight
    zero = "zero"  # the missing stage counts as 0 (shown as missing all the same)
    hold = "hold"  # no composite until every weighted stage has a score


@dataclass(frozen=True)
class Skill:
    tag: str
    title: str
    min_level: str | None = None  # one of SKILL_LEVELS
    min_years: float | None = None


@dataclass(frozen=True)
class Competency:
    id: str
    title: str
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stability:
    """A candidate is flagged unstable with at least `max_employers` employers within the
    last `within_years` years."""

    max_employers: int = 4
    within_years: float = 3.0


@dataclass(frozen=True)
class Cutoffs:
    hire: float = 75.0  # composite at or above: hire (or hire with training)
    reject: float = 50.0  # composite below: reject
    competency_floor: float = 60.0  # a competency below this needs training (or blocks)
    stages: tuple[tuple[str, float], ...] = ()  # per-stage minimum scores


@dataclass(frozen=True)
class Mapping_:
    """Where each competency's evidence comes from. Keys are ids in the exam, the portfolio
    rubric and the interview bank; values are competency ids of this profile."""

    exam_sections: tuple[tuple[str, str], ...] = ()
    exam_questions: tuple[tuple[str, str], ...] = ()  # override the question's section
    portfolio_criteria: tuple[tuple[str, str], ...] = ()
    interview_competencies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OfferApprover:
    """Who approves an offer whose salary is above the budget: everyone with `role`, or only
    the user with the email `user` (docs/offers.md)."""

    role: str | None = "admin"
    user: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role} if self.user is None else {"user": self.user}


@dataclass(frozen=True)
class JobProfileDefinition:
    id: str
    title: str
    department: str
    salary_min: int | None
    salary_max: int | None
    salary_period: str  # "month" or "year"
    exam: str | None  # the exam slug behind the written test and assessment stages
    skills: tuple[Skill, ...]
    competencies: tuple[Competency, ...]
    stages: tuple[tuple[Stage, float], ...]  # weights in percent, summing to 100
    missing_stage: MissingStage
    cutoffs: Cutoffs
    mapping: Mapping_
    stability: Stability = field(default_factory=Stability)
    # The raw `onboarding:` mapping (a template name or an inline checklist), which
    # hirebench.onboarding reads (docs/onboarding.md); None: the default template.
    onboarding: dict[str, Any] | None = field(default=None, hash=False)
    # None: the profile names no approver, so an admin approves (OfferApprover's default).
    offer_approver: OfferApprover | None = None

    def monthly_budget(self) -> float | None:
        return monthly(self.salary_max, self.salary_period) if self.salary_max is not None else None

    def weight(self, stage: Stage) -> float:
        return dict(self.stages).get(stage, 0.0)

    def competency(self, competency_id: str) -> Competency | None:
        return next((c for c in self.competencies if c.id == competency_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "department": self.department,
            "salary": {
                "min": self.salary_min,
                "max": self.salary_max,
                "period": self.salary_period,
            },
            "exam": self.exam,
            "skills": [
                {
                    "tag": s.tag,
                    "title": s.title,
                    "min_level": s.min_level,
                    "min_years": s.min_years,
                }
                for s in self.skills
            ],
            "competencies": [
                {"id": c.id, "title": c.title, "indicators": list(c.indicators)}
                for c in self.competencies
            ],
            "stages": {stage.value: weight for stage, weight in self.stages},
            "missing_stage": self.missing_stage.value,
            "cutoffs": {
                "hire": self.cutoffs.hire,
                "reject": self.cutoffs.reject,
                "competency_floor": self.cutoffs.competency_floor,
                "stages": dict(self.cutoffs.stages),
            },
            "mapping": {
                "exam_sections": dict(self.mapping.exam_sections),
                "exam_questions": dict(self.mapping.exam_questions),
                "portfolio_criteria": dict(self.mapping.portfolio_criteria),
                "interview_competencies": dict(self.mapping.interview_competencies),
            },
            "stability": {
                "max_employers": self.stability.max_employers,
                "within_years": self.stability.within_years,
            },
            # Only when set, so that profiles without `onboarding:` keep their content hash.
            **({"onboarding": self.onboarding} if self.onboarding is not None else {}),
            # Only when set, so that profiles without `offer:` keep their content hash.
            **(
                {"offer": {"approver": self.offer_approver.to_json()}}
                if self.offer_approver
                else {}
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobProfileDefinition:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"stored job profile format {data.get('format')!r} is unknown")
        salary, cutoffs, mapping = data["salary"], data["cutoffs"], data["mapping"]
        return cls(
            id=data["id"],
            title=data["title"],
            department=data["department"],
            salary_min=salary["min"],
            salary_max=salary["max"],
            salary_period=salary["period"],
            exam=data["exam"],
            skills=tuple(
                Skill(s["tag"], s["title"], s["min_level"], s["min_years"]) for s in data["skills"]
            ),
            competencies=tuple(
                Competency(c["id"], c["title"], tuple(c["indicators"]))
                for c in data["competencies"]
            ),
            stages=tuple((Stage(k), float(v)) for k, v in data["stages"].items()),
            missing_stage=MissingStage(data["missing_stage"]),
            cutoffs=Cutoffs(
                float(cutoffs["hire"]),
                float(cutoffs["reject"]),
                float(cutoffs["competency_floor"]),
                tuple((k, float(v)) for k, v in cutoffs["stages"].items()),
            ),
            mapping=Mapping_(
                tuple(mapping["exam_sections"].items()),
                tuple(mapping["exam_questions"].items()),
                tuple(mapping["portfolio_criteria"].items()),
                tuple(mapping["interview_competencies"].items()),
            ),
            stability=Stability(
                int(data["stability"]["max_employers"]),
                float(data["stability"]["within_years"]),
            ),
            onboarding=data.get("onboarding"),
            offer_approver=_offer_approver(data.get("offer")),
        )

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _offer_approver(data: Mapping[str, Any] | None) -> OfferApprover | None:
    if not data:
        return None
    approver = data["approver"]
    if approver.get("user"):
        return OfferApprover(role=None, user=approver["user"])
    return OfferApprover(role=approver["role"])
