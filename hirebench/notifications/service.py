"""Notifying staff, reading notifications and muting kinds (docs/notifications.md).

`notify` joins the caller's transaction and never commits: a notification exists exactly when
the change that caused it is committed. The mail goes to the outbox (hirebench.outbox.mail),
which the worker sends; nothing here talks to a mail server. The read and preference functions
are called by the web views and commit their own change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from hirebench.extensions import db
from hirebench.models import Notification, NotificationMute, Role, User
from hirebench.models.base import utcnow
from hirebench.notifications import kinds
from hirebench.outbox import mail as outbox_mail
from hirebench.services import audit
from hirebench.services.errors import ServiceError

# The bell shows at most this many; more reads "99+". Counting stops there, so a user with
# thousands unread costs no more than one with a hundred.
BELL_CAP = 99
PER_PAGE = 20
MAIL_TEMPLATE = "mail/notify_message.txt"


class NotificationNotFound(ServiceError):
    """No such notification for this user (another user's id answers the same)."""


@dataclass(frozen=True)
class Channels:
    app: bool = True
    mail: bool = True


# ------------------------------------------------------------------------------ sending


def link_to(endpoint: str, **values: Any) -> str:
    """The path of an endpoint from the app's root, buildable without a request (a worker's
    commit can notify too). Pages prefix the request's script root; mail prefixes BASE_URL."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return str(adapter.build(endpoint, values))


def channels_of(user_id: int, kind: str) -> Channels:
    mute = db.session.scalar(
        sa.select(NotificationMute).where(
            NotificationMute.user_id == user_id, NotificationMute.kind == kind
        )
    )
    if mute is None:
        return Channels()
    return Channels(app=not mute.mute_app, mail=not mute.mute_mail)


def notify(user: User, kind: str, params: Mapping[str, Any], link: str) -> Notification | None:
    """Tell one active staff member about something, in the app and by mail, on the channels
    they have not muted. Returns the in-app row, or None when that channel is muted."""
    if kind not in kinds.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.active or user.role is Role.candidate:
        return None
    channels = channels_of(user.id, kind)
    row = None
    if channels.app:
        row = Notification(user_id=user.id, kind=kind, params=dict(params), link=link)
        db.session.add(row)
    if channels.mail:
        _enqueue_mail(user, kind, params, link)
    return row


def notify_all(
    users: Iterable[User], kind: str, params: Mapping[str, Any], link: str
) -> list[Notification]:
    """`notify` each user once, however often they appear."""
    unique = {user.id: user for user in users}
    rows = [notify(user, kind, params, link) for user in unique.values()]
    return [row for row in rows if row is not None]


def users_with_role(role: Role) -> list[User]:
    return list(
        db.session.scalars(sa.select(User).where(User.role == role, User.active).order_by(User.id))
    )


def _site_root() -> str:
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    if base:
        return base
    if has_request_context():
        return request.host_url.rstrip("/")
    server = current_app.config.get("SERVER_NAME")
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{server}" if server else ""


def _enqueue_mail(user: User, kind: str, params: Mapping[str, Any], link: str) -> None:
    """The mail in the recipient's language, whoever's request caused it."""
    locale = user.locale or str(current_app.config["BABEL_DEFAULT_LOCALE"])
    root = _site_root()
    with force_locale(locale):
        subject = kinds.title(kind, params)
        text = render_template(
            MAIL_TEMPLATE,
            user=user,
            title=subject,
            body=kinds.body(kind, params),
            link=root + link,
            preferences=root + link_to("notifications.preferences"),
        )
    outbox_mail.enqueue(user.email, subject, text)


# ------------------------------------------------------------------------------ reading


def unread_count(user: User) -> int:
    """Unread notifications, counted up to BELL_CAP + 1 (enough to tell "99+")."""
    unread = (
        sa.select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(BELL_CAP + 1)
        .subquery()
    )
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(unread)) or 0)


def bell_text(count: int) -> str:
    return f"{BELL_CAP}+" if count > BELL_CAP else str(count)


def list_query(user: User, *, unread_only: bool = False) -> sa.Select[tuple[Notification]]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def notification_for(user: User, notification_id: int) -> Notification:
    row = db.session.scalar(
        sa.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if row is None:
        raise NotificationNotFound(_("There is no such notification."))
    return row


def mark_read(user: User, notification_id: int) -> Notification:
    row = notification_for(user, notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return row


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------------------- preferences


def preferences(user: User) -> dict[str, Channels]:
    """Every kind with the channels the user gets it on."""
    mutes = {
        m.kind: m
        for m in db.session.scalars(
            sa.select(NotificationMute).where(NotificationMute.user_id == user.id)
        )
    }
    return {
        key: Channels(app=not mutes[key].mute_app, mail=not mutes[key].mute_mail)
        if key in mutes
        else Channels()
        for key in kinds.KINDS
    }


def save_preferences(user: User, chosen: Mapping[str, Channels], *, ip: str = "") -> None:
    """Store the user's channels per kind; a kind left out keeps its current setting."""
    unknown = set(chosen) - set(kinds.KINDS)
    if unknown:
        raise ServiceError(_("Unknown kind of notification: %(kind)s.", kind=sorted(unknown)[0]))
    mutes = {
        m.kind: m
        for m in db.session.scalars(
            sa.select(NotificationMute).where(NotificationMute.user_id == user.id)
        )
    }
    for key, channels in chosen.items():
        mute = mutes.get(key)
        if mute is None:
            mute = NotificationMute(user_id=user.id, kind=key)
            db.session.add(mute)
        mute.mute_app = not channels.app
        mute.mute_mail = not channels.mail
    audit.record(
        "notifications.preferences",
        user,
        target=user,
        ip=ip,
        muted_app=sorted(k for k, c in chosen.items() if not c.app),
        muted_mail=sorted(k for k, c in chosen.items() if not c.mail),
    )
    db.session.commit()
