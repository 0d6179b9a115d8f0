"""Offers: made from the scorecard, approved when the salary is above the budget, sent,
versioned on every edit after sending, and accepted or declined by the candidate
(docs/offers.md).

Every change joins the caller's transaction with its audit row, its `offer_status_changed`
event and its mail (outbox rows); nothing is committed here except by the functions that say
so. The candidate's answers and expiry are conditional UPDATEs on the status, so two requests
at once (two tabs, a double click, the expiry task) cannot both win."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile import OfferApprover, monthly
from hirebench.models import (
    Application,
    AuditEvent,
    Job,
    Offer,
    OfferStatus,
    OfferVersion,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.offers import notify
from hirebench.offers.letter import attach_letter
from hirebench.offers.terms import OfferError, OfferTerms, parse_terms
from hirebench.services import audit
from hirebench.services.errors import bounded_text

# Recommendations an offer follows without an override (docs/scorecard.md).
OFFER_RECOMMENDATIONS = ("hire", "hire_with_training")
OPEN = (OfferStatus.draft, OfferStatus.awaiting_approval, OfferStatus.approved, OfferStatus.sent)
UNSENT = (OfferStatus.draft, OfferStatus.awaiting_approval, OfferStatus.approved)
REASON_CHARS = 2_000
VERSION_FIELDS = tuple(OfferTerms.__dataclass_fields__)


class NotYourOffer(OfferError):
    """The offer is not the candidate's (views answer 404, as for one that does not exist)."""


def today() -> date:
    return utcnow().date()


# ------------------------------------------------------------------------ budget, approver


@dataclass(frozen=True)
class Budget:
    """The job's monthly budget (None: the job has none) and how a salary compares."""

    monthly: float | None

    def over(self, salary: int) -> bool:
        return self.monthly is not None and salary > self.monthly


def budget_of(job: Job) -> Budget:
    definition = job_service.definition_of(job)
    if definition is not None:
        return Budget(definition.monthly_budget())
    if job.salary_max is not None:
        return Budget(monthly(job.salary_max, job.salary_period))
    return Budget(None)


def approver_rule(job: Job) -> OfferApprover:
    definition = job_service.definition_of(job)
    if definition is not None and definition.offer_approver is not None:
        return definition.offer_approver
    return OfferApprover()


def needs_approval(offer: Offer) -> bool:
    """Whether the current terms are above the budget and not yet approved."""
    return budget_of(offer.job).over(offer.current.monthly_salary) and offer.approved_at is None


def approvers(offer: Offer) -> list[User]:
    """The active accounts that may approve the offer (its creator never may)."""
    rule = approver_rule(offer.job)
    query = sa.select(User).where(User.active)
    if rule.user is not None:
        query = query.where(sa.func.lower(User.email) == rule.user.lower())
    else:
        query = query.where(User.role == Role(rule.role or Role.admin))
    return [u for u in db.session.scalars(query.order_by(User.id)) if u.id != offer.created_by_id]


def may_approve(offer: Offer, user: User) -> bool:
    return offer.status is OfferStatus.awaiting_approval and user in approvers(offer)


def approver_label_for(job: Job) -> str:
    rule = approver_rule(job)
    if rule.user is not None:
        return rule.user
    return _("anyone with the role %(role)s", role=rule.role or "admin")


# ------------------------------------------------------------------------------ reading


def offers_for_job(job: Job) -> sa.Select[Offer]:
    return sa.select(Offer).where(Offer.job_id == job.id).order_by(Offer.id.desc())


def open_offer(application: Application) -> Offer | None:
    return db.session.scalar(
        sa.select(Offer).where(Offer.application_id == application.id, Offer.status.in_(OPEN))
    )


def offers_of_candidate(candidate: User) -> list[Offer]:
    """The offers a candidate may see: every one that was sent to them, newest first."""
    return list(
        db.session.scalars(
            sa.select(Offer)
            .where(Offer.candidate_id == candidate.id, Offer.sent_at.is_not(None))
            .order_by(Offer.id.desc())
        )
    )


def offer_for_candidate(offer_id: int, candidate: User) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.candidate_id != candidate.id or offer.sent_at is None:
        raise NotYourOffer(_("There is no such offer."))
    return offer


def shown_status(offer: Offer, on: date | None = None) -> OfferStatus:
    """The status as the reader should see it: a sent offer past its validity date is expired
    even before the periodic task has marked it."""
    if offer.status is OfferStatus.sent and offer.current.valid_until < (on or today()):
        return OfferStatus.expired
    return offer.status


