"""Onboarding: the checklist a new hire and the staff work through between an accepted
offer and the first weeks, with the guide to day one."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin

if TYPE_CHECKING:
    from hirebench.models.jobs import Job
    from hirebench.models.people import User

ONBOARDING_STATUSES = ("active", "completed", "started", "withdrawn")
TASK_OWNERS = ("new_hire", "hr", "it", "manager")
UPLOAD_MODES = ("none", "optional", "required")


class Onboarding(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "onboardings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One onboarding per offer: a second acceptance event must not start another.
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    start_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    completed_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    # Address, arrive_at, materials and contact, copied from the template at start so a
    # later template edit does not change what a new hire was already told.
    guide: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # id_number, bank_name, bank_account as the new hire entered them; masked in the UI.
    personal: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    candidate: Mapped[User] = relationship()
    job: Mapped[Job] = relationship()
    tasks: Mapped[list[OnboardingTask]] = relationship(
        back_populates="onboarding",
        cascade="all, delete-orphan",
        order_by="(OnboardingTask.due_day, OnboardingTask.id)",
    )


class OnboardingTask(db.Model):  # type: ignore[name-defined]
    __tablename__ = "onboarding_tasks"
    __table_args__ = (
        sa.UniqueConstraint("onboarding_id", "key", name="uq_onboarding_tasks_onboarding_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        sa.ForeignKey("onboardings.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    # The English title when the template gives one; `title` is the template's first language.
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    owner: Mapped[str] = mapped_column(sa.String(20))
    # Days relative to the start date: -7 is a week before, 0 is day one.
    due_day: Mapped[int]
    blocks_day_one: Mapped[bool] = mapped_column(default=False)
    upload: Mapped[str] = mapped_column(sa.String(10), default="none")
    collects: Mapped[str] = mapped_column(sa.String(20), default="")
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    # A random name in the upload store, outside the web root.
    file_path: Mapped[str] = mapped_column(sa.String(64), default="")
    file_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    file_size: Mapped[int | None]

    onboarding: Mapped[Onboarding] = relationship(back_populates="tasks")
    done_by: Mapped[User | None] = relationship()

    @property
    def due_date(self) -> date:
        return self.onboarding.start_date + timedelta(days=self.due_day)

    @property
    def done(self) -> bool:
        return self.done_at is not None
