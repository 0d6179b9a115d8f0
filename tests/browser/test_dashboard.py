"""HR's job dashboard in Chromium: the demo job's candidates ranked by composite, re-sorted by
a competency (both directions, candidates without a score last), one candidate's scorecard
opened from the table, then the XLSX export of the dashboard and the one-page PDF of the
scorecard, each downloaded and read back.

The data is the demo seed: the job "AI Trainer — e-commerce" with its profile and five
applications, some with scores and some with none yet."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from hirebench.services.demo import DEMO_ACCOUNTS
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

HR = "hr@demo.local"
JOB_TITLE = "AI Trainer — e-commerce"
# Every demo candidate (seed_demo) applies to the demo job.
CANDIDATES = sum(1 for account in DEMO_ACCOUNTS if account.role.value == "candidate")
COMPETENCY = "c:communication"
NO_SCORE = "—"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The seed submits exam attempts; with no grading threads their coding jobs stay queued,
    # so no sandbox (Docker) is needed.
    return {**app_config, "GRADING_WORKERS": 0}


def _column(page: Page, key: str) -> int:
    """The index of the dashboard column whose header sorts by `key`."""
    keys: list[str] = page.locator("table.dashboard thead th").evaluate_all(
        "ths => ths.map(th => th.querySelector('[data-sort]')?.dataset.sort ?? '')"
    )
    return keys.index(key)


def _rows(page: Page) -> list[tuple[str, list[str]]]:
    """(candidate id, the cells' visible texts) for every row, top to bottom."""
    rows: list[list[Any]] = page.locator("table.dashboard tbody tr[data-candidate]").evaluate_all(
        "trs => trs.map(tr => [tr.dataset.candidate, [...tr.cells].map(td => td.innerText)])"
    )
    return [(str(cid), [str(text).strip() for text in cells]) for cid, cells in rows]


def _scores(page: Page, key: str) -> list[float | None]:
    if key == "composite":  # a score chip: its number is the cell's data-composite
        shown = page.locator("table.dashboard tbody [data-composite]").evaluate_all(
            "tds => tds.map(td => td.dataset.composite)"
        )
    else:
        index = _column(page, key)
        shown = [cells[index].splitlines()[0].strip() for _cid, cells in _rows(page)]
    return [None if text == NO_SCORE else float(text) for text in shown]


def _partial(page: Page) -> list[bool]:
    """Whether each row's composite carries the "partial: n of m stages" badge."""
    return page.locator("table.dashboard tbody tr[data-candidate]").evaluate_all(
        "trs => trs.map(tr => !!tr.querySelector('[data-partial]'))"
    )


def _assert_ranked(scores: list[float | None], descending: bool) -> None:
    numbers = [s for s in scores if s is not None]
    assert numbers, scores
    assert scores[: len(numbers)] == numbers, f"a score after a {NO_SCORE}: {scores}"
    assert numbers == sorted(numbers, reverse=descending), scores


def _sort_by(page: Page, key: str, expected: str) -> None:
    page.locator(f"table.dashboard thead [data-sort='{key}']").click()
    header = page.locator(f"table.dashboard thead th:has([data-sort='{key}'])")
    expect(header).to_have_attribute("aria-sort", expected)
    expect(header).to_contain_text("▼" if expected == "descending" else "▲")


def test_dashboard_sort_scorecard_and_exports(live_server, page, app, demo) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # From the HR home to the job's dashboard, ranked by composite (highest first).
    login(page, live_server, HR)
    page.goto(live_server + "/hr/")
    page.locator("section.hb-job-card").get_by_role("link", name=JOB_TITLE).click()
    page.wait_for_url(re.compile(r".*/hr/jobs/\d+$"))
    dashboard_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(JOB_TITLE)
    expect(page.locator("main")).to_contain_text(f"{CANDIDATES} candidates with a scorecard")
    rows = page.locator("table.dashboard tbody tr[data-candidate]")
    expect(rows).to_have_count(CANDIDATES)
    composite_header = page.locator("table.dashboard thead th:has([data-sort='composite'])")
    expect(composite_header).to_have_attribute("aria-sort", "descending")
    # Complete records first, then partial composites (marked), each best first; no score last.
    composites = _scores(page, "composite")
    partial = _partial(page)
    assert any(partial) and not all(partial), partial
    complete = [s for s, p in zip(composites, partial, strict=True) if not p and s is not None]
    marked = [s for s, p in zip(composites, partial, strict=True) if p]
    assert composites[: len(complete) + len(marked)] == complete + marked, (composites, partial)
    _assert_ranked(complete, descending=True)
    _assert_ranked(marked, descending=True)
    assert composites[-1] is None, composites  # the demo has candidates with no score yet

    # The top candidate, as the dashboard shows them.
    top_id, top_cells = _rows(page)[0]
    top_name = top_cells[_column(page, "name")]
    top_composite = str(_scores(page, "composite")[0])
    top_row = page.locator(f"table.dashboard tbody tr[data-candidate='{top_id}']")
    # The badge says the status; the full label opens with the reasons under "why".
    top_label = (page.locator(f"#why-{top_id} [data-label]").text_content() or "").strip()
    assert top_name and top_label
    assert top_composite != NO_SCORE

    # Sort by a competency: highest first, then lowest first; no score stays last.
    competency_title = page.locator(f"table.dashboard thead [data-sort='{COMPETENCY}']")
    expect(competency_title).to_contain_text("Communication")
    _sort_by(page, COMPETENCY, "descending")
    expect(composite_header).not_to_have_attribute("aria-sort", re.compile(".*"))
    descending = _scores(page, COMPETENCY)
    _assert_ranked(descending, descending=True)
    assert len(set(s for s in descending if s is not None)) >= 2, descending
    _sort_by(page, COMPETENCY, "ascending")
    ascending = _scores(page, COMPETENCY)
    _assert_ranked(ascending, descending=False)
    assert sorted(map(str, ascending)) == sorted(map(str, descending))  # same rows, reordered
    expect(rows).to_have_count(CANDIDATES)

    # The top candidate's scorecard, opened from the table.
    top_row.get_by_role("link", name=top_name).click()
    page.wait_for_url(re.compile(rf".*/hr/jobs/\d+/candidates/{top_id}$"))
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(top_name)
    summary = main.locator("section.card").filter(
        has=page.get_by_role("heading", name=re.compile("^Recommendation"))
    )
    # The recommendation as a status badge, the composite as a score chip (glyph and all).
    expect(summary.locator("span.rec")).to_contain_text(top_label)
    expect(summary.locator("p.score .hb-score")).to_contain_text(top_composite)
    reasons = summary.locator("ul").first.locator("li")
    expect(reasons.first).to_be_visible()
    expect(reasons.first).not_to_have_text("")

    # The PDF scorecard: one page, with the candidate's name and the recommendation.
    with page.expect_download() as pdf_download:
        page.locator("a[data-export=pdf]").click()
    pdf = pdf_download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert top_name in text, text
    assert top_label in text, text

    # Back to the dashboard, and its XLSX export: the columns it shows, one row per candidate.
    main.get_by_role("link", name="all candidates").click()
    page.wait_for_url(dashboard_url)
    stage_titles = [
        page.locator(f"table.dashboard thead [data-sort='{key}']").inner_text().strip()
        for key in page.locator("table.dashboard thead [data-sort^='s:']").evaluate_all(
            "links => links.map(a => a.dataset.sort)"
        )
    ]
    competency_titles = page.locator("table.dashboard thead [data-sort^='c:']").all_inner_texts()
    competency_titles = [t.strip() for t in competency_titles]
    assert stage_titles and competency_titles
    shown_ids = {cid for cid, _cells in _rows(page)}
    with page.expect_download() as xlsx_download:
        page.locator("a[data-export=xlsx]").click()
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename.endswith(".xlsx")
    with open(xlsx.path(), "rb") as handle:  # the saved download has no .xlsx extension
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    sheet = workbook.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    header, body = [str(v) for v in table[0]], table[1:]
    for title in stage_titles:
        assert any(h == title or h.startswith(f"{title} (") for h in header), (title, header)
    for title in competency_titles:
        assert title in header, (title, header)
    assert len(body) == CANDIDATES
    ids = header.index("Candidate ID")
    assert {str(row[ids]) for row in body} == shown_ids
    mine = next(row for row in body if str(row[ids]) == top_id)
    assert mine[header.index("Name")] == top_name
    assert mine[header.index("Composite")] == pytest.approx(float(top_composite))
    assert mine[header.index("Recommendation")] == top_label

    assert not errors, errors  # a CSP violation or a script error would show up here


@pytest.mark.parametrize("width", [1366, 1920])
def test_the_ranked_table_fits_the_screen(  # type: ignore[no-untyped-def]
    live_server, browser, app, demo, width, tmp_path
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    login(page, live_server, HR)
    page.goto(live_server + "/hr/jobs/1")
    expect(page.get_by_role("heading", level=1)).to_have_text(JOB_TITLE)

    # Every column, the competencies and Flags included, is on screen without scrolling.
    flags = page.locator("table.dashboard thead th").last
    expect(flags).to_have_text("Flags")
    cells = [flags, *page.locator("table.dashboard td.flags").all()]
    cells += page.locator("table.dashboard thead th:has([data-sort^='c:'])").all()
    for cell in cells:
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    scroll = page.locator(".hb-table-wrap").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll[0] <= scroll[1], scroll  # the table fits: no sideways scroll
    flagged = page.locator("table.dashboard td.flags .flag").first
    expect(flagged).to_be_visible()

    # "why" opens a full-width row under the candidate; the candidate's row keeps its size.
    first = page.locator("table.dashboard tbody tr[data-candidate]").first
    before = first.bounding_box()
    why = page.locator("table.dashboard tbody tr.why").first
    expect(why).to_be_hidden()
    first.get_by_text("why").click()
    expect(why).to_be_visible()
    after, table, reasons = (
        first.bounding_box(),
        page.locator("table.dashboard").bounding_box(),
        why.bounding_box(),
    )
    assert before and after and table and reasons
    assert after["height"] == pytest.approx(before["height"], abs=1)
    assert reasons["width"] == pytest.approx(table["width"], abs=2)
    assert reasons["y"] >= after["y"] + after["height"] - 1
    page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
    context.close()
