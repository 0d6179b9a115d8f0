"""`hirebench serve` answers while hundreds of pages hold their connections open. Every
candidate's exam page keeps one (a browser keeps it alive between autosaves); with waitress'
default limit of 100, bench/load.py saw the rest of 500 candidates wait until a connection
timed out. Here 150 idle connections are held, and one more request must still be answered."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

HIREBENCH = str(Path(sys.executable).with_name("hirebench"))
HELD = 150


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def held_connection(port: int) -> socket.socket:
    """A connection that has had its answer and stays open, as a browser's keep-alive."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(b"GET /api/v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert connection.recv(65536).startswith(b"HTTP/1.1 200")
    return connection


@pytest.mark.slow
def test_serve_answers_with_many_connections_open(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HIREBENCH_")}
    env.update(HIREBENCH_INSTANCE_PATH=str(tmp_path / "instance"), HIREBENCH_GRADING_WORKERS="0")
    subprocess.run([HIREBENCH, "init-db"], env=env, check=True, capture_output=True)
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [HIREBENCH, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}/api/v1/health/live"
    held: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        held = [held_connection(port) for _ in range(HELD)]
        assert requests.get(url, timeout=5).status_code == 200
    finally:
        for connection in held:
            connection.close()
        server.terminate()
        server.wait(timeout=60)
