"""The server's side of the review and interview forms (issue 17, item 7): the markup of the
rating scales (real radios in a fieldset, each level's anchor tied to its radio), the PDF
preview box and where it fetches the file from, and the Content-Security-Policy that lets
pdf.js's worker run from our own static folder and nothing else."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import ReviewItem, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.portfolios import service as portfolios
from hirebench.reviews import rubrics, workflow
from tests.conftest import AuthActions, csrf_from
from tests.factories import row

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
MARKDOWN = b"# Notes\n\nAgreement rose.\n"


@pytest.fixture
def app(app: Flask) -> Flask:
    with app.app_context():
        rubrics.load_files([PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"])
    return app


@pytest.fixture
def reviewers(make_user: Callable[..., User]) -> list[User]:
    return [make_user(Role.reviewer, email=f"r{n}@example.com") for n in range(3)]


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def new_case(app: Flask, candidate: User, files: list[tuple[str, bytes]]) -> dict[str, int]:
    """A case with `files`, sent for review: its item's id and its files' ids by name."""
    with app.app_context():
        person = db.session.get(User, candidate.id)
        assert person is not None
        fields = portfolios.CaseFields(
            title="Guideline audit",
            description="Audited the guideline.",
            role="Owner.",
            data_volume="2,000 queries",
            results="Agreement 0.61 to 0.84.",
        )
        case = portfolios.create_case(person, fields, files)
        db.session.commit()
        item = portfolios.review_item_of(case)
        assert item is not None
        return {"item": item.id, "case": case.id} | {f.display_name: f.id for f in case.files}


def assigned_and_not(app: Flask, item_id: int, reviewers: list[User]) -> tuple[User, User]:
    with app.app_context():
        emails = {a.reviewer.email for a in row(ReviewItem, item_id).assignments}
    inside = next(r for r in reviewers if r.email in emails)
    outside = next(r for r in reviewers if r.email not in emails)
    return inside, outside


def test_the_policy_lets_only_our_own_files_run_as_workers(
    app: Flask, make_user: Callable[..., User]
) -> None:
    client = login(app, make_user(Role.reviewer).email)
    policy = client.get("/review/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["worker-src"] == "'self'"  # no blob: or data: workers
    assert directives["script-src"] == "'self'"  # no eval, no inline script


def test_a_pdf_is_previewed_from_the_reviewers_own_download_route(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    candidate = make_user(Role.candidate, email="c@example.com")
    case = new_case(app, candidate, [("report.pdf", PDF), ("notes.md", MARKDOWN)])
    inside, outside = assigned_and_not(app, case["item"], reviewers)
    client = login(app, inside.email)

    html = client.get(f"/review/items/{case['item']}").get_data(as_text=True)
    download = f"/review/items/{case['item']}/files/{case['report.pdf']}"
    box = re.search(r'<div class="hb-pdf" data-pdf-src="([^"]+)"', html)
    assert box is not None and box.group(1) == download
    for static in ("build/pdfview.js", "build/pdfjs/pdf.worker.min.mjs"):
        assert f'"/static/{static}"' in html  # served from our own folder
    # pdf.js is not a script of the page: review.js imports it when the PDF comes into view.
    assert re.findall(r'<script src="([^"]+)"', html)[-1] == "/static/js/review.js"
    assert 'pdfview.js"></script>' not in html
    # The Markdown previews in its sandboxed frame, beside the PDF.
    framed = f"/review/items/{case['item']}/files/{case['notes.md']}/preview/document"
    assert f'sandbox loading="lazy" src="{framed}"' in html

    # The bytes come only to an assigned reviewer.
    fetched = client.get(download)
    assert fetched.status_code == 200 and fetched.data == PDF
    assert "sandbox" in fetched.headers["Content-Security-Policy"]
    assert login(app, outside.email).get(download).status_code == 404

    # The file's own preview page shows the same box.
    preview = client.get(f"{download}/preview").get_data(as_text=True)
    assert f'<div class="hb-pdf" data-pdf-src="{download}"' in preview
    # HR's preview of the file fetches it from HR's own route.
    hr = login(app, make_user(Role.hr, email="hr@example.com").email)
    hr_download = f"/hr/portfolios/{case['case']}/files/{case['report.pdf']}"
    hr_preview = hr.get(f"{hr_download}/preview").get_data(as_text=True)
    assert f'<div class="hb-pdf" data-pdf-src="{hr_download}"' in hr_preview


def test_a_rubric_is_a_row_of_radios_whose_anchors_describe_them(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    candidate = make_user(Role.candidate, email="c@example.com")
    case = new_case(app, candidate, [])
    inside, _outside = assigned_and_not(app, case["item"], reviewers)
    client = login(app, inside.email)
    page = client.get(f"/review/items/{case['item']}").get_data(as_text=True)
    with app.app_context():
        criteria = workflow.criteria_of(row(ReviewItem, case["item"]))

    first = criteria[0]
    fieldset = re.search(
        rf'<fieldset class="hb-rating criterion" id="criterion-{first.id}">(.*?)</fieldset>',
        page,
        re.S,
    )
    assert fieldset is not None
    body = fieldset.group(1)
    assert f'<legend class="hb-rating-legend">{first.title}' in body
    radios = re.findall(r'<input type="radio"[^>]*name="level-' + first.id + r'"[^>]*>', body)
    assert [re.findall(r'value="(\d+)"', r) for r in radios] == [[str(n)] for n in range(1, 6)]
    for level, text in first.levels:
        anchor_id = f"criterion-{first.id}-{level}-anchor"
        assert f'aria-describedby="{anchor_id}"' in radios[level - 1]
        anchor = re.search(rf'<p class="hb-rating-anchor" id="{anchor_id}"[^>]*>(.*?)</p>', body)
        assert anchor is not None and text.split()[0] in anchor.group(1)

    # A refused submission comes back with the levels chosen still checked.
    data = {f"level-{c.id}": "4" for c in criteria} | {f"level-{first.id}": "9"}
    data["csrf_token"] = csrf_from(page)
    refused = client.post(f"/review/items/{case['item']}", data=data)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    checked = re.findall(r'name="(level-[^"]+)" value="(\d)" required checked', html)
    assert checked == [(f"level-{c.id}", "4") for c in criteria[1:]]
