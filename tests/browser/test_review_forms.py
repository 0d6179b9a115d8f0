"""The review and interview forms in Chromium (issue 17, item 7), on the demo data plus one
portfolio case of candidate1's with three PDFs that this module writes itself: a real report,
one cut off after its first object, and one whose catalog, page and link carry JavaScript.

- At 1366 px the reviewed item stays in view beside the rubric while the page scrolls; at
  390 px the item comes first and a link jumps to the rubric.
- A PDF previews in the page through pdf.js: a canvas with the page drawn on it, the bytes
  fetched from the authorised download route; pdf.js is loaded only on a page with a PDF.
- The truncated PDF says it cannot be previewed, with its download link; the hostile one runs
  no script and opens no dialog.
- A rubric and an interview scorecard can be rated with the keyboard alone (Tab to a scale,
  arrow keys along it), and the chosen level's anchor is shown and is the radio's description.
- axe-core finds no serious or critical violation on the review item, a file's preview, the
  interview page and the interview list, in English and Chinese, at 1366 and 390 px; none of
  them scrolls sideways at 390 px.
Screenshots go to test-results/review-forms/ (or $HIREBENCH_SCREENSHOTS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from hirebench.extensions import db
from hirebench.models import Interview, ReviewAssignment, ReviewItem
from hirebench.paths import PROJECT_ROOT
from hirebench.portfolios import service as portfolios
from hirebench.services import accounts
from tests.browser.conftest import login, screenshot_folder

pytestmark = pytest.mark.browser

CANDIDATE = "candidate1@demo.local"
REVIEWER = "reviewer@demo.local"  # nothing open after the seed: candidate1's case goes to them
INTERVIEWER = "interviewer@demo.local"  # candidate1's interview still to score
TITLE = "Annotation guideline audit"
LOCALES = {"en": "en-US", "zh": "zh-CN"}
JS_BUDGET = 300 * 1024
PWNED = "hbPwned"  # what the hostile PDF's script would set on the page's window


# ------------------------------------------------------------------------- test material


def _pdf(
    content: bytes, *, catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = ()
) -> bytes:
    """A one-page PDF with a correct cross-reference table: object 1 the catalog, 2 the page
    tree, 3 the page, 4 its content stream, 5 the font, then `extra` objects from 6 on."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 300] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> " + page + b">>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n" % (len(objects) + 1, start)
    return bytes(out + b"%%EOF\n")


