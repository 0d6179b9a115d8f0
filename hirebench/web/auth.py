"""Login, logout, password changes, invitations and language choice."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import HTTPException

from hirebench.extensions import db, limiter
from hirebench.models import Role, User
from hirebench.services import accounts, audit, invitations
from hirebench.services.errors import ServiceError
from hirebench.web.access import PUBLIC, allow, home_endpoint, policy_for, public
from hirebench.web.errors import render_error
from hirebench.web.forms import (
    ActionForm,
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from hirebench.web.helpers import client_ip

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _account_cap() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_CAP"])


def _submitted_account() -> str:
    """The normalised email, so "A@x.com " and "a@x.com" count against the same account."""
    raw = request.form.get("email") or ""
    try:
        return accounts.normalize_email(raw)
    except accounts.AccountError:
        return raw.strip().lower()


def _account_key() -> str:
    return "login-account:" + _submitted_account()


def _account_address_key() -> str:
    return f"login-account-address:{_submitted_account()}:{client_ip()}"


def _login_failed(response: Response) -> bool:
    """Only wrong credentials count against an account: its owner logging in never does."""
    return response.status_code == 401


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
@limiter.limit(
    _account_limit, methods=["POST"], key_func=_account_address_key, deduct_when=_login_failed
)
@limiter.limit(_account_cap, methods=["POST"], key_func=_account_key, deduct_when=_login_failed)
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
        _start_session(user, remember=bool(form.remember.data))
        audit.record("login", user, ip=client_ip())
        db.session.commit()
        next_page = _safe_next(request.args.get("next"), user.role)
        return redirect(next_page or url_for(home_endpoint(user.role)))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.errorhandler(RateLimitExceeded)
def _too_many_attempts(_error: RateLimitExceeded) -> ResponseReturnValue:
    """On the login page the form stays, with the time at which trying again is possible."""
    if request.endpoint != "auth.login":
        return render_error(429)
    resets = [limit.reset_at for limit in limiter.current_limits if limit.breached]
    seconds = max(resets, default=int(time.time()) + 60) - int(time.time())
    minutes = max(1, round(seconds / 60))  # reset_at is rounded up a second already
    notice = ngettext(
        "Too many attempts. Try again in %(num)d minute.",
        "Too many attempts. Try again in %(num)d minutes.",
        minutes,
    )
    page = render_template("auth/login.html", form=LoginForm(), limited=notice)
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(max(seconds, 1))
    return response


def _start_session(user: User, *, remember: bool) -> None:
    """A fresh session for the login: nothing from before it survives, the CSRF token least
    of all (one seen by someone else before login must not work after it), bar the language."""
    language = session.get("language")
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's per-request copy of the old token
    if user.locale or language:
        session["language"] = user.locale or language
    login_user(user, remember=remember)
    # Permanent and refreshed on every request: PERMANENT_SESSION_LIFETIME is an idle timeout.
    session.permanent = True


_ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset(
    {"auth.change_password", "auth.logout", "auth.set_language", "static"}
)


@bp.before_app_request
def _require_password_change() -> ResponseReturnValue | None:
    """An account an admin made must get its own password before anything else."""
    if request.endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/logout", methods=["POST"])
@public
def logout() -> ResponseReturnValue:
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        user = current_user._get_current_object()
        # Ends this session and every other one, and every remember cookie, of the account.
        accounts.end_sessions(user)
        audit.record("logout", user, ip=client_ip())
        db.session.commit()
        language = session.get("language")
        session.clear()
        if language:
            session["language"] = language
        logout_user()
        flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*Role)
@limiter.limit(_login_limit, methods=["POST"])
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                user, form.current.data or "", form.password.data or "", ip=client_ip()
            )
        except ServiceError as exc:
            db.session.rollback()
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            # The change ended every session, this one included; carry on in a new one.
            _start_session(user, remember=False)
            flash(_("Your password was changed. Your other sessions were logged out."), "success")
            return redirect(url_for(home_endpoint(user.role)))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "auth/change_password.html", form=form, forced=user.must_change_password
    ), status


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
