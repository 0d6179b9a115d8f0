"""Compare candidates (issue 17 item 3): two to four applicants of one job side by side.

The route lives on the hr blueprint (GET /hr/jobs/<id>/compare?candidate=7&candidate=9), and
the business department may use it too, since it already reads every applicant's scorecard
(business.candidate); it sees the scorecards and their feedback, HR also the interviewers'
and reviewers' own notes, as on HR's pages."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup

from hirebench.charts import competency_compare_chart, svg_for
from hirebench.extensions import db
from hirebench.models import Job, Role
from hirebench.scorecards.compare import (
    MAX_COMPARED,
    MIN_COMPARED,
    CompareError,
    Comparison,
    candidate_ids,
    compare,
)
from hirebench.scorecards.exports import card_floor
from hirebench.web.access import allow
from hirebench.web.hr import bp
from hirebench.web.interview import RECOMMENDATIONS

COMPARE_ROLES = (Role.hr, Role.admin, Role.business)


def _is_hr() -> bool:
    return current_user.role in (Role.hr, Role.admin)


def _back_link(job: Job) -> str:
    if _is_hr():
        return url_for("hr.job_dashboard", job_id=job.id)
    return url_for("business.home", job=job.id)


def _chart(comparison: Comparison) -> Markup | None:
    rows = comparison.competency_rows()
    if not rows or all(c.card is None for c in comparison.candidates):
        return None
    floor = next((card_floor(c.card) for c in comparison.candidates if c.card), None)
    names = [c.name for c in comparison.candidates]
    return svg_for(competency_compare_chart, names, rows, floor)


@bp.route("/jobs/<int:job_id>/compare")
@allow(*COMPARE_ROLES)
def compare_candidates(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    context = {
        "job": job,
        "back": _back_link(job),
        "is_hr": _is_hr(),
        "min_compared": MIN_COMPARED,
        "max_compared": MAX_COMPARED,
    }
    try:
        ids = candidate_ids(request.args.getlist("candidate"))
        comparison = compare(job, ids, with_panel=_is_hr())
    except CompareError as exc:
        return render_template("hr/compare.html", error=str(exc), **context), 400
    return render_template(
        "hr/compare.html",
        comparison=comparison,
        chart=_chart(comparison),
        recommendations=RECOMMENDATIONS,
        ids=ids,
        **context,
    )
