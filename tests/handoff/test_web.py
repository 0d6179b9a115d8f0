"""HR's New hires page and its exports: HR and admins only, masked numbers, the filter with
its errors, pagination, and an audit row per export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from hirebench.extensions import db
from hirebench.models import AuditEvent, Role, User
from hirebench.web import hr_hires
from tests.conftest import AuthActions
from tests.handoff import helpers
from tests.handoff.helpers import BANK_ACCOUNT, ID_NUMBER


@pytest.fixture
def hires(app: Flask) -> dict[str, int]:
    with app.app_context():
        first = helpers.offer()
        helpers.onboard(first)
        later = helpers.offer(
            on_job=first.job,
            person=helpers.candidate("李娜"),
            accepted_at=datetime(2026, 3, 20, 10, 0),
        )
        other = helpers.offer(on_job=helpers.job("数据分析师"), person=helpers.candidate("王芳"))
        db.session.commit()
        return {"job": first.job.id, "other_job": other.job.id, "later": later.offer.id}


def login(auth: AuthActions, make_user: Callable[..., User], role: Role) -> None:
    assert auth.login(make_user(role).email).status_code == 302


def test_hr_sees_hires_with_numbers_masked(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], hires: dict[str, int]
) -> None:
    login(auth, make_user, Role.hr)
    response = client.get("/hr/hires/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "张伟" in html and "李娜" in html and "王芳" in html
    assert "**************123X" in html and "************6789" in html
    assert ID_NUMBER not in html and BANK_ACCOUNT not in html
    assert "CNY 18,000 × 13" in html
    assert 'href="/hr/hires/"' in client.get("/hr/").get_data(as_text=True)  # in the menu


def test_the_filter_narrows_the_list_and_the_export_links(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], hires: dict[str, int]
) -> None:
    login(auth, make_user, Role.admin)
    html = client.get(f"/hr/hires/?job={hires['job']}&from=2026-03-10").get_data(as_text=True)
    assert "李娜" in html and "张伟" not in html and "王芳" not in html
    assert f"/hr/hires/export.csv?job={hires['job']}&amp;from=2026-03-10" in html


@pytest.mark.parametrize(
    "query", ["from=2026-13-01", "to=03/01/2026", "from=2026-03-02&to=2026-03-01", "job=x"]
)
def test_a_bad_filter_is_400_and_says_why(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    hires: dict[str, int],
    query: str,
) -> None:
    login(auth, make_user, Role.hr)
    page = client.get(f"/hr/hires/?{query}")
    assert page.status_code == 400
    assert 'role="alert"' in page.get_data(as_text=True)
    assert client.get(f"/hr/hires/export.csv?{query}").status_code == 400


def test_the_list_is_paginated(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    hires: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hr_hires, "PER_PAGE", 2)
    login(auth, make_user, Role.hr)
    first = client.get("/hr/hires/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "李娜" in first  # the latest acceptance first
    second = client.get("/hr/hires/?page=2").get_data(as_text=True)
    assert first.count("<tr data-offer") == 2 and second.count("<tr data-offer") == 1


@pytest.mark.parametrize("role", [Role.reviewer, Role.interviewer, Role.business, Role.candidate])
def test_only_hr_and_admins_may_look(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], role: Role
) -> None:
    login(auth, make_user, role)
    for url in ("/hr/hires/", "/hr/hires/export.csv", "/hr/hires/export.xlsx"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get("/hr/hires/export.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_exports_are_audited_and_match_the_filter(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    hires: dict[str, int],
) -> None:
    login(auth, make_user, Role.hr)
    query = f"job={hires['job']}&from=2026-03-01&to=2026-03-31"
    response = client.get(f"/hr/hires/export.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert (
        f'filename="hires-job-{hires["job"]}-from-2026-03-01-to-2026-03-31.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert sorted(row[3] for row in rows[1:]) == sorted(["张伟", "李娜"])

    workbook = client.get(f"/hr/hires/export.xlsx?{query}")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet.title == "AI 训练师 — 电商" and sheet.max_row == 3

    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.like("export.hires_%"))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["export.hires_csv", "export.hires_xlsx"]
        assert all(e.target_id == str(hires["job"]) and e.detail["rows"] == 2 for e in events)
        assert events[0].detail["range"]["from"] == "2026-03-01"


def test_exports_refuse_an_unknown_job_and_embedded_requests(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], hires: dict[str, int]
) -> None:
    login(auth, make_user, Role.hr)
    assert client.get("/hr/hires/export.csv?job=4242").status_code == 404
    embedded = client.get(
        "/hr/hires/export.csv", headers={"Sec-Fetch-Dest": "image", "Sec-Fetch-Site": "cross-site"}
    )
    assert embedded.status_code == 403
