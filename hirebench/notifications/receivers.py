"""Receivers of domain events that notify staff, connected in hirebench.wiring.

Each runs inside the sender's transaction and only adds rows (the in-app notification and an
outbox mail); it never commits, so a rolled-back change notifies nobody. Names and titles go
into the params as data; the sentences around them are translated when read
(hirebench.notifications.kinds). The one exception is a review item's title, which review pages
themselves build per reader: it is built here in the reviewer's own language, since the
reviewer is its only reader."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from werkzeug.routing import BuildError

from hirebench.extensions import db
from hirebench.jobs.service import definition_of
from hirebench.models import Application, Interview, ReviewItem, Role, User
from hirebench.models.offers import Offer, OfferStatus
from hirebench.notifications import kinds, service
from hirebench.reviews.workflow import item_title

# The offer page, in the order tried: the offers blueprint names it; until it exists a link
# to the candidate's scorecard (where offers start) is the next best place.
OFFER_ENDPOINTS = ("offers.offer", "hr.offer")
OFFER_STATUS_KINDS = {
    OfferStatus.awaiting_approval: kinds.OFFER_NEEDS_APPROVAL,
    OfferStatus.accepted: kinds.OFFER_ACCEPTED,
    OfferStatus.declined: kinds.OFFER_DECLINED,
}


E = TypeVar("E", bound=enum.Enum)


def _member(enum_type: type[E], value: object) -> E | None:
    try:
        return enum_type(value)
    except ValueError:
        return None


def _name(user: User) -> str:
    return user.name or user.email


def _users(ids: Sequence[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id)))


def on_review_assigned(
    sender: object, *, assignment_id: int, item_id: int, reviewer_id: int, **_kw: Any
) -> None:
    item = db.session.get(ReviewItem, item_id)
    reviewer = db.session.get(User, reviewer_id)
    if item is None or reviewer is None:
        return
    with force_locale(reviewer.locale or str(current_app.config["BABEL_DEFAULT_LOCALE"])):
        title = item_title(item)
    params = {"item_id": item_id, "assignment_id": assignment_id, "item": title}
    link = service.link_to("review.item", item_id=item_id)
    service.notify(reviewer, kinds.REVIEW_ASSIGNED, params, link)


def on_interview_scheduled(
    sender: object,
    *,
    interview_id: int,
    candidate_id: int,
    interviewer_ids: Sequence[int],
    **_kw: Any,
) -> None:
    interview = db.session.get(Interview, interview_id)
    if interview is None:
        return
    when = interview.scheduled_at.strftime("%Y-%m-%d %H:%M UTC") if interview.scheduled_at else ""
    params = {
        "interview_id": interview_id,
        "candidate": _name(interview.candidate),
        "kit": interview.kit.title,
        "when": when,
    }
    link = service.link_to("interview.interview", interview_id=interview_id)
    service.notify_all(_users(list(interviewer_ids)), kinds.INTERVIEW_SCHEDULED, params, link)


def on_recommendation_reached(
    sender: object,
    *,
    application_id: int,
    candidate_id: int,
    job_id: int,
    recommendation: str,
    previous: str | None = None,
    **_kw: Any,
) -> None:
    """HR hears of a settled recommendation. Called from the scorecards' before_commit
    recompute, so it only adds rows."""
    application = db.session.get(Application, application_id)
    if application is None:
        return
    params = {
        "application_id": application_id,
        "candidate": _name(application.candidate),
        "job": application.job.title,
        "recommendation": recommendation,
        "previous": previous or "",
    }
    link = service.link_to("hr.scorecard", job_id=job_id, candidate_id=candidate_id)
    service.notify_all(service.users_with_role(Role.hr), kinds.RECOMMENDATION_REACHED, params, link)


def on_offer_status_changed(sender: object, *, offer_id: int, status: str, **_kw: Any) -> None:
    new_status = _member(OfferStatus, status)
    kind = OFFER_STATUS_KINDS.get(new_status) if new_status is not None else None
    offer = db.session.get(Offer, offer_id) if kind else None
    if kind is None or offer is None:
        return
    recipients = approvers(offer) if kind == kinds.OFFER_NEEDS_APPROVAL else _offer_owners(offer)
    params = {
        "offer_id": offer.id,
        "candidate": _name(offer.candidate),
        "job": offer.job.title,
    }
    service.notify_all(recipients, kind, params, offer_link(offer))


def approvers(offer: Offer) -> list[User]:
    """Who may approve the offer, as docs/offers.md says: its named approver, else whom the
    job profile names (a user by email, or every active account with a role; an admin when it
    names nobody), never the offer's own creator."""
    if offer.approver is not None:
        found = [offer.approver] if offer.approver.active else []
    else:
        definition = definition_of(offer.job)
        named = definition.offer_approver if definition is not None else None
        query = sa.select(User).where(User.active).order_by(User.id)
        if named is not None and named.user:
            found = list(
                db.session.scalars(query.where(sa.func.lower(User.email) == named.user.lower()))
            )
        else:
            role = _member(Role, named.role if named is not None and named.role else "admin")
            found = list(db.session.scalars(query.where(User.role == role))) if role else []
    return [user for user in found if user.id != offer.created_by_id]


def _offer_owners(offer: Offer) -> list[User]:
    """The HR user who made the offer; every HR user when nobody is on record."""
    if offer.created_by is not None:
        return [offer.created_by]
    return service.users_with_role(Role.hr)


def offer_link(offer: Offer) -> str:
    for endpoint in OFFER_ENDPOINTS:
        try:
            return service.link_to(endpoint, offer_id=offer.id)
        except BuildError:
            continue
    return service.link_to("hr.scorecard", job_id=offer.job_id, candidate_id=offer.candidate_id)
