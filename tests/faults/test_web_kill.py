"""The web process is SIGKILLed mid-exam (issue 18 item 3): candidates autosave over HTTP to a
real `hirebench serve` while it is killed and started again on the same instance and port, on
SQLite and on PostgreSQL. Every save the server acknowledged (a 200) is in the database with its
last acknowledged text and revision, and the attempt's deadline is the same before and after:
the page's timer goes on from the server's deadline, not from a fresh start."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.models import Answer, Attempt, Role, User
from hirebench.services import accounts
from tests.conftest import PASSWORD, csrf_from
from tests.faults.conftest import Process, Server, observe, process_env
from tests.polling import wait_for
from tests.web.test_candidate_exam import GRADERS, MINI

pytestmark = [pytest.mark.faults, pytest.mark.slow]

CANDIDATES = 3
QUESTIONS = ("explain-gd", "add-task")  # in every variant of the mini exam
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
DEADLINE = re.compile(r'data-deadline-ms="(\d+)"')
AFTER_RESTART = 5  # acknowledged saves each question must get after the restart


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_config(
    request: pytest.FixtureRequest, app_config: dict[str, Any], tmp_path: Path
) -> dict[str, Any]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'exam.sqlite3'}"
    return {**app_config, "SQLALCHEMY_DATABASE_URI": url, "GRADING_WORKERS": 0}


class Candidate:
    """A browser's session: logs in, starts the exam, reads the exam page."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.email = email
        self.session = requests.Session()
        self.attempt_id = 0
        self.token = ""

    def login(self) -> None:
        page = self.session.get(f"{self.base}/login", timeout=10)
        form = {"email": self.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        reply = self.session.post(
            f"{self.base}/login", data=form, allow_redirects=False, timeout=10
        )
        assert reply.status_code == 302, reply.text[:500]

    def start(self, slug: str) -> None:
        page = self.session.get(f"{self.base}/exam/exams/{slug}", timeout=10)
        form = {"csrf_token": csrf_from(page.text), "consent": "y"}
        reply = self.session.post(
            f"{self.base}/exam/exams/{slug}", data=form, allow_redirects=False, timeout=10
        )
        match = re.search(r"/exam/attempts/(\d+)$", reply.headers.get("Location", ""))
        assert match, reply.text[:500]
        self.attempt_id = int(match.group(1))

    def exam_page(self) -> int:
        """Reads the page's CSRF token; returns the deadline the page's timer counts to."""
        page = self.session.get(f"{self.base}/exam/attempts/{self.attempt_id}", timeout=10)
        assert page.status_code == 200, page.status_code
        token, deadline = META_CSRF.search(page.text), DEADLINE.search(page.text)
        assert token and deadline
        self.token = token.group(1)
        return int(deadline.group(1))


@dataclass
class Saver:
    """One question's autosave, as the exam page does it: every edit gets a new seq, edited
    from the last acknowledged revision; a save that got no answer is kept and sent again
    until one comes."""

    candidate: Candidate
    question: str
    lock: threading.Lock
    acked: list[tuple[int, str, float]] = field(default_factory=list)  # revision, text, at
    deadlines: set[int] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)
    unanswered: list[float] = field(default_factory=list)  # when a request got no answer

    def run(self, stop: threading.Event) -> None:
        session = requests.Session()  # one per thread; the login's cookies
        session.cookies.update(self.candidate.session.cookies)
        url = (
            f"{self.candidate.base}/exam/attempts/{self.candidate.attempt_id}"
            f"/answers/{self.question}"
        )
        client = f"page-{self.candidate.attempt_id}-{self.question}"
        seq, base = 0, 0
        while not stop.is_set():
            seq += 1
            text = f"{self.question} edit {seq} by {self.candidate.email}"
            body: dict[str, Any] = {"value": text, "client": client, "seq": seq, "base": base}
            while not stop.is_set():
                try:
                    reply = session.post(
                        url, json=body, headers={"X-CSRFToken": self.candidate.token}, timeout=5
                    )
                except requests.RequestException:
                    self.unanswered.append(time.monotonic())
                    time.sleep(0.05)  # the page retries with backoff; a short one here
                    continue
                self.statuses.append(reply.status_code)
                if reply.status_code != 200:
                    return  # anything but 200 fails the test below
                data = reply.json()
                base = int(data["revision"])
                with self.lock:
                    self.acked.append((base, text, time.monotonic()))
                    self.deadlines.add(int(data["deadline_ms"]))
                break
            time.sleep(0.01)

    def acked_after(self, moment: float) -> int:
        with self.lock:
            return sum(1 for _rev, _text, at in self.acked if at > moment)


