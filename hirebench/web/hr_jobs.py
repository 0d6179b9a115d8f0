"""HR's decision pages: the job dashboard, the candidate's composite scorecard with feedback,
and the exports (each one audit-logged); the job profile editor is in hr_profile.py. Routes
live on the hr blueprint, so they share its access policy (hr and admin)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.interviews.service import interviews_for_job
from hirebench.jobs import service as job_service
from hirebench.models import (
    Application,
    Attempt,
    Exam,
    Job,
    ReviewItem,
    User,
)
from hirebench.scorecards import dashboard, exports
from hirebench.scorecards.service import ExportError, refresh, require_model
from hirebench.services import audit
from hirebench.services import feedback as feedback_service
from hirebench.services.errors import ServiceError
from hirebench.web.errors import render_error
from hirebench.web.fetch_metadata import deliberate_only
from hirebench.web.forms import FeedbackForm
from hirebench.web.helpers import ListPage, client_ip, page_number
from hirebench.web.hr import bp

PER_PAGE = 100
SORTS = ("composite", "name", "recommendation")


def _query() -> dashboard.Query:
    sort = request.args.get("sort", "composite")[:80]
    if sort not in SORTS and not sort.startswith(("c:", "s:")):
        sort = "composite"
    return dashboard.Query(
        sort=sort,
        descending=request.args.get("order", "desc") != "asc",
        recommendation=request.args.get("recommendation", "")[:30],
        flag=request.args.get("flag", "")[:30],
        search=request.args.get("q", "").strip()[:100],
    )


@bp.route("/jobs/<int:job_id>")
def job_dashboard(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    definition = job_service.definition_of(job)
    query = _query()
    # Sorted, filtered and paged in SQL: only the page's full scorecards are read.
    shown, total, number = (
        dashboard.page(job, query, page_number(), PER_PAGE) if definition else ([], 0, 1)
    )
    applicants = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(Application.job_id == job.id)
    )
    return render_template(
        "hr/job.html",
        job=job,
        definition=definition,
        columns=dashboard.columns(definition) if definition else None,
        cards=list(zip(shown, dashboard.with_data(shown), strict=True)),
        total=total,
        applicants=applicants,
        query=query,
        page=ListPage(shown, number, PER_PAGE, total),
    )


def _application(job: Job, candidate_id: int) -> Application:
    application = db.session.scalar(
        sa.select(Application).where(
            Application.job_id == job.id, Application.candidate_id == candidate_id
        )
    )
    if application is None:
        abort(404)
    return application


def _evidence_links(application: Application, exam_slug: str | None) -> dict[str, Any]:
    candidate_id = application.candidate_id
    attempts = (
        db.session.scalars(
            sa.select(Attempt)
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Attempt.candidate_id == candidate_id, Exam.slug == exam_slug)
            .order_by(Attempt.id.desc())
        ).all()
        if exam_slug
        else []
    )
    items = db.session.scalars(
        sa.select(ReviewItem).where(ReviewItem.candidate_id == candidate_id).order_by(ReviewItem.id)
    ).all()
    interviews = interviews_for_job(candidate_id, application.job_id)
    return {"attempts": attempts, "items": items, "interviews": interviews}


def _render_scorecard(
    job: Job, application: Application, form: FeedbackForm, status: int = 200
) -> ResponseReturnValue:
    definition = job_service.definition_of(job)
    card = application.scorecard or (refresh(application) if definition else None)
    links = _evidence_links(application, definition.exam if definition else None)
    surveys = {attempt.id: feedback_service.survey_of(attempt) for attempt in links["attempts"]}
    shown = dashboard.localized(card.data) if card else None
    return (
        render_template(
            "hr/scorecard.html",
            job=job,
            definition=definition,
            person=application.candidate,
            card=shown,
            chart=exports.competency_chart_of(shown),
            links=links,
            surveys=surveys,
            survey_questions=feedback_service.SURVEY_QUESTIONS,
            source_titles=feedback_service.SOURCE_TITLES,
            form=form,
        ),
        status,
    )


@bp.route("/jobs/<int:job_id>/candidates/<int:candidate_id>")
def scorecard(job_id: int, candidate_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    return _render_scorecard(job, _application(job, candidate_id), FeedbackForm())


@bp.route("/jobs/<int:job_id>/candidates/<int:candidate_id>/feedback", methods=["POST"])
def add_feedback(job_id: int, candidate_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    application = _application(job, candidate_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _render_scorecard(job, application, form, 400)
    try:
        feedback_service.add_feedback(
            application.candidate, job, current_user, form.text.data or "", ip=client_ip()
        )
    except ServiceError as exc:
        db.session.rollback()
        form.text.errors.append(str(exc))
        return _render_scorecard(job, _application(job, candidate_id), form, 400)
    flash(_("Feedback added to the scorecard."), "success")
    return redirect(url_for("hr.scorecard", job_id=job_id, candidate_id=candidate_id))


# --------------------------------------------------------------------------------- exports


def _export_cards(job: Job) -> tuple[exports.Columns, list[dict[str, Any]]]:
    definition = require_model(job)
    cards = dashboard.with_data(dashboard.rows(job, dashboard.Query()))
    return dashboard.columns(definition), cards


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filename(job: Job, extension: str) -> str:
    definition = job_service.definition_of(job)
    stem = definition.id if definition else f"job-{job.id}"
    return f"{stem}-scorecards.{extension}"


@bp.route("/jobs/<int:job_id>/export.<any(csv, xlsx):fmt>")
@deliberate_only
def export_job(job_id: int, fmt: str) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    try:
        columns, cards = _export_cards(job)
    except ExportError as exc:
        return render_error(409, str(exc))
    header, rows = exports.table(columns, cards)
    audit.record(f"export.{fmt}", current_user, target=job, ip=client_ip(), rows=len(rows))
    db.session.commit()
    if fmt == "csv":
        return _download(exports.to_csv(header, rows), "text/csv", _filename(job, "csv"))
    images = exports.job_charts(columns, cards, require_model(job))
    return _download(
        exports.to_xlsx(header, rows, job.title, images),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _filename(job, "xlsx"),
    )


@bp.route("/jobs/<int:job_id>/candidates/<int:candidate_id>/scorecard.pdf")
@deliberate_only
def export_pdf(job_id: int, candidate_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    application = _application(job, candidate_id)
    try:
        definition = require_model(job)
    except ExportError as exc:
        return render_error(409, str(exc))
    card = application.scorecard or refresh(application)
    assert card is not None
    pdf = exports.scorecard_pdf(dashboard.localized(card.data), dashboard.columns(definition))
    audit.record("export.pdf", current_user, target=job, ip=client_ip(), candidate=candidate_id)
    db.session.commit()
    person: User = application.candidate
    return _download(pdf, "application/pdf", f"scorecard-{job.id}-{person.id}.pdf")
