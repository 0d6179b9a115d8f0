"""The new-hire record (docs/handoff.md, docs/new-hire.schema.json): one dict built from an
offer and, once it exists, its onboarding. It carries the ID and bank numbers in full, for the
payroll system only; `formatting.mask_number` is what every page and file export shows instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.formatting import mask_number
from hirebench.models.offers import Offer, OfferStatus, OfferVersion
from hirebench.models.onboarding import Onboarding

RECORD_VERSION = 1


def utc_text(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second. Stored times are naive UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def terms_of(offer: Offer) -> OfferVersion:
    """The version the candidate answered: the accepted one once accepted (an offer's current
    version cannot move after that, but the evidence names the version, so trust it)."""
    wanted = offer.accepted_version or offer.current_version
    for version in offer.versions:
        if version.version == wanted:
            return version
    raise LookupError(f"offer {offer.id} has no version {wanted}")


def onboarding_of(offer: Offer) -> Onboarding | None:
    return db.session.scalars(sa.select(Onboarding).where(Onboarding.offer_id == offer.id)).first()


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _personal(onboarding: Onboarding | None) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The ID document and bank details the new hire entered, if onboarding collected them."""
    personal = (onboarding.personal if onboarding is not None else None) or {}
    id_number = _text(personal.get("id_number"))
    identity = {
        "id_type": _text(personal.get("id_type")) if id_number else None,
        "id_number": id_number,
    }
    bank_name, account = _text(personal.get("bank_name")), _text(personal.get("bank_account"))
    bank = {"bank_name": bank_name, "account": account} if bank_name and account else None
    return identity, bank


def _letter_sha256(offer: Offer, terms: OfferVersion) -> str:
    # The hash recorded at acceptance is of the PDF the candidate saw; prefer it to the stored
    # letter's, in case a letter was ever regenerated.
    return offer.accepted_sha256 or terms.letter_sha256


def build(offer: Offer, onboarding: Onboarding | None) -> dict[str, Any]:
    """The record. Pass the onboarding explicitly: a record for offer.accepted is built at the
    moment of acceptance and must not depend on whether onboarding has started yet."""
    terms = terms_of(offer)
    identity, bank = _personal(onboarding)
    start = onboarding.start_date if onboarding is not None else terms.start_date
    return {
        "record_version": RECORD_VERSION,
        "employee": {
            "candidate_id": offer.candidate_id,
            "name": offer.candidate.name,
            "email": offer.candidate.email,
            **identity,
        },
        "job": {"id": offer.job_id, "title": terms.job_title, "grade": terms.grade},
        "department": offer.job.department or "",
        "start_date": start.isoformat(),
        "location": terms.location,
        "salary": {
            "currency": terms.currency,
            "monthly": terms.monthly_salary,
            "months_per_year": terms.salary_months,
            "annual": terms.monthly_salary * terms.salary_months,
            "probation_monthly": terms.probation_salary,
            "probation_months": terms.probation_months,
        },
        "social_insurance": {
            "enrolled": terms.social_insurance,
            "base": terms.insurance_base if terms.social_insurance else None,
        },
        "hours": {
            "scheme": terms.hours_scheme,
            "daily_hours": terms.daily_hours,
            "core_hours": terms.core_hours,
        },
        "bank": bank,
        "offer": {
            "id": offer.id,
            "version": terms.version,
            "status": str(offer.status),
            "letter_sha256": _letter_sha256(offer, terms),
            "sent_at": utc_text(offer.sent_at),
            "responded_at": utc_text(offer.responded_at),
            "accepted_at": utc_text(offer.accepted_at)
            if offer.status == OfferStatus.accepted
            else None,
        },
        "onboarding": None
        if onboarding is None
        else {
            "id": onboarding.id,
            "status": onboarding.status,
            "completed_at": utc_text(onboarding.completed_at),
            "started_at": utc_text(onboarding.started_at),
        },
    }


def masked(record: dict[str, Any]) -> dict[str, Any]:
    """The record as a person may see it: ID and account numbers masked."""
    employee = {**record["employee"], "id_number": mask_number(record["employee"]["id_number"])}
    bank = record["bank"]
    if bank is not None:
        bank = {**bank, "account": mask_number(bank["account"])}
    return {**record, "employee": employee, "bank": bank}
