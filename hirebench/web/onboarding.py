"""Onboarding: the new hire's checklist and guide to day one (their own only), and HR's view
of every new hire's progress, what is overdue and what blocks day one. Personal details are
shown masked; uploads are served as attachments to their owner and to HR."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hirebench.extensions import db
from hirebench.files import extension
from hirebench.formatting import mask_number
from hirebench.jobs import service as job_service
from hirebench.models import Onboarding, OnboardingTask, Role
from hirebench.onboarding import personal, service
from hirebench.onboarding.template import pick
from hirebench.portfolios.uploads import StorageFull
from hirebench.services import audit
from hirebench.services.errors import ServiceError
from hirebench.web.access import allow, protect_blueprint
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")
protect_blueprint(bp, [Role.candidate])

PER_PAGE = 20
STATUS_LABELS = {
    "active": _l("In progress"),
    "completed": _l("All tasks done"),
    "started": _l("Started"),
    "withdrawn": _l("Withdrawn"),
}
OWNER_LABELS = {
    "new_hire": _l("New hire"),
    "hr": _l("HR"),
    "it": _l("IT"),
    "manager": _l("Manager"),
}
_MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


class PersonalForm(FlaskForm):
    id_type = SelectField(
        _l("ID document"),
        choices=[
            SelectChoice("prc_id", _l("PRC resident ID card")),
            SelectChoice("passport", _l("Passport or travel permit")),
        ],
    )
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=40)])
    bank_name = StringField(
        _l("Bank and branch for your salary"), validators=[DataRequired(), Length(max=100)]
    )
    bank_account = StringField(
        _l("Bank account number"), validators=[DataRequired(), Length(max=40)]
    )


class UploadForm(FlaskForm):
    file = FileField(_l("File (PDF or image)"), validators=[FileRequired()])


# ------------------------------------------------------------------------------ shared


def _locale() -> str:
    return str(get_locale() or "en")


def task_title(task: OnboardingTask) -> str:
    if _locale().startswith("en") and task.title_en:
        return task.title_en
    return task.title


@bp.app_template_global("my_onboardings")
def my_onboardings() -> list[Onboarding]:
    """The logged-in candidate's onboardings, for the link on their home page."""
    if not current_user.is_authenticated or current_user.role is not Role.candidate:
        return []
    return service.onboardings_of(current_user)


def _context(onboarding: Onboarding) -> dict[str, Any]:
    data = onboarding.personal or {}
    return {
        "onboarding": onboarding,
        "progress": service.progress(onboarding),
        "today": service.today(),
        "guide": onboarding.guide or {},
        "text": lambda value: pick(value, _locale()),
        "task_title": task_title,
        "owner_labels": OWNER_LABELS,
        "status_labels": STATUS_LABELS,
        "masked": {
            "id_number": mask_number(str(data.get("id_number", ""))),
            "bank_account": mask_number(str(data.get("bank_account", ""))),
            "bank_name": data.get("bank_name", ""),
        },
        "task_form": ActionForm(formdata=None),
    }


def send_task_file(task: OnboardingTask) -> Response:
    if not task.file_path:
        abort(404)
    try:
        data = service.read_file(task)
    except (OSError, ValueError):
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=_MEDIA_TYPES.get(extension(task.file_name), "application/octet-stream"),
        as_attachment=True,
        download_name=task.file_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ------------------------------------------------------------------------------ the new hire


@bp.route("/")
def home() -> ResponseReturnValue:
    onboardings = service.onboardings_of(current_user)
    if len(onboardings) == 1:
        return redirect(url_for("onboarding.mine", onboarding_id=onboardings[0].id))
    return render_template(
        "onboarding/list.html", onboardings=onboardings, status_labels=STATUS_LABELS
    )


def _own(onboarding_id: int) -> Onboarding:
    try:
        return service.own_onboarding(onboarding_id, current_user)
    except service.NotYours:
        audit.record_denial(
            "onboarding.denied",
            current_user,
            target_type="Onboarding",
            target_id=onboarding_id,
            ip=client_ip(),
        )
        db.session.commit()
        abort(404)


