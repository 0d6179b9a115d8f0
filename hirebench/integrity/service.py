"""Similarity runs on hirebench's own attempts (docs/integrity.md, "In hirebench"): queueing a
run (by HR, or by the worker once an exam's submissions close), carrying it out in the worker,
storing the pairs worth a look, and the decisions HR and reviewers record on them.

A run never happens in a web request: `queue_exam` only adds rows, and `execute` is called by
hirebench.integrity.jobs in the worker (or by the CLI). A flag is never a verdict and never
changes a score: it raises the scorecard's `integrity` flag (hirebench.integrity.flags) until
someone decides, and every run and decision sends `evidence_changed` so scorecards follow."""

from __future__ import annotations

import dataclasses
import logging
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from hirebench import events
from hirebench.exams.loader import version_definition
from hirebench.extensions import db
from hirebench.integrity import Issue, Kind, PairResult, Problem, Submission, compare
from hirebench.integrity import answers as cohorts
from hirebench.integrity.flags import latest_done_runs
from hirebench.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Exam,
    ExamVersion,
    Role,
    SimilarityDecision,
    SimilarityPair,
    SimilarityRun,
    SimilarityStatus,
    User,
)
from hirebench.models.base import utcnow
from hirebench.services import audit
from hirebench.services.errors import ServiceError

log = logging.getLogger(__name__)

#: Pairs kept per run besides the flagged ones, so HR sees what "not flagged" looked like.
KEEP_TOP = 20
HISTOGRAM_BINS = 20
NOTE_MAX_CHARS = 2_000
DECIDERS = frozenset({Role.hr, Role.admin, Role.reviewer})


class SimilarityError(ServiceError):
    """A request about similarity that cannot be done; the message is for staff."""


@dataclass(frozen=True)
class Queued:
    """What `queue_exam` did: the runs it added and those already waiting."""

    added: list[SimilarityRun]
    waiting: list[SimilarityRun]


def comparable_versions(exam: Exam) -> list[ExamVersion]:
    """The exam's versions with at least two closed attempts, newest first."""
    closed = (
        sa.select(Attempt.exam_version_id)
        .where(Attempt.exam_id == exam.id, Attempt.status != AttemptStatus.in_progress)
        .group_by(Attempt.exam_version_id)
        .having(sa.func.count(sa.distinct(Attempt.candidate_id)) >= 2)
    )
    return list(
        db.session.scalars(
            sa.select(ExamVersion)
            .where(ExamVersion.id.in_(closed))
            .order_by(ExamVersion.number.desc())
        )
    )


def pending_run(version_id: int, question_id: str, part: str) -> SimilarityRun | None:
    return db.session.scalars(
        sa.select(SimilarityRun).where(
            SimilarityRun.exam_version_id == version_id,
            SimilarityRun.question_id == question_id,
            SimilarityRun.part == part,
            SimilarityRun.status.in_([SimilarityStatus.queued, SimilarityStatus.running]),
        )
    ).first()


def queue_run(
    version: ExamVersion, target: cohorts.Target, requested_by: User | None = None
) -> tuple[SimilarityRun, bool]:
    """A queued run for one part of a version, or the one already waiting; (run, added).
    Commits: the partial unique index decides a race between two callers."""
    waiting = pending_run(version.id, target.question_id, target.part)
    if waiting is not None:
        return waiting, False
    run = SimilarityRun(
        exam_id=version.exam_id,
        exam_version_id=version.id,
        question_id=target.question_id,
        part=target.part,
        kind=target.kind,
        requested_by_id=requested_by.id if requested_by is not None else None,
    )
    db.session.add(run)
    try:
        db.session.commit()
    except sa_exc.IntegrityError:
        db.session.rollback()
        waiting = pending_run(version.id, target.question_id, target.part)
        if waiting is None:
            raise
        return waiting, False
    return run, True


