"""API tokens for the JSON API. Only a hash is stored; the token is shown once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hirebench.extensions import db
from hirebench.models.base import CreatedAtMixin

SCOPE_SCORECARDS_READ = "scorecards:read"
SCOPE_HIRES_READ = "hires:read"
# Scrapes /metrics from another host (docs/operations.md); reads no candidate data.
SCOPE_METRICS_READ = "metrics:read"
#: Every scope a token may carry, in the order the admin form lists them.
SCOPES = (SCOPE_SCORECARDS_READ, SCOPE_HIRES_READ, SCOPE_METRICS_READ)
DEFAULT_SCOPE = SCOPE_SCORECARDS_READ


class ApiToken(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters, so an admin can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Space-separated, like OAuth scopes ("scorecards:read hires:read"). Tokens made before
    # scopes existed read scorecards only, which is what the server default gives them.
    scopes: Mapped[str] = mapped_column(
        sa.String(200), default=DEFAULT_SCOPE, server_default=DEFAULT_SCOPE
    )

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def allows(self, scope: str) -> bool:
        return scope in self.scope_set
