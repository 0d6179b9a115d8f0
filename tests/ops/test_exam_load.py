"""The issue's test: `hirebench backup` while candidates autosave an exam, `hirebench restore`
into a fresh instance, then every answer and file compared, on SQLite and on PostgreSQL.

What "nothing lost" means here, precisely:

- Every answer acknowledged before the backup began is in the restored copy: its revision is at
  least the acknowledged one, and its content is exactly what was sent with the revision it
  holds. A later save that committed before the database snapshot may have superseded it; an
  older one never does, and no restored answer holds content nobody sent.
- Every portfolio file acknowledged before the backup began is restored byte for byte, and
  every file row of the restored database has its file, matching the row's SHA-256 (uploads
  kept arriving during the backup too).
- The restored database is internally consistent: at the migrations' head with no drift
  between the models and the schema, and its row counts are the manifest's.
- The restored instance works: a candidate logs in and saves again."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient

from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.models import Answer, Attempt, PortfolioFile, Role, User
from hirebench.paths import MIGRATIONS_DIR, PROJECT_ROOT
from hirebench.reviews import rubrics
from hirebench.services import accounts
from tests.conftest import PASSWORD, AuthActions, csrf_from
from tests.ops.conftest import tree_digests

FIXTURES = PROJECT_ROOT / "tests" / "exams" / "fixtures"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CANDIDATES = 6
QUESTIONS = ("explain-gd", "add-task")  # both in every attempt of the mini exam
CASE = {
    "title": "Intent labels for a shop",
    "description": "Relabelled search intents.",
    "role": "I wrote the guideline.",
    "data_volume": "3,000 queries",
    "results": "Agreement 0.82",
    "repo_url": "https://example.com/labels",
}
Key = tuple[int, str]  # (attempt id, question id)


def answer_text(candidate: int, question: str, n: int) -> str:
    if question == "add-task":
        return f"def add(x):\n    # candidate {candidate}, save {n}\n    return x + {n}\n"
    return f"候选人 {candidate}: step {n} goes against the gradient."


@dataclass
class Candidate:
    number: int
    client: FlaskClient
    attempt_id: int
    token: str


@dataclass
class Ledger:
    """What the server acknowledged, and when, from every thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[Key, dict[int, Any]] = field(default_factory=dict)  # revision -> value
    acked: dict[Key, list[tuple[int, float]]] = field(default_factory=dict)  # (revision, at)
    ack_times: list[float] = field(default_factory=list)
    files: list[tuple[str, float]] = field(default_factory=list)  # (sha256, acknowledged at)
    errors: list[str] = field(default_factory=list)

    def save(self, key: Key, revision: int, value: Any) -> None:
        now = time.monotonic()
        with self.lock:
            self.sent.setdefault(key, {})[revision] = value
            self.acked.setdefault(key, []).append((revision, now))
            self.ack_times.append(now)

    def acked_before(self, instant: float) -> dict[Key, int]:
        """The last revision of each answer acknowledged before `instant`."""
        with self.lock:
            return {
                key: max(rev for rev, at in history if at < instant)
                for key, history in self.acked.items()
                if any(at < instant for _, at in history)
            }


# ------------------------------------------------------------------------------ the instance


def seed(app: Flask) -> None:
    with app.app_context():
        load_exam(FIXTURES / "exams" / "mini", FIXTURES / "graders")
        rubrics.load_files([PROJECT_ROOT / "exams" / "rubrics" / "portfolio-project.yaml"])
        for n in (1, 2):
            accounts.create_user(f"reviewer{n}@example.com", Role.reviewer, password=PASSWORD)
        for n in range(CANDIDATES):
            db.session.add(
                User(
                    email=f"candidate{n}@example.com",
                    name=f"考生 {n}",
                    role=Role.candidate,
                    password_hash=accounts.hash_password(PASSWORD),
                )
            )
        db.session.commit()
        db.session.remove()


def start_exam(app: Flask, number: int) -> Candidate:
    client = app.test_client()
    assert AuthActions(client).login(f"candidate{number}@example.com").status_code == 302
    page = client.get("/exam/exams/mini").get_data(as_text=True)
    response = client.post("/exam/exams/mini", data={"csrf_token": csrf_from(page), "consent": "y"})
    match = re.search(r"/exam/attempts/(\d+)$", response.headers.get("Location", ""))
    assert match, response.get_data(as_text=True)
    exam_page = client.get(match.group(0)).get_data(as_text=True)
    token = META_CSRF.search(exam_page)
    assert token
    return Candidate(number, client, int(match.group(1)), token.group(1))


def save(candidate: Candidate, question: str, value: Any) -> Any:
    return candidate.client.post(
        f"/exam/attempts/{candidate.attempt_id}/answers/{question}",
        json={"value": value},
        headers={"X-CSRFToken": candidate.token},
    )


def upload_case(client: FlaskClient, name: str, data: bytes) -> bool:
    token = csrf_from(client.get("/portfolio/").get_data(as_text=True))
    form: dict[str, Any] = {**CASE, "csrf_token": token, "files": [(io.BytesIO(data), name)]}
    response = client.post("/portfolio/", data=form, content_type="multipart/form-data")
    return response.status_code == 302


# ------------------------------------------------------------------------------ the load


