"""The candidate's offers: the current version with its letter, and the answer. Only the
candidate's own sent offers exist here; any other id is a 404, exactly like one that does not
exist, so ids reveal nothing. Accepting needs the typed full name and the version and letter
hash the page showed, so an answer always names the exact letter it was given to."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from hirebench.extensions import db
from hirebench.models import Offer, OfferStatus, Role
from hirebench.offers import service
from hirebench.offers.notify import STATUS_LABELS
from hirebench.offers.terms import OfferError
from hirebench.services import audit
from hirebench.web.access import protect_blueprint
from hirebench.web.helpers import client_ip
from hirebench.web.hr_offers import SCHEME_LABELS, pdf_response

bp = Blueprint("candidate_offers", __name__, url_prefix="/offers")
protect_blueprint(bp, [Role.candidate])


class AnswerForm(FlaskForm):
    version = HiddenField()
    sha256 = HiddenField()


class AcceptForm(AnswerForm):
    full_name = StringField(_l("Type your full name to accept"), validators=[Length(max=200)])


class DeclineForm(AnswerForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=2000)])


def _own(offer_id: int) -> Offer:
    try:
        return service.offer_for_candidate(offer_id, current_user)
    except service.NotYourOffer:
        audit.record_denial(
            "offer.denied", current_user, target_type="Offer", target_id=offer_id, ip=client_ip()
        )
        db.session.commit()
        abort(404)


@bp.route("/")
def offers() -> ResponseReturnValue:
    mine = service.offers_of_candidate(current_user)
    if len(mine) == 1:
        return redirect(url_for(".offer", offer_id=mine[0].id))
    shown = {o.id: service.shown_status(o) for o in mine}
    return render_template(
        "candidate/offers.html", offers=mine, shown=shown, status_labels=STATUS_LABELS
    )


def _render(
    offer: Offer, accept: AcceptForm, decline: DeclineForm, status: int = 200
) -> ResponseReturnValue:
    version = offer.current
    for form in (accept, decline):
        form.version.data = str(version.version)
        form.sha256.data = version.letter_sha256
    return (
        render_template(
            "candidate/offer.html",
            offer=offer,
            version=version,
            shown_status=service.shown_status(offer),
            status_labels=STATUS_LABELS,
            scheme_labels=SCHEME_LABELS,
            accept_form=accept,
            decline_form=decline,
        ),
        status,
    )


@bp.route("/<int:offer_id>")
def offer(offer_id: int) -> ResponseReturnValue:
    return _render(_own(offer_id), AcceptForm(formdata=None), DeclineForm(formdata=None))


@bp.route("/<int:offer_id>/letter.pdf")
def letter(offer_id: int) -> ResponseReturnValue:
    """The current version's letter; a revision in progress shows none."""
    offer = _own(offer_id)
    if offer.status in (OfferStatus.draft, OfferStatus.awaiting_approval, OfferStatus.approved):
        abort(404)
    version = offer.current
    if version.letter_pdf is None:
        abort(404)
    return pdf_response(version, f"offer-{offer.id}-v{version.version}.pdf")


def _version(form: AnswerForm) -> int:
    try:
        return int(form.version.data or "")
    except ValueError:
        return -1


@bp.route("/<int:offer_id>/accept", methods=["POST"])
def accept(offer_id: int) -> ResponseReturnValue:
    offer = _own(offer_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accepted = service.accept(
            offer,
            current_user,
            typed_name=form.full_name.data or "",
            version=_version(form),
            sha256=form.sha256.data or "",
            ip=client_ip(),
            user_agent=request.user_agent.string,
        )
    except OfferError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        offer = _own(offer_id)
        return _render(offer, form, DeclineForm(formdata=None), 409)
    flash(
        _("You accepted the offer. Welcome!")
        if accepted
        else _("You already accepted this offer; nothing changed."),
        "success" if accepted else "info",
    )
    return redirect(url_for(".offer", offer_id=offer_id)), 303


@bp.route("/<int:offer_id>/decline", methods=["POST"])
def decline(offer_id: int) -> ResponseReturnValue:
    offer = _own(offer_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        declined = service.decline(
            offer,
            current_user,
            version=_version(form),
            sha256=form.sha256.data or "",
            reason=form.reason.data or "",
            ip=client_ip(),
        )
    except OfferError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render(_own(offer_id), AcceptForm(formdata=None), form, 409)
    flash(
        _("You declined the offer. Thank you for letting us know.")
        if declined
        else _("You already declined this offer; nothing changed."),
        "info",
    )
    return redirect(url_for(".offer", offer_id=offer_id)), 303
