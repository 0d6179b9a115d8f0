"""The analytics of one job as the pages and commands use them, and the few things that write:
performance ratings, voluntary group data, and applying a weight proposal.

The statistics are the core's (validity, adverse, items, funnel); gather.py reads their inputs.
Nothing here changes a score: applying a proposal saves a new job profile version through the
jobs service, and the scorecards follow that version as they follow any profile edit.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from hirebench.analytics import charts, gather, groups
from hirebench.analytics.adverse import MIN_GROUP, adverse_impact
from hirebench.analytics.funnel import funnel
from hirebench.analytics.items import item_analysis
from hirebench.analytics.validity import validity
from hirebench.extensions import db
from hirebench.jobs import service as jobs
from hirebench.jobs.profile import JobProfileDefinition, Stage
from hirebench.models import (
    AuditEvent,
    CandidateScorecard,
    Exam,
    Job,
    JobProfile,
    PerformanceRating,
    User,
)
from hirebench.models.base import utcnow
from hirebench.models.demographics import GroupData
from hirebench.models.performance import RATING_KINDS
from hirebench.scorecards.compute import Evidence, Item, StageResult, compute
from hirebench.services import audit
from hirebench.services.errors import ServiceError

#: A rating scale's ends may not be further apart than this (a 0-1000 "scale" is a typo).
MAX_SCALE_SPAN = 100.0
#: The audit action of an applied weight proposal; its detail is the evidence.
APPLIED_ACTION = "analytics.weights_applied"


class AnalyticsError(ServiceError):
    """The request cannot be carried out as asked; the message says why."""


# ------------------------------------------------------------------------------ reading


def group_questions() -> tuple[str, ...]:
    """The codes of the group questions asked (gender and age band unless the instance's
    ANALYTICS_GROUP_QUESTIONS names others)."""
    return tuple(question.code for question in groups.questions())


def funnel_report(job: Job) -> dict[str, Any]:
    return funnel(gather.funnel_rows(job))


def validity_report(job: Job) -> dict[str, Any] | None:
    """The validity report over the job's current profile stages and weights; None when the
    job has no profile (no stages to speak of)."""
    data = gather.validity_input(job)
    if not data.stages:
        return None
    return validity(data.frame, data.stages, data.weights)


def adverse_reports(job: Job, min_group: int = MIN_GROUP) -> dict[str, dict[str, Any]]:
    """One adverse-impact report per group question, over the funnel's selection stages."""
    rows = gather.funnel_rows(job)
    return {
        question: adverse_impact(gather.adverse_input(job, question, rows), min_group)
        for question in group_questions()
    }


def item_reports(slug: str) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(version label, item report, pooled questions left out) per version of the exam that
    has at least one fully scored attempt, oldest version first."""
    reports = []
    for version in gather.exam_versions(slug):
        data = gather.item_input(version)
        if data.frame.empty:
            continue
        reports.append((data.label, item_analysis(data.frame, data.key), data.pooled))
    return reports


def exam_of(job: Job) -> str | None:
    profile = jobs.definition_of(job)
    return profile.exam if profile is not None else None


def exam_exists(slug: str) -> bool:
    return db.session.scalar(sa.select(Exam.id).where(Exam.slug == slug)) is not None


def job_page(job: Job) -> dict[str, Any]:
    """Everything the job's analytics page shows (the charts are drawn by the view)."""
    data = gather.validity_input(job)
    report = validity(data.frame, data.stages, data.weights) if data.stages else None
    slug = exam_of(job)
    return {
        "job": job,
        "funnel": funnel_report(job),
        "items_by_version": [(label, r) for label, r, _pooled in item_reports(slug)]
        if slug
        else [],
        "adverse": adverse_reports(job),
        "validity": report,
        "scores": gather.stage_scores(data.frame, data.stages),
        "composite_scores": gather.composite_scores(job),
        "cutoffs": charts.cutoff_lines(jobs.definition_of(job)),
        "n_rated": report["n_rated"] if report else 0,
        "can_apply": bool(report and report["weights"]["proposed"] and _differs(report)),
        "applied": applied_proposals(job),
    }


#: The applied proposals a job's page lists, newest first.
APPLIED_SHOWN = 10


