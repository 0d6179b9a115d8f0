"""Starting and stopping the receiver subprocess (tests/outbox/receiver.py), for the tests and
bench/outbox.py."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from hirebench.paths import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ReceiverProcess:
    """One receiver on 127.0.0.1:`port` that can be killed and started again on the same port,
    remembering through its record file what it already received."""

    def __init__(self, secret: str, record: Path, *, port: int | None = None) -> None:
        self.secret = secret
        self.record = record
        self.port = port or free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self, *, answer: int | None = None, skew: float = 0.0) -> ReceiverProcess:
        command = [sys.executable, "-m", "tests.outbox.receiver", "--secret", self.secret]
        command += ["--record", str(self.record), "--port", str(self.port), "--skew", str(skew)]
        if answer is not None:
            command += ["--answer", str(answer)]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("listening"), f"receiver did not start: {line!r}"
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye, as when a receiver crashes."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def records(self) -> list[dict[str, Any]]:
        if not self.record.exists():
            return []
        lines = self.record.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def ids(self) -> list[str]:
        return [entry["id"] for entry in self.records()]
