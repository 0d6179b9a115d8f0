"""Every role's main pages in Chromium with a Chinese browser, on the demo data: the visible
text must not hold a run of English words (two or more Latin words of two or more letters in
a row). Names, codes and proper nouns are allowed through a short whitelist; so is what a
person wrote (exam prompts, answers, comments), which the pages mark with `lang` or show in
<code>/<pre>, and form controls, whose text the user typed.

One test walks all the pages and reports every leftover at once, so a failure lists all the
English left rather than the first."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from playwright.sync_api import Page

from hirebench.extensions import db
from hirebench.models import (
    Attempt,
    AttemptStatus,
    Interview,
    Job,
    Panelist,
    ReviewAssignment,
    ReviewItem,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.services.demo import DEMO_ACCOUNTS, DEMO_JOB_TITLE, SAMPLE_EXAM
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# Two or more Latin words of two or more letters in a row ("Submitted at", "data-work"), on
# one line: text nodes are joined with newlines, which must not join two of them into a run.
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’]+(?:[ \t\u00a0\-_/]+[A-Za-z][A-Za-z'’]+)+")
# Authored text written "English · 中文" (titles in the demo's YAML files): its English half.
BILINGUAL = re.compile(r"[A-Za-z][^·\n]*?\s·\s*(?=[\u3400-\u9fff])")
PATH = re.compile(r"\b[\w.-]+/[\w./-]+\.(?:md|yaml|csv|json)\b|\bdocs/[\w.-]+")

# Names, codes and proper nouns that stay in Latin letters in a Chinese UI, and the demo's
# own data (people, the job, authored exam/rubric/bank titles the demo keeps bilingual).
WHITELIST = [
    "hirebench",
    "Python",
    "pandas",
    "CSV",
    "XLSX",
    "PDF",
    "JSON",
    "API",
    "YAML",
    "Markdown",
    "UTC",
    "Docker",
    "URL",
    "ID",
    "Cohen's kappa",
    "Krippendorff's alpha",
    "kappa",
    "alpha",
    "ICC",
    "Bearer",
    DEMO_JOB_TITLE,
    "Data Annotation & Model Training",
    *(account.name for account in DEMO_ACCOUNTS),
    "Mei Lin",
    "Zhou Jie",
    "Bella Business",
]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The seed submits exam attempts; with no grading threads their coding jobs stay queued,
    # so no sandbox (Docker) is needed.
    return {**app_config, "GRADING_WORKERS": 0}


# The visible text of the page, leaving out what the user typed or authored and code.
VISIBLE_TEXT_JS = """
() => {
  const skip = 'code, pre, script, style, input, textarea, select, option, [lang]:not(html), '
    + '[data-authored], .code-editor, .prompt, .prewrap, .rendered, [translate=no]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility()) continue;
    parts.push(node.textContent);
  }
  return parts.join('\\n');
}
"""
EMAIL = re.compile(r"\S+@\S+")
URL = re.compile(r"https?://\S+")


def english_runs(text: str, authored: str = "") -> list[str]:
    """The runs of English words in `text` that are neither whitelisted nor found in
    `authored` (what people wrote: exam content, rubrics, the interview bank, demo data)."""
    text = PATH.sub(" · ", URL.sub(" · ", EMAIL.sub(" · ", text)))
    text = BILINGUAL.sub(" · ", text)
    for allowed in sorted(WHITELIST, key=len, reverse=True):
        text = text.replace(allowed, " · ")
    return [run for run in ENGLISH_RUN.findall(text) if _plain(run) not in authored]


def _plain(text: str) -> str:
    """Text without Markdown marks and with single spaces, as authored text is compared."""
    return " ".join(re.sub(r"[`*]", "", text).split())


# Keys whose values are ids, not words: they must still be shown as a person's label.
ID_KEYS = {"id", "tag", "competency", "grader", "exam", "type", "field", "op"}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ID_KEYS:
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def authored_text() -> str:
    """Everything people wrote that the demo shows: exam, rubric, bank and profile texts (not
    their ids), sample data, and the demo's own portfolio cases, answers and resumes."""
    parts: list[str] = []
    for path in sorted((PROJECT_ROOT / "exams").rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            parts.extend(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
        elif path.suffix in (".csv", ".md"):
            parts.append(path.read_text(encoding="utf-8"))
    demo = PROJECT_ROOT / "hirebench" / "services"
    # The seeders' own data: people (the past cohort's names), cases, offers' terms.
    for path in (
        demo / "demo.py",
        demo / "demo_reviews.py",
        demo / "demo_analytics.py",
        demo / "demo_offers.py",
    ):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts.extend(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
    for path in (PROJECT_ROOT / "graders").rglob("*.py"):
        parts.append(path.read_text(encoding="utf-8"))  # the demo's code answers
    corpus = PROJECT_ROOT / "bench" / "resumes" / "corpus"
    parts.append((corpus / "expected.json").read_text(encoding="utf-8"))
    # Some resumes are in GB18030, as Chinese Windows saves them; names are what matter here.
    parts.extend(p.read_bytes().decode("utf-8", "ignore") for p in corpus.glob("*.txt"))
    return "\n".join(_plain(part) for part in parts)


def test_english_runs_finds_leftovers_and_ignores_the_whitelist() -> None:
    assert english_runs("已提交 Submitted at 10:00") == ["Submitted at"]
    assert english_runs("能力 data-work") == ["data-work"]
    assert english_runs("Python 数据清洗 · pandas · 王芳 (HR) · a@b.example") == []
    assert english_runs(f"{DEMO_JOB_TITLE} · 月薪 15000") == []
    assert english_runs("Technical skill · 技术能力") == []  # bilingual authored text
    assert english_runs("见 docs/api.md") == []
    assert english_runs("Tell me about it", "Tell me about it, please") == []
    assert english_runs("Tell me about it", "") == ["Tell me about it"]
    # An id is not authored text, even though the YAML files hold it.
    assert "explain-gd" not in authored_text()


@dataclass(frozen=True)
class DemoIds:
    job: int
    candidate: int  # one who submitted an exam (candidate4)
    attempt: int  # candidate4's submitted attempt
    in_progress: int  # candidate2's attempt
    review_item: int
    reviewer: str
    interview: int
    interviewer: str


def _demo_ids(app: Flask) -> DemoIds:
    with app.app_context():

        def user(email: str) -> User:
            found = db.session.scalar(sa.select(User).where(User.email == email))
            assert found is not None, email
            return found

        def attempt_of(email: str) -> Attempt:
            found = db.session.scalar(
                sa.select(Attempt).where(Attempt.candidate_id == user(email).id)
            )
            assert found is not None, email
            return found

        job = db.session.scalar(sa.select(Job).where(Job.title == DEMO_JOB_TITLE))
        submitted = attempt_of("candidate4@demo.local")
        assert submitted.status is not AttemptStatus.in_progress
        assignment = db.session.scalar(
            sa.select(ReviewAssignment)
            .join(ReviewItem)
            .order_by(ReviewAssignment.submitted_at.is_(None).desc(), ReviewAssignment.id)
        )
        panelist = db.session.scalar(sa.select(Panelist).join(Interview).order_by(Panelist.id))
        assert job is not None and assignment is not None and panelist is not None
        return DemoIds(
            job=job.id,
            candidate=submitted.candidate_id,
            attempt=submitted.id,
            in_progress=attempt_of("candidate2@demo.local").id,
            review_item=assignment.item_id,
            reviewer=assignment.reviewer.email,
            interview=panelist.interview_id,
            interviewer=panelist.interviewer.email,
        )


def _pages(ids: DemoIds) -> list[tuple[str, list[str]]]:
    """(who logs in, the paths they open)."""
    job, cand = ids.job, ids.candidate
    return [
        (
            "hr@demo.local",
            [
                "/hr/",
                f"/hr/jobs/{job}",
                f"/hr/jobs/{job}/screening",
                f"/hr/jobs/{job}/profile",
                f"/hr/jobs/{job}/candidates/{cand}",
                "/hr/candidates",
                f"/hr/candidates/{cand}",
                "/hr/reviews",
                f"/hr/reviews/{ids.review_item}",
                "/hr/attempts",
                f"/hr/attempts/{ids.attempt}",
                "/hr/interviews",
                "/hr/agreement",
                "/hr/audit",
            ],
        ),
        (ids.reviewer, ["/review/", f"/review/items/{ids.review_item}"]),
        (ids.interviewer, ["/interview/", f"/interview/{ids.interview}"]),
        ("candidate1@demo.local", ["/exam/", f"/exam/exams/{SAMPLE_EXAM}", "/portfolio/"]),
        ("candidate2@demo.local", [f"/exam/attempts/{ids.in_progress}"]),
        ("candidate4@demo.local", ["/exam/", f"/exam/attempts/{ids.attempt}/result"]),
        ("admin@demo.local", ["/admin/", "/admin/tokens", "/admin/rubrics"]),
        ("business@demo.local", ["/business/", f"/business/jobs/{job}/candidates/{cand}"]),
    ]


def _check(page: Page, url: str, authored: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)
    assert page.locator("html").get_attribute("lang") == "zh-Hans", url
    return english_runs(page.evaluate(VISIBLE_TEXT_JS), authored)


def test_main_pages_have_no_english_left(live_server, browser, app, demo) -> None:  # type: ignore[no-untyped-def]
    ids = _demo_ids(app)
    authored = authored_text()
    leftovers: dict[str, list[str]] = {}
    for email, paths in _pages(ids):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        try:
            login(page, live_server, email)
            for path in paths:
                runs = _check(page, live_server + path, authored)
                if runs:
                    leftovers[f"{email} {path}"] = sorted(set(runs))
        finally:
            context.close()
    report = "\n".join(f"{where}: {runs}" for where, runs in leftovers.items())
    assert not leftovers, f"English left in the Chinese UI:\n{report}"
