"""Interviewer area: my interviews, the kit with its scoring guides, and my scorecard. The
panel's scorecards appear only after my own is in. Feedback for HR on the candidate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hirebench.extensions import db
from hirebench.interviews import service
from hirebench.models import Interview, Recommendation, Role
from hirebench.services import feedback as feedback_service
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import ActionForm, FeedbackForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("interview", __name__, url_prefix="/interview")
protect_blueprint(bp, [Role.interviewer])

RECOMMENDATIONS = {
    Recommendation.strong_no: _l("Strong no"),
    Recommendation.no: _l("No"),
    Recommendation.yes: _l("Yes"),
    Recommendation.strong_yes: _l("Strong yes"),
}


@bp.route("/")
def home() -> ResponseReturnValue:
    page = db.paginate(service.interviews_query(current_user), page=page_number(), per_page=20)
    submitted = {i.id: service.own_scorecard(i, current_user) is not None for i in page.items}
    return render_template("interview/home.html", page=page, submitted=submitted)


def _interview(interview_id: int) -> Interview:
    try:
        return service.interview_for(interview_id, current_user, ip=client_ip())
    except service.NotOnPanel:
        abort(404)


def _render(
    interview: Interview,
    values: dict[str, Any] | None = None,
    status: int = 200,
    feedback_form: FeedbackForm | None = None,
    invalid: list[str] | None = None,
) -> ResponseReturnValue:
    own = service.own_scorecard(interview, current_user)
    editing = own is None or request.args.get("edit") == "1" or values is not None
    if values is None and own is not None:
        values = {
            "questions": own.question_ratings,
            "competencies": own.competency_ratings,
            "recommendation": own.recommendation.value,
            "summary": own.summary,
        }
    panel = (
        [s for s in service.current_scorecards(interview) if s.interviewer_id != current_user.id]
        if service.panel_visible(interview, current_user)
        else None
    )
    history = [s for s in interview.scorecards if s.interviewer_id == current_user.id]
    my_feedback = [
        f
        for f in feedback_service.feedback_for(interview.candidate, interview.kit.job)
        if f.author_id == current_user.id
    ]
    return (
        render_template(
            "interview/interview.html",
            interview=interview,
            competencies=service.kit_competencies(interview.kit),
            own=own,
            history=history,
            panel=panel,
            editing=editing,
            values=values or {},
            recommendations=RECOMMENDATIONS,
            form=ActionForm(),
            feedback_form=feedback_form or FeedbackForm(formdata=None),
            my_feedback=my_feedback,
            invalid=invalid or [],
        ),
        status,
    )


@bp.route("/<int:interview_id>")
def interview(interview_id: int) -> ResponseReturnValue:
    return _render(_interview(interview_id))


@bp.route("/<int:interview_id>", methods=["POST"])
def submit(interview_id: int) -> ResponseReturnValue:
    interview = _interview(interview_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    questions = {
        q["id"]: {
            "rating": request.form.get(f"rating-{q['id']}", ""),
            "notes": request.form.get(f"notes-{q['id']}", ""),
        }
        for q in interview.kit.questions
    }
    competencies = {
        key: request.form.get(f"competency-{key}", "")
        for key, _title in service.kit_competencies(interview.kit)
    }
    recommendation = request.form.get("recommendation", "")
    summary = request.form.get("summary", "")
    try:
        card = service.submit_scorecard(
            interview,
            current_user,
            question_ratings=questions,
            competency_ratings=competencies,
            recommendation=recommendation,
            summary=summary,
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        values = {
            "questions": questions,
            "competencies": competencies,
            "recommendation": recommendation,
            "summary": summary,
        }
        invalid = exc.fields if isinstance(exc, service.InterviewError) else []
        return _render(_interview(interview_id), values, 400, invalid=invalid)
    flash(
        _("Scorecard saved (version %(version)d).", version=card.version)
        if card.version > 1
        else _("Scorecard submitted. The panel's scorecards are now shown."),
        "success",
    )
    return redirect(url_for("interview.interview", interview_id=interview_id))


@bp.route("/<int:interview_id>/feedback", methods=["POST"])
def feedback(interview_id: int) -> ResponseReturnValue:
    interview = _interview(interview_id)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _render(interview, status=400, feedback_form=form)
    try:
        feedback_service.add_feedback(
            interview.candidate,
            interview.kit.job,
            current_user,
            form.text.data or "",
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        form.text.errors.append(str(exc))
        return _render(_interview(interview_id), status=400, feedback_form=form)
    flash(_("Feedback sent to HR."), "success")
    return redirect(url_for("interview.interview", interview_id=interview_id) + "#feedback")
