"""Admin area: staff accounts, reusable review rubrics and API tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from hirebench.exams.questions.base import ExamDefinitionError
from hirebench.extensions import db
from hirebench.models import ApiToken, Role, Rubric, User
from hirebench.reviews import rubrics
from hirebench.services import accounts, api_tokens
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import ActionForm, CreateUserForm, RubricForm
from hirebench.web.helpers import client_ip, page_number

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


# ------------------------------------------------------------------------------ API tokens


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name (what will use the token)"),
        validators=[DataRequired(), Length(max=api_tokens.MAX_NAME_LENGTH)],
    )


def _render_tokens(
    form: ApiTokenForm, new_token: str | None = None, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "admin/tokens.html",
            form=form,
            tokens=api_tokens.active_and_revoked(),
            new_token=new_token,
            revoke_form=ActionForm(),
        ),
        status,
    )


@bp.route("/tokens")
def tokens() -> ResponseReturnValue:
    return _render_tokens(ApiTokenForm())


@bp.route("/tokens", methods=["POST"])
def create_token() -> ResponseReturnValue:
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_tokens(form, status=400)
    try:
        _token, raw = api_tokens.create(form.name.data or "", by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc))
        return _render_tokens(form, status=400)
    db.session.commit()
    # Rendered straight into this response rather than flashed, so the secret never rides
    # in the (signed, not encrypted) session cookie. Only its hash is kept from here on.
    return _render_tokens(ApiTokenForm(formdata=None), new_token=raw)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = db.get_or_404(ApiToken, token_id)
    if not ActionForm().validate_on_submit():
        return _render_tokens(ApiTokenForm(formdata=None), status=400)
    api_tokens.revoke(token, by=current_user, ip=client_ip())
    db.session.commit()
    flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for("admin.tokens"))
