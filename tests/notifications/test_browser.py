"""The bell in Chromium: a reviewer is assigned an item, sees the count in the top bar (its
accessible name says it), opens the list, opens the notification and lands on the item; the
count is gone. The list is then read in Chinese. Screenshots go to the test's tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from hirebench.extensions import db
from hirebench.models import Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics
from tests.browser.conftest import browser, live_server, login, page  # noqa: F401
from tests.factories import portfolio_item, row

pytestmark = pytest.mark.browser

RUBRIC = PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


def test_the_bell_leads_to_the_assigned_item(
    app: Flask,
    make_user: Callable[..., User],
    live_server: str,  # noqa: F811
    page: Page,  # noqa: F811
    tmp_path: Path,
) -> None:
    reviewer = make_user(Role.reviewer, email="rita@example.com", name="Rita")
    candidate = make_user(Role.candidate, email="chen@example.com", name="陈静")
    login(page, live_server, reviewer.email)
    bell = page.locator("a.hb-bell >> visible=true")
    expect(bell).to_have_attribute("aria-label", "Notifications, none unread")

    with app.app_context():
        rubrics.load_files([RUBRIC])
        item = portfolio_item(row(User, candidate.id), title="Query intent guideline")
        db.session.commit()
        item_id = item.id

    page.reload()
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(bell.locator(".badge")).to_have_text("1")
    page.screenshot(path=str(tmp_path / "bell-en.png"))
    bell.click()
    expect(page.locator("h1")).to_have_text("Notifications")
    expect(page.get_by_text("New review: Query intent guideline")).to_be_visible()
    page.screenshot(path=str(tmp_path / "list-en.png"), full_page=True)

    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/review/items/{item_id}")
    expect(bell).to_have_attribute("aria-label", "Notifications, none unread")
    assert "陈静" not in page.content()  # blind review

    page.goto(live_server + "/notifications/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh_Hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.screenshot(path=str(tmp_path / "list-zh.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
