"""HR's job profile pages: the editor (a form, with the YAML as an advanced view and as import)
and the profile.yaml download. Routes live on the hr blueprint, so they share its access
policy (hr and admin)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import JobProfileError, parse_profile_text, profile_yaml
from hirebench.models import Job
from hirebench.services.errors import ServiceError
from hirebench.web.forms import ProfileForm
from hirebench.web.hr import bp


def _render_profile(
    job: Job | None, form: ProfileForm, problems: list[str], status: int = 200
) -> ResponseReturnValue:
    return (
        render_template("hr/job_profile.html", job=job, form=form, problems=problems),
        status,
    )


@bp.route("/jobs/new", methods=["GET", "POST"])
@bp.route("/jobs/<int:job_id>/profile", methods=["GET", "POST"])
def job_profile(job_id: int | None = None) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id) if job_id is not None else None
    form = ProfileForm()
    if request.method == "GET":
        definition = job_service.definition_of(job) if job else None
        form.text.data = profile_yaml(definition) if definition else job_service.new_profile_text()
        return _render_profile(job, form, [])
    if not form.validate_on_submit():
        return _render_profile(job, form, [], 400)
    try:
        definition = parse_profile_text(form.text.data or "", "job-profile.yaml")
        if job is None and job_service.job_for_profile(definition) is not None:
            raise ServiceError(
                _("A job with this id or title exists already; edit its profile instead.")
            )
        profile = job_service.save_profile(definition, job=job, by=current_user)
    except JobProfileError as exc:
        db.session.rollback()
        return _render_profile(job, form, [str(p) for p in exc.problems], 400)
    except ServiceError as exc:
        db.session.rollback()
        return _render_profile(job, form, [str(exc)], 400)
    flash(_("Job profile saved as version %(n)d.", n=profile.version), "success")
    return redirect(url_for("hr.job_dashboard", job_id=profile.job_id))


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
