"""The CSV and XLSX of new-hire records: Excel-safe CSV with Chinese intact, formulas defused,
numbers as numbers, and the ID and bank numbers masked in both."""

from __future__ import annotations

import csv
import io

from flask import Flask
from openpyxl import load_workbook

from hirebench.extensions import db
from hirebench.handoff import exports, hires
from tests.handoff import helpers
from tests.handoff.helpers import BANK_ACCOUNT, ID_NUMBER


def _records(app: Flask) -> list[dict[str, object]]:
    with app.app_context():
        hire = helpers.offer(person=helpers.candidate('=HYPERLINK("http://evil","点我")'))
        helpers.onboard(hire)
        plain = helpers.offer(person=helpers.candidate("李娜"), location="+86 上海")
        plain.offer.versions[0].grade = "@P6"
        db.session.commit()
        return hires.all_records(hires.HireFilter())


def test_csv_has_a_bom_chinese_and_no_formulas(app: Flask) -> None:
    with app.test_request_context():
        data = exports.csv_bytes(_records(app))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert len(body) == 2 and all(len(row) == len(header) for row in body)
    column = {name: index for index, name in enumerate(header)}
    names = {row[column["Name"]] for row in body}
    assert names == {'\'=HYPERLINK("http://evil","点我")', "李娜"}
    assert {row[column["Location"]] for row in body} == {"北京市海淀区中关村大街 1 号", "'+86 上海"}
    assert "'@P6" in {row[column["Grade"]] for row in body}
    assert {row[column["Department"]] for row in body} == {"数据标注部"}
    # Masked: the full numbers never reach a file.
    assert ID_NUMBER not in text and BANK_ACCOUNT not in text
    assert "**************123X" in {row[column["ID number (masked)"]] for row in body}
    assert "************6789" in {row[column["Bank account (masked)"]] for row in body}
    assert {row[column["Annual salary"]] for row in body} == {"234000"}
    assert {row[column["Social insurance and housing fund"]] for row in body} == {"yes"}


def test_xlsx_reads_back_with_numbers_as_numbers(app: Flask) -> None:
    records = _records(app)
    with app.test_request_context():
        data = exports.xlsx_bytes(records, "AI 训练师 — 电商: 2026/03")
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "AI 训练师 — 电商  2026 03"  # Excel forbids : and / in titles
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    assert len(body) == 2
    assert {row[column["Monthly salary"]] for row in body} == {18000}
    assert {row[column["Daily hours"]] for row in body} == {8}
    assert '\'=HYPERLINK("http://evil","点我")' in {row[column["Name"]] for row in body}
    flat = repr(rows)
    assert ID_NUMBER not in flat and BANK_ACCOUNT not in flat
    assert sheet.freeze_panes == "A2"
