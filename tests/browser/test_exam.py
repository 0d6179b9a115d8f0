"""A whole attempt at the sample exam in Chromium: consent, every question type (the code typed
into the CodeMirror editor), a reload mid-exam, a visible test run, the submit confirmation and
the result page under the exam's `immediate` policy; and an attempt whose deadline passes
with the browser closed.

The live server runs in this process, so grading jobs run in its embedded queue: with a small
in-process grader in one test, and in the real Docker sandbox in the test marked `docker`."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from hirebench.exams.attempts import definition_of, expire_overdue, refresh_score
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import claims as grading_claims
from hirebench.grading import pipeline
from hirebench.grading import queue as grading_queue
from hirebench.grading.result import GradeResult, ResultStatus, TestResult, TestStatus
from hirebench.models import Answer, Attempt, AttemptStatus, IntegrityEvent, Role, User
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from tests.conftest import PASSWORD, sandbox_containers

pytestmark = pytest.mark.browser

SAMPLE = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
GRADERS = PROJECT_ROOT / "graders"
CORRECT_CODE = (GRADERS / "ai-trainer-ecommerce" / "submissions" / "correct.py").read_text()
TYPED = "# typed in the browser"
RULES = [
    {"conditions": [{"field": "is_bot", "op": "eq", "value": 1}], "label": "browse"},
    {
        "conditions": [
            {"field": "action", "op": "eq", "value": "pay"},
            {"field": "price", "op": "missing", "value": False},
        ],
        "label": "purchase",
    },
    {
        "conditions": [{"field": "action", "op": "in", "value": ["click", "add_to_cart"]}],
        "label": "click",
    },
    {"conditions": [], "label": "browse"},
]
RATIONALE = "Bots first: whatever they do is browse. 失败的支付不算购买。"
SHORT_ANSWER = "Gradient descent repeats θ ← θ − η∇L(θ): a small step against the gradient."
NUMBER = "0.5"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 1, "SANDBOX_WARM_POOL": 1}


@pytest.fixture
def sample(app: Flask) -> Iterator[str]:
    with app.app_context():
        slug = load_exam(SAMPLE, GRADERS).exam.slug
    yield slug
    grading_queue.shutdown(app)
    grading_claims.set_grader(None)


@pytest.fixture
def errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions: a CSP violation shows up here."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    return seen


def fake_grader(grader_ref: str, submission: bytes, name: str, mode: str) -> GradeResult:
    """Passes its one visible test when the typed line reached the server."""
    ok = TYPED.encode() in submission
    status = TestStatus.passed if ok else TestStatus.failed
    tests = [TestResult("returns_dataframe", 1.0 if ok else 0.0, 1.0, status)]
    return GradeResult(ResultStatus.graded, tests[0].points, 1.0, tests, mode=mode)


def _login(page: Page, live_server: str, user: User) -> None:
    page.goto(live_server + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(live_server + "/exam/")


def _start(page: Page, app: Flask, slug: str) -> int:
    page.click(f'tr[data-exam="{slug}"] a')
    expect(page.get_by_role("heading", level=1)).to_contain_text("AI Trainer")
    page.check("input[name=consent]")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/exam/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        definition = definition_of(attempt)
        types = {qid: definition.question(qid).type for qid in attempt.question_ids}
        if "numeric" not in types.values():
            # The concepts pool draws 10 of 16 and may leave out both numeric items; swap one
            # in so that every type is answered in this test.
            first_choice = next(q for q, t in types.items() if t == "single_choice")
            attempt.question_ids = [
                "f1-value" if q == first_choice else q for q in attempt.question_ids
            ]
            db.session.commit()
            page.reload()
    return attempt_id


def _question_types(app: Flask, attempt_id: int) -> dict[str, str]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        definition = definition_of(attempt)
        return {qid: definition.question(qid).type for qid in attempt.question_ids}


def _answer_everything(page: Page, types: dict[str, str], code: str) -> dict[str, Any]:
    """Answer every question as a candidate would; returns what was chosen per question."""
    chosen: dict[str, Any] = {}
    for qid, kind in types.items():
        question = page.locator(f'article[data-question="{qid}"]')
        if kind in ("single_choice", "assessment"):
            radio = question.locator("input[type=radio]").first
            radio.check()
            chosen[qid] = radio.get_attribute("value")
        elif kind == "multiple_choice":
            boxes = question.locator("input[type=checkbox]")
            boxes.nth(0).check()
            boxes.nth(1).check()
            chosen[qid] = {boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")}
        elif kind == "numeric":
            question.locator("input[type=text]").fill(NUMBER)
        elif kind == "short_answer":
            question.locator("textarea[name=answer]").fill(SHORT_ANSWER)
        elif kind == "annotation_rules":
            question.locator("textarea[name=rules]").fill(json.dumps(RULES, indent=2))
            question.locator("textarea[name=rationale]").fill(RATIONALE)
        elif kind == "coding":
            editor = question.locator(".code-editor .CodeMirror-code")
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(code)
            page.keyboard.type(TYPED)  # real key presses into the editor
    page.get_by_role("heading", level=1).click()  # blur the last field, as leaving it does
    saved = page.locator('article.question .badge[data-kind="saved"]')
    expect(saved).to_have_count(len(types), timeout=20_000)
    return chosen


def _check_everything_is_there(page: Page, types: dict[str, str], chosen: dict[str, Any]) -> None:
    for qid, kind in types.items():
        question = page.locator(f'article[data-question="{qid}"]')
        if kind in ("single_choice", "assessment"):
            expect(question.locator(f'input[value="{chosen[qid]}"]')).to_be_checked()
        elif kind == "multiple_choice":
            for value in chosen[qid]:
                expect(question.locator(f'input[value="{value}"]')).to_be_checked()
        elif kind == "numeric":
            expect(question.locator("input[type=text]")).to_have_value(NUMBER)
        elif kind == "short_answer":
            expect(question.locator("textarea[name=answer]")).to_have_value(SHORT_ANSWER)
        elif kind == "annotation_rules":
            rules = question.locator("textarea[name=rules]").input_value()
            assert json.loads(rules) == RULES
            expect(question.locator("textarea[name=rationale]")).to_have_value(RATIONALE)
        elif kind == "coding":
            # The editor draws only the lines in view; the textarea it mirrors holds all.
            text = question.locator("textarea[data-code-editor]").input_value()
            assert "def clean_events(path):" in text and text.endswith(TYPED)
            expect(question.locator(".CodeMirror-code")).to_contain_text("Reference submission")
    expect(page.locator('nav.question-nav .badge[data-kind="saved"]')).to_have_count(len(types))


def _take_exam(
    page: Page, live_server: str, app: Flask, slug: str, user: User, code: str, run_timeout: float
) -> int:
    _login(page, live_server, user)
    attempt_id = _start(page, app, slug)
    types = _question_types(app, attempt_id)
    assert set(types.values()) == {
        "coding",
        "single_choice",
        "multiple_choice",
        "numeric",
        "short_answer",
        "annotation_rules",
        "assessment",
    }
    # The editor is CodeMirror, styled from the app's stylesheet (the CSP allows no inline
    # <style>): its gutter of line numbers is laid out beside the code.
    expect(page.locator(".code-editor .CodeMirror-linenumber").first).to_be_visible()
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.CodeMirror-gutters')).position"
    ) == ("absolute")
    timer = page.locator("[data-timer]")
    expect(timer).to_have_text(re.compile(r"^(89|90):\d\d$"))

    chosen = _answer_everything(page, types, code)
    with app.app_context():
        stored = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt_id)).all()
        assert {a.question_id for a in stored if a.value is not None} == set(types)

    page.reload()  # mid-exam: everything is still there
    _check_everything_is_there(page, types, chosen)

    coding = next(qid for qid, kind in types.items() if kind == "coding")
    page.click(f'[data-run-tests="{coding}"]')
    output = page.locator(f'[data-run-output="{coding}"]')
    expect(output).to_contain_text("visible tests passed.", timeout=run_timeout * 1000)

    page.click("[data-submit-link]")
    page.wait_for_url(re.compile(r".*/submit$"))
    expect(page.locator("main")).to_contain_text(f"You have answered {len(types)} of")
    page.click("[data-confirm-submit]")
    page.wait_for_url(re.compile(rf".*/exam/attempts/{attempt_id}/result$"))
    return attempt_id


def _review_short_answer(app: Flask, attempt_id: int) -> None:
    """What the reviewers' queue will do: score the short answer."""
    with app.app_context():
        answer = db.session.scalar(
            sa.select(Answer).where(
                Answer.attempt_id == attempt_id, Answer.question_id == "explain-gd"
            )
        )
        assert answer is not None and answer.state == "awaiting_review"
        answer.state, answer.points = "scored", 8.0
        db.session.commit()
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        refresh_score(attempt)


