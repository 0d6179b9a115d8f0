"""HR's job profile pages: the editor, a form, with the YAML as an advanced view and as import
(paste or upload), and the profile.yaml download. Both views edit the same profile: each can
hand its unsaved content to the other. Every save that changes the profile is a new version.
Routes live on the hr blueprint, so they share its access policy (hr and admin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

# Under another name, so Babel does not extract the variable ids passed to it.
from flask_babel import gettext as translate
from flask_login import current_user
from wtforms import Field, FieldList, FormField

from hirebench.authoring import Problem
from hirebench.extensions import db
from hirebench.formatting import N_
from hirebench.jobs import profile_form
from hirebench.jobs import service as job_service
from hirebench.jobs.profile import JobProfileDefinition, Stage
from hirebench.jobs.profile_file import JobProfileError, parse_profile_text, profile_yaml
from hirebench.models import Job
from hirebench.onboarding.template import template_names
from hirebench.scorecards.compute import STAGE_TITLES
from hirebench.services.errors import ServiceError
from hirebench.web.hr import bp
from hirebench.web.hr_profile_forms import ProfileEditorForm, ProfileYamlForm, choices

SOURCE = "job-profile.yaml"  # what problems of the advanced view name as their file


@dataclass
class Errors:
    """The problems as the page shows them: under their fields, under their sections (a list
    as a whole, such as the stage weights' sum), and all of them in a summary at the top that
    links to each one's place."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str, str | None]] = field(default_factory=list)  # (text, anchor)


def _problem_text(problem: Problem, with_path: bool = False) -> str:
    if with_path and problem.key_path:
        return _(
            "%(path)s: %(message)s — %(fix)s",
            path=problem.key_path,
            message=problem.message,
            fix=problem.fix,
        )
    return _("%(message)s — %(fix)s", message=_capitalized(problem.message), fix=problem.fix)


def _capitalized(text: str) -> str:
    # The checker's messages start in lower case, to follow a file name and a key path.
    return text[:1].upper() + text[1:]


# Where a problem is, as the summary at the top says it: the row a field is in.
_ROWS = {
    "skills": N_("Skill %(n)d"),
    "competencies": N_("Competency %(n)d"),
    "mapping": N_("Mapping %(n)d"),
}
_SECTIONS = {
    "skills": N_("Skills"),
    "competencies": N_("Competencies"),
    "stages": N_("Stages and weights"),
    "mapping": N_("Evidence for each competency"),
}


def _where(name: str, target: Field | None, stages: list[str]) -> str:
    """`Skill 2 · Tag`, `Competency 1 · Indicator 3`, `Written test · Weight (%)`, `Job title`."""
    parts = name.split("-")
    label = str(target.label.text) if target is not None else ""
    if len(parts) == 1:
        return label or translate(_SECTIONS.get(name, name))
    row = int(parts[1]) if parts[1].isdigit() else 0
    if parts[0] == "stages":
        return " · ".join(filter(None, [stages[row] if row < len(stages) else "", label]))
    where = [translate(_ROWS.get(parts[0], "%(n)d"), n=row + 1)]
    if parts[2:3] == ["indicators"]:
        number = len(parts) > 3 and parts[3].isdigit()
        where.append(_("Indicator %(n)d", n=int(parts[3]) + 1) if number else _("Indicators"))
    elif label:
        where.append(label)
    return " · ".join(where)


def _fields(form: Any) -> dict[str, Field]:
    """Every input of the form by name, the rows' too (`skills-0-tag`)."""
    found: dict[str, Field] = {}
    for item in form:
        if isinstance(item, FieldList):
            for entry in item.entries:
                found.update(_fields([entry]))
        elif isinstance(item, FormField):
            found.update(_fields(item.form))
        else:
            found[item.name] = item
    return found


def _place(form: ProfileEditorForm, placed: profile_form.Placed) -> Errors:
    errors = Errors()
    fields = _fields(form)
    stages = [entry.form.stage_title for entry in form.stages.entries]
    for problem in placed.unplaced:
        errors.summary.append((_problem_text(problem, with_path=True), None))
    for name, problems in placed.fields.items():
        texts = [_problem_text(problem) for problem in problems]
        target = fields.get(name)
        if target is not None:
            target.errors = [*target.errors, *texts]
            anchor = target.id
        else:
            errors.sections.setdefault(name, []).extend(texts)
            anchor = f"{name}-errors"
        where = _where(name, target, stages)
        errors.summary.extend(
            (_("%(where)s: %(problem)s", where=where, problem=text), anchor) for text in texts
        )
    return errors


def _url(job: Job | None) -> str:
    return url_for("hr.job_profile", job_id=job.id) if job else url_for("hr.job_profile")


def _title_stages(form: ProfileEditorForm) -> None:
    """Each stage row's title: the stage's name in the reader's language."""
    for entry in form.stages.entries:
        row = entry.form
        name = row.stage.data or ""
        title = translate(STAGE_TITLES[Stage(name)]) if name in Stage.__members__ else name
        row.stage_title = title


def _editor(
    job: Job | None,
    data: profile_form.FormData,
    placed: profile_form.Placed | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    form = ProfileEditorForm(formdata=None, data=data)
    exams = [("", _("No exam")), *profile_form.exam_options(data.get("exam"))]
    form.exam.choices = choices(exams)
    _title_stages(form)
    errors = _place(form, placed or profile_form.Placed())
    # One blank row of each list, which static/js/profile_form.js copies to add a row.
    blank: profile_form.FormData = {}
    for action in ("add-skill", "add-competency", "add-mapping"):
        blank = profile_form.apply_action(blank, action)
    return (
        render_template(
            "hr/job_profile.html",
            job=job,
            url=_url(job),
            view="form",
            form=form,
            blank=ProfileEditorForm(formdata=None, data=blank, meta={"csrf": False}),
            errors=errors,
            total=profile_form.weight_total(data),
            competency_ids=profile_form.competency_ids(data),
            sources=profile_form.source_options(data.get("exam")),
            templates=template_names(),
        ),
        status,
    )


def _advanced(
    job: Job | None, form: ProfileYamlForm, problems: list[str] | None = None, status: int = 200
) -> ResponseReturnValue:
    form.text.errors = [*form.text.errors, *(problems or [])]
    errors = Errors()
    for target in (form.file, form.text):
        errors.summary.extend((text, target.id) for text in target.errors)
    return (
        render_template(
            "hr/job_profile.html", job=job, url=_url(job), view="yaml", form=form, errors=errors
        ),
        status,
    )


def _save(job: Job | None, definition: JobProfileDefinition) -> ResponseReturnValue:
    """Saves the profile (a new version when it changed), or raises ServiceError."""
    if job is None and job_service.job_for_profile(definition) is not None:
        raise ServiceError(
            _("A job with this id or title exists already; edit its profile instead.")
        )
    profile = job_service.save_profile(definition, job=job, by=current_user)
    flash(_("Job profile saved as version %(n)d.", n=profile.version), "success")
    return redirect(url_for("hr.job_dashboard", job_id=profile.job_id))


@bp.route("/jobs/new", methods=["GET", "POST"])
@bp.route("/jobs/<int:job_id>/profile", methods=["GET", "POST"])
def job_profile(job_id: int | None = None) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id) if job_id is not None else None
    if request.method == "POST":
        # The advanced view's form is the one with the YAML text (or a file to import).
        if "text" in request.form or "file" in request.files:
            return _post_advanced(job)
        return _post_editor(job)
    definition = job_service.definition_of(job) if job else None
    if request.args.get("view") == "yaml":
        text = profile_yaml(definition) if definition else job_service.new_profile_text()
        return _advanced(job, ProfileYamlForm(formdata=None, text=text))
    if definition is None:
        definition = parse_profile_text(job_service.new_profile_text(), SOURCE)
    return _editor(job, profile_form.form_data(definition))


def _post_editor(job: Job | None) -> ResponseReturnValue:
    form = ProfileEditorForm()
    data = {key: value for key, value in form.data.items() if key != "csrf_token"}
    action = request.form.get("action", "save")
    if action == "yaml":
        text = profile_form.to_yaml(data)
        return _advanced(job, ProfileYamlForm(formdata=None, text=text))
    if action != "save":
        return _editor(job, profile_form.apply_action(data, action))
    reading = profile_form.read(data)
    if reading.definition is None:
        return _editor(job, data, reading.problems, 400)
    try:
        return _save(job, reading.definition)
    except ServiceError as exc:
        db.session.rollback()
        placed = profile_form.Placed()
        placed.add("profile_id", Problem(SOURCE, "id", str(exc), _("change the id or title")))
        return _editor(job, data, placed, 400)


def _post_advanced(job: Job | None) -> ResponseReturnValue:
    form = ProfileYamlForm()
    action = request.form.get("action", "save")
    if action == "import":
        upload = form.file.data
        text, why = profile_form.uploaded_text(upload.read() if upload else b"")
        if text is None:
            form.file.errors = [why or ""]
            return _advanced(job, form, status=400)
        form.text.data = text
    if not form.validate():
        return _advanced(job, form, status=400)
    try:
        definition = parse_profile_text(form.text.data or "", SOURCE)
    except JobProfileError as exc:
        texts = [_problem_text(problem, with_path=True) for problem in exc.problems]
        return _advanced(job, form, texts, 400)
    if action in ("form", "import"):
        # Into the editor, not saved yet: HR checks it there and saves.
        flash(_("Read from the YAML; nothing is saved until you save the profile."), "info")
        return _editor(job, profile_form.form_data(definition))
    try:
        return _save(job, definition)
    except ServiceError as exc:
        db.session.rollback()
        return _advanced(job, form, [str(exc)], 400)


@bp.route("/jobs/<int:job_id>/profile.yaml")
def job_profile_file(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    definition = job_service.definition_of(job)
    if definition is None:
        abort(404)
    return Response(
        profile_yaml(definition),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{definition.id}.yaml"'},
    )
