"""The forms of HR's job profile editor (hr_profile.py): the structured editor and the YAML
view with its import. Every field is text or a choice taken as sent: the profile file's own
checks judge the values (hirebench/jobs/profile_form.py), so that the form and the YAML say
the same thing about them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from hirebench.jobs.profile import SKILL_LEVELS, MissingStage
from hirebench.jobs.profile_file import APPROVER_ROLES, MAP_KEYS, SALARY_PERIODS
from hirebench.jobs.profile_form import ROW_LIMITS, STAGES
from hirebench.web.labels import ROLE_LABELS

YAML_MAX_CHARS = 200_000

LEVEL_LABELS = {
    "basic": _l("Basic"),
    "familiar": _l("Familiar"),
    "proficient": _l("Proficient"),
    "expert": _l("Expert"),
}
MAP_LABELS = {
    "exam_sections": _l("Exam section"),
    "exam_questions": _l("Exam question"),
    "portfolio_criteria": _l("Portfolio criterion"),
    "interview_competencies": _l("Interview competency"),
}
MISSING_STAGE_LABELS = {
    "reweight": _l("The stages that have a score share its weight"),
    "zero": _l("It counts as 0"),
    "hold": _l("No composite until every stage has a score"),
}
PERIOD_LABELS = {"month": _l("a month"), "year": _l("a year")}
assert set(LEVEL_LABELS) == set(SKILL_LEVELS) and set(MAP_LABELS) == set(MAP_KEYS)
assert set(PERIOD_LABELS) == set(SALARY_PERIODS)
assert set(MISSING_STAGE_LABELS) == {choice.value for choice in MissingStage}


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _select(label: Any, pairs: Iterable[tuple[str, Any]], **kwargs: Any) -> SelectField:
    # validate_choice=False: a value outside the list is the checker's to report, by its rule.
    return SelectField(label, choices=choices(pairs), validate_choice=False, **kwargs)


class SkillRow(Form):
    tag = StringField(_l("Tag"))
    title = StringField(_l("Skill"))
    min_level = _select(_l("Minimum level"), [("", _l("None")), *LEVEL_LABELS.items()])
    min_years = StringField(_l("Minimum years"))


class CompetencyRow(Form):
    key = StringField(_l("Id"))
    title = StringField(_l("Name"))
    indicators = FieldList(TextAreaField(_l("Indicator")), max_entries=ROW_LIMITS["indicators"])


class StageRow(Form):
    stage = HiddenField()
    weight = StringField(_l("Weight (%)"))
    minimum = StringField(_l("Minimum score"))


class MappingRow(Form):
    kind = _select(_l("Evidence from"), MAP_LABELS.items())
    source = StringField(_l("Its id"))
    competency = StringField(_l("Competency id"))


class ProfileEditorForm(FlaskForm):
    title = StringField(_l("Job title"))
    department = StringField(_l("Department"))
    profile_id = StringField(
        _l("Profile id"),
        description=_l(
            "Lowercase letters, digits and '-'. It names the profile's YAML file, and jobs are "
            "matched by it."
        ),
    )
    exam = _select(_l("Exam"), [])  # the exams loaded here, set by the view
    salary_min = StringField(_l("Budget from"))
    salary_max = StringField(_l("Budget up to"))
    salary_period = _select(_l("Per"), PERIOD_LABELS.items())
    skills = FieldList(FormField(SkillRow), max_entries=ROW_LIMITS["skills"])
    competencies = FieldList(FormField(CompetencyRow), max_entries=ROW_LIMITS["competencies"])
    stages = FieldList(FormField(StageRow), max_entries=len(STAGES))
    missing_stage = RadioField(
        _l("When a stage has no score yet"),
        choices=choices(MISSING_STAGE_LABELS.items()),
        validate_choice=False,
    )
    cutoff_hire = StringField(_l("Hire at or above"))
    cutoff_reject = StringField(_l("Reject below"))
    cutoff_floor = StringField(_l("Competency floor"))
    mapping = FieldList(FormField(MappingRow), max_entries=ROW_LIMITS["mapping"])
    max_employers = StringField(_l("Employers"))
    within_years = StringField(_l("Within (years)"))
    approver = _select(
        _l("Who approves an offer above the budget"),
        [
            ("", _l("An administrator (the default)")),
            ("role", _l("Anyone with a role")),
            ("user", _l("One person")),
        ],
    )
    approver_role = _select(_l("Role"), [(role, ROLE_LABELS[role]) for role in APPROVER_ROLES])
    approver_user = StringField(_l("Their account's email"))
    onboarding = _select(
        _l("Onboarding checklist"),
        [
            ("default", _l("The default checklist")),
            ("template", _l("A shared template")),
            ("inline", _l("A checklist of this job's own (YAML)")),
        ],
    )
    onboarding_template = StringField(_l("Template name"))
    onboarding_checklist = TextAreaField(_l("Checklist (YAML, see docs/onboarding.md)"))


class ProfileYamlForm(FlaskForm):
    text = TextAreaField(
        _l("Job profile (YAML, see docs/job-profile.md)"),
        validators=[Optional(), Length(max=YAML_MAX_CHARS)],
    )
    file = FileField(_l("A profile file (.yaml)"))
