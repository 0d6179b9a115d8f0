"""From the scorecard to the first day, in Chromium, in English and in Chinese (chosen with the
app's language switch): HR makes an offer above the budget from the scorecard page, the
approver the job profile names approves it, HR sends it, the candidate reads it and accepts by
typing their name, then works through the onboarding checklist (an upload, the personal-details
form, a task marked done), and HR reads the progress. The acceptance is in the outbox for the
subscribed endpoint, and a real receiver on 127.0.0.1 (tests/outbox/receiver.py, verifying
with standardwebhooks) gets it signed once the dispatcher runs.

Screenshots of every step, at 1280 px and at 390 px, go to $HIREBENCH_SCREENSHOTS (or the
test's tmp_path), to be looked at."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.extensions import db
from hirebench.models import (
    DeliveryStatus,
    Offer,
    OfferStatus,
    Onboarding,
    Role,
    User,
    WebhookDelivery,
    WebhookMessage,
)
from hirebench.outbox import dispatcher, webhooks
from hirebench.services.demo_offers import demo_id_number, medical_report_pdf
from tests.browser.conftest import browser, live_server, login, screenshot_folder  # noqa: F401 - fixtures
from tests.factories import row
from tests.offers import apply, make_job
from tests.outbox.receiving import ReceiverProcess

pytestmark = pytest.mark.browser

APPROVER = "lead@example.com"
CANDIDATE = "chen.jing@example.com"
CANDIDATE_NAME = "陈静"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


@dataclass(frozen=True)
class World:
    job_id: int
    candidate_id: int
    endpoint_id: int


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    made = ReceiverProcess(webhooks.new_secret(), tmp_path / "received.jsonl")
    yield made
    made.kill()


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User], receiver: ReceiverProcess) -> World:
    make_user(Role.hr, email="hr@example.com", name="王芳")
    make_user(Role.business, email=APPROVER, name="Bella Lead")
    make_user(Role.candidate, email=CANDIDATE, name=CANDIDATE_NAME)
    with app.test_request_context():
        job = make_job(approver={"user": APPROVER})
        candidate = db.session.scalars(sa.select(User).filter_by(email=CANDIDATE)).one()
        apply(row(User, candidate.id), job, "hire")
        endpoint = webhooks.create_endpoint(
            receiver.url, "offer.accepted,offer.declined", by=None, allow_private=True
        )
        db.session.commit()
        receiver.secret = endpoint.secret
        return World(job.id, candidate.id, endpoint.id)


class Shots:
    """Numbered screenshots, one file per step and language, full page."""

    def __init__(self, folder: Path, tag: str) -> None:
        self.folder = folder
        self.tag = tag
        self.count = 0

    def __call__(self, page: Any, name: str) -> None:
        self.count += 1
        path = self.folder / f"{self.tag}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)


def open_as(chromium: Any, base: str, email: str, language: str) -> Any:
    """A logged-in page; for Chinese, switched with the language menu in the top bar."""
    context = chromium.new_context(locale="en-US", viewport=WIDE)
    page = context.new_page()
    login(page, base, email)
    if language != "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", language)
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
    return page


def fill_offer(page: Any, start: date) -> None:
    values = {
        "grade": "P6",
        "monthly_salary": "23,500",  # the budget is 20,000
        "salary_months": "13",
        "probation_salary": "21000",
        "probation_months": "3",
        "insurance_base": "23500",
        "daily_hours": "8",
        "core_hours": "10:00-16:00",
        "location": "上海市浦东新区张江高科技园区碧波路 690 号",
        "start_date": start.isoformat(),
        "valid_until": (date.today() + timedelta(days=7)).isoformat(),
        "terms": "A laptop is provided. 15 days of paid leave a year.",
    }
    for name, value in values.items():
        page.fill(f"[name={name}]", value)
    page.select_option("[name=hours_scheme]", "flexible")


def hr_makes_and_sends(hr: Any, approver: Any, shot: Shots, base: str, w: World) -> str:
    """From the scorecard to a sent offer; returns the offer page's URL."""
    hr.goto(f"{base}/hr/jobs/{w.job_id}/candidates/{w.candidate_id}")
    shot(hr, "scorecard")
    hr.click("a[data-link=offer]")
    hr.wait_for_selector("form.offer-form")
    assert hr.locator("[data-recommendation=hire]").count() == 1
    fill_offer(hr, date.today() + timedelta(days=10))
    shot(hr, "offer-form")
    hr.click("form.offer-form button[type=submit]")
    hr.wait_for_selector("[data-status=draft]")
    hr.click("form[action$='request-approval'] button")
    hr.wait_for_selector("[data-status=awaiting_approval]")
    shot(hr, "offer-awaiting-approval")
    offer_url = str(hr.url)

    approver.goto(offer_url)
    shot(approver, "approver-sees-offer")
    approver.click("[data-action=approve]")
    approver.wait_for_selector("[data-status=approved]")

    hr.reload()
    hr.click("[data-action=send]")
    hr.wait_for_selector("[data-status=sent]")
    shot(hr, "offer-sent")
    return offer_url


def candidate_accepts(candidate: Any, shot: Shots, base: str) -> None:
    candidate.goto(f"{base}/offers/")
    shot(candidate, "candidate-offers")
    candidate.click("a[href*='/offers/']:not([href$='/offers/'])")
    candidate.wait_for_selector("#accept")
    shot(candidate, "candidate-offer")
    candidate.fill("[name=full_name]", "Chen Jing")
    candidate.click("#accept button[type=submit]")
    candidate.wait_for_load_state()
    shot(candidate, "candidate-wrong-name")
    candidate.wait_for_selector("[role=alert], .error")
    candidate.fill("[name=full_name]", "陈 静")
    candidate.click("#accept button[type=submit]")
    candidate.wait_for_selector("[data-status=accepted]")
    shot(candidate, "candidate-accepted")


