"""HR's job profile editor in Chromium (templates/hr/job_profile.html, static/js/profile_form.js):
add a skill and an indicator in the page, watch the weights' total follow the typing, save and
find the new version; the same buttons without JavaScript; and in English and Chinese, at 390,
768, 1366 and 1920 px, no sideways page scroll and no serious or critical axe-core violation on
the form, the form with problems and the advanced (YAML) view. Screenshots go to
test-results/profile-editor/ (or $HIREBENCH_SCREENSHOTS)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hirebench.extensions import db
from hirebench.jobs import service as job_service
from hirebench.jobs.profile_file import load_profile_file
from hirebench.models import Role, User
from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login, screenshot_folder

pytestmark = pytest.mark.browser

SHIPPED = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
LOCALES = {"en": "en-US", "zh": "zh-CN"}
WIDTHS = (390, 768, 1366, 1920)
HR = "hr@example.com"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def job_url(app: Flask, make_user: Callable[..., User], live_server: str) -> Iterator[str]:
    hr = make_user(Role.hr, email=HR, name="王芳")
    with app.app_context():
        author = db.session.get(User, hr.id)
        profile = job_service.save_profile(load_profile_file(SHIPPED), by=author)
        job_id = profile.job_id
    yield f"{live_server}/hr/jobs/{job_id}"


@pytest.fixture
def shots() -> Any:
    return screenshot_folder(PROJECT_ROOT / "test-results" / "profile-editor")


def _session(
    browser: Browser, site: str, lang: str = "en", width: int = 1366, script: bool = True
) -> BrowserContext:
    context = browser.new_context(
        locale=LOCALES[lang], viewport={"width": width, "height": 900}, java_script_enabled=script
    )
    login(context.new_page(), site, HR)
    return context


def _site(job_url: str) -> str:
    return job_url.split("/hr/", 1)[0]


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_add_a_skill_and_an_indicator_then_save(browser: Browser, job_url: str, shots: Any) -> None:
    context = _session(browser, _site(job_url))
    page = context.pages[0]
    try:
        page.goto(job_url + "/profile")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Job profile: AI Trainer — e-commerce"
        )
        skills = page.locator("[data-rows=skill] > [data-row]")
        expect(skills).to_have_count(4)
        page.get_by_role("button", name="Add a skill").click()
        expect(skills).to_have_count(5)
        # The new row's first input has the focus and the next free index.
        expect(page.locator("[name=skills-4-tag]")).to_be_focused()
        page.keyboard.type("sql")
        page.locator("[name=skills-4-title]").fill("SQL")
        page.locator("[name=skills-4-min_level]").select_option("familiar")

        competency = page.locator("#competency-1")
        competency.get_by_role("button", name="Add an indicator").click()
        expect(page.locator("[name=competencies-1-indicators-2]")).to_be_focused()
        page.keyboard.type("Checks agreement between annotators")

        total = page.locator("[data-weight-total]")
        expect(total).to_have_text("Total: 100% — the weights add up to 100.")
        page.locator("[name=stages-0-weight]").fill("25")
        expect(total).to_have_text("Total: 95% — the weights must add up to 100.")
        page.locator("[name=stages-4-weight]").fill("5")
        expect(total).to_have_text("Total: 100% — the weights add up to 100.")

        # Removing a row renumbers the rows' labels.
        page.get_by_role("button", name="Remove skill 1").click()
        expect(skills).to_have_count(4)
        expect(page.get_by_role("button", name="Remove skill 4")).to_be_visible()
        page.screenshot(path=str(shots / "edited-en-1366.png"), full_page=True)

        page.get_by_role("button", name="Save the profile").first.click()
        page.wait_for_url(job_url)
        expect(page.locator(".flash")).to_contain_text("Job profile saved as version 2.")

        page.goto(job_url + "/profile")
        expect(page.locator("[name=skills-3-tag]")).to_have_value("sql")
        expect(page.locator("[name=skills-0-tag]")).to_have_value("data-annotation")
        expect(page.locator("[name=competencies-1-indicators-2]")).to_have_value(
            "Checks agreement between annotators"
        )
        expect(page.locator("[name=stages-4-weight]")).to_have_value("5")
    finally:
        context.close()


def test_problems_sit_under_their_fields(browser: Browser, job_url: str, shots: Any) -> None:
    context = _session(browser, _site(job_url))
    page = context.pages[0]
    try:
        page.goto(job_url + "/profile")
        page.locator("[name=skills-1-tag]").fill("python")
        page.locator("[name=stages-0-weight]").fill("20")
        page.get_by_role("button", name="Save the profile").first.click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("The profile was not saved: 2 problems")
        tag = page.locator("[name=skills-1-tag]")
        expect(tag).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#skills-1-tag-error")).to_contain_text("Duplicate skill tag")
        expect(page.locator("#stages-errors")).to_contain_text("sum to 90, not 100")
        summary.get_by_role("link", name="Skill 2 · Tag", exact=False).click()
        expect(tag).to_be_focused()
        page.screenshot(path=str(shots / "problems-en-1366.png"), full_page=True)
    finally:
        context.close()


def test_without_javascript_the_buttons_still_work(browser: Browser, job_url: str) -> None:
    context = _session(browser, _site(job_url), script=False)
    page = context.pages[0]
    try:
        page.goto(job_url + "/profile")
        page.locator("[name=title]").fill("AI Trainer — e-commerce (2026)")
        page.get_by_role("button", name="Add a skill").click()
        page.wait_for_load_state()
        expect(page.locator("[name=skills-4-tag]")).to_have_value("")
        expect(page.locator("[name=title]")).to_have_value("AI Trainer — e-commerce (2026)")
        page.get_by_role("button", name="Remove competency 4").click()
        page.wait_for_load_state()
        expect(page.locator("[data-row=competency]")).to_have_count(3)
        # Nothing was saved yet; the weights' total was drawn by the server.
        expect(page.locator("[data-weight-total]")).to_contain_text("100%")
    finally:
        context.close()


@pytest.mark.parametrize("lang", list(LOCALES))
def test_every_width_fits_and_axe_finds_nothing_serious(
    browser: Browser, job_url: str, shots: Any, lang: str
) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    context = _session(browser, _site(job_url), lang)
    page = context.pages[0]
    views = {
        "form": job_url + "/profile",
        "yaml": job_url + "/profile?view=yaml",
        "new": _site(job_url) + "/hr/jobs/new",
    }
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in views.items():
                page.goto(url)
                assert _overflow(page) <= 0, (lang, width, name)
                if width in (390, 1366):
                    if problems := _serious(axe.run(page)):
                        found[f"{width}px {name}"] = problems
                    page.screenshot(path=str(shots / f"{name}-{lang}-{width}.png"), full_page=True)
            # The form with its problems shown.
            page.goto(views["form"])
            page.locator("[name=cutoff_reject]").fill("90")
            page.locator("[name=competencies-0-title]").fill("")
            page.locator("button[value=save]").first.click()
            expect(page.locator("#error-summary")).to_be_visible()
            assert _overflow(page) <= 0, (lang, width, "problems")
            if width in (390, 1366):
                if problems := _serious(axe.run(page)):
                    found[f"{width}px problems"] = problems
                page.screenshot(path=str(shots / f"problems-{lang}-{width}.png"), full_page=True)
    finally:
        context.close()
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations ({lang}):\n{report}"
