"""Admin pages for webhooks (docs/webhooks.md): endpoints with their secrets shown once, every
delivery with its attempts, and resend. Admins only; every change is audited."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
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
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from hirebench.extensions import db
from hirebench.models import DeliveryStatus, Role, WebhookDelivery, WebhookEndpoint
from hirebench.outbox import webhooks
from hirebench.services.errors import ServiceError
from hirebench.services.one_time import OneTimeSecrets
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import ActionForm, MultiCheckboxField
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("admin_webhooks", __name__, url_prefix="/admin/webhooks")
protect_blueprint(bp, [Role.admin])

STATUS_LABELS = {
    DeliveryStatus.pending: _l("pending"),
    DeliveryStatus.delivered: _l("delivered"),
    DeliveryStatus.failed: _l("failed"),
    DeliveryStatus.cancelled: _l("cancelled"),
}

# The session holds only a key; the secret waits on the server for the one view that shows it.
_NEW_SECRET_KEY = "new_webhook_secret"  # noqa: S105 - a session key's name, not a secret


class EndpointForm(FlaskForm):
    url = StringField(_l("URL (http or https)"), validators=[DataRequired(), Length(max=2000)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    events = MultiCheckboxField(
        _l("Events"),
        choices=list(webhooks.EVENT_TYPES.items()),
        validators=[DataRequired(_l("Choose at least one event."))],
    )
    allow_private = BooleanField(
        _l("Allow loopback, private and link-local addresses for this endpoint")
    )


def _one_time() -> OneTimeSecrets:
    return OneTimeSecrets(Path(current_app.instance_path) / "one-time")


def _render_endpoints(
    form: EndpointForm, *, status: int = 200, new_secret: tuple[int, str] | None = None
) -> ResponseReturnValue:
    response = make_response(
        render_template(
            "admin/webhooks.html",
            form=form,
            endpoints=webhooks.endpoints(),
            new_secret=new_secret,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@bp.route("/")
def endpoints() -> ResponseReturnValue:
    key = session.pop(_NEW_SECRET_KEY, None)
    shown = _one_time().take(key) if isinstance(key, str) else None
    new_secret = None
    if shown is not None:
        endpoint_id, _sep, secret = shown.partition(" ")
        new_secret = (int(endpoint_id), secret)
    return _render_endpoints(EndpointForm(), new_secret=new_secret)


@bp.route("/", methods=["POST"])
def create_endpoint() -> ResponseReturnValue:
    form = EndpointForm()
    if not form.validate_on_submit():
        return _render_endpoints(form, status=400)
    try:
        endpoint = webhooks.create_endpoint(
            form.url.data or "",
            list(form.events.data or []),
            by=current_user,
            allow_private=bool(form.allow_private.data),
            description=form.description.data or "",
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        form.url.errors.append(str(exc))
        return _render_endpoints(form, status=400)
    db.session.commit()
    # Post, redirect, get, as for API tokens: a reload cannot make a second endpoint, and the
    # secret never rides in the session cookie.
    session[_NEW_SECRET_KEY] = _one_time().put(f"{endpoint.id} {endpoint.secret}")
    return redirect(url_for("admin_webhooks.endpoints"), code=303)


def _refuse_bad_form() -> ResponseReturnValue | None:
    if ActionForm().validate_on_submit():
        return None
    return _render_endpoints(EndpointForm(formdata=None), status=400)


@bp.route("/<int:endpoint_id>/disable", methods=["POST"])
def disable(endpoint_id: int) -> ResponseReturnValue:
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    if (refused := _refuse_bad_form()) is not None:
        return refused
    cancelled = webhooks.disable(endpoint, "disabled by an admin", by=current_user, ip=client_ip())
    db.session.commit()
    flash(
        _(
            "Endpoint %(url)s disabled; %(count)d pending deliveries cancelled.",
            url=endpoint.url,
            count=cancelled,
        ),
        "success",
    )
    return redirect(url_for("admin_webhooks.endpoints"), code=303)


@bp.route("/<int:endpoint_id>/enable", methods=["POST"])
def enable(endpoint_id: int) -> ResponseReturnValue:
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    if (refused := _refuse_bad_form()) is not None:
        return refused
    try:
        webhooks.enable(endpoint, by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin_webhooks.endpoints"), code=303)
    db.session.commit()
    flash(_("Endpoint %(url)s enabled.", url=endpoint.url), "success")
    return redirect(url_for("admin_webhooks.endpoints"), code=303)


@bp.route("/<int:endpoint_id>/delete")
def confirm_delete(endpoint_id: int) -> ResponseReturnValue:
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    return render_template("admin/webhook_delete.html", endpoint=endpoint, form=ActionForm())


@bp.route("/<int:endpoint_id>/delete", methods=["POST"])
def delete(endpoint_id: int) -> ResponseReturnValue:
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    if (refused := _refuse_bad_form()) is not None:
        return refused
    if request.form.get("confirm") != "1":
        return redirect(url_for("admin_webhooks.confirm_delete", endpoint_id=endpoint.id))
    url = endpoint.url
    webhooks.delete(endpoint, by=current_user, ip=client_ip())
    db.session.commit()
    flash(_("Endpoint %(url)s deleted with its deliveries.", url=url), "success")
    return redirect(url_for("admin_webhooks.endpoints"), code=303)


@bp.route("/deliveries")
def deliveries() -> ResponseReturnValue:
    status = request.args.get("status", "")
    if status not in {s.value for s in DeliveryStatus}:
        status = ""
    event_type = request.args.get("event", "")
    if event_type not in webhooks.EVENT_TYPES:
        event_type = ""
    endpoint_id = request.args.get("endpoint_id", type=int)
    query = webhooks.deliveries_query(status=status, endpoint_id=endpoint_id, event_type=event_type)
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template(
        "admin/webhook_deliveries.html",
        pager=page,
        deliveries=page.items,
        endpoints=webhooks.endpoints(),
        status=status,
        event_type=event_type,
        endpoint_id=endpoint_id,
        statuses=STATUS_LABELS,
        event_types=webhooks.EVENT_TYPES,
    )


@bp.route("/deliveries/<int:delivery_id>")
def delivery(delivery_id: int) -> ResponseReturnValue:
    found = db.get_or_404(WebhookDelivery, delivery_id)
    return render_template(
        "admin/webhook_delivery.html",
        delivery=found,
        body=webhooks.display_body(found.message.body),
        statuses=STATUS_LABELS,
        form=ActionForm(),
    )


@bp.route("/deliveries/<int:delivery_id>/resend", methods=["POST"])
def resend(delivery_id: int) -> ResponseReturnValue:
    found = db.get_or_404(WebhookDelivery, delivery_id)
    form = ActionForm()
    if not form.validate_on_submit():
        page = render_template(
            "admin/webhook_delivery.html",
            delivery=found,
            body=webhooks.display_body(found.message.body),
            statuses=STATUS_LABELS,
            form=form,
        )
        return page, 400
    try:
        copy = webhooks.resend(found, by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin_webhooks.delivery", delivery_id=found.id), code=303)
    db.session.commit()
    flash(_("Queued again as delivery %(id)d, with the same webhook-id.", id=copy.id), "success")
    return redirect(url_for("admin_webhooks.delivery", delivery_id=copy.id), code=303)
