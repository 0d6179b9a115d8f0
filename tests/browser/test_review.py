"""A portfolio case from upload to review in Chromium: the candidate sends a case with a
Markdown file; the reviewer the round robin picked opens it from the queue, blind, previews
the file, scores every criterion (one comment inserted from the comment bank by app.js),
submits, and only then sees the other reviewer's score.

The data is the demo seed: after it, reviewer@demo.local has no open assignment, so the new
case goes to them (and to one other reviewer, whose review is submitted here through the
service so that the panel has something to show)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import FilePayload, Page, expect

from hirebench.extensions import db
from hirebench.models import Portfolio, ReviewItem, ReviewKind, User
from hirebench.reviews import workflow
from hirebench.services import accounts
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

CANDIDATE = "candidate1@demo.local"
CANDIDATE_NAME = "李雷"
TITLE = "Intent labelling guideline for search queries"
MARKDOWN = (
    b"# Query intent guideline\n\n"
    b"Every query gets **one** intent.\n\n"
    b"- navigational\n- transactional\n- informational\n"
)
BANK_TEXT = "States the goal and a success metric agreed before the work started."
LEVEL = 4


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The seed submits exam attempts; with no grading threads their coding jobs stay queued,
    # so no sandbox (Docker) is needed.
    return {**app_config, "GRADING_WORKERS": 0}


@pytest.fixture
def demo(demo: None, app: Flask) -> None:
    """The demo data, plus a comment-bank entry for the portfolio rubric's first criterion."""
    with app.app_context():
        reviewer = accounts.find_by_email("reviewer@demo.local")
        assert reviewer is not None
        seeded = db.session.scalars(
            sa.select(ReviewItem).where(ReviewItem.kind == ReviewKind.portfolio)
        ).first()
        assert seeded is not None and seeded.rubric_key == "portfolio-project"
        first_criterion = workflow.criteria_of(seeded)[0]
        assert workflow.add_to_bank("portfolio-project", first_criterion.id, BANK_TEXT, reviewer)
        db.session.commit()


def _logout(page: Page, live_server: str) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login.*"))


def _upload_case(page: Page, live_server: str) -> None:
    login(page, live_server, CANDIDATE)
    page.goto(live_server + "/portfolio/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Project portfolio")
    page.fill("[name=title]", TITLE)
    page.fill("[name=description]", "Wrote the intent guideline for an e-commerce search team.")
    page.fill("[name=role]", "Guideline owner; trained four annotators.")
    page.fill("[name=data_volume]", "12,000 queries")
    page.fill("[name=results]", "Annotator agreement rose from 0.61 to 0.82 kappa.")
    page.fill("[name=repo_url]", "https://example.com/intent-guideline")
    upload: FilePayload = {"name": "case.md", "mimeType": "text/markdown", "buffer": MARKDOWN}
    page.set_input_files("input[name=files]", files=[upload])
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".flash-success")).to_contain_text(TITLE)
    case = page.locator("article.case").filter(has_text=TITLE)
    expect(case).to_contain_text("waiting for review")
    expect(case.get_by_role("link", name="case.md")).to_be_visible()
    _logout(page, live_server)


def _reviewers_of_new_item(app: Flask) -> tuple[int, str, str]:
    """The new item, the browser's reviewer (reviewer@demo.local, who had nothing open) and
    the other reviewer on it, whose review goes in through the service."""
    with app.app_context():
        candidate = accounts.find_by_email(CANDIDATE)
        assert candidate is not None
        item = db.session.scalar(
            sa.select(ReviewItem)
            .join(Portfolio, ReviewItem.portfolio_id == Portfolio.id)
            .where(Portfolio.candidate_id == candidate.id, Portfolio.title == TITLE)
        )
        assert item is not None and item.blind
        emails = [a.reviewer.email for a in item.assignments]
        assert "reviewer@demo.local" in emails, emails
        assert len(emails) == 2, emails
        other = next(e for e in emails if e != "reviewer@demo.local")
        return item.id, "reviewer@demo.local", other


def _submit_other_review(app: Flask, item_id: int, email: str) -> float:
    with app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.email == email))
        assert reviewer is not None
        assignment = workflow.assignment_for(item_id, reviewer)
        criteria = workflow.criteria_of(assignment.item)
        review = workflow.submit_review(
            assignment, {c.id: LEVEL for c in criteria}, {criteria[0].id: "Clear framing."}
        )
        return review.score


