"""The onboarding pages: the new hire's own checklist, guide, uploads and personal details;
HR's progress list and detail; who may see what (404 for another candidate's, 403 for the
wrong role) and CSRF on every form. Requests run outside any test app context, so each one
logs in and reads the database as a real request does."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from hirebench.extensions import db
from hirebench.models import AuditEvent, Onboarding, OnboardingTask, Role, User
from hirebench.onboarding import service
from hirebench.onboarding.personal import prc_check_char
from tests.conftest import AuthActions, csrf_from
from tests.onboarding.conftest import create_hire

ID_NUMBER = "44030419900101123" + prc_check_char("44030419900101123")
WRONG_ID = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass(frozen=True)
class Ids:
    onboarding: int
    candidate: str  # emails, to log in
    hr: str
    candidate_id: int
    hr_id: int
    job: int


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def new_hire(app: Flask, make_user: Callable[..., User]) -> Callable[..., Ids]:
    def make(days: int = 14, email: str | None = None) -> Ids:
        with app.app_context():
            hire = create_hire(make_user, date.today() + timedelta(days=days), email=email)
            return Ids(
                hire.onboarding.id,
                hire.candidate.email,
                hire.hr.email,
                hire.candidate.id,
                hire.hr.id,
                hire.job_id,
            )

    return make


@pytest.fixture
def hire(new_hire: Callable[..., Ids]) -> Ids:
    return new_hire()


def tasks(app: Flask, onboarding_id: int) -> dict[str, dict[str, Any]]:
    """The onboarding's tasks by key, read in a context of their own."""
    with app.app_context():
        onboarding = db.session.get(Onboarding, onboarding_id)
        assert onboarding is not None
        return {
            t.key: {
                "id": t.id,
                "done": t.done,
                "done_by_id": t.done_by_id,
                "file_name": t.file_name,
                "file_path": t.file_path,
                "file_size": t.file_size,
                "due": t.due_date.isoformat(),
            }
            for t in onboarding.tasks
        }


def personal_of(app: Flask, onboarding_id: int) -> dict[str, Any] | None:
    with app.app_context():
        onboarding = db.session.get(Onboarding, onboarding_id)
        assert onboarding is not None
        return onboarding.personal


def audit(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        return list(
            db.session.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == action))
        )


def in_context(app: Flask, action: Callable[[], None]) -> None:
    with app.app_context():
        action()


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def post(client: FlaskClient, url: str, token_page: str, **data: Any) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf_from(page(client, token_page)), **data})


def test_the_new_hire_sees_their_checklist_and_guide(
    app: Flask, client: FlaskClient, auth: AuthActions, hire: Ids
) -> None:
    auth.login(hire.candidate)
    url = f"/onboarding/{hire.onboarding}"
    assert url in client.get("/", follow_redirects=True).get_data(as_text=True)
    assert client.get("/onboarding/").headers["Location"].endswith(url)
    html = page(client, url)
    assert "09:00" in html
    assert "690 Bibo Road" in html  # the English address on an English page
    assert "Your ID card, with 2 photocopies" in html
    assert "021-6080-1234" in html and "hr@example.com" in html
    assert "Upload your pre-employment medical report" in html
    assert tasks(app, hire.onboarding)["medical-report"]["due"] in html
    assert 'data-state="blocks"' in html
    post(client, "/language", url, language="zh_Hans")
    chinese = page(client, url)
    assert "上传入职体检报告" in chinese and "碧波路 690 号" in chinese


def test_marking_own_tasks_done(
    app: Flask, client: FlaskClient, auth: AuthActions, hire: Ids
) -> None:
    auth.login(hire.candidate)
    url = f"/onboarding/{hire.onboarding}"
    before = tasks(app, hire.onboarding)
    done = post(client, f"{url}/tasks/{before['handbook']['id']}/done", url)
    assert done.status_code == 302
    assert tasks(app, hire.onboarding)["handbook"]["done_by_id"] == hire.candidate_id
    # IT's task is not the new hire's to complete.
    assert post(client, f"{url}/tasks/{before['it-account']['id']}/done", url).status_code == 403
    assert not tasks(app, hire.onboarding)["it-account"]["done"]
    # A required upload cannot be skipped by clicking.
    refused = post(client, f"{url}/tasks/{before['medical-report']['id']}/done", url)
    assert "Upload the file first" in page(client, refused.headers["Location"])


