"""Load: a real `hirebench serve` driven over HTTP on 127.0.0.1 by locust, used as a library
(one process, FastHttpUser, headless, every phase bounded in time), issue 18 item 1.

  baseline     one candidate saving an answer N times in a row, before any load: single_p99
  (a) autosave C candidates with the exam page open, each saving every 10 s with jitter
               (C/10 saves a second) for D seconds
  (b) start    S other candidates opening the consent screen and starting the exam, all within
               W seconds; start = pressing Start until the exam page has arrived
  (c) deadline the same S candidates saving their code and submitting, all within W seconds;
               drain_s = from the first submission until the last one is graded in a real
               Docker sandbox

The bench makes its own instance in a temporary folder: `hirebench init-db`, `hirebench exams
load` (bench/load_exam), candidates through hirebench.services.accounts, the autosave phase's
attempts through hirebench.exams.attempts. Candidates never log in over HTTP: each browser gets
a session cookie made here with the instance's secret key, as the login would have made it (the
login rate limit is per address, and scrypt costs 0.35 s a login on these machines).

Back ends: --backend sqlite is the embedded default (waitress, grading threads in the web
process); --backend postgres is docker-compose.yml's (gunicorn with 4 workers and
PROMETHEUS_MULTIPROC_DIR, RQ on Redis db 14 with two `hirebench worker` processes, a fresh
PostgreSQL database dropped afterwards).

After the run every answer of every candidate is read from the database. `lost` counts answers
whose last acknowledged save (HTTP 200) is not what the database holds (unless it holds a later
save of the same candidate whose reply never came). `errors` counts failed requests (status other
than expected, no reply) and submissions not graded with full marks.
Last line: ratios: autosave_p50_ms=… autosave_p99_ms=… autosave_p99/single_p99=… start_p99_ms=…
drain_s=… errors=… lost=…
Usage: python bench/load.py [--backend sqlite|postgres] [--quick] [--candidates N] [...]"""

from __future__ import annotations

# locust patches the standard library for gevent when it is imported; that must come first.
from locust import FastHttpUser, task
from locust.env import Environment
from locust.exception import StopUser

# isort: split
import argparse
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock
from urllib.parse import urlencode

import docker
import gevent
import requests
import sqlalchemy as sa
from flask import Flask, g, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from redis import Redis

from hirebench import create_app
from hirebench.exams.attempts import start_attempt
from hirebench.extensions import db
from hirebench.models import Answer, Attempt, Exam, GradingJob, Role, User
from hirebench.sandbox.image import SANDBOX_LABEL
from hirebench.sandbox.runner import OWNER_LABEL
from hirebench.services import accounts
from hirebench.web.candidate import SESSION_TOKENS

