"""The job profile as a form (HR's structured editor, docs/job-profile.md "The editor"): the
form's data from a profile, and a profile from the form's data. The form is checked by the
profile file's own checks (profile_file.py), never by a copy of them: its data becomes the
mapping a YAML file would hold, and every problem the checker reports is placed on the form
field its key path is about.

The form's data is plain, nested dicts and lists of strings in the shape of the web form
(hirebench/web/profile_forms.py), so this module knows no WTForms. Field names follow
WTForms' names for nested fields: `skills-0-tag`, `competencies-1-indicators-0`. A section
(`skills`, `stages`, ...) stands for a problem about a whole list, such as the weights' sum."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import yaml
from flask_babel import gettext

from hirebench.authoring import ID_PATTERN, Checker, Problem, yaml_mapping
from hirebench.authoring.reader import YAML_MAX_BYTES
from hirebench.exams.loader import current_version, version_definition
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition, OfferApprover, Stage
from hirebench.jobs.profile_file import (
    DOCS,
    MAP_KEYS,
    MAX_COMPETENCIES,
    MAX_INDICATORS,
    MAX_MAPPING_ENTRIES,
    MAX_SKILLS,
    PROFILE_FILE,
)
from hirebench.models import Exam, InterviewQuestion, Rubric

FormData = dict[str, Any]
# What problems name as their file: the form stands for one profile file.
SOURCE = "job-profile"
STAGES = tuple(stage.value for stage in Stage)
ONBOARDING_CHOICES = ("default", "template", "inline")
APPROVER_CHOICES = ("", "role", "user")
# The rows a list may hold: one more than the checker allows, so that it still reports
# "51 skills; at most 50" instead of the form quietly dropping the 51st.
ROW_LIMITS = {
    "skills": MAX_SKILLS + 1,
    "competencies": MAX_COMPETENCIES + 1,
    "indicators": MAX_INDICATORS + 1,
    "mapping": len(MAP_KEYS) * MAX_MAPPING_ENTRIES + 1,
}
_ACTION = re.compile(r"^(add|remove)-(skill|competency|indicator|mapping)((?:-\d{1,4}){0,2})$")
_THOUSANDS = str.maketrans("", "", ",，  ")


@dataclass
class Placed:
    """The problems by form field (or section) name, and those no field is about."""

    fields: dict[str, list[Problem]] = field(default_factory=dict)
    unplaced: list[Problem] = field(default_factory=list)

    def add(self, name: str | None, problem: Problem) -> None:
        if name is None:
            self.unplaced.append(problem)
        else:
            self.fields.setdefault(name, []).append(problem)

    def __bool__(self) -> bool:
        return bool(self.fields or self.unplaced)


@dataclass(frozen=True)
class Reading:
    """The profile the form describes, or None with the problems, placed."""

    definition: JobProfileDefinition | None
    problems: Placed


# ---------------------------------------------------------------------- profile -> form


def form_data(definition: JobProfileDefinition) -> FormData:
    """The editor's data for a profile: reading it back gives the same profile."""
    cutoffs = definition.cutoffs
    return {
        "profile_id": definition.id,
        "title": definition.title,
        "department": definition.department,
        "salary_min": _text(definition.salary_min),
        "salary_max": _text(definition.salary_max),
        "salary_period": definition.salary_period,
        "exam": definition.exam or "",
        "skills": [
            {
                "tag": skill.tag,
                "title": skill.title,
                "min_level": skill.min_level or "",
                "min_years": _text(skill.min_years),
            }
            for skill in definition.skills
        ],
        "competencies": [
            {"key": c.id, "title": c.title, "indicators": list(c.indicators)}
            for c in definition.competencies
        ],
        "stages": _stage_rows(definition),
        "missing_stage": definition.missing_stage.value,
        "cutoff_hire": _text(cutoffs.hire),
        "cutoff_reject": _text(cutoffs.reject),
        "cutoff_floor": _text(cutoffs.competency_floor),
        "mapping": [
            {"kind": kind, "source": source, "competency": competency}
            for kind in MAP_KEYS
            for source, competency in getattr(definition.mapping, kind)
        ],
        "max_employers": _text(definition.stability.max_employers),
        "within_years": _text(definition.stability.within_years),
        **_approver_data(definition.offer_approver),
        **_onboarding_data(definition.onboarding),
    }