def test_a_whole_attempt_in_the_browser(
    app: Flask,
    live_server: str,
    page: Page,
    errors: list[str],
    make_user: Callable[..., User],
    sample: str,
) -> None:
    grading_claims.set_grader(fake_grader)
    user = make_user(Role.candidate, name="王芳")
    attempt_id = _take_exam(page, live_server, app, sample, user, CORRECT_CODE, run_timeout=30)
    # immediate: the score shows at once; the short answer waits for reviewers.
    expect(page.locator("[data-score]")).to_be_visible()
    expect(page.locator('tr[data-question="explain-gd"]')).to_contain_text("Awaiting review")
    # No pass/fail while an answer awaits review; the page says what is pending.
    expect(page.locator("[data-passed]")).to_have_count(0)
    expect(page.locator("[data-pending]")).to_contain_text("waiting for the reviewers")
    before = page.locator("[data-score]").inner_text()
    _review_short_answer(app, attempt_id)
    page.reload()
    expect(page.locator("[data-score]")).not_to_have_text(before)
    expect(page.locator("[data-passed]")).to_contain_text("the pass mark is 60%")
    # Feedback for visible tests only.
    expect(
        page.locator('tr[data-question="clean-behaviour-logs"] [data-test-status]')
    ).to_have_count(1)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None and attempt.status is AttemptStatus.graded
        assert not attempt.auto_submitted
    assert not errors, errors


