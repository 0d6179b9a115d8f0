"""HR's resume screening for a job: upload, the ranked and explained list, the over-budget
list with its override, and inviting the shortlist. Routes live on the hr blueprint."""

from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.models import Job, Resume
from hirebench.screening import service
from hirebench.services.errors import ServiceError
from hirebench.services.links import external_url
from hirebench.web.forms import ActionForm, OverrideForm, ResumeUploadForm
from hirebench.web.helpers import client_ip
from hirebench.web.hr import bp


def _render(job: Job, form: ResumeUploadForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "hr/screening.html",
            job=job,
            form=form,
            ranking=service.ranking(job),
            shortlist_form=ActionForm(),
            override_form=OverrideForm(),
        ),
        status,
    )


@bp.route("/jobs/<int:job_id>/screening")
def screening(job_id: int) -> ResponseReturnValue:
    return _render(db.get_or_404(Job, job_id), ResumeUploadForm())


@bp.route("/jobs/<int:job_id>/screening", methods=["POST"])
def upload_resumes(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    form = ResumeUploadForm()
    if not form.validate_on_submit():
        return _render(job, form, 400)
    files = [
        (storage.filename or "", storage.read())
        for storage in request.files.getlist(form.files.name)
        if storage.filename
    ]
    if not files:
        form.files.errors.append(_("Choose one or more resume files."))
        return _render(job, form, 400)
    try:
        resumes = service.import_files(job, files, by=current_user)
    except ServiceError as exc:
        db.session.rollback()
        form.files.errors.append(str(exc))
        return _render(job, form, 400)
    failed = [r for r in resumes if r.status == "error" and r.id is not None]
    copies = [r.file_name for r in resumes if r.status == "error" and r.id is None]
    if copies:
        flash(
            _(
                "Not read: %(names)s. Each is the same file as a resume already screened, "
                "which was kept as it was.",
                names=", ".join(copies),
            ),
            "info",
        )
    flash(
        _(
            "%(ok)d resumes screened; %(failed)d could not be read (listed below).",
            ok=len(resumes) - len(failed) - len(copies),
            failed=len(failed),
        ),
        "success" if not failed else "error",
    )
    return redirect(url_for("hr.screening", job_id=job_id))


@bp.route("/jobs/<int:job_id>/screening/invite", methods=["POST"])
def invite_shortlist(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("resume") if v.isdigit()][:200]
    try:
        outcomes = service.invite_shortlist(
            job,
            ids,
            by=current_user,
            link_for=lambda token: external_url("auth.accept_invitation", token=token),
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render(job, ResumeUploadForm(), 400)
    # One row per resume on a page of its own: forty flashes overflow the session cookie,
    # which the browser then drops with every message in it. Reloading this page sends the
    # shortlist again, which only reports everyone as already invited.
    counts = Counter(outcome.status for outcome in outcomes)
    return render_template("hr/screening_invited.html", job=job, outcomes=outcomes, counts=counts)


@bp.route("/resumes/<int:resume_id>/include", methods=["POST"])
def include_resume(resume_id: int) -> ResponseReturnValue:
    resume = db.get_or_404(Resume, resume_id)
    form = OverrideForm()
    if not form.validate_on_submit():
        flash(
            _("The reason is limited to 500 characters.")
            if form.reason.errors
            else _("The form expired. Try again."),
            "error",
        )
        return redirect(url_for("hr.screening", job_id=resume.job_id))
    try:
        service.set_included(
            resume,
            form.include.data == "1",
            form.reason.data or "",
            by=current_user,
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("hr.screening", job_id=resume.job_id))
