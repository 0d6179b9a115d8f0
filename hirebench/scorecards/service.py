"""Keeping scorecards in step with their inputs, and reading them for HR, exports and the API.

Every change to an input (an exam score, a review, an interview scorecard, feedback, the job
profile, an application) is announced as an event (hirebench.events). The receivers here only
mark the candidate or job dirty in the session; just before the session commits, each
application marked is recomputed once, in the same transaction, so a stored scorecard always
matches what it was computed from, however many changes the transaction made. This is
microblog's SearchableMixin idea: derived data follows the commit, not every change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, SessionTransaction

from hirebench import events
from hirebench.extensions import db
from hirebench.jobs.profile import JobProfileDefinition
from hirebench.jobs.service import definition_of
from hirebench.models import Application, CandidateScorecard, Job
from hirebench.models.base import utcnow
from hirebench.scorecards.compute import compute, coverage, rank_key
from hirebench.scorecards.evidence import gather
from hirebench.services.errors import ServiceError


class ExportError(ServiceError):
    """The job cannot be exported as it is; the message says why."""


def refresh(application: Application) -> CandidateScorecard | None:
    job = application.job
    definition = definition_of(job)
    if definition is None or job.profile is None:
        return None
    data = compute(definition, job.profile.version, job.id, gather(application, definition))
    card = application.scorecard
    previous = settled_recommendation(card.data) if card is not None else None
    if card is None:
        card = CandidateScorecard(application=application, job_id=job.id)
        db.session.add(card)
    card.profile_id = job.profile.id
    card.composite = data["composite"]
    card.recommendation = data["recommendation"]["code"]
    card.summary = summarize(data)
    card.data = data
    card.computed_at = utcnow()
    db.session.flush()
    reached = settled_recommendation(data)
    if reached is not None and reached != previous:
        events.recommendation_reached.send(
            card,
            application_id=application.id,
            candidate_id=application.candidate_id,
            job_id=job.id,
            recommendation=reached,
            previous=previous,
        )
    return card


def settled_recommendation(data: dict[str, Any] | None) -> str | None:
    """The recommendation HR should hear about, or None while it is only waiting: a "hold"
    with a stage still incomplete is the record filling in (every new application starts
    there), not a verdict. A hold on a complete record (a blocking flag, a composite between
    the cut-offs) is one, and so are hire, hire with training and reject."""
    if not data or "recommendation" not in data:
        return None
    code = str(data["recommendation"].get("code") or "")
    if not code or code == "pending":
        return None
    stages = data.get("stages") or {}
    if code == "hold" and any(s.get("status") != "complete" for s in stages.values()):
        return None
    return code


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "email": data["email"],
        "stages": {key: s["score"] for key, s in data["stages"].items()},
        "competencies": {key: c["score"] for key, c in data["competencies"].items()},
        "flags": [f["code"] for f in data["flags"]],
    }


def sort_keys(composite: float | None, summary: Mapping[str, Any]) -> dict[str, Any]:
    """The copy columns the ranked table sorts and filters on in SQL (scorecards.dashboard):
    the ranking tier of `rank_key`, the name and address casefolded as Python compares them,
    and the flags' codes each between spaces, so `LIKE '% code %'` finds one exactly."""
    flags = list(summary.get("flags") or [])
    return {
        "rank_tier": rank_key(composite, summary.get("stages") or {})[0],
        "sort_name": str(summary.get("name") or "").casefold()[:200],
        "email_key": str(summary.get("email") or "").casefold()[:254],
        "flag_codes": f" {' '.join(flags)} "[:200] if flags else "",
    }


def copy_sort_keys(_mapper: object, _connection: object, card: CandidateScorecard) -> None:
    """`before_insert` and `before_update` listener (hirebench.wiring): whoever writes a
    scorecard's summary, its sort copies follow in the same statement."""
    for name, value in sort_keys(card.composite, card.summary or {}).items():
        setattr(card, name, value)


