"""People: staff and candidate accounts, and the invitations that create candidates."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin

if TYPE_CHECKING:
    from hirebench.models.jobs import Job


class Role(enum.StrEnum):
    admin = "admin"
    hr = "hr"
    reviewer = "reviewer"
    interviewer = "interviewer"
    business = "business"  # the hiring department: reads scorecards, gives feedback
    candidate = "candidate"

    @classmethod
    def staff(cls) -> tuple[Role, ...]:
        return (cls.admin, cls.hr, cls.reviewer, cls.interviewer, cls.business)


class User(UserMixin, CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20))
    # Null until an invited candidate sets one; such an account cannot log in.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    last_login_at: Mapped[datetime | None]
    # An accommodation: every timed attempt gets its time limit multiplied by this.
    extra_time_factor: Mapped[float] = mapped_column(default=1.0, server_default="1.0")
    # More accommodations (exams/accommodations.py): breaks the candidate may take during a
    # timed attempt, each of this many minutes with the clock stopped, and HR's note on why.
    # The note is for HR only in the app, but it is about the person: it is in their copy.
    break_count: Mapped[int] = mapped_column(default=0, server_default="0")
    break_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    accommodation_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Part of every session and remember cookie (through get_id); replacing it on logout, a
    # password change or deactivation makes every cookie issued before that point worthless.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: secrets.token_hex(16))
    # Set for accounts an admin made: the admin knows the first password, so the owner must
    # choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="candidate", foreign_keys="Invitation.candidate_id"
    )

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    @property
    def can_log_in(self) -> bool:
        """An invited candidate has no password until the invitation is accepted."""
        return self.password_hash is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Invitation(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only a hash is stored: a database leak must not hand out live invitation links.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Withdrawn by HR, or superseded when another link of the same account was used.
    revoked_at: Mapped[datetime | None]
    # A job added to an account that can already log in: it was mailed a notice to log in,
    # never a link, so there is nothing to accept (used_at is set at once).
    notice: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    candidate: Mapped[User] = relationship(
        back_populates="invitations", foreign_keys=[candidate_id]
    )
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    job: Mapped[Job] = relationship()
