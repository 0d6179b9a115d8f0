"""HR area: jobs, invitations and the audit log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
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
from flask_mailman.message import BadHeaderError
from wtforms.fields.choices import SelectChoice

from hirebench import attention
from hirebench.exams import accommodations, attempts, integrity_labels
from hirebench.exams.navigator import runs_by_question
from hirebench.exams.prompts import render_prompt_for_review
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.jobs import pipeline
from hirebench.jobs import service as jobs
from hirebench.models import Answer, Attempt, GradingJob, Invitation, Job, Role
from hirebench.services import audit, invitations
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.candidate import RESULT_STATES, TEST_STATUSES, TYPE_LABELS
from hirebench.web.forms import ActionForm, InviteForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("hr", __name__, url_prefix="/hr")
protect_blueprint(bp, [Role.hr, Role.admin])


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.job_id.choices = [SelectChoice(job.id, job.title) for job in jobs.open_jobs()]
    return form


def _render_home(
    form: InviteForm, status: int = 200, duplicate: Invitation | None = None
) -> ResponseReturnValue:
    open_jobs = jobs.open_jobs()
    return (
        render_template(
            "hr/home.html",
            form=form,
            jobs=open_jobs,
            overviews=attention.overviews(open_jobs),
            attention_days=attention.waiting_days,
            missing_panelists=attention.missing_panelists,
            stages=pipeline.STAGES,
            stage_labels=pipeline.STAGE_LABELS,
            invitations=invitations.recent(20),
            duplicate=duplicate,
        ),
        status,
    )


@bp.route("/")
def home() -> ResponseReturnValue:
    return _render_home(_invite_form())


def _send(issued: invitations.IssuedInvitation) -> bool:
    """Mail the invitation; on failure roll back, so no link exists that nobody received."""
    try:
        invitations.send_invitation_mail(issued)
    except (OSError, BadHeaderError):
        db.session.rollback()
        current_app.logger.exception("invitation mail failed")
        flash(_("The invitation mail could not be sent; nothing was saved. Try again."), "error")
        return False
    db.session.commit()
    return True


@bp.route("/invitations", methods=["POST"])
def invite() -> ResponseReturnValue:
    form = _invite_form()
    if not form.validate_on_submit():
        return _render_home(form, 400)
    job = db.session.get(Job, form.job_id.data)
    if job is None:
        form.job_id.errors.append(_("Choose an open job."))
        return _render_home(form, 400)
    # Checked before anything is saved or mailed, so a refused factor sends no invitation.
    wanted = form.accommodation()
    if wanted is None:
        return _render_home(form, 400)
    try:
        issued = invitations.invite_candidate(
            name=form.name.data or "",
            email=form.email.data or "",
            job=job,
            invited_by=current_user,
            ttl_hours=current_app.config["INVITATION_TTL_HOURS"],
            ip=client_ip(),
        )
        # Left at "none", the form changes nothing: an account invited again keeps what HR
        # granted before. A note left empty keeps the one there is.
        if wanted.any or wanted.note:
            if not wanted.note:
                wanted = accommodations.with_note_kept(issued.candidate, wanted)
            accommodations.set_accommodation(
                issued.candidate, wanted, by=current_user, ip=client_ip()
            )
    except invitations.DuplicateInvitation as exc:
        db.session.rollback()
        return _render_home(form, 409, duplicate=db.session.get(Invitation, exc.invitation.id))
    except ServiceError as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        return _render_home(form, 400)
    email = issued.candidate.email
    if not _send(issued):
        return _render_home(form, 503)
    if issued.notice_only:
        flash(
            _(
                "%(email)s already has an account: the job was added to it and they were "
                "told to log in.",
                email=email,
            ),
            "success",
        )
    else:
        flash(_("Invitation sent to %(email)s.", email=email), "success")
    return redirect(url_for("hr.home"))


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
def resend_invitation(invitation_id: int) -> ResponseReturnValue:
    invitation = db.get_or_404(Invitation, invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        issued = invitations.resend(
            invitation,
            by=current_user,
            ttl_hours=current_app.config["INVITATION_TTL_HOURS"],
            ip=client_ip(),
        )
    except invitations.InvitationError:
        db.session.rollback()
        flash(_("This invitation was already used or withdrawn; it cannot be resent."), "error")
        return redirect(url_for("hr.home"), code=303)
    email = invitation.candidate.email
    if _send(issued):
        flash(_("A new invitation link was sent to %(email)s.", email=email), "success")
    return redirect(url_for("hr.home"), code=303)


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    invitation = db.get_or_404(Invitation, invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invitations.revoke(invitation, by=current_user, ip=client_ip())
    except invitations.InvitationError:
        db.session.rollback()
        flash(_("This invitation was already used; it cannot be withdrawn."), "error")
        return redirect(url_for("hr.home"), code=303)
    db.session.commit()
    flash(
        _("The invitation to %(email)s was withdrawn.", email=invitation.candidate.email),
        "success",
    )
    return redirect(url_for("hr.home"), code=303)


@bp.route("/audit")
def audit_log() -> ResponseReturnValue:
    prefix = request.args.get("action", "")[:64]
    events = db.paginate(audit.recent_events_query(prefix), page=page_number(), per_page=50)
    return render_template("hr/audit.html", events=events, action=prefix)


def _integrity(attempt: Attempt) -> dict[str, Any]:
    """The attempt's integrity summary with its flags in words."""
    summary = attempts.integrity_summary(attempt)
    return {**summary, "flag_labels": integrity_labels.flag_labels(summary)}


