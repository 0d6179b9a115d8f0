"""Business area (the hiring department): the open jobs with their candidates' scorecards,
read-only, and one candidate's scorecard summary with everyone's feedback and a form to add
the department's own."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.models import Application, CandidateScorecard, Job, Role
from hirebench.scorecards import dashboard, exports
from hirebench.scorecards.compute import rank_key
from hirebench.services import feedback as feedback_service
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import FeedbackForm
from hirebench.web.helpers import ListPage, client_ip, page_number

bp = Blueprint("business", __name__, url_prefix="/business")
protect_blueprint(bp, [Role.business])

PER_PAGE = 50


def _ranked_applications(job: Job) -> list[Application]:
    """The job's applicants ranked as HR's table ranks them: complete composites first, then
    partial ones, then those without a score; best first within each (docs/scorecard.md)."""
    applications = db.session.scalars(
        sa.select(Application)
        .where(Application.job_id == job.id)
        .options(selectinload(Application.candidate), selectinload(Application.scorecard))
        .order_by(Application.id)
    ).all()

    def key(application: Application) -> tuple[int, float]:
        card = application.scorecard
        return (
            rank_key(None, {}) if card is None else rank_key(card.composite, card.summary["stages"])
        )

    return sorted(applications, key=key)


@bp.route("/")
def home() -> ResponseReturnValue:
    open_jobs = job_service.open_jobs()
    chosen = request.args.get("job", type=int)
    if chosen is None:
        job = open_jobs[0] if open_jobs else None
    else:
        job = next((j for j in open_jobs if j.id == chosen), None)
        if job is None:
            abort(404)
    page = rows = definition = None
    if job is not None:
        definition = job_service.definition_of(job)
        page = ListPage.of(_ranked_applications(job), page_number(), PER_PAGE)
        rows = [
            (a, dashboard.localized(a.scorecard.data) if a.scorecard else None) for a in page.items
        ]
    return render_template(
        "business/home.html",
        jobs=open_jobs,
        job=job,
        columns=dashboard.columns(definition) if definition else None,
        cutoffs=definition.cutoffs if definition else None,
        page=page,
        rows=rows,
    )


def _application(job_id: int, candidate_id: int) -> Application:
    """The candidate's application for the job; 404 when there is none."""
    application = db.session.scalar(
        sa.select(Application).where(
            Application.job_id == job_id, Application.candidate_id == candidate_id
        )
    )
    if application is None:
        abort(404)
    return application


def _render_candidate(
    application: Application, form: FeedbackForm, status: int = 200
) -> ResponseReturnValue:
    card: CandidateScorecard | None = application.scorecard
    shown = dashboard.localized(card.data) if card else None
    definition = job_service.definition_of(application.job)
    context: dict[str, Any] = {
        "job": application.job,
        "person": application.candidate,
        "card": shown,
        "chart": exports.competency_chart_of(shown),
        "cutoffs": definition.cutoffs if definition else None,
        "feedback": feedback_service.feedback_for(application.candidate, application.job),
        "source_titles": feedback_service.SOURCE_TITLES,
        "form": form,
    }
    return render_template("business/candidate.html", **context), status


@bp.route("/jobs/<int:job_id>/candidates/<int:candidate_id>")
def candidate(job_id: int, candidate_id: int) -> ResponseReturnValue:
    return _render_candidate(_application(job_id, candidate_id), FeedbackForm())


@bp.route("/jobs/<int:job_id>/candidates/<int:candidate_id>/feedback", methods=["POST"])
def add_feedback(job_id: int, candidate_id: int) -> ResponseReturnValue:
    application = _application(job_id, candidate_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _render_candidate(application, form, 400)
    try:
        feedback_service.add_feedback(
            application.candidate,
            application.job,
            current_user,
            form.text.data or "",
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        form.text.errors.append(str(exc))
        return _render_candidate(_application(job_id, candidate_id), form, 400)
    flash(_("Feedback added to the scorecard."), "success")
    return redirect(url_for("business.candidate", job_id=job_id, candidate_id=candidate_id))
