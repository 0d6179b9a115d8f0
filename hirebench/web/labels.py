"""What the reader sees for the app's codes and bilingual data (roles, exam titles, why a
resume could not be read), in their language. Templates reach these through the globals that
register() adds."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from hirebench.exams.titles import bilingual, exam_title
from hirebench.models import Resume, Role
from hirebench.reviews.workflow import flag_reason, item_title
from hirebench.scorecards.compute import evidence_name
from hirebench.screening.text import error_message

ROLE_LABELS: dict[str, LazyString] = {
    Role.admin.value: _l("Administrator"),
    Role.hr.value: _l("HR"),
    Role.reviewer.value: _l("Reviewer"),
    Role.interviewer.value: _l("Interviewer"),
    Role.business.value: _l("Hiring department"),
    Role.candidate.value: _l("Candidate"),
}


def role_label(role: Role | str) -> str:
    """The role's name for people; an unknown code is shown as it is."""
    code = role.value if isinstance(role, Role) else str(role)
    label = ROLE_LABELS.get(code)
    return str(label) if label is not None else code


def resume_error(resume: Resume) -> str:
    """Why a resume could not be read, in the reader's language where the code allows it."""
    return error_message(resume.error_code, resume.file_name, resume.error)


def register(app: Flask) -> None:
    app.add_template_global(item_title, "review_item_title")
    app.add_template_global(flag_reason, "review_flag_reason")
    app.add_template_filter(bilingual, "bilingual")
    app.add_template_global(evidence_name, "evidence_name")
    app.add_template_global(exam_title, "exam_title")
    app.add_template_global(role_label, "role_label")
    app.add_template_global(resume_error, "resume_error")
