"""Scorecard exports: the table, CSV with a BOM and formula guard, a write-only XLSX, and the
one-page PDF with its competency chart, on synthetic cards shaped like docs/scorecard.md."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
from flask import Flask
from pypdf import PdfReader

from hirebench.scorecards import exports
from hirebench.scorecards.exports import Columns

COLUMNS = Columns(
    stages=[
        ("written_test", "Written test"),
        ("portfolio", "Portfolio"),
        ("interview", "Behavioural interview"),
    ],
    competencies=[("technical", "Technical skill"), ("communication", "Communication")],
)
INJECTION = "=cmd|' /C calc'!A0"


def stage(title: str, score: float | None, status: str, weight: float) -> dict[str, Any]:
    return {"title": title, "score": score, "status": status, "weight": weight, "detail": ""}


def card(
    candidate_id: int,
    name: str,
    *,
    interview: float | None = 66.0,
    communication: float | None = 70.0,
    composite: float | None = 74.14,
) -> dict[str, Any]:
    return {
        "candidate_id": candidate_id,
        "name": name,
        "email": f"candidate{candidate_id}@demo.local",
        "job_id": 1,
        "job_title": "AI Trainer — e-commerce",
        "profile_version": 2,
        "stages": {
            "written_test": stage("Written test", 72.46, "complete", 30.0),
            "portfolio": stage("Portfolio", 93.2, "complete", 40.0),
            "interview": stage(
                "Behavioural interview",
                interview,
                "missing" if interview is None else "complete",
                30.0,
            ),
        },
        "competencies": {
            "technical": {"title": "Technical skill", "score": 81.04, "evidence": []},
            "communication": {"title": "Communication", "score": communication, "evidence": []},
        },
        "composite": composite,
        "recommendation": {
            "code": "hire_with_training",
            "label": "Hire, with training in communication",
            "reasons": ["Composite 74.1 ≥ hire cut-off 70", "Communication 48 < floor 60"],
            "competencies": ["communication"],
        },
        "flags": [{"code": "integrity", "message": "Exam integrity signals: tab switches"}],
        "feedback": [
            {
                "source": "hr",
                "author": "王芳",
                "text": "strong technically, communication needs work",
                "at": "2026-11-26T09:00:00",
            }
        ],
        "computed_at": "2026-11-26T09:30:00",
        "competency_floor": 60.0,
    }


CARDS = [
    card(1, "张伟"),
    card(2, "Ada Lovelace", interview=None, communication=None, composite=None),
    card(3, INJECTION),
]


@pytest.fixture
def ctx(app: Flask) -> Any:
    with app.test_request_context():
        yield


def test_table_rounds_and_keeps_column_order(ctx: None) -> None:
    header, rows = exports.table(COLUMNS, CARDS)
    assert header == [
        "Candidate ID",
        "Name",
        "Email",
        "Written test (30%)",
        "Portfolio (40%)",
        "Behavioural interview (30%)",
        "Written test status",
        "Portfolio status",
        "Behavioural interview status",
        "Technical skill",
        "Communication",
        "Composite",
        "Composite basis",
        "Recommendation",
        "Reasons",
        "Flags",
    ]
    assert rows[0][:6] == [1, "张伟", "candidate1@demo.local", 72.5, 93.2, 66.0]
    assert rows[0][9:13] == [81.0, 70.0, 74.1, "3 of 3 stages"]
    assert rows[0][14] == "Composite 74.1 ≥ hire cut-off 70; Communication 48 < floor 60"
    assert rows[0][15] == "Exam integrity signals: tab switches"
    # No score is an empty cell, never 0.
    assert rows[1][5] == "" and rows[1][8] == "missing" and rows[1][10] == "" and rows[1][11] == ""


def test_csv_bom_chinese_empty_cells_and_formula_guard(ctx: None) -> None:
    data = exports.to_csv(*exports.table(COLUMNS, CARDS))
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3
    assert [r[1] for r in rows] == ["张伟", "Ada Lovelace", "'" + INJECTION]
    assert rows[1][header.index("Behavioural interview (30%)")] == ""
    assert rows[1][header.index("Composite")] == ""
    assert rows[0][header.index("Composite")] == "74.1"


def test_safe_cell() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert exports.safe_cell(text) == "'" + text
    assert exports.safe_cell("plain") == "plain"
    assert exports.safe_cell(-3.5) == -3.5 and exports.safe_cell(0) == 0


def test_xlsx(ctx: None) -> None:
    header, rows = exports.table(COLUMNS, CARDS)
    data = exports.to_xlsx(header, rows, "Scorecards: AI Trainer [e-commerce] / 2026 and more")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    assert len(sheet.title) <= 31 and not re.search(r"[\[\]:*?/\\]", sheet.title)
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    assert len(values) == 1 + len(CARDS)
    assert [r[1] for r in values[1:]] == ["张伟", "Ada Lovelace", "'" + INJECTION]
    composite = header.index("Composite")
    assert values[1][composite] == 74.1 and isinstance(values[1][composite], float)
    assert values[1][0] == 1
    assert values[2][composite] in ("", None)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def test_sheet_title() -> None:
    assert exports.sheet_title("a/b:c*d?e[f]g\\h") == "a b c d e f g h"
    assert len(exports.sheet_title("x" * 40)) == 31
    assert exports.sheet_title("[]") == "Sheet1"


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_one_page_with_chinese_name(ctx: None) -> None:
    pages, text = pdf_text(exports.scorecard_pdf(CARDS[0], COLUMNS))
    assert pages == 1
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        "张伟",
        "王芳",
        "Hire, with training in communication",
        "74.1",
        "Technical skill",
        "Communication",
        "AI Trainer",
    ):
        assert expected in flat, expected


def test_pdf_stays_one_page_with_long_feedback_and_escapes(ctx: None) -> None:
    long_card = card(4, "<b>李</b>")
    long_card["feedback"] = [
        {"source": "reviewer", "author": f"Reviewer {i}", "text": "很长的反馈。" * 400, "at": ""}
        for i in range(12)
    ]
    long_card["flags"] = [{"code": "disagreement", "message": "Raters disagree"}] * 5
    html = exports.render_html(long_card, COLUMNS, exports.FEEDBACK_CHARS)
    assert "&lt;b&gt;李&lt;/b&gt;" in html and "<b>李</b>" not in html
    pages, text = pdf_text(exports.scorecard_pdf(long_card, COLUMNS))
    assert pages == 1
    assert "<b>李</b>" in text


def test_pdf_chart_shows_each_competency_and_the_floor(ctx: None) -> None:
    chinese = card(7, "李娜", communication=None)
    columns = Columns(COLUMNS.stages, [("technical", "技术能力"), ("communication", "沟通")])
    html = exports.render_html(chinese, columns, exports.FEEDBACK_CHARS)
    assert html.count('role="img"') == 1 and "技术能力 81.0, 沟通 missing" in html
    _pages, text = pdf_text(exports.scorecard_pdf(chinese, columns))
    flat = re.sub(r"\s+", " ", text)
    for expected in ("技术能力", "沟通", "81.0", "missing", "floor 60", "100"):
        assert expected in flat, expected


def marks(svg: str, name: str) -> list[str]:
    """The elements Vega drew for the chart's mark named `name` (hirebench/charts.py)."""
    found = re.search(rf'<g class="mark-\w+ role-mark {name}_marks"[^>]*>(.*?)</g>', svg)
    return re.findall(r"<(?:path|text|line)\b.*?(?:/>|</text>)", found.group(1)) if found else []