def history(offer: Offer) -> list[Any]:
    """The offer's audit rows, oldest first: its status history with who and when."""
    return list(
        db.session.scalars(
            audit.recent_events_query("offer.")
            .where(AuditEvent.target_type == "Offer")
            .where(AuditEvent.target_id == str(offer.id))
            .order_by(None)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


# ------------------------------------------------------------------------------ changes


def _changed(
    offer: Offer, previous: OfferStatus | None, by: User | None, ip: str, **detail: Any
) -> None:
    """Audit the offer's new status and announce it, in the caller's transaction."""
    audit.record(
        f"offer.{offer.status.value}",
        by,
        target=offer,
        ip=ip,
        previous=previous.value if previous else None,
        version=offer.current_version,
        **detail,
    )
    db.session.flush()
    events.offer_status_changed.send(
        offer,
        offer_id=offer.id,
        candidate_id=offer.candidate_id,
        job_id=offer.job_id,
        status=offer.status.value,
        previous=previous.value if previous else None,
        actor_id=by.id if by is not None else None,
    )


def _set_status(offer: Offer, status: OfferStatus, by: User | None, ip: str, **detail: Any) -> None:
    previous = offer.status
    offer.status = status
    offer.updated_at = utcnow()
    _changed(offer, previous, by, ip, **detail)


def _require(offer: Offer, allowed: tuple[OfferStatus, ...], doing: str) -> None:
    if offer.status not in allowed:
        raise OfferError(
            _(
                "This offer is %(status)s, so it cannot be %(doing)s.",
                status=notify.status_label(offer.status),
                doing=doing,
            )
        )


def _new_version(offer: Offer, terms: OfferTerms, number: int, by: User) -> OfferVersion:
    version = OfferVersion(offer=offer, version=number, created_by_id=by.id, **terms.__dict__)
    db.session.add(version)
    offer.current_version = number
    db.session.flush()
    attach_letter(offer, version, issued=today())
    return version


def create_offer(
    application: Application,
    raw_terms: Mapping[str, Any],
    *,
    by: User,
    override_reason: str = "",
    ip: str = "",
) -> Offer:
    """A draft offer with its first version and letter. A scorecard that does not recommend
    hiring needs `override_reason`, which goes into the audit log. Not committed."""
    if open_offer(application) is not None:
        raise OfferError(_("This candidate already has an open offer for this job."))
    recommendation = application.scorecard.recommendation if application.scorecard else "pending"
    reason = bounded_text(override_reason, REASON_CHARS, _("The override reason"), OfferError)
    if recommendation not in OFFER_RECOMMENDATIONS and not reason:
        raise OfferError(
            _(
                "The scorecard does not recommend hiring this candidate. Give a reason to make "
                "an offer anyway; it goes into the audit log."
            ),
            "override_reason",
        )
    terms = parse_terms(raw_terms, today=today())
    offer = Offer(
        application_id=application.id,
        candidate_id=application.candidate_id,
        job_id=application.job_id,
        status=OfferStatus.draft,
        current_version=1,
        created_by_id=by.id,
    )
    db.session.add(offer)
    db.session.flush()
    _new_version(offer, terms, 1, by)
    if recommendation not in OFFER_RECOMMENDATIONS:
        audit.record(
            "offer.override", by, target=offer, ip=ip, recommendation=recommendation, reason=reason
        )
    _changed(offer, None, by, ip, monthly_salary=terms.monthly_salary)
    return offer


def edit_offer(offer: Offer, raw_terms: Mapping[str, Any], *, by: User, ip: str = "") -> Offer:
    """New terms. Before sending, the current version is rewritten and any approval lapses
    (it was for other terms). After sending, a new version is added for the candidate; if it
    now needs approval the offer goes back to awaiting approval. Not committed."""
    _require(offer, OPEN, _("edited"))
    terms = parse_terms(raw_terms, today=today())
    current = offer.current
    changes = {
        key: [_plain(getattr(current, key)), _plain(getattr(terms, key))]
        for key in VERSION_FIELDS
        if getattr(current, key) != getattr(terms, key)
    }
    if not changes:
        raise OfferError(_("Nothing changed."))
    previous = offer.status
    if offer.sent_at is None:
        for key in VERSION_FIELDS:
            setattr(current, key, getattr(terms, key))
        attach_letter(offer, current, issued=today())
        _clear_approval(offer)
        offer.status = OfferStatus.draft
    else:
        salary_rose = terms.monthly_salary > current.monthly_salary
        _new_version(offer, terms, offer.current_version + 1, by)
        if salary_rose and budget_of(offer.job).over(terms.monthly_salary):
            _clear_approval(offer)
            offer.status = OfferStatus.awaiting_approval
            _note_approver(offer)
    offer.updated_at = utcnow()
    audit.record(
        "offer.edit", by, target=offer, ip=ip, version=offer.current_version, changes=changes
    )
    if offer.status is not previous:
        _changed(offer, previous, by, ip)
    elif offer.status is OfferStatus.sent:
        notify.offer_updated(offer)
    return offer


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _clear_approval(offer: Offer) -> None:
    offer.approved_at = None
    offer.approved_by_id = None


def _note_approver(offer: Offer) -> None:
    rule = approver_rule(offer.job)
    chosen = approvers(offer)
    if not chosen:
        who = rule.user or rule.role
        raise OfferError(
            _(
                "Nobody may approve this offer: the job profile names %(who)s as the approver, "
                "and there is no other active account that matches. Fix offer.approver in "
                "the job profile.",
                who=who,
            )
        )
    # The staff notifications tell the approvers (hirebench.notifications).
    offer.approver_id = chosen[0].id if rule.user is not None else None


def request_approval(offer: Offer, *, by: User, ip: str = "") -> None:
    """draft -> awaiting_approval; the approvers get mail. Not committed."""
    _require(offer, (OfferStatus.draft,), _("sent for approval"))
    if not budget_of(offer.job).over(offer.current.monthly_salary):
        raise OfferError(_("The salary is within the budget: send the offer directly."))
    _note_approver(offer)
    _set_status(offer, OfferStatus.awaiting_approval, by, ip)


def approve(offer: Offer, *, by: User, ip: str = "") -> None:
    """awaiting_approval -> approved, by an approver the job profile names. Not committed."""
    _require(offer, (OfferStatus.awaiting_approval,), _("approved"))
    if by.id == offer.created_by_id:
        raise OfferError(_("You made this offer, so someone else must approve it."))
    if not may_approve(offer, by):
        raise OfferError(
            _(
                "You may not approve this offer: the job profile names %(who)s as its approver.",
                who=approver_label_for(offer.job),
            )
        )
    offer.approved_by_id = by.id
    offer.approved_at = utcnow()
    _set_status(offer, OfferStatus.approved, by, ip, monthly_salary=offer.current.monthly_salary)
    notify.to_creator(offer)


def send(offer: Offer, *, by: User, ip: str = "") -> None:
    """draft (within budget) or approved -> sent; the candidate and HR get mail. Not
    committed."""
    _require(offer, (OfferStatus.draft, OfferStatus.approved), _("sent"))
    if offer.status is OfferStatus.draft and needs_approval(offer):
        raise OfferError(
            _(
                "The salary is above the job's budget, so %(who)s must approve the offer "
                "before it is sent.",
                who=approver_label_for(offer.job),
            )
        )
    version = offer.current
    if version.valid_until < today() or version.start_date < today():
        raise OfferError(
            _("The offer's validity or start date has passed; edit the dates first."),
            "valid_until",
        )
    offer.sent_at = utcnow()
    _set_status(offer, OfferStatus.sent, by, ip)
    notify.offer_sent(offer)
    notify.to_creator(offer)


def withdraw(offer: Offer, *, by: User, reason: str = "", ip: str = "") -> None:
    """Any open state -> withdrawn. Not committed."""
    _require(offer, OPEN, _("withdrawn"))
    text = bounded_text(reason, REASON_CHARS, _("The reason"), OfferError)
    was_sent = offer.sent_at is not None
    _set_status(offer, OfferStatus.withdrawn, by, ip, reason=text)
    if was_sent:
        notify.candidate_step(offer)
    notify.to_creator(offer)


# ------------------------------------------------------------------ the candidate's answer


def same_name(typed: str, name: str) -> bool:
    """Names compare without case or spaces (full-width ones too): 'Li  Wei' is 'li wei',
    '张 伟' is '张伟'."""

    def plain(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).casefold().split())

    return bool(plain(typed)) and plain(typed) == plain(name)


def _refusal(offer: Offer) -> OfferError:
    """Why an offer that is not `sent` cannot be answered."""
    messages = {
        OfferStatus.declined: _("You declined this offer, so it can no longer be accepted."),
        OfferStatus.expired: _(
            "This offer expired on %(date)s, so it can no longer be accepted.",
            date=offer.current.valid_until.isoformat(),
        ),
        OfferStatus.withdrawn: _("This offer was withdrawn, so it can no longer be accepted."),
        OfferStatus.accepted: _("You already accepted this offer."),
    }
    return OfferError(
        messages.get(
            offer.status,
            _("HR is revising this offer. You will get mail when the new version is ready."),
        )
    )


def _answerable(offer: Offer, candidate: User, version: int, sha256: str) -> None:
    """Refuse an answer to someone else's offer, a closed or expired one, or an old version;
    an offer found past its validity is marked expired (and committed) first."""
    if offer.candidate_id != candidate.id:
        raise NotYourOffer(_("There is no such offer."))
    if shown_status(offer) is OfferStatus.expired and offer.status is OfferStatus.sent:
        expire_offer(offer)
        db.session.commit()
    if offer.status is not OfferStatus.sent:
        raise _refusal(offer)
    if version != offer.current_version or sha256 != offer.current.letter_sha256:
        raise OfferError(
            _(
                "The offer changed since you opened it: read the new version (version "
                "%(version)d) before you answer.",
                version=offer.current_version,
            )
        )


def _claim(offer: Offer, version: int, **values: Any) -> bool:
    """The sent offer's status changed in one conditional UPDATE: False when another request
    (or the expiry task) changed it first, or the version moved on."""
    result = db.session.execute(
        sa.update(Offer)
        .where(
            Offer.id == offer.id,
            Offer.status == OfferStatus.sent,
            Offer.current_version == version,
        )
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(offer)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def accept(
    offer: Offer,
    candidate: User,
    *,
    typed_name: str,
    version: int,
    sha256: str,
    ip: str = "",
    user_agent: str = "",
) -> bool:
    """Accept the version the candidate read, recording the evidence. True when this call
    accepted it; False when it was already accepted by them (a second click changes nothing).
    Commits."""
    if offer.candidate_id == candidate.id and offer.status is OfferStatus.accepted:
        return False
    _answerable(offer, candidate, version, sha256)
    if not same_name(typed_name, candidate.name):
        raise OfferError(
            _(
                "Type your full name as it is on the letter (%(name)s); case and spaces do "
                "not matter.",
                name=candidate.name,
            ),
            "full_name",
        )
    now = utcnow()
    won = _claim(
        offer,
        version,
        status=OfferStatus.accepted,
        responded_at=now,
        accepted_at=now,
        accepted_name=typed_name.strip()[:200],
        accepted_ip=ip[:64],
        accepted_user_agent=user_agent[:500],
        accepted_sha256=sha256,
        accepted_version=version,
    )
    if not won:
        db.session.rollback()
        if offer.status is OfferStatus.accepted:
            return False
        raise _refusal(offer)
    _changed(offer, OfferStatus.sent, candidate, ip, sha256=sha256, name=offer.accepted_name)
    notify.candidate_step(offer)
    notify.to_creator(offer)
    db.session.commit()
    return True


def decline(
    offer: Offer, candidate: User, *, version: int, sha256: str, reason: str = "", ip: str = ""
) -> bool:
    """Decline, with an optional reason. False when already declined (a second click).
    Commits."""
    if offer.candidate_id == candidate.id and offer.status is OfferStatus.declined:
        return False
    text = bounded_text(reason, REASON_CHARS, _("The reason"), OfferError)
    _answerable(offer, candidate, version, sha256)
    if not _claim(
        offer, version, status=OfferStatus.declined, responded_at=utcnow(), decline_reason=text
    ):
        db.session.rollback()
        if offer.status is OfferStatus.declined:
            return False
        raise _refusal(offer)
    _changed(offer, OfferStatus.sent, candidate, ip, reason=text)
    notify.candidate_step(offer)
    notify.to_creator(offer)
    db.session.commit()
    return True


# ------------------------------------------------------------------------------- expiry


def expire_offer(offer: Offer) -> bool:
    """sent -> expired, when no answer won the race. Not committed."""
    if not _claim(offer, offer.current_version, status=OfferStatus.expired):
        return False
    _changed(offer, OfferStatus.sent, None, "", valid_until=offer.current.valid_until.isoformat())
    notify.candidate_step(offer)
    notify.to_creator(offer)
    return True


def expire_due(on: date | None = None) -> int:
    """Mark every sent offer whose validity date has passed as expired, one commit each.
    The periodic task of the worker; safe to run in several processes at once."""
    day = on or today()
    due = db.session.scalars(
        sa.select(Offer.id)
        .join(
            OfferVersion,
            sa.and_(
                OfferVersion.offer_id == Offer.id,
                OfferVersion.version == Offer.current_version,
            ),
        )
        .where(Offer.status == OfferStatus.sent, OfferVersion.valid_until < day)
        .order_by(Offer.id)
    ).all()
    expired = 0
    for offer_id in due:
        offer = db.session.get(Offer, offer_id)
        if offer is not None and expire_offer(offer):
            expired += 1
        db.session.commit()
    return expired