ROOT = Path(__file__).resolve().parents[1]
EXAM_FOLDER = ROOT / "bench" / "load_exam" / "exams" / "load-bench"
GRADERS = ROOT / "bench" / "load_exam" / "graders"
EXAM = "load-bench"
CODING, WRITTEN = "running-totals", "explain-cap"
HIREBENCH = str(Path(sys.executable).with_name("hirebench"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) hirebench-load/1"
PASSWORD = "load-bench-password"  # noqa: S105 - every bench candidate's; nobody logs in with it
POSTGRES = "postgresql+psycopg://hirebench:hirebench@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/14"
SAVE_INTERVAL = 10.0  # seconds between one candidate's saves, on average
# Moments and choices of the simulated candidates; nothing secret.
JITTER = random.Random()  # noqa: S311
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
FORM_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SOLUTION = """def running_totals(amounts, cap):
    # {tag}
    if cap < 0:
        raise ValueError("cap must not be negative")
    totals, current = [], 0
    for amount in amounts:
        current = min(cap, current + amount)
        totals.append(current)
    return totals
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# ------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Plan:
    backend: str
    candidates: int  # (a)
    seconds: float  # (a)
    spike: int  # (b) and (c)
    window: float  # (b) and (c): every start, then every submission, within this many seconds
    interval: float  # (a): seconds between one candidate's saves, on average
    baseline_saves: int
    threads: int  # waitress threads (sqlite)
    drain_timeout: float
    relaxed: bool  # commits that do not wait for fsync (--relaxed-commits)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Plan:
        quick = {"candidates": 100, "seconds": 30.0, "spike": 50, "window": 15.0}
        full = {"candidates": 500, "seconds": 180.0, "spike": 300, "window": 30.0}
        chosen = quick if args.quick else full
        return cls(
            backend=args.backend,
            candidates=int(args.candidates or chosen["candidates"]),
            seconds=float(args.seconds or chosen["seconds"]),
            spike=int(args.spike or chosen["spike"]),
            window=float(args.window or chosen["window"]),
            interval=args.interval,
            baseline_saves=args.baseline,
            threads=args.threads,
            drain_timeout=args.drain_timeout,
            relaxed=args.relaxed_commits,
        )


# ------------------------------------------------------------------------------ the instance


@dataclass
class Deployment:
    """The instance under test: its folder, database, environment and processes."""

    backend: str
    folder: Path
    database_url: str
    redis_url: str | None
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Only what this bench sets: none of the shell's HIREBENCH_* reach the instance.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HIREBENCH_")}
        self.env.update(
            {
                "HIREBENCH_INSTANCE_PATH": str(self.folder / "instance"),
                "HIREBENCH_DATABASE_URL": self.database_url,
                "HIREBENCH_MAIL_BACKEND": "file",
            }
        )
        if self.redis_url:
            self.env["HIREBENCH_REDIS_URL"] = self.redis_url

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [HIREBENCH, *args], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"hirebench {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def spawn(self, name: str, command: list[str], **extra: str) -> None:
        log = self.folder / f"{name}.log"
        self.logs.append(log)
        with log.open("ab") as out:
            self.processes.append(
                subprocess.Popen(
                    command, env={**self.env, **extra}, stdout=out, stderr=subprocess.STDOUT
                )
            )

    def stop(self) -> None:
        """SIGTERM, so grading processes hand their jobs back and remove their sandboxes."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def deployment(plan: Plan, postgres: str, redis_url: str, keep: bool) -> Iterator[Deployment]:
    folder = Path(tempfile.mkdtemp(prefix=f"hirebench-load-{plan.backend}-"))
    admin: sa.Engine | None = None
    name = f"hb_load_{uuid.uuid4().hex[:8]}"
    if plan.backend == "postgres":
        admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            if plan.relaxed:
                # This database only: a PostgreSQL crash may forget the last moments' commits.
                connection.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        Redis.from_url(redis_url).flushdb()  # only the bench's own database number
        target = Deployment(plan.backend, folder, url, redis_url)
    else:
        target = Deployment(plan.backend, folder, f"sqlite:///{folder / 'hirebench.sqlite3'}", None)
        if plan.relaxed:
            target.env["HIREBENCH_SQLITE_SYNCHRONOUS"] = "normal"
    try:
        yield target
    finally:
        target.stop()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            Redis.from_url(redis_url).flushdb()
        if keep:
            print(f"instance kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def start_servers(target: Deployment, plan: Plan) -> None:
    port = free_port()
    target.url = f"http://127.0.0.1:{port}"
    if target.backend == "sqlite":
        command = [HIREBENCH, "serve", "--port", str(port), "--threads", str(plan.threads)]
        target.spawn("web", command)
    else:
        metrics = target.folder / "metrics"
        metrics.mkdir()
        web = [GUNICORN, "--workers", "4", "--bind", f"127.0.0.1:{port}", "hirebench:create_app()"]
        target.spawn("web", web, PROMETHEUS_MULTIPROC_DIR=str(metrics))
        for number in (1, 2):
            target.spawn(f"worker{number}", [HIREBENCH, "worker"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in target.processes):
            raise SystemExit(f"a server process exited; see {target.folder}")
        try:
            if requests.get(f"{target.url}/api/v1/health/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not become ready; see {target.folder}")


def grading_pids(target: Deployment) -> set[int]:
    """The processes that own warm sandboxes: the web process on SQLite, else the workers."""
    owners = target.processes[:1] if target.backend == "sqlite" else target.processes[1:]
    return {process.pid for process in owners}


def wait_until_settled(target: Deployment, warm: int = 3, timeout: float = 180) -> None:
    """Until every grading process holds its warm sandboxes, then up to 30 s more for the
    machine to calm down: the baseline must not be measured while kernels are still starting
    on the same two cores. Other work on the machine is beyond the bench's control; the load
    averages it prints say how much there was."""
    client = docker.from_env()
    deadline = time.monotonic() + timeout
    pids = grading_pids(target)
    while time.monotonic() < deadline:
        owners = [
            str((container.labels or {}).get(OWNER_LABEL, ""))
            for container in client.containers.list(filters={"label": f"{SANDBOX_LABEL}=1"})
        ]
        held = [sum(owner.split(":")[1:2] == [str(pid)] for owner in owners) for pid in pids]
        if min(held) >= warm:
            break
        time.sleep(0.5)
    else:
        print(f"warning: warm pools not full after {timeout:.0f} s; measuring anyway")
    calm = time.monotonic() + 30
    while cpu_busy(1.0) > 0.3 and time.monotonic() < calm:
        pass


def cpu_busy(seconds: float) -> float:
    """The machine's busy fraction over `seconds`, from /proc/stat."""

    def sample() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    spent = max(1, total_after - total)
    return 1.0 - (idle_after - idle) / spent


# ------------------------------------------------------------------------------ seeding


@dataclass
class Seat:
    """One candidate's browser, as the load generator keeps it: the session cookie, the CSRF
    token of the page, and per question the revision and text the server acknowledged."""

    number: int
    user_id: int
    cookie: str
    csrf: str = ""
    attempt_id: int = 0
    client: str = field(default_factory=lambda: secrets.token_hex(8))
    seq: int = 0
    base: dict[str, int] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    # Sent after the last acknowledged save and never answered: the database may hold one.
    unanswered: dict[str, list[str]] = field(default_factory=dict)


def bench_app(target: Deployment) -> Flask:
    """The instance's app in this process, for seeding and for reading the database after."""
    for key, value in target.env.items():
        if key.startswith("HIREBENCH_"):
            os.environ[key] = value
    return create_app({"GRADING_AUTOSTART": False})


def create_candidates(app: Flask, prefix: str, count: int) -> list[int]:
    """Candidates through the accounts service. Every one has the same password, hashed once:
    scrypt at 0.35 s a hash would take minutes for hundreds of accounts."""
    with app.app_context():
        shared = accounts.hash_password(PASSWORD)
        ids = []
        with mock.patch.object(accounts, "hash_password", lambda _password: shared):
            for number in range(count):
                user, _ = accounts.create_user(
                    f"{prefix}{number}@load.example.com",
                    Role.candidate,
                    name=f"Load {prefix} {number}",
                    password=PASSWORD,
                )
                ids.append(user.id)
                if number % 100 == 99:
                    db.session.commit()
        db.session.commit()
        return ids


def browser_session(app: Flask, user: User, attempt: Attempt | None) -> tuple[str, str]:
    """The session cookie and CSRF token a browser holds after logging in (and, with an
    attempt, after starting it in this session): made as the login view makes them."""
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    with app.test_request_context("/", environ_base=environ, headers={"User-Agent": USER_AGENT}):
        # Each browser has its own CSRF secret: not the one Flask-WTF keeps for the context.
        g.pop("csrf_token", None)
        login_user(user)
        session.permanent = True
        if attempt is not None:
            session[SESSION_TOKENS] = {str(attempt.id): attempt.session_token}
        token = generate_csrf()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        return str(serializer.dumps(dict(session))), token


def seat_candidates(app: Flask, prefix: str, count: int, *, started: bool) -> list[Seat]:
    """Candidates with a session each; `started` ones also have an open attempt, begun as the
    consent form begins it (same address and browser), as if their exam page were open."""
    ids = create_candidates(app, prefix, count)
    seats = []
    with app.app_context():
        exam = db.session.scalars(sa.select(Exam).where(Exam.slug == EXAM)).one()
        for number, user_id in enumerate(ids):
            user = db.session.get(User, user_id)
            assert user is not None
            attempt = None
            if started:
                attempt = start_attempt(user, exam, ip="127.0.0.1", user_agent=USER_AGENT)
            cookie, csrf = browser_session(app, user, attempt)
            seat = Seat(number, user_id, cookie, csrf, attempt.id if attempt else 0)
            seats.append(seat)
        db.session.remove()
    return seats


# ------------------------------------------------------------------------------ recording


@dataclass
class Recorder:
    """Every request's latency by name, and every failure, from locust's request event."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def on_request(
        self, name: str, response_time: float, exception: BaseException | None, **_: Any
    ) -> None:
        if exception is not None:
            self.failures.append(f"{name}: {exception}"[:300])
        else:
            self.latencies.setdefault(name, []).append(response_time)

    def fail(self, message: str) -> None:
        self.failures.append(message[:300])

    def line(self, name: str) -> str:
        values = self.latencies.get(name, [])
        return (
            f"{name}: n={len(values)} p50 {percentile(values, 0.5):.1f} ms, "
            f"p99 {percentile(values, 0.99):.1f} ms, max {max(values, default=float('nan')):.1f} ms"
        )


@dataclass
class Phase:
    """What the users of one locust run share: their seats, the clock, the recorder."""

    seats: deque[Seat]
    recorder: Recorder
    start: float = 0.0  # time.monotonic() when the users are let go
    seconds: float = 0.0
    saves: int = 0  # baseline: saves in a row
    finished: int = 0
    start_ms: list[float] = field(default_factory=list)  # (b): Start pressed to exam page shown
    submitted_at: list[float] = field(default_factory=list)  # (c): epoch seconds, each answered


# ------------------------------------------------------------------------------ the users


class Candidate(FastHttpUser):
    """A browser: one keep-alive connection, its cookies, and the script of one phase."""

    abstract = True
    phase: ClassVar[Phase]
    network_timeout = 60.0
    connection_timeout = 30.0
    default_headers: ClassVar[dict[str, str]] = {"User-Agent": USER_AGENT}  # type: ignore[misc]

    def on_start(self) -> None:
        self.seat = self.phase.seats.popleft()
        host = self.host.split("//", 1)[1].split(":", 1)[0]  # type: ignore[union-attr]
        self.client.cookiejar.set_cookie(session_cookie(host, self.seat.cookie))

    def until(self, moment: float) -> None:
        gevent.sleep(max(0.0, moment - time.monotonic()))

    def save(self, question: str, value: str, name: str) -> bool:
        """One autosave, as exam.js sends it; True when acknowledged."""
        seat = self.seat
        seat.seq += 1
        body = {
            "value": value,
            "client": seat.client,
            "seq": seat.seq,
            "base": seat.base.get(question, 0),
        }
        seat.unanswered.setdefault(question, []).append(value)
        url = f"/exam/attempts/{seat.attempt_id}/answers/{question}"
        headers = {"X-CSRFToken": seat.csrf, "Accept": "application/json"}
        with self.client.post(
            url, json=body, headers=headers, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")
                return False
            reply = response.json()
            seat.base[question] = int(reply["revision"])
            seat.acked[question] = value
            seat.unanswered[question] = []
            return True

    def done(self) -> None:
        """The script is over: close the tab (and its connection), so that no half-dead
        connection of one phase counts against the server's limit in the next."""
        self.phase.finished += 1
        self.client.client.close()
        raise StopUser()


def session_cookie(host: str, value: str) -> Cookie:
    """The `session` cookie as the browser stores it after the login's Set-Cookie."""
    return Cookie(
        version=0,
        name="session",
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""},
    )


def draft(question: str, seat: Seat) -> str:
    """The whole text of the answer being typed, as the page sends it: about 1.5 KB of code or
    600 characters of prose, different at every save."""
    mark = f"{seat.client} edit {seat.seq + 1}"
    if question == CODING:
        notes = "".join(f"    # step {n}: add the amount, then hold the cap\n" for n in range(28))
        return f"def running_totals(amounts, cap):\n    # draft {mark}\n{notes}    return []\n"
    return f"({mark}) " + "The total is capped as it goes, so a later refund counts. " * 10


class SteadyAutosave(Candidate):
    """(a): the exam page is open; the page saves every SAVE_INTERVAL seconds with jitter."""

    abstract = True
    interval: ClassVar[float] = SAVE_INTERVAL

    @task
    def exam_page_open(self) -> None:
        phase, end = self.phase, self.phase.start + self.phase.seconds
        moment = phase.start + JITTER.uniform(0, self.interval)
        while moment < end:
            self.until(moment)
            question = JITTER.choice((CODING, WRITTEN))
            self.save(question, draft(question, self.seat), "(a) save")
            # From the planned moment, not from the reply: a slow server gets no respite.
            moment += self.interval * JITTER.uniform(0.5, 1.5)
        self.done()


class SingleSaver(Candidate):
    """The baseline: one page saving again as soon as the last save was acknowledged."""

    abstract = True

    @task
    def save_in_a_row(self) -> None:
        for _ in range(self.phase.saves):
            self.save(CODING, draft(CODING, self.seat), "baseline save")
        self.done()


def session_value(user: FastHttpUser) -> str:
    for cookie in user.client.cookiejar:
        if cookie.name == "session" and cookie.value:
            return cookie.value
    return ""


def form_post(user: FastHttpUser, url: str, token: str, name: str, **fields: str) -> Any:
    """A form's POST as the browser sends it; the reply's redirect is not followed."""
    return user.client.post(
        url,
        data=urlencode({"csrf_token": token, **fields}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        name=name,
        allow_redirects=False,
        catch_response=True,
    )


class StartSpike(Candidate):
    """(b): open the consent screen at a moment within the window, tick, Start, get the exam."""

    abstract = True

    @task
    def start_exam(self) -> None:
        phase, seat = self.phase, self.seat
        self.until(phase.start + JITTER.uniform(0, phase.seconds))
        consent = self.client.get(f"/exam/exams/{EXAM}", name="(b) consent page")
        token = FORM_CSRF.search(consent.text or "")
        if consent.status_code != 200 or token is None:
            phase.recorder.fail(f"(b) consent page: {consent.status_code}, no form")
            self.done()
        assert token is not None
        began = time.perf_counter()
        with form_post(self, f"/exam/exams/{EXAM}", token[1], "(b) start", consent="y") as reply:
            found = re.search(r"/exam/attempts/(\d+)$", reply.headers.get("Location", ""))
            if reply.status_code != 302 or found is None:
                reply.failure(f"{reply.status_code}: no redirect to the attempt")
                self.done()
        assert found is not None
        page = self.client.get(f"/exam/attempts/{found[1]}", name="(b) exam page")
        csrf = META_CSRF.search(page.text or "")
        if page.status_code != 200 or csrf is None:
            phase.recorder.fail(f"(b) exam page: {page.status_code}")
            self.done()
        assert csrf is not None
        phase.start_ms.append((time.perf_counter() - began) * 1000)
        # The browser keeps its cookie (it now names the attempt) and the page for (c).
        seat.attempt_id, seat.csrf, seat.cookie = int(found[1]), csrf[1], session_value(self)
        self.done()


class Deadline(Candidate):
    """(c): at a moment within the window, the final code is saved and the exam submitted."""

    abstract = True

    @task
    def submit(self) -> None:
        phase, seat = self.phase, self.seat
        self.until(phase.start + JITTER.uniform(0, phase.seconds))
        code = SOLUTION.format(tag=f"candidate {seat.number}: final")
        if not self.save(CODING, code, "(c) save"):
            self.done()
        url = f"/exam/attempts/{seat.attempt_id}/submit"
        page = self.client.get(url, name="(c) submit page")
        token = FORM_CSRF.search(page.text or "")
        if page.status_code != 200 or token is None:
            phase.recorder.fail(f"(c) submit page: {page.status_code}, no form")
            self.done()
        assert token is not None
        with form_post(self, url, token[1], "(c) submit") as reply:
            location = reply.headers.get("Location", "")
            if reply.status_code != 302 or not location.endswith("/result"):
                reply.failure(f"{reply.status_code}: not sent to the result page")
                self.done()
        phase.submitted_at.append(time.time())
        self.done()


# ------------------------------------------------------------------------------ running


def run_phase(host: str, script: type[Candidate], phase: Phase, count: int, limit: float) -> None:
    """Let `count` users of `script` go at once; each stops by itself when its script ends.
    After `limit` seconds past the phase's end the rest are stopped and counted as failures."""
    user = type(script.__name__, (script,), {"abstract": False, "host": host, "phase": phase})
    environment = Environment(user_classes=[user], host=host)
    environment.events.request.add_listener(phase.recorder.on_request)
    runner = environment.create_local_runner()
    # Spawning takes about a second; the scripts' clock starts once everybody is there.
    phase.start = time.monotonic() + 1.5 + count / 1000
    runner.start(count, spawn_rate=max(count, 1))
    deadline = phase.start + phase.seconds + limit
    while phase.finished < count and time.monotonic() < deadline:
        gevent.sleep(0.2)
    if phase.finished < count:
        phase.recorder.fail(f"{count - phase.finished} users had not finished after {limit} s")
    runner.quit()


@dataclass
class Outcome:
    """What the run measured, for the report."""

    recorder: Recorder = field(default_factory=Recorder)
    single: list[float] = field(default_factory=list)
    start_ms: list[float] = field(default_factory=list)
    submitted_at: list[float] = field(default_factory=list)  # epoch seconds
    drain_s: float = float("nan")
    drain_from_first_s: float = float("nan")
    graded: int = 0
    grading_failures: list[str] = field(default_factory=list)
    lost: int = 0
    superseded: int = 0
    checked: int = 0
    autosave_rate: float = 0.0


def run_load(plan: Plan, host: str, seats: dict[str, list[Seat]], outcome: Outcome) -> None:
    recorder = outcome.recorder
    baseline = Phase(deque(seats["baseline"]), Recorder(), saves=plan.baseline_saves)
    run_phase(host, SingleSaver, baseline, 1, 120)
    outcome.single = baseline.recorder.latencies.get("baseline save", [])
    recorder.failures += baseline.recorder.failures
    print(baseline.recorder.line("baseline save"), flush=True)

    steady = Phase(deque(seats["steady"]), recorder, seconds=plan.seconds)
    SteadyAutosave.interval = plan.interval
    run_phase(host, SteadyAutosave, steady, len(seats["steady"]), 120)
    outcome.autosave_rate = len(recorder.latencies.get("(a) save", [])) / plan.seconds
    print(recorder.line("(a) save") + f", {outcome.autosave_rate:.1f} saves/s", flush=True)

    spike = Phase(deque(seats["spike"]), recorder, seconds=plan.window)
    run_phase(host, StartSpike, spike, len(seats["spike"]), 180)
    outcome.start_ms = spike.start_ms
    for name in ("(b) consent page", "(b) start", "(b) exam page"):
        print(recorder.line(name))
    started = [seat for seat in seats["spike"] if seat.attempt_id]
    deadline = Phase(deque(started), recorder, seconds=plan.window)
    run_phase(host, Deadline, deadline, len(started), 180)
    outcome.submitted_at = sorted(deadline.submitted_at)
    for name in ("(c) save", "(c) submit page", "(c) submit"):
        print(recorder.line(name), flush=True)


# ------------------------------------------------------------------------------ checking


def wait_for_grading(app: Flask, seats: list[Seat], outcome: Outcome, timeout: float) -> None:
    """Read the submitted coding answers' grading jobs until every one has ended; drain_s is
    from the last submission (the deadline) to the last result stored."""
    if not outcome.submitted_at:
        return
    attempt_ids = [seat.attempt_id for seat in seats if seat.attempt_id]
    query = (
        sa.select(GradingJob.status, GradingJob.graded_at, GradingJob.result, GradingJob.error)
        .join(Answer, Answer.grading_job_id == GradingJob.id)
        .where(Answer.attempt_id.in_(attempt_ids), Answer.question_id == CODING)
    )
    ended = ("done", "failed")
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            jobs = db.session.execute(query).all()
            db.session.rollback()  # a fresh snapshot on the next read
            if len(jobs) >= len(outcome.submitted_at) and all(
                job.status.value in ended for job in jobs
            ):
                break
            if time.monotonic() > deadline:
                outcome.grading_failures.append(f"not graded after {timeout:.0f} s")
                break
            time.sleep(1)
    finished = [job.graded_at.replace(tzinfo=UTC).timestamp() for job in jobs if job.graded_at]
    outcome.graded = len(finished)
    if finished:
        outcome.drain_s = max(finished) - outcome.submitted_at[-1]
        outcome.drain_from_first_s = max(finished) - outcome.submitted_at[0]
    for job in jobs:
        result = job.result or {}
        if job.status.value != "done" or result.get("total") != result.get("max_total"):
            outcome.grading_failures.append(
                f"job {job.status.value}: {result.get('total')}/{result.get('max_total')} "
                f"{job.error or result.get('message') or ''}"[:300]
            )
    missing = len(outcome.submitted_at) - len(jobs)
    if missing > 0:
        outcome.grading_failures.append(f"{missing} submissions have no grading job")


def check_answers(app: Flask, seats: list[Seat], outcome: Outcome) -> None:
    """Every acknowledged answer of every candidate against what the database holds."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.attempt_id, Answer.question_id, Answer.value).where(
                Answer.attempt_id.in_([seat.attempt_id for seat in seats if seat.attempt_id])
            )
        ).all()
        db.session.remove()
    held = {(row.attempt_id, row.question_id): row.value for row in rows}
    for seat in seats:
        for question, value in seat.acked.items():
            outcome.checked += 1
            stored = held.get((seat.attempt_id, question))
            if stored == value:
                continue
            if stored in seat.unanswered.get(question, []):
                outcome.superseded += 1  # a later save of this page committed; its reply was lost
                continue
            outcome.lost += 1


# ------------------------------------------------------------------------------ the report


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages: what else ran on these two cores."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(plan: Plan, outcome: Outcome) -> None:
    recorder = outcome.recorder
    print(f"load average at the end: {load_average()}")
    saves = recorder.latencies.get("(a) save", [])
    single_p99 = percentile(outcome.single, 0.99)
    start_p99 = percentile(outcome.start_ms, 0.99)
    print(
        f"(b) start: {len(outcome.start_ms)} of {plan.spike} started, Start to exam page "
        f"p50 {percentile(outcome.start_ms, 0.5):.1f} ms, p99 {start_p99:.1f} ms"
    )
    print(
        f"(c) deadline: {len(outcome.submitted_at)} submitted, {outcome.graded} graded; last "
        f"result {outcome.drain_s:.1f} s after the last submission "
        f"({outcome.drain_from_first_s:.1f} s after the first)"
    )
    print(
        f"checked {outcome.checked} acknowledged answers: {outcome.lost} lost, "
        f"{outcome.superseded} held a later unanswered save"
    )
    failures = recorder.failures + outcome.grading_failures
    for failure in failures[:10]:
        print(f"  failure: {failure}")
    errors = len(failures)
    print(
        f"ratios: autosave_p50_ms={percentile(saves, 0.5):.1f} "
        f"autosave_p99_ms={percentile(saves, 0.99):.1f} "
        f"autosave_p99/single_p99={percentile(saves, 0.99) / single_p99:.2f} "
        f"start_p99_ms={start_p99:.1f} drain_s={outcome.drain_s:.1f} "
        f"errors={errors} lost={outcome.lost}"
    )


def seed(plan: Plan, target: Deployment) -> tuple[Flask, dict[str, list[Seat]]]:
    target.cli("init-db")
    target.cli("exams", "load", str(EXAM_FOLDER), "--graders", str(GRADERS))
    app = bench_app(target)
    began = time.perf_counter()
    seats = {
        "baseline": seat_candidates(app, "baseline", 1, started=True),
        "steady": seat_candidates(app, "steady", plan.candidates, started=True),
        "spike": seat_candidates(app, "spike", plan.spike, started=False),
    }
    print(
        f"seeded {plan.candidates + plan.spike + 1} candidates and "
        f"{plan.candidates + 1} attempts in {time.perf_counter() - began:.1f} s"
    )
    with app.app_context():
        db.engine.dispose()  # nothing of this process stays connected during the load
    return app, seats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="30 s, 100 candidates, spike 50")
    parser.add_argument("--candidates", type=int, help="(a) candidates saving (500)")
    parser.add_argument("--seconds", type=float, help="(a) duration (180)")
    parser.add_argument("--spike", type=int, help="(b) and (c) candidates (300)")
    parser.add_argument("--window", type=float, help="(b) and (c) window in seconds (30)")
    parser.add_argument("--interval", type=float, default=SAVE_INTERVAL, help="(a) seconds")
    parser.add_argument("--baseline", type=int, default=300, help="saves in a row, alone")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (sqlite)")
    parser.add_argument("--drain-timeout", type=float, default=1800.0)
    parser.add_argument("--postgres", default=POSTGRES, help="a URL to create databases with")
    parser.add_argument("--redis", default=REDIS, help="flushed before and after")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and logs")
    parser.add_argument(
        "--relaxed-commits",
        action="store_true",
        help="commits that do not wait for fsync: HIREBENCH_SQLITE_SYNCHRONOUS=normal, or "
        "synchronous_commit=off on the bench's PostgreSQL database",
    )
    args = parser.parse_args()
    plan = Plan.from_args(args)
    image = subprocess.run(
        [HIREBENCH, "sandbox", "build"], capture_output=True, text=True, check=True
    ).stdout.strip()
    commits = "relaxed (no fsync wait)" if plan.relaxed else "durable (fsync at each commit)"
    print(f"backend {plan.backend}, commits {commits}; {image}")
    print(f"{os.cpu_count()} cores; load average {load_average()}")
    outcome = Outcome()
    with deployment(plan, args.postgres, args.redis, args.keep) as target:
        app, seats = seed(plan, target)
        start_servers(target, plan)
        wait_until_settled(target)
        run_load(plan, target.url, seats, outcome)
        wait_for_grading(app, seats["spike"], outcome, plan.drain_timeout)
        check_answers(app, [seat for group in seats.values() for seat in group], outcome)
    report(plan, outcome)


if __name__ == "__main__":
    main()
