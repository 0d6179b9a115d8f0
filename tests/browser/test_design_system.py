"""The design system in Chromium on the demo data (docs/design.md): the navbar folds into a menu
that fits a 390 px phone for every role; the pages converted to templates/_ui.html never
scroll sideways at 390, 768, 1366 or 1920 px in either language; axe-core finds no serious or
critical violation on them in English or Chinese; and no page loads 300 KB of JavaScript.
Screenshots of each page at 390 px go to test-results/design-system/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SHOTS = PROJECT_ROOT / "test-results" / "design-system"
WIDTHS = (390, 768, 1366, 1920)
LOCALES = {"en": "en-US", "zh": "zh-CN"}
JS_BUDGET = 300 * 1024

# The pages converted to the macros, by who may open them.
CONVERTED = {
    "hr@demo.local": [
        "/hr/candidates",
        "/hr/attempts",
        "/hr/reviews",
        "/hr/interviews",
        "/hr/",
        "/hr/jobs/1/board",
        "/hr/jobs/1",
    ],
    "reviewer@demo.local": ["/review/"],
    "admin@demo.local": ["/admin/tokens", "/admin/rubrics"],
}
# More pages per role for the navbar, which every page shares.
NAV_PAGES = {
    "hr@demo.local": ["/hr/", "/hr/candidates", "/hr/audit"],
    "reviewer@demo.local": ["/review/", "/review/?tab=done"],
    "admin@demo.local": ["/admin/", "/admin/tokens", "/hr/"],
    "candidate3@demo.local": ["/exam/", "/portfolio/"],
}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # No grading threads (the seed's coding jobs stay queued, no Docker), and room for the
    # many logins of one test under the per-address login limit.
    return {**app_config, "GRADING_WORKERS": 0, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def site(app: Flask, demo: None, live_server: str) -> str:
    """The live server, started after the demo data is seeded."""
    return live_server


def _session(browser: Browser, site: str, email: str, lang: str, width: int) -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": width, "height": 900})
    login(context.new_page(), site, email)
    return context


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)


def _page_overflow(page: Page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it does not)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')}.png"))


def test_the_navbar_folds_into_a_menu_that_fits_a_phone(browser: Browser, site: str) -> None:
    for email, paths in NAV_PAGES.items():
        context = _session(browser, site, email, "en", 390)
        page = context.pages[0]
        try:
            for path in paths:
                _open(page, site + path)
                assert _page_overflow(page) <= 0, (email, path)
                toggler = page.locator(".navbar-toggler")
                expect(toggler).to_have_attribute("aria-expanded", "false")
                expect(page.locator("#hb-nav")).to_be_hidden()
                toggler.click()
                menu = page.locator("#hb-nav")
                expect(menu).to_be_visible()
                expect(toggler).to_have_attribute("aria-expanded", "true")
                expect(page.locator("#hb-nav.collapsing")).to_have_count(0)
                for box in (
                    link.bounding_box() for link in menu.locator("a:visible, button:visible").all()
                ):
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
                expect(menu.get_by_role("button", name="Log out")).to_be_visible()
                assert _page_overflow(page) <= 0, (email, path, "menu open")
                _shot(page, f"nav-{email.split('@')[0]}-{path}")
        finally:
            context.close()


def test_the_current_page_is_marked_in_the_navbar(browser: Browser, site: str) -> None:
    context = _session(browser, site, "hr@demo.local", "en", 1366)
    page = context.pages[0]
    try:
        _open(page, site + "/hr/candidates")
        current = page.locator(".navbar-nav a[aria-current=page]")
        expect(current).to_have_count(1)
        expect(current).to_have_text("Candidates")
        # The skip link is the first stop of the keyboard and lands in the main region.
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
    finally:
        context.close()


def test_converted_pages_never_scroll_sideways(browser: Browser, site: str) -> None:
    overflowing: list[str] = []
    for lang in LOCALES:
        for email, paths in CONVERTED.items():
            context = _session(browser, site, email, lang, 1366)
            page = context.pages[0]
            try:
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    for path in paths:
                        _open(page, site + path)
                        if _page_overflow(page) > 0:
                            overflowing.append(f"{lang} {width}px {path}: {_page_overflow(page)}px")
                        if width == 390:
                            _shot(page, f"{lang}-{width}-{path}")
            finally:
                context.close()
    assert not overflowing, "pages wider than the screen:\n" + "\n".join(overflowing)


def test_a_wide_table_scrolls_inside_its_card_as_a_focusable_region(
    browser: Browser, site: str
) -> None:
    context = _session(browser, site, "hr@demo.local", "zh", 390)
    page = context.pages[0]
    try:
        _open(page, site + "/hr/attempts")
        wrap = page.locator(".hb-table-wrap").first
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
        expect(wrap).to_have_attribute("tabindex", "0")
        expect(wrap).to_have_attribute("role", "region")
        # The first column (the candidate) stays in view when the table scrolls.
        wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        first = wrap.locator("tbody tr:first-child td:first-child")
        box, frame = first.bounding_box(), wrap.bounding_box()
        assert box is not None and frame is not None and box["x"] <= frame["x"] + 1
        # A table that fits is not a tab stop.
        page.set_viewport_size({"width": 1366, "height": 900})
        expect(wrap).not_to_have_attribute("tabindex", "0")
    finally:
        context.close()


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violation_on_converted_pages(browser: Browser, site: str) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    for lang in LOCALES:
        for email, paths in CONVERTED.items():
            context = _session(browser, site, email, lang, 1366)
            page = context.pages[0]
            try:
                for width in (390, 1366):
                    page.set_viewport_size({"width": width, "height": 900})
                    for path in paths:
                        _open(page, site + path)
                        if problems := _serious(axe.run(page)):
                            found[f"{lang} {width}px {path}"] = problems
            finally:
                context.close()
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"


# The bytes of every script the page loads, fetched again past the cache (inline scripts are
# refused by the CSP, so external ones are all there is).
SCRIPT_SIZES_JS = """
async () => {
  const sizes = {};
  for (const script of document.querySelectorAll('script[src]')) {
    const response = await fetch(script.src, {cache: 'no-store'});
    sizes[script.src] = (await response.arrayBuffer()).byteLength;
  }
  return sizes;
}
"""


def test_no_page_loads_300_kb_of_javascript(browser: Browser, site: str) -> None:
    for email, paths in {**CONVERTED, "candidate3@demo.local": ["/exam/", "/portfolio/"]}.items():
        context = _session(browser, site, email, "en", 1366)
        page = context.pages[0]
        try:
            for path in paths:
                _open(page, site + path)
                sizes: dict[str, int] = page.evaluate(SCRIPT_SIZES_JS)
                assert any(url.endswith("/static/build/ui.js") for url in sizes), (
                    "static/build/ui.js is not on the page"
                )
                assert all(size > 0 for size in sizes.values()), (
                    f"a script is missing or empty (run `make assets`): {sizes}"
                )
                assert sum(sizes.values()) < JS_BUDGET, (path, sizes)
        finally:
            context.close()


def test_the_theme_is_built_and_served_locally(site: str, browser: Browser) -> None:
    context = _session(browser, site, "hr@demo.local", "en", 1366)
    page = context.pages[0]
    try:
        _open(page, site + "/hr/candidates")
        sheets = page.evaluate("[...document.styleSheets].map(s => s.href)")
        assert any(str(href).endswith("/static/build/app.css") for href in sheets), sheets
        assert all(str(href).startswith(site) for href in sheets if href), sheets
        # Bootstrap's rules and the theme's tokens are in force.
        primary = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--bs-primary')"
        )
        assert primary.strip().lower() == "#2458d6"
        hire = page.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--hb-status-hire')"
        )
        assert hire.strip(), "the status colours are not defined"
    finally:
        context.close()


def test_chinese_pages_get_cjk_leading_and_faces(site: str, browser: Browser) -> None:
    styles = {}
    for lang in LOCALES:
        context = _session(browser, site, "hr@demo.local", lang, 1366)
        page = context.pages[0]
        try:
            _open(page, site + "/hr/candidates")
            styles[lang] = page.evaluate(
                "(() => { const s = getComputedStyle(document.body);"
                " return [parseFloat(s.lineHeight) / parseFloat(s.fontSize), s.fontFamily]; })()"
            )
        finally:
            context.close()
    assert styles["zh"][0] >= 1.65 > styles["en"][0]
    assert styles["zh"][1].index("Noto Sans CJK SC") < styles["zh"][1].index("Segoe UI")
    assert styles["en"][1].index("Segoe UI") < styles["en"][1].index("Noto Sans CJK SC")