def texts(elements: list[str]) -> list[str]:
    return [m for e in elements for m in re.findall(r">([^<]*)</text>", e)]


def test_chart_bars_and_missing_marker(ctx: None) -> None:
    svg = str(exports.competency_chart_svg(CARDS[1], 60.0))
    assert len(marks(svg, "bar")) == 1  # technical scored, communication missing
    assert len(marks(svg, "missing")) == 1
    assert texts(marks(svg, "title")) == ["Technical skill", "Communication"]
    assert texts(marks(svg, "missing_label")) == ["missing"]
    assert texts(marks(svg, "score")) == ["81.0"]
    assert len(marks(svg, "floor")) == 1 and texts(marks(svg, "floor_label")) == ["floor 60"]
    assert 'role="img"' in svg and "The floor is 60." in svg
    full = str(exports.competency_chart_svg(CARDS[0], None))
    assert len(marks(full, "bar")) == 2 and not marks(full, "missing")
    assert not marks(full, "floor")


def test_chart_escapes_titles(ctx: None) -> None:
    hostile = {"competencies": {"x": {"title": '<script>"&', "score": 150.0}}}
    svg = str(exports.competency_chart_svg(hostile, None))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    [bar] = marks(svg, "bar")
    assert "h320v" in bar  # clamped to 100: the full width of the scale


