"""Gathering one candidate's evidence for one job from the database: the exam attempt, the
portfolio reviews, the interview scorecards, flags and feedback."""

from __future__ import annotations

import statistics
from collections import defaultdict

import sqlalchemy as sa

from hirebench.authoring.rubric import Scale
from hirebench.exams.attempts import answers_by_question, definition_of, integrity_summary
from hirebench.exams.questions import get_type
from hirebench.extensions import db
from hirebench.integrity.flags import open_pairs_for_attempt
from hirebench.interviews.bank import GUIDE_SCALE
from hirebench.interviews.service import current_scorecards, interviews_for_job, kit_competencies
from hirebench.jobs.profile import JobProfileDefinition, Stage, monthly
from hirebench.models import (
    PENDING_ANSWER_STATES,
    Application,
    Attempt,
    AttemptStatus,
    Exam,
    Feedback,
    ReviewItem,
    ReviewKind,
)
from hirebench.reviews.workflow import criteria_of, current_reviews, top_level
from hirebench.scorecards.compute import (
    N_,
    VERDICTS,
    Evidence,
    Item,
    StageResult,
    flag,
    text,
)
from hirebench.screening.service import resume_for


def gather(application: Application, profile: JobProfileDefinition) -> Evidence:
    candidate = application.candidate
    evidence = Evidence(candidate.id, candidate.name or candidate.email, candidate.email)
    _screening(application, evidence)
    _exam(application, profile, evidence)
    _portfolio(application, profile, evidence)
    _interview(application, profile, evidence)
    _budget(application, profile, evidence)
    evidence.feedback = [
        {
            "source": f.source,
            "author": f.author.name or f.author.email,
            "text": f.text,
            "at": f.created_at.isoformat(timespec="seconds"),
        }
        for f in db.session.scalars(
            sa.select(Feedback)
            .where(Feedback.candidate_id == candidate.id, Feedback.job_id == application.job_id)
            .order_by(Feedback.id)
        )
    ]
    return evidence


def _screening(application: Application, evidence: Evidence) -> None:
    resume = resume_for(application.candidate_id, application.job_id)
    if resume is not None and resume.score is not None:
        met = sum(
            1 for p in (resume.match or {}).get("points", []) if p["points"] >= p["max_points"]
        )
        total = len((resume.match or {}).get("points", []))
        evidence.stages[Stage.screening] = StageResult(
            resume.score,
            "complete",
            text(N_("resume matches %(met)d of %(n)d requirements"), met=met, n=total),
        )


def _latest_attempt(application: Application, exam_slug: str) -> Attempt | None:
    return db.session.scalars(
        sa.select(Attempt)
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.candidate_id == application.candidate_id, Exam.slug == exam_slug)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ).first()


def _exam(application: Application, profile: JobProfileDefinition, evidence: Evidence) -> None:
    """Written test: every question but the assessment items; assessments: those items."""
    if profile.exam is None:
        return
    attempt = _latest_attempt(application, profile.exam)
    if attempt is None:
        return
    if attempt.status is AttemptStatus.in_progress:
        started = StageResult(None, "pending", text(N_("exam in progress")))
        evidence.stages[Stage.written_test] = evidence.stages[Stage.assessment] = started
        return
    definition = definition_of(attempt)
    section_of = {q.id: s.id for s in definition.sections for q in s.questions}
    # Questions have no titles of their own: evidence is named after the question's section.
    section_titles = {s.id: s.title for s in definition.sections}
    by_question = dict(profile.mapping.exam_questions)
    by_section = dict(profile.mapping.exam_sections)
    answers = answers_by_question(attempt)
    totals: dict[Stage, list[float]] = {
        Stage.written_test: [0.0, 0.0, 0.0],  # points, max of scored, answers still pending
        Stage.assessment: [0.0, 0.0, 0.0],
    }
    groups: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for question_id in attempt.question_ids:
        question = definition.question(question_id)
        stage = Stage(get_type(question.type).scorecard_stage)
        answer = answers.get(question_id)
        if answer is not None and answer.state in PENDING_ANSWER_STATES:
            totals[stage][2] += 1
            continue
        points = (answer.points or 0.0) if answer is not None else 0.0
        totals[stage][0] += points
        totals[stage][1] += question.points
        label = question_id if question_id in by_question else section_of[question_id]
        competency = by_question.get(question_id) or by_section.get(section_of[question_id])
        if competency is not None:
            source = "assessment" if stage is Stage.assessment else "exam"
            group = groups[(competency, source, label)]
            group[0] += points
            group[1] += question.points
        rationale = (answer.detail or {}).get("rationale_review") if answer else None
        rationale_competency = by_question.get(f"{question_id}.rationale", competency)
        if rationale and rationale_competency is not None:
            evidence.items.append(
                Item(
                    rationale_competency,
                    "exam",
                    f"{question_id} rationale",
                    float(rationale["score"]),
                    question.points,
                    title=section_titles[section_of[question_id]],
                    part="rationale",
                )
            )
    for (competency, source, label), (points, maximum) in groups.items():
        if maximum > 0:
            title = section_titles.get(section_of.get(label, label), "")
            evidence.items.append(
                Item(competency, source, label, points / maximum * 100, maximum, title=title)
            )
    for stage, (points, maximum, pending) in totals.items():
        if maximum == 0 and pending == 0:
            continue
        score = points / maximum * 100 if maximum > 0 else None
        detail = text(
            N_("%(points).1f of %(max).0f points; %(pending)d answers still being graded")
            if pending
            else N_("%(points).1f of %(max).0f points"),
            points=points,
            max=maximum,
            pending=int(pending),
        )
        status = (
            "partial" if pending and score is not None else "pending" if pending else "complete"
        )
        evidence.stages[stage] = StageResult(score, status, detail)
    summary = integrity_summary(attempt)
    if summary["flagged"]:
        evidence.flags.append(
            flag(
                "integrity",
                N_("Exam integrity signals: %(signals)s"),
                signals=", ".join(summary["flags"]),
            )
        )
    # Similarity across submissions (hirebench.integrity): shown until HR or a reviewer
    # decides on the pair. Advisory: it changes neither a score nor the recommendation.
    if open_pairs_for_attempt(attempt.id):
        evidence.flags.append(
            flag("integrity", N_("similar to another submission, awaiting review"), advisory=True)
        )