def _seed(app: Flask) -> str:
    with app.app_context():
        slug = load_exam(MINI, GRADERS).exam.slug
        for n in range(CANDIDATES):
            db.session.add(
                User(
                    email=f"candidate{n}@example.com",
                    name=f"Candidate {n}",
                    role=Role.candidate,
                    password_hash=accounts.hash_password(PASSWORD),
                )
            )
        db.session.commit()
        db.session.remove()
    return slug


def _stored(app: Flask) -> dict[tuple[int, str], tuple[int, Any]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.attempt_id, Answer.question_id, Answer.revision, Answer.value)
        ).all()
        db.session.remove()
    return {(a, q): (revision, value) for a, q, revision, value in rows}


def _deadlines(app: Flask) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(sa.select(Attempt.id, Attempt.deadline_at)).all()
        db.session.remove()
    return {attempt_id: int(deadline.timestamp()) for attempt_id, deadline in rows}


def _kill_and_restart(
    server: Server, tmp_path: Path, processes: list[Process], savers: list[Saver]
) -> dict[str, Any]:
    """SIGKILL the server mid-save, start a new one on the same instance and port, and wait
    until every question has been saved a few times more."""
    killed_at = time.monotonic()
    server.kill()
    acked_before_kill = sum(len(s.acked) for s in savers)
    time.sleep(0.5)  # saves keep failing while nothing listens
    restarted = Server(server.env, tmp_path / "serve-2.log", port=server.port)
    restart_at = time.monotonic()
    processes.append(restarted.start())
    startup = restarted.wait_live()
    back_at = time.monotonic()
    wait_for(
        lambda: all(s.acked_after(back_at) >= AFTER_RESTART for s in savers),
        60,
        "saves after the restart",
    )
    first_ack = min(at for s in savers for _r, _t, at in s.acked if at > restart_at)
    return {
        "acked_before_kill": acked_before_kill,
        "restart_to_live_s": startup,
        "kill_to_first_ack_s": first_ack - killed_at,
    }


def test_sigkill_mid_exam_loses_no_acknowledged_save(
    app: Flask, tmp_path: Path, processes: list[Process]
) -> None:
    slug = _seed(app)
    env = process_env(
        app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance", HIREBENCH_GRADING_WORKERS="0"
    )
    server = Server(env, tmp_path / "serve.log")
    processes.append(server.start())
    server.wait_live()

    candidates = [Candidate(server.url, f"candidate{n}@example.com") for n in range(CANDIDATES)]
    deadlines_before = {}
    for candidate in candidates:
        candidate.login()
        candidate.start(slug)
        deadlines_before[candidate.attempt_id] = candidate.exam_page()
    rows_before = _deadlines(app)

    lock, stop = threading.Lock(), threading.Event()
    savers = [Saver(c, q, lock) for c in candidates for q in QUESTIONS]
    threads = [threading.Thread(target=s.run, args=(stop,), daemon=True) for s in savers]
    for thread in threads:
        thread.start()
    wait_for(lambda: all(len(s.acked) >= 5 for s in savers), 30, "saves before the kill")

    timings = _kill_and_restart(server, tmp_path, processes, savers)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)

    statuses = [status for s in savers for status in s.statuses]
    assert set(statuses) == {200}, sorted(set(statuses))
    stored = _stored(app)
    for saver in savers:
        revision, text, _at = saver.acked[-1]
        assert stored[(saver.candidate.attempt_id, saver.question)] == (revision, text)
    # The deadline is the server's: unchanged by the restart, in the rows, the save replies and
    # the exam page served by the new process.
    assert _deadlines(app) == rows_before
    for candidate in candidates:
        assert candidate.exam_page() == deadlines_before[candidate.attempt_id]
    for saver in savers:
        assert saver.deadlines == {deadlines_before[saver.candidate.attempt_id]}

    observe(
        f"web-sigkill[{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}]",
        acked_saves=len(statuses),
        unanswered_requests=sum(len(s.unanswered) for s in savers),
        lost=0,
        deadline_changed=0,
        **timings,
    )
