"""Real processes for the fault tests (issue 18 item 3): `hirebench serve` and `hirebench
worker` as subprocesses, a private Redis with an append-only file, and a Docker endpoint that
can be cut. Nothing here touches the shared services: the Redis on 6379 and the Docker engine
keep running for everyone else.

Each test prints what it observed (`pytest -s` shows it) on lines starting with `FAULT`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import requests

from hirebench.sandbox.image import SANDBOX_LABEL
from hirebench.sandbox.runner import OWNER_LABEL
from tests.conftest import require_service
from tests.polling import wait_for

HIREBENCH = str(Path(sys.executable).with_name("hirebench"))
REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_SOCKET = "/var/run/docker.sock"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def observe(fault: str, **values: Any) -> None:
    """One line of observations for the closing note."""
    shown = " ".join(
        f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}"
        for key, value in values.items()
    )
    print(f"\nFAULT {fault}: {shown}")


def process_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a hirebench process on this instance. The test process's own
    service URLs are dropped so that each process gets only what the test gives it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HIREBENCH_") and key != "DOCKER_HOST"
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
            "HIREBENCH_DATABASE_URL": database_url,
            "HIREBENCH_INSTANCE_PATH": str(instance),
            **extra,
        }
    )
    return env


class Process:
    """A hirebench command in a subprocess, its output in a log file for failures."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [HIREBENCH, *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: nothing in the process gets to run, as after the OOM killer."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Server(Process):
    """`hirebench serve` on a fixed port, so a restart answers at the same address."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__(["serve", "--port", str(self.port), "--threads", "8"], env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_live(self, timeout: float = 60) -> float:
        """Seconds until /api/v1/health/live answers 200."""
        started = time.monotonic()

        def live() -> bool:
            assert self.alive(), f"the server exited:\n{self.tail()}"
            try:
                return requests.get(f"{self.url}/api/v1/health/live", timeout=2).ok
            except requests.RequestException:
                return False

        wait_for(live, timeout, "the server to answer", pause=0.05)
        return time.monotonic() - started


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Every process a test starts, stopped with SIGTERM (then killed) at its end. Each
    writes its output to a log file in the test's tmp_path."""
    started: list[Process] = []
    yield started
    for process in started:
        with contextlib.suppress(Exception):
            process.stop(timeout=20)


# --- Redis ---------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of this test's own on a free port, persisting to an append-only file in
    `folder` (fsync every second, Redis's default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            require_service("Redis", "redis-server is not installed")
        assert binary is not None
        self.popen = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 20, "redis-server to start", pause=0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash or a lost host: only what the AOF already holds survives."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def wipe(self) -> None:
        """Delete the persisted data: the queue is lost, as with a new Redis host."""
        for path in self.folder.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    folder = Path(tempfile.mkdtemp(prefix="hb-faults-redis-"))
    server = RedisServer(folder)
    server.start()
    yield server
    server.kill()
    shutil.rmtree(folder, ignore_errors=True)


# --- Docker --------------------------------------------------------------------------------------


class DockerProxy:
    """A unix socket that relays every connection to the real engine's socket. `cut()` closes
    every connection and refuses new ones, as a stopped engine does; `restore()` listens again
    at the same path. A process whose DOCKER_HOST points here sees its engine stop and start,
    while the shared engine (and everyone else's containers) keeps running."""

    def __init__(self, path: Path, target: str = DOCKER_SOCKET) -> None:
        self.path = path
        self.target = target
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    restore = start

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        self.path.unlink(missing_ok=True)
        with self._lock:
            doomed, self._open = list(self._open), set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                engine.connect(self.target)
            except OSError:
                client.close()
                engine.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    engine.close()
                    return
                self._open.update((client, engine))
                self.connections += 1
            for source, sink in ((client, engine), (engine, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        # Half-close: an HTTP client may finish sending before the engine answers.
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def docker_proxy(docker_engine: docker.DockerClient) -> Iterator[DockerProxy]:
    if not Path(DOCKER_SOCKET).exists():
        require_service("Docker", f"no engine socket at {DOCKER_SOCKET}")
    folder = Path(tempfile.mkdtemp(prefix="hb-faults-docker-"))
    proxy = DockerProxy(folder / "docker.sock")
    proxy.start()
    yield proxy
    proxy.cut()
    shutil.rmtree(folder, ignore_errors=True)


def containers_of(client: docker.DockerClient, pid: int | None = None) -> list[str]:
    """Ids of sandbox containers (all, or those whose owner process had `pid`), running or
    not."""
    found = client.containers.list(all=True, sparse=True, filters={"label": [SANDBOX_LABEL]})
    ids = []
    for container in found:
        owner = (container.attrs.get("Labels") or {}).get(OWNER_LABEL, "")
        parts = owner.split(":")
        if pid is None or (len(parts) >= 2 and parts[1] == str(pid)):
            ids.append(container.id)
    return ids
