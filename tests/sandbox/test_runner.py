from __future__ import annotations

import contextlib
import subprocess
import time

import docker
import pytest

from hirebench.sandbox.image import SANDBOX_LABEL, current_image_tag
from hirebench.sandbox.limits import SandboxLimits
from hirebench.sandbox.owner import parse_owner, start_ticks, this_process
from hirebench.sandbox.report import ReportError, check_report
from hirebench.sandbox.runner import (
    OWNER_LABEL,
    Sandbox,
    SandboxError,
    _batches,
    container_options,
    owner_label,
    reap_orphans,
)

CONNECTION = {"transport": "tcp", "ip": "127.0.0.1", "key": "k", "signature_scheme": "hmac-sha256"}


def test_container_options_apply_the_threat_model() -> None:
    limits = SandboxLimits(memory_mb=300, pids=50, cpus=0.5)
    options = container_options("img", limits, CONNECTION)
    assert options["network_mode"] == "none"
    assert options["cap_drop"] == ["ALL"]
    assert options["security_opt"] == ["no-new-privileges"]
    assert options["read_only"] is True
    assert options["user"] == "10002:10002"
    assert options["mem_limit"] == options["memswap_limit"] == 300 * 1024 * 1024
    assert options["pids_limit"] == 50 and options["nano_cpus"] == 500_000_000
    assert "volumes" not in options and "mounts" not in options
    assert set(options["tmpfs"]) == {"/work", "/judge", "/grader", "/tmp"}  # noqa: S108
    assert all("size=" in spec and "noexec" in spec for spec in options["tmpfs"].values())
    assert {u["Name"] for u in options["ulimits"]} >= {"fsize", "nofile"}
    assert options["log_config"]["Type"] == "none"
    assert options["labels"][SANDBOX_LABEL] == "1"


def test_report_checks() -> None:
    good = {
        "nonce": "n",
        "cells": [],
        "tests": [{"id": "a", "status": "passed"}],
        "kernel_alive": True,
    }
    assert check_report(good, "n", ["a"]) is good
    with pytest.raises(ReportError, match="does not answer"):
        check_report(good, "other", ["a"])
    with pytest.raises(ReportError, match="does not match"):
        check_report(good, "n", ["a", "b"])
    with pytest.raises(ReportError, match="malformed"):
        check_report({**good, "tests": [{"id": "a", "status": "passed!"}]}, "n", ["a"])
    with pytest.raises(ReportError, match="malformed"):
        check_report({"nonce": "n"}, "n", [])


@pytest.mark.docker
def test_running_sandbox_is_hardened(docker_engine: docker.DockerClient) -> None:
    sandbox = Sandbox(docker_engine, SandboxLimits()).start()
    try:
        config = docker_engine.api.inspect_container(sandbox.container.id)
        host = config["HostConfig"]
        assert host["NetworkMode"] == "none"
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert host["ReadonlyRootfs"] is True and host["Privileged"] is False
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["Memory"] == host["MemorySwap"] > 0
        assert host["PidsLimit"] == SandboxLimits().pids
        assert not host["Binds"] and not config["Mounts"]
        assert config["Config"]["User"] == "10002:10002"
        top = docker_engine.api.top(sandbox.container.id, ps_args="-o pid,uid,args")
        uids = {row[1] for row in top["Processes"]}
        assert uids == {"10001", "10002"}, top  # judge and candidate; nothing runs as root
    finally:
        sandbox.destroy()
    with pytest.raises(docker.errors.NotFound):
        docker_engine.containers.get(config["Id"])


@pytest.mark.docker
def test_wall_clock_timeout_kills_and_removes(docker_engine: docker.DockerClient) -> None:
    limits = SandboxLimits(cell_timeout=60, wall_seconds=3)
    sandbox = Sandbox(docker_engine, limits).start()
    container_id = sandbox.container.id
    job = {
        "nonce": "n",
        "cell_timeout": 60,
        "files": [],
        "steps": [{"kind": "cell", "label": "solution", "source": "import time\ntime.sleep(30)"}],
    }
    started = time.monotonic()
    with pytest.raises(SandboxError, match="did not answer within 3 s"):
        sandbox.run(job)
    sandbox.destroy()
    assert time.monotonic() - started < 15
    with pytest.raises(docker.errors.NotFound):
        docker_engine.containers.get(container_id)


@pytest.mark.docker
def test_orphans_of_dead_workers_are_reaped(docker_engine: docker.DockerClient) -> None:
    """Only provably dead owners: same host and PID namespace, and the pid free or started at
    another time. A live process's containers, another host's or another PID namespace's (a
    container sharing the hostname) are kept."""
    me = this_process()
    sleeper = subprocess.Popen(["sleep", "300"])
    live = parse_owner(f"{me.host}:{sleeper.pid}:{start_ticks(sleeper.pid)}.{me.namespace}")
    common = {
        "image": current_image_tag(),
        "command": ["sleep", "300"],
        "detach": True,
        "network_mode": "none",
    }
    owners = {
        "dead": f"{me.host}:999999999:1.{me.namespace}",
        "earlier_run_of_this_pid": f"{me.host}:{me.pid}:{(me.start or 0) + 1}.{me.namespace}",
        "pid_reused": f"{me.host}:{sleeper.pid}:{(live.start or 0) + 1}.{me.namespace}",  # type: ignore[union-attr]
        "alive": owner_label(),
        "live_other_process": str(live),
        "elsewhere": "another-host:1",
        "other_pid_namespace": f"{me.host}:999999999:1.{(me.namespace or 0) + 1}",
    }
    containers = {
        name: docker_engine.containers.run(
            **common, labels={SANDBOX_LABEL: "1", OWNER_LABEL: owner}
        )
        for name, owner in owners.items()
    }
    try:
        # Every grading process's sweep reaps too (a live worker removes a killed one's
        # sandboxes), so another may have taken some first, or other dead owners' with them:
        # what counts is which of these are gone.
        reap_orphans(docker_engine)
        for name, container in containers.items():
            gone = name in {"dead", "earlier_run_of_this_pid", "pid_reused"}
            if gone:
                with pytest.raises(docker.errors.NotFound):
                    docker_engine.containers.get(container.id)
            else:
                docker_engine.containers.get(container.id)
    finally:
        sleeper.kill()
        sleeper.wait()
        for container in containers.values():
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


def test_steps_travel_in_runs_of_cells_and_runs_of_tests() -> None:
    kinds = ["grader", "cell", "test", "test", "cell", "context", "test"]
    steps = [{"kind": kind, "label": str(n)} for n, kind in enumerate(kinds)]
    batches = _batches(steps)
    assert [[step["label"] for step in batch] for batch in batches] == [
        ["0", "1"],
        ["2", "3"],
        ["4", "5"],
        ["6"],
    ]
    # A test never travels with a cell that comes before it.
    assert all(len({step["kind"] == "test" for step in batch}) == 1 for batch in batches)