def _render_mine(
    onboarding: Onboarding,
    personal_form: PersonalForm | None = None,
    upload_errors: dict[int, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if personal_form is None:
        data = onboarding.personal or {}
        personal_form = PersonalForm(
            formdata=None, id_type=data.get("id_type", "prc_id"), bank_name=data.get("bank_name")
        )
    return (
        render_template(
            "onboarding/mine.html",
            personal_form=personal_form,
            upload_form=UploadForm(formdata=None),
            upload_errors=upload_errors or {},
            **_context(onboarding),
        ),
        status,
    )


@bp.route("/<int:onboarding_id>")
def mine(onboarding_id: int) -> ResponseReturnValue:
    return _render_mine(_own(onboarding_id))


def _own_task(onboarding_id: int, task_id: int) -> tuple[Onboarding, OnboardingTask]:
    onboarding = _own(onboarding_id)
    try:
        return onboarding, service.task_of(onboarding, task_id)
    except service.NotYours:
        abort(404)


@bp.route("/<int:onboarding_id>/tasks/<int:task_id>/done", methods=["POST"])
def done(onboarding_id: int, task_id: int) -> ResponseReturnValue:
    onboarding, task = _own_task(onboarding_id, task_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.mark_done(task, current_user, ip=client_ip())
    except service.NotYours:
        abort(403)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("onboarding.mine", onboarding_id=onboarding.id))
    flash(_("Marked done: %(task)s", task=task_title(task)), "success")
    return redirect(url_for("onboarding.mine", onboarding_id=onboarding.id))


@bp.route("/<int:onboarding_id>/tasks/<int:task_id>/upload", methods=["POST"])
def upload(onboarding_id: int, task_id: int) -> ResponseReturnValue:
    onboarding, task = _own_task(onboarding_id, task_id)
    form = UploadForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_mine(onboarding, upload_errors={task.id: _("Choose a file.")}, status=400)
    storage = form.file.data
    try:
        service.attach_file(
            task, current_user, storage.filename or "", storage.read(), ip=client_ip()
        )
    except service.NotYours:
        abort(403)
    except ServiceError as exc:
        db.session.rollback()
        status = 503 if isinstance(exc, StorageFull) else 400  # a full disk is the server's
        return _render_mine(onboarding, upload_errors={task.id: str(exc)}, status=status)
    flash(_("Uploaded %(name)s.", name=task.file_name), "success")
    return redirect(url_for("onboarding.mine", onboarding_id=onboarding.id))


@bp.route("/<int:onboarding_id>/personal", methods=["POST"])
def save_personal(onboarding_id: int) -> ResponseReturnValue:
    onboarding = _own(onboarding_id)
    form = PersonalForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_mine(onboarding, personal_form=form, status=400)
    fields = personal.PersonalFields(
        id_type=form.id_type.data or "",
        id_number=form.id_number.data or "",
        bank_name=form.bank_name.data or "",
        bank_account=form.bank_account.data or "",
    )
    try:
        service.save_personal(onboarding, current_user, fields, ip=client_ip())
    except personal.PersonalDataError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors.append(str(exc))
        return _render_mine(onboarding, personal_form=form, status=400)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("onboarding.mine", onboarding_id=onboarding.id))
    flash(_("Your details were saved."), "success")
    return redirect(url_for("onboarding.mine", onboarding_id=onboarding.id))


@bp.route("/<int:onboarding_id>/tasks/<int:task_id>/file")
def own_file(onboarding_id: int, task_id: int) -> ResponseReturnValue:
    return send_task_file(_own_task(onboarding_id, task_id)[1])


# ------------------------------------------------------------------------------ HR


@bp.route("/hr/")
@allow(Role.hr, Role.admin)
def hr_list() -> ResponseReturnValue:
    job_id = request.args.get("job", type=int)
    status = request.args.get("status", "")
    if status not in STATUS_LABELS:
        status = ""
    page = db.paginate(
        service.hr_query(job_id, status or None), page=page_number(), per_page=PER_PAGE
    )
    today = service.today()
    return render_template(
        "onboarding/hr_list.html",
        page=page,
        progress={o.id: service.progress(o, today) for o in page.items},
        jobs=job_service.open_jobs(),
        job_id=job_id,
        status=status,
        status_labels=STATUS_LABELS,
        task_title=task_title,
        today=today,
    )


def _hr_onboarding(onboarding_id: int) -> Onboarding:
    onboarding = db.session.get(Onboarding, onboarding_id)
    if onboarding is None:
        abort(404)
    return onboarding


@bp.route("/hr/<int:onboarding_id>")
@allow(Role.hr, Role.admin)
def hr_detail(onboarding_id: int) -> ResponseReturnValue:
    onboarding = _hr_onboarding(onboarding_id)
    return render_template(
        "onboarding/hr_detail.html",
        may_complete=lambda task: service.may_complete(task, current_user),
        **_context(onboarding),
    )


@bp.route("/hr/<int:onboarding_id>/tasks/<int:task_id>/done", methods=["POST"])
@allow(Role.hr, Role.admin)
def hr_done(onboarding_id: int, task_id: int) -> ResponseReturnValue:
    onboarding = _hr_onboarding(onboarding_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        task = service.task_of(onboarding, task_id)
        service.mark_done(task, current_user, ip=client_ip())
    except service.NotYours:
        abort(404 if not any(t.id == task_id for t in onboarding.tasks) else 403)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("onboarding.hr_detail", onboarding_id=onboarding.id))
    flash(_("Marked done: %(task)s", task=task_title(task)), "success")
    return redirect(url_for("onboarding.hr_detail", onboarding_id=onboarding.id))


@bp.route("/hr/<int:onboarding_id>/tasks/<int:task_id>/file")
@allow(Role.hr, Role.admin)
def hr_file(onboarding_id: int, task_id: int) -> ResponseReturnValue:
    onboarding = _hr_onboarding(onboarding_id)
    try:
        task = service.task_of(onboarding, task_id)
    except service.NotYours:
        abort(404)
    audit.record("onboarding.file_read", current_user, target=task, ip=client_ip())
    db.session.commit()
    return send_task_file(task)
