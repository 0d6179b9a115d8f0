"""Similarity across submissions, for HR and reviewers (docs/integrity.md, "In hirebench"):
the exams with their runs, a run's pairs, the evidence of one pair with the decision form, and
the evidence exported as one self-contained HTML file. HR queues a run from an exam's page;
the worker carries it out (hirebench.integrity.jobs), never this request.

Candidates never reach any of it (the blueprint's policy), reviewers who grade blind see
"Candidate #0012" where HR sees names, and submission text, which is hostile, is only ever
rendered through Jinja's escaping."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hirebench.charts import render_svg
from hirebench.extensions import db
from hirebench.integrity import evidence, service
from hirebench.models import Exam, Role, SimilarityPair, SimilarityRun, User
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError
from hirebench.web.access import allow, protect_blueprint
from hirebench.web.fetch_metadata import deliberate_only
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("integrity", __name__, url_prefix="/integrity")
protect_blueprint(bp, [Role.hr, Role.admin, Role.reviewer])

PER_PAGE = 50
STATUS_LABELS = {
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
}
DECISION_LABELS = {"dismissed": _l("Dismissed"), "confirmed": _l("Confirmed")}
# The exported report is a file on someone's disk: inline styles only, nothing fetched.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("dismissed", _l("Dismiss: an honest likeness")),
            SelectChoice("confirmed", _l("Confirm: material was shared")),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note (required to confirm)"), validators=[Length(max=service.NOTE_MAX_CHARS)]
    )


def _blind() -> bool:
    return current_user.role is Role.reviewer and bool(current_app.config["REVIEW_BLIND"])


def labeller() -> Callable[[int], str]:
    """How this reader names a candidate: as blind review does for a reviewer who grades
    blind (the same number as on their review items), by name for everyone else."""
    if _blind():
        return lambda candidate_id: _("Candidate #%(code)s", code=f"{candidate_id:04d}")

    def named(candidate_id: int) -> str:
        user = db.session.get(User, candidate_id)
        return (user.name or user.email) if user is not None else str(candidate_id)

    return named


def _staff_name(user: User | None) -> str:
    return (user.name or user.email) if user is not None else ""


def _exam(slug: str) -> Exam:
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == slug))
    if exam is None:
        abort(404)
    return exam


@bp.route("/")
def index() -> ResponseReturnValue:
    exams = service.exams_with_attempts()
    open_counts = {
        exam.id: db.session.scalar(
            sa.select(sa.func.count()).select_from(service.open_flag_pairs(exam).subquery())
        )
        for exam in exams
    }
    return render_template("integrity/index.html", exams=exams, open_counts=open_counts)


@bp.route("/exams/<slug>")
def exam_page(slug: str) -> ResponseReturnValue:
    exam = _exam(slug)
    flags = db.paginate(service.open_flag_pairs(exam), page=page_number(), per_page=PER_PAGE)
    runs = db.session.scalars(service.runs_query(exam).limit(40)).all()
    return render_template(
        "integrity/exam.html",
        exam=exam,
        flags=flags,
        runs=runs,
        label=labeller(),
        status_labels=STATUS_LABELS,
        part_label=evidence.part_label,
        can_run=current_user.role in (Role.hr, Role.admin),
        comparable=bool(service.comparable_versions(exam)),
        run_form=ActionForm(),
    )


@bp.route("/exams/<slug>/run", methods=["POST"])
@allow(Role.hr, Role.admin)
def run_now(slug: str) -> ResponseReturnValue:
    exam = _exam(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    queued = service.queue_exam(exam, current_user, ip=client_ip())
    if queued.added:
        flash(
            _(
                "%(n)s similarity runs queued; the worker carries them out in the next few "
                "minutes.",
                n=len(queued.added),
            ),
            "success",
        )
    elif queued.waiting:
        flash(_("Similarity runs for this exam are already waiting for the worker."), "info")
    else:
        flash(_("Nothing to compare yet: at least two candidates must have submitted."), "info")
    return redirect(url_for("integrity.exam_page", slug=exam.slug), code=303)


@bp.route("/runs/<int:run_id>")
def run_page(run_id: int) -> ResponseReturnValue:
    run = db.get_or_404(SimilarityRun, run_id)
    pairs = db.paginate(service.pairs_query(run), page=page_number(), per_page=PER_PAGE)
    label = labeller()
    clusters = _cluster_labels(run, label)
    chart = render_svg(evidence.histogram(run, None)) if run.distribution else Markup("")
    return render_template(
        "integrity/run.html",
        run=run,
        pairs=pairs,
        label=label,
        clusters=clusters,
        chart=chart,
        status_labels=STATUS_LABELS,
        decision_labels=DECISION_LABELS,
        part_label=evidence.part_label,
    )


def _cluster_labels(run: SimilarityRun, label: Callable[[int], str]) -> list[list[str]]:
    members = service.cluster_candidates(run)
    return [[label(candidate_id) for candidate_id in group] for group in members]


def _pair_page(pair: SimilarityPair, form: DecisionForm, status: int = 200) -> ResponseReturnValue:
    view = evidence.pair_view(pair, labeller())
    return (
        render_template(
            "integrity/pair.html",
            view=view,
            form=form,
            decision_labels=DECISION_LABELS,
            decided_by=_staff_name(pair.decided_by),
        ),
        status,
    )


@bp.route("/pairs/<int:pair_id>")
def pair_page(pair_id: int) -> ResponseReturnValue:
    pair = db.get_or_404(SimilarityPair, pair_id)
    form = DecisionForm(
        formdata=None,
        decision=pair.decision.value if pair.decision else None,
        note=pair.decision_note,
    )
    return _pair_page(pair, form)


@bp.route("/pairs/<int:pair_id>/decision", methods=["POST"])
def decide(pair_id: int) -> ResponseReturnValue:
    pair = db.get_or_404(SimilarityPair, pair_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _pair_page(pair, form, 400)
    try:
        service.decide(pair, form.decision.data, form.note.data or "", current_user, ip=client_ip())
    except ServiceError as exc:
        form.note.errors = [str(exc)]
        return _pair_page(pair, form, 400)
    flash(_("Decision recorded."), "success")
    return redirect(url_for("integrity.pair_page", pair_id=pair.id), code=303)


@bp.route("/pairs/<int:pair_id>/report.html")
@deliberate_only
def export(pair_id: int) -> ResponseReturnValue:
    pair = db.get_or_404(SimilarityPair, pair_id)
    view = evidence.pair_view(pair, labeller())
    html = render_template(
        "integrity/report.html",
        view=view,
        exported_at=utcnow().strftime("%Y-%m-%d %H:%M"),
        decision_labels=DECISION_LABELS,
        decided_by=_staff_name(pair.decided_by),
    )
    audit.record("integrity.report_exported", current_user, target=pair, ip=client_ip())
    db.session.commit()
    response = Response(html, mimetype="text/html")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="similarity-pair-{pair.id}.html"'
    )
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response
