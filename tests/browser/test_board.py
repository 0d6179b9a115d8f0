"""The pipeline in Chromium on the demo data (docs/pipeline.md): a bulk move on the board done
with the keyboard alone (Tab to each card's box, Space, the stage chosen with the arrow keys,
the reason typed, Enter), with the selection counted aloud and the focus always visible; the
column chooser of the ranked table hiding a column and remembering it; axe-core finding no
serious or critical violation on HR's home, the board and the ranked table in English and
Chinese; and none of them scrolling sideways at 390 px. Screenshots go to the screenshot folder
(test-results/board by default)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login, screenshot_folder

pytestmark = pytest.mark.browser

HR = "hr@demo.local"
LOCALES = {"en": "en-US", "zh": "zh-CN"}
PAGES = ("/hr/", "/hr/jobs/1/board", "/hr/jobs/1/board?stage=rejected", "/hr/jobs/1")
SHOTS = screenshot_folder(PROJECT_ROOT / "test-results" / "board")
# What a visible keyboard focus looks like: an outline, or Bootstrap's focus ring (a shadow).
FOCUS_STYLE_JS = """
() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {outline, shadow: style.boxShadow !== 'none', tag: el.tagName, cls: el.className};
}
"""


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def site(app: Flask, demo: None, live_server: str) -> str:
    return live_server


def _session(browser: Browser, site: str, lang: str, width: int) -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": width, "height": 900})
    login(context.new_page(), site, HR)
    return context


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 250) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`, checking on the
    way that it is visibly focused."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            focus = page.evaluate(FOCUS_STYLE_JS)
            assert focus["outline"] or focus["shadow"], f"no visible focus on {selector}: {focus}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def _card_names(page: Page, stage: str) -> list[str]:
    column = page.locator(f"section.hb-column[data-stage='{stage}']")
    return [t.strip() for t in column.locator(".hb-card-name").all_inner_texts()]


def test_a_bulk_move_with_the_keyboard_alone(browser: Browser, site: str) -> None:
    context = _session(browser, site, "en", 1366)
    page = context.pages[0]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The refused rejection below answers 400, which the console reports; any other console
    # error (a script's, a CSP refusal) is a fault.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "status of 400" not in msg.text
            else None
        ),
    )
    page.goto(site + "/hr/jobs/1/board")
    expect(page.get_by_role("heading", level=1)).to_have_text("AI Trainer — e-commerce")
    interview = _card_names(page, "interview")
    assert len(interview) == 2, interview  # the demo's Sam Carter and 李雷
    ids = page.locator("section.hb-column[data-stage='interview'] .hb-card").evaluate_all(
        "cards => cards.map(c => c.dataset.application)"
    )
    count = page.locator("#bulk-count")
    expect(count).to_have_attribute("aria-live", "polite")

    page.locator("body").focus()
    for application in ids:
        _tab_to(page, f"#pick-{application}")
        page.keyboard.press("Space")
    expect(count).to_have_text("2 selected")
    _shot(page, "board-two-selected")

    # Back up to the bulk form: the stage by arrow keys, a reason typed, then Move selected.
    _tab_to(page, "#bulk-to", backwards=True)
    for _ in range(8):
        if page.locator("#bulk-to").input_value() == "portfolio":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#bulk-to").input_value() == "portfolio"
    _tab_to(page, "#bulk-reason")
    page.keyboard.type("Portfolio cases requested")
    _tab_to(page, "#board-bulk button[value=move]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_have_text("2 candidates moved to Portfolio.")
    assert sorted(_card_names(page, "portfolio")) == sorted(interview)
    assert _card_names(page, "interview") == []

    # A card's own form, by keyboard too: open "Move or reject" and reject without a reason.
    first = page.locator("section.hb-column[data-stage='portfolio'] .hb-card").first
    name = first.locator(".hb-card-name").inner_text().strip()
    first.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(first.locator("form")).to_be_visible()
    first.locator("button[value=reject]").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#board-error")).to_have_text("Give a reason for the rejection.")
    assert name in _card_names(page, "portfolio")
    _shot(page, "board-refused")
    assert not errors, errors
    context.close()


def test_the_column_chooser_hides_a_column_and_remembers_it(browser: Browser, site: str) -> None:
    context = _session(browser, site, "en", 1366)
    page = context.pages[0]
    page.goto(site + "/hr/jobs/1")
    header = page.locator("table.dashboard thead th[data-col='flags']")
    expect(header).to_be_visible()
    page.get_by_role("button", name="Columns").click()
    page.get_by_label("Flags", exact=True).uncheck()
    expect(header).to_be_hidden()
    expect(page.locator("table.dashboard tbody td[data-col='flags']").first).to_be_hidden()
    page.reload()
    expect(page.locator("table.dashboard thead th[data-col='flags']")).to_be_hidden()
    # The sticky columns stay in view while the table scrolls sideways on a phone.
    page.set_viewport_size({"width": 390, "height": 900})
    wrap = page.locator(".hb-table-wrap")
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    name = page.locator("table.dashboard tbody td.candidate").first.bounding_box()
    assert name is not None and 0 <= name["x"] < 390, name
    _shot(page, "job-390-scrolled")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="Columns").click()
    page.get_by_role("button", name="Show every column").click()
    expect(page.locator("table.dashboard thead th[data-col='flags']")).to_be_visible()
    context.close()


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_and_no_sideways_scroll_in_both_languages(browser: Browser, site: str) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    overflow: dict[str, int] = {}
    for lang in LOCALES:
        context = _session(browser, site, lang, 1366)
        page = context.pages[0]
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            for path in PAGES:
                response = page.goto(site + path)
                assert response is not None and response.ok, (path, response and response.status)
                where = f"{lang} {width}px {path}"
                if problems := _serious(axe.run(page)):
                    found[where] = problems
                wider = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                if wider > 0:
                    overflow[where] = wider
                slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
                _shot(page, f"{slug}-{lang}-{width}")
        context.close()
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"
    assert not overflow, f"pages scroll sideways: {overflow}"
