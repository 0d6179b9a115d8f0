"""A whole exam taken with the keyboard alone in Chromium: from the exams list through the
consent, one question of every type (the code typed into the editor, whose Tab indents and
whose Esc-then-Tab leaves it), a visible test run, a flag for later, the submit page and the
result page. No click, no fill: Tab, Shift+Tab, the arrow keys, Space, Enter and typing.

The mini exam has one question of each type the sample exam has (and two assessment items);
its coding question is graded in the embedded queue by a small in-process grader."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from hirebench.exams.loader import load_exam
from hirebench.grading import claims as grading_claims
from hirebench.grading import queue as grading_queue
from hirebench.grading.result import GradeResult, ResultStatus, TestResult, TestStatus
from hirebench.models import Role
from tests.browser.conftest import login
from tests.web.test_candidate_exam import GRADERS, MINI

pytestmark = pytest.mark.browser

RULES = [
    {"conditions": [{"field": "action", "op": "eq", "value": "pay"}], "label": "purchase"},
    {"conditions": [], "label": "browse"},
]


def adds_ten(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    right = b"x + 10" in submission
    status = TestStatus.passed if right else TestStatus.failed
    tests = [TestResult("adds", 1.0 if right else 0.0, 1.0, status)]
    return GradeResult(ResultStatus.graded, tests[0].points, 1.0, tests, mode=mode)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 1}


@pytest.fixture
def mini(app: Flask) -> Iterator[str]:
    grading_claims.set_grader(adds_ten)
    with app.app_context():
        slug = load_exam(MINI, GRADERS).exam.slug
    yield slug
    grading_queue.shutdown(app)
    grading_claims.set_grader(None)


FOCUSED_MATCHES = "(s) => !!document.activeElement && document.activeElement.matches(s)"


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focus is on an element matching `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_MATCHES, selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _answer(page: Page, qid: str, kind: str) -> None:
    """Answer one question from the keyboard; the focus is somewhere before it."""
    inside = f'article[data-question="{qid}"]'
    if kind in ("single_choice", "assessment"):
        tab_to(page, f"{inside} input[type=radio]")
        page.keyboard.press("ArrowDown")  # moves to the second option and picks it
        expect(page.locator(f"{inside} input[type=radio]").nth(1)).to_be_checked()
    elif kind == "multiple_choice":
        for index in (0, 1):
            tab_to(page, f"{inside} input[type=checkbox]")
            page.keyboard.press("Space")
            expect(page.locator(f"{inside} input[type=checkbox]").nth(index)).to_be_checked()
    elif kind == "numeric":
        tab_to(page, f"{inside} input[type=text]")
        page.keyboard.type("0.8")
    elif kind == "short_answer":
        tab_to(page, f"{inside} textarea[name=answer]")
        page.keyboard.type("Step against the gradient; 步长由学习率决定。")
    elif kind == "annotation_rules":
        tab_to(page, f"{inside} textarea[name=rules]")
        page.keyboard.type(json.dumps(RULES))
        tab_to(page, f"{inside} textarea[name=rationale]")
        page.keyboard.type("Payments are purchases; the rest is browsing.")
    elif kind == "coding":
        _write_code(page, inside)
    else:
        raise AssertionError(f"no keyboard plan for {kind}")


def _write_code(page: Page, inside: str) -> None:
    editor = f"{inside} .code-editor textarea"
    tab_to(page, editor)
    textarea = page.locator(f"{inside} textarea[data-code-editor]")
    page.keyboard.press("Control+A")
    page.keyboard.type("def add(x):")
    page.keyboard.press("Enter")  # the editor indents the body by itself
    page.keyboard.type("return x + 10")
    page.keyboard.press("Enter")
    before = textarea.input_value()
    assert before.startswith("def add(x):\n    return x + 10\n")
    # Tab indents inside the editor: the focus stays, four more spaces.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_MATCHES, editor)
    expect(textarea).to_have_value(before + "    ")
    # Esc, then Tab: out of the editor, to what follows it.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert not page.evaluate(FOCUSED_MATCHES, f"{inside} .code-editor *")
    # Run the visible tests from the keyboard; the run joins the list of earlier runs.
    tab_to(page, f"{inside} [data-run-tests]")
    page.keyboard.press("Enter")
    expect(page.locator(f"{inside} [data-run-output]")).to_contain_text(
        "1 of 2 visible tests passed.", timeout=30_000
    )
    expect(page.locator(f"{inside} .hb-run")).to_have_count(1)
    expect(page.locator(f"{inside} .hb-run")).to_contain_text("1 of 2 passed")


def _start_by_keyboard(page: Page, slug: str) -> None:
    tab_to(page, f'tr[data-exam="{slug}"] a')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/exam/exams/{slug}$"))
    tab_to(page, "input[name=consent]")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/exam/attempts/\d+$"))


def test_a_whole_exam_with_the_keyboard_alone(
    app: Flask, live_server: str, page: Page, make_user: Any, mini: str
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    user = make_user(Role.candidate, name="Keyboard Candidate")
    login(page, live_server, user.email)
    page.goto(live_server + "/exam/")
    _start_by_keyboard(page, mini)
    expect(page.locator(".code-editor")).to_be_visible()
    page.locator("body").focus()  # start from the top of the exam page

    questions = page.locator("article[data-question]")
    plan = [
        (
            questions.nth(i).get_attribute("data-question") or "",
            questions.nth(i).get_attribute("data-type") or "",
        )
        for i in range(questions.count())
    ]
    assert {kind for _, kind in plan} >= {
        "coding",
        "single_choice",
        "multiple_choice",
        "numeric",
        "short_answer",
        "annotation_rules",
        "assessment",
    }
    flagged = next(qid for qid, kind in plan if kind == "numeric")
    for qid, kind in plan:
        if qid == flagged:
            tab_to(page, f'[data-flag="{qid}"]')
            page.keyboard.press("Space")
            expect(page.locator(f'[data-flag="{qid}"]')).to_have_attribute("aria-pressed", "true")
        _answer(page, qid, kind)

    progress = page.locator("[data-qnav] [data-progress]")
    expect(progress).to_have_text(f"{len(plan)} of {len(plan)} answered", timeout=20_000)
    expect(page.locator("[data-qnav] [data-flagged-count]")).to_have_text("· 1 flagged")

    tab_to(page, "[data-submit-link]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/submit$"))
    expect(page.locator("main")).to_contain_text(f"You have answered {len(plan)} of {len(plan)}")
    expect(page.locator("[data-flagged-list]")).to_contain_text("Question")
    tab_to(page, "[data-confirm-submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/exam/attempts/\d+/result$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not errors, errors


def test_the_navigator_links_move_to_their_question(
    app: Flask, live_server: str, page: Page, make_user: Any, mini: str
) -> None:
    user = make_user(Role.candidate)
    login(page, live_server, user.email)
    page.goto(live_server + "/exam/")
    _start_by_keyboard(page, mini)
    page.locator("body").focus()
    last = page.locator("[data-qnav] .hb-qnav-link").last
    target = last.get_attribute("href") or ""
    tab_to(page, f'[data-qnav] a[href="{target}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    expect(page.locator(target)).to_be_in_viewport()
