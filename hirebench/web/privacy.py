"""Personal data (issue 19, docs/privacy.md): the candidate's "my data" page (consents with
withdrawal, their copy, asking for erasure) and HR's privacy panel for one candidate (the
copy for a mailed request, erasure with a typed confirmation, dispute holds).

Routes that take a candidate id serve a candidate only for their own id: any other answers
404, exactly as a candidate that does not exist, so ids cannot be probed."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from hirebench.extensions import db
from hirebench.models import ConsentPurpose, PrivacyRequest, Role, User
from hirebench.privacy import consent, erasure, service
from hirebench.services.errors import ServiceError
from hirebench.web.access import allow, protect_blueprint
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
protect_blueprint(bp, [Role.hr, Role.admin])

STAFF = (Role.hr, Role.admin)
REQUEST_KINDS = {"export": _l("Copy of the data"), "erasure": _l("Erasure")}
REQUEST_OUTCOMES = {
    "done": _l("done"),
    "refused": _l("refused"),
    "requested": _l("requested, waiting for HR"),
}
CHANNELS = {
    "candidate": _l("the candidate"),
    "hr": _l("HR"),
    "cli": _l("command line"),
    "retention": _l("retention schedule"),
}


class EraseForm(FlaskForm):
    confirm = StringField(
        _l("Type the candidate's email address to confirm"),
        validators=[DataRequired(), Length(max=254)],
    )
    reason = TextAreaField(
        _l("Reason (the request received)"), validators=[DataRequired(), Length(max=2000)]
    )


class RequestErasureForm(FlaskForm):
    reason = TextAreaField(_l("Anything we should know (optional)"), validators=[Length(max=2000)])


class HoldForm(FlaskForm):
    reason = TextAreaField(
        _l("The dispute this hold is for"), validators=[DataRequired(), Length(max=2000)]
    )


def _candidate(candidate_id: int) -> User:
    """The candidate a route is about; a candidate reaches only themself (404 otherwise)."""
    user = db.session.get(User, candidate_id)
    if user is None or user.role is not Role.candidate:
        abort(404)
    if current_user.role is Role.candidate and user.id != current_user.id:
        abort(404)
    return user


def _is_staff() -> bool:
    return current_user.role in STAFF


# ------------------------------------------------------------------ the candidate's page


@bp.route("/me")
@allow(Role.candidate)
def my_data() -> ResponseReturnValue:
    user = current_user._get_current_object()
    return render_template(
        "privacy/my_data.html",
        user=user,
        texts=consent.TEXTS,
        labels=consent.LABELS,
        in_force=consent.current(user),
        history=consent.history(user),
        requests=service.requests_of(user),
        pending=_pending_erasure(user),
        kinds=REQUEST_KINDS,
        outcomes=REQUEST_OUTCOMES,
        form=ActionForm(),
        erase_form=RequestErasureForm(),
    )


def _pending_erasure(user: User) -> bool:
    return any(r.kind == "erasure" and r.outcome == "requested" for r in service.requests_of(user))


@bp.route("/me/consents/<purpose>/withdraw", methods=["POST"])
@allow(Role.candidate)
def withdraw(purpose: str) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        chosen = ConsentPurpose(purpose)
        consent.withdraw(current_user, chosen, ip=client_ip())
    except ValueError as exc:  # ServiceError is one, and so is an unknown purpose
        db.session.rollback()
        flash(str(exc) if isinstance(exc, ServiceError) else _("No such consent."), "error")
        return redirect(url_for(".my_data"))
    db.session.commit()
    flash(_("Your consent is withdrawn."), "success")
    return redirect(url_for(".my_data"))


@bp.route("/me/consents/future_openings/give", methods=["POST"])
@allow(Role.candidate)
def give_future_openings() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    consent.give(current_user, ConsentPurpose.future_openings, ip=client_ip(), user_agent=_agent())
    db.session.commit()
    flash(_("Thank you. We will keep your profile for future openings."), "success")
    return redirect(url_for(".my_data"))


def _agent() -> str:
    return request.user_agent.string


# ------------------------------------------------------- shared: the copy and erasure


@bp.route("/candidates/<int:candidate_id>/copy", methods=["POST"])
@allow(Role.candidate, Role.hr, Role.admin)
def copy(candidate_id: int) -> ResponseReturnValue:
    """The ZIP: for a candidate their own, for HR a mailed request's."""
    user = _candidate(candidate_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    channel = "hr" if _is_staff() else "candidate"
    data, name = service.produce_copy(user, by=current_user, channel=channel, ip=client_ip())
    db.session.commit()
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/candidates/<int:candidate_id>/erase", methods=["POST"])
@allow(Role.candidate, Role.hr, Role.admin)
def erase(candidate_id: int) -> ResponseReturnValue:
    """A candidate asks for erasure (HR carries it out); HR erases, after typing the address."""
    user = _candidate(candidate_id)
    if not _is_staff():
        return _request_erasure(user)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Give the reason and type the candidate's email address."), "error")
        return redirect(url_for(".panel", candidate_id=user.id))
    if form.confirm.data.strip().lower() != user.email.lower():
        flash(_("The address typed is not this candidate's; nothing was erased."), "error")
        return redirect(url_for(".panel", candidate_id=user.id))
    try:
        erasure.erase(user, by=current_user, channel="hr", reason=form.reason.data, ip=client_ip())
    except erasure.ErasureRefused as exc:
        db.session.commit()  # the refusal is logged
        flash(str(exc), "error")
        return _panel(user), 409
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".panel", candidate_id=user.id))
    db.session.commit()
    flash(_("The candidate's data is erased."), "success")
    return redirect(url_for(".panel", candidate_id=user.id))


