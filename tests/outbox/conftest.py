from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hirebench.outbox.webhooks import new_secret
from tests.outbox.receiving import ReceiverProcess


@pytest.fixture
def receivers(tmp_path: Path) -> Iterator[Callable[..., ReceiverProcess]]:
    """Make receivers (not started); every one is killed at the end of the test."""
    made: list[ReceiverProcess] = []

    def make(secret: str | None = None, name: str = "receiver") -> ReceiverProcess:
        receiver = ReceiverProcess(secret or new_secret(), tmp_path / f"{name}.jsonl")
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.kill()
