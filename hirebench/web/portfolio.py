"""Candidate area for project portfolios: add a project case with its files, see what was sent."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.models import Portfolio, Role
from hirebench.portfolios import service
from hirebench.portfolios.uploads import StorageFull
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import PortfolioForm
from hirebench.web.helpers import client_ip
from hirebench.web.portfolio_files import send_portfolio_file

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
protect_blueprint(bp, [Role.candidate])


def _render(form: PortfolioForm, status: int = 200) -> ResponseReturnValue:
    cases = service.cases_of(current_user)
    items = {case.id: service.review_item_of(case) for case in cases}
    return (
        render_template(
            "portfolio/home.html",
            form=form,
            cases=cases,
            items=items,
            max_cases=service.MAX_PORTFOLIOS,
        ),
        status,
    )


@bp.route("/")
def home() -> ResponseReturnValue:
    return _render(PortfolioForm())


@bp.route("/", methods=["POST"])
def create() -> ResponseReturnValue:
    form = PortfolioForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    uploads = [
        (storage.filename or "", storage.read())
        for storage in request.files.getlist(form.files.name)
        if storage.filename
    ]
    fields = service.CaseFields(
        title=form.title.data or "",
        description=form.description.data or "",
        role=form.role.data or "",
        data_volume=form.data_volume.data or "",
        results=form.results.data or "",
        repo_url=form.repo_url.data or "",
    )
    try:
        case = service.create_case(current_user, fields, uploads, ip=client_ip())
    except ServiceError as exc:
        db.session.rollback()
        form.files.errors.append(str(exc))
        # A full disk is the server's trouble: 503, so that clients and monitors retry later.
        return _render(form, 503 if isinstance(exc, StorageFull) else 400)
    flash(_("Your project case “%(title)s” was sent for review.", title=case.title), "success")
    return redirect(url_for("portfolio.home"))


def _own_case(portfolio_id: int) -> Portfolio:
    case = db.session.get(Portfolio, portfolio_id)
    if case is None or case.candidate_id != current_user.id:
        abort(404)
    return case


@bp.route("/<int:portfolio_id>/files/<int:file_id>")
def download(portfolio_id: int, file_id: int) -> ResponseReturnValue:
    case = _own_case(portfolio_id)
    stored = service.file_of(case, file_id)
    if stored is None:
        abort(404)
    return send_portfolio_file(stored)