# attempts.progress in HR's words, for the attempts list and the attempt page alike.
PROGRESS_NAMES = {
    "in_progress": _l("in progress"),
    "grading": _l("submitted, grading"),
    "awaiting_review": _l("awaiting review"),
    "graded": _l("graded"),
}


@bp.route("/attempts")
def attempts_list() -> ResponseReturnValue:
    query = sa.select(Attempt).order_by(Attempt.started_at.desc(), Attempt.id.desc())
    page = db.paginate(query, page=page_number(), per_page=50)
    summaries = {attempt.id: _integrity(attempt) for attempt in page.items}
    # The same progress the candidate sees: "graded" only once reviews are done too.
    progress = {attempt.id: attempts.progress(attempt) for attempt in page.items}
    return render_template(
        "hr/attempts.html",
        attempts=page,
        summaries=summaries,
        progress=progress,
        progress_names=PROGRESS_NAMES,
    )


@bp.route("/attempts/<int:attempt_id>")
def attempt_detail(attempt_id: int) -> ResponseReturnValue:
    attempt = db.get_or_404(Attempt, attempt_id)
    attempts.close_if_overdue(attempt)
    attempts.sync_coding_results(attempt)
    definition = attempts.definition_of(attempt)
    saved = attempts.answers_by_question(attempt)
    rows = []
    for question_id in attempt.question_ids:
        question = definition.question(question_id)
        answer = saved.get(question_id)
        view = get_type(question.type).review_view(question, answer.value if answer else None)
        rows.append(
            {
                "question": question,
                "answer": answer,
                "view": view,
                "type_label": TYPE_LABELS.get(question.type, question.type),
                # The same Markdown as the candidate saw, with long data blocks folded away.
                "prompt_html": render_prompt_for_review(question.prompt),
                "state_label": RESULT_STATES.get(answer.state, answer.state) if answer else "",
                "grading": _staff_grading(answer),
            }
        )
    return render_template(
        "hr/attempt.html",
        attempt=attempt,
        definition=definition,
        rows=rows,
        summary=_integrity(attempt),
        timeline=integrity_labels.timeline(list(attempt.events)),
        progress=attempts.progress(attempt),
        progress_names=PROGRESS_NAMES,
        test_statuses=TEST_STATUSES,
        runs=runs_by_question(attempt),
    )


def _staff_grading(answer: Answer | None) -> dict[str, Any] | None:
    """The whole stored sandbox result of a coding answer, staff detail included (the real
    message, traceback and output of hidden tests): staff pages only, never a candidate's."""
    if answer is None or answer.grading_job_id is None:
        return None
    job = db.session.get(GradingJob, answer.grading_job_id)
    return job.result if job is not None else None
