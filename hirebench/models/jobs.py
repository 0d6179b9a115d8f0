"""Jobs. The competency model, skills and stage weights arrive with the scorecard issue."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin


class Job(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    department: Mapped[str] = mapped_column(sa.String(200), default="")
    salary_min: Mapped[int | None]
    salary_max: Mapped[int | None]
    salary_period: Mapped[str] = mapped_column(sa.String(10), default="month")
    is_open: Mapped[bool] = mapped_column(default=True)