def queue_exam(exam: Exam, requested_by: User | None = None, ip: str = "") -> Queued:
    """Queue a run for every comparable part of every version with two or more closed
    attempts; the worker carries them out. Audited when a person asked."""
    added: list[SimilarityRun] = []
    waiting: list[SimilarityRun] = []
    for version in comparable_versions(exam):
        for target in cohorts.targets(version_definition(version)):
            run, new = queue_run(version, target, requested_by)
            (added if new else waiting).append(run)
    if requested_by is not None:
        audit.record(
            "integrity.run_requested",
            requested_by,
            target=exam,
            ip=ip,
            runs=[run.id for run in added],
            already_waiting=[run.id for run in waiting],
        )
        db.session.commit()
    return Queued(added, waiting)


def execute(run: SimilarityRun) -> SimilarityRun:
    """Carry out a claimed run and store its result; a failure is stored on the run (never
    raised), so one bad question does not stop the worker's batch."""
    try:
        _compute(run)
        run.status = SimilarityStatus.done
    except Exception as exc:  # any failure must end as a failed run, never stop the worker
        log.exception("similarity run %s failed", run.id)
        db.session.rollback()
        run = db.session.get(SimilarityRun, run.id) or run
        run.pairs.clear()
        run.status, run.error = SimilarityStatus.failed, f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = utcnow()
    db.session.commit()
    return run


def _compute(run: SimilarityRun) -> None:
    version = db.session.get(ExamVersion, run.exam_version_id)
    assert version is not None
    question = version_definition(version).question(run.question_id)
    cohort = cohorts.cohort(cohorts.closed_answers(version.id, question.id), question, run.part)
    result = compare(
        [*cohort.submissions, *cohort.problems],
        kind="code" if run.kind == "code" else "text",
        starter=cohort.starter,
        top=KEEP_TOP,
    )
    previous = _previous_flagged(run)
    decisions = _earlier_decisions(run)
    run.submissions = len(cohort.submissions)
    run.threshold = result.threshold
    run.distribution = summarise(result.distribution)
    run.problems = [_problem(issue) for issue in result.problems]
    run.clusters = [sorted(int(sid) for sid in members) for members in result.clusters]
    for found in result.pairs:
        pair = _pair(found, cohort.answers, run.clusters)
        earlier = decisions.get((pair.answer_a_id, pair.answer_b_id))
        if earlier is not None:
            pair.decision, pair.decision_note = earlier.decision, earlier.decision_note
            pair.decided_by_id, pair.decided_at = earlier.decided_by_id, earlier.decided_at
        run.pairs.append(pair)
    db.session.flush()
    # Whoever was flagged before or is now may see their scorecard's flag change.
    touched = previous | {c for p in run.pairs if p.flagged for c in _candidates(p)}
    for candidate_id in sorted(touched):
        events.evidence_changed.send(run, candidate_id=candidate_id)


def summarise(scores: Sequence[float]) -> dict[str, Any]:
    """The cohort's pair scores as a histogram of HISTOGRAM_BINS bands over 0..1 with a few
    statistics: 500 submissions make 124,750 pairs, too many to keep one by one."""
    counts = [0] * HISTOGRAM_BINS
    for score in scores:
        counts[min(max(int(score * HISTOGRAM_BINS), 0), HISTOGRAM_BINS - 1)] += 1
    ordered = sorted(scores)
    return {
        "pairs": len(ordered),
        "bins": counts,
        "median": round(statistics.median(ordered), 4) if ordered else None,
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 4) if ordered else None,
        "max": round(ordered[-1], 4) if ordered else None,
    }


