"""An interview scorecard in Chromium: the interviewer reads the kit with its scoring guides,
cannot see the panel's scorecards until theirs is in, fills every rating, note and competency,
recommends "Yes", and then sees the other panelist's scorecard next to their own; HR then sees
both on the candidate's page.

The data is the demo seed: interviewer@demo.local still has candidate1's interview to score,
while interviewer2@demo.local already scored it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from hirebench.extensions import db
from hirebench.interviews import service as interviews
from hirebench.models import Interview
from hirebench.services import accounts
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

CANDIDATE = "candidate1@demo.local"
CANDIDATE_NAME = "李雷"
ME = ("interviewer@demo.local", "Ivan Interviewer")
OTHER = ("interviewer2@demo.local", "周杰 (Zhou Jie)")
HIDDEN = "Submit your own scorecard first"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The seed submits exam attempts; with no grading threads their coding jobs stay queued,
    # so no sandbox (Docker) is needed.
    return {**app_config, "GRADING_WORKERS": 0}


def _interview_of_candidate(app: Flask) -> dict[str, Any]:
    """The interview, its kit's questions and competencies, and the other panelist's notes."""
    with app.app_context():
        candidate = accounts.find_by_email(CANDIDATE)
        assert candidate is not None
        interview = db.session.scalar(
            sa.select(Interview).where(Interview.candidate_id == candidate.id)
        )
        assert interview is not None
        me = accounts.find_by_email(ME[0])
        other = accounts.find_by_email(OTHER[0])
        assert me is not None and other is not None
        assert interviews.own_scorecard(interview, me) is None
        other_card = interviews.own_scorecard(interview, other)
        assert other_card is not None
        return {
            "id": interview.id,
            "candidate_id": candidate.id,
            "questions": [dict(q) for q in interview.kit.questions],
            "competencies": interviews.kit_competencies(interview.kit),
            "other_notes": [n["notes"] for n in other_card.question_ratings.values()],
            "other_recommendation": other_card.recommendation.value,
        }


def test_interviewer_scores_then_sees_panel_and_hr_sees_both(live_server, page, app, demo) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    data = _interview_of_candidate(app)
    questions = data["questions"]
    assert len(questions) >= 2 and data["competencies"]

    # My interviews: candidate1's is still to do.
    login(page, live_server, ME[0])
    page.goto(live_server + "/interview/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My interviews")
    row = page.locator("tbody tr").filter(has_text=CANDIDATE_NAME)
    expect(row).to_contain_text("to do")
    row.get_by_role("link", name=CANDIDATE_NAME).click()
    page.wait_for_url(f"{live_server}/interview/{data['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Interview with {CANDIDATE_NAME}")

    # The kit: every question with its scoring guide; the panel is hidden.
    for question in questions:
        card = page.locator("section.card").filter(
            has=page.get_by_role("heading", name=question["text"], exact=True)
        )
        expect(card).to_have_count(1)
        guide = card.locator("dl.guide")
        for step in question["guide"]:
            expect(guide).to_contain_text(f"A {step['score']} sounds like")
            expect(guide).to_contain_text(" ".join(step["text"].split()[:6]))
    panel = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="The panel's scorecards")
    )
    expect(panel).to_contain_text(HIDDEN)
    expect(panel).not_to_contain_text(OTHER[1])
    for note in data["other_notes"]:
        expect(page.locator("main")).not_to_contain_text(note)

    # Fill the whole scorecard.
    my_notes = {}
    for index, question in enumerate(questions):
        rating = 3 + index % 3  # 3, 4, 5, 3, ...
        page.check(f'input[name="rating-{question["id"]}"][value="{rating}"]')
        my_notes[question["id"]] = f"STAR example {index + 1}: measured the result ({rating})."
        page.fill(f'textarea[name="notes-{question["id"]}"]', my_notes[question["id"]])
    for key, title in data["competencies"]:
        fieldset = page.locator(f'fieldset[id="competency-{key}"]')
        expect(fieldset.locator("legend")).to_have_text(title)
        fieldset.locator('input[value="4"]').check()
    page.get_by_role("radio", name="Yes", exact=True).check()
    page.fill("textarea[name=summary]", "Hire: strong on ambiguity, solid elsewhere.")
    page.get_by_role("button", name="Submit scorecard").click()

    # My scorecard, then the panel's.
    expect(page.locator(".flash-success")).to_have_text(
        "Scorecard submitted. The panel's scorecards are now shown."
    )
    mine = page.locator("section.card").filter(has=page.get_by_role("heading", name="My scorecard"))
    expect(mine.locator("h2")).to_have_text("My scorecard · v1")
    expect(mine.locator(".verdict")).to_have_text("Yes")
    expect(mine.locator(".verdict")).to_have_attribute("data-recommendation", "yes")
    for note in my_notes.values():
        expect(mine).to_contain_text(note)
    expect(mine).to_contain_text("Hire: strong on ambiguity")
    expect(panel).not_to_contain_text(HIDDEN)
    expect(panel.locator("h3")).to_have_text(OTHER[1])
    expect(panel.locator(".verdict")).to_have_attribute(
        "data-recommendation", data["other_recommendation"]
    )
    for note in data["other_notes"]:
        expect(panel).to_contain_text(note)
    page.get_by_role("link", name="My interviews").click()
    expect(page.locator("tbody tr").filter(has_text=CANDIDATE_NAME)).to_contain_text("submitted")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: "/login" in url)

    # HR: both scorecards on the candidate's page.
    login(page, live_server, "hr@demo.local")
    page.goto(f"{live_server}/hr/candidates/{data['candidate_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(CANDIDATE_NAME)
    section = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Interviews", exact=True)
    )
    cards = section.locator("details")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text=ME[1]).locator("summary")).to_have_text(f"{ME[1]} · v1 · Yes")
    expect(cards.filter(has_text=OTHER[1]).locator("summary")).to_contain_text(f"{OTHER[1]} · v1")
    for note in my_notes.values():
        expect(cards.filter(has_text=ME[1])).to_contain_text(note)
    for note in data["other_notes"]:
        expect(cards.filter(has_text=OTHER[1])).to_contain_text(note)
    assert not errors, errors  # a CSP violation or a script error would show up here