def applied_proposals(job: Job) -> list[dict[str, Any]]:
    """The proposals applied to the job, newest first, as the audit log recorded them: when,
    by whom, the profile versions, the weights before and after, and the evidence."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.action == APPLIED_ACTION,
            AuditEvent.target_type == Job.__name__,
            AuditEvent.target_id == str(job.id),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(APPLIED_SHOWN)
    )
    return [{"at": e.at, "by": e.actor_email, **(e.detail or {})} for e in events]


def _differs(report: Mapping[str, Any]) -> bool:
    weights = report["weights"]
    proposed = weights["proposed"] or {}
    return any(
        not math.isclose(proposed.get(s, 0.0), weights["current"].get(s, 0.0), abs_tol=0.05)
        for s in set(proposed) | set(weights["current"])
    )


def overview() -> list[dict[str, Any]]:
    """One line per job for the admin overview: applicants, hires, rated hires, offers, and
    whether weights could be proposed and any stage is flagged for adverse impact."""
    lines = []
    for job in db.session.scalars(sa.select(Job).order_by(Job.title, Job.id)):
        page_funnel = funnel_report(job)
        stages = {row["stage"]: row for row in page_funnel["stages"]}
        report = validity_report(job)
        adverse = adverse_reports(job)
        lines.append(
            {
                "job": job,
                "applicants": page_funnel["n"],
                "offers": stages["offer"]["entered"],
                "hires": stages["accepted"]["entered"],
                "n_rated": report["n_rated"] if report else 0,
                "proposal": bool(report and report["weights"]["proposed"]),
                "flagged": sorted(
                    {
                        stage
                        for r in adverse.values()
                        for stage, row in r["stages"].items()
                        if row["flag"]
                    }
                ),
                "median_days_to_offer": page_funnel["median_days_to_offer"],
            }
        )
    return lines


# ------------------------------------------------------------------------------ ratings


def hires_of(job: Job) -> list[User]:
    """The job's hires (accepted offers), by name."""
    ids = gather.hired_ids(job.id)
    if not ids:
        return []
    return list(
        db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.name, User.id))
    )


def ratings_query(job: Job, candidate: User | None = None) -> sa.Select[tuple[PerformanceRating]]:
    query = sa.select(PerformanceRating).where(PerformanceRating.job_id == job.id)
    if candidate is not None:
        query = query.where(PerformanceRating.candidate_id == candidate.id)
    return query.order_by(PerformanceRating.rated_on.desc(), PerformanceRating.id.desc())


def check_scale(scale_min: float, scale_max: float) -> None:
    if not (math.isfinite(scale_min) and math.isfinite(scale_max)) or scale_max <= scale_min:
        raise AnalyticsError(f"the scale {scale_min:g}-{scale_max:g} has no range")
    if scale_max - scale_min > MAX_SCALE_SPAN:
        raise AnalyticsError(
            f"the scale {scale_min:g}-{scale_max:g} spans more than {MAX_SCALE_SPAN:g} points"
        )


def check_rating(rating: float, scale_min: float, scale_max: float) -> None:
    if not math.isfinite(rating) or not scale_min <= rating <= scale_max:
        raise AnalyticsError(f"{rating:g} is outside the scale {scale_min:g}-{scale_max:g}")


def _check(job: Job, candidate: User, rated_on: date, kind: str) -> None:
    if candidate.id not in gather.hired_ids(job.id):
        raise AnalyticsError(
            f"{candidate.email} has no accepted offer for this job: only hires are rated"
        )
    if kind not in RATING_KINDS:
        raise AnalyticsError(f"the kind {kind!r} is not one of {', '.join(RATING_KINDS)}")
    if rated_on > date.today():
        raise AnalyticsError(f"{rated_on.isoformat()} is in the future")


