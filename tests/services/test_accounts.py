from __future__ import annotations

import pytest

from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.services import accounts
from tests.conftest import PASSWORD


def _user(app, make_user, role: Role = Role.hr) -> User:  # type: ignore[no-untyped-def]
    made = make_user(role)
    found = db.session.get(User, made.id)
    assert found is not None
    return found


def test_password_change_rotates_the_session_token(app, make_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = _user(app, make_user)
        user.must_change_password = True
        before = user.get_id()
        accounts.change_password(user, PASSWORD, "another good pw")
        assert user.get_id() != before and user.get_id().startswith(f"{user.id}:")
        assert not user.must_change_password
        with pytest.raises(accounts.AccountError, match="current password is wrong"):
            accounts.change_password(user, PASSWORD, "third good password")
        with pytest.raises(accounts.AccountError, match="different"):
            accounts.change_password(user, "another good pw", "another good pw")


def test_deactivation_rotates_token_and_refuses_self(app, make_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        admin, hr = _user(app, make_user, Role.admin), _user(app, make_user)
        token = hr.session_token
        accounts.set_active(hr, False, actor=admin)
        assert not hr.active and hr.session_token != token
        with pytest.raises(accounts.AccountError):
            accounts.set_active(admin, False, actor=admin)


def test_update_staff_refuses_self_demotion_and_candidate_roles(app, make_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        admin, hr = _user(app, make_user, Role.admin), _user(app, make_user)
        with pytest.raises(accounts.AccountError):
            accounts.update_staff(admin, name="", role=Role.hr, actor=admin)
        with pytest.raises(accounts.AccountError):
            accounts.update_staff(hr, name="", role=Role.candidate, actor=admin)
        token = hr.session_token
        accounts.update_staff(hr, name="Renamed", role=Role.business, actor=admin)
        assert hr.role is Role.business and hr.session_token != token


def test_create_user_can_force_a_password_change(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user, generated = accounts.create_user("x@example.com", Role.hr, must_change_password=True)
        assert generated and user.must_change_password and len(user.session_token) == 32
