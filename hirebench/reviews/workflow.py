"""The review workflow shared by portfolios and exam free-text answers: items, assignment,
independent scoring, disagreement, and a history that keeps every version.

A reviewer may only reach items assigned to them, and sees no other score on an item until
they have submitted their own. The panel's score is the median of the current reviews, so one
outlying tie-break review cannot drag it."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from hirebench import events
from hirebench.authoring import Criterion, rubric_from_json, rubric_to_json
from hirebench.extensions import db
from hirebench.models import (
    CommentBankEntry,
    Review,
    ReviewAssignment,
    ReviewItem,
    ReviewKind,
    Role,
    User,
)
from hirebench.models.base import utcnow
from hirebench.reviews.agreement import overall_score, spread
from hirebench.services import audit
from hirebench.services.errors import ServiceError, bounded_text

DEFAULT_DISAGREEMENT = 20.0  # points on the 0-100 scale
MAX_COMMENT_CHARS = 4_000
MAX_SUMMARY_CHARS = 8_000
MAX_BANK_TEXT = 1_000


class ReviewError(ServiceError):
    """A review that cannot be accepted; the message says what to change."""


class NotAssigned(ServiceError):
    """The reviewer reached for an item that is not assigned to them."""


# ------------------------------------------------------------------------- rubric snapshots


def snapshot(criteria: Sequence[Criterion], threshold: float = DEFAULT_DISAGREEMENT) -> dict:
    return {"criteria": rubric_to_json(tuple(criteria)), "threshold": float(threshold)}


def criteria_of(item: ReviewItem) -> tuple[Criterion, ...]:
    return rubric_from_json(item.rubric["criteria"])


def threshold_of(item: ReviewItem) -> float:
    return float(item.rubric.get("threshold", DEFAULT_DISAGREEMENT))


def top_level(criteria: Sequence[Criterion]) -> int:
    """The highest anchor: levels run from 1 to it, with the gaps between anchors allowed."""
    return max((level for c in criteria for level, _text in c.levels), default=5)


# ------------------------------------------------------------------------------- items


def create_item(
    kind: ReviewKind,
    candidate: User,
    *,
    rubric_key: str,
    title: str,
    rubric: dict[str, Any],
    portfolio_id: int | None = None,
    answer_id: int | None = None,
) -> ReviewItem:
    """A new item with its reviewers assigned by round robin. Joins the caller's transaction."""
    item = ReviewItem(
        kind=kind,
        candidate_id=candidate.id,
        portfolio_id=portfolio_id,
        answer_id=answer_id,
        rubric_key=rubric_key,
        title=title[:300],
        rubric=rubric,
        required_reviews=max(1, int(current_app.config["REVIEWS_PER_ITEM"])),
        blind=bool(current_app.config["REVIEW_BLIND"]),
    )
    db.session.add(item)
    db.session.flush()
    chosen = assign_round_robin(item, item.required_reviews)
    if chosen:
        # With fewer reviewers on staff than the panel size, the item waits for those there
        # are instead of forever; with none, it waits for HR to assign someone by hand.
        item.required_reviews = len(chosen)
    audit.record("review.item_created", None, target=item, kind=kind.value, rubric=rubric_key)
    events.evidence_changed.send(item, candidate_id=candidate.id)
    return item


def active_reviewers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.reviewer, User.active).order_by(User.id)
        )
    )


