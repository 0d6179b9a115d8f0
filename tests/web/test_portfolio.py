"""Candidates upload project cases: good files are stored under random names outside the web
root and sent for review; any bad input rejects the whole case, is logged and stores nothing.
Files are served only to their owner, the assigned reviewers and HR."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from hirebench.extensions import db
from hirebench.models import (
    AuditEvent,
    Portfolio,
    PortfolioFile,
    ReviewItem,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics
from tests.conftest import AuthActions, csrf_from

MARKDOWN = b"# Search relevance\n\nWe relabelled 5,000 queries.\n"
SCRIPT = "<script>alert(1)</script>"
FIELDS = {
    "title": "Search relevance",
    "description": "Relabelled search results for a shop.",
    "role": "I wrote the guideline.",
    "data_volume": "5,000 queries",
    "results": "Click-through +4 points",
    "repo_url": "https://example.com/repo",
}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, "PNG")
    return buffer.getvalue()


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def app(app: Flask) -> Flask:
    with app.app_context():
        rubrics.load_files([PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"])
    return app


@pytest.fixture
def reviewers(make_user: Callable[..., User]) -> list[User]:
    return [
        make_user(Role.reviewer, email=f"r{n}@example.com", name=f"Reviewer {n}") for n in (1, 2)
    ]


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def candidate_client(app: Flask, make_user: Callable[..., User], email: str) -> FlaskClient:
    make_user(Role.candidate, email=email, name="Zhang Wei")
    return login(app, email)


def post_case(client: FlaskClient, files: list[tuple[str, bytes]], **fields: str) -> TestResponse:
    token = csrf_from(client.get("/portfolio/").get_data(as_text=True))
    data: dict[str, Any] = {**FIELDS, **fields, "csrf_token": token}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/portfolio/", data=data, content_type="multipart/form-data")


def stored_files(app: Flask) -> list[Path]:
    root = Path(app.config["UPLOAD_ROOT"]) / "portfolios"
    return sorted(root.iterdir()) if root.exists() else []


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def rejections(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "portfolio.upload_rejected")
            )
        )


def only_case(app: Flask) -> tuple[int, list[int], int]:
    """The one portfolio's id, its file ids, and its review item's id."""
    with app.app_context():
        case = db.session.scalars(sa.select(Portfolio)).one()
        item = db.session.scalars(sa.select(ReviewItem)).one()
        return case.id, [f.id for f in case.files], item.id


# ------------------------------------------------------------------------------ uploading


def test_a_good_case_is_stored_and_sent_for_review(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    client = candidate_client(app, make_user, "a@example.com")
    image = png()
    response = post_case(client, [("notes.md", MARKDOWN), ("chart.png", image)])
    assert response.status_code == 302 and response.headers["Location"].endswith("/portfolio/")

    with app.app_context():
        case = db.session.scalars(sa.select(Portfolio)).one()
        assert (case.title, case.repo_url) == (FIELDS["title"], FIELDS["repo_url"])
        files = {f.display_name: f for f in case.files}
        assert set(files) == {"notes.md", "chart.png"}
        assert (files["notes.md"].kind, files["notes.md"].media_type) == (
            "markdown",
            "text/markdown",
        )
        assert (files["chart.png"].kind, files["chart.png"].media_type) == ("image", "image/png")
        names = {f.storage_name for f in case.files}
        item = db.session.scalars(sa.select(ReviewItem)).one()
        assert item.portfolio_id == case.id and item.rubric_key == "portfolio-project"
        assert {a.reviewer_id for a in item.assignments} == {r.id for r in reviewers}

    on_disk = stored_files(app)
    assert {p.name for p in on_disk} == names
    assert all(re.fullmatch(r"[0-9a-f]{32}", name) for name in names)
    assert {p.read_bytes() for p in on_disk} == {MARKDOWN, image}
    static = PROJECT_ROOT / "static"
    assert not on_disk[0].resolve().is_relative_to(static.resolve())
    assert not any(p.name in names for p in static.rglob("*"))
    assert "Search relevance" in client.get("/portfolio/").get_data(as_text=True)


BAD_FILES = [
    pytest.param("tool.exe", b"MZ" + bytes(300), "forbidden_type", "cannot be uploaded", id="exe"),
    pytest.param(
        "page.html",
        b"<!doctype html><html><script>alert(1)</script></html>",
        "forbidden_type",
        "is an HTML page",
        id="html",
    ),
    pytest.param("chart.pdf", None, "type_mismatch", "is named like a PDF", id="png-as-pdf"),
    pytest.param(
        "data.zip",
        zipped("zeros.bin", bytes(30 * 1024 * 1024)),
        "zip_bomb",
        "unpacks to far more data",
        id="zip-bomb",
    ),
    pytest.param(
        "data.zip", zipped("../evil.txt", b"hi"), "zip_traversal", "unsafe path", id="zip-dots"
    ),
    pytest.param(
        "../../etc/passwd.md", MARKDOWN, "bad_name", "points outside its folder", id="name-dots"
    ),
    pytest.param("empty.md", b"", "empty", "is empty", id="empty"),
]


@pytest.mark.parametrize(("name", "data", "code", "message"), BAD_FILES)
def test_a_bad_file_rejects_the_case_and_is_logged(
    app: Flask,
    make_user: Callable[..., User],
    reviewers: list[User],
    name: str,
    data: bytes | None,
    code: str,
    message: str,
) -> None:
    client = candidate_client(app, make_user, "a@example.com")
    response = post_case(client, [(name, png() if data is None else data)])
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Portfolio) == 0 and count(app, PortfolioFile) == 0
    assert count(app, ReviewItem) == 0 and stored_files(app) == []
    [event] = rejections(app)
    assert event.detail["code"] == code


def test_one_bad_file_among_good_ones_stores_nothing(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    client = candidate_client(app, make_user, "a@example.com")
    response = post_case(client, [("notes.md", MARKDOWN), ("tool.exe", b"MZ" + bytes(300))])
    assert response.status_code == 400 and "tool.exe" in response.get_data(as_text=True)
    assert count(app, Portfolio) == 0 and count(app, PortfolioFile) == 0
    assert stored_files(app) == []
    assert [e.detail["code"] for e in rejections(app)] == ["forbidden_type"]


def test_a_javascript_repo_url_is_refused(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    client = candidate_client(app, make_user, "a@example.com")
    response = post_case(client, [("notes.md", MARKDOWN)], repo_url="javascript:alert(1)")
    assert response.status_code == 400
    assert "must start with https://" in response.get_data(as_text=True)
    assert count(app, Portfolio) == 0 and stored_files(app) == []


# The error page's own forms (language, log out) must not read the oversized body again.
def test_an_oversized_request_gets_the_413_page(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    client = candidate_client(app, make_user, "a@example.com")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = post_case(client, [("notes.md", b"# big\n" + b"x" * 20_000)])
    assert response.status_code == 413
    assert "larger than allowed" in response.get_data(as_text=True)
    assert count(app, Portfolio) == 0 and stored_files(app) == []


# -------------------------------------------------------------------------------- access


def test_files_reach_only_the_owner_the_assigned_reviewers_and_hr(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    owner = candidate_client(app, make_user, "a@example.com")
    assert post_case(owner, [("notes.md", MARKDOWN), ("chart.png", png())]).status_code == 302
    case_id, (md_id, png_id), item_id = only_case(app)

    mine = owner.get(f"/portfolio/{case_id}/files/{md_id}")
    assert mine.status_code == 200 and mine.data == MARKDOWN
    other = candidate_client(app, make_user, "b@example.com")
    assert other.get(f"/portfolio/{case_id}/files/{md_id}").status_code == 404

    outsider = make_user(Role.reviewer, email="r3@example.com")
    stranger = login(app, outsider.email)
    assert stranger.get(f"/review/items/{item_id}").status_code == 404
    assert stranger.get(f"/review/items/{item_id}/files/{md_id}").status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "review.denied")
        ).all()
        # Both refusals of the one item share a row (audit.record_denial).
        assert [(e.actor_id, e.detail["count"]) for e in denied] == [(outsider.id, 2)]

    reviewer = login(app, reviewers[0].email)
    for response, media_type, name in (
        (reviewer.get(f"/review/items/{item_id}/files/{md_id}"), "text/markdown", "notes.md"),
        (reviewer.get(f"/review/items/{item_id}/files/{png_id}"), "image/png", "chart.png"),
    ):
        assert response.status_code == 200 and response.mimetype == media_type
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert name in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert reviewer.get(f"/review/items/{item_id}/files/{md_id}").data == MARKDOWN

    hr = login(app, make_user(Role.hr).email)
    by_hr = hr.get(f"/hr/portfolios/{case_id}/files/{md_id}")
    assert by_hr.status_code == 200 and by_hr.data == MARKDOWN
    assert by_hr.mimetype == "text/markdown"
    assert by_hr.headers["Content-Disposition"].startswith("attachment")
    assert by_hr.headers["X-Content-Type-Options"] == "nosniff"
    assert hr.get(f"/hr/portfolios/{case_id}/files/{md_id + 99}").status_code == 404


def test_html_in_a_case_is_shown_escaped_everywhere(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    owner = candidate_client(app, make_user, "a@example.com")
    response = post_case(
        owner,
        [("notes.md", MARKDOWN)],
        title=f"Case {SCRIPT}",
        description=f"About {SCRIPT}",
        results=f"Won {SCRIPT}",
    )
    assert response.status_code == 302
    _case, _files, item_id = only_case(app)
    with app.app_context():
        candidate_id = db.session.scalars(sa.select(Portfolio.candidate_id)).one()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"

    own_page = owner.get("/portfolio/").get_data(as_text=True)
    assert f"Won {escaped}" in own_page and f"Case {escaped}" in own_page
    reviewer_page = login(app, reviewers[0].email).get(f"/review/items/{item_id}")
    hr = login(app, make_user(Role.hr).email)
    hr_item = hr.get(f"/hr/reviews/{item_id}")
    hr_candidate = hr.get(f"/hr/candidates/{candidate_id}")
    for page in (reviewer_page, hr_item):
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and SCRIPT not in html
        assert f"About {escaped}" in html and f"Won {escaped}" in html
    # The HR candidate page lists the case's review item by its title.
    html = hr_candidate.get_data(as_text=True)
    assert f"Case {escaped}" in html and SCRIPT not in html
    assert SCRIPT not in own_page


# ------------------------------------------------------------------------------ previews

EXPORT = "/hr/jobs/1/export.csv"
STRICT_CSP = re.compile(
    r"^default-src 'none'; img-src data:; style-src 'nonce-[\w-]+'; base-uri 'none'; "
    r"form-action 'none'; frame-ancestors 'self'; sandbox$"
)


def hostile_notebook() -> bytes:
    import nbformat

    html_output = nbformat.v4.new_output(
        "display_data",
        data={"text/html": f'<p>chart</p><img src="{EXPORT}"><a href="{EXPORT}">x</a>'},
    )
    cells = [
        nbformat.v4.new_markdown_cell(f"![chart]({EXPORT}) and [the export]({EXPORT})"),
        nbformat.v4.new_code_cell("show()", outputs=[html_output]),
    ]
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells)).encode()


def assert_strict_preview(response: TestResponse, *shown: str) -> None:
    assert response.status_code == 200
    assert STRICT_CSP.fullmatch(response.headers["Content-Security-Policy"])
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = response.get_data(as_text=True)
    for text in shown:
        assert text in html
    # Nothing in the document points anywhere: no href, and no src but data: images.
    assert "href=" not in html and "<link" not in html and "<script" not in html
    assert all(src.startswith("data:image/") for src in re.findall(r'src="([^"]*)"', html))


def test_previews_of_candidate_content_request_nothing_from_the_app(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    owner = candidate_client(app, make_user, "a@example.com")
    markdown = f"# Notes\n\n![x]({EXPORT})\n".encode()
    files = [("analysis.ipynb", hostile_notebook()), ("notes.md", markdown), ("c.png", png())]
    assert post_case(owner, files).status_code == 302
    case_id, (nb_id, md_id, png_id), item_id = only_case(app)

    hr = login(app, make_user(Role.hr).email)
    reviewer = login(app, reviewers[0].email)
    for client, base in (
        (hr, f"/hr/portfolios/{case_id}/files"),
        (reviewer, f"/review/items/{item_id}/files"),
    ):
        page = client.get(f"{base}/{nb_id}/preview")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and EXPORT not in html
        assert (
            f'<iframe class="preview-frame" sandbox src="{base}/{nb_id}/preview/document"' in html
        )

        notebook = client.get(f"{base}/{nb_id}/preview/document")
        assert_strict_preview(notebook, "<p>chart</p>", f"({EXPORT})")
        assert f'src="{EXPORT}"' not in notebook.get_data(as_text=True)
        assert_strict_preview(client.get(f"{base}/{md_id}/preview/document"), "<h1>Notes</h1>")
        image = client.get(f"{base}/{png_id}/preview/document")
        assert_strict_preview(image, 'src="data:image/png;base64,')
        assert f'src="{base}/{png_id}?inline=1"' not in client.get(
            f"{base}/{png_id}/preview"
        ).get_data(as_text=True)
    # Reviewers reach only the documents of items assigned to them.
    outsider = login(app, make_user(Role.reviewer, email="r3@example.com").email)
    assert (
        outsider.get(f"/review/items/{item_id}/files/{nb_id}/preview/document").status_code == 404
    )


def test_a_csv_preview_stays_a_table_in_the_page(
    app: Flask, make_user: Callable[..., User], reviewers: list[User]
) -> None:
    owner = candidate_client(app, make_user, "a@example.com")
    table = f'name,link\nAda,"<img src={EXPORT}>"\n'.encode()
    assert post_case(owner, [("data.csv", table)]).status_code == 302
    case_id, (csv_id,), _item = only_case(app)
    hr = login(app, make_user(Role.hr).email)
    html = hr.get(f"/hr/portfolios/{case_id}/files/{csv_id}/preview").get_data(as_text=True)
    assert "<td>Ada</td>" in html and f"&lt;img src={EXPORT}&gt;" in html
    assert hr.get(f"/hr/portfolios/{case_id}/files/{csv_id}/preview/document").status_code == 404