def _stage_rows(definition: JobProfileDefinition) -> list[dict[str, str]]:
    """Every stage: the weighted ones first, in the profile's order (the scorecard's), then
    the others with no weight, so that HR can give one a weight."""
    minimums = dict(definition.cutoffs.stages)
    order = [stage.value for stage, _ in definition.stages]
    order += [name for name in STAGES if name not in order]
    weights = {stage.value: weight for stage, weight in definition.stages}
    return [
        {"stage": name, "weight": _text(weights.get(name)), "minimum": _text(minimums.get(name))}
        for name in order
    ]


def _approver_data(approver: OfferApprover | None) -> dict[str, str]:
    if approver is None:
        return {"approver": "", "approver_role": "admin", "approver_user": ""}
    if approver.user is not None:
        return {"approver": "user", "approver_role": "admin", "approver_user": approver.user}
    return {"approver": "role", "approver_role": approver.role or "admin", "approver_user": ""}


def _onboarding_data(onboarding: Mapping[str, Any] | None) -> dict[str, str]:
    blank = {"onboarding_template": "", "onboarding_checklist": ""}
    if onboarding is None:
        return {"onboarding": "default", **blank}
    if set(onboarding) == {"template"} and isinstance(onboarding["template"], str):
        return {**blank, "onboarding": "template", "onboarding_template": onboarding["template"]}
    checklist = yaml.safe_dump(dict(onboarding), allow_unicode=True, sort_keys=False, width=100)
    return {**blank, "onboarding": "inline", "onboarding_checklist": checklist}


def _text(value: float | None) -> str:
    if value is None:
        return ""
    # 30 reads better than 30.0; repr keeps every digit of 33.333333333333336.
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ---------------------------------------------------------------------- form -> profile


def read(data: FormData) -> Reading:
    """The profile in the form's data, checked by the profile file's checks; nothing is
    returned unless the whole form is valid."""
    checker = Checker(file=SOURCE)
    places = _Places()
    placed = Placed()
    block = _to_mapping(data, places, placed)
    definition = PROFILE_FILE.build(checker, block)
    for problem in checker.problems:
        placed.add(places.find(problem.key_path), problem)
    return Reading(None if placed else definition, placed)


def to_yaml(data: FormData) -> str:
    """The form's data as profile-file YAML, as it stands, problems and all: what the
    advanced view shows when HR switches to it in the middle of an edit."""
    block = _to_mapping(data, _Places(), Placed())
    return yaml.safe_dump(block, allow_unicode=True, sort_keys=False, width=100)


def weight_total(data: FormData) -> float | None:
    """The sum of the stage weights the form holds, or None while one is not a number."""
    total = 0.0
    for row in data.get("stages") or ():
        weight = _number(_str(row.get("weight")))
        if weight is None:
            continue
        if isinstance(weight, str):
            return None
        total += weight
    return round(total, 4)


@dataclass
class _Places:
    """Which form field each key path of the profile mapping came from."""

    by_path: dict[str, str] = field(default_factory=dict)

    def at(self, path: str, name: str) -> None:
        self.by_path[path] = name

    def find(self, path: str) -> str | None:
        """The field of `path`, else of the nearest key path above it that has one."""
        while True:
            if path in self.by_path:
                return self.by_path[path]
            if not path:
                return None
            path = _parent(path)


