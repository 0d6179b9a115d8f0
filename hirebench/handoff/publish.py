"""Event receivers that hand a new hire to payroll and attendance: each builds the new-hire
record, validates it against the schema and publishes it through the outbox, all inside the
transaction that caused the event. An invalid record raises, so the change that caused it rolls
back rather than leaving without its event (docs/handoff.md)."""

from __future__ import annotations

import logging
from typing import Any

from hirebench.extensions import db
from hirebench.handoff import record, schema
from hirebench.models.offers import Offer, OfferStatus
from hirebench.models.onboarding import Onboarding
from hirebench.outbox import webhooks

logger = logging.getLogger(__name__)

OFFER_ACCEPTED = "offer.accepted"
OFFER_DECLINED = "offer.declined"
ONBOARDING_COMPLETED = "hire.onboarding_completed"
HIRE_STARTED = "hire.started"

#: The offer statuses payroll hears about; the others (drafts, approval, expiry, withdrawal of
#: an unanswered offer) never concerned an employee.
OFFER_EVENTS = {OfferStatus.accepted: OFFER_ACCEPTED, OfferStatus.declined: OFFER_DECLINED}


def publish_record(event_type: str, data: dict[str, Any]) -> str | None:
    """Validate, then publish in the current transaction. Returns the webhook message id."""
    try:
        schema.validate(data)
    except schema.InvalidRecord as exc:
        # A bug, not bad input: say loudly which record and which fields, then let the
        # transaction roll back with the exception.
        logger.error(
            "new-hire record for %s (offer %s) does not match docs/new-hire.schema.json: %s",
            event_type,
            (data.get("offer") or {}).get("id") if isinstance(data, dict) else None,
            "; ".join(exc.problems),
        )
        raise
    return webhooks.publish(event_type, data)


def _offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise LookupError(f"offer {offer_id} does not exist")
    return offer


def _onboarding(onboarding_id: int) -> Onboarding:
    onboarding = db.session.get(Onboarding, onboarding_id)
    if onboarding is None:
        raise LookupError(f"onboarding {onboarding_id} does not exist")
    return onboarding


def on_offer_status_changed(sender: object, *, offer_id: int, status: str, **_: Any) -> None:
    """offer.accepted and offer.declined. The record leaves onboarding out on purpose: it
    describes the moment of the answer, whichever receiver of this event runs first."""
    event_type = OFFER_EVENTS.get(OfferStatus(str(status)))
    if event_type is None:
        return
    publish_record(event_type, record.build(_offer(offer_id), None))


def on_onboarding_completed(sender: object, *, onboarding_id: int, offer_id: int, **_: Any) -> None:
    onboarding = _onboarding(onboarding_id)
    publish_record(ONBOARDING_COMPLETED, record.build(_offer(offer_id), onboarding))


def on_hire_started(sender: object, *, onboarding_id: int, offer_id: int, **_: Any) -> None:
    onboarding = _onboarding(onboarding_id)
    publish_record(HIRE_STARTED, record.build(_offer(offer_id), onboarding))
