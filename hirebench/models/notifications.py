"""Staff notifications shown in the app (the bell) and each user's mutes per kind and channel.

A notification stores its kind and plain parameters, never rendered text: the title and body
are built from translatable message ids when a page shows them, so each reader sees them in
their own language (docs/notifications.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin


class Notification(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "notifications"
    # The bell counts a user's unread rows on every page, so that count is an index scan.
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # One of hirebench.notifications.kinds.KINDS, e.g. "review_assigned".
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Plain values the message ids are formatted with (names, titles, ids); never markup.
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # A path inside the app (built with url_for when the notification was made).
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    read_at: Mapped[datetime | None]


class NotificationMute(db.Model):  # type: ignore[name-defined]
    """A user's choice not to get one kind in the app and/or by mail. No row: both on."""

    __tablename__ = "notification_mutes"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    mute_app: Mapped[bool] = mapped_column(default=False)
    mute_mail: Mapped[bool] = mapped_column(default=False)
