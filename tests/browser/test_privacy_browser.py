"""Personal data in Chromium, in English and Chinese: the exam's consent screen with its text
versions and the optional future-openings box, the candidate's My data page (the copy
downloaded as a ZIP), and HR's privacy panel refusing to erase a candidate with an open offer.
Screenshots go to /tmp/p19-shots/ (or HIREBENCH_SHOTS); no page scrolls sideways at 390 px."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from hirebench.extensions import db
from hirebench.models import Offer, OfferStatus
from tests.browser.conftest import browser, demo, live_server, login  # noqa: F401

SHOTS = Path(os.environ.get("HIREBENCH_SHOTS", "/tmp/p19-shots"))  # noqa: S108 - for review
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0}


def open_as(chromium: Any, base: str, email: str, language: str, viewport: Any = WIDE) -> Any:
    context = chromium.new_context(locale="en-US", viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    login(page, base, email)
    if language != "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
    page.set_viewport_size(viewport)  # the language menu folds away on a phone
    return page


def shoot(page: Any, name: str, language: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{language}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_consent_my_data_and_the_panel(
    app: Flask,
    demo: None,  # noqa: F811
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    language: str,
) -> None:
    lang = language[:2]
    candidate = open_as(browser, live_server, "candidate1@demo.local", language)
    candidate.goto(live_server + "/exam/")
    with candidate.expect_navigation():
        candidate.locator("a[href*='/exams/']").first.click()
    expect(candidate.locator("[data-consent-versions]")).to_have_count(1)
    expect(candidate.locator("input[name=future_openings]")).to_have_count(1)
    shoot(candidate, "consent", lang)

    candidate.goto(live_server + "/privacy/me")
    assert candidate.locator("[data-purpose]").count() == 4
    shoot(candidate, "my-data", lang)
    with candidate.expect_download() as download:
        candidate.click("[data-action=download-copy]")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert json.loads(archive.read("copy.json"))["subject"]["email"] == "candidate1@demo.local"
    assert "summary.pdf" in archive.namelist()

    with app.app_context():
        offer = db.session.scalars(
            sa.select(Offer).where(Offer.status == OfferStatus.awaiting_approval)
        ).one()
        held_id, held_email = offer.candidate_id, offer.candidate.email
    hr = open_as(browser, live_server, "hr@demo.local", language)
    hr.goto(f"{live_server}/privacy/candidates/{held_id}")
    form = hr.locator("#erase form")
    form.locator("textarea[name=reason]").fill("mailed request 2026-12-08")
    form.locator("input[name=confirm]").fill(held_email)
    form.locator("button[type=submit]").click()
    assert "awaiting_approval" in hr.locator(".flash").first.inner_text()
    expect(hr.locator("tr[data-outcome=refused]")).to_have_count(1)
    shoot(hr, "hr-panel", lang)

    for page, url, name in (
        (
            open_as(browser, live_server, "candidate1@demo.local", language, NARROW),
            "/privacy/me",
            "my-data-narrow",
        ),
        (
            open_as(browser, live_server, "hr@demo.local", language, NARROW),
            f"/privacy/candidates/{held_id}",
            "hr-panel-narrow",
        ),
    ):
        page.goto(live_server + url)
        no_sideways_scroll(page)
        shoot(page, name, lang)
