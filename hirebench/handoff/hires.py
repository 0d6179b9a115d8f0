"""Which hires to hand over: accepted offers, per job and accepted-date range, as new-hire
records. The HR page, the exports, the JSON API and the CLI all read them from here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from hirebench.extensions import db
from hirebench.handoff import record
from hirebench.models import Job
from hirebench.models.offers import Offer, OfferStatus
from hirebench.models.onboarding import Onboarding
from hirebench.services.errors import ServiceError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_JOB_ID = re.compile(r"[1-9][0-9]{0,17}")  # below 2^63: no database row has a larger id


class RangeError(ServiceError):
    """A job or date in the filter that cannot be read."""


@dataclass(frozen=True)
class HireFilter:
    """Accepted offers of one job (or all jobs) accepted between two dates, both included."""

    job_id: int | None = None
    start: date | None = None
    end: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for links to the exports and pages)."""
        args = {"job": str(self.job_id or ""), "from": _iso(self.start), "to": _iso(self.end)}
        return {key: value for key, value in args.items() if value}


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def parse_date(raw: str | None, label: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise RangeError(
        _("“%(value)s” is not a date for %(field)s: use YYYY-MM-DD.", value=text, field=label)
    )


def parse_filter(job: str | None, start: str | None, end: str | None) -> HireFilter:
    """Read the query arguments `job`, `from` and `to`; a RangeError says what is wrong."""
    job_text = (job or "").strip()
    if job_text and not _JOB_ID.fullmatch(job_text):
        raise RangeError(_("“%(value)s” is not a job id.", value=job_text))
    first, last = parse_date(start, "from"), parse_date(end, "to")
    if first is not None and last is not None and first > last:
        raise RangeError(
            _(
                "The range starts (%(start)s) after it ends (%(end)s).",
                start=first.isoformat(),
                end=last.isoformat(),
            )
        )
    return HireFilter(int(job_text) if job_text else None, first, last)


def job_of(hire_filter: HireFilter) -> Job | None:
    return db.session.get(Job, hire_filter.job_id) if hire_filter.job_id else None


def query(hire_filter: HireFilter) -> sa.Select[tuple[Offer]]:
    """Accepted offers matching the filter, the most recently accepted first."""
    stmt = (
        sa.select(Offer)
        .where(Offer.status == OfferStatus.accepted)
        .options(selectinload(Offer.versions), selectinload(Offer.candidate))
        .order_by(Offer.accepted_at.desc(), Offer.id.desc())
    )
    if hire_filter.job_id is not None:
        stmt = stmt.where(Offer.job_id == hire_filter.job_id)
    if hire_filter.start is not None:
        stmt = stmt.where(Offer.accepted_at >= datetime.combine(hire_filter.start, time.min))
    if hire_filter.end is not None:
        after = datetime.combine(hire_filter.end + timedelta(days=1), time.min)
        stmt = stmt.where(Offer.accepted_at < after)
    return stmt


def records(offers: Sequence[Offer]) -> list[dict[str, Any]]:
    """The full new-hire records of these offers, in their order (onboardings in one query)."""
    ids = [offer.id for offer in offers]
    onboardings = (
        {
            onboarding.offer_id: onboarding
            for onboarding in db.session.scalars(
                sa.select(Onboarding).where(Onboarding.offer_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    return [record.build(offer, onboardings.get(offer.id)) for offer in offers]


def all_records(hire_filter: HireFilter) -> list[dict[str, Any]]:
    return records(list(db.session.scalars(query(hire_filter))))


def jobs_with_hires() -> list[Job]:
    """Jobs for the filter's choice: those with at least one accepted offer, by title."""
    hired = sa.select(Offer.job_id).where(Offer.status == OfferStatus.accepted)
    return list(db.session.scalars(sa.select(Job).where(Job.id.in_(hired)).order_by(Job.title)))
