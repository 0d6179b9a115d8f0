"""Global search for staff: the navbar's search box lands here. The searching and the scoping
per role are in hirebench/services/search.py; this view reads the query string, turns each
hit into a link to the page that shows it, and renders the groups."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hirebench.models import Role
from hirebench.services import search as service
from hirebench.services.search import Hit, Target
from hirebench.web.access import protect_blueprint
from hirebench.web.helpers import page_number

bp = Blueprint("search", __name__, url_prefix="/search")
# Every staff role; what each one finds is scoped in the service. Candidates get 403.
protect_blueprint(bp, Role.staff())

# Where each target opens, and the names of the view's arguments in Hit.ids order.
TARGETS: dict[Target, tuple[str, tuple[str, ...]]] = {
    Target.hr_candidate: ("hr.candidate", ("candidate_id",)),
    Target.hr_job: ("hr.job_dashboard", ("job_id",)),
    Target.screening: ("hr.screening", ("job_id",)),
    Target.business_candidate: ("business.candidate", ("job_id", "candidate_id")),
    Target.business_job: ("business.home", ("job",)),
    Target.review_item: ("review.item", ("item_id",)),
    Target.interview: ("interview.interview", ("interview_id",)),
}


def hit_href(hit: Hit) -> str:
    endpoint, names = TARGETS[hit.target]
    values: dict[str, Any] = dict(zip(names, hit.ids, strict=True))
    return url_for(endpoint, **values)


@bp.route("/")
def results() -> ResponseReturnValue:
    kinds = service.kinds_for(current_user.role)
    # An unknown or unavailable kind (a hand-edited address) shows every kind instead.
    kind = next((k for k in kinds if k.value == request.args.get("kind")), None)
    raw = request.args.get("q", "")
    found = service.search(current_user, raw, kind=kind, page=page_number())
    return render_template(
        "search/results.html",
        results=found,
        kind=kind,
        kinds=kinds,
        cut=len(raw.strip()) > service.MAX_CHARS,
        min_chars=service.MIN_CHARS,
        hit_href=hit_href,
        highlight=lambda text: service.highlight(text, found.query),
    )
