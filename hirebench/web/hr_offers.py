"""HR's offer pages: the form (made from the scorecard), the offer with its versions and
history, the approve / send / withdraw buttons, and each job's offers. HR and admins manage
offers; the approver the job profile names (any staff role) may open the offer and approve
it. Every rule is the service's (hirebench/offers/service.py); these views only check who is
asking and turn its errors into messages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from hirebench.extensions import db
from hirebench.models import Application, Job, Offer, OfferStatus, OfferVersion, Role
from hirebench.offers import service
from hirebench.offers.notify import STATUS_LABELS
from hirebench.offers.terms import HOURS_SCHEMES, OfferError
from hirebench.scorecards.compute import RECOMMENDATIONS, explain
from hirebench.web.access import allow, protect_blueprint
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("offers", __name__, url_prefix="/hr/offers")
protect_blueprint(bp, [Role.hr, Role.admin])

PER_PAGE = 50
MANAGERS = (Role.hr, Role.admin)
SCHEME_LABELS = {
    "standard": _l("Standard hours"),
    "flexible": _l("Flexible hours"),
    "comprehensive": _l("Comprehensive hours"),
}


# The offer's audit actions (offer.<key>) as its history names them.
HISTORY_LABELS = {
    **{status.value: label for status, label in STATUS_LABELS.items()},
    "edit": _l("edited"),
    "override": _l("made against the scorecard's recommendation"),
}


class OfferForm(FlaskForm):
    """Numbers and dates are text fields on purpose: the service reads them and says what is
    wrong ("must be a whole number", "is in the past"), which a browser widget would hide."""

    job_title = StringField(_l("Job title"), validators=[Length(max=200)])
    grade = StringField(_l("Grade"), validators=[Length(max=50)])
    monthly_salary = StringField(_l("Monthly salary (yuan, before tax)"))
    salary_months = StringField(_l("Months paid a year (13 = a 13th month)"), default="12")
    probation_salary = StringField(_l("Probation salary (yuan a month)"))
    probation_months = StringField(_l("Probation months (0 to 6)"), default="3")
    social_insurance = BooleanField(
        _l("Social insurance and housing fund (五险一金)"), default=True
    )
    insurance_base = StringField(_l("Social insurance base (empty: the monthly salary)"))
    hours_scheme = SelectField(
        _l("Working-hours scheme"),
        choices=[SelectChoice(key, SCHEME_LABELS[key]) for key in HOURS_SCHEMES],
        validate_choice=False,  # the service names an unknown scheme itself
    )
    daily_hours = StringField(_l("Daily hours"), default="8")
    core_hours = StringField(_l("Core hours (e.g. 10:00-16:00; empty for none)"))
    location = StringField(_l("Work location"), validators=[Length(max=300)])
    start_date = StringField(_l("Start date"), render_kw={"type": "date"})
    valid_until = StringField(_l("Valid until"), render_kw={"type": "date"})
    terms = TextAreaField(_l("Other terms"))
    override_reason = TextAreaField(_l("Reason to make an offer against the recommendation"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=2000)])


def _offer(offer_id: int) -> Offer:
    """The offer, for HR and admins, or for an approver the job profile names; 403 for other
    staff (they know offers exist, so a 404 would hide nothing)."""
    offer = db.get_or_404(Offer, offer_id)
    if current_user.role in MANAGERS:
        return offer
    if current_user in service.approvers(offer) or offer.approved_by_id == current_user.id:
        return offer
    abort(403)


def _manager() -> None:
    if current_user.role not in MANAGERS:
        abort(403)


def _application(job_id: int, candidate_id: int) -> Application:
    application = db.session.scalar(
        sa.select(Application).where(
            Application.job_id == job_id, Application.candidate_id == candidate_id
        )
    )
    if application is None:
        abort(404)
    return application


def _recommendation_label(application: Application) -> str:
    """The scorecard's recommendation as the scorecard page words it, in the reader's
    language; the stored label (which names the competencies to train) only when it is the
    label of the stored code."""
    card = application.scorecard
    if card is None or card.recommendation not in RECOMMENDATIONS:
        return _("pending")
    msgid = RECOMMENDATIONS[card.recommendation]
    stored = (card.data or {}).get("recommendation", {})
    if stored.get("label_text", {}).get("msgid") == msgid:
        return explain(stored["label_text"])
    if "%(" not in msgid:
        return _(msgid)
    return _(msgid, competencies=", ".join(stored.get("competencies") or ["—"]))


def _values(form: OfferForm) -> dict[str, Any]:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _fail(form: OfferForm, exc: OfferError) -> None:
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    flash(str(exc), "error")


def _budget_context(job: Job, salary: object) -> dict[str, Any]:
    budget = service.budget_of(job)
    try:
        amount = int(str(salary or "").replace(",", ""))
    except ValueError:
        amount = None
    return {
        "budget": budget.monthly,
        "over_budget": amount is not None and budget.over(amount),
        "approver": service.approver_label_for(job),
    }


# ------------------------------------------------------------------------------ pages


@bp.route("/new/<int:job_id>/<int:candidate_id>", methods=["GET", "POST"])
def new(job_id: int, candidate_id: int) -> ResponseReturnValue:
    """The offer form, reached from the candidate's scorecard."""
    job = db.get_or_404(Job, job_id)
    application = _application(job.id, candidate_id)
    existing = service.open_offer(application)
    if existing is not None:
        flash(_("This candidate already has an open offer for this job."), "info")
        return redirect(url_for(".offer", offer_id=existing.id))
    form = OfferForm()
    if request.method == "GET":
        form.job_title.data = job.title
    recommendation = application.scorecard.recommendation if application.scorecard else "pending"
    if form.validate_on_submit():
        try:
            offer = service.create_offer(
                application,
                _values(form),
                by=current_user,
                override_reason=form.override_reason.data or "",
                ip=client_ip(),
            )
        except OfferError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("Offer saved as a draft."), "success")
            return redirect(url_for(".offer", offer_id=offer.id))
    return (
        render_template(
            "hr/offer_form.html",
            form=form,
            job=job,
            person=application.candidate,
            offer=None,
            recommendation=recommendation,
            recommendation_label=_recommendation_label(application),
            needs_override=recommendation not in service.OFFER_RECOMMENDATIONS,
            **_budget_context(job, form.monthly_salary.data),
        ),
        400 if form.is_submitted() else 200,
    )


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
def edit(offer_id: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    if offer.status in OfferStatus.closed():
        flash(
            _(
                "This offer is %(status)s and can no longer be edited.",
                status=STATUS_LABELS[offer.status],
            ),
            "error",
        )
        return redirect(url_for(".offer", offer_id=offer.id))
    current = {key: getattr(offer.current, key) for key in service.VERSION_FIELDS}
    form = OfferForm(data=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.edit_offer(offer, _values(form), by=current_user, ip=client_ip())
        except OfferError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(
                _("Offer updated (version %(version)d).", version=offer.current_version), "success"
            )
            return redirect(url_for(".offer", offer_id=offer.id))
    return (
        render_template(
            "hr/offer_form.html",
            form=form,
            job=offer.job,
            person=offer.candidate,
            offer=offer,
            recommendation=None,
            needs_override=False,
            **_budget_context(offer.job, form.monthly_salary.data),
        ),
        400 if form.is_submitted() else 200,
    )


@bp.route("/<int:offer_id>")
@allow(*Role.staff())
def offer(offer_id: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    manager = current_user.role in MANAGERS
    status = offer.status
    return render_template(
        "hr/offer.html",
        offer=offer,
        version=offer.current,
        shown_status=service.shown_status(offer),
        status_labels=STATUS_LABELS,
        scheme_labels=SCHEME_LABELS,
        history=service.history(offer),
        history_labels=HISTORY_LABELS,
        budget=service.budget_of(offer.job).monthly,
        over_budget=service.budget_of(offer.job).over(offer.current.monthly_salary),
        approver=service.approver_label_for(offer.job),
        can_edit=manager and status not in OfferStatus.closed(),
        can_request=manager and status is OfferStatus.draft and service.needs_approval(offer),
        can_send=manager
        and (
            status is OfferStatus.approved
            or (status is OfferStatus.draft and not service.needs_approval(offer))
        ),
        can_approve=service.may_approve(offer, current_user),
        can_withdraw=manager and status not in OfferStatus.closed(),
        form=ActionForm(),
        reason_form=ReasonForm(),
    )


def _act(offer_id: int, action: str) -> ResponseReturnValue:
    offer = _offer(offer_id)
    if action != "approve":
        _manager()
    if action == "withdraw":
        form: FlaskForm = ReasonForm()
    else:
        form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "request":
            service.request_approval(offer, by=current_user, ip=client_ip())
        elif action == "approve":
            service.approve(offer, by=current_user, ip=client_ip())
        elif action == "send":
            service.send(offer, by=current_user, ip=client_ip())
        else:
            service.withdraw(offer, by=current_user, reason=form.reason.data or "", ip=client_ip())
    except OfferError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".offer", offer_id=offer_id)), 303
    db.session.commit()
    flash(_("The offer is now %(status)s.", status=STATUS_LABELS[offer.status]), "success")
    return redirect(url_for(".offer", offer_id=offer_id)), 303


@bp.route("/<int:offer_id>/request-approval", methods=["POST"])
def request_approval(offer_id: int) -> ResponseReturnValue:
    return _act(offer_id, "request")


@bp.route("/<int:offer_id>/approve", methods=["POST"])
@allow(*Role.staff())
def approve(offer_id: int) -> ResponseReturnValue:
    return _act(offer_id, "approve")


@bp.route("/<int:offer_id>/send", methods=["POST"])
def send(offer_id: int) -> ResponseReturnValue:
    return _act(offer_id, "send")


@bp.route("/<int:offer_id>/withdraw", methods=["POST"])
def withdraw(offer_id: int) -> ResponseReturnValue:
    return _act(offer_id, "withdraw")


@bp.route("/<int:offer_id>/v<int:version>.pdf")
@allow(*Role.staff())
def letter(offer_id: int, version: int) -> ResponseReturnValue:
    offer = _offer(offer_id)
    found = db.session.scalar(
        sa.select(OfferVersion).where(
            OfferVersion.offer_id == offer.id, OfferVersion.version == version
        )
    )
    if found is None or found.letter_pdf is None:
        abort(404)
    return pdf_response(found, f"offer-{offer.id}-v{version}.pdf")


def pdf_response(version: OfferVersion, filename: str) -> Response:
    """A letter, shown in the browser's PDF viewer; private, never cached."""
    assert version.letter_pdf is not None
    response = Response(version.letter_pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Letter-SHA256"] = version.letter_sha256
    return response


@bp.route("/jobs/<int:job_id>")
def job_offers(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    page = db.paginate(service.offers_for_job(job), page=page_number(), per_page=PER_PAGE)
    return render_template(
        "hr/offers.html",
        job=job,
        page=page,
        status_labels=STATUS_LABELS,
        shown={o.id: service.shown_status(o) for o in page.items},
    )
