"""docker-compose, proven (issue 18 item 4). Debian's docker-compose runs docker-compose.yml on the
images `hirebench compose build --offline` made (docker-compose.offline.yml), under a project
name of its own, with the commands of README.md's "Scaling out with docker-compose":

- up; an admin made by `hirebench create-user` in the web container logs in over HTTP;
- a coding submission, queued by `hirebench grade --queue` in the web container, is graded in a
  sandbox by a worker container through the host's Docker socket;
- scaled to 3 workers, the worker grading a slow submission is `docker kill`ed while its sandbox
  runs it: the other workers remove its sandboxes (their owner container is gone) and, once its
  heartbeat is overdue, grade the job again, which completes with full marks;
- down -v leaves no container, network or volume of the project, and no sandbox of its workers.

`make compose-test` runs it (marker `compose`); .ci/run calls that after the main suite."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import requests

from hirebench.paths import PROJECT_ROOT
from hirebench.sandbox.image import SANDBOX_LABEL
from hirebench.sandbox.runner import OWNER_CONTAINER_LABEL
from tests.conftest import csrf_from, require_service
from tests.polling import wait_for

pytestmark = [
    pytest.mark.compose,
    pytest.mark.docker,
    pytest.mark.slow,
    # The first build of the images takes minutes; a cached one, seconds.
    pytest.mark.timeout(1800),
]

POLL_SECONDS = 1.0  # each check asks docker-compose or the engine: not too often
PROJECT_LABEL = "com.docker.compose.project"
GRADER = "/app/graders/examples/nbgrader_squares.ipynb"  # inside the app image
INBOX = "/tmp"  # noqa: S108 - in the web container, where the submissions are copied
HEARTBEAT_S = 20  # GRADING_HEARTBEAT_TIMEOUT in the stack: how soon a dead worker's job is retried
SWEEP_S = 3  # GRADING_REAP_INTERVAL in the stack
SLEEPS = 20  # seconds the slow submission sleeps in its sandbox, on every attempt

SQUARES = b"""def squares(n):
    if n < 1:
        raise ValueError("n must be at least 1")
    result = []
    for i in range(1, n + 1):
        result.append(i * i)
    return result


def sum_of_squares(n):
    total = 0
    for value in squares(n):
        total += value
    return total
"""
SLOW_SQUARES = f"import time\n\ntime.sleep({SLEEPS})\n\n\n".encode() + SQUARES


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Compose:
    """One docker-compose project of docker-compose.yml + docker-compose.offline.yml."""

    project: str
    port: int
    engine: docker.DockerClient
    env: dict[str, str] = field(default_factory=dict)

    def command(self, *args: str) -> list[str]:
        files = ["-f", "docker-compose.yml", "-f", "docker-compose.offline.yml"]
        return ["docker-compose", "-p", self.project, *files, *args]

    def run(
        self, *args: str, stdin: bytes | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args),
            cwd=PROJECT_ROOT,
            env=self.env,
            input=stdin.decode() if stdin is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done

    def sql(self, query: str, **variables: str) -> list[str]:
        """One row of psql's unaligned output, split into its columns; `variables` are quoted
        by psql where the query says :'name'."""
        psql = ["psql", "-U", "hirebench", "-At"]
        psql += [f"--variable={name}={value}" for name, value in variables.items()]
        done = self.run("exec", "-T", "postgres", *psql, stdin=query.encode())
        return done.stdout.strip().split("|")

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def containers(self, service: str | None = None) -> list[Any]:
        labels = [f"{PROJECT_LABEL}={self.project}"]
        if service:
            labels.append(f"com.docker.compose.service={service}")
        return list(self.engine.containers.list(all=True, filters={"label": labels}))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def sandboxes_of(engine: docker.DockerClient, container_ids: set[str]) -> list[Any]:
    """Sandbox containers whose owner ran in one of these containers."""
    listed = engine.containers.list(all=True, filters={"label": [f"{SANDBOX_LABEL}=1"]})
    return [c for c in listed if c.labels.get(OWNER_CONTAINER_LABEL) in container_ids]


@pytest.fixture(scope="module")
def offline_images() -> None:
    if shutil.which("docker-compose") is None:
        require_service("docker-compose", "apt-get install docker-compose (.ci/services.sh does)")
    if os.geteuid() != 0:
        require_service("root", "the offline image build debootstraps and chroots")
    script = Path(sys.executable).with_name("hirebench")
    built = subprocess.run(
        [str(script), "compose", "build", "--offline"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr


@pytest.fixture
def stack(offline_images: None, docker_engine: docker.DockerClient) -> Iterator[Compose]:
    port = free_port()
    compose = Compose(f"hbtest{secrets.token_hex(4)}", port, docker_engine)
    compose.env = {
        **os.environ,
        "SECRET_KEY": secrets.token_hex(32),
        "HIREBENCH_PORT": str(port),
        "HIREBENCH_BASE_URL": compose.url(""),
        "HIREBENCH_SANDBOX_WARM_POOL": "1",
        "HIREBENCH_GRADING_HEARTBEAT_TIMEOUT": str(HEARTBEAT_S),
        "HIREBENCH_GRADING_REAP_INTERVAL": str(SWEEP_S),
    }
    try:
        yield compose
    finally:
        # Whatever happened, take the project down; the test itself checks what down leaves.
        subprocess.run(
            compose.command("down", "-v", "--remove-orphans"),
            cwd=PROJECT_ROOT,
            env=compose.env,
            capture_output=True,
            timeout=300,
            check=False,
        )


def queue_grading(stack: Compose, name: str, content: bytes) -> subprocess.Popen[str]:
    """`hirebench grade --queue` in the web container, for a submission copied into it."""
    stack.run("exec", "-T", "web", "sh", "-c", f"cat > {INBOX}/{name}", stdin=content)
    grade = ["hirebench", "grade", "--queue", "--json", "--wait", "600", "--grader", GRADER]
    return stack.popen("exec", "-T", "web", *grade, "--submission", f"{INBOX}/{name}")


def graded(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"{out}\n{err}"
    result: dict[str, Any] = json.loads(out)
    assert result["status"] == "graded", result
    assert result["total"] == result["max_total"] == 5, result
    return result


def job_row(stack: Compose, name: str) -> tuple[str, int, str, str] | None:
    """(status, attempts, worker, error) of the newest job for the submission `name`; None
    while there is none."""
    row = stack.sql(
        "SELECT status, attempts, coalesce(worker, ''), coalesce(error, '') FROM grading_jobs "
        "WHERE submission_name = :'name' ORDER BY id DESC LIMIT 1",
        name=name,
    )
    if row == [""]:
        return None
    status, attempts, worker, error = row
    return status, int(attempts), worker, error


def claimed(stack: Compose, name: str) -> tuple[str, int, str, str] | None:
    row = job_row(stack, name)
    return row if row is not None and row[0] == "running" else None


def container_of(stack: Compose, worker: str) -> Any:
    """The worker container a claim names: its owner id begins with the container's hostname."""
    host = worker.split(":")[0]
    return next(c for c in stack.containers("worker") if c.id.startswith(host))