def assign_round_robin(item: ReviewItem, count: int, reason: str = "initial") -> list[User]:
    """Give the item to the `count` reviewers with the fewest open assignments (then the
    fewest in total, then the longest since their last one), skipping those already on it."""
    taken = {a.reviewer_id for a in item.assignments}
    open_load = sa.func.count(ReviewAssignment.id).filter(ReviewAssignment.submitted_at.is_(None))
    rows = db.session.execute(
        sa.select(
            User,
            open_load,
            sa.func.count(ReviewAssignment.id),
            sa.func.max(ReviewAssignment.id),
        )
        .outerjoin(ReviewAssignment, ReviewAssignment.reviewer_id == User.id)
        .where(User.role == Role.reviewer, User.active)
        .group_by(User.id)
    ).all()
    ranked = sorted(
        (row for row in rows if row[0].id not in taken),
        key=lambda row: (row[1], row[2], row[3] or 0, row[0].id),
    )
    chosen = [row[0] for row in ranked[:count]]
    added = [ReviewAssignment(reviewer_id=reviewer.id, reason=reason) for reviewer in chosen]
    item.assignments.extend(added)
    db.session.flush()
    for assignment in added:
        _announce_assignment(assignment)
    return chosen


def _announce_assignment(assignment: ReviewAssignment) -> None:
    events.review_assigned.send(
        assignment,
        assignment_id=assignment.id,
        item_id=assignment.item_id,
        reviewer_id=assignment.reviewer_id,
    )


def assign(item: ReviewItem, reviewer: User, *, by: User, ip: str = "") -> ReviewAssignment:
    """HR assigns a reviewer by hand."""
    if reviewer.role is not Role.reviewer or not reviewer.active:
        raise ReviewError(_("%(email)s is not an active reviewer.", email=reviewer.email))
    if any(a.reviewer_id == reviewer.id for a in item.assignments):
        raise ReviewError(_("%(email)s is already assigned to this item.", email=reviewer.email))
    assignment = ReviewAssignment(reviewer_id=reviewer.id, assigned_by_id=by.id, reason="manual")
    item.assignments.append(assignment)
    # A hand-picked extra reviewer counts towards the panel the item waits for.
    item.required_reviews = max(item.required_reviews, len(item.assignments))
    db.session.flush()
    audit.record("review.assign", by, target=item, ip=ip, reviewer=reviewer.email)
    _announce_assignment(assignment)
    _settle(item)
    return assignment


def unassign(assignment: ReviewAssignment, *, by: User, ip: str = "") -> None:
    if assignment.submitted_at is not None:
        raise ReviewError(_("A submitted review stays on the record; it cannot be unassigned."))
    item = assignment.item
    item.assignments.remove(assignment)
    item.required_reviews = max(1, min(item.required_reviews, len(item.assignments)))
    audit.record("review.unassign", by, target=item, ip=ip, reviewer=assignment.reviewer.email)
    db.session.flush()
    _settle(item)


def queue_query(reviewer: User, *, done: bool) -> sa.Select[tuple[ReviewAssignment]]:
    """A reviewer's queue: open assignments oldest first, or submitted ones newest first."""
    query = sa.select(ReviewAssignment).where(ReviewAssignment.reviewer_id == reviewer.id)
    if done:
        return query.where(ReviewAssignment.submitted_at.is_not(None)).order_by(
            ReviewAssignment.submitted_at.desc(), ReviewAssignment.id.desc()
        )
    return query.where(ReviewAssignment.submitted_at.is_(None)).order_by(ReviewAssignment.id)


def assignment_for(item_id: int, reviewer: User, *, ip: str = "") -> ReviewAssignment:
    """The reviewer's own assignment on the item. Anything else is refused and logged, with
    the same answer whether or not the item exists."""
    assignment = db.session.scalar(
        sa.select(ReviewAssignment).where(
            ReviewAssignment.item_id == item_id, ReviewAssignment.reviewer_id == reviewer.id
        )
    )
    if assignment is None:
        audit.record_denial(
            "review.denied",
            reviewer,
            target_type="ReviewItem",
            target_id=item_id,
            ip=ip,
            item_id=item_id,
        )
        db.session.commit()
        raise NotAssigned(_("This item is not assigned to you."))
    return assignment


# ----------------------------------------------------------------------------- scoring