def _pair(
    found: PairResult, by_id: Mapping[str, Answer], clusters: Sequence[list[int]]
) -> SimilarityPair:
    a, b = by_id[found.a], by_id[found.b]
    fragments = [{"a_lines": list(f.a_lines), "b_lines": list(f.b_lines)} for f in found.fragments]
    if a.id > b.id:  # stored in answer order, so a pair has one row whatever the engine said
        a, b = b, a
        fragments = [{"a_lines": f["b_lines"], "b_lines": f["a_lines"]} for f in fragments]
    cluster = next(
        (i for i, members in enumerate(clusters) if a.id in members and b.id in members), None
    )
    return SimilarityPair(
        answer_a_id=a.id,
        answer_b_id=b.id,
        candidate_a_id=a.attempt.candidate_id,
        candidate_b_id=b.attempt.candidate_id,
        score=min(1.0, max(0.0, float(found.score))),
        flagged=found.flagged,
        fragments=fragments,
        cluster=cluster,
    )


def _problem(issue: Issue) -> dict[str, Any]:
    """A stored problem: which answer (None for the batch), why, and whether it was still
    compared (code read as text, a capped read) or left out."""
    sid = issue.submission
    answer = db.session.get(Answer, int(sid)) if sid is not None and sid.isdigit() else None
    return {
        "answer_id": answer.id if answer is not None else None,
        "candidate_id": answer.attempt.candidate_id if answer is not None else None,
        "reason": issue.reason,
        "compared": issue.compared,
    }


def _same_part(run: SimilarityRun) -> sa.ColumnElement[bool]:
    return sa.and_(
        SimilarityRun.exam_version_id == run.exam_version_id,
        SimilarityRun.question_id == run.question_id,
        SimilarityRun.part == run.part,
        SimilarityRun.id != run.id,
    )


def _previous_flagged(run: SimilarityRun) -> set[int]:
    pairs = db.session.scalars(
        sa.select(SimilarityPair)
        .join(SimilarityRun)
        .where(_same_part(run), SimilarityRun.status == SimilarityStatus.done)
        .where(SimilarityPair.flagged)
    )
    return {c for pair in pairs for c in _candidates(pair)}


def _earlier_decisions(run: SimilarityRun) -> dict[tuple[int, int], SimilarityPair]:
    """The latest decision on each pair of answers in earlier runs of the same part: a rerun
    finds the same copied answers again, and the decision on them still stands."""
    decided = db.session.scalars(
        sa.select(SimilarityPair)
        .join(SimilarityRun)
        .where(_same_part(run), SimilarityPair.decision.is_not(None))
        .order_by(SimilarityPair.decided_at)
    )
    return {(p.answer_a_id, p.answer_b_id): p for p in decided}


def _candidates(pair: SimilarityPair) -> tuple[int, int]:
    return pair.candidate_a_id, pair.candidate_b_id


def decide(
    pair: SimilarityPair,
    decision: str,
    note: str,
    actor: User,
    *,
    ip: str = "",
) -> SimilarityPair:
    """Record HR's or a reviewer's decision on a pair (a new decision replaces the old one;
    the audit log keeps both). Confirming needs a note: what was shared, what happens."""
    if actor.role not in DECIDERS:
        raise SimilarityError("Only HR and reviewers decide on similarity flags.")
    try:
        chosen = SimilarityDecision(decision)
    except ValueError:
        raise SimilarityError("Choose dismiss or confirm.") from None
    note = note.replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise SimilarityError(f"The note is {len(note):,} characters; the limit is 2,000.")
    if chosen is SimilarityDecision.confirmed and not note:
        raise SimilarityError("Say in a note what was shared before confirming.")
    previous = pair.decision.value if pair.decision is not None else None
    pair.decision, pair.decision_note = chosen, note
    pair.decided_by_id, pair.decided_at = actor.id, utcnow()
    audit.record(
        f"integrity.pair_{chosen.value}",
        actor,
        target=pair,
        ip=ip,
        run_id=pair.run_id,
        answers=[pair.answer_a_id, pair.answer_b_id],
        candidates=list(_candidates(pair)),
        score=round(pair.score, 4),
        previous=previous,
        note=note,
    )
    for candidate_id in _candidates(pair):
        events.evidence_changed.send(pair, candidate_id=candidate_id)
    db.session.commit()
    return pair


