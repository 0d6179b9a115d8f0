"""The review workflow at service level: round robin, independence, versions, the panel's
median, disagreement with a tie-break reviewer, refusing bad input, and exam answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.exams import attempts
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import (
    Answer,
    Attempt,
    AuditEvent,
    Exam,
    Review,
    ReviewAssignment,
    ReviewItem,
    ReviewKind,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics, workflow
from tests import factories
from tests.factories import portfolio_item

RUBRIC_FILE = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"
# The shipped rubric's criteria and weights (2 + 3 + 3 + 2 + 1 = 11), levels 1-5.
CRITERIA = ("problem-framing", "data-work", "measured-impact", "ownership", "communication")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        rubrics.load_files([RUBRIC_FILE])
        yield
        grading_queue.shutdown(app)


@pytest.fixture
def people(ctx: None, make_user: Callable[..., User]) -> dict[str, User]:
    return factories.people(
        make_user,
        {
            "candidate": (Role.candidate, "cand@example.com", "Zhang Wei"),
            "r1": (Role.reviewer, "r1@example.com", "Rita"),
            "r2": (Role.reviewer, "r2@example.com", "Rob"),
            "r3": (Role.reviewer, "r3@example.com", "Ria"),
        },
    )


def levels(value: int, **changes: int) -> dict[str, int]:
    result = dict.fromkeys(CRITERIA, value)
    result.update({key.replace("_", "-"): level for key, level in changes.items()})
    return result


def assignment(item: ReviewItem, reviewer: User) -> ReviewAssignment:
    return next(a for a in item.assignments if a.reviewer_id == reviewer.id)


def reviewers_of(item: ReviewItem) -> set[int]:
    return {a.reviewer_id for a in item.assignments}


# --------------------------------------------------------------------------- round robin


def test_round_robin_spreads_items_by_open_load(
    people: dict[str, User], make_user: Callable[..., User]
) -> None:
    r1, r2, r3 = people["r1"], people["r2"], people["r3"]
    lazy = db.session.get(User, make_user(Role.reviewer, email="off@example.com").id)
    assert lazy is not None
    lazy.active = False
    db.session.commit()
    others = {make_user(role).id for role in (Role.hr, Role.admin, Role.interviewer)}

    items = [portfolio_item(people["candidate"], f"case {n}") for n in range(3)]

    assert reviewers_of(items[0]) == {r1.id, r2.id}  # all idle: lowest ids first
    assert reviewers_of(items[1]) == {r3.id, r1.id}  # r3 had nothing open
    assert reviewers_of(items[2]) == {r2.id, r3.id}
    load = {r.id: 0 for r in (r1, r2, r3)}
    for item in items:
        assert item.required_reviews == 2 and len(item.assignments) == 2
        for a in item.assignments:
            load[a.reviewer_id] += 1
    assert load == {r1.id: 2, r2.id: 2, r3.id: 2}
    chosen = set(db.session.scalars(sa.select(ReviewAssignment.reviewer_id)))
    assert lazy.id not in chosen and not chosen & others
    assert people["candidate"].id not in chosen

    # Submitted work no longer counts as open load: r2 finishes both, so it is chosen first.
    for item in (items[0], items[2]):
        assignment(item, r2).submitted_at = utcnow()
    db.session.commit()
    assert r2.id in reviewers_of(portfolio_item(people["candidate"], "case 4"))


def test_a_single_reviewer_on_staff_makes_a_panel_of_one(
    ctx: None, make_user: Callable[..., User]
) -> None:
    candidate = db.session.get(User, make_user(Role.candidate).id)
    only = make_user(Role.reviewer)
    assert candidate is not None
    item = portfolio_item(candidate)
    assert item.required_reviews == 1
    assert reviewers_of(item) == {only.id}


# ------------------------------------------------------------------ independence, versions


def test_others_are_visible_only_after_the_own_review(people: dict[str, User]) -> None:
    item = portfolio_item(people["candidate"])
    r1, r2 = people["r1"], people["r2"]
    workflow.submit_review(assignment(item, r2), levels(3), {})
    assert not workflow.others_visible(item, r1)
    workflow.submit_review(assignment(item, r1), levels(3), {})
    assert workflow.others_visible(item, r1)


def test_an_edit_adds_a_version_and_keeps_the_first(people: dict[str, User]) -> None:
    item = portfolio_item(people["candidate"])
    mine = assignment(item, people["r1"])
    first = workflow.submit_review(mine, levels(2), {"ownership": "Vague."})
    second = workflow.submit_review(mine, levels(4), {"ownership": "Clear after all."})

    rows = db.session.scalars(sa.select(Review).order_by(Review.id)).all()
    assert [r.id for r in rows] == [first.id, second.id]
    assert (rows[0].version, rows[0].is_current, rows[0].levels) == (1, False, levels(2))
    assert (rows[1].version, rows[1].is_current, rows[1].levels) == (2, True, levels(4))
    assert rows[0].comments == {"ownership": "Vague."}
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.in_(["review.submit", "review.edit"]))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["review.submit", "review.edit"]
    assert workflow.current_reviews(item) == [second]


# ------------------------------------------------------------------------------ scoring


def test_the_panel_score_is_the_median_of_current_reviews(people: dict[str, User]) -> None:
    item = portfolio_item(people["candidate"])
    first = workflow.submit_review(assignment(item, people["r1"]), levels(3), {})
    # Every criterion at level 3 of 5 is halfway: 50.
    assert first.score == 50.0
    assert not item.complete and item.score is None

    second = workflow.submit_review(
        assignment(item, people["r2"]), levels(3, data_work=4, measured_impact=4), {}
    )
    # (2*0.5 + 3*0.75 + 3*0.75 + 2*0.5 + 1*0.5) / 11 * 100 = 7 / 11 * 100 = 63.64
    assert second.score == pytest.approx(63.64)
    assert item.complete and not item.flagged and item.completed_at is not None
    assert item.score == pytest.approx(56.82)  # the median of two: (50 + 63.64) / 2

    # Only current versions count: r2 lowers to 50 and the panel follows.
    workflow.submit_review(assignment(item, people["r2"]), levels(3), {})
    assert item.score == 50.0


def test_disagreement_flags_the_item_and_adds_a_tie_break_reviewer(
    people: dict[str, User],
) -> None:
    r1, r2, r3 = people["r1"], people["r2"], people["r3"]
    item = portfolio_item(people["candidate"])
    assert reviewers_of(item) == {r1.id, r2.id}
    workflow.submit_review(assignment(item, r1), levels(1), {})  # 0
    workflow.submit_review(assignment(item, r2), levels(5), {})  # 100, far over 20 apart

    assert item.flagged and "100" in item.flag_reason
    tie_break = assignment(item, r3)
    assert tie_break.reason == "tie-break" and tie_break.submitted_at is None
    assert item.required_reviews == 3
    assert not item.complete and item.score is None
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "review.flagged"))

    workflow.submit_review(tie_break, levels(2), {})  # 25
    assert item.complete and item.flagged
    assert item.score == 25.0  # the median of 0, 25 and 100, not the mean (41.67)


BAD_INPUT = [
    pytest.param(levels(3, ownership=0), {}, "whole number", id="level-0"),
    pytest.param(levels(3, ownership=6), {}, "whole number", id="level-6"),
    pytest.param({**levels(3), "ownership": "abc"}, {}, "whole number", id="text"),
    pytest.param({**levels(3), "ownership": 2.5}, {}, "whole number", id="float"),
    pytest.param({**levels(3), "ownership": "2.5"}, {}, "whole number", id="decimal-text"),
    pytest.param({k: 3 for k in CRITERIA[:-1]}, {}, "Choose a level", id="missing"),
    pytest.param({**levels(3), "charisma": 3}, {}, "Unknown criterion", id="unknown"),
    pytest.param(levels(3), {"ownership": "x" * 4001}, "longer than 4000", id="long-comment"),
]


@pytest.mark.parametrize(("given", "comments", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_saved(
    people: dict[str, User], given: dict[str, Any], comments: dict[str, str], message: str
) -> None:
    item = portfolio_item(people["candidate"])
    mine = assignment(item, people["r1"])
    with pytest.raises(workflow.ReviewError, match=message):
        workflow.submit_review(mine, given, comments)
    # The count query autoflushes: anything the call had added to the session would show.
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert item.reviews == [] and mine.submitted_at is None
    db.session.rollback()
    db.session.refresh(mine)
    assert mine.submitted_at is None


def test_the_comment_limit_is_inclusive(people: dict[str, User]) -> None:
    item = portfolio_item(people["candidate"])
    review = workflow.submit_review(
        assignment(item, people["r1"]), levels(3), {"ownership": "x" * 4000}
    )
    assert len(review.comments["ownership"]) == 4000


def test_an_unassigned_item_is_refused_and_logged(people: dict[str, User]) -> None:
    item = portfolio_item(people["candidate"])
    outsider = people["r3"]
    assert outsider.id not in reviewers_of(item)
    with pytest.raises(workflow.NotAssigned):
        workflow.assignment_for(item.id, outsider, ip="10.1.2.3")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "review.denied")
    ).one()
    assert event.actor_id == outsider.id and event.ip == "10.1.2.3"
    assert event.detail["item_id"] == item.id
    assert workflow.assignment_for(item.id, people["r1"]).reviewer_id == people["r1"].id


# ---------------------------------------------------------------------------- exam answers

ANNOTATION = {
    "rules": [
        {"conditions": [{"field": "is_bot", "op": "eq", "value": 1}], "label": "browse"},
        {"conditions": [], "label": "click"},
    ],
    "rationale": "Bots never buy, so their events are browsing; the rest defaults to click.",
}


def _submitted_attempt(candidate: User, answers: dict[str, Any]) -> Attempt:
    """The sample exam with only these answers; the coding question stays unanswered."""
    load_exam(PROJECT_ROOT / "exams" / "ai-trainer-ecommerce", PROJECT_ROOT / "graders")
    exam = db.session.scalars(sa.select(Exam)).one()
    attempt = attempts.start_attempt(candidate, exam)
    for question_id, value in answers.items():
        attempts.save_answer(attempt, question_id, value)
    return attempts.submit(attempt)


def _answer(attempt: Attempt, question_id: str) -> Answer:
    return next(a for a in attempt.answers if a.question_id == question_id)


def _item(kind: ReviewKind) -> ReviewItem:
    return db.session.scalars(sa.select(ReviewItem).where(ReviewItem.kind == kind)).one()


def _review_all(item: ReviewItem, level: int) -> None:
    for a in list(item.assignments):
        workflow.submit_review(a, {c.id: level for c in workflow.criteria_of(item)}, {})


def test_exam_free_text_answers_become_review_items(people: dict[str, User]) -> None:
    attempt = _submitted_attempt(
        people["candidate"],
        {"explain-gd": "Step against the gradient, scaled by η.", "behaviour-labels": ANNOTATION},
    )
    items = db.session.scalars(sa.select(ReviewItem).order_by(ReviewItem.id)).all()
    assert sorted(i.kind.value for i in items) == ["exam_answer", "exam_rationale"]
    short = _item(ReviewKind.exam_answer)
    assert short.answer_id == _answer(attempt, "explain-gd").id
    assert short.candidate_id == people["candidate"].id and len(short.assignments) == 2
    assert _item(ReviewKind.exam_rationale).answer_id == _answer(attempt, "behaviour-labels").id
    assert _answer(attempt, "explain-gd").state == "awaiting_review"


def test_an_empty_short_answer_is_not_queued_and_scores_zero(people: dict[str, User]) -> None:
    attempt = _submitted_attempt(people["candidate"], {})
    assert db.session.scalar(sa.select(sa.func.count(ReviewItem.id))) == 0
    answer = _answer(attempt, "explain-gd")
    assert (answer.state, answer.points) == ("scored", 0.0)


def test_a_reviewed_short_answer_earns_its_points(people: dict[str, User]) -> None:
    attempt = _submitted_attempt(
        people["candidate"], {"explain-gd": "Step against the gradient, scaled by η."}
    )
    before = attempt.score or 0.0
    answer = _answer(attempt, "explain-gd")
    assert answer.points is None and answer.max_points == 10

    _review_all(_item(ReviewKind.exam_answer), 4)  # 75 from both reviewers

    db.session.refresh(answer)
    assert answer.state == "scored" and answer.points == 7.5  # 10 * 75 / 100
    assert answer.detail["review"]["score"] == 75.0
    db.session.refresh(attempt)
    assert attempt.score == pytest.approx(before + 7.5)


def test_a_rationale_review_is_recorded_beside_the_rule_score(people: dict[str, User]) -> None:
    attempt = _submitted_attempt(people["candidate"], {"behaviour-labels": ANNOTATION})
    answer = _answer(attempt, "behaviour-labels")
    points, state = answer.points, answer.state
    assert state == "scored" and points is not None
    item = _item(ReviewKind.exam_rationale)

    _review_all(item, 2)  # 25

    db.session.refresh(answer)
    assert (answer.points, answer.state) == (points, state)
    assert answer.detail["rationale_review"] == {"item_id": item.id, "score": 25.0}
