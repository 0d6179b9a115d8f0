"""Admin area: staff accounts, reusable review rubrics and API tokens."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from hirebench.authoring import AuthoringError
from hirebench.extensions import db
from hirebench.models import ApiToken, Role, Rubric, User
from hirebench.models.api_tokens import (
    DEFAULT_SCOPE,
    SCOPE_HIRES_READ,
    SCOPE_METRICS_READ,
    SCOPE_SCORECARDS_READ,
    SCOPES,
)
from hirebench.reviews import rubrics
from hirebench.services import accounts, api_tokens
from hirebench.services.errors import ServiceError
from hirebench.services.one_time import OneTimeSecrets
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import (
    ActionForm,
    CreateUserForm,
    EditUserForm,
    MultiCheckboxField,
    RubricForm,
)
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
protect_blueprint(bp, [Role.admin])


def _render_users(
    form: CreateUserForm, status: int = 200, page: int = 1, error: str | None = None
) -> ResponseReturnValue:
    users = db.paginate(sa.select(User).order_by(User.role, User.email), page=page, per_page=50)
    return (
        render_template("admin/home.html", users=users, form=form, error=error, me=current_user.id),
        status,
    )


@bp.route("/")
def home() -> ResponseReturnValue:
    return _render_users(CreateUserForm(), page=page_number())


@bp.route("/users", methods=["POST"])
def create_user() -> ResponseReturnValue:
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _render_users(form, 400)
    try:
        user, generated = accounts.create_user(
            form.email.data or "",
            form.role.data or "",
            name=form.name.data or "",
            password=form.password.data or None,
            actor=current_user,
            # The admin knows this first password, so it is the owner's to replace at once.
            must_change_password=True,
        )
    except ServiceError as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        return _render_users(form, 400)
    db.session.commit()
    if not generated:
        flash(_("Created %(email)s.", email=user.email), "success")
        return redirect(url_for("admin.home"))
    # Shown once, in this response only: a flash would carry it in the session cookie, which
    # is signed, not encrypted. no-store keeps it out of the browser's cache and history.
    response = make_response(
        render_template("admin/user_created.html", user=user, password=generated)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    if user.role is Role.candidate:
        abort(404)  # candidates are managed through their invitations, not edited here
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
        return render_template("admin/user_edit.html", user=user, form=form)
    if form.validate_on_submit():
        try:
            accounts.update_staff(
                user,
                name=form.name.data or "",
                role=form.role.data or "",
                actor=current_user,
                ip=client_ip(),
            )
        except ServiceError as exc:
            db.session.rollback()
            form.role.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Saved %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.home"))
    return render_template("admin/user_edit.html", user=user, form=form), 400


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        return _render_users(CreateUserForm(formdata=None), 400)
    try:
        accounts.set_active(user, active, actor=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        return _render_users(CreateUserForm(formdata=None), 400, error=str(exc))
    db.session.commit()
    if active:
        flash(_("%(email)s can log in again.", email=user.email), "success")
    else:
        flash(_("%(email)s is deactivated and was logged out.", email=user.email), "success")
    return redirect(url_for("admin.home"), code=303)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate_user(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate_user(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, True)


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
    except AuthoringError as exc:
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


SCOPE_LABELS = {
    SCOPE_SCORECARDS_READ: _l("scorecards:read: read the scorecards of a job"),
    SCOPE_HIRES_READ: _l("hires:read: read new-hire records, with ID and bank numbers"),
    SCOPE_METRICS_READ: _l("metrics:read: scrape /metrics (counts and timings, no personal data)"),
}


def _at_least_one_scope(_form: FlaskForm, field: MultiCheckboxField) -> None:
    if not field.data:
        raise ValidationError(_("Choose at least one scope: what the token may read."))


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name (what will use the token)"),
        validators=[DataRequired(), Length(max=api_tokens.MAX_NAME_LENGTH)],
    )
    scopes = MultiCheckboxField(
        _l("What the token may read"),
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        default=[DEFAULT_SCOPE],
        # Not DataRequired: its `required` flag would make a browser demand every checkbox.
        validators=[_at_least_one_scope],
    )


# The session holds only the key to the new token's plaintext, which waits on the server
# (OneTimeSecrets) for the one page view that shows it.
_NEW_TOKEN_KEY = "new_api_token"  # noqa: S105 - a session key's name, not a secret


def _one_time() -> OneTimeSecrets:
    return OneTimeSecrets(Path(current_app.instance_path) / "one-time")


def _render_tokens(
    form: ApiTokenForm, new_token: str | None = None, status: int = 200
) -> ResponseReturnValue:
    response = make_response(
        render_template(
            "admin/tokens.html",
            form=form,
            tokens=api_tokens.active_and_revoked(),
            new_token=new_token,
        ),
        status,
    )
    # The page may hold a secret: never from a cache, never again from history.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens")
def tokens() -> ResponseReturnValue:
    key = session.pop(_NEW_TOKEN_KEY, None)
    new_token = _one_time().take(key) if isinstance(key, str) else None
    return _render_tokens(ApiTokenForm(), new_token=new_token)


@bp.route("/tokens", methods=["POST"])
def create_token() -> ResponseReturnValue:
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_tokens(form, status=400)
    try:
        _token, raw = api_tokens.create(
            form.name.data or "", by=current_user, ip=client_ip(), scopes=form.scopes.data or ()
        )
    except ServiceError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc))
        return _render_tokens(form, status=400)
    db.session.commit()
    # Post, redirect, get: reloading the page then cannot create a second token. The secret
    # never rides in the (signed, not encrypted) session cookie, only the key to it; the
    # database keeps only its hash.
    session[_NEW_TOKEN_KEY] = _one_time().put(raw)
    return redirect(url_for("admin.tokens"))


@bp.route("/tokens/<int:token_id>/revoke")
def confirm_revoke_token(token_id: int) -> ResponseReturnValue:
    token = db.get_or_404(ApiToken, token_id)
    return render_template("admin/token_revoke.html", token=token, form=ActionForm())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = db.get_or_404(ApiToken, token_id)
    if not ActionForm().validate_on_submit():
        return _render_tokens(ApiTokenForm(formdata=None), status=400)
    if request.form.get("confirm") != "1":
        # Only the confirmation page's button revokes: a stray or old form asks first.
        return redirect(url_for("admin.confirm_revoke_token", token_id=token.id))
    api_tokens.revoke(token, by=current_user, ip=client_ip())
    db.session.commit()
    flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for("admin.tokens"))
