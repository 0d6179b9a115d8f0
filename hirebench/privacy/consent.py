"""Consent records (issue 19 item 2, PIPL Articles 14, 15 and 29): what a candidate agreed to,
the version and a hash of the text shown, when and from where; withdrawal where allowed.

A text's version changes whenever its words do (bump it here with the template), so a record
always proves which words were agreed to; the hash is over the English text of that version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from hirebench.analytics import service as analytics
from hirebench.extensions import db
from hirebench.formatting import N_
from hirebench.models import ConsentPurpose, ConsentRecord, User
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError


@dataclass(frozen=True)
class ConsentText:
    purpose: ConsentPurpose
    version: str
    text: str  # English; the page shows the catalogue's translation of the same words
    withdrawable: bool

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(f"{self.version}\n{self.text}".encode()).hexdigest()


# The exam's consent screen shows the application and proctoring texts; the group-data form
# its own; future openings is an optional box on the consent screen and the data page.
TEXTS: dict[ConsentPurpose, ConsentText] = {
    ConsentPurpose.application: ConsentText(
        ConsentPurpose.application,
        "2026-12-a",
        N_(
            "We process your account, resume, answers, reviews, interview notes and scores to "
            "decide on your application, and keep them as our retention schedule says."
        ),
        withdrawable=False,  # withdrawing it is leaving the process: ask for erasure instead
    ),
    ConsentPurpose.proctoring: ConsentText(
        ConsentPurpose.proctoring,
        "2026-12-a",
        N_(
            "During an exam we record when the page loses focus or is hidden, pastes, leaving full "
            "screen, changes of network address or browser, and second sessions, as context for "
            "the reviewers; kept 90 days."
        ),
        withdrawable=True,
    ),
    ConsentPurpose.group_data: ConsentText(
        ConsentPurpose.group_data,
        "2026-12-a",
        N_(
            "I agree that my voluntary answers about myself are used only to check that each step "
            "of hiring treats every group fairly, never next to my name or in any score."
        ),
        withdrawable=True,
    ),
    ConsentPurpose.future_openings: ConsentText(
        ConsentPurpose.future_openings,
        "2026-12-a",
        N_(
            "Keep my profile after this process ends so that I can be considered for future "
            "openings (up to two years)."
        ),
        withdrawable=True,
    ),
}

LABELS = {
    ConsentPurpose.application: _l("Processing for my application"),
    ConsentPurpose.proctoring: _l("Integrity signals during exams"),
    ConsentPurpose.group_data: _l("Voluntary group data for fairness checks"),
    ConsentPurpose.future_openings: _l("Keeping my profile for future openings"),
}


def current(user: User) -> dict[ConsentPurpose, ConsentRecord]:
    """The consents in force, by purpose (the newest record of each)."""
    rows = db.session.scalars(
        sa.select(ConsentRecord)
        .where(ConsentRecord.candidate_id == user.id, ConsentRecord.withdrawn_at.is_(None))
        .order_by(ConsentRecord.given_at, ConsentRecord.id)
    )
    return {ConsentPurpose(r.purpose): r for r in rows}


def history(user: User) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .where(ConsentRecord.candidate_id == user.id)
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())
        )
    )


def give(
    user: User, purpose: ConsentPurpose, *, ip: str = "", user_agent: str = ""
) -> ConsentRecord:
    """Record consent to the current text; a consent already in force for that very version
    is kept as it is (the first time it was given is what counts)."""
    text = TEXTS[purpose]
    existing = current(user).get(purpose)
    if existing is not None and existing.text_version == text.version:
        return existing
    if existing is not None:  # an older text: the new one replaces it
        existing.withdrawn_at = utcnow()
    record = ConsentRecord(
        candidate_id=user.id,
        purpose=purpose.value,
        text_version=text.version,
        text_hash=text.text_hash,
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    db.session.add(record)
    return record


def withdraw(user: User, purpose: ConsentPurpose, *, ip: str = "") -> ConsentRecord:
    """Withdraw a consent in force. Group data goes at once; future openings marks the
    profile for erasure when this process is decided (retention.py)."""
    text = TEXTS[purpose]
    if not text.withdrawable:
        raise ServiceError(
            "This consent cannot be withdrawn on its own; to leave the process, ask for "
            "erasure of your data."
        )
    record = current(user).get(purpose)
    if record is None:
        raise ServiceError("There is no consent in force to withdraw.")
    record.withdrawn_at = utcnow()
    if purpose is ConsentPurpose.group_data:
        analytics.save_group_data(user, {})
    audit.record("privacy.consent_withdrawn", user, target=user, ip=ip, purpose=purpose.value)
    return record


def future_openings(user_id: int) -> str:
    """ "given" (in force), "withdrawn" (given once, none in force now) or "never"."""
    states = {
        withdrawn is None
        for withdrawn in db.session.scalars(
            sa.select(ConsentRecord.withdrawn_at).where(
                ConsentRecord.candidate_id == user_id,
                ConsentRecord.purpose == ConsentPurpose.future_openings.value,
            )
        )
    }
    if True in states:
        return "given"
    return "withdrawn" if states else "never"


def give_for_exam(
    user: User, *, ip: str, user_agent: str, future_openings: bool = False
) -> list[ConsentRecord]:
    """The exam's consent screen: its box covers the application and proctoring texts it
    shows; the separate optional box, keeping the profile for future openings."""
    purposes = [ConsentPurpose.application, ConsentPurpose.proctoring]
    if future_openings:
        purposes.append(ConsentPurpose.future_openings)
    return [give(user, p, ip=ip, user_agent=user_agent) for p in purposes]


def future_openings_record(user: User) -> ConsentRecord | None:
    return current(user).get(ConsentPurpose.future_openings)


def withdraw_if_given(user: User, purpose: ConsentPurpose) -> None:
    """Withdraw without complaint when nothing is in force (deleting one's answers)."""
    record = current(user).get(purpose)
    if record is not None:
        record.withdrawn_at = utcnow()
