"""HR's list of new hires (accepted offers) per job and accepted-date range, with the CSV and
XLSX exports of their new-hire records (docs/handoff.md). ID and bank numbers are masked on the
page and in the files; exports are audit-logged."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.handoff import exports, hires, record
from hirebench.models import Role
from hirebench.services import audit
from hirebench.web.access import protect_blueprint
from hirebench.web.errors import render_error
from hirebench.web.fetch_metadata import deliberate_only
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("hr_hires", __name__, url_prefix="/hr/hires")
protect_blueprint(bp, [Role.hr, Role.admin])

PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter() -> hires.HireFilter:
    return hires.parse_filter(
        request.args.get("job"), request.args.get("from"), request.args.get("to")
    )


def _render(
    hire_filter: hires.HireFilter,
    page: Any = None,
    rows: list[dict[str, Any]] | None = None,
    error: str | None = None,
) -> ResponseReturnValue:
    html = render_template(
        "hr/hires.html",
        hire_filter=hire_filter,
        # What was typed, shown back as typed even when it could not be read.
        raw={key: request.args.get(key, "") for key in ("job", "from", "to")},
        jobs=hires.jobs_with_hires(),
        page=page,
        rows=rows or [],
        onboarding_label=exports.onboarding_label,
        error=error,
    )
    return html, 400 if error else 200


@bp.route("/")
def hires_page() -> ResponseReturnValue:
    try:
        hire_filter = _filter()
    except hires.RangeError as exc:
        return _render(hires.HireFilter(), error=str(exc))
    page = db.paginate(hires.query(hire_filter), page=page_number(), per_page=PER_PAGE)
    rows = [record.masked(data) for data in hires.records(list(page.items))]
    return _render(hire_filter, page, rows)


def _filename(hire_filter: hires.HireFilter, extension: str) -> str:
    parts = ["hires", f"job-{hire_filter.job_id}" if hire_filter.job_id else "all-jobs"]
    if hire_filter.start:
        parts.append(f"from-{hire_filter.start.isoformat()}")
    if hire_filter.end:
        parts.append(f"to-{hire_filter.end.isoformat()}")
    return "-".join(parts) + "." + extension


@bp.route("/export.<any(csv, xlsx):fmt>")
@deliberate_only
def export(fmt: str) -> ResponseReturnValue:
    try:
        hire_filter = _filter()
    except hires.RangeError as exc:
        return render_error(400, str(exc))
    job = hires.job_of(hire_filter)
    if hire_filter.job_id is not None and job is None:
        return render_error(404, _("There is no job %(id)d.", id=hire_filter.job_id))
    records = hires.all_records(hire_filter)
    audit.record(
        f"export.hires_{fmt}",
        current_user,
        target=job,
        ip=client_ip(),
        rows=len(records),
        range=hire_filter.query_args(),
    )
    db.session.commit()
    if fmt == "csv":
        data, mimetype = exports.csv_bytes(records), "text/csv"
    else:
        title = job.title if job is not None else _("New hires")
        data, mimetype = exports.xlsx_bytes(records, title), XLSX_TYPE
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(hire_filter, fmt)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