def _upload(client: FlaskClient, url: str, task_id: int, name: str, data: bytes) -> TestResponse:
    token = csrf_from(page(client, url))
    return client.post(
        f"{url}/tasks/{task_id}/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_uploads_good_too_big_and_wrong_type(
    app: Flask, client: FlaskClient, auth: AuthActions, hire: Ids
) -> None:
    auth.login(hire.candidate)
    url = f"/onboarding/{hire.onboarding}"
    medical = tasks(app, hire.onboarding)["medical-report"]["id"]

    wrong = _upload(client, url, medical, "report.pdf", b"<html><script>1</script></html>")
    assert wrong.status_code == 400 and "report.pdf" in wrong.get_data(as_text=True)
    notebook = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    refused = _upload(client, url, medical, "report.ipynb", notebook)
    assert "Upload a PDF or an image" in refused.get_data(as_text=True)
    app.config["PORTFOLIO_MAX_FILE_MB"] = 1
    big = _upload(client, url, medical, "scan.pdf", PDF + b"0" * (1 << 20))
    assert big.status_code == 400 and "at most 1 MB" in big.get_data(as_text=True)
    assert not tasks(app, hire.onboarding)["medical-report"]["done"]
    codes = sorted(d["code"] for d in audit(app, "onboarding.upload_rejected"))
    assert codes == ["forbidden_type", "forbidden_type", "too_large"]

    assert _upload(client, url, medical, "体检报告.pdf", PDF).status_code == 302
    saved = tasks(app, hire.onboarding)["medical-report"]
    assert saved["done"] and saved["file_name"] == "体检报告.pdf" and saved["file_size"] == len(PDF)
    with app.app_context():
        stored = service.store().path(saved["file_path"])
    assert stored.read_bytes() == PDF
    assert not stored.is_relative_to(str(app.static_folder))
    download = client.get(f"{url}/tasks/{medical}/file")
    assert download.data == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    # A replacement removes the earlier file.
    assert _upload(client, url, medical, "scan.png", png()).status_code == 302
    assert not stored.exists()
    assert tasks(app, hire.onboarding)["medical-report"]["file_name"] == "scan.png"


def test_personal_details_are_validated_and_shown_masked(
    app: Flask, client: FlaskClient, auth: AuthActions, hire: Ids
) -> None:
    auth.login(hire.candidate)
    url = f"/onboarding/{hire.onboarding}"
    fields = {
        "id_type": "prc_id",
        "id_number": WRONG_ID,
        "bank_name": "招商银行上海张江支行",
        "bank_account": "6225 8801 3770 6868",
    }
    bad = post(client, f"{url}/personal", url, **fields)
    assert bad.status_code == 400 and "does not match" in bad.get_data(as_text=True)
    assert personal_of(app, hire.onboarding) is None
    fields["id_number"] = ID_NUMBER
    assert post(client, f"{url}/personal", url, **fields).status_code == 302
    saved = personal_of(app, hire.onboarding)
    assert saved is not None and saved["bank_account"] == "6225880137706868"
    assert saved["id_number"] == ID_NUMBER
    assert tasks(app, hire.onboarding)["personal-details"]["done"]
    mine = page(client, url)
    assert ID_NUMBER not in mine and "6225880137706868" not in mine
    assert "**************" + ID_NUMBER[-4:] in mine and "************6868" in mine
    assert ID_NUMBER not in str(audit(app, "onboarding.personal"))
    auth.logout()
    auth.login(hire.hr)
    detail = page(client, f"/onboarding/hr/{hire.onboarding}")
    assert ID_NUMBER not in detail and "6225880137706868" not in detail
    assert "**************" + ID_NUMBER[-4:] in detail and "************6868" in detail


def test_another_candidate_gets_404_and_other_roles_403(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    hire: Ids,
    make_user: Callable[..., User],
) -> None:
    found = tasks(app, hire.onboarding)
    handbook, medical = found["handbook"]["id"], found["medical-report"]["id"]

    def attach() -> None:
        task = db.session.get(OnboardingTask, medical)
        assert task is not None
        service.attach_file(task, task.onboarding.candidate, "r.pdf", PDF)

    in_context(app, attach)
    other = make_user(Role.candidate, name="Other")
    auth.login(other.email)
    base = f"/onboarding/{hire.onboarding}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/tasks/{medical}/file").status_code == 404
    assert post(client, f"{base}/tasks/{handbook}/done", "/onboarding/").status_code == 404
    assert client.get("/onboarding/hr/").status_code == 403
    assert [d["count"] for d in audit(app, "onboarding.denied")] == [3]
    auth.logout()
    reviewer = make_user(Role.reviewer)
    auth.login(reviewer.email)
    hr_file = f"/onboarding/hr/{hire.onboarding}/tasks/{medical}/file"
    for url in (base, "/onboarding/hr/", f"/onboarding/hr/{hire.onboarding}", hr_file):
        assert client.get(url).status_code == 403, url
    auth.logout()
    auth.login(hire.hr)
    assert client.get(base).status_code == 403  # HR uses its own view
    assert client.get("/onboarding/hr/999").status_code == 404