def ready(stack: Compose) -> bool:
    try:
        return requests.get(stack.url("/api/v1/health/ready"), timeout=5).status_code == 200
    except requests.RequestException:
        return False


def log_in(stack: Compose, email: str, password: str) -> None:
    session = requests.Session()
    token = csrf_from(session.get(stack.url("/login"), timeout=30).text)
    answer = session.post(
        stack.url("/login"),
        data={"email": email, "password": password, "csrf_token": token},
        timeout=30,
    )
    assert answer.status_code == 200 and not answer.url.endswith("/login"), answer.url
    assert session.get(stack.url("/admin/"), timeout=30).status_code == 200


def test_up_grade_scale_kill_a_worker_mid_job_and_down(
    stack: Compose, docker_engine: docker.DockerClient
) -> None:
    seen: dict[str, float] = {}
    mark = time.monotonic()
    stack.run("up", "-d", timeout=600)
    wait_for(lambda: ready(stack), 180, "the web to be ready", POLL_SECONDS)
    seen["up_s"] = time.monotonic() - mark

    password = secrets.token_urlsafe(16)
    made = stack.run(
        "exec",
        "-T",
        "web",
        "hirebench",
        "create-user",
        "--email",
        "admin@example.com",
        "--role",
        "admin",
        "--password",
        password,
    )
    assert "created admin admin@example.com" in made.stdout
    log_in(stack, "admin@example.com", password)

    mark = time.monotonic()
    graded(queue_grading(stack, "squares.py", SQUARES), timeout=300)
    status, attempts, worker, _ = job_row(stack, "squares.py") or ("", 0, "", "")
    assert (status, attempts) == ("done", 1)
    assert container_of(stack, worker) == stack.containers("worker")[0]
    seen["first_grade_s"] = time.monotonic() - mark

    mark = time.monotonic()
    stack.run("up", "-d", "--scale", "worker=3", "--no-recreate", timeout=600)
    workers = {c.id for c in stack.containers("worker")}
    assert len(workers) == 3
    # Each worker is ready once its warm sandbox is: sandboxes carry their worker's container.
    wait_for(
        lambda: (
            {s.labels[OWNER_CONTAINER_LABEL] for s in sandboxes_of(docker_engine, workers)}
            == workers
        ),
        180,
        "a warm sandbox of each of the 3 workers",
        POLL_SECONDS,
    )
    seen["scale_s"] = time.monotonic() - mark

    slow = queue_grading(stack, "slow.py", SLOW_SQUARES)
    running = wait_for(
        lambda: claimed(stack, "slow.py"), 120, "a claim of the slow submission", POLL_SECONDS
    )
    victim = container_of(stack, running[2])
    time.sleep(3)  # its sandbox is running the submission's sleep now
    assert job_row(stack, "slow.py") == running
    assert sandboxes_of(docker_engine, {victim.id}), "the worker grading it has no sandbox"
    killed = time.monotonic()
    victim.kill()

    wait_for(
        lambda: not sandboxes_of(docker_engine, {victim.id}),
        60,
        "the victim's sandboxes",
        POLL_SECONDS,
    )
    seen["kill_to_reaped_s"] = time.monotonic() - killed
    graded(slow, timeout=HEARTBEAT_S + 4 * SWEEP_S + 4 * SLEEPS + 120)
    seen["kill_to_done_s"] = time.monotonic() - killed
    status, attempts, worker, error = job_row(stack, "slow.py") or ("", 0, "", "")
    assert (status, attempts, error) == ("done", 2, "")
    survivor = container_of(stack, worker)
    assert survivor.id in workers - {victim.id}

    project = {c.id for c in stack.containers()}
    mark = time.monotonic()
    stack.run("down", "-v", timeout=300)
    seen["down_s"] = time.monotonic() - mark
    label = {"label": f"{PROJECT_LABEL}={stack.project}"}
    assert not stack.containers()
    assert not docker_engine.networks.list(filters=label)
    assert not docker_engine.volumes.list(filters=label)
    assert not sandboxes_of(docker_engine, project), "sandboxes outlived their workers"
    print("COMPOSE " + " ".join(f"{k}={v:.1f}" for k, v in seen.items()))
