"""The candidate's short survey on the result page of a submitted exam. Routes live on the
candidate blueprint, so they share its access policy; the attempt is reached only through
`attempt_for`, like every other candidate route, so anyone else's is a 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from hirebench.exams.attempts import attempt_for
from hirebench.extensions import db
from hirebench.models import Attempt, AttemptStatus
from hirebench.services import feedback as feedback_service
from hirebench.services.errors import ServiceError
from hirebench.web.candidate import bp, result
from hirebench.web.errors import render_error
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip


@dataclass
class SurveyState:
    """What the result page needs to show the survey, or the thanks once it is answered."""

    questions: Mapping[str, object]
    done: bool
    form: FlaskForm
    error: str = ""
    ratings: dict[str, str] = field(default_factory=dict)
    comment: str = ""


def survey_state(attempt: Attempt) -> SurveyState:
    """The survey for this attempt; after a refused submission, with its message and what
    the candidate chose (kept on `g` by the survey view for this request)."""
    failed: SurveyState | None = g.get("survey_failed")
    if failed is not None:
        return failed
    return SurveyState(
        questions=feedback_service.SURVEY_QUESTIONS,
        done=feedback_service.survey_of(attempt) is not None,
        form=ActionForm(),
    )


@bp.context_processor
def _survey_helpers() -> dict[str, object]:
    return {"survey_for": survey_state}


@bp.route("/attempts/<int:attempt_id>/survey", methods=["POST"])
def survey(attempt_id: int) -> ResponseReturnValue:
    attempt = attempt_for(current_user, attempt_id, ip=client_ip())
    if attempt is None:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    ratings = {
        key: request.form.get(f"rating-{key}", "") for key in feedback_service.SURVEY_QUESTIONS
    }
    comment = request.form.get("comment", "")
    try:
        feedback_service.submit_survey(attempt, ratings, comment)
    except ServiceError as exc:
        db.session.rollback()
        if attempt.status is AttemptStatus.in_progress:
            return render_error(400, str(exc))
        g.survey_failed = SurveyState(
            questions=feedback_service.SURVEY_QUESTIONS,
            done=feedback_service.survey_of(attempt) is not None,
            form=form,
            error=str(exc),
            ratings=ratings,
            comment=comment,
        )
        response = make_response(result(attempt_id))
        response.status_code = 400
        return response
    flash(_("Thank you for answering the survey."), "success")
    return redirect(url_for("candidate.result", attempt_id=attempt_id) + "#survey")
