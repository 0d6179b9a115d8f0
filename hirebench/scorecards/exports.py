"""Scorecard exports: a table of many candidates as CSV or XLSX, and one candidate's scorecard
as a one-page A4 PDF with a competency chart. Everything reads the scorecard data contract
(docs/scorecard.md) as plain dicts; no database access here. Callers run inside an app context
(a request context for the user's language)."""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hirebench import charts
from hirebench.analytics import charts as analytics_charts
from hirebench.exams.titles import bilingual
from hirebench.formatting import format_score, round_score
from hirebench.scorecards.compute import coverage, explain
from hirebench.unicode_text import scrub

if TYPE_CHECKING:
    from hirebench.jobs.profile import JobProfileDefinition

STATUS_LABELS = {
    "complete": _l("complete"),
    "partial": _l("partial"),
    "pending": _l("pending"),
    "missing": _l("missing"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans', sans-serif"

# What the one-page PDF keeps of the feedback; halved until the page fits.
FEEDBACK_ITEMS = 6
FEEDBACK_CHARS = 1600
FEEDBACK_ITEM_CHARS = 600


@dataclass(frozen=True)
class Columns:
    """(id, title) pairs in display order."""

    stages: list[tuple[str, str]]
    competencies: list[tuple[str, str]]


# -- the table ------------------------------------------------------------------------------


def number(value: Any) -> float | str:
    """A score rounded as on every page (hirebench/formatting.py); no score is an empty cell,
    never 0."""
    result = round_score(value)
    return "" if result is None else result


def coverage_of(card: Mapping[str, Any]) -> dict[str, Any]:
    """The card's `coverage` (docs/scorecard.md), read from its stages."""
    stages = card.get("stages") or {}
    return coverage({key: (stage or {}).get("score") for key, stage in stages.items()})


def composite_basis(card: Mapping[str, Any]) -> str:
    """What the composite stands on: "partial: 1 of 4 stages", "4 of 4 stages", or nothing
    when there is no composite."""
    if card.get("composite") is None:
        return ""
    basis = coverage_of(card)
    if basis["partial"]:
        return _(
            "partial: %(scored)d of %(total)d stages", scored=basis["scored"], total=basis["stages"]
        )
    return ngettext(
        "%(scored)d of %(num)d stage",
        "%(scored)d of %(num)d stages",
        basis["stages"],
        scored=basis["scored"],
    )


def status_label(code: Any) -> str:
    if not code:
        return ""
    return str(STATUS_LABELS.get(str(code), code))


def stage_weight(cards: Sequence[Mapping[str, Any]], stage_id: str) -> float | None:
    for card in cards:
        weight = (card.get("stages") or {}).get(stage_id, {}).get("weight")
        if weight is not None:
            return float(weight)
    return None


def table(
    columns: Columns, cards: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    header = [_("Candidate ID"), _("Name"), _("Email")]
    for stage_id, title in columns.stages:
        weight = stage_weight(cards, stage_id)
        header.append(
            title
            if weight is None
            else _("%(title)s (%(weight)s%%)", title=title, weight=f"{weight:g}")
        )
    header += [_("%(title)s status", title=title) for _id, title in columns.stages]
    header += [title for _id, title in columns.competencies]
    header += [_("Composite"), _("Composite basis"), _("Recommendation"), _("Reasons"), _("Flags")]

    rows: list[list[Any]] = []
    for card in cards:
        stages = card.get("stages") or {}
        competencies = card.get("competencies") or {}
        recommendation = card.get("recommendation") or {}
        row: list[Any] = [card.get("candidate_id", ""), card.get("name", ""), card.get("email", "")]
        row += [number(stages.get(sid, {}).get("score")) for sid, _t in columns.stages]
        row += [status_label(stages.get(sid, {}).get("status")) for sid, _t in columns.stages]
        row += [number(competencies.get(cid, {}).get("score")) for cid, _t in columns.competencies]
        row += [
            number(card.get("composite")),
            composite_basis(card),
            recommendation.get("label") or "",
            "; ".join(str(r) for r in recommendation.get("reasons") or []),
            "; ".join(str(f.get("message", "")) for f in card.get("flags") or []),
        ]
        rows.append(row)
    return header, rows


# -- CSV and XLSX ---------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would run as a formula gets a leading ',
    and lone surrogates become U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    # Text stored before input was checked may hold half an emoji, which UTF-8 cannot encode.
    text = scrub(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel then reads Chinese correctly), CRLF line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, no leading or trailing '."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title))
    cleaned = cleaned.strip().strip("'").strip()[:31].strip()
    if not cleaned or cleaned.lower() == "history":  # "History" is reserved by Excel
        return "Sheet1"
    return cleaned


def display_width(text: str) -> int:
    """Columns a text needs: wide (CJK) characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def xlsx_value(value: Any) -> Any:
    value = safe_cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_xlsx(
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    sheet_title_: str,
    images: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A write-only workbook (streams rows, fast for thousands): bold frozen header, widths
    fitted to the content (capped), numbers as numbers. `images` (caption, PNG) go on a second
    sheet, "Charts", one under the other."""
    header_values = [xlsx_value(v) for v in header]
    body = [[xlsx_value(v) for v in row] for row in rows]
    widths = [display_width(str(v)) for v in header_values]
    for row in body:
        for index, value in enumerate(row):
            if index < len(widths):
                widths[index] = max(widths[index], display_width(str(value)))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(sheet_title_))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for value in header_values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in body:
        sheet.append(row)
    if images:
        _chart_sheet(workbook, images)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# A worksheet row is 20 px high at Excel's default 15 pt.
ROW_PX = 20


def _chart_sheet(workbook: Workbook, images: Sequence[tuple[str, bytes]]) -> None:
    """The charts as pictures, each under its caption in bold, at their drawn size (the PNGs
    are rendered at twice that for a sharp zoom)."""
    sheet = workbook.create_sheet(sheet_title(_("Charts")))
    row = 1
    for caption, png in images:
        cell = WriteOnlyCell(sheet, value=xlsx_value(caption))
        cell.font = Font(bold=True)
        sheet.append([cell])
        picture = XLImage(io.BytesIO(png))
        picture.width //= charts.PNG_SCALE
        picture.height //= charts.PNG_SCALE
        sheet.add_image(picture, f"A{row + 1}")
        blank = math.ceil(picture.height / ROW_PX) + 1
        for _row in range(blank):
            sheet.append([])
        row += 1 + blank


def job_charts(
    columns: Columns, cards: Sequence[Mapping[str, Any]], profile: JobProfileDefinition
) -> list[tuple[str, bytes]]:
    """The job's charts for its XLSX, as (caption, PNG): the score distribution per stage and
    of the composite with the cut-offs (the analytics page's chart), and the competency chart
    of the PDF drawn with each competency's median over the candidates scored on it."""
    scores: dict[str, list[float]] = {
        stage: [float(s) for c in cards if (s := _stage_score(c, stage)) is not None]
        for stage, _title in columns.stages
    }
    scores["composite"] = [float(c["composite"]) for c in cards if c.get("composite") is not None]
    titles = {**dict(columns.stages), "composite": _("Composite")}
    images = []
    if any(scores.values()):
        cutoffs = analytics_charts.cutoff_lines(profile)
        chart = analytics_charts.score_distribution_chart(scores, titles, cutoffs)
        images.append((_("Scores per stage"), charts.render_png(chart)))
    medians = [
        (title, _median([_competency_score(c, key) for c in cards]))
        for key, title in columns.competencies
    ]
    if any(score is not None for _title, score in medians):
        floor = next((card_floor(c) for c in cards if card_floor(c) is not None), None)
        images.append(
            (
                _("Median competency scores of the scored candidates"),
                charts.render_png(charts.competency_chart(medians, floor)),
            )
        )
    return images


def _stage_score(card: Mapping[str, Any], stage: str) -> Any:
    return ((card.get("stages") or {}).get(stage) or {}).get("score")


def _competency_score(card: Mapping[str, Any], key: str) -> Any:
    return ((card.get("competencies") or {}).get(key) or {}).get("score")


def _median(values: Sequence[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return statistics.median(present) if present else None


# -- the PDF --------------------------------------------------------------------------------


def card_floor(card: Mapping[str, Any]) -> float | None:
    """The competency floor, when the card carries one (top level or under `cutoffs`)."""
    floor = card.get("competency_floor")
    if floor is None:
        floor = (card.get("cutoffs") or {}).get("competency_floor")
    return None if floor is None else float(floor)


def competency_chart_svg(card: Mapping[str, Any], floor: float | None) -> Markup:
    """The competency chart (hirebench/charts.py, one Vega-Lite spec): a bar 0-100 per
    competency, "missing" (no bar, never 0) for one without a score, the floor as a dashed
    line. Rendered to inline SVG, which WeasyPrint draws as vectors."""
    rows = [
        (str(c.get("title") or key), c.get("score"))
        for key, c in (card.get("competencies") or {}).items()
    ]
    return charts.svg_for(charts.competency_chart, rows, floor)


def competency_chart_of(card: Mapping[str, Any] | None) -> Markup | None:
    """The scorecard's competency chart for a web page: the PDF's chart of the card's
    competencies in their profile order, against the card's floor; None without a card or
    with no competency in it."""
    if not card or not card.get("competencies"):
        return None
    # Titles as the PDF shows them (dashboard.columns): a Chinese reader gets the Chinese half.
    shown = {
        key: {**c, "title": bilingual(str(c.get("title") or key))}
        for key, c in card["competencies"].items()
    }
    return competency_chart_svg({"competencies": shown}, card_floor(card))


def feedback_items(card: Mapping[str, Any], budget: int) -> tuple[list[dict[str, str]], int]:
    """The feedback that fits `budget` characters (the newest first as given), each text cut to
    FEEDBACK_ITEM_CHARS; and how many items were left out."""
    items = list(card.get("feedback") or [])
    kept: list[dict[str, str]] = []
    for item in items[:FEEDBACK_ITEMS]:
        text = str(item.get("text") or "")
        room = min(budget, FEEDBACK_ITEM_CHARS)
        if room < 40:
            break
        if len(text) > room:
            text = text[: room - 1].rstrip() + "…"
        budget -= len(text)
        kept.append(
            {
                "source": str(item.get("source") or ""),
                "author": str(item.get("author") or ""),
                "at": str(item.get("at") or "")[:10],
                "text": text,
            }
        )
    return kept, len(items) - len(kept)


def score_text(value: Any) -> str:
    return format_score(value)


def stage_detail(stage: Mapping[str, Any]) -> str:
    """The stage's detail in the reader's language. Stored cards keep it as a text entry
    (message id and parameters); a localized card also carries `detail_text`."""
    if stage.get("detail_text"):
        return str(stage["detail_text"])
    detail = stage.get("detail")
    if isinstance(detail, Mapping):
        return explain(detail) if "msgid" in detail else str(detail.get("text") or "")
    return str(detail or "")


def url_fetcher() -> Any:
    """No network or file access while rendering: only data: URLs (WeasyPrint ≥ 68 has
    URLFetcher; older versions keep their default)."""
    import weasyprint  # here, not at import: loading it costs every CLI command 0.3 s

    fetcher = getattr(weasyprint, "URLFetcher", None)
    return fetcher(allowed_protocols=("data",)) if fetcher else None


def pdf_from_html(html: str) -> bytes:
    """A PDF of an HTML page rendered from the app's templates, with no network or file access
    (offer letters, the candidate's data summary)."""
    import weasyprint

    pdf = weasyprint.HTML(
        string=html, base_url=str(Path(current_app.root_path)), url_fetcher=url_fetcher()
    ).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render_html(card: Mapping[str, Any], columns: Columns, budget: int) -> str:
    stages = card.get("stages") or {}
    competencies = card.get("competencies") or {}
    stage_rows = []
    for stage_id, title in columns.stages:
        stage = stages.get(stage_id)
        if stage is None:
            continue
        weight = stage.get("weight")
        stage_rows.append(
            {
                "title": title,
                "score": score_text(stage.get("score")),
                "status": status_label(stage.get("status")),
                "weight": "" if weight is None else f"{float(weight):g}%",
                "detail": stage_detail(stage),
            }
        )
    ordered = {
        cid: {**competencies[cid], "title": title or competencies[cid].get("title")}
        for cid, title in columns.competencies
        if cid in competencies
    }
    feedback, omitted = feedback_items(card, budget)
    floor = card_floor(card)
    return render_template(
        "exports/scorecard.html",
        card=card,
        recommendation=card.get("recommendation") or {},
        composite=score_text(card.get("composite")),
        composite_partial=coverage_of(card)["partial"] and card.get("composite") is not None,
        composite_basis=composite_basis(card),
        stages=stage_rows,
        chart=competency_chart_svg({"competencies": ordered}, floor),
        floor=floor,
        flags=[str(f.get("message", "")) for f in card.get("flags") or []],
        feedback=feedback,
        feedback_omitted=omitted,
        font_family=FONT_FAMILY,
    )


def scorecard_pdf(card: Mapping[str, Any], columns: Columns) -> bytes:
    """One A4 page. When the content overflows, the feedback is cut harder; as a last resort
    only the first page is kept."""
    import weasyprint

    base_url = str(Path(current_app.root_path))
    budget = FEEDBACK_CHARS
    while True:
        html = render_html(card, columns, budget)
        document = weasyprint.HTML(
            string=html, base_url=base_url, url_fetcher=url_fetcher()
        ).render()
        if len(document.pages) <= 1 or budget == 0:
            break
        budget = budget // 2 if budget > 100 else 0
    if len(document.pages) > 1:
        document = document.copy(document.pages[:1])
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)
