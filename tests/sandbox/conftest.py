from __future__ import annotations

import docker
import pytest
from docker.errors import DockerException

from hirebench.sandbox.image import (
    SANDBOX_LABEL,
    SandboxBuildError,
    build_image,
    current_image_tag,
)
from tests.conftest import require_service


def sandbox_containers() -> list[str]:
    client = docker.from_env()
    try:
        return [
            c.id for c in client.containers.list(all=True, filters={"label": f"{SANDBOX_LABEL}=1"})
        ]
    finally:
        client.close()


@pytest.fixture(scope="session")
def docker_engine() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        require_service("Docker", f"no engine reachable: {exc}")
        raise
    try:
        client.images.get(current_image_tag())
    except DockerException:
        # The tag is a hash of the runner code, so editing the runner needs a (quick) rebuild.
        try:
            build_image()
        except SandboxBuildError as exc:
            require_service("sandbox image", f"{current_image_tag()} cannot be built: {exc}")
    return client