def parse_levels(item: ReviewItem, raw: Mapping[str, Any]) -> dict[str, int]:
    """criterion id -> level, each within 1..top; every criterion needs one."""
    criteria = criteria_of(item)
    top = top_level(criteria)
    unknown = set(raw) - {c.id for c in criteria}
    if unknown:
        raise ReviewError(_("Unknown criterion: %(id)s.", id=sorted(unknown)[0][:64]))
    levels: dict[str, int] = {}
    for criterion in criteria:
        value = raw.get(criterion.id)
        if value is None or value == "":
            raise ReviewError(_("Choose a level for “%(title)s”.", title=criterion.title))
        try:
            level = int(value)
        except (TypeError, ValueError):
            level = 0
        if isinstance(value, float | bool) or not 1 <= level <= top:
            raise ReviewError(
                _(
                    "The level for “%(title)s” must be a whole number from 1 to %(top)d.",
                    title=criterion.title,
                    top=top,
                )
            )
        levels[criterion.id] = level
    return levels


def score_of(item: ReviewItem, levels: Mapping[str, int]) -> float:
    criteria = criteria_of(item)
    weights = {c.id: c.weight for c in criteria}
    return round(overall_score(levels, weights, top=top_level(criteria)), 2)


def submit_review(
    assignment: ReviewAssignment,
    levels: Mapping[str, Any],
    comments: Mapping[str, str],
    summary: str = "",
    *,
    ip: str = "",
) -> Review:
    """Record a review, or a new version of the reviewer's review: the earlier version stays."""
    item = assignment.item
    checked = parse_levels(item, levels)
    criteria = {c.id: c for c in criteria_of(item)}
    notes = {
        key: bounded_text(text, MAX_COMMENT_CHARS, criteria[key].title, ReviewError)
        for key, text in comments.items()
        if key in criteria and (text or "").strip()
    }
    summary = bounded_text(summary, MAX_SUMMARY_CHARS, _("The summary"), ReviewError)
    previous = [r for r in item.reviews if r.assignment_id == assignment.id]
    for old in previous:
        old.is_current = False
    review = Review(
        assignment_id=assignment.id,
        reviewer_id=assignment.reviewer_id,
        version=len(previous) + 1,
        levels=checked,
        comments=notes,
        summary=summary,
        score=score_of(item, checked),
    )
    item.reviews.append(review)
    assignment.submitted_at = utcnow()
    db.session.flush()
    audit.record(
        "review.submit" if review.version == 1 else "review.edit",
        assignment.reviewer,
        target=item,
        ip=ip,
        version=review.version,
        score=review.score,
        levels=checked,
    )
    _settle(item)
    db.session.commit()
    return review


def current_reviews(item: ReviewItem) -> list[Review]:
    return [r for r in item.reviews if r.is_current]


# Kinds whose items the module that creates them names for the reader (exams names its
# answers' items in the reader's language). Registered in hirebench.wiring, so reviews does not
# import the modules that use it.
_item_titles: dict[ReviewKind, Callable[[ReviewItem], str]] = {}


def register_item_title(kind: ReviewKind, title: Callable[[ReviewItem], str]) -> None:
    _item_titles[kind] = title


def item_title(item: ReviewItem) -> str:
    """A review item's title for the reader: from its kind's registered namer, else the title
    stored when the item was made."""
    namer = _item_titles.get(item.kind)
    return namer(item) if namer is not None else item.title


def flag_reason(item: ReviewItem) -> str:
    """Why the item is flagged, in the current language. The stored reason is in the language
    of whoever's review set the flag; the current reviews still differ by at least that much
    (a tie-break review can only widen the range), so the reason is worked out again."""
    scores = [r.score for r in current_reviews(item)]
    if not item.flagged or len(scores) < 2:
        return item.flag_reason or ""
    return _(
        "Reviews differ by %(gap).0f points (threshold %(limit).0f).",
        gap=spread(scores),
        limit=threshold_of(item),
    )


