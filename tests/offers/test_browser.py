"""The offer in a real browser (Chromium through Playwright), in English and Chinese: HR makes
an offer above the budget, the admin approves it, HR sends it, and the candidate reads the
letter and accepts by typing their name. Screenshots of each page go to
$HIREBENCH_SCREENSHOTS (or the test's tmp_path), to be looked at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import Offer, OfferStatus, User
from tests.browser.conftest import browser, live_server, login, screenshot_folder  # noqa: F401 - fixtures
from tests.offers import apply, cast, make_job, terms

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_offer_from_form_to_acceptance(
    app: Flask,
    make_user: Callable[..., User],
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    tmp_path: Path,
    locale: str,
) -> None:
    with app.test_request_context():
        people = cast(make_user)
        job = make_job()
        apply(people.candidate, job)
        job_id, candidate_id = job.id, people.candidate.id
    folder = screenshot_folder(tmp_path)
    tag = locale[:2]

    def as_user(email: str) -> Any:
        context = browser.new_context(locale=locale)
        page = context.new_page()
        login(page, live_server, email)
        return page

    hr = as_user("hr@example.com")
    hr.goto(f"{live_server}/hr/offers/new/{job_id}/{candidate_id}")
    values = terms(monthly_salary="23000", probation_salary="20000")
    for name, value in values.items():
        if name == "social_insurance":
            continue  # checked by default
        if name == "hours_scheme":
            hr.select_option(f"[name={name}]", value)
        else:
            hr.fill(f"[name={name}]", value)
    hr.screenshot(path=str(folder / f"offer-form-{tag}.png"), full_page=True)
    hr.click("form.offer-form button[type=submit]")
    hr.wait_for_url(lambda url: "/new/" not in url)
    assert hr.locator("[data-status=draft]").count() == 1
    hr.click("text=Ask for approval" if tag == "en" else "form[action$='request-approval'] button")
    hr.wait_for_selector("[data-status=awaiting_approval]")

    admin = as_user("admin@example.com")
    admin.goto(hr.url)
    admin.screenshot(path=str(folder / f"offer-approval-{tag}.png"), full_page=True)
    admin.click("[data-action=approve]")
    admin.wait_for_selector("[data-status=approved]")

    hr.reload()
    hr.click("[data-action=send]")
    hr.wait_for_selector("[data-status=sent]")
    hr.screenshot(path=str(folder / f"offer-hr-{tag}.png"), full_page=True)

    candidate = as_user("li.wei@example.com")
    candidate.goto(f"{live_server}/offers/")
    assert candidate.locator("[data-status=sent]").count() == 1
    with candidate.expect_popup() as popup:
        candidate.click("a[href$='letter.pdf']")
    assert popup.value.url.endswith("letter.pdf")
    candidate.screenshot(path=str(folder / f"offer-candidate-{tag}.png"), full_page=True)
    candidate.fill("[name=full_name]", "Wei Li")
    candidate.click("#accept button[type=submit]")
    assert candidate.locator(".error, [role=alert], .flash").count() >= 1
    candidate.fill("[name=full_name]", "li wei")
    candidate.click("#accept button[type=submit]")
    candidate.wait_for_selector("[data-status=accepted]")
    candidate.screenshot(path=str(folder / f"offer-accepted-{tag}.png"), full_page=True)

    with app.app_context():
        offer = db.session.scalars(sa.select(Offer)).one()
        assert offer.status is OfferStatus.accepted and offer.accepted_name == "li wei"
        assert offer.accepted_ip == "127.0.0.1" and "Chrome" in offer.accepted_user_agent