# ------------------------------------------------------------------------------- reading


def runs_query(exam: Exam) -> sa.Select[SimilarityRun]:
    return (
        sa.select(SimilarityRun)
        .where(SimilarityRun.exam_id == exam.id)
        .order_by(SimilarityRun.id.desc())
    )


def pairs_query(run: SimilarityRun) -> sa.Select[SimilarityPair]:
    """A run's pairs, flagged first, then by score."""
    return (
        sa.select(SimilarityPair)
        .where(SimilarityPair.run_id == run.id)
        .order_by(SimilarityPair.flagged.desc(), SimilarityPair.score.desc(), SimilarityPair.id)
    )


def open_flag_pairs(exam: Exam) -> sa.Select[SimilarityPair]:
    """The flagged pairs of the exam's latest runs that nobody has decided on yet."""
    return (
        sa.select(SimilarityPair)
        .where(
            SimilarityPair.run_id.in_(latest_done_runs().where(SimilarityRun.exam_id == exam.id)),
            SimilarityPair.flagged,
            SimilarityPair.decision.is_(None),
        )
        .order_by(SimilarityPair.score.desc(), SimilarityPair.id)
    )


def exams_with_attempts() -> list[Exam]:
    closed = sa.select(Attempt.exam_id).where(Attempt.status != AttemptStatus.in_progress)
    return list(db.session.scalars(sa.select(Exam).where(Exam.id.in_(closed)).order_by(Exam.slug)))


def candidates_of(pairs: Iterable[SimilarityPair]) -> set[int]:
    return {c for pair in pairs for c in _candidates(pair)}


def cluster_candidates(run: SimilarityRun) -> list[list[int]]:
    """The run's clusters (groups of three or more sharing material) as candidate ids."""
    ids = {int(i) for group in run.clusters or [] for i in group}
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Answer.id, Attempt.candidate_id)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Answer.id.in_(ids))
    )
    owners = {answer_id: candidate_id for answer_id, candidate_id in rows}
    return [[owners[int(i)] for i in group if int(i) in owners] for group in run.clusters]


def exam_cohort(
    slug: str, question_id: str, part: str = "", version_number: int | None = None
) -> tuple[list[Submission | Problem], Kind, tuple[str, ...]]:
    """The CLI's `--exam SLUG --question ID`: the same submissions a run compares (of the
    newest version with closed attempts, or `version_number`), named by candidate email, with
    the kind and the starter code to subtract. SimilarityError says what is wrong."""
    exam = db.session.scalar(sa.select(Exam).where(Exam.slug == slug))
    if exam is None:
        raise SimilarityError(f"no exam {slug!r}")
    versions = comparable_versions(exam)
    if version_number is not None:
        versions = [v for v in versions if v.number == version_number]
    if not versions:
        raise SimilarityError(f"{slug}: no version with two or more submitted attempts")
    version = versions[0]
    target = next(
        (
            t
            for t in cohorts.targets(version_definition(version))
            if t.question_id == question_id
            and (t.part == part or (not part and t.part == "rationale"))
        ),
        None,
    )
    if target is None:
        raise SimilarityError(
            f"{slug} v{version.number}: no comparable question {question_id!r}"
            + (f" with part {part!r}" if part else "")
            + " (coding, short_answer or annotation_rules)"
        )
    question = version_definition(version).question(question_id)
    built = cohorts.cohort(cohorts.closed_answers(version.id, question_id), question, target.part)
    emails = {sid: answer.attempt.candidate.email for sid, answer in built.answers.items()}
    named: list[Submission | Problem] = [
        dataclasses.replace(sub, id=emails[sub.id], name=emails[sub.id])
        for sub in built.submissions
    ]
    for problem in built.problems:
        answer = db.session.get(Answer, int(problem.id))
        email = answer.attempt.candidate.email if answer is not None else problem.id
        named.append(dataclasses.replace(problem, id=email, name=email))
    return named, target.kind, built.starter
