"""The pipeline board (docs/pipeline.md): a job's candidates in a column per stage, moved on or
rejected one at a time or in bulk, each with a reason. Everything is a plain form POST with its
CSRF token, so the board works without JavaScript; static/js/board.js only counts the selection
and adds "select the column". Routes live on the hr blueprint (hr and admin)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hirebench.extensions import db
from hirebench.jobs import pipeline
from hirebench.jobs import service as job_service
from hirebench.models import Application, Job
from hirebench.services.errors import ServiceError
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import ListPage, client_ip, page_number
from hirebench.web.hr import bp

#: Cards per column on the whole board; a column with more links to its own paged view.
COLUMN_LIMIT = 50
#: Cards per page when one column is shown.
PER_PAGE = 100
VIEWS = (*pipeline.STAGES, pipeline.REJECTED)


def _view() -> str | None:
    """The one column asked for (?stage=, or the form's hidden `stage`), or None for all."""
    key = request.values.get("stage", "")[:20]
    return key if key in VIEWS else None


def _columns(job: Job, view: str | None) -> tuple[list[pipeline.Column], ListPage[object] | None]:
    if view is None:
        return pipeline.board(job, limit=COLUMN_LIMIT), None
    page = page_number()
    column = pipeline.column(job, view, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    last = max(1, -(-column.total // PER_PAGE))
    if page > last:  # past the end: the last page, as the other lists do
        page = last
        column = pipeline.column(job, view, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    return [column], ListPage(column.cards, page, PER_PAGE, column.total)


def _render(
    job: Job,
    status: int = 200,
    *,
    error: str = "",
    selected: Sequence[str] = (),
    reason: str = "",
    to: str = "",
    open_card: str = "",
) -> ResponseReturnValue:
    """The board; after a refusal, with the message, and the form that was sent filled in
    again: the bulk form with its selection, or the card's own form opened."""
    view = _view()
    columns, pager = _columns(job, view)
    definition = job_service.definition_of(job)
    return (
        render_template(
            "hr/board.html",
            job=job,
            view=view,
            columns=columns,
            pager=pager,
            counts=pipeline.stage_counts([job.id])[job.id],
            stages=pipeline.STAGES,
            stage_labels=pipeline.STAGE_LABELS,
            cutoffs=definition.cutoffs if definition else None,
            error=error,
            selected={str(s) for s in selected},
            reason=reason,
            to=to,
            reason_max=pipeline.REASON_MAX_CHARS,
            open_card=open_card,
        ),
        status,
    )


@bp.route("/jobs/<int:job_id>/board")
def board(job_id: int) -> ResponseReturnValue:
    return _render(db.get_or_404(Job, job_id))


def _done(job: Job) -> ResponseReturnValue:
    db.session.commit()
    return redirect(url_for("hr.board", job_id=job.id, stage=_view()), code=303)


def _moved_message(applications: Sequence[Application], action: str, to: str) -> str:
    first = applications[0].candidate
    name = first.name or first.email
    if action == "reject":
        return ngettext(
            "%(name)s was rejected.",
            "%(num)d candidates were rejected.",
            len(applications),
            name=name,
        )
    return ngettext(
        "%(name)s moved to %(stage)s.",
        "%(num)d candidates moved to %(stage)s.",
        len(applications),
        name=name,
        stage=pipeline.stage_label(to),
    )


@bp.route("/jobs/<int:job_id>/board/move", methods=["POST"])
def board_move(job_id: int) -> ResponseReturnValue:
    """Move or reject the applications posted (one from a card's form, any number from the
    bulk form): all of them, or none with the reason why."""
    job = db.get_or_404(Job, job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = request.form.getlist("application")[: pipeline.BULK_MAX + 1]
    action = request.form.get("action", "move")
    to = request.form.get("to", "")[:40]
    reason = request.form.get("reason", "")[: pipeline.REASON_MAX_CHARS + 1]
    try:
        applications = pipeline.applications_of_job(job, ids)
        if action == "reject":
            pipeline.reject_many(applications, reason, actor=current_user, ip=client_ip())
        elif action == "move":
            pipeline.move_many(applications, to, reason, actor=current_user, ip=client_ip())
        else:
            raise pipeline.PipelineError(_("Choose to move or to reject."))
    except ServiceError as exc:
        db.session.rollback()
        if request.form.get("origin") == "card" and len(ids) == 1:
            return _render(job, 400, error=str(exc), reason=reason, to=to, open_card=ids[0])
        return _render(job, 400, error=str(exc), selected=ids, reason=reason, to=to)
    flash(_moved_message(applications, action, to), "success")
    return _done(job)


@bp.route("/jobs/<int:job_id>/board/reopen", methods=["POST"])
def board_reopen(job_id: int) -> ResponseReturnValue:
    """Put a rejected application back in the running, at the stage it had reached."""
    job = db.get_or_404(Job, job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = request.form.getlist("application")[:2]
    try:
        applications = pipeline.applications_of_job(job, ids)
        if len(applications) != 1:
            raise pipeline.PipelineError(_("Reopen one application at a time."))
        application = applications[0]
        pipeline.reopen(
            application, request.form.get("reason", ""), actor=current_user, ip=client_ip()
        )
    except ServiceError as exc:
        db.session.rollback()
        return _render(job, 400, error=str(exc))
    person = application.candidate
    flash(
        _(
            "%(name)s is back in the running, at the %(stage)s stage.",
            name=person.name or person.email,
            stage=pipeline.stage_label(application.stage),
        ),
        "success",
    )
    return _done(job)