# A black bar across the top of the page and a line of text: the canvas must show dark pixels.
REPORT = _pdf(b"0 0 0 rg 20 250 360 30 re f\nBT /F1 18 Tf 20 200 Td (Agreement rose to 0.84) Tj ET")
# Cut inside the first object: no catalog, no page tree, nothing to draw.
TRUNCATED = REPORT[:40]
# Script everywhere a PDF can carry it. A viewer that ran it would set window.hbPwned and open
# dialogs; pdf.js's display API has no scripting layer, so nothing may happen.
SCRIPT = b"(window.hbPwned = 1; app.alert('pwned'); alert('pwned'); print();)"
HOSTILE = _pdf(
    b"BT /F1 18 Tf 20 200 Td (Nothing to see) Tj ET",
    catalog=b"/OpenAction 6 0 R /Names << /JavaScript << /Names [(init) 6 0 R] >> >> ",
    page=b"/AA << /O 6 0 R >> /Annots [7 0 R] ",
    extra=(
        b"<< /Type /Action /S /JavaScript /JS " + SCRIPT + b" >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 400 300] /A 6 0 R >>",
    ),
)


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # No grading threads (the seed's coding jobs stay queued, so no Docker), and room for the
    # many logins of one test under the per-address login limit.
    return {**app_config, "GRADING_WORKERS": 0, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def case(app: Flask, demo: None) -> dict[str, Any]:
    """candidate1's case with the three PDFs, the item it made and its files' ids by name."""
    with app.app_context():
        candidate = accounts.find_by_email(CANDIDATE)
        assert candidate is not None
        fields = portfolios.CaseFields(
            title=TITLE,
            description="Audited the intent guideline against 2,000 disputed queries.",
            role="Owner of the audit.",
            data_volume="2,000 queries",
            results="Agreement rose from 0.61 to 0.84.",
        )
        files = [("audit.pdf", REPORT), ("broken.pdf", TRUNCATED), ("hostile.pdf", HOSTILE)]
        created = portfolios.create_case(candidate, fields, files)
        db.session.commit()
        item = portfolios.review_item_of(created)
        assert item is not None
        assert REVIEWER in [a.reviewer.email for a in item.assignments]
        # An item of the reviewer's own from the seed, whose files hold no PDF.
        reviewer = accounts.find_by_email(REVIEWER)
        assert reviewer is not None
        mine = db.session.scalars(
            sa.select(ReviewAssignment).where(ReviewAssignment.reviewer_id == reviewer.id)
        )
        without_pdf = next(
            a.item_id
            for a in mine
            if a.item.portfolio and all(f.kind != "pdf" for f in a.item.portfolio.files)
        )
        return {
            "item": item.id,
            "files": {f.display_name: f.id for f in created.files},
            "without_pdf": without_pdf,
        }


@pytest.fixture
def site(app: Flask, case: dict[str, Any], live_server: str) -> str:
    return live_server


def _session(browser: Browser, site: str, email: str, lang: str, width: int) -> BrowserContext:
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": width, "height": 900})
    login(context.new_page(), site, email)
    return context


@pytest.fixture
def shots() -> Iterator[Any]:
    folder = screenshot_folder(PROJECT_ROOT / "test-results" / "review-forms")

    def shoot(page: Page, name: str, full: bool = False) -> None:
        path = folder / f"{re.sub(r'[^A-Za-z0-9]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=full)

    yield shoot


def _interview_id(app: Flask) -> int:
    with app.app_context():
        candidate = accounts.find_by_email(CANDIDATE)
        assert candidate is not None
        interview = db.session.scalar(
            sa.select(Interview).where(Interview.candidate_id == candidate.id)
        )
        assert interview is not None
        return interview.id


def _pdf_box(page: Page, name: str) -> Any:
    return page.locator("ul.files > li").filter(has_text=name).locator(".hb-pdf")


# --------------------------------------------------------------------- the item beside it


def test_the_item_stays_in_view_beside_the_rubric(
    browser: Browser, site: str, case: dict[str, Any], shots: Any
) -> None:
    context = _session(browser, site, REVIEWER, "en", 1366)
    page = context.pages[0]
    try:
        page.goto(f"{site}/review/items/{case['item']}")
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        subject = page.locator(".hb-review-subject")
        rubric = page.locator(".hb-review-rubric")
        before, form = subject.bounding_box(), rubric.bounding_box()
        assert before is not None and form is not None
        assert before["x"] + before["width"] <= form["x"], "the item is not beside the rubric"
        assert before["height"] <= 900, "the item is taller than the screen"
        expect(page.get_by_role("link", name="Jump to the rubric")).to_be_hidden()

        # Scroll the page down to the rubric's fourth criterion: the rubric moves, the item
        # stays where it was.
        page.locator("fieldset.criterion").nth(3).scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 600
        after = subject.bounding_box()
        assert after is not None and 0 <= after["y"] <= 40, after
        assert after["y"] + after["height"] <= 900
        expect(page.locator(".hb-pdf-page canvas").first).to_be_in_viewport()
        shots(page, "item-beside-rubric-1366-scrolled")
        # The item scrolls on its own, and a keyboard can scroll it.
        assert subject.evaluate("el => el.scrollHeight > el.clientHeight")
        expect(subject).to_have_attribute("tabindex", "0")

        # On a phone: the item first, then the rubric, with a link that jumps there.
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("window.scrollTo(0, 0)")
        top, bottom = subject.bounding_box(), rubric.bounding_box()
        assert top is not None and bottom is not None and top["y"] < bottom["y"]
        jump = page.get_by_role("link", name="Jump to the rubric")
        expect(jump).to_be_visible()
        jump.click()
        expect(page.locator("fieldset.criterion").first).to_be_in_viewport()
        shots(page, "item-jumped-to-rubric-390")
    finally:
        context.close()


# ---------------------------------------------------------------------------- PDF preview


SIZES_JS = """
async () => {
  const urls = new Set([...document.querySelectorAll('script[src]')].map(s => s.src));
  for (const entry of performance.getEntriesByType('resource')) {
    if (/\\.m?js(\\?|$)/.test(entry.name)) urls.add(entry.name);
  }
  const sizes = {};
  for (const url of urls) {
    const response = await fetch(url, {cache: 'no-store'});
    sizes[url] = (await response.arrayBuffer()).byteLength;
  }
  return sizes;
}
"""


def _js(sizes: dict[str, int]) -> tuple[int, int]:
    """Bytes of script the page runs itself, and bytes of pdf.js's worker."""
    worker = sum(size for url, size in sizes.items() if "pdf.worker" in url)
    return sum(sizes.values()) - worker, worker


def test_a_pdf_is_drawn_in_the_page_from_the_authorised_route(
    browser: Browser, site: str, case: dict[str, Any], shots: Any
) -> None:
    context = _session(browser, site, REVIEWER, "en", 1366)
    page = context.pages[0]
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # A review page without a PDF loads no pdf.js and stays within the budget.
        page.goto(f"{site}/review/items/{case['without_pdf']}")
        page.wait_for_load_state("networkidle")
        expect(page.locator(".hb-pdf")).to_have_count(0)
        own, worker = _js(page.evaluate(SIZES_JS))
        print(f"\nJS on a review page without a PDF: {own} bytes")
        assert worker == 0 and own < JS_BUDGET, own
        assert not any("pdfview" in url for url in requests)

        page.goto(f"{site}/review/items/{case['item']}")
        box = _pdf_box(page, "audit.pdf")
        expect(box).to_have_attribute("data-state", "shown", timeout=20_000)
        canvas = box.locator(".hb-pdf-page canvas")
        expect(canvas).to_have_count(1)
        expect(canvas).to_have_attribute("aria-label", "Page 1 of 1")
        assert canvas.evaluate("c => c.width") > 300
        # The bar at the top of the page is drawn: dark pixels on the canvas.
        dark = canvas.evaluate(
            """c => {
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i] < 60 && d[i + 3] > 200) n++;
              return n;
            }"""
        )
        assert dark > 1000, dark
        # The bytes came from the reviewer's own download route; nothing left this site.
        file_url = f"{site}/review/items/{case['item']}/files/{case['files']['audit.pdf']}"
        assert file_url in requests
        assert all(url.startswith(site) for url in requests), requests
        own, worker = _js(page.evaluate(SIZES_JS))
        print(f"\nJS on a review page with a PDF: {own} bytes on the page, {worker} in the worker")
        assert worker > 0 and any("pdfview" in url for url in requests)
        assert not errors, errors
        shots(page, "pdf-preview-1366")
    finally:
        context.close()


def test_a_broken_or_hostile_pdf_breaks_nothing_and_runs_no_script(
    browser: Browser, site: str, case: dict[str, Any], shots: Any
) -> None:
    context = _session(browser, site, REVIEWER, "en", 1366)
    page = context.pages[0]
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    popups: list[Any] = []
    page.on("popup", lambda popup: popups.append(popup))
    try:
        url = f"{site}/review/items/{case['item']}"
        page.goto(url)
        broken = _pdf_box(page, "broken.pdf")
        broken.scroll_into_view_if_needed()
        expect(broken).to_have_attribute("data-state", "failed", timeout=20_000)
        message = broken.locator(".hb-pdf-error")
        expect(message).to_be_visible()
        expect(message).to_contain_text("This PDF cannot be previewed — download it.")
        download = message.get_by_role("link", name="Download broken.pdf")
        expect(download).to_have_attribute(
            "href", f"/review/items/{case['item']}/files/{case['files']['broken.pdf']}"
        )
        expect(broken.locator("canvas")).to_have_count(0)

        hostile = _pdf_box(page, "hostile.pdf")
        hostile.scroll_into_view_if_needed()
        expect(hostile).to_have_attribute("data-state", re.compile("shown|failed"), timeout=20_000)
        # The link annotation covering the page would run the script if anything drew it.
        if hostile.locator("canvas").count():
            hostile.locator("canvas").first.click()
        page.wait_for_timeout(500)
        assert page.evaluate(f"typeof window.{PWNED}") == "undefined"
        assert not dialogs and not popups and page.url == url
        # The rest of the page still works: the rubric takes a rating.
        page.locator("fieldset.criterion").first.locator('input[value="3"]').check()
        shots(page, "pdf-broken-and-hostile-1366")
    finally:
        context.close()


# ------------------------------------------------------------------------ keyboard alone


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _rate(page: Page, fieldset: str, level: int) -> None:
    """Tab into a scale, choose its first level with Space, then walk right to `level`."""
    _tab_to(page, f"{fieldset} .hb-rating-input")
    page.keyboard.press("Space")
    for _ in range(level - 1):
        page.keyboard.press("ArrowRight")


def test_a_rubric_is_rated_with_the_keyboard_alone(
    app: Flask, browser: Browser, site: str, case: dict[str, Any], shots: Any
) -> None:
    context = _session(browser, site, REVIEWER, "en", 1366)
    page = context.pages[0]
    try:
        page.goto(f"{site}/review/items/{case['item']}")
        criteria = page.locator("fieldset.criterion")
        ids = [str(criteria.nth(n).get_attribute("id")) for n in range(criteria.count())]
        assert len(ids) >= 3
        page.locator("body").focus()
        for n, criterion in enumerate(ids):
            _rate(page, f"#{criterion}", 4)
            chosen = page.locator(f"#{criterion} .hb-rating-input:checked")
            expect(chosen).to_have_value("4")
            expect(chosen).to_be_focused()
            # The chosen level's anchor is shown under the row and is the radio's description.
            anchor = page.locator(f"#{criterion}-4-anchor")
            expect(anchor).to_be_visible()
            expect(page.locator(f"#{criterion}-3-anchor")).to_be_hidden()
            text = anchor.evaluate("a => a.lastChild.textContent.trim()")
            expect(chosen).to_have_accessible_description(re.compile(re.escape(text[:40])))
            if n == 0:
                shots(page, "keyboard-rating-focused-1366")
            page.keyboard.press("Tab")  # the radio group is one stop: on to the comment
            expect(page.locator(f"#comment-{criterion.removeprefix('criterion-')}")).to_be_focused()
            page.keyboard.type(f"Keyboard note {n + 1}.")
        _tab_to(page, "button[type=submit].btn-primary")
        page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text("Review submitted.")
    finally:
        context.close()
    with app.app_context():
        reviewer = accounts.find_by_email(REVIEWER)
        assert reviewer is not None
        item = db.session.get(ReviewItem, case["item"])
        assert item is not None
        [review] = [r for r in item.reviews if r.reviewer_id == reviewer.id]
        assert set(review.levels.values()) == {4}
        assert review.comments[ids[0].removeprefix("criterion-")] == "Keyboard note 1."


def test_an_interview_scorecard_is_filled_with_the_keyboard_alone(
    app: Flask, browser: Browser, site: str, shots: Any
) -> None:
    interview_id = _interview_id(app)
    context = _session(browser, site, INTERVIEWER, "en", 1366)
    page = context.pages[0]
    try:
        page.goto(f"{site}/interview/{interview_id}")
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"\nthe interview form at 1366 px: {height} px tall (about 4,060 before issue 17)")
        assert height < 2800, height
        scales = page.locator("form.scorecard fieldset.hb-rating")
        ids = [str(scales.nth(n).get_attribute("id")) for n in range(scales.count())]
        page.locator("body").focus()
        for scale in ids:
            if scale == "recommendation":
                _rate(page, "#recommendation", 3)  # strong no, no, yes
                expect(page.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
                continue
            _rate(page, f"#{scale}", 4)
            expect(page.locator(f"#{scale} .hb-rating-input:checked")).to_have_value("4")
            if scale.startswith("rating-"):
                # Level 4 has no anchor of its own in the guide: it says where it lies.
                expect(page.locator(f"#{scale}-4-anchor")).to_contain_text("between 3 and 5")
                page.keyboard.press("Tab")
                expect(page.locator(f"#notes-{scale.removeprefix('rating-')}")).to_be_focused()
                page.keyboard.type("Told a full STAR story.")
        shots(page, "interview-keyboard-1366", full=True)
        _tab_to(page, "form.scorecard button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text("Scorecard submitted.")
    finally:
        context.close()
    with app.app_context():
        interview = db.session.get(Interview, interview_id)
        assert interview is not None
        me = accounts.find_by_email(INTERVIEWER)
        card = next(c for c in interview.scorecards if c.interviewer_id == me.id)  # type: ignore[union-attr]
        assert {r["rating"] for r in card.question_ratings.values()} == {4}
        assert set(card.competency_ratings.values()) == {4}
        assert card.recommendation.value == "yes"


# ------------------------------------------------------------------- axe and phone widths


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_and_phone_widths_in_both_languages(
    app: Flask, browser: Browser, site: str, case: dict[str, Any], shots: Any
) -> None:
    interview_id = _interview_id(app)
    pages = {
        REVIEWER: [
            f"/review/items/{case['item']}",
            f"/review/items/{case['item']}/files/{case['files']['audit.pdf']}/preview",
            f"/review/items/{case['without_pdf']}",  # submitted: the read-only view
        ],
        INTERVIEWER: ["/interview/", f"/interview/{interview_id}"],
    }
    axe = Axe()
    found: dict[str, list[str]] = {}
    overflowing: list[str] = []
    for lang in LOCALES:
        for email, paths in pages.items():
            context = _session(browser, site, email, lang, 1366)
            page = context.pages[0]
            try:
                for width in (390, 1366):
                    page.set_viewport_size({"width": width, "height": 900})
                    for path in paths:
                        response = page.goto(site + path)
                        assert response is not None and response.ok, path
                        if page.locator(".hb-pdf").count():
                            expect(page.locator(".hb-pdf").first).to_have_attribute(
                                "data-state", re.compile("shown|failed"), timeout=20_000
                            )
                        where = f"{lang} {width}px {path}"
                        if problems := _serious(axe.run(page)):
                            found[where] = problems
                        wider = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                        if wider > 0:
                            overflowing.append(f"{where}: {wider}px")
                        if width == 390:
                            shots(page, f"{lang}-390-{path}", full=True)
            finally:
                context.close()
    report = "\n".join(f"{where}: {problems}" for where, problems in found.items())
    assert not found, f"axe-core found serious or critical violations:\n{report}"
    assert not overflowing, "pages wider than the screen:\n" + "\n".join(overflowing)
