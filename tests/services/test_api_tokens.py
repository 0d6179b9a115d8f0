from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import ApiToken, AuditEvent, Role
from hirebench.models.base import utcnow
from hirebench.services import api_tokens
from hirebench.services.errors import ServiceError


def _actions() -> list[str]:
    query = sa.select(AuditEvent.action).where(AuditEvent.action.startswith("api_token."))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def test_create_stores_only_the_hash(app, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(Role.admin)
    with app.app_context():
        token, raw = api_tokens.create("  ATS sync  ", by=db.session.merge(admin))
        db.session.commit()
        assert raw.startswith("hb_") and len(raw) > 40
        row = db.session.scalars(sa.select(ApiToken)).one()
        assert row.name == "ATS sync" and row.created_by_id == admin.id
        assert row.prefix == raw[:10]
        assert len(row.token_hash) == 64 and raw not in row.token_hash
        assert raw[10:] not in f"{row.name}{row.prefix}{row.token_hash}"
        assert _actions() == ["api_token.create"]
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "api_token.create")
        ).one()
        assert event.actor_id == admin.id
        assert event.target_id == str(token.id) and event.detail["prefix"] == row.prefix
        assert raw not in str(event.detail)


def test_tokens_differ(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        _first, one = api_tokens.create("one", by=None)
        _second, two = api_tokens.create("two", by=None)
        assert one != two


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_name_is_required_and_bounded(app, name: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), pytest.raises(ServiceError):
        api_tokens.create(name, by=None)


def test_name_of_100_characters_is_fine(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        token, _raw = api_tokens.create("x" * 100, by=None)
        assert len(token.name) == 100


def test_authenticate(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        token, raw = api_tokens.create("ATS", by=None)
        db.session.commit()
        assert api_tokens.authenticate(raw) == token
        wrong = raw[:-1] + ("A" if raw[-1] != "A" else "B")
        for bad in (None, "", wrong, raw[:-5], raw + "x", "hb_", " " + raw, token.token_hash):
            assert api_tokens.authenticate(bad) is None, bad
        assert api_tokens.authenticate("hb_" + "é" * 40) is None  # malformed: not URL-safe
        assert api_tokens.authenticate(raw.replace("hb_", "xx_", 1)) is None


def test_revoked_token_fails_and_revoke_is_idempotent(app, make_user) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(Role.admin)
    with app.app_context():
        token, raw = api_tokens.create("ATS", by=None)
        api_tokens.revoke(token, by=db.session.merge(admin))
        db.session.commit()
        revoked_at = token.revoked_at
        assert revoked_at is not None
        assert api_tokens.authenticate(raw) is None
        api_tokens.revoke(token, by=None)
        db.session.commit()
        assert token.revoked_at == revoked_at
        assert _actions() == ["api_token.create", "api_token.revoke"]
        revoke_event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "api_token.revoke")
        ).one()
        assert revoke_event.actor_id == admin.id and revoke_event.detail["name"] == "ATS"


def test_last_used_at_is_written_at_most_once_a_minute(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        token, raw = api_tokens.create("ATS", by=None)
        db.session.commit()
        assert token.last_used_at is None
        api_tokens.authenticate(raw)
        first = token.last_used_at
        assert first is not None and utcnow() - first < timedelta(seconds=5)
        api_tokens.authenticate(raw)
        assert token.last_used_at == first  # within the minute: no new write
        token.last_used_at = first - timedelta(minutes=2)
        api_tokens.authenticate(raw)
        assert token.last_used_at is not None and token.last_used_at > first - timedelta(minutes=1)


def test_active_and_revoked_lists_active_first(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        api_tokens.create("old", by=None)
        gone, _raw = api_tokens.create("gone", by=None)
        api_tokens.create("new", by=None)
        api_tokens.revoke(gone, by=None)
        db.session.commit()
        assert [t.name for t in api_tokens.active_and_revoked()] == ["new", "old", "gone"]