def test_forms_need_their_csrf_token(
    app: Flask, client: FlaskClient, auth: AuthActions, hire: Ids
) -> None:
    found = tasks(app, hire.onboarding)
    auth.login(hire.candidate)
    url = f"/onboarding/{hire.onboarding}"
    assert client.post(f"{url}/tasks/{found['handbook']['id']}/done").status_code == 400
    upload = client.post(
        f"{url}/tasks/{found['medical-report']['id']}/upload",
        data={"file": (io.BytesIO(PDF), "r.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400
    details = {"id_type": "prc_id", "id_number": ID_NUMBER, "bank_name": "B"}
    personal = client.post(f"{url}/personal", data={**details, "bank_account": "1" * 16})
    assert personal.status_code == 400
    after = tasks(app, hire.onboarding)
    assert not after["handbook"]["done"] and not after["medical-report"]["file_path"]
    assert personal_of(app, hire.onboarding) is None
    auth.logout()
    auth.login(hire.hr)
    it_done = f"/onboarding/hr/{hire.onboarding}/tasks/{found['it-account']['id']}/done"
    assert client.post(it_done).status_code == 400
    assert not tasks(app, hire.onboarding)["it-account"]["done"]


def _cell(row: str, field: str) -> str:
    return row.split(f'data-field="{field}">')[1].split("</td>")[0]


def test_hr_sees_progress_overdue_and_blockers_and_completes_staff_tasks(
    app: Flask, client: FlaskClient, auth: AuthActions, new_hire: Callable[..., Ids]
) -> None:
    later = new_hire(days=30, email="later@example.com")
    soon = new_hire(days=2, email="soon@example.com")
    found = tasks(app, soon.onboarding)
    auth.login(soon.candidate)
    mine = f"/onboarding/{soon.onboarding}"
    post(client, f"{mine}/tasks/{found['handbook']['id']}/done", mine)
    auth.logout()
    auth.login(soon.hr)
    html = page(client, "/onboarding/hr/")
    rows = html.split('data-onboarding="')[1:]
    # The nearest start date first.
    assert [r.split('"')[0] for r in rows] == [str(soon.onboarding), str(later.onboarding)]
    assert _cell(rows[0], "progress") == "1/9"
    # Due 7 days before a start 2 days away: the personal details are overdue.
    assert "Enter your ID number and salary bank account" in _cell(rows[0], "overdue")
    blocking = _cell(rows[0], "blocking")
    assert "medical report" in blocking and "Sign the labour contract" in blocking
    assert _cell(rows[1], "overdue") == "—"

    detail = f"/onboarding/hr/{soon.onboarding}"
    assert (
        post(client, f"{detail}/tasks/{found['it-account']['id']}/done", detail).status_code == 302
    )
    assert tasks(app, soon.onboarding)["it-account"]["done_by_id"] == soon.hr_id
    # The new hire's own task is not HR's to tick.
    own = post(client, f"{detail}/tasks/{found['handbook']['id']}/done", detail)
    assert own.status_code == 403

    def attach() -> None:
        task = db.session.get(OnboardingTask, found["medical-report"]["id"])
        assert task is not None
        service.attach_file(task, task.onboarding.candidate, "r.pdf", PDF)

    in_context(app, attach)
    download = client.get(f"{detail}/tasks/{found['medical-report']['id']}/file")
    assert download.status_code == 200 and download.data == PDF
    assert len(audit(app, "onboarding.file_read")) == 1


def test_hr_list_filters_and_pages(
    app: Flask, client: FlaskClient, auth: AuthActions, new_hire: Callable[..., Ids]
) -> None:
    first = new_hire(email="a@example.com")
    for index in range(21):
        new_hire(email=f"n{index}@example.com")
    auth.login(first.hr)

    def count(url: str) -> int:
        return page(client, url).count('data-onboarding="')

    assert count("/onboarding/hr/") == 20
    assert "Page 1 of 2" in page(client, "/onboarding/hr/")
    assert count("/onboarding/hr/?page=2") == 2
    assert count(f"/onboarding/hr/?job={first.job}&status=active") == 20
    assert count("/onboarding/hr/?job=999") == 0

    def withdraw() -> None:
        onboarding = db.session.get(Onboarding, first.onboarding)
        assert onboarding is not None
        onboarding.status = "withdrawn"
        db.session.commit()

    in_context(app, withdraw)
    assert count("/onboarding/hr/?status=withdrawn") == 1
