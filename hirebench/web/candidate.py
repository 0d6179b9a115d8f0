"""Candidate area. Every query here is filtered by the logged-in candidate."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hirebench.models import Role
from hirebench.services import invitations
from hirebench.web.access import protect_blueprint

bp = Blueprint("candidate", __name__, url_prefix="/exam")
protect_blueprint(bp, [Role.candidate])


@bp.route("/")
def home() -> ResponseReturnValue:
    return render_template(
        "candidate/home.html", invitations=invitations.for_candidate(current_user)
    )
