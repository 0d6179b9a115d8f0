"""Exams and their published versions. An exam is identified by its slug (the folder name
and `id:` in exam.yaml); each load that changes the content adds an immutable version, so an
attempt keeps the exact version it started with. Attempts live in their own module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin, utcnow


class Exam(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))  # the current version's title

    versions: Mapped[list[ExamVersion]] = relationship(
        back_populates="exam", order_by="ExamVersion.number"
    )

    def __repr__(self) -> str:
        return f"<Exam {self.id} {self.slug}>"


class ExamVersion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "exam_versions"
    __table_args__ = (
        # Explicit names: the metadata's naming convention names a unique constraint after its
        # first column only, which would give both of these the same name.
        sa.UniqueConstraint("exam_id", "number", name="uq_exam_versions_exam_id_number"),
        sa.UniqueConstraint(
            "exam_id", "content_hash", name="uq_exam_versions_exam_id_content_hash"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exams.id"))
    number: Mapped[int]  # 1, 2, ... per exam
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # ExamDefinition.to_json(): self-contained (gold rows and grader notebooks inline), so a
    # version never changes when the files it was loaded from do. Never updated.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # When this version last became the current one: the latest published_at is current,
    # which lets a reload of older content make that version current again.
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    exam: Mapped[Exam] = relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<ExamVersion {self.exam_id} v{self.number}>"


class GraderFile(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A file that a coding question's grader ships (data, helper modules), stored once under
    its SHA-256. A version's definition names its files by hash (CodingSpec.grader_files)
    instead of holding up to 20 MB of them inline, so the definition, which is loaded with
    every attempt, stays small, and a file shared by several versions is stored once. Rows
    are named by their content, so they are never updated."""

    __tablename__ = "grader_files"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    def __repr__(self) -> str:
        return f"<GraderFile {self.sha256[:12]} {self.size} bytes>"
