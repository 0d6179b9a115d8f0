"""HR's New hires page in Chromium, in English and Chinese: the list with masked numbers, the
filter, and the CSV export downloaded through the button. Screenshots go to tmp_path (or to
$HIREBENCH_SCREENSHOTS when set, to look at them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hirebench.extensions import db
from hirebench.models import Role, User
from tests.browser.conftest import browser, live_server, login, screenshot_folder  # noqa: F401 - fixtures
from tests.handoff import helpers
from tests.handoff.helpers import ID_NUMBER

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_hr_lists_and_exports_new_hires(
    app: Flask,
    make_user: Callable[..., User],
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
    locale: str,
) -> None:
    hr = make_user(Role.hr, name="Hu Rong")
    with app.app_context():
        hire = helpers.offer()
        helpers.onboard(hire)
        helpers.offer(on_job=hire.job, person=helpers.candidate("李娜"))
        db.session.commit()
    context = browser.new_context(locale=locale, accept_downloads=True)
    page = context.new_page()
    try:
        login(page, live_server, hr.email)
        page.goto(live_server + "/hr/hires/")
        text = page.inner_text("main")
        assert "张伟" in text and "李娜" in text and "**************123X" in text
        assert ID_NUMBER not in page.content()
        page.screenshot(
            path=str(screenshot_folder(tmp_path) / f"hires-{locale}.png"), full_page=True
        )

        page.fill("input[name=from]", "2026-03-02")
        page.fill("input[name=to]", "2026-03-02")
        page.click("#hires-filter button[type=submit]")
        page.wait_for_url(lambda url: "from=2026-03-02" in url)
        with page.expect_download() as download_info:
            page.click("a[data-export=csv]")
        download = download_info.value
        assert download.suggested_filename == "hires-all-jobs-from-2026-03-02-to-2026-03-02.csv"
        data = Path(download.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and "张伟".encode() in data
    finally:
        context.close()