def autosave(candidate: Candidate, ledger: Ledger, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        for question in QUESTIONS:
            value = answer_text(candidate.number, question, n)
            response = save(candidate, question, value)
            if response.status_code == 200:
                ledger.save(
                    (candidate.attempt_id, question), response.get_json()["revision"], value
                )
            else:
                ledger.errors.append(f"{response.status_code} {response.get_data(as_text=True)}")
        n += 1
        time.sleep(0.005)


def keep_uploading(candidate: Candidate, ledger: Ledger, stop: threading.Event) -> None:
    """One candidate adds project cases (each with one file) while the others autosave."""
    n = 0
    while not stop.is_set() and n < 5:  # a candidate may keep at most a few cases
        data = f"# Case {n}\n\nLabelled {n * 1000} queries.\n".encode()
        if upload_case(candidate.client, f"case-{n}.md", data):
            with ledger.lock:
                ledger.files.append((hashlib.sha256(data).hexdigest(), time.monotonic()))
        n += 1
        time.sleep(0.05)


def wait_for_saves(ledger: Ledger, keys: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(ledger.acked_before(time.monotonic())) < keys:
        assert not ledger.errors, ledger.errors[:3]
        assert time.monotonic() < deadline, "the candidates' saves did not get through"
        time.sleep(0.02)


# ------------------------------------------------------------------------------ the test


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_urls(request: pytest.FixtureRequest) -> tuple[str | None, str | None]:
    """(source, target) database URLs; None means a SQLite file of the instance's own."""
    if request.param == "sqlite":
        return None, None
    create: Callable[[], str] = request.getfixturevalue("postgres_databases")
    return create(), create()


def test_backup_under_autosave_load_restores_every_answer_and_file(
    make_instance: Callable[..., Flask],
    database_urls: tuple[str | None, str | None],
    tmp_path: Path,
) -> None:
    source = make_instance("source", database_urls[0])
    seed(source)
    candidates = [start_exam(source, n) for n in range(CANDIDATES)]
    ledger = Ledger()
    assert upload_case(candidates[0].client, "before.md", b"# Before the backup\n")
    ledger.files.append((hashlib.sha256(b"# Before the backup\n").hexdigest(), time.monotonic()))

    stop = threading.Event()
    threads = [threading.Thread(target=autosave, args=(c, ledger, stop)) for c in candidates]
    threads.append(threading.Thread(target=keep_uploading, args=(candidates[1], ledger, stop)))
    for thread in threads:
        thread.start()
    try:
        wait_for_saves(ledger, CANDIDATES * len(QUESTIONS))
        began = time.monotonic()
        result = source.test_cli_runner().invoke(args=["backup", str(tmp_path)])
        ended = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert result.exit_code == 0, result.output
    assert ledger.errors == []
    during = [t for t in ledger.ack_times if began <= t <= ended]
    assert during, f"no save was acknowledged during the {ended - began:.2f} s backup"
    archive = next(tmp_path.glob("hirebench-backup-*.tar.gz"))

    target = make_instance("target", database_urls[1], migrate=False)
    restored = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.output

    check_answers(target, ledger, began)
    check_files(target, ledger, began, archive)
    check_schema(target, archive)
    check_still_works(target)


def check_answers(target: Flask, ledger: Ledger, began: float) -> None:
    with target.app_context():
        rows = {
            (a.attempt_id, a.question_id): (a.revision, a.value)
            for a in db.session.scalars(sa.select(Answer))
        }
    required = ledger.acked_before(began)
    assert len(required) == CANDIDATES * len(QUESTIONS)
    for key, acked_revision in required.items():
        assert key in rows, f"answer {key}, acknowledged before the backup, is missing"
        revision, value = rows[key]
        assert revision >= acked_revision, (key, revision, acked_revision)
    for key, (revision, value) in rows.items():
        assert ledger.sent[key].get(revision) == value, f"{key} holds content nobody sent"


def check_files(target: Flask, ledger: Ledger, began: float, archive: Path) -> None:
    uploads = Path(target.config["UPLOAD_ROOT"])
    with target.app_context():
        stored = [(f.storage_name, f.sha256) for f in db.session.scalars(sa.select(PortfolioFile))]
    for storage_name, sha256 in stored:
        path = uploads / "portfolios" / storage_name
        assert path.is_file(), f"the restored row names a missing file {storage_name}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    required = {sha for sha, at in ledger.files if at < began}
    assert required, "some uploads were acknowledged before the backup"
    assert required <= {sha for _, sha in stored}
    with tarfile.open(archive) as reading:
        manifest = json.load(reading.extractfile("manifest.json"))  # type: ignore[arg-type]
    listed = {
        f["path"].removeprefix("uploads/"): f["sha256"]
        for f in manifest["files"]
        if f["path"].startswith("uploads/")
    }
    assert tree_digests(uploads) == listed


def check_schema(target: Flask, archive: Path) -> None:
    with tarfile.open(archive) as reading:
        manifest = json.load(reading.extractfile("manifest.json"))  # type: ignore[arg-type]
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with target.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == head == manifest["alembic_revision"]
        assert compare_metadata(context, db.metadata) == []
        for table, count in manifest["row_counts"].items():
            query = sa.select(sa.func.count()).select_from(sa.table(table))
            assert connection.scalar(query) == count, table


def check_still_works(target: Flask) -> None:
    """A candidate logs in to the restored instance, finds the exam in progress, and saves."""
    with target.app_context():
        attempt_id, revision = db.session.execute(
            sa.select(Answer.attempt_id, Answer.revision)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .join(User, User.id == Attempt.candidate_id)
            .where(User.email == "candidate3@example.com", Answer.question_id == "explain-gd")
        ).one()
        db.session.remove()
    client = target.test_client()
    assert AuthActions(client).login("candidate3@example.com").status_code == 302
    assert 'data-state="in_progress"' in client.get("/exam/").get_data(as_text=True)
    page = client.get(f"/exam/attempts/{attempt_id}").get_data(as_text=True)
    token = META_CSRF.search(page)
    assert token
    again = save(Candidate(3, client, attempt_id, token.group(1)), "explain-gd", "After restore.")
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.get_json()["revision"] == revision + 1
