"""Offers: what HR proposes to a candidate after the scorecard, with every version of the terms
kept (the letter the candidate accepted must stay readable as it was), and the evidence of
acceptance."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow

if TYPE_CHECKING:
    from hirebench.models.jobs import Application, Job
    from hirebench.models.people import User


class OfferStatus(enum.StrEnum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    withdrawn = "withdrawn"

    @classmethod
    def closed(cls) -> tuple[OfferStatus, ...]:
        """Final states: nothing about such an offer changes any more."""
        return (cls.accepted, cls.declined, cls.expired, cls.withdrawn)


class Offer(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(
        sa.Enum(OfferStatus, native_enum=False, length=20), default=OfferStatus.draft
    )
    current_version: Mapped[int] = mapped_column(default=1)
    # Who must approve a salary above the budget (set when approval is asked for).
    approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Acceptance evidence: the typed name, when, from where, and the exact letter seen.
    accepted_name: Mapped[str] = mapped_column(sa.String(200), default="")
    accepted_at: Mapped[datetime | None]
    accepted_ip: Mapped[str] = mapped_column(sa.String(64), default="")
    accepted_user_agent: Mapped[str] = mapped_column(sa.String(500), default="")
    accepted_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    accepted_version: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    job: Mapped[Job] = relationship()
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list[OfferVersion]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="OfferVersion.version"
    )

    @property
    def current(self) -> OfferVersion:
        for version in self.versions:
            if version.version == self.current_version:
                return version
        raise LookupError(f"offer {self.id} has no version {self.current_version}")

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.status} v{self.current_version}>"


class OfferVersion(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One version of an offer's terms. Never changed once sent: an edit adds a version."""

    __tablename__ = "offer_versions"
    __table_args__ = (sa.UniqueConstraint("offer_id", "version", name="uq_offer_versions_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    job_title: Mapped[str] = mapped_column(sa.String(200))
    grade: Mapped[str] = mapped_column(sa.String(50), default="")
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    # Yuan per month; salary_months is how many of them a year pays (13 = a 13th month).
    monthly_salary: Mapped[int]
    salary_months: Mapped[int] = mapped_column(default=12)
    probation_salary: Mapped[int]
    probation_months: Mapped[int] = mapped_column(default=0)
    # 五险一金: social insurance and the housing fund, on this monthly base.
    social_insurance: Mapped[bool] = mapped_column(default=True)
    insurance_base: Mapped[int | None]
    hours_scheme: Mapped[str] = mapped_column(sa.String(20), default="standard")
    daily_hours: Mapped[float] = mapped_column(default=8.0)
    core_hours: Mapped[str] = mapped_column(sa.String(20), default="")
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    start_date: Mapped[date]
    valid_until: Mapped[date]
    terms: Mapped[str] = mapped_column(sa.Text, default="")
    letter_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    letter_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    offer: Mapped[Offer] = relationship(back_populates="versions")

    @property
    def annual_total(self) -> int:
        return self.monthly_salary * self.salary_months
