"""Admin area: staff accounts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.services import accounts
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import CreateUserForm
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
