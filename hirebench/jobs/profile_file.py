"""Job profile files: a job's profile (hirebench/jobs/profile.py) authored as YAML. The format
is documented in docs/job-profile.md.

Validation works like the rubric and interview-bank files: every problem is collected with
the file, the YAML key path and a fix, and nothing is returned unless the whole file is valid.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from hirebench.authoring import (
    ID_PATTERN,
    ID_RULE,
    AuthoredFormat,
    AuthoringError,
    Checker,
    describe,
    join,
)
from hirebench.jobs.profile import (
    SKILL_LEVELS,
    Competency,
    Cutoffs,
    JobProfileDefinition,
    Mapping_,
    MissingStage,
    OfferApprover,
    Skill,
    Stability,
    Stage,
)

TITLE_MAX_CHARS = 200  # models.jobs.Job.title and .department are String(200)
INDICATOR_MAX_CHARS = 500
MAX_INDICATORS = 20
MAX_COMPETENCIES = 20
MAX_SKILLS = 50
MAX_MAPPING_ENTRIES = 200
SALARY_PERIODS = ("month", "year")
STAGE_NAMES = tuple(stage.value for stage in Stage)
MAP_KEYS = ("exam_sections", "exam_questions", "portfolio_criteria", "interview_competencies")
REQUIRED_KEYS = ("id", "title", "competencies", "stages")
OPTIONAL_KEYS = (
    "department",
    "salary",
    "exam",
    "skills",
    "missing_stage",
    "cutoffs",
    "mapping",
    "stability",
    "offer",
    "onboarding",
)
# Roles that may be named to approve an offer above the budget (docs/offers.md).
APPROVER_ROLES = ("admin", "hr", "business")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOCS = "docs/job-profile.md"
# Checks of keys whose format another package owns, registered from hirebench/wiring.py:
# `onboarding:` is an onboarding checklist (docs/onboarding.md), and onboarding sits above jobs.
_KEY_CHECKS: dict[str, Callable[[Checker, Any, str], None]] = {}


def register_key_check(key: str, check: Callable[[Checker, Any, str], None]) -> None:
    """`check(checker, value, key path)` reports the problems of the value under `key`."""
    _KEY_CHECKS[key] = check


class JobProfileError(AuthoringError):
    """The job profile cannot be used. `problems` holds every problem found."""

    what = "job profile"


# ------------------------------------------------------------------------------ reading


def _profile(checker: Checker, block: Mapping[str, Any]) -> JobProfileDefinition | None:
    checker.keys(block, "", REQUIRED_KEYS, OPTIONAL_KEYS)
    profile_id = checker.ident(block, "id", "")
    title = checker.text(block, "title", "", max_chars=TITLE_MAX_CHARS)
    department = checker.text(block, "department", "", required=False, max_chars=TITLE_MAX_CHARS)
    salary = _salary(checker, block)
    # `exam:` left empty means no exam, as when the key is left out.
    exam = checker.ident(block, "exam", "") if block.get("exam") is not None else None
    skills = _skills(checker, block)
    competencies = _competencies(checker, block)
    stages, stage_names = _stages(checker, block)
    missing_stage = checker.choice(
        block,
        "missing_stage",
        "",
        [choice.value for choice in MissingStage],
        MissingStage.reweight.value,
    )
    cutoffs = _cutoffs(checker, block, stage_names)
    mapping = _mapping(checker, block, competencies)
    stability = _stability(checker, block)
    onboarding = _onboarding(checker, block)
    offer_approver = _offer(checker, block)
    # Every part is read above even after a problem, so the author sees all of them at once.
    if checker.problems:
        return None
    assert profile_id is not None and title is not None and department is not None
    assert competencies is not None and missing_stage is not None
    salary_min, salary_max, salary_period = salary
    return JobProfileDefinition(
        id=profile_id,
        title=title,
        department=department,
        salary_min=salary_min,
        salary_max=salary_max,
        salary_period=salary_period,
        exam=exam,
        skills=skills,
        competencies=competencies,
        stages=stages,
        missing_stage=MissingStage(missing_stage),
        cutoffs=cutoffs,
        mapping=mapping,
        stability=stability,
        onboarding=onboarding,
        offer_approver=offer_approver,
    )


def _block(checker: Checker, block: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    """The mapping under an optional `key`: empty when absent or after reporting a non-mapping
    (the caller then reads defaults; the problem already stops the load)."""
    if key not in block:
        return {}
    return checker.mapping(block[key], join(path, key), f"'{key}'") or {}


def _salary(checker: Checker, block: Mapping[str, Any]) -> tuple[int | None, int | None, str]:
    salary = _block(checker, block, "salary", "")
    checker.keys(salary, "salary", (), ("min", "max", "period"))
    low = checker.number(salary, "min", "salary", required=False, above=0, integer=True)
    high = checker.number(salary, "max", "salary", required=False, above=0, integer=True)
    period = checker.choice(salary, "period", "salary", SALARY_PERIODS, "month")
    if low is not None and high is not None and low > high:
        checker.add(
            "salary.min",
            f"salary min {low:g} is above salary max {high:g}",
            "make min at most max (swap them?)",
        )
    return (
        None if low is None else int(low),
        None if high is None else int(high),
        period or "month",
    )


def _skills(checker: Checker, block: Mapping[str, Any]) -> tuple[Skill, ...]:
    raw = checker.items(
        block,
        "skills",
        "",
        min_items=0,
        max_items=(MAX_SKILLS, "skills", "keep the skills that decide a hire"),
    )
    skills: list[Skill] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(raw or ()):
        path = join("skills", index)
        entry = checker.mapping(item, path, "a skill")
        if entry is None:
            continue
        checker.keys(entry, path, ("tag", "title"), ("min_level", "min_years"))
        tag = checker.unique_ident(
            entry, "tag", path, seen, "skill tag", "give each one its own tag"
        )
        title = checker.text(entry, "title", path, max_chars=TITLE_MAX_CHARS)
        level = checker.choice(entry, "min_level", path, SKILL_LEVELS)
        years = checker.number(entry, "min_years", path, required=False, minimum=0)
        if "min_level" not in entry and "min_years" not in entry:
            # A skill without a minimum cannot be checked against a resume.
            checker.add(
                path,
                "the skill has neither min_level nor min_years",
                f"add min_level (one of {', '.join(SKILL_LEVELS)}), min_years (0 or more), or both",
            )
        if tag is not None and title is not None:
            skills.append(Skill(tag, title, level, years))
    return tuple(skills)


def _competencies(checker: Checker, block: Mapping[str, Any]) -> tuple[Competency, ...] | None:
    """The competencies, or None when any of them is wrong (references to them are then not
    checked: they would be reported against a list that is about to change)."""
    before = len(checker.problems)
    raw = checker.items(
        block,
        "competencies",
        "",
        max_items=(MAX_COMPETENCIES, "competencies", "merge related competencies"),
    )
    if raw is None:
        return None
    competencies: list[Competency] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(raw):
        path = join("competencies", index)
        entry = checker.mapping(item, path, "a competency")
        if entry is None:
            continue
        checker.keys(entry, path, ("id", "title"), ("indicators",))
        competency_id = checker.unique_ident(
            entry, "id", path, seen, "competency id", "give each one its own id"
        )
        title = checker.text(entry, "title", path, max_chars=TITLE_MAX_CHARS)
        indicators = _indicators(checker, entry, path)
        if competency_id is not None and title is not None:
            competencies.append(Competency(competency_id, title, indicators))
    if len(checker.problems) > before:
        return None
    return tuple(competencies)


def _indicators(checker: Checker, entry: Mapping[str, Any], path: str) -> tuple[str, ...]:
    raw = checker.items(
        entry,
        "indicators",
        path,
        min_items=0,
        max_items=(MAX_INDICATORS, "indicators", "keep the indicators that tell candidates apart"),
    )
    where = join(path, "indicators")
    for index, text in enumerate(raw or ()):
        if not isinstance(text, str) or not text.strip() or len(text) > INDICATOR_MAX_CHARS:
            checker.add(
                join(where, index),
                f"an indicator must be non-empty text, not {describe(text)}",
                f'write - "..." (text, at most {INDICATOR_MAX_CHARS} characters)',
            )
    return tuple(text for text in raw or () if isinstance(text, str))


def _stages(
    checker: Checker, block: Mapping[str, Any]
) -> tuple[tuple[tuple[Stage, float], ...], set[Stage] | None]:
    """The weighted stages, and their names; the names are None when one of them is wrong,
    so that nothing is checked against them."""
    if "stages" not in block:
        return (), None  # reported by keys()
    raw = checker.mapping(block["stages"], "stages", "'stages'")
    if raw is None:
        return (), None
    stages: list[tuple[Stage, float]] = []
    names_ok = weights_ok = True
    total = 0.0
    for name in raw:
        if name not in STAGE_NAMES:
            _unknown_stage(checker, join("stages", str(name)), name)
            names_ok = False
        weight = checker.number(raw, name, "stages", above=0, maximum=100)
        if weight is None:
            weights_ok = False
            continue
        # An unknown name is usually a typo of a real stage, so its weight still counts.
        total += weight
        if name in STAGE_NAMES:
            stages.append((Stage(name), weight))
    # Only with every weight readable: a sum that leaves one out would mislead.
    if weights_ok and abs(total - 100) > 1e-6:
        checker.add(
            "stages",
            f"the stage weights sum to {round(total, 4):g}, not 100",
            "make them add up to 100",
        )
    return tuple(stages), ({stage for stage, _ in stages} if names_ok and weights_ok else None)


def _unknown_stage(checker: Checker, path: str, name: Any) -> None:
    close = difflib.get_close_matches(str(name), STAGE_NAMES, n=1, cutoff=0.7)
    known = ", ".join(STAGE_NAMES)
    checker.add(
        path,
        f"unknown stage {describe(name) if not isinstance(name, str) else repr(name)}",
        f"did you mean '{close[0]}'? The stages are {known}" if close else f"use one of {known}",
    )


def _cutoffs(checker: Checker, block: Mapping[str, Any], weighted: set[Stage] | None) -> Cutoffs:
    raw = _block(checker, block, "cutoffs", "")
    checker.keys(raw, "cutoffs", (), ("hire", "reject", "competency_floor", "stages"))
    defaults = Cutoffs()
    hire = _percent(checker, raw, "hire", "cutoffs", defaults.hire)
    reject = _percent(checker, raw, "reject", "cutoffs", defaults.reject)
    floor = _percent(checker, raw, "competency_floor", "cutoffs", defaults.competency_floor)
    if hire is not None and reject is not None and reject > hire:
        # Blamed on the key the author wrote; with both written, on reject.
        key = "hire" if "reject" not in raw else "reject"
        checker.add(
            join("cutoffs", key),
            f"the reject cut-off {reject:g} is above the hire cut-off {hire:g}",
            "make reject at most hire",
        )
    minimums: list[tuple[str, float]] = []
    stages = _block(checker, raw, "stages", "cutoffs")
    for name in stages:
        path = join("cutoffs.stages", str(name))
        if name not in STAGE_NAMES:
            _unknown_stage(checker, path, name)
        elif weighted is not None and Stage(name) not in weighted:
            checker.add(
                path,
                f"stage '{name}' has no weight under stages, so a minimum for it never applies",
                "add the stage under stages, or remove this minimum",
            )
        minimum = _percent(checker, stages, name, "cutoffs.stages", None)
        if minimum is not None:
            minimums.append((str(name), minimum))
    return Cutoffs(
        hire=hire if hire is not None else defaults.hire,
        reject=reject if reject is not None else defaults.reject,
        competency_floor=floor if floor is not None else defaults.competency_floor,
        stages=tuple(minimums),
    )


def _percent(
    checker: Checker, block: Mapping[str, Any], key: str, path: str, default: float | None
) -> float | None:
    return checker.number(block, key, path, required=False, default=default, minimum=0, maximum=100)


def _mapping(
    checker: Checker, block: Mapping[str, Any], competencies: tuple[Competency, ...] | None
) -> Mapping_:
    raw = _block(checker, block, "mapping", "")
    checker.keys(raw, "mapping", (), MAP_KEYS)
    known = [competency.id for competency in competencies] if competencies is not None else None
    maps = [_map(checker, raw, key, known) for key in MAP_KEYS]
    return Mapping_(*maps)


def _map(
    checker: Checker, mapping: Mapping[str, Any], key: str, known: list[str] | None
) -> tuple[tuple[str, str], ...]:
    """One `id: competency id` map; `known` is None while the competencies are wrong."""
    where = join("mapping", key)
    raw = _block(checker, mapping, key, "mapping")
    if len(raw) > MAX_MAPPING_ENTRIES:
        checker.add(
            where,
            f"{len(raw)} entries; at most {MAX_MAPPING_ENTRIES} are allowed",
            "map whole sections instead of single questions",
        )
    entries: list[tuple[str, str]] = []
    for source_id, competency_id in raw.items():
        path = join(where, str(source_id))
        if not isinstance(source_id, str) or not ID_PATTERN.match(source_id):
            checker.add(path, f"{describe(source_id)} is not a valid id", f"use {ID_RULE}")
            continue
        if not isinstance(competency_id, str) or not ID_PATTERN.match(competency_id):
            checker.add(
                path,
                f"'{source_id}' must name a competency id, not {describe(competency_id)}",
                f"write {source_id}: <competency id>",
            )
            continue
        if known is not None and competency_id not in known:
            checker.add(
                path,
                f"'{source_id}' maps to competency '{competency_id}', which this profile "
                "does not have",
                f"use one of {', '.join(known)}, or add '{competency_id}' under competencies",
            )
            continue
        entries.append((source_id, competency_id))
    return tuple(entries)


def _onboarding(checker: Checker, block: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `onboarding:` mapping as written, checked by the onboarding package's check."""
    if block.get("onboarding") is None:
        return None
    raw = checker.mapping(block["onboarding"], "onboarding", "'onboarding'")
    check = _KEY_CHECKS.get("onboarding")
    if raw is not None and check is not None:
        check(checker, raw, "onboarding")
    return dict(raw) if raw is not None else None


