"""The hiring analytics in Chromium, on the demo's past cohort (services/demo_analytics.py: 60
candidates, 38 hires with ratings): HR's page for the job and the admin overview, in English
and in Chinese (chosen with the app's language switch), at 1366 px and at 390 px; then HR
looks at the what-if of the proposed weights and applies it, and the new profile version shows
with the evidence it was based on. axe-core checks every page at both widths.

Screenshots of every page go to $HIREBENCH_SCREENSHOTS, else /tmp/an3-shots, to be looked at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from flask_babel import force_locale, gettext

from hirebench.analytics import service as analytics
from hirebench.extensions import db
from hirebench.models import AuditEvent, Job
from hirebench.services.demo_analytics import PAST_TITLE
from tests.browser.conftest import (  # noqa: F401 - fixtures
    browser,
    demo,
    live_server,
    login,
    screenshot_folder,
)

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}
HR = "hr@demo.local"
ADMIN = "admin@demo.local"
SECTIONS = ("funnel", "scores", "validity", "weights", "adverse", "items-0")
# The page is wider than the window when a table or chart does not fit: 1 px for rounding.
OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The seed submits exam attempts; with no grading threads their jobs stay queued.
    return {**app_config, "GRADING_WORKERS": 0}


@pytest.fixture
def shots() -> Path:
    return screenshot_folder(Path("/tmp/an3-shots"))  # noqa: S108


@pytest.fixture
def past_job(app: Flask, demo: None) -> int:  # noqa: F811
    with app.app_context():
        job_id = db.session.scalar(sa.select(Job.id).where(Job.title == PAST_TITLE))
        assert job_id is not None, "the demo seeds the past cohort"
        return job_id


@contextmanager
def open_as(browser: Any, live_server: str, email: str, language: str) -> Iterator[Any]:  # noqa: F811
    """A logged-in page at 1366 px; for Chinese, switched with the language menu."""
    context = browser.new_context(locale="en-US", viewport=WIDE)
    page = context.new_page()
    login(page, live_server, email)
    if language != "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
    yield page
    context.close()


def translated(app: Flask, language: str, *texts: str) -> list[str]:
    with app.test_request_context(), force_locale(language):
        return [gettext(text) for text in texts]


def serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def look(page: Any, shots: Path, name: str) -> None:
    """A full-page screenshot at each width, checking that nothing sticks out sideways and
    that axe-core finds no serious or critical violation."""
    for label, size in (("1366", WIDE), ("390", NARROW)):
        page.set_viewport_size(size)
        page.wait_for_timeout(100)
        assert page.evaluate(OVERFLOW_JS) <= 1, f"{name} is wider than {label} px"
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        assert not (problems := serious(Axe().run(page))), (name, label, problems)
    page.set_viewport_size(WIDE)


def chart_texts(page: Any, chart: str) -> list[str]:
    # SVG text has no inner text (it is not laid out as HTML); its characters are the label.
    texts = page.locator(f'[data-chart="{chart}"] svg text')
    return [str(t) for t in texts.evaluate_all("nodes => nodes.map(n => n.textContent)")]


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_job_page_and_overview(
    app: Flask,
    past_job: int,  # first: the seed builds links, which needs the SERVER_NAME live_server drops
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    shots: Path,
    language: str,
) -> None:
    screened, candidates, funnel = translated(app, language, "Screened", "Candidates", "Funnel")
    with open_as(browser, live_server, HR, language) as page:
        page.goto(f"{live_server}/hr/jobs/{past_job}/analytics")
        assert PAST_TITLE in page.locator("h1").inner_text()
        for section in SECTIONS:
            assert page.locator(f"section#{section}").count() == 1, section
        for chart in ("funnel", "scores", "validity", "weights", "items-0"):
            svg = page.locator(f'[data-chart="{chart}"] svg')
            assert svg.count() == 1, chart
            assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label")
        # The charts' own words come through the catalogue, as the page's do.
        texts = chart_texts(page, "funnel")
        assert screened in texts and candidates in texts
        assert funnel in page.locator("nav.analytics-nav").inner_text()
        # A group is named, never shown by its code.
        adverse = page.locator("section#adverse").inner_text()
        assert "under_25" not in adverse and "age_band" not in adverse
        assert "woman" not in adverse.split() and "man" not in adverse.split()
        look(page, shots, f"analytics-job-{language}")
    with open_as(browser, live_server, ADMIN, language) as page:
        page.goto(f"{live_server}/admin/analytics")
        row = page.locator("tr", has=page.locator(f"a[href='/hr/jobs/{past_job}/analytics']"))
        assert row.count() == 1
        look(page, shots, f"analytics-overview-{language}")


def test_what_if_and_apply(
    app: Flask,
    past_job: int,  # first: the seed builds links, which needs the SERVER_NAME live_server drops
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    shots: Path,
) -> None:
    with app.app_context():
        job = db.session.get(Job, past_job)
        assert job is not None and job.profile is not None
        version_before = job.profile.version
        weights = analytics.validity_report(job)["weights"]  # type: ignore[index]
    # Said in words when the proposal did not predict better on hires it was not fitted to.
    no_gain = weights["cv_r_proposed"] <= weights["cv_r_current"]
    with open_as(browser, live_server, HR, "en") as page:
        page.goto(f"{live_server}/hr/jobs/{past_job}/analytics")
        page.click(f"a[href='/hr/jobs/{past_job}/analytics/what-if']")
        page.wait_for_url(f"**/hr/jobs/{past_job}/analytics/what-if")
        assert page.locator("section#changes").count() == 1
        assert page.locator("[data-no-gain]").count() == int(no_gain)
        look(page, shots, "analytics-what-if-en")
        with page.expect_navigation():
            page.click("section#changes button[type=submit]")
        assert page.url.endswith(f"/hr/jobs/{past_job}/analytics")
        flash = page.locator(".flash-success").first.inner_text()
        assert f"profile version {version_before + 1}" in flash
        history = page.locator("section#applied")
        assert history.count() == 1
        text = history.inner_text()
        assert f"v{version_before}" in text and f"v{version_before + 1}" in text
        assert "38" in text  # the rated hires the proposal rested on
        look(page, shots, "analytics-applied-en")
    with app.app_context():
        job = db.session.get(Job, past_job)
        assert job is not None and job.profile is not None
        assert job.profile.version == version_before + 1
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "analytics.weights_applied")
        ).one()
        assert event.actor_email == HR and event.target_id == str(past_job)
        assert event.detail["to_version"] == version_before + 1
        assert event.detail["evidence"]["n_rated"] == 38
