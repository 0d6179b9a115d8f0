"""The owner id of sandbox containers and grading claims: unique per process start, and "gone"
only when that can be proven from this host."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from hirebench.sandbox.owner import (
    Owner,
    owner_gone,
    owner_label,
    parse_owner,
    start_ticks,
    this_process,
)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(["sleep", "300"])
    yield process
    process.kill()
    process.wait()


def test_the_id_names_host_pid_start_and_namespace_and_reads_back() -> None:
    me = this_process()
    assert me.pid == os.getpid() and me.start is not None and me.namespace is not None
    assert owner_label() == f"{me.host}:{me.pid}:{me.start}.{me.namespace}"
    assert parse_owner(owner_label()) == me
    assert parse_owner(f"{owner_label()}:hirebench-grading-1") == me  # a grading claim
    assert parse_owner("h:12:MainThread") == Owner("h", 12, None)  # an older claim
    assert parse_owner("not an owner") is None and parse_owner(None) is None


def test_only_a_provably_ended_process_is_gone(sleeper: subprocess.Popen[bytes]) -> None:
    me = this_process()
    live = parse_owner(f"{me.host}:{sleeper.pid}")
    assert live is not None
    started = Owner(me.host, sleeper.pid, start_ticks(sleeper.pid), me.namespace)
    assert not owner_gone(me)
    assert not owner_gone(started)
    assert not owner_gone(live)  # no start time: a live pid may be the same process
    assert owner_gone(Owner(me.host, sleeper.pid, (started.start or 0) + 1, me.namespace))
    assert owner_gone(Owner(me.host, me.pid, (me.start or 0) + 1, me.namespace))  # a restart
    assert owner_gone(Owner(me.host, 999_999_999, 1, me.namespace))
    assert owner_gone(Owner(me.host, 999_999_999, None))
    # Another host, or another PID namespace behind the same hostname: never provable here.
    assert not owner_gone(Owner("another-host", 999_999_999, 1, me.namespace))
    assert not owner_gone(Owner(me.host, 999_999_999, 1, (me.namespace or 0) + 1))