def _stability(checker: Checker, block: Mapping[str, Any]) -> Stability:
    raw = _block(checker, block, "stability", "")
    checker.keys(raw, "stability", (), ("max_employers", "within_years"))
    defaults = Stability()
    employers = checker.number(
        raw,
        "max_employers",
        "stability",
        required=False,
        default=defaults.max_employers,
        above=0,
        integer=True,
    )
    years = checker.number(
        raw, "within_years", "stability", required=False, default=defaults.within_years, above=0
    )
    return Stability(
        int(employers) if employers is not None else defaults.max_employers,
        years if years is not None else defaults.within_years,
    )


def _offer(checker: Checker, block: Mapping[str, Any]) -> OfferApprover | None:
    """`offer: {approver: {role: admin}}` or `{approver: {user: someone@example.com}}`: who
    approves a salary above the budget. Absent: an admin (OfferApprover's default)."""
    raw = _block(checker, block, "offer", "")
    checker.keys(raw, "offer", ("approver",) if raw else (), ())
    approver = _block(checker, raw, "approver", "offer")
    if not isinstance(raw.get("approver"), dict):
        return None  # absent, or reported by _block
    checker.keys(approver, "offer.approver", (), ("role", "user"))
    if ("role" in approver) == ("user" in approver):
        checker.add(
            "offer.approver",
            "the approver needs exactly one of role or user",
            f"write `role: admin` (one of {', '.join(APPROVER_ROLES)}) or `user: <email>`",
        )
        return None
    if "role" in approver:
        role = checker.choice(approver, "role", "offer.approver", APPROVER_ROLES)
        return OfferApprover(role=role) if role else None
    user = checker.text(approver, "user", "offer.approver", max_chars=254)
    if user is not None and not EMAIL_PATTERN.match(user.strip()):
        checker.add(
            "offer.approver.user",
            f"{user!r} is not an email address",
            "write the approver's account email, e.g. user: lead@example.com",
        )
        return None
    return OfferApprover(role=None, user=user.strip().lower()) if user else None


