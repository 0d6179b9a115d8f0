"""Accommodations in Chromium (issue 19 item 1, issue 17 item 6): the timer with extra time
(a 1.5 factor shows 1.5 times the duration), a break that stops the clock and a resume that
lets it run on, HR's mid-exam extension reaching the open page without a reload, and the
time warnings announced once each. Then the consent page, HR's accommodation card and the
break screen in English and Chinese at 390 and 1366 px: screenshots for people to look at,
no sideways scroll, and no serious or critical axe-core violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from hirebench.exams import accommodations
from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import Attempt, Role, User
from hirebench.models.base import utcnow
from hirebench.paths import PROJECT_ROOT
from tests.browser.conftest import login, screenshot_folder

pytestmark = pytest.mark.browser

FIXTURES = PROJECT_ROOT / "tests" / "exams" / "fixtures"
TIMER = re.compile(r"^(\d+):(\d\d)$")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The page polls its clock every second here (20 s in production), so an extension shows
    # within the test's patience.
    return {
        **app_config,
        "GRADING_WORKERS": 0,
        "GRADING_AUTOSTART": False,
        "EXAM_CLOCK_POLL_SECONDS": 1,
    }


@pytest.fixture
def mini(app: Flask) -> Any:
    with app.app_context():
        slug = load_exam(FIXTURES / "exams" / "mini", FIXTURES / "graders").exam.slug
    yield slug
    grading_queue.shutdown(app)


@pytest.fixture
def candidate(app: Flask, make_user: Callable[..., User]) -> Callable[..., User]:
    def make(**granted: Any) -> User:
        user = make_user(Role.candidate, name="林小雨")
        with app.app_context():
            stored = db.session.get(User, user.id)
            assert stored is not None
            for key, value in granted.items():
                setattr(stored, key, value)
            db.session.commit()
        return user

    return make


def _seconds(page: Page) -> int:
    text = page.locator("[data-timer]").inner_text().strip()
    match = TIMER.match(text)
    assert match, text
    return int(match.group(1)) * 60 + int(match.group(2))


def _start(page: Page, base: str, slug: str) -> int:
    page.goto(f"{base}/exam/exams/{slug}")
    page.check("input[name=consent]")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/exam/attempts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _attempt(app: Flask, attempt_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        db.session.expunge(attempt)
        return attempt


def test_extra_time_shows_one_and_a_half_times_the_duration(
    app: Flask, page: Page, live_server: str, mini: str, candidate: Callable[..., User]
) -> None:
    user = candidate(extra_time_factor=1.5)
    login(page, live_server, user.email)
    page.goto(f"{live_server}/exam/exams/{mini}")
    expect(page.locator("[data-accommodation]")).to_contain_text("45 minutes instead of 30")
    _start(page, live_server, mini)
    expect(page.locator("[data-allowed]")).to_contain_text("Time allowed: 45 min")
    assert 44 * 60 < _seconds(page) <= 45 * 60
    page.wait_for_timeout(1500)
    assert _seconds(page) < 45 * 60  # and it runs


def test_a_break_stops_the_clock_and_resuming_continues_it(
    app: Flask, page: Page, live_server: str, mini: str, candidate: Callable[..., User]
) -> None:
    user = candidate(break_count=1, break_minutes=5)
    login(page, live_server, user.email)
    attempt_id = _start(page, live_server, mini)
    deadline = _attempt(app, attempt_id).deadline_at
    page.locator('article[data-question="gd-step"] input[value="a"]').check()

    page.click("[data-take-break]")
    expect(page.locator("[data-break-confirm]")).to_contain_text("5 minutes")
    page.click("[data-break-start]")
    screen = page.locator("[data-break-screen]")
    expect(screen).to_be_visible()
    expect(page.get_by_role("heading", name="You are on a break")).to_be_focused()
    # The questions are gone while the clock is stopped; what was answered is saved.
    expect(page.locator("[data-question]").first).to_be_hidden()
    expect(page.locator("[data-take-break]")).to_be_hidden()
    frozen = _seconds(page)
    break_left = screen.locator("[data-break-left]").inner_text()
    page.wait_for_timeout(2500)
    assert _seconds(page) == frozen
    assert screen.locator("[data-break-left]").inner_text() != break_left  # it counts down
    assert _attempt(app, attempt_id).deadline_at == deadline + timedelta(minutes=5)

    page.click("[data-resume]")
    expect(screen).to_be_hidden()
    expect(page.locator("[data-question]").first).to_be_visible()
    resumed = _seconds(page)
    assert frozen - 2 <= resumed <= frozen
    page.wait_for_timeout(2000)
    assert _seconds(page) < resumed  # running again
    attempt = _attempt(app, attempt_id)
    assert attempt.break_started_at is None and attempt.breaks_taken == 1
    paused = timedelta(seconds=attempt.paused_seconds)
    assert timedelta(seconds=2) <= paused <= timedelta(seconds=15)
    assert abs(attempt.deadline_at - (deadline + paused)) < timedelta(seconds=1)


def test_an_extension_by_hr_reaches_the_open_page_without_a_reload(
    app: Flask,
    page: Page,
    live_server: str,
    mini: str,
    candidate: Callable[..., User],
    make_user: Callable[..., User],
) -> None:
    user = candidate()
    hr = make_user(Role.hr)
    login(page, live_server, user.email)
    attempt_id = _start(page, live_server, mini)
    page.evaluate("window.__sameDocument = true")
    before = _seconds(page)
    assert before <= 30 * 60
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        accommodations.extend_attempt(attempt, 10, "A fire drill", by=db.session.get(User, hr.id))
        db.session.commit()
    expect(page.locator("[data-time-warning]")).to_have_text(
        "You were given 10 more minutes.", timeout=10_000
    )
    expect(page.locator("[data-time-announce]")).to_have_text("You were given 10 more minutes.")
    assert _seconds(page) > 39 * 60
    expect(page.locator("[data-allowed]")).to_contain_text("Time allowed: 40 min")
    assert page.evaluate("window.__sameDocument") is True  # no reload


def test_the_time_warnings_are_announced_once_each(
    app: Flask, page: Page, live_server: str, mini: str, candidate: Callable[..., User]
) -> None:
    user = candidate(extra_time_factor=2.0)
    login(page, live_server, user.email)
    attempt_id = _start(page, live_server, mini)
    # Warnings follow the candidate's own deadline: here 15 minutes and 3 seconds away.
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        attempt.deadline_at = utcnow() + timedelta(minutes=15, seconds=3)
        db.session.commit()
    page.reload()
    warning = page.locator("[data-time-warning]")
    expect(warning).to_be_hidden()
    expected = "15 minutes left. The exam is submitted automatically when the time is up."
    expect(warning).to_have_text(expected, timeout=8_000)
    announcer = page.locator("[data-time-announce]")
    expect(announcer).to_have_attribute("aria-live", "assertive")
    expect(announcer).to_have_text(expected)
    # A reload does not say it again.
    page.reload()
    page.wait_for_timeout(1500)
    expect(warning).to_be_hidden()
    expect(announcer).to_have_text("")


# ------------------------------------------------------------------------------ looks, axe


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _in_language(page: Page, base: str, language: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})  # the menu folds on a phone
    page.goto(base + "/account/password")
    with page.expect_navigation():
        page.select_option("select[name=language]", language)


def test_the_pages_in_both_languages_pass_axe_without_sideways_scroll(
    app: Flask,
    browser: Browser,
    live_server: str,
    mini: str,
    candidate: Callable[..., User],
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    folder = screenshot_folder(tmp_path / "accommodations")
    waiting = candidate(extra_time_factor=1.5, break_count=2, break_minutes=10)
    pausing = candidate(extra_time_factor=1.25, break_count=1, break_minutes=10)
    hr = make_user(Role.hr)
    with app.app_context():
        stored = db.session.get(User, waiting.id)
        assert stored is not None
        stored.accommodation_note = "Dyslexia report on file · 读写障碍证明已存档"
        db.session.commit()

    sessions = {}
    for user in (waiting, pausing, hr):
        context = browser.new_context(locale="en-US")
        sessions[user.email] = context.new_page()
        login(sessions[user.email], live_server, user.email)
    on_break = sessions[pausing.email]
    attempt_id = _start(on_break, live_server, mini)
    on_break.click("[data-take-break]")
    on_break.click("[data-break-start]")
    expect(on_break.locator("[data-break-screen]")).to_be_visible()

    pages = [
        (waiting.email, "consent", f"/exam/exams/{mini}"),
        (hr.email, "hr-accommodation", f"/hr/candidates/{pausing.id}"),
        (hr.email, "hr-accommodation-note", f"/hr/candidates/{waiting.id}"),
        (pausing.email, "break", f"/exam/attempts/{attempt_id}"),
    ]
    axe = Axe()
    found: dict[str, list[str]] = {}
    for language in ("en", "zh_Hans"):
        for page in sessions.values():
            _in_language(page, live_server, language)
        for email, name, path in pages:
            page = sessions[email]
            for width in (390, 1366):
                page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
                page.goto(live_server + path)
                if name.startswith("hr-"):
                    page.locator("[data-accommodation-fields] > summary").click()
                expect(page.get_by_role("heading", level=1)).to_be_visible()
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                    f"{name} scrolls sideways at {width}px in {language}"
                )
                page.screenshot(path=str(folder / f"{name}-{language}-{width}.png"), full_page=True)
                if problems := _serious(axe.run(page)):
                    found[f"{language} {width}px {name}"] = problems
    for page in sessions.values():
        page.context.close()
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None and attempt.breaks_taken == 1
    assert len(list(folder.glob("*.png"))) == len(pages) * 2 * 2
