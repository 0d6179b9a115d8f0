"""The outbox: rows written in the same transaction as the change they announce, delivered
later by a worker (hirebench/outbox/dispatcher.py). Webhook endpoints, the messages sent to
them with one delivery per endpoint and its attempts, and outgoing mail. See docs/webhooks.md."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # waiting for its next attempt (or leased by a worker making it)
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # retried for the whole retry window without success
    cancelled = "cancelled"  # its endpoint was disabled (answered 410) or switched off


class MailStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class WebhookEndpoint(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The signing key itself ("whsec_..."): HMAC needs it, so unlike API tokens it cannot be
    # hashed. Shown to the admin once, at creation.
    secret: Mapped[str] = mapped_column(sa.String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    # Set only explicitly by an admin: lets the URL resolve to loopback or private addresses.
    allow_private: Mapped[bool] = mapped_column(default=False)
    # Why it was switched off (e.g. "the receiver answered 410 Gone"); empty while enabled.
    disabled_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    def subscribes(self, event_type: str) -> bool:
        return event_type in (self.events or [])

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookMessage(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One event as published. The body is stored as the exact bytes that are signed and sent,
    so every retry and resend carries the same body under the same webhook-id."""

    __tablename__ = "webhook_messages"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "msg_<hex>"
    event_type: Mapped[str] = mapped_column(sa.String(60), index=True)
    body: Mapped[str] = mapped_column(sa.Text)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(back_populates="message")


class WebhookDelivery(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One message to one endpoint. A worker leases it (lease_owner, lease_until) for the
    length of one attempt, so two workers never make the same attempt at once."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(
        sa.ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        sa.Enum(DeliveryStatus, native_enum=False, length=12), default=DeliveryStatus.pending
    )
    attempt_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    lease_owner: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[datetime | None]
    # An admin's resend points at the delivery it repeats.
    resend_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )

    message: Mapped[WebhookMessage] = relationship(back_populates="deliveries")
    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempts: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.message_id} {self.status}>"


class WebhookAttempt(db.Model):  # type: ignore[name-defined]
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]  # None when no answer came (refused, timeout, SSRF check)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")


class OutgoingMail(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "outgoing_mail"
    __table_args__ = (sa.Index("ix_outgoing_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MailStatus] = mapped_column(
        sa.Enum(MailStatus, native_enum=False, length=10), default=MailStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    lease_owner: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[datetime | None]
    # A reminder names itself ("onboarding-task:<id>:due:<date>"): the unique index is what
    # makes a second enqueue, even from another process at the same moment, add nothing.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.to} {self.status}>"
