"""Reviewer area. The review queue itself arrives with the review issue."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from hirebench.models import Role
from hirebench.web.access import protect_blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
protect_blueprint(bp, [Role.reviewer])


@bp.route("/")
def home() -> ResponseReturnValue:
    return render_template("review/home.html")
