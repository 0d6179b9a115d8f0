"""Staff notifications: the list with the bell's unread count, marking read, opening the thing
a notification is about, and the per-kind mutes. Every query is scoped to the logged-in user,
so another user's notification id answers 404 like one that does not exist."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from hirebench.extensions import db
from hirebench.models import Notification, Role
from hirebench.notifications import kinds, service
from hirebench.services.errors import ServiceError
from hirebench.web.access import protect_blueprint
from hirebench.web.forms import ActionForm
from hirebench.web.helpers import client_ip, page_number

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
protect_blueprint(bp, Role.staff())


@bp.app_context_processor
def bell_globals() -> dict[str, Any]:
    return {"notification_bell": notification_bell, "bell_text": service.bell_text}


def notification_bell() -> int | None:
    """The logged-in staff member's unread count, or None where there is no bell (logged out,
    candidates). base.html calls it once, so a page costs one count and only a page that
    draws the bell pays it (not mail, not JSON)."""
    if not current_user.is_authenticated or current_user.role is Role.candidate:
        return None
    return service.unread_count(current_user)


def _shown(rows: list[Notification]) -> list[dict[str, Any]]:
    """Each notification's words, in the reader's language."""
    return [
        {
            "row": row,
            "title": kinds.title(row.kind, row.params),
            "body": kinds.body(row.kind, row.params),
            "link": request.script_root + row.link if _safe(row.link) else "",
        }
        for row in rows
    ]


def _safe(link: str) -> bool:
    """A path inside this site: stored links are built from the URL map, but a redirect to
    anything else would be an open redirect, so each is checked where it is followed."""
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


@bp.route("/")
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    page = db.paginate(
        service.list_query(current_user, unread_only=unread_only),
        page=page_number(),
        per_page=service.PER_PAGE,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        shown=_shown(list(page.items)),
        unread_only=unread_only,
        form=ActionForm(),
    )


def _own(notification_id: int) -> Notification:
    try:
        return service.notification_for(current_user, notification_id)
    except ServiceError:
        abort(404)


def _back() -> ResponseReturnValue:
    page = request.form.get("page", type=int) or 1
    unread = "1" if request.form.get("unread") == "1" else None
    return redirect(url_for(".index", page=max(1, page), unread=unread))


@bp.route("/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id: int) -> ResponseReturnValue:
    _own(notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.mark_read(current_user, notification_id)
    return _back()


@bp.route("/<int:notification_id>/open", methods=["POST"])
def open_notification(notification_id: int) -> ResponseReturnValue:
    """Mark it read and go to what it is about."""
    row = _own(notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.mark_read(current_user, notification_id)
    if not _safe(row.link):
        return _back()
    return redirect(request.script_root + row.link)


@bp.route("/read-all", methods=["POST"])
def mark_all_read() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    count = service.mark_all_read(current_user)
    flash(_("%(count)s notifications marked as read.", count=count), "success")
    return redirect(url_for(".index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences() -> ResponseReturnValue:
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = {
            key: service.Channels(
                app=request.form.get(f"app-{key}") == "on",
                mail=request.form.get(f"mail-{key}") == "on",
            )
            for key in kinds.KINDS
        }
        service.save_preferences(current_user, chosen, ip=client_ip())
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".preferences"))
    choices = [
        (key, kinds.label(key), channels)
        for key, channels in service.preferences(current_user).items()
    ]
    return render_template("notifications/preferences.html", choices=choices, form=form)