def _settle(item: ReviewItem) -> None:
    """Bring the item's flag, completion and score in line with its current reviews."""
    reviews = current_reviews(item)
    scores = [r.score for r in reviews]
    gap = spread(scores)
    if len(scores) >= 2 and gap > threshold_of(item) and not item.flagged:
        item.flagged = True
        item.flag_reason = _(
            "Reviews differ by %(gap).0f points (threshold %(limit).0f).",
            gap=gap,
            limit=threshold_of(item),
        )
        if assign_round_robin(item, 1, reason="tie-break"):
            item.required_reviews = len(item.assignments)
        audit.record("review.flagged", None, target=item, spread=gap, scores=scores)
    settled = len(reviews) >= item.required_reviews
    if settled:
        item.score = round(statistics.median(scores), 2)
        if not item.complete:
            item.complete, item.completed_at = True, utcnow()
    else:
        item.complete, item.score, item.completed_at = False, None, None
    db.session.flush()
    if settled:  # again after every edit of a review: the panel's score may have moved
        events.review_settled.send(item, item_id=item.id, candidate_id=item.candidate_id)
    events.evidence_changed.send(item, candidate_id=item.candidate_id)


# ---------------------------------------------------------------------------- visibility


def others_visible(item: ReviewItem, viewer: User) -> bool:
    """Independence: a reviewer sees the panel only once their own review is in."""
    return any(r.reviewer_id == viewer.id for r in item.reviews)


def reviewer_labels(item: ReviewItem) -> dict[int, str]:
    """Reviewer id -> how reviewers on a blind item name each other: "Reviewer A", "B", ..."""
    labels = {}
    for index, assignment in enumerate(item.assignments):
        letter = chr(ord("A") + index) if index < 26 else str(index + 1)
        labels[assignment.reviewer_id] = (
            _("Reviewer %(letter)s", letter=letter) if item.blind else assignment.reviewer.name
        ) or assignment.reviewer.email
    return labels


def candidate_label(item: ReviewItem) -> str:
    if item.blind:
        return _("Candidate #%(code)s", code=f"{item.candidate_id:04d}")
    return item.candidate.name or item.candidate.email


# ---------------------------------------------------------------------------- comment bank


def comment_bank(rubric_key: str) -> dict[str, list[CommentBankEntry]]:
    entries = db.session.scalars(
        sa.select(CommentBankEntry)
        .where(CommentBankEntry.rubric_key == rubric_key)
        .order_by(CommentBankEntry.criterion_id, CommentBankEntry.id)
    )
    bank: dict[str, list[CommentBankEntry]] = {}
    for entry in entries:
        bank.setdefault(entry.criterion_id, []).append(entry)
    return bank


def add_to_bank(rubric_key: str, criterion_id: str, text: str, author: User) -> bool:
    """Save a comment for reuse on the same criterion; an exact repeat is not added twice."""
    text = (text or "").strip()
    if not text or len(text) > MAX_BANK_TEXT:
        return False
    exists = db.session.scalar(
        sa.select(CommentBankEntry.id).where(
            CommentBankEntry.rubric_key == rubric_key,
            CommentBankEntry.criterion_id == criterion_id,
            CommentBankEntry.text == text,
        )
    )
    if exists is not None:
        return False
    db.session.add(
        CommentBankEntry(
            rubric_key=rubric_key, criterion_id=criterion_id, text=text, author_id=author.id
        )
    )
    return True


# ------------------------------------------------------------------------------- history


@dataclass(frozen=True)
class ReviewHistory:
    item: ReviewItem
    versions: list[Review]


def history_for_candidate(candidate: User) -> list[ReviewHistory]:
    items = db.session.scalars(
        sa.select(ReviewItem).where(ReviewItem.candidate_id == candidate.id).order_by(ReviewItem.id)
    )
    return [ReviewHistory(item, list(item.reviews)) for item in items]