def partial_card() -> dict[str, Any]:
    """A composite standing on the interview alone."""
    partial = card(5, "Solo Interview", composite=70.8)
    for key in ("written_test", "portfolio"):
        partial["stages"][key].update(score=None, status="missing")
    return partial


def test_table_marks_a_partial_composite(ctx: None) -> None:
    header, rows = exports.table(COLUMNS, [partial_card(), CARDS[1]])
    basis = header.index("Composite basis")
    assert rows[0][basis] == "partial: 1 of 3 stages"
    assert rows[0][header.index("Composite")] == 70.8
    assert rows[1][basis] == ""  # no composite, nothing to qualify


def test_table_rounds_every_score_one_way(ctx: None) -> None:
    odd = card(6, "Odd", interview=8.57003, communication=2.33333, composite=69.96)
    header, [row] = exports.table(COLUMNS, [odd])
    assert row[header.index("Behavioural interview (30%)")] == 8.6
    assert row[header.index("Communication")] == 2.3
    assert row[header.index("Composite")] == 70.0


def stored_detail_card() -> dict[str, Any]:
    """A card as stored (docs/scorecard.md): stage details are texts with a message id."""
    stored = card(1, "张伟")
    stored["stages"]["written_test"]["detail"] = {
        "msgid": "%(points).1f of %(max).0f points",
        "params": {"points": 8.57003, "max": 10.0},
        "text": "8.6 of 10 points",
    }
    return stored


@pytest.mark.parametrize(
    ("language", "detail", "headers"),
    [
        ("en", "8.6 of 10 points", ("Stage", "Score", "Status", "Weight", "Detail")),
        ("zh-CN", "得分 8.6 / 10", ("阶段", "得分", "状态", "权重", "详情")),
    ],
)
def test_pdf_shows_stage_details_as_text_and_whole_headers(
    app: Flask, language: str, detail: str, headers: tuple[str, ...]
) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        pages, text = pdf_text(exports.scorecard_pdf(stored_detail_card(), COLUMNS))
    assert pages == 1
    assert "msgid" not in text and "{'" not in text
    assert detail in text
    # The headers stand on one line, in order, each word whole ("Statu s" was the bug).
    assert " ".join(headers) in text.splitlines(), text
    assert "72.5" in text and "74.1" in text


def test_pdf_marks_a_partial_composite(ctx: None) -> None:
    _pages, text = pdf_text(exports.scorecard_pdf(partial_card(), COLUMNS))
    assert "partial: 1 of 3 stages" in re.sub(r"\s+", " ", text)
    _pages, full = pdf_text(exports.scorecard_pdf(CARDS[0], COLUMNS))
    assert "partial:" not in full  # a full record has no badge


def test_text_stored_with_half_an_emoji_still_exports() -> None:
    """Names stored before input was checked may hold a lone surrogate; the export shows it
    as U+FFFD instead of failing to encode."""
    header, rows = ["Name", "Score"], [["gradient \ud83d descent", 8.56]]
    text = exports.to_csv(header, rows).decode("utf-8-sig")
    assert "gradient \ufffd descent" in text
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(header, rows, "S")))
    assert book.active is not None
    assert book.active["A2"].value == "gradient \ufffd descent"