def test_portfolio_upload_then_blind_review(live_server, page, app, demo) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _upload_case(page, live_server)
    item_id, reviewer_email, other_email = _reviewers_of_new_item(app)
    other_score = _submit_other_review(app, item_id, other_email)

    # The queue, then the item: blind, with the file and the rubric.
    login(page, live_server, reviewer_email)
    page.goto(live_server + "/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    row = page.locator("tbody tr").filter(has_text=TITLE)
    expect(row).to_contain_text("waiting for you")
    expect(row).not_to_contain_text(CANDIDATE_NAME)
    row.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"{live_server}/review/items/{item_id}")
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(main).to_contain_text("blind review: names are hidden")
    expect(main).to_contain_text(re.compile(r"Candidate #\d{4}"))
    expect(main).not_to_contain_text(CANDIDATE_NAME)
    expect(main).not_to_contain_text(CANDIDATE)
    independent = "Scoring is independent"
    others = main.locator("section.card").filter(
        has=page.get_by_role("heading", name="The other reviews")
    )
    expect(others).to_contain_text(independent)
    expect(others).not_to_contain_text("Reviewer")

    # The Markdown preview renders the file, then back to the form.
    page.locator("ul.files li").filter(has_text="case.md").get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("case.md")
    # Candidate content renders in a sandboxed frame of its own, under a strict CSP.
    rendered = page.frame_locator("iframe.preview-frame").locator(".rendered")
    expect(rendered.locator("h1")).to_have_text("Query intent guideline")
    expect(rendered.locator("strong")).to_have_text("one")
    expect(rendered.locator("li")).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text(CANDIDATE_NAME)
    page.get_by_role("link", name="Back").click()
    page.wait_for_url(f"{live_server}/review/items/{item_id}")

    # Score every criterion; the first criterion's comment comes from the bank.
    criteria = page.locator("fieldset.criterion")
    count = criteria.count()
    assert count >= 3
    for index in range(count):
        criteria.nth(index).locator(f'input[type=radio][value="{LEVEL}"]').check()
    first = criteria.first
    comment = first.locator("textarea")
    comment.fill("Good framing.")
    bank = first.locator("select[data-bank-target]")
    expect(bank.locator("option")).to_have_count(2)
    bank.select_option(BANK_TEXT)
    expect(comment).to_have_value(f"Good framing.\n{BANK_TEXT}")
    expect(bank).to_have_value("")  # reset, ready for another pick
    page.fill("textarea[name=summary]", "Solid guideline work with a measured result.")
    page.get_by_role("button", name="Submit review").click()

    # My review and score, then the other reviewer's, under a letter, not a name.
    expect(page.locator(".flash-success")).to_have_text(
        "Review submitted. The other reviewers' scores are now shown."
    )
    with app.app_context():
        reviewer = accounts.find_by_email(reviewer_email)
        assert reviewer is not None
        assignment = workflow.assignment_for(item_id, reviewer)
        first_id = workflow.criteria_of(assignment.item)[0].id
        mine = [r for r in assignment.item.reviews if r.reviewer_id == reviewer.id]
        assert len(mine) == 1
        assert mine[0].comments[first_id] == f"Good framing.\n{BANK_TEXT}"
        my_score = mine[0].score
        labels = workflow.reviewer_labels(assignment.item)
        other = accounts.find_by_email(other_email)
        assert other is not None
        other_label = labels[other.id]
    expect(main.locator(".score")).to_have_text(f"Score: {my_score:.1f} / 100")
    expect(main.locator(".levels-table").first).to_contain_text(BANK_TEXT)
    expect(others).not_to_contain_text(independent)
    assert re.fullmatch(r"Reviewer [AB]", other_label)
    expect(others.locator("h3")).to_have_text(f"{other_label} · Score: {other_score:.1f} / 100")
    expect(others).to_contain_text("Clear framing.")
    expect(others).not_to_contain_text(other_email)
    expect(main).not_to_contain_text(CANDIDATE_NAME)

    # The item moved to the submitted tab.
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("link", name="To review (0)")).to_be_visible()
    assert not errors, errors  # a CSP violation or a script error would show up here
