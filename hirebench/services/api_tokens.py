"""API tokens: bearer secrets for the JSON API (docs/api.md). Only a SHA-256 hash is stored, so
the plaintext is shown once, when the token is created, and can never be shown again."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench.extensions import db
from hirebench.models import ApiToken, User
from hirebench.models.api_tokens import DEFAULT_SCOPE, SCOPES
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError

TOKEN_PREFIX = "hb_"  # noqa: S105 - a marker that makes leaked tokens easy to spot, not a secret
PREFIX_LENGTH = 10
MAX_NAME_LENGTH = 100
# "hb_" and 43 URL-safe characters today; a little room, but nothing absurd gets hashed.
_TOKEN_SHAPE = re.compile(r"hb_[A-Za-z0-9_-]{20,100}")
# Recording every use would write a row per API request; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def checked_scopes(scopes: Iterable[str]) -> str:
    """The scopes as stored (space-separated, in SCOPES order), or a ServiceError."""
    wanted = {scope.strip() for scope in scopes if scope.strip()}
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ServiceError(_("Unknown scope: %(scope)s.", scope=", ".join(unknown)))
    if not wanted:
        raise ServiceError(_("Choose at least one scope: what the token may read."))
    return " ".join(scope for scope in SCOPES if scope in wanted)


def create(
    name: str,
    *,
    by: User | None,
    ip: str = "",
    scopes: Iterable[str] = (DEFAULT_SCOPE,),
) -> tuple[ApiToken, str]:
    """A new token and its plaintext, which the caller shows once. The caller commits."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the token a name, such as the system that will use it."))
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(
            _("The name can have at most %(count)d characters.", count=MAX_NAME_LENGTH)
        )
    stored_scopes = checked_scopes(scopes)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=_hash(raw),
        prefix=raw[:PREFIX_LENGTH],
        created_by_id=by.id if by is not None else None,
        scopes=stored_scopes,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.create",
        by,
        target=token,
        ip=ip,
        name=name,
        prefix=token.prefix,
        scopes=stored_scopes,
    )
    return token, raw


def authenticate(raw: str | None) -> ApiToken | None:
    """The active token for a presented secret, or None. The caller commits (last_used_at)."""
    if not raw or not _TOKEN_SHAPE.fullmatch(raw):
        return None
    # Looking up the hash, not the secret, keeps the comparison's timing independent of how
    # much of a guessed token is right.
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash(raw)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def revoke(token: ApiToken, *, by: User | None, ip: str = "") -> None:
    """Stop a token from working. Revoking twice changes nothing. The caller commits."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record("api_token.revoke", by, target=token, ip=ip, name=token.name, prefix=token.prefix)


def active_and_revoked() -> list[ApiToken]:
    """Every token: the active ones first, then the revoked; newest first within each."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )
