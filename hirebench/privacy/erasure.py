"""Erasure (GDPR Article 17, PIPL Article 47): remove or irreversibly anonymise everything about
a person, files on disk included, and keep an entry that says what kinds were erased, how
many and when, never the data.

The users row stays as a tombstone (email erased-<random>@invalid, no name, no password,
inactive) so foreign keys, and with them the analytics of stage scores, outcomes and dates,
stay valid without saying whose they were. Rows are found from the metadata (linked.py):
leaf tables in DELETE go; every other row loses the columns in CLEAR and has every trace of
the person's identity (email, name, ID and bank numbers, phone) cut out of its text and JSON."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from hirebench.extensions import db
from hirebench.models import LegalHold, Offer, OfferStatus, PrivacyRequest, User
from hirebench.privacy import export as export_mod
from hirebench.privacy import linked as linked_mod
from hirebench.privacy.linked import Linked
from hirebench.services import audit
from hirebench.services.errors import ServiceError

OPEN_OFFER = (
    OfferStatus.draft,
    OfferStatus.awaiting_approval,
    OfferStatus.approved,
    OfferStatus.sent,
)
ERASED = "[erased]"
TOMBSTONE_DOMAIN = "@invalid"

#: Leaf tables whose rows are about the person and nothing else: deleted outright.
DELETE: frozenset[str] = frozenset(
    {
        "consent_records",
        "group_data",
        "integrity_events",
        "notifications",
        "notification_mutes",
        "portfolio_files",
        "outgoing_mail",
    }
)
#: Columns emptied whatever they hold: network addresses, devices, typed signatures, the
#: person's own words, files and the letter that names them.
CLEAR: dict[str, tuple[str, ...]] = {
    "attempts": ("start_ip", "start_user_agent"),
    "offers": ("accepted_name", "accepted_ip", "accepted_user_agent", "decline_reason"),
    "offer_versions": ("letter_pdf",),
    "onboardings": ("personal",),
    "onboarding_tasks": ("file_name", "file_path", "file_sha256"),
    "applications": ("salary_expectation", "rejection_reason"),
    "resumes": ("file_name", "fields", "override_reason"),
    "portfolios": ("title", "description", "role", "data_volume", "results", "repo_url"),
    "exam_surveys": ("comment",),
    "audit_events": ("ip",),
    "grading_jobs": ("submission", "submission_name"),
}
# A choice answer's value is an option key; anything longer or with spaces is their text.
_OPTION_KEY = re.compile(r"[\w.\-:]{1,64}")
# Identity tokens shorter than this are left alone (a one-letter name would cut every word).
_MIN_TOKEN = 2
_PERSONAL_KEYS = ("name", "email", "phone", "mobile", "id_number", "bank_account", "wechat")


class ErasureRefused(ServiceError):
    """The person's data is under a legal hold; nothing was erased."""


@dataclass(frozen=True)
class Hold:
    kind: str  # "offer" | "dispute"
    reason: str


def holds_of(user: User) -> list[Hold]:
    """What stops an erasure now: an open offer, or a dispute HR placed."""
    found = [
        Hold("offer", f"offer {offer.id} is {offer.status.value}")
        for offer in db.session.scalars(
            sa.select(Offer).where(Offer.candidate_id == user.id, Offer.status.in_(OPEN_OFFER))
        )
    ]
    found += [
        Hold("dispute", hold.reason)
        for hold in db.session.scalars(
            sa.select(LegalHold).where(
                LegalHold.candidate_id == user.id, LegalHold.lifted_at.is_(None)
            )
        )
    ]
    return found


def is_erased(user: User) -> bool:
    return user.email.startswith("erased-") and user.email.endswith(TOMBSTONE_DOMAIN)


def identity_tokens(user: User, linked: Linked) -> list[str]:
    """Every string that identifies the person: their address and name, and the personal
    fields of their onboarding form and resume. Longest first, so a name inside an address
    is cut with the address."""
    tokens = {user.email, user.name}
    for table, column in (("onboardings", "personal"), ("resumes", "fields")):
        for row in linked.rows.get(table, {}).values():
            value = row[column]
            if isinstance(value, Mapping):
                tokens |= {str(value[k]) for k in _PERSONAL_KEYS if value.get(k)}
    for row in linked.rows.get("offers", {}).values():
        tokens.add(row["accepted_name"] or "")
    return sorted(
        (t.strip() for t in tokens if len(t.strip()) >= _MIN_TOKEN), key=len, reverse=True
    )


def scrub(value: Any, tokens: Iterable[str]) -> Any:
    """`value` with every token cut out of its strings, through lists and mappings."""
    if isinstance(value, str):
        for token in tokens:
            if token.lower() in value.lower():
                value = re.sub(re.escape(token), ERASED, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [scrub(v, tokens) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, tokens) for k, v in value.items()}
    return value