@pytest.mark.docker
@pytest.mark.slow
def test_a_whole_attempt_graded_in_the_sandbox(
    app: Flask,
    live_server: str,
    page: Page,
    errors: list[str],
    make_user: Callable[..., User],
    sample: str,
    docker_engine: object,
) -> None:
    user = make_user(Role.candidate)
    try:
        attempt_id = _take_exam(page, live_server, app, sample, user, CORRECT_CODE, run_timeout=180)
        expect(page.locator("[data-score]")).to_be_visible()  # immediate policy
        # The result page reloads itself while the sandbox grades the hidden tests too.
        coding_row = page.locator('tr[data-question="clean-behaviour-logs"]')
        expect(coding_row).to_have_attribute("data-state", "scored", timeout=240_000)
        with app.app_context():
            answer = db.session.scalar(
                sa.select(Answer).where(
                    Answer.attempt_id == attempt_id,
                    Answer.question_id == "clean-behaviour-logs",
                )
            )
            assert answer is not None and answer.points == 30.0, answer and answer.detail
            tests = answer.detail["result"]["tests"]
            assert tests and all(t["status"] == "passed" for t in tests)
        _review_short_answer(app, attempt_id)
        page.reload()
        expect(page.locator("[data-score]")).to_be_visible()
        expect(coding_row.locator('[data-test-status="passed"]').first).to_be_visible()
        assert not errors, errors
    finally:
        grading_queue.shutdown(app)
        pipeline.close_sandbox_provider()
    assert sandbox_containers() == []


def test_an_attempt_past_its_deadline_with_the_browser_closed_is_submitted_at_the_deadline(
    app: Flask,
    live_server: str,
    page: Page,
    make_user: Callable[..., User],
    sample: str,
) -> None:
    user = make_user(Role.candidate)
    _login(page, live_server, user)
    attempt_id = _start(page, app, sample)
    question = page.locator('article[data-type="single_choice"]').first
    question.locator("input[type=radio]").first.check()
    expect(question.locator('.badge[data-kind="saved"]')).to_be_visible()
    context = page.context
    page.close()  # the candidate closes the browser
    # Closing sends a last "tab hidden" signal; let it land before the clock is moved, so the
    # sweeper below, not that request, is what closes the attempt.
    time.sleep(1)

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        deadline = utcnow() - timedelta(minutes=7)
        attempt.deadline_at = deadline
        db.session.commit()
        assert expire_overdue() >= 1  # the sweeper's job
        db.session.expire_all()
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        assert attempt.status is not AttemptStatus.in_progress
        assert attempt.auto_submitted
        assert attempt.submitted_at == attempt.deadline_at == deadline

    later = context.new_page()
    later.goto(f"{live_server}/exam/attempts/{attempt_id}")  # the exam itself is closed
    later.wait_for_url(re.compile(rf".*/exam/attempts/{attempt_id}/result$"))
    expect(later.locator("main")).to_contain_text("Submitted automatically when the time ran out")
    stamp = later.locator("[data-submitted-at]").get_attribute("data-submitted-at")
    assert stamp == deadline.strftime("%Y-%m-%dT%H:%M:%S")


