"""Hiring analytics pages (issue 15, docs/analytics.md): a job's analytics for HR and admins,
the admin overview across jobs, performance ratings per hire, the what-if and apply of a
weight proposal, and the candidates' voluntary group-data form.

Group data never appears next to a person: the staff pages show the analytics' aggregates
only (small groups suppressed by the core), and the candidate form shows a candidate only
their own answers. Every form carries a CSRF token; ratings changes are audited by the
service."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from hirebench.analytics import charts, groups, service
from hirebench.analytics.adverse import MIN_GROUP
from hirebench.analytics.weights import MIN_RATED_HIRES
from hirebench.extensions import db
from hirebench.models import Job, PerformanceRating, Role, User
from hirebench.models.performance import RATING_KINDS
from hirebench.privacy import consent as privacy_consent
from hirebench.scorecards.compute import STAGE_TITLES
from hirebench.web.access import allow, protect_blueprint
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("analytics", __name__)
protect_blueprint(bp, [Role.hr, Role.admin])

PER_PAGE = 25
KIND_LABELS = {"probation": _l("Probation review"), "periodic": _l("Periodic review")}
PREFER_NOT = "prefer_not"


def _stage_titles() -> dict[str, str]:
    return {stage.value: _(title) for stage, title in STAGE_TITLES.items()}


# ------------------------------------------------------------------- the job's page


@bp.route("/hr/jobs/<int:job_id>/analytics")
def job_page(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    page = service.job_page(job)
    titles = {**_stage_titles(), "composite": _("Composite")}
    # The composite's spread joins the stages', as the one distribution the hire and reject
    # cut-offs apply to.
    if page["composite_scores"]:
        page["scores"] = {**page["scores"], "composite": page["composite_scores"]}
    page["charts"] = charts.page_charts(
        page["funnel"],
        page["scores"],
        page["validity"],
        page["items_by_version"],
        titles,
        cutoffs=page["cutoffs"],
    )
    return render_template(
        "analytics/job.html",
        **page,
        stage_titles=titles,
        group_labels=groups.labels_for(page["adverse"]),
        min_rated=MIN_RATED_HIRES,
        min_group=MIN_GROUP,
    )


@bp.route("/admin/analytics")
@allow(Role.admin)
def overview() -> ResponseReturnValue:
    return render_template(
        "analytics/overview.html", rows=service.overview(), min_rated=MIN_RATED_HIRES
    )


# ------------------------------------------------------------------ what-if and apply


class ApplyForm(FlaskForm):
    # The proposal as HR saw it; the service computes it again and refuses when it moved.
    weights = HiddenField()


def _proposal(job: Job) -> tuple[dict[str, Any], dict[str, float]]:
    report = service.validity_report(job)
    if report is None or report["weights"]["proposed"] is None:
        reason = report["weights"]["refused"] if report else _("the job has no profile")
        flash(_("No weights are proposed: %(reason)s", reason=reason), "error")
        abort(redirect(url_for("analytics.job_page", job_id=job.id)))
    return report, dict(report["weights"]["proposed"])


@bp.route("/hr/jobs/<int:job_id>/analytics/what-if")
def what_if(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    report, proposed = _proposal(job)
    try:
        changes = service.what_if(job, proposed)
        problem = None
    except service.AnalyticsError as exc:
        changes, problem = {"changed": [], "unchanged": 0}, str(exc)
    form = ApplyForm(weights=json.dumps(proposed, sort_keys=True))
    return render_template(
        "analytics/what_if.html",
        job=job,
        weights=report["weights"],
        changes=changes,
        problem=problem,
        form=form,
        stage_titles=_stage_titles(),
    )


@bp.route("/hr/jobs/<int:job_id>/analytics/apply", methods=["POST"])
def apply(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        seen = {str(k): float(v) for k, v in json.loads(form.weights.data or "{}").items()}
    except (ValueError, AttributeError, TypeError):
        abort(400)
    try:
        profile = service.apply_proposal(job, seen, by=current_user, ip=client_ip())
    except service.AnalyticsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("analytics.what_if", job_id=job.id))
    flash(_("The weights are applied as profile version %(v)d.", v=profile.version), "success")
    return redirect(url_for("analytics.job_page", job_id=job.id))


# --------------------------------------------------------------------------- ratings


class RatingForm(FlaskForm):
    candidate_id = SelectField(_l("Hire"), coerce=int, validators=[DataRequired()])
    rated_on = DateField(_l("Date of the review"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in RATING_KINDS])
    # InputRequired, not DataRequired: 0 is a rating on a 0-10 scale.
    rating = DecimalField(_l("Rating"), validators=[InputRequired()], places=None)
    scale_min = DecimalField(_l("Scale from"), default=1, validators=[InputRequired()])
    scale_max = DecimalField(_l("Scale to"), default=5, validators=[InputRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=2000)])


class EditRatingForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in RATING_KINDS])
    rating = DecimalField(_l("Rating"), validators=[InputRequired()], places=None)
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=2000)])


def _rating_form(job: Job, hires: list[User]) -> RatingForm:
    form = RatingForm()
    form.candidate_id.choices = [SelectChoice(u.id, f"{u.name} <{u.email}>") for u in hires]
    return form


@bp.route("/hr/jobs/<int:job_id>/ratings", methods=["GET", "POST"])
def ratings(job_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    hires = service.hires_of(job)
    form = _rating_form(job, hires)
    if form.validate_on_submit():
        candidate = db.get_or_404(User, form.candidate_id.data)
        try:
            service.record_rating(
                job,
                candidate,
                rated_on=form.rated_on.data or date.today(),
                rating=float(form.rating.data or 0),
                scale=(float(form.scale_min.data or 0), float(form.scale_max.data or 0)),
                kind=form.kind.data or "periodic",
                comment=form.comment.data or "",
                by=current_user,
                ip=client_ip(),
            )
        except service.AnalyticsError as exc:
            db.session.rollback()
            form.rating.errors = [*form.rating.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The rating is saved."), "success")
            return redirect(url_for("analytics.ratings", job_id=job.id))
    chosen = request.args.get("candidate", type=int)
    shown = next((u for u in hires if u.id == chosen), None)
    page = db.paginate(service.ratings_query(job, shown), page=page_number(), per_page=PER_PAGE)
    return render_template(
        "analytics/ratings.html",
        job=job,
        hires=hires,
        candidate=shown,
        page=page,
        form=form,
        delete_form=ActionForm(),
        kind_labels=KIND_LABELS,
    ), (400 if form.errors else 200)


def _rating(job: Job, rating_id: int) -> PerformanceRating:
    row = db.get_or_404(PerformanceRating, rating_id)
    if row.job_id != job.id:
        abort(404)
    return row


@bp.route("/hr/jobs/<int:job_id>/ratings/<int:rating_id>", methods=["GET", "POST"])
def edit_rating(job_id: int, rating_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    row = _rating(job, rating_id)
    form = EditRatingForm(obj=row)
    if form.validate_on_submit():
        try:
            service.update_rating(
                row,
                rating=float(form.rating.data or 0),
                kind=form.kind.data or row.kind,
                comment=form.comment.data or "",
                by=current_user,
                ip=client_ip(),
            )
        except service.AnalyticsError as exc:
            db.session.rollback()
            form.rating.errors = [*form.rating.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("The rating is changed."), "success")
            return redirect(url_for("analytics.ratings", job_id=job.id))
    return render_template(
        "analytics/rating_edit.html", job=job, rating=row, form=form, kind_labels=KIND_LABELS
    ), (400 if form.errors else 200)


@bp.route("/hr/jobs/<int:job_id>/ratings/<int:rating_id>/delete", methods=["POST"])
def delete_rating(job_id: int, rating_id: int) -> ResponseReturnValue:
    job = db.get_or_404(Job, job_id)
    row = _rating(job, rating_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.delete_rating(row, by=current_user, ip=client_ip())
    db.session.commit()
    flash(_("The rating is deleted."), "success")
    return redirect(url_for("analytics.ratings", job_id=job.id))


# ------------------------------------------------------------- voluntary group data


def _group_form(answers: dict[str, Any] | None) -> FlaskForm:
    """A form with one radio group per question, asked in the configured order."""

    class GroupForm(FlaskForm):
        pass

    for question in groups.questions():
        choices = [SelectChoice(code, label) for code, label in question.choices]
        choices.append(SelectChoice(PREFER_NOT, _l("Prefer not to say")))
        field = RadioField(question.label, choices=choices, validators=[Optional()])
        setattr(GroupForm, question.code, field)
    # Group data is sensitive: it needs its own consent, never the application's (PIPL Art. 29).
    GroupForm.consent = BooleanField(
        _l(privacy_consent.TEXTS[privacy_consent.ConsentPurpose.group_data].text),
        validators=[DataRequired(message=_l("Tick the box to agree before saving."))],
    )
    if answers is None:  # never answered: nothing is chosen for them
        return GroupForm()
    return GroupForm(data={q: answers.get(q, PREFER_NOT) for q in service.group_questions()})


@bp.route("/me/about-you", methods=["GET", "POST"])
@allow(Role.candidate)
def group_data() -> ResponseReturnValue:
    answers = service.group_data_of(current_user)
    form = _group_form(answers)
    if form.validate_on_submit():
        given = {q: form[q].data for q in service.group_questions()}
        service.save_group_data(current_user, given)
        privacy_consent.give(
            current_user,
            privacy_consent.ConsentPurpose.group_data,
            ip=client_ip(),
            user_agent=request.user_agent.string,
        )
        db.session.commit()
        flash(_("Thank you. Your answers are saved."), "success")
        return redirect(url_for("candidate.home"))
    return render_template(
        "analytics/group_data.html",
        form=form,
        questions=service.group_questions(),
        answered=answers is not None,
        min_group=MIN_GROUP,
    ), (400 if form.errors else 200)


class ForgetForm(FlaskForm):
    # Named in the form, so that only the page's own button deletes the answers.
    confirm = HiddenField(validators=[AnyOf(["delete"])])


@bp.route("/me/about-you/delete", methods=["POST"])
@allow(Role.candidate)
def delete_group_data() -> ResponseReturnValue:
    if not ForgetForm().validate_on_submit():
        abort(400)
    service.save_group_data(current_user, {})
    privacy_consent.withdraw_if_given(current_user, privacy_consent.ConsentPurpose.group_data)
    db.session.commit()
    flash(_("Your answers are deleted."), "success")
    return redirect(url_for("candidate.home"))
