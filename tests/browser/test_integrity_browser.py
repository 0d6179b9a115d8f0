"""The similarity evidence view in Chromium (issue 16): HR finds the flagged pair from the
exam's page, sees the copied fragment in the same colour on both sides and the starter line
greyed, the histogram drawn, records a decision, exports the one-file report, and reads the
same page in Chinese; a reviewer who grades blind sees candidate numbers. Screenshots go to
/tmp/integrity-*.png."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.integrity import jobs, service
from hirebench.models import Exam, Role, SimilarityPair, SimilarityRun, User
from tests.browser.conftest import login
from tests.exams import copy_fixture
from tests.integrity.conftest import CODING, RULES, SHORT, sit
from tests.integrity.material import COHORT

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp")  # noqa: S108 - screenshots for a person to look at, kept after the run


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "GRADING_WORKERS": 0, "GRADING_AUTOSTART": False}


@pytest.fixture
def compared(app: Flask, make_user: Callable[..., User], tmp_path: Path) -> Iterator[int]:
    """The mini exam sat by the test cohort and compared by the worker's code; the coding
    question's flagged pair (Ana and Eve's copy)."""
    made = {
        key: make_user(Role.candidate, email=f"{key}@example.com", name=name)
        for key, (name, *_rest) in COHORT.items()
    }
    make_user(Role.hr, email="hr@example.com", name="Hana HR")
    make_user(Role.reviewer, email="rev@example.com", name="Rui Reviewer")
    folder, graders = copy_fixture(tmp_path)
    with app.app_context():
        load_exam(folder, graders)
        exam = db.session.scalars(sa.select(Exam)).one()
        for key, (_name, code, text, annotation) in COHORT.items():
            user = db.session.get(User, made[key].id)
            assert user is not None
            sit(user, exam, {CODING: code, SHORT: text, RULES: annotation})
        service.queue_exam(exam)
        jobs.run_queued(budget_seconds=60)
        pair_id = db.session.scalar(
            sa.select(SimilarityPair.id)
            .join(SimilarityRun)
            .where(SimilarityRun.question_id == CODING, SimilarityPair.flagged)
        )
        assert pair_id is not None
    yield pair_id
    grading_queue.shutdown(app)


def _background(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor"))


def test_hr_reads_the_evidence_decides_and_exports(
    live_server: str, page: Any, compared: int, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "hr@example.com")
    page.goto(live_server + "/integrity/")
    page.click("[data-exam=mini] a")
    page.click(f"tr[data-pair='{compared}'] a")
    page.wait_for_selector("[data-side=a] tr.frag-0")
    assert "Ana Lima" in page.inner_text("[data-side=a] h3")
    assert "<script>" in page.inner_text("[data-side=b] h3")  # Eve's name, shown as text
    # The copied fragment has one colour, the same on both sides; the starter line is grey.
    left = _background(page, "[data-side=a] tr.frag-0 td.t")
    right = _background(page, "[data-side=b] tr.frag-0 td.t")
    assert left == right and left not in ("rgba(0, 0, 0, 0)", "transparent")
    starter = page.eval_on_selector(
        "[data-side=a] tr.starter td.t", "el => getComputedStyle(el).color"
    )
    assert starter != page.eval_on_selector("h1", "el => getComputedStyle(el).color")
    histogram = page.locator(".histogram svg[role=img]")
    assert histogram.is_visible() and "this pair scores" in str(
        histogram.get_attribute("aria-label")
    )
    page.screenshot(path=str(SHOTS / "integrity-evidence-en.png"), full_page=True)

    page.check("input[name=decision][value=confirmed]")
    page.fill("textarea[name=note]", "Same function with renamed variables.")
    page.click("form.decision-form button[type=submit]")
    page.wait_for_selector("[data-decision=confirmed]")
    assert "Same function with renamed variables." in page.inner_text("[data-summary]")

    with page.expect_download() as info:
        page.click("[data-export=html]")
    saved = tmp_path / "report.html"
    info.value.save_as(saved)
    report = saved.read_text(encoding="utf-8")
    assert "<script" not in report and "Same function with renamed variables." in report
    # The file opens on its own, with nothing to fetch, and looks like the page.
    offline = page.context.new_page()
    offline.route(
        "**/*",
        lambda route: route.abort() if route.request.url.startswith("http") else route.continue_(),
    )
    offline.goto(saved.as_uri())
    assert _background(offline, "[data-side=a] tr.frag-0 td.t") == left
    offline.screenshot(path=str(SHOTS / "integrity-report.png"), full_page=True)
    offline.close()

    page.select_option("select[name=language]", "zh_Hans")
    page.wait_for_selector("html[lang=zh-Hans]")
    page.wait_for_selector("[data-side=a] tr.frag-0")
    page.screenshot(path=str(SHOTS / "integrity-evidence-zh.png"), full_page=True)


def test_a_blind_reviewer_sees_candidate_numbers(
    app: Flask, live_server: str, page: Any, compared: int
) -> None:
    with app.app_context():
        pair = db.session.get(SimilarityPair, compared)
        assert pair is not None
        number = f"Candidate #{pair.candidate_a_id:04d}"
    login(page, live_server, "rev@example.com")
    page.goto(f"{live_server}/integrity/pairs/{compared}")
    assert page.inner_text("[data-side=a] h3") == number
    assert "Ana Lima" not in page.content()
    page.screenshot(path=str(SHOTS / "integrity-evidence-reviewer.png"), full_page=True)