def _portfolio(application: Application, profile: JobProfileDefinition, evidence: Evidence) -> None:
    items = list(
        db.session.scalars(
            sa.select(ReviewItem)
            .where(ReviewItem.candidate_id == application.candidate_id)
            .order_by(ReviewItem.id)
        )
    )
    flagged = [item.title for item in items if item.flagged]
    if flagged:
        evidence.flags.append(
            flag(
                "disagreement",
                N_("Reviewers disagreed on: %(items)s"),
                items="; ".join(flagged),
            )
        )
    cases = [item for item in items if item.kind is ReviewKind.portfolio]
    if not cases:
        return
    done = [item for item in cases if item.complete and item.score is not None]
    if not done:
        evidence.stages[Stage.portfolio] = StageResult(
            None, "pending", text(N_("%(n)d cases waiting for reviews"), n=len(cases))
        )
        return
    score = statistics.fmean(item.score for item in done if item.score is not None)
    status = "complete" if len(done) == len(cases) else "partial"
    evidence.stages[Stage.portfolio] = StageResult(
        score,
        status,
        text(N_("%(done)d of %(n)d cases reviewed"), done=len(done), n=len(cases)),
    )
    mapping = dict(profile.mapping.portfolio_criteria)
    levels: dict[str, list[float]] = defaultdict(list)
    weights: dict[str, float] = {}
    titles: dict[str, str] = {}
    for item in done:
        criteria = criteria_of(item)
        scale = Scale(1, top_level(criteria))
        for criterion in criteria:
            weights[criterion.id] = criterion.weight
            titles[criterion.id] = criterion.title
            for review in current_reviews(item):
                level = review.levels.get(criterion.id)
                if level is not None:
                    levels[criterion.id].append(scale.percent(level))
    for criterion_id, scores in levels.items():
        competency = mapping.get(criterion_id)
        if competency is not None and scores:
            evidence.items.append(
                Item(
                    competency,
                    "portfolio",
                    criterion_id,
                    statistics.fmean(scores),
                    weights[criterion_id],
                    title=titles[criterion_id],
                )
            )


def _interview(application: Application, profile: JobProfileDefinition, evidence: Evidence) -> None:
    interviews = interviews_for_job(application.candidate_id, application.job_id)
    if not interviews:
        return
    cards = [card for interview in interviews for card in current_scorecards(interview)]
    panel = sum(len(interview.panel) for interview in interviews)
    if not cards:
        evidence.stages[Stage.interview] = StageResult(
            None, "pending", text(N_("interview scheduled, no scorecard yet"))
        )
        return
    means = [
        statistics.fmean(int(given["rating"]) for given in card.question_ratings.values())
        for card in cards
        if card.question_ratings
    ]
    # Ratings are on the scoring guides' scale (1 to 5).
    score = GUIDE_SCALE.percent(statistics.fmean(means)) if means else None
    evidence.stages[Stage.interview] = StageResult(
        score,
        "complete" if len(cards) >= panel else "partial",
        text(
            N_("%(cards)d of %(panel)d scorecards: %(verdicts)s"),
            {"verdicts": [VERDICTS[card.recommendation.value] for card in cards]},
            cards=len(cards),
            panel=panel,
        ),
    )
    mapping = dict(profile.mapping.interview_competencies)
    titles = {key: title for i in interviews for key, title in kit_competencies(i.kit)}
    ratings: dict[str, list[int]] = defaultdict(list)
    for card in cards:
        for key, rating in card.competency_ratings.items():
            ratings[key].append(int(rating))
    for key, values in ratings.items():
        competency = mapping.get(key)
        if competency is not None:
            evidence.items.append(
                Item(
                    competency,
                    "interview",
                    f"interview {key}",
                    GUIDE_SCALE.percent(statistics.fmean(values)),
                    1.0,
                    title=titles.get(key, ""),
                )
            )


def _budget(application: Application, profile: JobProfileDefinition, evidence: Evidence) -> None:
    expected = application.salary_expectation
    budget = profile.monthly_budget()
    if not expected or budget is None or expected.get("min") is None:
        return
    wants = monthly(float(expected["min"]), str(expected.get("period", "month")))
    if wants > budget:
        evidence.flags.append(
            flag(
                "over_budget",
                N_("Expects at least %(wants).0f a month; the budget is up to %(budget).0f"),
                wants=wants,
                budget=budget,
            )
        )
