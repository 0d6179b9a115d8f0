"""Project portfolios: a candidate's project cases and the files they uploaded."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow

if TYPE_CHECKING:
    from hirebench.models.people import User


class Portfolio(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "portfolios"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    data_volume: Mapped[str] = mapped_column(sa.String(200))
    results: Mapped[str] = mapped_column(sa.Text)
    # Kept as text for reviewers to open themselves; the server never fetches it.
    repo_url: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[User] = relationship()
    files: Mapped[list[PortfolioFile]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", order_by="PortfolioFile.id"
    )


class PortfolioFile(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "portfolio_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        sa.ForeignKey("portfolios.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(sa.String(255))
    # A random name in the upload store, outside the web root.
    storage_name: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # Sniffed from the bytes at upload time, never from the file name.
    kind: Mapped[str] = mapped_column(sa.String(20))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # A zip archive's listing (name, size, compressed_size), so reviewers see what is inside.
    entries: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    portfolio: Mapped[Portfolio] = relationship(back_populates="files")