def candidate_onboards(candidate: Any, shot: Shots, base: str, tmp_path: Path) -> None:
    candidate.goto(f"{base}/onboarding/")
    shot(candidate, "onboarding-list")
    if candidate.locator("#checklist").count() == 0:
        candidate.click("a[href*='/onboarding/']:not([href$='/onboarding/'])")
    candidate.wait_for_selector("#checklist")
    shot(candidate, "onboarding-checklist")
    report = tmp_path / "medical-report.pdf"
    report.write_bytes(medical_report_pdf())
    row_ = candidate.locator("li[data-task=medical-report]")
    row_.locator("input[type=file]").set_input_files(str(report))
    row_.locator("button[type=submit]").click()
    candidate.wait_for_selector("li[data-task=medical-report][data-done=yes]")
    candidate.select_option("[name=id_type]", "prc_id")
    candidate.fill("[name=id_number]", demo_id_number())
    candidate.fill("[name=bank_name]", "招商银行上海张江支行")
    candidate.fill("[name=bank_account]", "6225 8801 2345 6789")
    candidate.click("#personal button[type=submit]")
    candidate.wait_for_selector("[data-field=personal-saved]")
    candidate.click("li[data-task=handbook] form[action$='/done'] button")
    candidate.wait_for_selector("li[data-task=handbook][data-done=yes]")
    shot(candidate, "onboarding-progress")


def hr_reads_progress(hr: Any, shot: Shots, base: str) -> None:
    hr.goto(f"{base}/onboarding/hr/")
    assert hr.locator("[data-field=progress]").inner_text() == "3/9"
    shot(hr, "hr-onboarding-list")
    hr.click("tr[data-onboarding] a")
    hr.wait_for_selector("#checklist")
    assert "6789" in hr.locator("[data-field=bank-account]").inner_text()
    assert "2345" not in hr.locator("[data-field=bank-account]").inner_text()
    hr.click("tr[data-task=it-account] form button")
    hr.wait_for_selector("tr[data-task=it-account][data-done=yes]")
    shot(hr, "hr-onboarding-detail")


def narrow_shots(pages: dict[str, Any], shot: Shots, base: str, offer_url: str) -> None:
    """The same pages on a phone-sized screen: none may scroll sideways."""
    too_wide = {}
    for who, path in (
        ("candidate", "/offers/"),
        ("candidate", "/onboarding/"),
        ("hr", "/onboarding/hr/"),
        ("hr", offer_url.removeprefix(base)),
    ):
        page = pages[who]
        page.set_viewport_size(NARROW)
        page.goto(base + path)
        if page.locator("#checklist").count() == 0 and path == "/onboarding/":
            page.click("a[href*='/onboarding/']:not([href$='/onboarding/'])")
            page.wait_for_selector("#checklist")
        shot(page, f"narrow-{who}-{path.strip('/').replace('/', '-')}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            too_wide[path] = width
    assert not too_wide, f"pages that scroll sideways at 390 px: {too_wide}"


def check_webhook(app: Flask, receiver: ReceiverProcess, w: World) -> None:
    """The acceptance waits in the outbox for the endpoint; one dispatcher run delivers it,
    signed, to the receiver, which verified it."""
    with app.app_context():
        message = db.session.scalars(
            sa.select(WebhookMessage).where(WebhookMessage.event_type == "offer.accepted")
        ).one()
        message_id, body = message.id, json.loads(message.body)
        delivery = db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.message_id == message_id)
        ).one()
        delivery_id = delivery.id
        assert delivery.endpoint_id == w.endpoint_id
        assert delivery.status is DeliveryStatus.pending
    receiver.start()
    with app.app_context():
        stats = dispatcher.run_once()
        assert stats.claimed == 1
    with app.app_context():
        delivered = db.session.get(WebhookDelivery, delivery_id)
        assert delivered is not None and delivered.status is DeliveryStatus.delivered
    records = receiver.records()
    assert [(r["id"], r["type"]) for r in records] == [(message_id, "offer.accepted")]
    assert records[0]["headers"]["webhook-signature"].startswith("v1,")
    assert CANDIDATE_NAME in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_from_the_scorecard_to_the_first_day(
    app: Flask,
    world: World,
    receiver: ReceiverProcess,
    browser: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    tmp_path: Path,
    language: str,
) -> None:
    shot = Shots(screenshot_folder(tmp_path), language[:2])
    hr = open_as(browser, live_server, "hr@example.com", language)
    approver = open_as(browser, live_server, APPROVER, language)
    offer_url = hr_makes_and_sends(hr, approver, shot, live_server, world)
    candidate = open_as(browser, live_server, CANDIDATE, language)
    candidate_accepts(candidate, shot, live_server)
    candidate_onboards(candidate, shot, live_server, tmp_path)
    hr_reads_progress(hr, shot, live_server)

    with app.app_context():
        offer = db.session.scalars(sa.select(Offer)).one()
        assert offer.status is OfferStatus.accepted and offer.accepted_name == "陈 静"
        assert offer.approved_by is not None and offer.approved_by.email == APPROVER
        onboarding = db.session.scalars(sa.select(Onboarding)).one()
        done = sorted(task.key for task in onboarding.tasks if task.done)
        assert done == ["handbook", "it-account", "medical-report", "personal-details"]
    check_webhook(app, receiver, world)
    narrow_shots({"hr": hr, "candidate": candidate}, shot, live_server, offer_url)
