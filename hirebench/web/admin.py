"""Admin area: staff accounts and reusable review rubrics."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.exams.questions.base import ExamDefinitionError
from hirebench.extensions import db
from hirebench.models import Role, Rubric, User
from hirebench.reviews import rubrics
from hirebench.services import accounts
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import CreateUserForm, RubricForm
from hirebench.web.helpers import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
protect_blueprint(bp, [Role.admin])


@bp.route("/")
def home() -> ResponseReturnValue:
    users = db.paginate(
        sa.select(User).order_by(User.role, User.email), page=page_number(), per_page=50
    )
    return render_template("admin/home.html", users=users, form=CreateUserForm())


@bp.route("/users", methods=["POST"])
def create_user() -> ResponseReturnValue:
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user, generated = accounts.create_user(
                form.email.data or "",
                form.role.data or "",
                name=form.name.data or "",
                password=form.password.data or None,
                actor=current_user,
            )
        except ServiceError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            if generated:
                flash(
                    _(
                        "Created %(email)s. Its one-time password is: %(pw)s",
                        email=user.email,
                        pw=generated,
                    ),
                    "success",
                )
            else:
                flash(_("Created %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.home"))
    users = db.paginate(sa.select(User).order_by(User.role, User.email), page=1, per_page=50)
    return render_template("admin/home.html", users=users, form=form), 400


# --------------------------------------------------------------------------------- rubrics


@bp.route("/rubrics")
def rubrics_list() -> ResponseReturnValue:
    return render_template("admin/rubrics.html", rubrics=rubrics.all_rubrics())


def _render_rubric(
    form: RubricForm, rubric: Rubric | None, problems: list[str], status: int = 200
) -> ResponseReturnValue:
    return (
        render_template("admin/rubric_edit.html", form=form, rubric=rubric, problems=problems),
        status,
    )


@bp.route("/rubrics/new", methods=["GET", "POST"])
@bp.route("/rubrics/<int:rubric_id>", methods=["GET", "POST"])
def rubric_edit(rubric_id: int | None = None) -> ResponseReturnValue:
    rubric = db.get_or_404(Rubric, rubric_id) if rubric_id is not None else None
    form = RubricForm()
    if request.method == "GET":
        form.text.data = rubrics.as_yaml(rubric) if rubric else NEW_RUBRIC_TEMPLATE
        return _render_rubric(form, rubric, [])
    if not form.validate_on_submit():
        return _render_rubric(form, rubric, [], 400)
    try:
        saved = rubrics.save_text(
            form.text.data or "", by=current_user, expected_id=rubric.slug if rubric else None
        )
    except ExamDefinitionError as exc:
        db.session.rollback()
        return _render_rubric(form, rubric, [str(p) for p in exc.problems], 400)
    flash(_("Rubric “%(title)s” saved.", title=saved.title), "success")
    return redirect(url_for("admin.rubrics_list"))


NEW_RUBRIC_TEMPLATE = """\
id: my-rubric
title: "A short title"
description: "What this rubric is for."
applies_to: portfolio
disagreement_threshold: 20
criteria:
  - id: first-criterion
    title: "What the criterion judges"
    weight: 1
    levels:
      1: "What a weak answer looks like."
      3: "What an adequate answer looks like."
      5: "What an excellent answer looks like."
"""
