"""What the reader sees for the app's codes and bilingual data (roles, exam titles, why a
resume could not be read), in their language. Templates reach these through the globals that
register() adds."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from hirebench.exams.definition import ExamDefinition
from hirebench.models import ExamVersion, Resume, Role
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


def exam_title(source: ExamVersion | ExamDefinition) -> str:
    """An exam version's title in the reader's language: its Chinese title, when the exam has
    one, for a Chinese reader."""
    if isinstance(source, ExamVersion):
        title, title_zh = source.definition.get("title", ""), source.definition.get("title_zh")
    else:
        title, title_zh = source.title, source.title_zh
    locale = get_locale()
    if title_zh and locale is not None and locale.language == "zh":
        return str(title_zh)
    return str(title or (source.exam.title if isinstance(source, ExamVersion) else ""))


def register(app: Flask) -> None:
    app.add_template_global(exam_title, "exam_title")
    app.add_template_global(role_label, "role_label")
    app.add_template_global(resume_error, "resume_error")