TAB_HIDDEN_SPY = """
const realFetch = window.fetch;
window.fetch = (url, options = {}) => {
  if (String(url).endsWith("/events") && String(options.body || "").includes("tab_hidden")) {
    const sent = Number(sessionStorage.getItem("tabHiddenSent") || 0);
    sessionStorage.setItem("tabHiddenSent", String(sent + 1));
  }
  return realFetch(url, options);
};
"""
SENT_TAB_HIDDEN = "Number(sessionStorage.getItem('tabHiddenSent') || 0)"


def _tab_hidden_count(app: Flask, attempt_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                sa.select(IntegrityEvent).where(
                    IntegrityEvent.attempt_id == attempt_id, IntegrityEvent.kind == "tab_hidden"
                )
            ).all()
        )


def test_leaving_the_page_within_the_exam_is_not_a_tab_switch(
    app: Flask,
    live_server: str,
    page: Page,
    errors: list[str],
    make_user: Callable[..., User],
    sample: str,
) -> None:
    user = make_user(Role.candidate)
    _login(page, live_server, user)
    attempt_id = _start(page, app, sample)
    # Count what the page tries to send, in sessionStorage, which outlives a reload: a request
    # cut off by the unload may never reach the server, but sending it at all is the bug.
    page.add_init_script(TAB_HIDDEN_SPY)
    for _ in range(4):  # a request from an unloading page only sometimes lands: try a few
        page.reload()
        expect(page.locator("[data-timer]")).to_be_visible()
    page.click("[data-submit-link]")
    page.wait_for_url(re.compile(r".*/submit$"))
    page.click("main form a")  # back to the exam
    page.wait_for_url(re.compile(rf".*/exam/attempts/{attempt_id}$"))
    page.goto(f"{live_server}/exam/")  # the app's own navigation
    page.goto(f"{live_server}/exam/attempts/{attempt_id}")
    page.wait_for_timeout(1500)  # longer than the page waits before it reports a switch
    assert page.evaluate(SENT_TAB_HIDDEN) == 0
    assert _tab_hidden_count(app, attempt_id) == 0
    # A real switch to another tab, the exam page staying loaded, is recorded.
    other = page.context.new_page()
    other.goto(f"{live_server}/exam/")
    other.bring_to_front()
    hidden = page.evaluate("document.visibilityState")
    if hidden != "hidden":
        # Headless Chromium keeps every tab "visible": emulate what a switch does to the page.
        page.evaluate(
            "Object.defineProperty(document, 'hidden', {get: () => true});"
            "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
    deadline = time.monotonic() + 10
    while _tab_hidden_count(app, attempt_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _tab_hidden_count(app, attempt_id) == 1
    assert page.evaluate(SENT_TAB_HIDDEN) == 1
    assert not errors, errors


def test_saving_after_submitting_in_another_tab_says_it_was_submitted(
    app: Flask,
    live_server: str,
    page: Page,
    errors: list[str],
    make_user: Callable[..., User],
    sample: str,
) -> None:
    user = make_user(Role.candidate)
    _login(page, live_server, user)
    attempt_id = _start(page, app, sample)
    second = page.context.new_page()
    second.goto(f"{live_server}/exam/attempts/{attempt_id}/submit")
    second.click("[data-confirm-submit]")
    second.wait_for_url(re.compile(rf".*/exam/attempts/{attempt_id}/result$"))
    # The first tab still shows the exam; its next save is refused, and it says why.
    question = page.locator('article[data-type="single_choice"]').first
    question.locator("input[type=radio]").first.check()
    message = "You have already submitted this exam; your answers can no longer be changed."
    expect(page.locator("[data-save-status]")).to_have_text(message)
    expect(question.locator("[data-answer-error]")).to_have_text(message)
    assert "time for this exam is over" not in page.locator("main").inner_text()
    # Then it moves on to the result page.
    page.wait_for_url(re.compile(rf".*/exam/attempts/{attempt_id}/result$"), timeout=15_000)
    # The browser logs the refused save itself; anything else would be a script error.
    assert [e for e in errors if "409 (CONFLICT)" not in e] == [], errors