# A profile file's id equals its file name without `.yaml`. Each function raises
# JobProfileError, or returns the problems, as the shared reader documents.
PROFILE_FILE = AuthoredFormat(DOCS, _profile, JobProfileError)
parse_profile_text = PROFILE_FILE.parse_text
load_profile_file = PROFILE_FILE.load_file
validate_profile_text = PROFILE_FILE.validate_text


# ------------------------------------------------------------------------------ writing


def profile_yaml(definition: JobProfileDefinition) -> str:
    """The profile as profile-file YAML, for the editor; parsing it gives `definition` back.
    Keys left at their defaults are still written, so the editor shows what is in force."""
    data: dict[str, Any] = {"id": definition.id, "title": definition.title}
    if definition.department:
        data["department"] = definition.department
    salary: dict[str, Any] = {}
    if definition.salary_min is not None:
        salary["min"] = definition.salary_min
    if definition.salary_max is not None:
        salary["max"] = definition.salary_max
    salary["period"] = definition.salary_period
    data["salary"] = salary
    if definition.exam is not None:
        data["exam"] = definition.exam
    if definition.skills:
        data["skills"] = [_skill_yaml(skill) for skill in definition.skills]
    data["competencies"] = [_competency_yaml(c) for c in definition.competencies]
    data["stages"] = {stage.value: _number(weight) for stage, weight in definition.stages}
    data["missing_stage"] = definition.missing_stage.value
    cutoffs = definition.cutoffs
    data["cutoffs"] = {
        "hire": _number(cutoffs.hire),
        "reject": _number(cutoffs.reject),
        "competency_floor": _number(cutoffs.competency_floor),
    }
    if cutoffs.stages:
        data["cutoffs"]["stages"] = {name: _number(value) for name, value in cutoffs.stages}
    maps = {key: dict(getattr(definition.mapping, key)) for key in MAP_KEYS}
    data["mapping"] = {key: value for key, value in maps.items() if value}
    data["stability"] = {
        "max_employers": definition.stability.max_employers,
        "within_years": _number(definition.stability.within_years),
    }
    if definition.onboarding is not None:
        data["onboarding"] = definition.onboarding
    if definition.offer_approver is not None:
        data["offer"] = {"approver": definition.offer_approver.to_json()}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _skill_yaml(skill: Skill) -> dict[str, Any]:
    entry: dict[str, Any] = {"tag": skill.tag, "title": skill.title}
    if skill.min_level is not None:
        entry["min_level"] = skill.min_level
    if skill.min_years is not None:
        entry["min_years"] = _number(skill.min_years)
    return entry


def _competency_yaml(competency: Competency) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": competency.id, "title": competency.title}
    if competency.indicators:
        entry["indicators"] = list(competency.indicators)
    return entry


def _number(value: float) -> int | float:
    # `30` reads better than `30.0`, and parses back to the same float.
    return int(value) if float(value).is_integer() else value
