"""The sample exam's page and its submit page in Chromium, in English and Chinese, at 390 and
1366 px (768 and 1920 for the sideways-scroll check): axe-core finds no serious or critical
violation, the page never scrolls sideways, the navigator stays in view while the questions
scroll, a phone shows the coding prompt with a note instead of the editor, and the page loads
less than 300 KB of JavaScript. Screenshots go to test-results/exam-page/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hirebench.exams.loader import load_exam
from hirebench.grading import claims as grading_claims
from hirebench.grading import queue as grading_queue
from hirebench.models import Role
from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login, screenshot_folder
from tests.browser.test_exam_keyboard import adds_ten

SAMPLE = PROJECT_ROOT / "exams" / "ai-trainer-ecommerce"
GRADERS = PROJECT_ROOT / "graders"

pytestmark = pytest.mark.browser

LOCALES = {"en": "en-US", "zh": "zh-CN"}
JS_BUDGET = 300 * 1024
SCRIPT_BYTES_JS = """
async () => {
  let total = 0;
  for (const script of document.querySelectorAll('script[src]')) {
    const response = await fetch(script.src, {cache: 'no-store'});
    total += (await response.arrayBuffer()).byteLength;
  }
  return total;
}
"""


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 1, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def attempt_url(app: Flask, live_server: str, browser: Browser, make_user: Any) -> Iterator[str]:
    """An attempt at the sample exam with two answers (a choice and the coding question's
    starter code), a flag and one visible-test run, made through the page as a candidate
    would; yields the exam page's path."""
    grading_claims.set_grader(adds_ten)
    with app.app_context():
        slug = load_exam(SAMPLE, GRADERS).exam.slug
    user = make_user(Role.candidate, email="exam-page@example.com", name="张伟")
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, live_server, user.email)
    page.goto(f"{live_server}/exam/exams/{slug}")
    page.check("input[name=consent]")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/exam/attempts/" in url)
    path = page.url.removeprefix(live_server)
    choice = page.locator('article[data-type="single_choice"]').first
    choice.locator("input[type=radio]").first.check()
    choice.locator("[data-flag]").click()
    expect(choice.locator("[data-flag]")).to_have_attribute("aria-pressed", "true")
    coding = page.locator('article[data-type="coding"]').first
    coding.locator("[data-run-tests]").click()  # the starter code, saved first
    expect(coding.locator(".hb-run")).to_have_count(1, timeout=30_000)
    expect(page.locator("[data-qnav] [data-progress]")).to_contain_text("2 of")
    context.close()
    yield path
    grading_queue.shutdown(app)
    grading_claims.set_grader(None)


def _session(browser: Browser, site: str, lang: str, width: int) -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": width, "height": 900})
    login(context.new_page(), site, "exam-page@example.com")
    return context


def _serious(axe: Axe, page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_exam_and_submit_pages_pass_axe_and_fit_every_width(
    browser: Browser, live_server: str, attempt_url: str
) -> None:
    shots = screenshot_folder(PROJECT_ROOT / "test-results" / "exam-page")
    axe = Axe()
    found: dict[str, list[str]] = {}
    wide: list[str] = []
    for lang in LOCALES:
        context = _session(browser, live_server, lang, 1366)
        page = context.pages[0]
        try:
            for width in (390, 768, 1366, 1920):
                page.set_viewport_size({"width": width, "height": 900})
                for name, path in (("exam", attempt_url), ("submit", attempt_url + "/submit")):
                    page.goto(live_server + path)
                    expect(page.get_by_role("heading", level=1)).to_be_visible()
                    if _overflow(page) > 0:
                        wide.append(f"{lang} {width}px {name}: {_overflow(page)}px")
                    if width in (390, 1366):
                        page.screenshot(path=shots / f"{name}-{lang}-{width}.png", full_page=True)
                        if problems := _serious(axe, page):
                            found[f"{lang} {width}px {name}"] = problems
        finally:
            context.close()
    assert not wide, "pages wider than the screen:\n" + "\n".join(wide)
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"


def test_the_navigator_stays_in_view_and_phones_get_a_note_for_coding(
    browser: Browser, live_server: str, attempt_url: str
) -> None:
    context = _session(browser, live_server, "en", 1366)
    page = context.pages[0]
    try:
        page.goto(live_server + attempt_url)
        nav = page.locator("[data-qnav]")
        total = nav.locator("[data-nav-item]").count()
        expect(nav).to_contain_text(f"2 of {total} answered")
        expect(nav).to_contain_text("1 flagged")
        # The flag and the run survive a reload; the run shows what it scored.
        choice = page.locator('article[data-type="single_choice"]').first
        expect(choice.locator("[data-flag]")).to_have_attribute("aria-pressed", "true")
        flagged = choice.get_attribute("data-question")
        expect(nav.locator(f'[data-nav-item="{flagged}"]')).to_have_attribute("data-flagged", "1")
        expect(page.locator(".hb-run")).to_contain_text(re.compile(r"0 of \d+ passed"))
        # "Restore this code" puts the run's code back into the editor, as an edit.
        coding = page.locator('article[data-type="coding"]').first
        box = coding.locator("textarea[data-code-editor]")
        ran = box.input_value()
        coding.locator(".CodeMirror-code").click()
        page.keyboard.press("Control+End")
        page.keyboard.type("# changed after the run")
        expect(box).not_to_have_value(ran)
        coding.locator("[data-run-restore]").click()
        expect(box).to_have_value(ran)
        expect(coding.locator("[data-run-note]")).to_contain_text("is back in the editor")
        # Scrolled to the end, the navigator is still on screen.
        page.locator("[data-submit-link]").scroll_into_view_if_needed()
        expect(nav).to_be_in_viewport()
        assert page.evaluate(SCRIPT_BYTES_JS) < JS_BUDGET

        page.set_viewport_size({"width": 390, "height": 844})
        expect(coding.locator(".prompt")).to_be_visible()
        expect(coding.locator("[data-coding-small]")).to_be_visible()
        expect(coding.locator(".code-editor")).to_be_hidden()
        expect(choice.locator("input[type=radio]").first).to_be_visible()
        page.locator("[data-submit-link]").scroll_into_view_if_needed()
        expect(nav).to_be_in_viewport()
    finally:
        context.close()
