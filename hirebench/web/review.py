"""Reviewer area: a paginated queue of assigned items, and blind, independent scoring
against the item's anchored rubric."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.exams.attempts import definition_of
from hirebench.exams.prompts import render_prompt
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.models import ReviewAssignment, ReviewItem, ReviewKind, Role
from hirebench.portfolios import service as portfolios
from hirebench.reviews import workflow
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip, page_number
from hirebench.web.portfolio_files import preview, preview_document, send_portfolio_file

bp = Blueprint("review", __name__, url_prefix="/review")
protect_blueprint(bp, [Role.reviewer])

PER_PAGE = 20


@bp.route("/")
def home() -> ResponseReturnValue:
    done = request.args.get("tab") == "done"
    page = db.paginate(
        workflow.queue_query(current_user, done=done), page=page_number(), per_page=PER_PAGE
    )
    open_count = db.session.scalar(
        workflow.queue_query(current_user, done=False)
        .with_only_columns(db.func.count(ReviewAssignment.id))
        .order_by(None)
    )
    labels = {a.item_id: workflow.candidate_label(a.item) for a in page.items}
    return render_template(
        "review/home.html", page=page, done=done, labels=labels, open_count=open_count
    )


def _assignment(item_id: int) -> ReviewAssignment:
    try:
        return workflow.assignment_for(item_id, current_user, ip=client_ip())
    except workflow.NotAssigned:
        abort(404)  # the same answer whether the item exists or not


def subject_view(item: ReviewItem) -> dict[str, Any]:
    """What is being reviewed: the portfolio case, or the exam question with the answer."""
    if item.kind is ReviewKind.portfolio:
        return {"portfolio": item.portfolio}
    answer = item.answer
    if answer is None:
        return {}
    question = definition_of(answer.attempt).question(answer.question_id)
    return {
        "question": get_type(question.type).review_view(question, answer.value),
        "prompt_html": render_prompt(question.prompt),
    }


def _render_item(
    assignment: ReviewAssignment, values: dict[str, Any] | None = None, status: int = 200
) -> ResponseReturnValue:
    item = assignment.item
    mine = [r for r in item.reviews if r.assignment_id == assignment.id]
    current = mine[-1] if mine else None
    editing = current is None or request.args.get("edit") == "1" or values is not None
    if values is None and current is not None:
        values = {
            "levels": current.levels,
            "comments": current.comments,
            "summary": current.summary,
        }
    others = (
        [r for r in workflow.current_reviews(item) if r.reviewer_id != current_user.id]
        if workflow.others_visible(item, current_user)
        else None
    )
    return (
        render_template(
            "review/item.html",
            item=item,
            assignment=assignment,
            subject=subject_view(item),
            criteria=workflow.criteria_of(item),
            top=workflow.top_level(workflow.criteria_of(item)),
            candidate=workflow.candidate_label(item),
            labels=workflow.reviewer_labels(item),
            current=current,
            history=mine,
            others=others,
            editing=editing,
            values=values or {},
            bank=workflow.comment_bank(item.rubric_key),
            form=ActionForm(),
        ),
        status,
    )


@bp.route("/items/<int:item_id>")
def item(item_id: int) -> ResponseReturnValue:
    return _render_item(_assignment(item_id))


@bp.route("/items/<int:item_id>", methods=["POST"])
def submit(item_id: int) -> ResponseReturnValue:
    assignment = _assignment(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    criteria = workflow.criteria_of(assignment.item)
    levels = {c.id: request.form.get(f"level-{c.id}", "") for c in criteria}
    comments = {c.id: request.form.get(f"comment-{c.id}", "") for c in criteria}
    summary = request.form.get("summary", "")
    values = {"levels": levels, "comments": comments, "summary": summary}
    try:
        review = workflow.submit_review(assignment, levels, comments, summary, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_item(_assignment(item_id), values, 400)
    for criterion in criteria:
        if request.form.get(f"bank-{criterion.id}"):
            workflow.add_to_bank(
                assignment.item.rubric_key, criterion.id, comments[criterion.id], current_user
            )
    db.session.commit()
    flash(
        _("Review saved (version %(version)d).", version=review.version)
        if review.version > 1
        else _("Review submitted. The other reviewers' scores are now shown."),
        "success",
    )
    return redirect(url_for("review.item", item_id=item_id))


def _item_file(item_id: int, file_id: int) -> Any:
    item = _assignment(item_id).item
    if item.portfolio is None:
        abort(404)
    stored = portfolios.file_of(item.portfolio, file_id)
    if stored is None:
        abort(404)
    return item, stored


@bp.route("/items/<int:item_id>/files/<int:file_id>")
def download(item_id: int, file_id: int) -> ResponseReturnValue:
    _item, stored = _item_file(item_id, file_id)
    return send_portfolio_file(stored, inline=request.args.get("inline") == "1")


@bp.route("/items/<int:item_id>/files/<int:file_id>/preview")
def file_preview(item_id: int, file_id: int) -> ResponseReturnValue:
    item, stored = _item_file(item_id, file_id)
    return render_template(
        "review/preview.html",
        item=item,
        file=stored,
        preview=preview(stored),
        download_endpoint="review.download",
    )


@bp.route("/items/<int:item_id>/files/<int:file_id>/preview/document")
def file_preview_document(item_id: int, file_id: int) -> ResponseReturnValue:
    _item, stored = _item_file(item_id, file_id)
    return preview_document(stored)
