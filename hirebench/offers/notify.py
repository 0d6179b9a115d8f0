"""Mail about an offer, rendered in each recipient's language from templates/mail/offer_*.txt
and queued in the outbox (hirebench.outbox.mail), so it leaves with the change's commit and
never from inside a request.

Who hears what (docs/offers.md, "Mail"): the candidate at every step they can see; the HR user
who made the offer when it is approved, sent, withdrawn or expires. Approvers (an offer needs
approval) and HR on an acceptance or a decline are told by the staff notifications, which
mail as well (hirebench.notifications), so they are not mailed twice from here."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hirebench.formatting import N_
from hirebench.models import Offer, OfferStatus, User
from hirebench.outbox import mail
from hirebench.services.links import external_url

STATUS_LABELS = {
    OfferStatus.draft: _l("draft"),
    OfferStatus.awaiting_approval: _l("awaiting approval"),
    OfferStatus.approved: _l("approved"),
    OfferStatus.sent: _l("sent"),
    OfferStatus.accepted: _l("accepted"),
    OfferStatus.declined: _l("declined"),
    OfferStatus.expired: _l("expired"),
    OfferStatus.withdrawn: _l("withdrawn"),
}


# Subjects, translated in the recipient's language when the mail is queued.
SUBJECT_SENT = N_("Your offer for %(job)s")
SUBJECT_UPDATED = N_("Your offer for %(job)s was updated")
SUBJECT_ANSWERED = N_("Your offer for %(job)s: %(status)s")
SUBJECT_STAFF = N_("Offer %(status)s: %(job)s")
# Staff hear about these steps from here; the others come from the notifications.
CREATOR_STEPS = (
    OfferStatus.approved,
    OfferStatus.sent,
    OfferStatus.withdrawn,
    OfferStatus.expired,
)


def status_label(status: OfferStatus) -> str:
    return str(STATUS_LABELS[status])


def _locale(user: User) -> str:
    return user.locale or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _queue(user: User, offer: Offer, template: str, subject: str, **context: object) -> None:
    """One mail to `user`; the dedupe key makes a retried step queue it once."""
    with force_locale(_locale(user)):
        body = render_template(
            f"mail/{template}.txt", offer=offer, version=offer.current, user=user, **context
        )
        title = _(subject, job=offer.current.job_title, status=status_label(offer.status))
    key = f"offer:{offer.id}:{template}:{offer.status.value}:v{offer.current_version}:{user.id}"
    mail.enqueue(user.email, title, body, dedupe_key=key)


def offer_sent(offer: Offer) -> None:
    _queue(
        offer.candidate,
        offer,
        "offer_sent",
        SUBJECT_SENT,
        link=external_url("candidate_offers.offer", offer_id=offer.id),
    )


def offer_updated(offer: Offer) -> None:
    """A new version of a sent offer: the candidate must read it before answering."""
    _queue(
        offer.candidate,
        offer,
        "offer_updated",
        SUBJECT_UPDATED,
        link=external_url("candidate_offers.offer", offer_id=offer.id),
    )


def candidate_step(offer: Offer) -> None:
    """Accepted, declined, expired or withdrawn: what it means for the candidate."""
    _queue(
        offer.candidate,
        offer,
        "offer_answered",
        SUBJECT_ANSWERED,
        link=external_url("candidate_offers.offer", offer_id=offer.id),
    )


def to_creator(offer: Offer) -> None:
    if offer.status not in CREATOR_STEPS or offer.created_by is None:
        return
    _queue(
        offer.created_by,
        offer,
        "offer_staff",
        SUBJECT_STAFF,
        link=external_url("offers.offer", offer_id=offer.id),
        status=status_label(offer.status),
    )
