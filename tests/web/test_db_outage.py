"""PostgreSQL restarted mid-exam (issue 18 item 3): a throwaway cluster of its own (initdb in a
temporary folder, on a free port) is stopped while a candidate autosaves and started again.
During the outage every save and page is a 503 with Retry-After, never a 500; after it, saves
succeed again; at the end the database holds every question's last acknowledged save, exactly.

The shared cluster the other tests use is never touched."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hirebench.extensions import db
from hirebench.models import Answer, Role, User
from tests.conftest import AuthActions, require_service
from tests.web.test_candidate_exam import MINI, Api, _load, _start

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

QUESTIONS = ("explain-gd", "add-task")


def _bindir() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        require_service("PostgreSQL", "no server binaries under /usr/lib/postgresql")
    return versions[-1].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster in a temporary folder, run by the postgres user (initdb refuses
    root)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.bindir = _bindir()

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        require_service("PostgreSQL", "a throwaway cluster needs root (runuser postgres)")
    folder = Path(tempfile.mkdtemp(prefix="hb-outage-"))
    server = Cluster(folder)
    try:
        server.create()
        server.start()
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        require_service("PostgreSQL", f"cannot run a throwaway cluster: {exc}")
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()  # fails when a failed test left it stopped
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_config(app_config: dict[str, Any], cluster: Cluster) -> dict[str, Any]:
    return {**app_config, "SQLALCHEMY_DATABASE_URI": cluster.url, "GRADING_WORKERS": 0}


def test_postgres_restarted_mid_exam(
    app: Flask,
    client: FlaskClient,
    cluster: Cluster,
    make_user: Callable[..., User],
    auth: AuthActions,
) -> None:
    slug = _load(app, MINI)
    candidate = make_user(Role.candidate)
    assert auth.login(candidate.email).status_code == 302
    attempt_id = _start(client, slug)
    api = Api(client, attempt_id)
    acked: dict[str, tuple[int, str]] = {}  # question -> (revision, text) last acknowledged
    statuses: list[int] = []
    seq = 0

    def save(question: str, text: str) -> int:
        nonlocal seq
        seq += 1
        base = acked.get(question, (0, ""))[0]
        body = {"value": text, "client": "page-1", "seq": seq, "base": base}
        response = api.post(f"/answers/{question}", body)
        statuses.append(response.status_code)
        if response.status_code == 200:
            acked[question] = (response.get_json()["revision"], text)
        return response.status_code

    for round_ in range(5):
        for question in QUESTIONS:
            assert save(question, f"{question} before the outage, {round_}") == 200

    cluster.stop()
    for round_ in range(3):
        for question in QUESTIONS:
            response_status = save(question, f"{question} during the outage, {round_}")
            assert response_status == 503
    during = api.post(f"/answers/{QUESTIONS[0]}", {"value": "plain"})
    assert during.status_code == 503
    assert during.headers["Retry-After"] == "5"
    assert during.get_json()["message"]
    page = client.get(f"/exam/attempts/{attempt_id}")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "503" in page.get_data(as_text=True)

    cluster.start()
    for round_ in range(5):
        for question in QUESTIONS:
            # The first request after the restart may meet a pooled connection that died
            # with the server: a 503 the page retries, never a 500.
            for _attempt in range(3):
                if save(question, f"{question} after the outage, {round_}") == 200:
                    break
            else:
                pytest.fail(f"{question} could not be saved after the restart")
    assert client.get(f"/exam/attempts/{attempt_id}").status_code == 200

    assert 500 not in statuses
    assert set(statuses) <= {200, 503}
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.question_id, Answer.revision, Answer.value).where(
                Answer.attempt_id == attempt_id
            )
        ).all()
    assert {question: (revision, value) for question, revision, value in rows} == acked
    assert all(text.endswith("after the outage, 4") for _revision, text in acked.values())
