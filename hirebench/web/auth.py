"""Login, logout, invitations and language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import HTTPException

from hirebench.extensions import db, limiter, login_email_key
from hirebench.models import Role
from hirebench.services import accounts, audit, invitations
from hirebench.services.errors import ServiceError
from hirebench.web.access import PUBLIC, home_endpoint, policy_for, public
from hirebench.web.forms import ActionForm, LanguageForm, LoginForm, SetPasswordForm
from hirebench.web.helpers import client_ip

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _safe_next(target: str | None, role: Role | None = None) -> str | None:
    """Only same-site paths, so the login page cannot be used as an open redirect; and, after
    login, only pages the role may open, so nobody lands on a 403."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if role is not None:
        try:
            endpoint, _args = current_app.url_map.bind("").match(parts.path, method="GET")
        except HTTPException:
            return None
        policy = policy_for(current_app, endpoint)
        if policy is None or (policy != PUBLIC and role not in policy):
            return None
    return target


@bp.route("/")
@public
def index() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=login_email_key)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            audit.record("login.failed", actor_email=(form.email.data or "")[:254], ip=client_ip())
            db.session.commit()
            form.password.errors.append(_("Wrong email or password."))
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=bool(form.remember.data))
        if user.locale:
            session["language"] = user.locale
        audit.record("login", user, ip=client_ip())
        db.session.commit()
        next_page = _safe_next(request.args.get("next"), user.role)
        return redirect(next_page or url_for(home_endpoint(user.role)))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout() -> ResponseReturnValue:
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        audit.record("logout", current_user, ip=client_ip())
        db.session.commit()
        logout_user()
        flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    try:
        invitation = invitations.lookup(token)
    except invitations.InvitationError as exc:
        return render_template("auth/invitation_unusable.html", state=exc.state.value), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            invitations.accept(token, form.password.data or "", ip=client_ip())
        except invitations.InvitationError as exc:
            db.session.rollback()
            return render_template("auth/invitation_unusable.html", state=exc.state.value), 410
        except ServiceError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your password is set. Please log in."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), status


@bp.route("/language", methods=["POST"])
@public
def set_language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.locale = form.language.data
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))
