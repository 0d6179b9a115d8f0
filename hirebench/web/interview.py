"""Interviewer area. Interview kits and scorecards arrive with the review issue."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from hirebench.models import Role
from hirebench.web.access import protect_blueprint

bp = Blueprint("interview", __name__, url_prefix="/interview")
protect_blueprint(bp, [Role.interviewer])


@bp.route("/")
def home() -> ResponseReturnValue:
    return render_template("interview/home.html")