def _request_erasure(user: User) -> ResponseReturnValue:
    form = RequestErasureForm()
    if not form.validate_on_submit():
        abort(400)
    if not _pending_erasure(user):
        db.session.add(
            PrivacyRequest(
                kind="erasure",
                outcome="requested",
                channel="candidate",
                subject_id=user.id,
                actor_id=user.id,
                actor_email=user.email,
                reason=form.reason.data or "",
            )
        )
        db.session.commit()
    flash(_("Your request is sent. HR will erase your data and let you know."), "success")
    return redirect(url_for(".my_data"))


# ------------------------------------------------------------------------ HR's panel


@bp.route("/candidates/<int:candidate_id>")
def panel(candidate_id: int) -> ResponseReturnValue:
    return _panel(_candidate(candidate_id))


def _panel(user: User) -> str:
    return render_template(
        "privacy/panel.html",
        candidate=user,
        erased=erasure.is_erased(user),
        holds=erasure.holds_of(user),
        open_holds=service.open_holds(user),
        labels=consent.LABELS,
        history=consent.history(user),
        requests=service.requests_of(user),
        kinds=REQUEST_KINDS,
        outcomes=REQUEST_OUTCOMES,
        channels=CHANNELS,
        form=ActionForm(),
        erase_form=EraseForm(),
        hold_form=HoldForm(prefix="hold"),
    )


@bp.route("/candidates/<int:candidate_id>/holds", methods=["POST"])
def place_hold(candidate_id: int) -> ResponseReturnValue:
    user = _candidate(candidate_id)
    form = HoldForm(prefix="hold")
    if not form.validate_on_submit():
        flash(_("Give the reason for the hold."), "error")
        return redirect(url_for(".panel", candidate_id=user.id))
    try:
        service.place_hold(user, form.reason.data, by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".panel", candidate_id=user.id))
    db.session.commit()
    flash(
        _("The hold is placed: the candidate's data cannot be erased while it stands."),
        "success",
    )
    return redirect(url_for(".panel", candidate_id=user.id))


@bp.route("/candidates/<int:candidate_id>/holds/<int:hold_id>/lift", methods=["POST"])
def lift_hold(candidate_id: int, hold_id: int) -> ResponseReturnValue:
    user = _candidate(candidate_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.lift_hold(user, hold_id, by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".panel", candidate_id=user.id))
    db.session.commit()
    flash(_("The hold is lifted."), "success")
    return redirect(url_for(".panel", candidate_id=user.id))
