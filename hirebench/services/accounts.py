"""Accounts: creation, password hashing and checking."""

from __future__ import annotations

import hmac
import secrets

import email_validator
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError

MIN_PASSWORD_LENGTH = 10
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method name, not a secret
# Checked against when the email is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


# Company networks (and the demo) use .local mail domains; email_validator documents removing
# entries from this list as the way to accept them.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")


class AccountError(ServiceError):
    pass


def normalize_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(_("Enter a valid email address.") + f" ({exc})") from exc


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must be at least %(n)s characters long.", n=MIN_PASSWORD_LENGTH)
        )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError as exc:
        choices = ", ".join(r.value for r in Role)
        raise AccountError(
            _("Unknown role %(role)s; choose one of: %(choices)s.", role=role, choices=choices)
        ) from exc


def create_user(
    email: str,
    role: Role | str,
    *,
    name: str = "",
    password: str | None = None,
    actor: User | None = None,
    must_change_password: bool = False,
) -> tuple[User, str | None]:
    """Create an account. Returns the user and the generated password when none was given."""
    role = _role(role)
    email = normalize_email(email)
    if find_by_email(email) is not None:
        raise AccountError(_("An account for %(email)s already exists.", email=email))
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    check_password_policy(password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor, target=user, email=email, role=role.value)
    return user, generated


def set_password(user: User, password: str) -> None:
    """Set a new password and end every session and remember cookie made with the old one."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Invalidate every session and remember cookie of the account: both carry the token."""
    user.session_token = secrets.token_hex(16)


def session_matches(user: User, token: str) -> bool:
    return hmac.compare_digest(user.session_token.encode(), token.encode())


def change_password(user: User, current: str, new: str, *, ip: str = "") -> None:
    """The owner's own change: the current password proves it is them, not a borrowed session."""
    if user.password_hash is None or not check_password_hash(user.password_hash, current):
        raise AccountError(_("The current password is wrong."))
    if current == new:
        raise AccountError(_("Choose a password different from the current one."))
    set_password(user, new)
    audit.record("password.change", user, target=user, ip=ip)


def update_staff(user: User, *, name: str, role: Role | str, actor: User, ip: str = "") -> None:
    """An admin edits a staff account's name and role; nobody demotes themself."""
    role = _role(role)
    if user.role is Role.candidate or role not in Role.staff():
        raise AccountError(_("Only staff accounts and staff roles can be edited here."))
    if user.id == actor.id and role is not user.role:
        raise AccountError(_("You cannot change your own role."))
    changes = {}
    if name.strip() != user.name:
        changes["name"] = name.strip()
    if role is not user.role:
        changes["role"] = role.value
        # A session opened under the old role must not keep its old reach.
        end_sessions(user)
    user.name = name.strip()
    user.role = role
    audit.record("user.update", actor, target=user, ip=ip, **changes)


def set_active(user: User, active: bool, *, actor: User, ip: str = "") -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    if user.id == actor.id:
        raise AccountError(_("You cannot deactivate or reactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)
    audit.record("user.reactivate" if active else "user.deactivate", actor, target=user, ip=ip)


def authenticate(email: str, password: str) -> User | None:
    """The user when the credentials are right and the account may log in, else None."""
    user = find_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user
