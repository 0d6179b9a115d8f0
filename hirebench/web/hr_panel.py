"""HR views of human judgement: candidates with their reviews and scorecards, the review
items with assignment by hand, interview kits and scheduling, and rater agreement.
Routes live on the hr blueprint, so they share its access policy."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from hirebench.extensions import db
from hirebench.interviews import service as interviews
from hirebench.jobs import service as jobs
from hirebench.models import (
    Attempt,
    Interview,
    InterviewKit,
    Job,
    Portfolio,
    ReviewAssignment,
    ReviewItem,
    Role,
    User,
)
from hirebench.portfolios import service as portfolios
from hirebench.reviews import reports, workflow
from hirebench.services.errors import ServiceError
from hirebench.web.forms import ActionForm, AssignReviewerForm, KitForm, ScheduleInterviewForm
from hirebench.web.helpers import client_ip, page_number
from hirebench.web.hr import bp
from hirebench.web.interview import RECOMMENDATIONS
from hirebench.web.portfolio_files import preview, preview_document, send_portfolio_file
from hirebench.web.review import subject_view

# ------------------------------------------------------------------------------ candidates


@bp.route("/candidates")
def candidates() -> ResponseReturnValue:
    search = request.args.get("q", "").strip()[:100]
    query = sa.select(User).where(User.role == Role.candidate).order_by(User.name, User.email)
    if search:
        pattern = f"%{search}%"
        query = query.where(sa.or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    page = db.paginate(query, page=page_number(), per_page=50)
    return render_template("hr/candidates.html", page=page, search=search)


@bp.route("/candidates/<int:candidate_id>")
def candidate(candidate_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, candidate_id)
    if person.role is not Role.candidate:
        abort(404)
    attempts = db.session.scalars(
        sa.select(Attempt).where(Attempt.candidate_id == person.id).order_by(Attempt.id.desc())
    ).all()
    candidate_interviews = db.session.scalars(
        sa.select(Interview).where(Interview.candidate_id == person.id).order_by(Interview.id)
    ).all()
    return render_template(
        "hr/candidate.html",
        person=person,
        attempts=attempts,
        cases=portfolios.cases_of(person),
        history=workflow.history_for_candidate(person),
        interviews=candidate_interviews,
        kit_competencies={i.id: interviews.kit_competencies(i.kit) for i in candidate_interviews},
        recommendations=RECOMMENDATIONS,
        agreement=reports.agreement_report(reports.keys_for_candidate(person)),
    )


# ---------------------------------------------------------------------------- review items


@bp.route("/reviews")
def review_items() -> ResponseReturnValue:
    show = request.args.get("show", "all")
    query = sa.select(ReviewItem).order_by(ReviewItem.id.desc())
    if show == "flagged":
        query = query.where(ReviewItem.flagged)
    elif show == "open":
        query = query.where(sa.not_(ReviewItem.complete))
    else:
        show = "all"
    page = db.paginate(query, page=page_number(), per_page=50)
    return render_template("hr/review_items.html", page=page, show=show)


def _assign_form() -> AssignReviewerForm:
    form = AssignReviewerForm()
    form.reviewer_id.choices = [
        SelectChoice(r.id, f"{r.name} <{r.email}>") for r in workflow.active_reviewers()
    ]
    return form


def _render_item(item: ReviewItem, form: AssignReviewerForm, status: int = 200) -> Any:
    return (
        render_template(
            "hr/review_item.html",
            item=item,
            subject=subject_view(item),
            criteria=workflow.criteria_of(item),
            form=form,
            remove_form=ActionForm(),
        ),
        status,
    )


@bp.route("/reviews/<int:item_id>")
def review_item(item_id: int) -> ResponseReturnValue:
    return _render_item(db.get_or_404(ReviewItem, item_id), _assign_form())


@bp.route("/reviews/<int:item_id>/assign", methods=["POST"])
def assign_reviewer(item_id: int) -> ResponseReturnValue:
    item = db.get_or_404(ReviewItem, item_id)
    form = _assign_form()
    if not form.validate_on_submit():
        return _render_item(item, form, 400)
    reviewer = db.session.get(User, form.reviewer_id.data)
    try:
        if reviewer is None:
            raise workflow.ReviewError(_("Choose a reviewer."))
        workflow.assign(item, reviewer, by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        form.reviewer_id.errors.append(str(exc))
        return _render_item(db.get_or_404(ReviewItem, item_id), form, 400)
    db.session.commit()
    flash(_("%(email)s now reviews this item.", email=reviewer.email), "success")
    return redirect(url_for("hr.review_item", item_id=item_id))


@bp.route("/reviews/<int:item_id>/assignments/<int:assignment_id>/remove", methods=["POST"])
def unassign_reviewer(item_id: int, assignment_id: int) -> ResponseReturnValue:
    assignment = db.get_or_404(ReviewAssignment, assignment_id)
    if assignment.item_id != item_id or not ActionForm().validate_on_submit():
        abort(400)
    try:
        workflow.unassign(assignment, by=current_user, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Assignment removed."), "success")
    return redirect(url_for("hr.review_item", item_id=item_id))


@bp.route("/portfolios/<int:portfolio_id>/files/<int:file_id>")
def portfolio_file(portfolio_id: int, file_id: int) -> ResponseReturnValue:
    stored = portfolios.file_of(db.get_or_404(Portfolio, portfolio_id), file_id)
    if stored is None:
        abort(404)
    return send_portfolio_file(stored, inline=request.args.get("inline") == "1")


@bp.route("/portfolios/<int:portfolio_id>/files/<int:file_id>/preview")
def portfolio_file_preview(portfolio_id: int, file_id: int) -> ResponseReturnValue:
    case = db.get_or_404(Portfolio, portfolio_id)
    stored = portfolios.file_of(case, file_id)
    if stored is None:
        abort(404)
    return render_template(
        "review/preview.html",
        item=portfolios.review_item_of(case),
        file=stored,
        preview=preview(stored),
        download_endpoint="hr.portfolio_file",
    )


@bp.route("/portfolios/<int:portfolio_id>/files/<int:file_id>/preview/document")
def portfolio_file_preview_document(portfolio_id: int, file_id: int) -> ResponseReturnValue:
    stored = portfolios.file_of(db.get_or_404(Portfolio, portfolio_id), file_id)
    if stored is None:
        abort(404)
    return preview_document(stored)


@bp.route("/agreement")
def agreement() -> ResponseReturnValue:
    return render_template("hr/agreement.html", report=reports.agreement_report())


# ------------------------------------------------------------------------------ interviews


def _kit_form() -> KitForm:
    form = KitForm()
    form.job_id.choices = [SelectChoice(job.id, job.title) for job in jobs.open_jobs()]
    form.questions.choices = [
        SelectChoice(q.slug, q.definition["text"])
        for _key, _title, questions in interviews.bank_by_competency()
        for q in questions
    ]
    return form


def _schedule_form() -> ScheduleInterviewForm:
    form = ScheduleInterviewForm()
    form.kit_id.choices = [
        SelectChoice(k.id, f"{k.job.title} · {k.stage} · {k.title}")
        for k in db.session.scalars(sa.select(InterviewKit).order_by(InterviewKit.id))
    ]
    form.candidate_id.choices = [
        SelectChoice(u.id, f"{u.name} <{u.email}>")
        for u in db.session.scalars(
            sa.select(User).where(User.role == Role.candidate, User.active).order_by(User.name)
        )
    ]
    form.interviewer_ids.choices = [
        SelectChoice(u.id, f"{u.name} <{u.email}>")
        for u in db.session.scalars(
            sa.select(User).where(User.role == Role.interviewer, User.active).order_by(User.name)
        )
    ]
    return form


def _render_interviews(
    kit_form: KitForm, schedule_form: ScheduleInterviewForm, status: int = 200
) -> Any:
    page = db.paginate(
        sa.select(Interview).order_by(Interview.id.desc()), page=page_number(), per_page=50
    )
    return (
        render_template(
            "hr/interviews.html",
            page=page,
            kits=db.session.scalars(sa.select(InterviewKit).order_by(InterviewKit.id)).all(),
            bank=interviews.bank_by_competency(),
            kit_form=kit_form,
            schedule_form=schedule_form,
        ),
        status,
    )


@bp.route("/interviews")
def interviews_page() -> ResponseReturnValue:
    return _render_interviews(_kit_form(), _schedule_form())


@bp.route("/interviews/kits", methods=["POST"])
def create_kit() -> ResponseReturnValue:
    form = _kit_form()
    if not form.validate_on_submit():
        return _render_interviews(form, _schedule_form(), 400)
    job = db.session.get(Job, form.job_id.data)
    try:
        if job is None:
            raise interviews.InterviewError(_("Choose an open job."))
        kit = interviews.create_kit(
            job,
            form.stage.data or "",
            form.title.data or "",
            form.questions.data or [],
            by=current_user,
            ip=client_ip(),
        )
    except ServiceError as exc:
        db.session.rollback()
        form.questions.errors.append(str(exc))
        return _render_interviews(form, _schedule_form(), 400)
    flash(_("Interview kit “%(title)s” created.", title=kit.title), "success")
    return redirect(url_for("hr.interviews_page"))


@bp.route("/interviews", methods=["POST"])
def schedule_interview() -> ResponseReturnValue:
    form = _schedule_form()
    if not form.validate_on_submit():
        return _render_interviews(_kit_form(), form, 400)
    kit = db.session.get(InterviewKit, form.kit_id.data)
    person = db.session.get(User, form.candidate_id.data)
    panel = db.session.scalars(
        sa.select(User).where(User.id.in_(form.interviewer_ids.data or []))
    ).all()
    try:
        if kit is None or person is None:
            raise interviews.InterviewError(_("Choose a kit and a candidate."))
        interviews.schedule(
            kit, person, panel, form.scheduled_at.data, by=current_user, ip=client_ip()
        )
    except ServiceError as exc:
        db.session.rollback()
        form.interviewer_ids.errors.append(str(exc))
        return _render_interviews(_kit_form(), form, 400)
    flash(_("Interview scheduled with %(name)s.", name=person.name or person.email), "success")
    return redirect(url_for("hr.interviews_page"))