def _parent(path: str) -> str:
    """`skills[2].tag` -> `skills[2]` -> `skills` -> ``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


_SCALARS = {
    # key path: form field
    "id": "profile_id",
    "title": "title",
    "department": "department",
    "exam": "exam",
    "salary": "salary_min",
    "salary.min": "salary_min",
    "salary.max": "salary_max",
    "salary.period": "salary_period",
    "missing_stage": "missing_stage",
    "cutoffs.hire": "cutoff_hire",
    "cutoffs.reject": "cutoff_reject",
    "cutoffs.competency_floor": "cutoff_floor",
    "stability": "max_employers",
    "stability.max_employers": "max_employers",
    "stability.within_years": "within_years",
    "offer": "approver",
    "offer.approver": "approver",
    "offer.approver.role": "approver_role",
    "offer.approver.user": "approver_user",
    "skills": "skills",
    "competencies": "competencies",
    "stages": "stages",
    "cutoffs.stages": "stages",
    "mapping": "mapping",
}


def _to_mapping(data: FormData, places: _Places, placed: Placed) -> dict[str, Any]:
    """The profile-file mapping the form stands for, as the YAML reader would hand it to the
    checker. Nothing is judged here: a weight that is not a number stays text, for the
    checker to report. Blank rows (added and never filled in) are left out."""
    for path, name in _SCALARS.items():
        places.at(path, name)
    block: dict[str, Any] = {"id": _str(data.get("profile_id")), "title": _str(data.get("title"))}
    if _str(data.get("department")):
        block["department"] = _str(data.get("department"))
    block["salary"] = _numbers(
        data, {"min": "salary_min", "max": "salary_max"}, period=_str(data.get("salary_period"))
    )
    if _str(data.get("exam")):
        block["exam"] = _str(data.get("exam"))
    block["skills"] = _skills(data.get("skills") or [], places)
    block["competencies"] = _competencies(data.get("competencies") or [], places)
    stages, minimums = _stages(data.get("stages") or [], places)
    block["stages"] = stages
    if _str(data.get("missing_stage")):
        block["missing_stage"] = _str(data.get("missing_stage"))
    cutoffs_names = {"hire": "cutoff_hire", "reject": "cutoff_reject"}
    block["cutoffs"] = _numbers(data, {**cutoffs_names, "competency_floor": "cutoff_floor"})
    if minimums:
        block["cutoffs"]["stages"] = minimums
    block["mapping"] = _mapping(data.get("mapping") or [], places, placed)
    block["stability"] = _numbers(
        data, {"max_employers": "max_employers", "within_years": "within_years"}
    )
    offer = _offer(data)
    if offer is not None:
        block["offer"] = offer
    onboarding = _onboarding(data, places, placed)
    if onboarding is not None:
        block["onboarding"] = onboarding
    return block


def _numbers(data: Mapping[str, Any], keys: Mapping[str, str], **extra: str) -> dict[str, Any]:
    """The filled-in number fields under their profile keys (`keys`: key -> field)."""
    found: dict[str, Any] = {}
    for key, name in keys.items():
        value = _number(_str(data.get(name)))
        if value is not None:
            found[key] = value
    return {**found, **{key: value for key, value in extra.items() if value}}


def _skills(rows: list[Any], places: _Places) -> list[dict[str, Any]]:
    skills: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        tag, title = _str(row.get("tag")), _str(row.get("title"))
        level, years = _str(row.get("min_level")), _number(_str(row.get("min_years")))
        if not (tag or title or level or years is not None):
            continue
        path, name = f"skills[{len(skills)}]", f"skills-{index}"
        for key in ("tag", "title", "min_level", "min_years"):
            places.at(f"{path}.{key}", f"{name}-{key}")
        places.at(path, f"{name}-min_level")  # "neither min_level nor min_years"
        skill: dict[str, Any] = {"tag": tag, "title": title}
        if level:
            skill["min_level"] = level
        if years is not None:
            skill["min_years"] = years
        skills.append(skill)
    return skills


def _competencies(rows: list[Any], places: _Places) -> list[dict[str, Any]]:
    competencies: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        key, title = _str(row.get("key")), _str(row.get("title"))
        texts = [_str(text) for text in row.get("indicators") or []]
        if not (key or title or any(texts)):
            continue
        path, name = f"competencies[{len(competencies)}]", f"competencies-{index}"
        places.at(path, f"{name}-key")
        places.at(f"{path}.id", f"{name}-key")
        places.at(f"{path}.title", f"{name}-title")
        places.at(f"{path}.indicators", f"{name}-indicators")
        indicators: list[str] = []
        for number, text in enumerate(texts):
            if text:
                places.at(f"{path}.indicators[{len(indicators)}]", f"{name}-indicators-{number}")
                indicators.append(text)
        competencies.append({"id": key, "title": title, "indicators": indicators})
    return competencies


def _stages(rows: list[Any], places: _Places) -> tuple[dict[str, Any], dict[str, Any]]:
    """The weights and the per-stage minimum scores, each under its stage's name."""
    weights: dict[str, Any] = {}
    minimums: dict[str, Any] = {}
    for index, row in enumerate(rows):
        stage = _str(row.get("stage"))
        if not stage:
            continue
        weight, minimum = _number(_str(row.get("weight"))), _number(_str(row.get("minimum")))
        places.at(f"stages.{stage}", f"stages-{index}-weight")
        places.at(f"cutoffs.stages.{stage}", f"stages-{index}-minimum")
        if weight is not None:
            weights[stage] = weight
        if minimum is not None:
            minimums[stage] = minimum
    return weights, minimums