def record_rating(
    job: Job,
    candidate: User,
    *,
    rated_on: date,
    rating: float,
    scale: tuple[float, float],
    kind: str = "periodic",
    comment: str = "",
    by: User | None = None,
    ip: str = "",
) -> PerformanceRating:
    """A new rating for a hire, audited. Joins the caller's transaction (flushed)."""
    check_scale(*scale)
    check_rating(rating, *scale)
    _check(job, candidate, rated_on, kind)
    duplicate = db.session.scalar(
        ratings_query(job, candidate).where(PerformanceRating.rated_on == rated_on)
    )
    if duplicate is not None:
        raise AnalyticsError(
            f"{candidate.email} already has a rating on {rated_on.isoformat()} for this job"
        )
    row = PerformanceRating(
        candidate_id=candidate.id,
        job_id=job.id,
        rated_on=rated_on,
        rating=rating,
        scale_min=scale[0],
        scale_max=scale[1],
        kind=kind,
        comment=comment,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("performance.rated", by, target=row, ip=ip, **_audit_fields(row))
    return row


def update_rating(
    row: PerformanceRating,
    *,
    rating: float,
    kind: str,
    comment: str,
    by: User | None = None,
    ip: str = "",
) -> PerformanceRating:
    """Change a rating's value, kind or comment (its date and scale stay); the audit row
    keeps what it was before."""
    check_rating(rating, row.scale_min, row.scale_max)
    if kind not in RATING_KINDS:
        raise AnalyticsError(f"the kind {kind!r} is not one of {', '.join(RATING_KINDS)}")
    before = _audit_fields(row)
    row.rating, row.kind, row.comment, row.updated_at = rating, kind, comment, utcnow()
    db.session.flush()
    audit.record(
        "performance.rating_changed", by, target=row, ip=ip, before=before, **_audit_fields(row)
    )
    return row


def delete_rating(row: PerformanceRating, *, by: User | None = None, ip: str = "") -> None:
    audit.record("performance.rating_deleted", by, target=row, ip=ip, **_audit_fields(row))
    db.session.delete(row)
    db.session.flush()


def _audit_fields(row: PerformanceRating) -> dict[str, Any]:
    return {
        "candidate_id": row.candidate_id,
        "job_id": row.job_id,
        "rated_on": row.rated_on.isoformat(),
        "rating": row.rating,
        "scale": [row.scale_min, row.scale_max],
        "kind": row.kind,
        "comment": row.comment,
    }


# --------------------------------------------------------------------------- group data


def group_data_of(candidate: User) -> dict[str, Any] | None:
    """The candidate's own answers, for their own form only (None when they gave none)."""
    row = db.session.scalar(sa.select(GroupData).where(GroupData.candidate_id == candidate.id))
    return dict(row.answers) if row is not None else None


def save_group_data(candidate: User, answers: Mapping[str, str | None]) -> None:
    """Store the candidate's voluntary answers; a question left blank or answered "prefer
    not to say" is not stored. With nothing left, any earlier answers are removed. Not
    audited with the answers: an audit row would be one more place that holds them."""
    kept = {key: str(value) for key, value in answers.items() if value and value != "prefer_not"}
    row = db.session.scalar(sa.select(GroupData).where(GroupData.candidate_id == candidate.id))
    if not kept:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = GroupData(candidate_id=candidate.id)
        db.session.add(row)
    row.answers, row.given_at = kept, utcnow()


# ---------------------------------------------------------------- applying a proposal


def proposed_definition(
    profile: JobProfileDefinition, weights: Mapping[str, float]
) -> JobProfileDefinition:
    """The profile with these stage weights and nothing else changed. A stage proposed at 0
    leaves the weighted stages (a profile weight is above 0); one with a minimum in
    cutoffs.stages must keep a weight, or its minimum would silently stop applying."""
    minimums = dict(profile.cutoffs.stages)
    stages = []
    for stage, _weight in profile.stages:
        weight = float(weights.get(stage.value, 0.0))
        if weight <= 0 and stage.value in minimums:
            raise AnalyticsError(
                f"the proposal weighs {stage.value} 0, but the profile sets it a minimum of "
                f"{minimums[stage.value]:g}: remove the minimum from the profile first"
            )
        if weight > 0:
            stages.append((Stage(stage.value), weight))
    return dataclasses.replace(profile, stages=tuple(stages))


def _evidence(data: Mapping[str, Any]) -> Evidence:
    """A stored scorecard's evidence, rebuilt from its data, for compute() to weigh anew."""
    evidence = Evidence(int(data["candidate_id"]), str(data["name"]), str(data["email"]))
    for key, stage in data["stages"].items():
        evidence.stages[Stage(key)] = StageResult(stage["score"], stage["status"], stage["detail"])
    for competency, entry in data["competencies"].items():
        for e in entry["evidence"]:
            evidence.items.append(
                Item(
                    competency,
                    e["source"],
                    e["label"],
                    float(e["score"]),
                    float(e["weight"]),
                    title=e.get("title", ""),
                    part=e.get("part", ""),
                )
            )
    evidence.flags = list(data.get("flags", []))
    evidence.feedback = list(data.get("feedback", []))
    return evidence


def what_if(job: Job, weights: Mapping[str, float]) -> dict[str, Any]:
    """Which stored recommendations would change under these weights: each scorecard is
    computed again by the scorecard's own compute() from its stored evidence. Reads only."""
    profile = jobs.definition_of(job)
    if profile is None or job.profile is None:
        raise AnalyticsError("the job has no profile")
    definition = proposed_definition(profile, weights)
    hired = gather.hired_ids(job.id)
    changed, unchanged = [], 0
    cards = db.session.scalars(
        sa.select(CandidateScorecard)
        .where(CandidateScorecard.job_id == job.id)
        .order_by(CandidateScorecard.id)
    )
    for card in cards:
        after = compute(definition, job.profile.version, job.id, _evidence(card.data))
        if after["recommendation"]["code"] == card.recommendation:
            unchanged += 1
            continue
        changed.append(
            {
                "candidate_id": card.data["candidate_id"],
                "name": card.data["name"],
                "hired": card.data["candidate_id"] in hired,
                "composite_before": card.composite,
                "composite_after": after["composite"],
                "before": card.recommendation,
                "after": after["recommendation"]["code"],
            }
        )
    return {"changed": changed, "unchanged": unchanged}


def apply_proposal(job: Job, seen: Mapping[str, float], *, by: User, ip: str = "") -> JobProfile:
    """Save the proposal as a new profile version, with the evidence in the audit log.

    The proposal is computed again here rather than taken from the form; `seen` is what HR
    confirmed, and when the data has moved since (a new rating), nothing is applied. Commits
    (through jobs.save_profile, which announces job_profile_saved)."""
    profile = jobs.definition_of(job)
    report = validity_report(job)
    if profile is None or report is None or job.profile is None:
        raise AnalyticsError("the job has no profile to reweight")
    weights = report["weights"]
    if weights["proposed"] is None:
        raise AnalyticsError(f"no weights are proposed: {weights['refused']}")
    proposed = {stage: float(w) for stage, w in weights["proposed"].items()}
    if any(not math.isclose(proposed.get(s, 0.0), float(seen.get(s, 0.0))) for s in proposed):
        raise AnalyticsError(
            "the proposal has changed since it was shown (new ratings or scores): "
            "look at it again before applying it"
        )
    if not _differs(report):
        raise AnalyticsError("the proposal is the profile's current weights")
    definition = proposed_definition(profile, proposed)
    changes = what_if(job, proposed)
    version = (
        db.session.scalar(
            sa.select(sa.func.max(JobProfile.version)).where(JobProfile.job_id == job.id)
        )
        or 0
    ) + 1
    audit.record(
        APPLIED_ACTION,
        by,
        target=job,
        ip=ip,
        from_version=job.profile.version,
        to_version=version,
        weights_before=weights["current"],
        weights_after=proposed,
        evidence=_evidence_summary(report),
        decisions_changed=len(changes["changed"]),
    )
    # The same transaction: save_profile commits the audit row with the version it numbers
    # as `version` above.
    return jobs.save_profile(definition, job=job, by=by)


def _evidence_summary(report: Mapping[str, Any]) -> dict[str, Any]:
    weights = report["weights"]
    return {
        "n_rated": report["n_rated"],
        "stages": {
            stage: {k: row[k] for k in ("n", "r", "ci95", "p", "r_corrected")}
            for stage, row in report["stages"].items()
        },
        "cv_r_current": weights["cv_r_current"],
        "cv_r_proposed": weights["cv_r_proposed"],
        "shrinkage": weights["shrinkage"],
        "n_fit": weights["n_fit"],
    }


def job_or_error(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise AnalyticsError(f"no job with id {job_id}")
    return job


def stages_of(job: Job) -> Sequence[str]:
    profile = jobs.definition_of(job)
    return [stage.value for stage, _ in profile.stages] if profile else []
