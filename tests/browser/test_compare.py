"""Compare candidates and the web scorecard's chart in Chromium, on the demo data: the business
department ticks candidates and compares them; the compare page, HR's scorecard and the
business candidate page have no serious or critical axe-core violation in English or Chinese,
never scroll sideways at 390, 768, 1366 or 1920 px, and keep the chart inside its card.
Screenshots go to test-results/compare/ (or $HIREBENCH_SCREENSHOTS)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hirebench.extensions import db
from hirebench.models import Job, User
from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login, screenshot_folder

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1366, 1920)
LOCALES = {"en": "en-US", "zh": "zh-CN"}
DEMO_JOB = "AI Trainer — e-commerce"
# Demo candidates with scorecards: 张伟 (hire), 陈静 (hire with training), Sam Carter (reject),
# 李雷 (partial).
COMPARED = ("candidate4", "candidate6", "candidate3", "candidate1")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # No grading threads (the seed's coding jobs stay queued), and room for this module's
    # logins under the per-address login limit.
    return {**app_config, "GRADING_WORKERS": 0, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def site(app: Flask, demo: None, live_server: str) -> dict[str, Any]:
    with app.app_context():
        job_id = db.session.scalar(sa.select(Job.id).where(Job.title == DEMO_JOB))
        ids = {
            email.split("@")[0]: key
            for key, email in db.session.execute(
                sa.select(User.id, User.email).where(User.email.like("candidate%@demo.local"))
            )
        }
    assert job_id is not None
    return {"url": live_server, "job": job_id, "ids": ids}


@pytest.fixture
def shots() -> Any:
    return screenshot_folder(PROJECT_ROOT / "test-results" / "compare")


def session(browser: Browser, site: dict[str, Any], email: str, lang: str) -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": 1366, "height": 900})
    login(context.new_page(), site["url"], email)
    return context


def compare_url(site: dict[str, Any], *who: str) -> str:
    query = "&".join(f"candidate={site['ids'][w]}" for w in who)
    return f"{site['url']}/hr/jobs/{site['job']}/compare?{query}"


def pages_of(site: dict[str, Any]) -> dict[str, list[str]]:
    """The pages this module checks, by who opens them."""
    job, zhang = site["job"], site["ids"]["candidate4"]
    return {
        "hr@demo.local": [
            compare_url(site, *COMPARED),
            f"{site['url']}/hr/jobs/{job}/candidates/{zhang}",
            compare_url(site, "candidate4"),  # refused: one candidate
        ],
        "business@demo.local": [
            compare_url(site, "candidate4", "candidate6"),
            f"{site['url']}/business/jobs/{job}/candidates/{zhang}",
        ],
    }


def serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_business_department_ticks_candidates_and_compares_them(
    browser: Browser, site: dict[str, Any], shots: Any
) -> None:
    context = session(browser, site, "business@demo.local", "en")
    page = context.pages[0]
    try:
        page.goto(f"{site['url']}/business/?job={site['job']}")
        for who in ("candidate4", "candidate3"):
            box = page.locator(f"input[name=candidate][value='{site['ids'][who]}']")
            box.focus()
            page.keyboard.press("Space")  # the keyboard ticks it
            expect(box).to_be_checked()
        page.get_by_role("button", name="Compare selected (2–4)").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Compare candidates")
        assert re.search(r"/compare\?candidate=\d+&candidate=\d+$", page.url)
        heads = page.locator("#compare-scores thead a[data-candidate]")
        expect(heads).to_have_text(["张伟", "Sam Carter"])
        chart = page.locator("[data-chart=competencies] svg[role=img]")
        expect(chart).to_be_visible()
        assert "① 张伟" in (chart.get_attribute("aria-label") or "")
        # The table of the chart's numbers is folded away and opens from the keyboard.
        summary = page.locator("#compare-competencies details > summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#compare-competencies details table")).to_be_visible()
        page.screenshot(path=str(shots / "business-compare-en-1366.png"), full_page=True)
    finally:
        context.close()


def test_hr_drops_a_candidate_from_the_comparison(browser: Browser, site: dict[str, Any]) -> None:
    context = session(browser, site, "hr@demo.local", "en")
    page = context.pages[0]
    try:
        page.goto(compare_url(site, "candidate4", "candidate6", "candidate3"))
        expect(page.locator("#compare-scores thead a[data-candidate]")).to_have_count(3)
        page.get_by_role("link", name="Remove 陈静 from the comparison").click()
        expect(page.locator("#compare-scores thead a[data-candidate]")).to_have_text(
            ["张伟", "Sam Carter"]
        )
        # With two left, neither can be removed.
        expect(page.get_by_role("link", name=re.compile("^Remove "))).to_have_count(0)
        # The panel's notes: the interviewers' verdicts and summaries from the demo.
        zhang = page.locator(f"#candidate-{site['ids']['candidate4']}")
        expect(zhang.locator("[data-note=interview]")).to_have_count(2)
        expect(zhang).to_contain_text("Strong yes")
    finally:
        context.close()


@pytest.mark.parametrize("lang", list(LOCALES))
def test_axe_and_every_width(browser: Browser, site: dict[str, Any], shots: Any, lang: str) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    for email, urls in pages_of(site).items():
        context = session(browser, site, email, lang)
        page = context.pages[0]
        try:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for index, url in enumerate(urls):
                    page.goto(url)
                    expect(page.get_by_role("heading", level=1)).to_be_visible()
                    assert page.locator("html").get_attribute("lang") == (
                        "zh-Hans" if lang == "zh" else "en"
                    )
                    where = f"{email} {width}px {url}"
                    if (sideways := overflow(page)) > 0:
                        wide[where] = sideways
                    if width in (390, 1366) and (problems := serious(axe.run(page))):
                        found[where] = problems
                    name = f"{email.split('@')[0]}-{index}-{lang}-{width}.png"
                    page.screenshot(path=str(shots / name), full_page=True)
        finally:
            context.close()
    assert not wide, f"pages wider than the window: {wide}"
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"


def test_the_charts_stay_inside_their_cards_on_a_phone(
    browser: Browser, site: dict[str, Any]
) -> None:
    context = session(browser, site, "hr@demo.local", "zh")
    page = context.pages[0]
    try:
        page.set_viewport_size({"width": 390, "height": 900})
        for url in pages_of(site)["hr@demo.local"][:2]:
            page.goto(url)
            box = page.locator("[data-chart=competencies]")
            card = page.locator("section.card", has=box)
            inner, outer = box.bounding_box(), card.bounding_box()
            assert inner is not None and outer is not None
            assert (
                inner["x"] >= outer["x"]
                and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            )
            # Chinese competency titles in the chart, as the reader's language.
            assert "技术能力" in (box.locator("svg").text_content() or "")
        # The scorecard's chart keeps a readable size and scrolls in its box, which then
        # takes focus so a keyboard can scroll it.
        wrap = page.locator(".hb-scorecard-chart")
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
        expect(wrap).to_have_attribute("tabindex", "0")
        expect(wrap).to_have_attribute("role", "region")
    finally:
        context.close()