def _mapping(rows: list[Any], places: _Places, placed: Placed) -> dict[str, Any]:
    maps: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        kind, source = _str(row.get("kind")), _str(row.get("source"))
        competency = _str(row.get("competency"))
        if not (source or competency):
            continue
        name = f"mapping-{index}"
        entries = maps.setdefault(kind, {})
        if kind not in MAP_KEYS:
            places.at(f"mapping.{kind}", f"{name}-kind")
        if source in entries:
            # YAML reports a repeated key while reading; a form's rows would silently merge.
            placed.add(
                f"{name}-source",
                Problem(
                    SOURCE,
                    f"mapping.{kind}.{source}",
                    gettext("'%(id)s' is mapped twice", id=source),
                    gettext("keep one row for it"),
                ),
            )
            continue
        # The checker reports a bad source id and a bad competency at the same key path.
        side = "competency" if ID_PATTERN.match(source) else "source"
        places.at(f"mapping.{kind}.{source}", f"{name}-{side}")
        entries[source] = competency
    return maps


def _offer(data: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = _str(data.get("approver"))
    if kind == "role":
        return {"approver": {"role": _str(data.get("approver_role"))}}
    if kind == "user":
        return {"approver": {"user": _str(data.get("approver_user"))}}
    return None


def _onboarding(data: Mapping[str, Any], places: _Places, placed: Placed) -> Any:
    kind = _str(data.get("onboarding"))
    if kind == "template":
        places.at("onboarding", "onboarding_template")
        return {"template": _str(data.get("onboarding_template"))}
    if kind != "inline":
        return None
    places.at("onboarding", "onboarding_checklist")
    # The inline checklist is YAML of its own (docs/onboarding.md): read as a file would be.
    checker = Checker(file=SOURCE)
    checklist = yaml_mapping(
        _str(data.get("onboarding_checklist"), strip=False), checker, DOCS, "the checklist"
    )
    for problem in checker.problems:
        placed.add("onboarding_checklist", problem)
    return dict(checklist) if checklist is not None else None


def _str(value: Any, *, strip: bool = True) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.strip() if strip else text


def _number(text: str) -> int | float | str | None:
    """A number typed into the form: None when blank, the text itself when it is no number
    (the checker then says what it must be)."""
    cleaned = text.translate(_THOUSANDS)
    if not cleaned:
        return None
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        value = float(cleaned)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


# ---------------------------------------------------------------------- adding rows


def apply_action(data: FormData, action: str) -> FormData:
    """The form's data after one of its add or remove buttons: `add-skill`,
    `remove-skill-2`, `add-indicator-1` (to competency 1), `remove-indicator-1-0`,
    `add-competency`, `remove-competency-1`, `add-mapping`, `remove-mapping-3`. Nothing else
    changes; an unknown action or a row that is not there changes nothing."""
    match = _ACTION.match(action)
    if match is None:
        return data
    verb, what = match.group(1), match.group(2)
    numbers = [int(part) for part in match.group(3).split("-") if part]
    result = dict(data)
    lists = {"skill": "skills", "competency": "competencies", "mapping": "mapping"}
    if what == "indicator":
        competencies = [dict(row) for row in data.get("competencies") or []]
        if not numbers or numbers[0] >= len(competencies):
            return data
        row = competencies[numbers[0]]
        row["indicators"] = _changed(list(row.get("indicators") or []), verb, numbers[1:], "")
        result["competencies"] = competencies
        return result
    key = lists[what]
    blank = _blank_row(what, data)
    result[key] = _changed(list(data.get(key) or []), verb, numbers, blank)
    return result


def _changed(rows: list[Any], verb: str, numbers: list[int], blank: Any) -> list[Any]:
    if verb == "add":
        return [*rows, blank] if not numbers else rows
    if len(numbers) == 1 and numbers[0] < len(rows):
        return rows[: numbers[0]] + rows[numbers[0] + 1 :]
    return rows


def _blank_row(what: str, data: FormData) -> dict[str, Any]:
    if what == "skill":
        return {"tag": "", "title": "", "min_level": "", "min_years": ""}
    if what == "competency":
        return {"key": "", "title": "", "indicators": [""]}
    # A new mapping row takes the kind of the row above it: maps are usually filled in runs.
    rows = data.get("mapping") or []
    kind = _str(rows[-1].get("kind")) if rows else MAP_KEYS[0]
    return {"kind": kind if kind in MAP_KEYS else MAP_KEYS[0], "source": "", "competency": ""}


# ---------------------------------------------------------------------- choices


def exam_options(current: str | None) -> list[tuple[str, str]]:
    """The exams a profile may name, (slug, title), with the one it names even when that
    exam is not loaded here (profiles and exams change separately)."""
    rows = db.session.execute(sa.select(Exam.slug, Exam.title).order_by(Exam.title))
    exams = [(slug, title) for slug, title in rows]
    if current and current not in {slug for slug, _ in exams}:
        exams.append((current, current))
    return exams


def source_options(exam_slug: str | None) -> dict[str, list[tuple[str, str]]]:
    """The ids a mapping may name, by map, as (id, title): the sections and questions of the
    profile's exam, the criteria of the portfolio rubrics, the interview bank's competencies.
    Suggestions only: a profile may name ids that are not loaded here, since those files
    change separately (docs/job-profile.md, `mapping`)."""
    options: dict[str, dict[str, str]] = {kind: {} for kind in MAP_KEYS}
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == exam_slug)) if exam_slug else None
    version = current_version(exam) if exam is not None else None
    if version is not None:
        for section in version_definition(version).sections:
            options["exam_sections"].setdefault(section.id, section.title)
            for question in section.questions:
                # Questions have no titles; the scorecard names them after their section too.
                options["exam_questions"].setdefault(question.id, section.title)
    for rubric in db.session.scalars(sa.select(Rubric).order_by(Rubric.title)):
        if rubric.definition.get("applies_to") not in ("portfolio", "any"):
            continue
        for criterion in rubric.definition.get("criteria", []):
            title = f"{criterion['title']} ({rubric.title})"
            options["portfolio_criteria"].setdefault(criterion["id"], title)
    bank = sa.select(InterviewQuestion.competency, InterviewQuestion.competency_title).where(
        InterviewQuestion.active
    )
    for competency, title in db.session.execute(bank.order_by(InterviewQuestion.id)):
        options["interview_competencies"].setdefault(competency, title)
    return {kind: list(found.items()) for kind, found in options.items()}


def competency_ids(data: FormData) -> list[str]:
    """The competency ids the form holds, for the mapping's suggestions."""
    return _unique(_str(row.get("key")) for row in data.get("competencies") or [])


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# ---------------------------------------------------------------------- importing


def uploaded_text(data: bytes) -> tuple[str | None, str | None]:
    """The text of an uploaded profile file, or None and why it cannot be read (the limits
    of an authored file: UTF-8, a BOM allowed, at most YAML_MAX_BYTES)."""
    if not data:
        return None, gettext("Choose a .yaml file to import.")
    if len(data) > YAML_MAX_BYTES:
        return None, gettext(
            "The file is %(size)s bytes; the limit is %(limit)s.",
            size=f"{len(data):,}",
            limit=f"{YAML_MAX_BYTES:,}",
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, gettext("The file is not UTF-8 text (a bad byte on line %(line)d).", line=line)
