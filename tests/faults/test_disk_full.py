"""The upload disk fills up (issue 18 item 3). The instance's upload folder is a 1 MB tmpfs,
mostly filled by other files; a candidate's project case and a new hire's onboarding document
that do not fit get a clear message in a 503 page (never a 500), and nothing of them is left:
no file, no temporary, no row. Once there is room again the same uploads succeed.

Resumes in screening are not written to the upload folder (their text and fields live in the
database), so this fault does not reach them."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import (
    AuditEvent,
    OnboardingTask,
    Portfolio,
    PortfolioFile,
    ReviewItem,
    Role,
    User,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics
from tests.conftest import AuthActions, csrf_from, require_service
from tests.faults.conftest import observe
from tests.onboarding.conftest import create_hire
from tests.web.test_portfolio import FIELDS

pytestmark = [pytest.mark.faults]

KB = 1024
MESSAGE = "The server has no room to store files right now"
PDF_HEAD = b"%PDF-1.4\n1 0 obj << >> endobj\n"
PDF_TAIL = b"trailer << >>\n%%EOF\n"


def markdown(size: int) -> bytes:
    line = b"Relabelled queries, with the guideline's notes and the agreement figures.\n"
    return (b"# Case\n\n" + line * (size // len(line) + 1))[:size]


def pdf(size: int) -> bytes:
    padding = b"% filler\n" * ((size - len(PDF_HEAD) - len(PDF_TAIL)) // 9)
    return PDF_HEAD + padding + PDF_TAIL


@pytest.fixture
def upload_disk() -> Iterator[Path]:
    """A 1 MB tmpfs, mounted for this test only."""
    if os.geteuid() != 0:
        require_service("root", "mounting a small tmpfs as the upload folder needs root")
    folder = Path(tempfile.mkdtemp(prefix="hb-faults-uploads-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        require_service("tmpfs", f"cannot mount one: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_config(app_config: dict[str, Any], upload_disk: Path) -> dict[str, Any]:
    return {**app_config, "UPLOAD_ROOT": str(upload_disk)}


@pytest.fixture
def app(app: Flask) -> Flask:
    with app.app_context():
        rubrics.load_files([PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"])
    return app


def _fill(folder: Path, leave: int) -> Path:
    """A file that leaves about `leave` bytes free on the folder's file system."""
    folder.mkdir(mode=0o700, exist_ok=True)
    ballast = folder / "ballast"
    free = shutil.disk_usage(folder).free
    ballast.write_bytes(b"\0" * (free - leave))
    return ballast


def _files(folder: Path) -> list[str]:
    """Every file under the folder (temporaries included), but the ballast."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and path.name != "ballast"
    )


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _post_case(client: FlaskClient, files: list[tuple[str, bytes]]) -> Any:
    token = csrf_from(client.get("/portfolio/").get_data(as_text=True))
    data: dict[str, Any] = {**FIELDS, "csrf_token": token}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/portfolio/", data=data, content_type="multipart/form-data")


def test_a_project_case_that_does_not_fit_leaves_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    for n in (1, 2):
        make_user(Role.reviewer, email=f"reviewer{n}@example.com")
    candidate = make_user(Role.candidate, email="zhang.wei@example.com")
    assert auth.login(candidate.email).status_code == 302
    folder = Path(app.config["UPLOAD_ROOT"]) / "portfolios"
    ballast = _fill(folder, leave=300 * KB)
    free_before = shutil.disk_usage(folder).free
    # The first file fits, the second does not: the first must go too.
    files = [("notes.md", markdown(120 * KB)), ("report.md", markdown(400 * KB))]

    refused = _post_case(client, files)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503, page[:300]
    assert MESSAGE in page and 'name="title"' in page  # the form, with the message
    assert _files(folder) == []
    assert shutil.disk_usage(folder).free == free_before
    for model in (Portfolio, PortfolioFile, ReviewItem):
        assert _count(app, model) == 0
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert "portfolio.create" not in actions

    ballast.unlink()  # the operator makes room
    accepted = _post_case(client, files)
    assert accepted.status_code == 302
    assert len(_files(folder)) == 2 and _count(app, PortfolioFile) == 2
    observe(
        "disk-full[portfolio]",
        status=refused.status_code,
        free_kb=free_before // KB,
        upload_kb=sum(len(data) for _n, data in files) // KB,
        files_left=0,
        rows_left=0,
        after_room_status=accepted.status_code,
    )


def test_an_onboarding_document_that_does_not_fit_leaves_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    with app.app_context():
        hire = create_hire(make_user, date.today() + timedelta(days=14))
        onboarding_id, email = hire.onboarding.id, hire.candidate.email
        task = next(t for t in hire.onboarding.tasks if t.key == "medical-report")
        task_id = task.id
    assert auth.login(email).status_code == 302
    url = f"/onboarding/{onboarding_id}"
    folder = Path(app.config["UPLOAD_ROOT"]) / "onboarding"
    ballast = _fill(folder, leave=200 * KB)

    def upload() -> Any:
        token = csrf_from(client.get(url).get_data(as_text=True))
        return client.post(
            f"{url}/tasks/{task_id}/upload",
            data={"csrf_token": token, "file": (io.BytesIO(pdf(400 * KB)), "scan.pdf")},
            content_type="multipart/form-data",
        )

    refused = upload()
    assert refused.status_code == 503 and MESSAGE in refused.get_data(as_text=True)
    assert _files(folder) == []
    with app.app_context():
        stored = db.session.execute(
            sa.select(AuditEvent.action).where(AuditEvent.action == "onboarding.upload")
        ).all()
        from_db = db.session.get(OnboardingTask, task_id)
        assert from_db is not None and not from_db.file_path and not from_db.done
    assert stored == []

    ballast.unlink()
    assert upload().status_code == 302
    assert len(_files(folder)) == 1
    observe("disk-full[onboarding]", status=refused.status_code, files_left=0, rows_left=0)
