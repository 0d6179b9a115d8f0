"""HR: a candidate's accommodations on their page, and more time for an attempt under way
(issue 19 item 1, docs/accommodations.md). The routes live on the hr blueprint, so only HR and
admins reach them; the service (exams/accommodations.py) checks the limits and audits.

The candidate page (hr_panel.candidate) renders the card through the template global
`accommodation_panel`; a refused form is rendered on that same page, beside its fields."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, g, make_response, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.exams import accommodations
from hirebench.exams.accommodations import AccommodationError
from hirebench.exams.attempts import definition_of
from hirebench.extensions import db
from hirebench.models import Attempt, AttemptStatus, Role, User
from hirebench.web.forms import AccommodationForm, ExtendAttemptForm
from hirebench.web.helpers import client_ip
from hirebench.web.hr import bp

ANCHOR = "accommodation"


def _extend_form(attempt: Attempt, *, blank: bool) -> ExtendAttemptForm:
    # One form per open attempt on the page: the prefix keeps their ids and names apart.
    prefix = f"extend-{attempt.id}"
    if blank:
        return ExtendAttemptForm(prefix=prefix, formdata=None)
    return ExtendAttemptForm(prefix=prefix)


@bp.app_template_global()
def accommodation_panel(person: User) -> dict[str, Any]:
    """The candidate page's accommodation card: the present arrangements, the form (with its
    errors after a refused POST), and each open attempt with its deadline and extension form."""
    refused: dict[Any, Any] = g.get("accommodation_forms", {})
    form = refused.get(ANCHOR)
    if form is None:
        form = AccommodationForm(formdata=None)
        form.fill_from(accommodations.of(person))
    open_attempts = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.candidate_id == person.id, Attempt.status == AttemptStatus.in_progress)
        .order_by(Attempt.id)
    ).all()
    return {
        "current": accommodations.of(person),
        "form": form,
        "attempts": [
            {
                "attempt": attempt,
                "allowed_minutes": accommodations.allowed_minutes(
                    attempt, definition_of(attempt).time_limit_minutes
                ),
                "form": refused.get(attempt.id) or _extend_form(attempt, blank=True),
            }
            for attempt in open_attempts
        ],
    }


def _candidate(candidate_id: int) -> User:
    person = db.get_or_404(User, candidate_id)
    if person.role is not Role.candidate:
        abort(404)
    return person


def _page_with(person: User, forms: dict[Any, Any], status: int) -> ResponseReturnValue:
    """The candidate page as hr_panel.candidate renders it, with these forms and their
    errors in place of blank ones."""
    g.accommodation_forms = forms
    response = make_response(current_app.view_functions["hr.candidate"](candidate_id=person.id))
    response.status_code = status
    return response


@bp.route("/candidates/<int:candidate_id>/accommodation", methods=["POST"])
def set_accommodation(candidate_id: int) -> ResponseReturnValue:
    person = _candidate(candidate_id)
    form = AccommodationForm()
    wanted = form.accommodation() if form.validate_on_submit() else None
    if wanted is not None:
        try:
            changed = accommodations.set_accommodation(
                person, wanted, by=current_user, ip=client_ip()
            )
        except AccommodationError as exc:
            db.session.rollback()
            form.accommodation_error(exc)
        else:
            db.session.commit()
            flash(
                _("Accommodation saved. It applies to exams not started yet.")
                if changed
                else _("Nothing changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("hr.candidate", candidate_id=person.id, _anchor=ANCHOR))
    return _page_with(person, {ANCHOR: form}, 400)


@bp.route("/attempts/<int:attempt_id>/extend", methods=["POST"])
def extend_attempt(attempt_id: int) -> ResponseReturnValue:
    attempt = db.get_or_404(Attempt, attempt_id)
    person = attempt.candidate
    form = _extend_form(attempt, blank=False)
    if form.validate_on_submit():
        try:
            accommodations.extend_attempt(
                attempt,
                form.minutes.data or 0,
                form.reason.data or "",
                by=current_user,
                ip=client_ip(),
            )
        except AccommodationError as exc:
            db.session.rollback()
            if exc.field not in ("minutes", "reason"):
                # Closed meanwhile: its form is gone from the page, so the message is a flash.
                flash(str(exc), "error")
                return _page_with(person, {}, 409)
            target = form.minutes if exc.field == "minutes" else form.reason
            target.errors = [*target.errors, str(exc)]
        else:
            db.session.commit()
            flash(
                _(
                    "%(minutes)d minutes added. The candidate's open exam page shows the new "
                    "time within half a minute.",
                    minutes=form.minutes.data,
                ),
                "success",
            )
            return redirect(url_for("hr.candidate", candidate_id=person.id, _anchor=ANCHOR))
    return _page_with(person, {attempt.id: form}, 400)