def _answer_value(value: Any) -> Any:
    """Keep the option keys analytics counts; drop written text and code."""
    if isinstance(value, str):
        return value if _OPTION_KEY.fullmatch(value) else None
    if isinstance(value, list) and all(
        isinstance(v, str) and _OPTION_KEY.fullmatch(v) for v in value
    ):
        return value
    return None


def _cleared(column: sa.Column[Any]) -> Any:
    if column.nullable:
        return None
    if isinstance(column.type, sa.LargeBinary):
        return b""
    return ""


def _anonymise(table: sa.Table, row: Mapping[str, Any], tokens: list[str]) -> dict[str, Any]:
    """The changed columns of one row."""
    changes: dict[str, Any] = {}
    clear = CLEAR.get(table.name, ())
    for column in table.columns:
        value = row[column.name]
        if column.name in clear:
            new = _cleared(column)
        elif table.name == "answers" and column.name == "value":
            new = scrub(_answer_value(value), tokens)
        elif isinstance(column.type, (sa.String, sa.Text, sa.JSON)) and not column.primary_key:
            new = scrub(value, tokens)
        else:
            continue
        if new != value:
            changes[column.name] = new
    return changes


def _tombstone(user: User) -> None:
    user.email = f"erased-{secrets.token_hex(8)}{TOMBSTONE_DOMAIN}"
    user.name = ""
    user.password_hash = None
    user.active = False
    user.last_login_at = None
    user.session_token = secrets.token_hex(16)  # every cookie issued to them is void
    # An accommodation can say why the person needs it; none of it is needed for analytics.
    user.accommodation_note = ""
    user.extra_time_factor = 1.0
    user.break_count = 0
    user.break_minutes = 0


def _delete_files(linked: Linked) -> int:
    removed = 0
    for (table, column), (folder, _shown) in export_mod.STORED_FILES.items():
        for row in linked.rows.get(table, {}).values():
            path = export_mod.stored_path(folder, row[column])
            if path is not None and path.exists():
                path.unlink()
                removed += 1
    return removed


def _delete_mail_files(email: str) -> int:
    """Mail the file backend kept (the demo's and development's outbox) that names them."""
    folder = current_app.config.get("MAIL_FILE_PATH")
    if not folder or not Path(folder).is_dir():
        return 0
    pattern = linked_mod.email_pattern(email)
    removed = 0
    for path in Path(folder).iterdir():
        if path.is_file() and pattern.search(path.read_text(encoding="utf-8", errors="replace")):
            path.unlink()
            removed += 1
    return removed


def _apply(linked: Linked, tokens: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in reversed(linked_mod.tables()):  # children before parents
        rows = linked.rows.get(table.name)
        if not rows or table.name == "users":
            continue
        pk = list(table.primary_key.columns)
        for key, row in rows.items():
            where = sa.and_(*(c == v for c, v in zip(pk, key, strict=True)))
            if table.name in DELETE:
                db.session.execute(sa.delete(table).where(where))
            else:
                changes = _anonymise(table, row, tokens)
                if not changes:
                    continue
                db.session.execute(sa.update(table).where(where).values(**changes))
            counts[table.name] = counts.get(table.name, 0) + 1
    return counts


def refuse_if_held(user: User, *, by: User | None, channel: str, reason: str) -> None:
    """Log the refusal and raise when a hold stands (the caller commits the log entry)."""
    holds = holds_of(user)
    if not holds:
        return
    db.session.add(
        PrivacyRequest(
            kind="erasure",
            outcome="refused",
            channel=channel,
            subject_id=user.id,
            actor_id=by.id if by else None,
            actor_email=by.email if by else "",
            reason=reason,
            counts={"holds": [h.kind for h in holds]},
        )
    )
    raise ErasureRefused(
        "Erasure refused: the data is under a legal hold ("
        + "; ".join(f"{h.kind}: {h.reason}" for h in holds)
        + ")."
    )


def erase(
    user: User, *, by: User | None, channel: str, reason: str, ip: str = ""
) -> PrivacyRequest:
    """Erase `user` in the caller's transaction; raises ErasureRefused under a legal hold."""
    if is_erased(user):
        raise ServiceError("This person's data has already been erased.")
    refuse_if_held(user, by=by, channel=channel, reason=reason)
    db.session.flush()
    linked = linked_mod.linked_rows(user.id)
    tokens = identity_tokens(user, linked)
    counts = {"files": _delete_files(linked), "mail_files": _delete_mail_files(user.email)}
    counts.update(_apply(linked, tokens))
    db.session.expire_all()  # the updates above went round the ORM's loaded objects
    _tombstone(user)
    entry = PrivacyRequest(
        kind="erasure",
        outcome="done",
        channel=channel,
        subject_id=user.id,
        actor_id=by.id if by else None,
        actor_email=by.email if by else "",
        reason=scrub(reason, tokens),
        counts=counts,
    )
    db.session.add(entry)
    audit.record("privacy.erased", by, target=user, ip=ip, channel=channel, counts=counts)
    return entry