def refresh_job(job: Job) -> None:
    for application in db.session.scalars(
        sa.select(Application).where(Application.job_id == job.id)
    ):
        refresh(application)


# ------------------------------------------------------------- recomputed once, at commit

# session.info key: {"candidates": set of ids, "jobs": set of ids} waiting to be recomputed.
DIRTY_KEY = "hirebench.scorecards.dirty"


def _marks(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(DIRTY_KEY, {"candidates": set(), "jobs": set()})


def mark_candidate(sender: object, *, candidate_id: int, **_kwargs: object) -> None:
    """Receiver of `evidence_changed`: the candidate's scorecards are recomputed at commit."""
    _marks(db.session())["candidates"].add(candidate_id)


def mark_job(sender: object, *, job_id: int, **_kwargs: object) -> None:
    """Receiver of `job_profile_saved`: every scorecard of the job is recomputed at commit."""
    _marks(db.session())["jobs"].add(job_id)


def recompute_marked(session: Session) -> None:
    """`before_commit` listener: recompute each marked application once. Recomputing flushes,
    and a flush could in principle announce more changes, so it goes on until a round marks
    nothing new; SQLAlchemy flushes whatever this adds after the listener returns."""
    while marks := session.info.pop(DIRTY_KEY, None):
        candidates, jobs = marks["candidates"], marks["jobs"]
        if not candidates and not jobs:
            return
        applications = session.scalars(
            sa.select(Application)
            .where(
                sa.or_(
                    Application.candidate_id.in_(sorted(candidates)),
                    Application.job_id.in_(sorted(jobs)),
                )
            )
            .order_by(Application.id)
        )
        for application in applications.all():
            refresh(application)


def forget_marks(session: Session, transaction: SessionTransaction) -> None:
    """`after_transaction_end` listener: when the outermost transaction ends without the
    commit having taken the marks (a rollback, or a close), they go with it, so a rolled-back
    change is never recomputed later. A savepoint ending keeps them: the outer transaction
    may still commit the changes made before it."""
    if transaction.parent is None:
        session.info.pop(DIRTY_KEY, None)


def scorecards_of(job: Job) -> list[CandidateScorecard]:
    """Ranked as HR's table ranks them by default: complete composites first, then partial
    ones, then none; best first within each (docs/scorecard.md, "Ranking")."""
    cards = db.session.scalars(
        sa.select(CandidateScorecard)
        .where(CandidateScorecard.job_id == job.id)
        .order_by(CandidateScorecard.id)
    )
    return sorted(cards, key=lambda card: rank_key(card.composite, card.summary["stages"]))


def require_model(job: Job) -> JobProfileDefinition:
    definition = definition_of(job)
    if definition is None or not definition.competencies:
        raise ExportError(
            _(
                "“%(title)s” has no competency model yet. Add its job profile first.",
                title=job.title,
            )
        )
    return definition


def api_payload(job: Job) -> dict[str, Any]:
    """GET /api/v1/jobs/<id>/scorecards (docs/api.md)."""
    require_model(job)
    assert job.profile is not None
    return {
        "job_id": job.id,
        "job_title": job.title,
        "profile_version": job.profile.version,
        "candidates": [_api_candidate(card.data) for card in scorecards_of(job)],
    }


def _api_candidate(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidate_id": data["candidate_id"],
        "name": data["name"],
        "stages": {
            key: {"score": stage["score"], "status": stage["status"], "weight": stage["weight"]}
            for key, stage in data["stages"].items()
        },
        "competencies": {key: c["score"] for key, c in data["competencies"].items()},
        "composite": data["composite"],
        # Read from the stages, so scorecards stored before `coverage` existed have it too.
        "coverage": coverage({key: stage["score"] for key, stage in data["stages"].items()}),
        "recommendation": {
            "code": data["recommendation"]["code"],
            "label": data["recommendation"]["label"],
            "reasons": data["recommendation"]["reasons"],
        },
        "flags": [{"code": f["code"], "message": f["message"]} for f in data["flags"]],
        "profile_version": data["profile_version"],
    }
