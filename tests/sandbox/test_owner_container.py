"""Sandboxes of a worker that runs in a container of the same engine (docker-compose's worker,
with the host's socket). Its owner id names another host and PID namespace, so owner_gone never
proves it dead; the container it ran in does: once that container has ended, is gone, or has
started again since the sandbox was made, any other grading process on the engine reaps the
sandbox. While it runs as it did, the sandbox is kept."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import docker
import docker.errors
import pytest

from hirebench.sandbox.image import SANDBOX_LABEL, current_image_tag
from hirebench.sandbox.runner import (
    OWNER_CONTAINER_LABEL,
    OWNER_LABEL,
    _docker_time,
    own_container,
    reap_orphans,
)

# A worker in a compose container: its own hostname, pid 1, another PID namespace.
COMPOSE_OWNER = "3f1c2a9b7d10:1:4242.4026532999"


def test_docker_times_are_ordered_to_the_microsecond() -> None:
    early = _docker_time("2026-12-06T16:25:01.1234567Z")
    late = _docker_time("2026-12-06T16:25:01.12346Z")  # trailing zeros dropped, as docker does
    assert early < late
    assert _docker_time("2026-12-06T16:25:01Z") < early
    with pytest.raises(ValueError, match="Invalid isoformat"):
        _docker_time("yesterday")


@pytest.mark.docker
def test_a_process_on_the_host_has_no_container(docker_engine: docker.DockerClient) -> None:
    if "/containers/" in Path("/proc/self/mountinfo").read_text():
        pytest.skip("these tests run inside a container themselves")
    assert own_container(docker_engine) is None


@pytest.mark.docker
def test_sandboxes_outlive_only_a_running_owner_container(
    docker_engine: docker.DockerClient,
) -> None:
    common = {
        "image": current_image_tag(),
        "command": ["sleep", "300"],
        "detach": True,
        "network_mode": "none",
    }
    owners = {
        name: docker_engine.containers.run(**common) for name in ("running", "stopped", "restarted")
    }
    owner_ids = {name: owner.id for name, owner in owners.items()}
    owner_ids["removed"] = secrets.token_hex(32)  # no such container on this engine
    sandboxes = {
        name: docker_engine.containers.run(
            **common,
            labels={SANDBOX_LABEL: "1", OWNER_LABEL: COMPOSE_OWNER, OWNER_CONTAINER_LABEL: cid},
        )
        for name, cid in owner_ids.items()
    }
    unlabelled = docker_engine.containers.run(
        **common, labels={SANDBOX_LABEL: "1", OWNER_LABEL: COMPOSE_OWNER}
    )
    try:
        owners["stopped"].kill()
        owners["restarted"].restart(timeout=0)  # a worker started again in the same container
        reap_orphans(docker_engine)
        for name, sandbox in sandboxes.items():
            if name == "running":
                docker_engine.containers.get(sandbox.id)
            else:
                with pytest.raises(docker.errors.NotFound):
                    docker_engine.containers.get(sandbox.id)
        docker_engine.containers.get(unlabelled.id)  # nothing proves its owner gone
    finally:
        for container in [*owners.values(), *sandboxes.values(), unlabelled]:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
