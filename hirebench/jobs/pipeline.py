"""The hiring pipeline (docs/pipeline.md): each application stands at one stage, from applied
to hired, and HR moves it on, back, or rejects it, one at a time or many at once, always with
a reason on record for a rejection.

Every change is audited (`application.move`, `application.reject`, `application.reopen`) and
announced as `events.application_moved`, inside the caller's transaction: these functions never
commit, so a view commits a bulk move whole or rolls it back whole. A bulk move checks every
application before changing any, so one bad row refuses them all with one message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from hirebench import events
from hirebench.extensions import db
from hirebench.models import Application, CandidateScorecard, Job, User
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError, bounded_text

#: The stages in order. A candidate may be moved to any of them, back as well as on: a move
#: back corrects a mistake, and the audit trail keeps both.
STAGES: tuple[str, ...] = ("applied", "exam", "portfolio", "interview", "offer", "hired")
STAGE_LABELS = {
    "applied": _l("Applied"),
    "exam": _l("Exam"),
    "portfolio": _l("Portfolio"),
    "interview": _l("Interview"),
    "offer": _l("Offer"),
    "hired": _l("Hired"),
}
#: Not a stage: rejected applications stay at the stage they reached, marked rejected.
REJECTED = "rejected"
REASON_MAX_CHARS = 1000
#: The most applications one bulk request may change.
BULK_MAX = 500


class PipelineError(ServiceError):
    """A move the pipeline refuses; the message says why, naming the candidates concerned."""


def stage_label(stage: str) -> str:
    label = STAGE_LABELS.get(stage)
    return str(label) if label is not None else stage


def _name(application: Application) -> str:
    person = application.candidate
    return person.name or person.email


def _names(applications: Iterable[Application]) -> str:
    return ", ".join(_name(a) for a in applications)


def _reason(text: object) -> str:
    return bounded_text(text, REASON_MAX_CHARS, _("The reason"), PipelineError)


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise PipelineError(_("“%(stage)s” is not a stage of the pipeline.", stage=stage[:40]))


def _announce(application: Application, previous: str, actor: User | None) -> None:
    events.application_moved.send(
        application,
        application_id=application.id,
        candidate_id=application.candidate_id,
        job_id=application.job_id,
        stage=application.stage,
        previous=previous,
        rejected=application.rejected_at is not None,
        actor_id=actor.id if actor is not None else None,
    )


def _refuse_rejected(applications: Sequence[Application]) -> None:
    rejected = [a for a in applications if a.rejected_at is not None]
    if rejected:
        raise PipelineError(
            ngettext(
                "%(names)s was already rejected; reopen the application first.",
                "%(names)s were already rejected; reopen their applications first.",
                len(rejected),
                names=_names(rejected),
            )
        )


def _apply_move(
    application: Application, to_stage: str, reason: str, actor: User | None, ip: str, bulk: int
) -> None:
    previous = application.stage
    application.stage = to_stage
    application.stage_changed_at = utcnow()
    detail: dict[str, Any] = {"from": previous, "to": to_stage, "reason": reason}
    if bulk > 1:
        detail["bulk"] = bulk
    audit.record(
        "application.move",
        actor,
        target=application,
        ip=ip,
        candidate_id=application.candidate_id,
        job_id=application.job_id,
        **detail,
    )
    _announce(application, previous, actor)


def _apply_reject(
    application: Application, reason: str, actor: User | None, ip: str, bulk: int
) -> None:
    application.rejected_at = utcnow()
    application.rejection_reason = reason
    detail: dict[str, Any] = {"stage": application.stage, "reason": reason}
    if bulk > 1:
        detail["bulk"] = bulk
    audit.record(
        "application.reject",
        actor,
        target=application,
        ip=ip,
        candidate_id=application.candidate_id,
        job_id=application.job_id,
        **detail,
    )
    _announce(application, application.stage, actor)


def move_many(
    applications: Sequence[Application],
    to_stage: str,
    reason: str = "",
    *,
    actor: User | None,
    ip: str = "",
) -> None:
    """Move every application to `to_stage`, or none of them: an unknown stage, a rejected
    application or one already at that stage refuses the lot. The reason is optional for a
    move, and recorded when given."""
    if not to_stage:
        raise PipelineError(_("Choose the stage to move to."))
    _check_stage(to_stage)
    text = _reason(reason)
    if not applications:
        raise PipelineError(_("Select at least one candidate."))
    _refuse_rejected(applications)
    there = [a for a in applications if a.stage == to_stage]
    if there:
        raise PipelineError(
            ngettext(
                "%(names)s is already at the %(stage)s stage.",
                "%(names)s are already at the %(stage)s stage.",
                len(there),
                names=_names(there),
                stage=stage_label(to_stage),
            )
        )
    for application in applications:
        _apply_move(application, to_stage, text, actor, ip, len(applications))


def reject_many(
    applications: Sequence[Application], reason: str, *, actor: User | None, ip: str = ""
) -> None:
    """Reject every application, or none of them: the reason is required, and an application
    already rejected refuses the lot. Each stays at the stage it had reached."""
    text = _reason(reason)
    if not text:
        raise PipelineError(_("Give a reason for the rejection."))
    if not applications:
        raise PipelineError(_("Select at least one candidate."))
    _refuse_rejected(applications)
    for application in applications:
        _apply_reject(application, text, actor, ip, len(applications))


def move(
    application: Application, to_stage: str, reason: str = "", *, actor: User | None, ip: str = ""
) -> None:
    move_many([application], to_stage, reason, actor=actor, ip=ip)


def reject(application: Application, reason: str, *, actor: User | None, ip: str = "") -> None:
    reject_many([application], reason, actor=actor, ip=ip)


def reopen(application: Application, reason: str = "", *, actor: User | None, ip: str = "") -> None:
    """Undo a rejection: the application is back in the running at the stage it had reached;
    the rejection stays in the audit trail."""
    if application.rejected_at is None:
        raise PipelineError(
            _("%(name)s is not rejected; there is nothing to reopen.", name=_name(application))
        )
    text = _reason(reason)
    previous_reason = application.rejection_reason
    application.rejected_at = None
    application.rejection_reason = ""
    audit.record(
        "application.reopen",
        actor,
        target=application,
        ip=ip,
        candidate_id=application.candidate_id,
        job_id=application.job_id,
        stage=application.stage,
        reason=text,
        rejection_reason=previous_reason,
    )
    _announce(application, application.stage, actor)


def applications_of_job(job: Job, ids: Iterable[object]) -> list[Application]:
    """The job's applications with these ids, in the order given, locked for the change that
    follows (PostgreSQL; SQLite serialises writes anyway). An id that is not a number, or not
    an application of this job, refuses the whole request: a form posted for another job, or
    a candidate withdrawn meanwhile, must not move some of the selection and not the rest."""
    wanted: list[int] = []
    for raw in ids:
        try:
            number = int(str(raw))
        except ValueError:
            raise PipelineError(_("The selection is not valid; reload the page.")) from None
        if number not in wanted:
            wanted.append(number)
    if len(wanted) > BULK_MAX:
        raise PipelineError(
            _("Select at most %(n)d candidates at a time.", n=BULK_MAX),
        )
    if not wanted:
        return []
    found = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Application)
            .where(Application.id.in_(wanted), Application.job_id == job.id)
            .options(selectinload(Application.candidate))
            .with_for_update(of=Application)
        )
    }
    if len(found) != len(wanted):
        raise PipelineError(
            _("Some of the selected candidates are not in this job's pipeline; reload the page.")
        )
    return [found[i] for i in wanted]


@dataclass(frozen=True)
class StageCounts:
    """How many of a job's applications stand at each stage (rejected ones not included),
    and how many were rejected."""

    by_stage: dict[str, int]
    rejected: int

    @property
    def active(self) -> int:
        return sum(self.by_stage.values())


def stage_counts(job_ids: Sequence[int]) -> dict[int, StageCounts]:
    """Counts per stage for each of these jobs, in one query."""
    counts = {job_id: dict.fromkeys(STAGES, 0) for job_id in job_ids}
    rejected = dict.fromkeys(job_ids, 0)
    if not job_ids:
        return {}
    query = (
        sa.select(
            Application.job_id,
            Application.stage,
            Application.rejected_at.is_not(None),
            sa.func.count(),
        )
        .where(Application.job_id.in_(job_ids))
        .group_by(Application.job_id, Application.stage, Application.rejected_at.is_not(None))
    )
    for job_id, stage, is_rejected, n in db.session.execute(query):
        if is_rejected:
            rejected[job_id] += n
        elif stage in counts[job_id]:
            counts[job_id][stage] += n
    return {job_id: StageCounts(counts[job_id], rejected[job_id]) for job_id in job_ids}


# ------------------------------------------------------------------------------ the board


@dataclass(frozen=True)
class Card:
    """One candidate on the board: what HR decides by at a glance."""

    application_id: int
    candidate_id: int
    name: str
    stage: str
    composite: float | None
    partial: bool  # the composite stands on some stages only
    recommendation: str | None  # None before the job has a scorecard for them
    flags: int
    rejected_at: datetime | None
    rejection_reason: str
    stage_changed_at: datetime | None


@dataclass(frozen=True)
class Column:
    key: str  # a stage, or REJECTED
    cards: list[Card]
    total: int

    @property
    def label(self) -> str:
        return str(_l("Rejected")) if self.key == REJECTED else stage_label(self.key)


def _cards_query(job: Job, key: str) -> sa.Select[*tuple[Any, ...]]:
    """A column's cards, best first as the ranked table ranks them: complete composites, then
    partial ones, then none; the name breaks ties. The rejected column shows the latest first."""
    query = (
        sa.select(
            Application.id,
            Application.candidate_id,
            User.name,
            User.email,
            Application.stage,
            CandidateScorecard.composite,
            CandidateScorecard.rank_tier,
            CandidateScorecard.recommendation,
            CandidateScorecard.flag_codes,
            Application.rejected_at,
            Application.rejection_reason,
            Application.stage_changed_at,
        )
        .join(User, User.id == Application.candidate_id)
        .outerjoin(CandidateScorecard, CandidateScorecard.application_id == Application.id)
        .where(Application.job_id == job.id)
    )
    if key == REJECTED:
        return query.where(Application.rejected_at.is_not(None)).order_by(
            Application.rejected_at.desc(), Application.id.desc()
        )
    return query.where(Application.stage == key, Application.rejected_at.is_(None)).order_by(
        sa.func.coalesce(CandidateScorecard.rank_tier, 3),
        CandidateScorecard.composite.desc(),
        User.name,
        Application.id,
    )


def _card(row: Any) -> Card:
    flags = row.flag_codes.split() if row.flag_codes else []
    return Card(
        application_id=row.id,
        candidate_id=row.candidate_id,
        name=row.name or row.email,
        stage=row.stage,
        composite=row.composite,
        partial=row.rank_tier == 1,
        recommendation=row.recommendation,
        flags=len(flags),
        rejected_at=row.rejected_at,
        rejection_reason=row.rejection_reason,
        stage_changed_at=row.stage_changed_at,
    )


def column(job: Job, key: str, *, offset: int = 0, limit: int = 50) -> Column:
    """One column of the job's board (a stage, or REJECTED): `limit` cards from `offset`, and
    how many there are in all."""
    if key != REJECTED:
        _check_stage(key)
    query = _cards_query(job, key)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(query.offset(offset).limit(limit))
    return Column(key, [_card(row) for row in rows], int(total))


def board(job: Job, *, limit: int = 50) -> list[Column]:
    """A column per stage, each with its first `limit` cards. The rejected are a column of
    their own, asked for apart (`column(job, REJECTED)`): they are out of the running."""
    return [column(job, key, limit=limit) for key in STAGES]
