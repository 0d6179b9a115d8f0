"""Global search and the candidate's timeline in Chromium on the demo data: the navbar's search
box works by keyboard alone on a wide screen and from the folded menu on a phone; the results
and the candidate's home never scroll sideways at 390, 768, 1366 or 1920 px in either language;
axe-core finds no serious or critical violation on them in English or Chinese. Screenshots go
to test-results/search-timeline/ (or $HIREBENCH_SCREENSHOTS)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login, screenshot_folder

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1366, 1920)
LOCALES = {"en": "en-US", "zh": "zh-CN"}
ZHANG = quote("张")
PAGES = {
    "hr@demo.local": [
        f"/search/?q={ZHANG}",
        f"/search/?q={quote('拾光')}&kind=resumes",
        "/search/?q=a",
    ],
    "business@demo.local": [f"/search/?q={ZHANG}"],
    "interviewer@demo.local": [f"/search/?q={ZHANG}"],
    "reviewer@demo.local": ["/search/?q=answer"],
    # Just invited; an exam under way; hired and onboarding; an offer declined.
    "candidate1@demo.local": ["/exam/"],
    "candidate2@demo.local": ["/exam/"],
    "candidate4@demo.local": ["/exam/"],
    "candidate5@demo.local": ["/exam/"],
}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # No grading threads (the seed's coding jobs stay queued, no Docker), and room for the
    # many logins of one test under the per-address login limit.
    return {**app_config, "GRADING_WORKERS": 0, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def site(app: Flask, demo: None, live_server: str) -> str:
    return live_server


def _session(browser: Browser, site: str, email: str, lang: str, width: int) -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": width, "height": 900})
    login(context.new_page(), site, email)
    return context


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _shot(page: Page, name: str) -> None:
    folder = screenshot_folder(PROJECT_ROOT / "test-results" / "search-timeline")
    page.screenshot(
        path=str(folder / f"{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')}.png"),
        full_page=True,
    )


def _tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} never took the focus")


def test_the_navbar_search_works_by_keyboard(browser: Browser, site: str) -> None:
    context = _session(browser, site, "hr@demo.local", "en", 1366)
    page = context.pages[0]
    try:
        _open(page, site + "/hr/candidates")
        _tab_to(page, ".hb-nav-search input[name=q]")
        page.keyboard.type("张")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q="))
        expect(page.get_by_role("heading", level=1)).to_have_text("Search")
        expect(page.locator(".hb-nav-search input[name=q]")).to_have_value("张")
        first = page.locator(".hb-results a.hb-result-title").first
        expect(first).to_contain_text("张")
        expect(first.locator("mark")).to_have_text("张")
        # On to the first hit, still by keyboard.
        _tab_to(page, ".hb-results a.hb-result-title >> nth=0")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/hr/candidates/\d+$"))
    finally:
        context.close()


def test_the_search_box_is_in_the_phone_menu(browser: Browser, site: str) -> None:
    context = _session(browser, site, "business@demo.local", "zh", 390)
    page = context.pages[0]
    try:
        _open(page, site + "/business/")
        _tab_to(page, ".navbar-toggler")
        page.keyboard.press("Enter")
        expect(page.locator("#hb-nav")).to_be_visible()
        _tab_to(page, ".hb-nav-search input[name=q]")
        page.keyboard.type("张伟")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q="))
        expect(page.locator(".hb-results a.hb-result-title").first).to_contain_text("张伟")
        assert _overflow(page) <= 0
    finally:
        context.close()


def test_the_candidates_timeline_says_each_stage_in_words(browser: Browser, site: str) -> None:
    context = _session(browser, site, "candidate2@demo.local", "en", 390)
    page = context.pages[0]
    try:
        _open(page, site + "/exam/")
        expect(page.get_by_role("heading", level=1)).to_have_text("My applications")
        steps = page.locator("ol.hb-timeline > li")
        expect(steps.first).to_contain_text("Done")
        current = page.locator("ol.hb-timeline > li[aria-current=step]")
        expect(current).to_have_count(1)
        expect(current).to_contain_text("Now")
        expect(current).to_contain_text("Online exam")
        expect(page.locator(".hb-next")).to_contain_text("Submit by")
        page.locator(".hb-next a.btn").click()
        page.wait_for_url(re.compile(r"/exam/attempts/\d+$"))
    finally:
        context.close()


def test_no_sideways_scroll_at_any_width(browser: Browser, site: str) -> None:
    overflowing: list[str] = []
    for lang in LOCALES:
        for email, paths in PAGES.items():
            context = _session(browser, site, email, lang, 1366)
            page = context.pages[0]
            try:
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    for path in paths:
                        _open(page, site + path)
                        if _overflow(page) > 0:
                            overflowing.append(
                                f"{lang} {width}px {email} {path}: {_overflow(page)}"
                            )
                        if width in (390, 1366):
                            _shot(page, f"{email.split('@')[0]}-{lang}-{width}-{path}")
            finally:
                context.close()
    assert not overflowing, "pages wider than the screen:\n" + "\n".join(overflowing)


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violation(browser: Browser, site: str) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    for lang in LOCALES:
        for email, paths in PAGES.items():
            context = _session(browser, site, email, lang, 1366)
            page = context.pages[0]
            try:
                for width in (390, 1366):
                    page.set_viewport_size({"width": width, "height": 900})
                    for path in paths:
                        _open(page, site + path)
                        if problems := _serious(axe.run(page)):
                            found[f"{lang} {width}px {email} {path}"] = problems
            finally:
                context.close()
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"
