"""`hirebench compose build --offline` without building: what goes into the images and their
hashes, and that docker-compose.offline.yml names what the build tags. tests/ops/test_compose.py
builds and runs them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hirebench.ops.cli import compose_group
from hirebench.ops.compose import (
    APP_TREES,
    IMAGES,
    OFFLINE_TAG,
    ComposeBuildError,
    app_files,
    python_requirements,
)
from hirebench.paths import PROJECT_ROOT


def test_the_offline_file_points_every_service_at_a_built_image() -> None:
    base = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    offline = yaml.safe_load((PROJECT_ROOT / "docker-compose.offline.yml").read_text())["services"]
    assert set(offline) == set(base)
    built = {f"hirebench-{name}:{OFFLINE_TAG}" for name in IMAGES}
    assert {service["image"] for service in offline.values()} == built
    assert offline["web"]["image"] == offline["worker"]["image"] == "hirebench-app:offline"


def project(root: Path) -> Path:
    for relative in APP_TREES:
        (root / relative).mkdir(parents=True)
        (root / relative / "kept.txt").write_text(relative)
    package = root / "hirebench"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (package / "stray.pyc").write_bytes(b"\0")
    (root / "hirebench" / "hirebench.egg-info").mkdir()
    (root / "hirebench" / "hirebench.egg-info" / "PKG-INFO").write_text("x")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\ndependencies = ['a>=1']\n")
    (root / "README.md").write_text("readme")
    return root


def test_app_files_are_the_working_tree_without_bytecode(tmp_path: Path) -> None:
    trees, sources = app_files(project(tmp_path))
    assert [name for name, _ in trees] == [f"{relative}/kept.txt" for relative in APP_TREES]
    assert [name for name, _ in sources] == ["hirebench/__init__.py", "pyproject.toml", "README.md"]
    (tmp_path / "templates" / "kept.txt").write_text("edited")
    edited, _ = app_files(tmp_path)
    assert dict(edited)["templates/kept.txt"] == b"edited"  # so the app's hash moves with it


def test_a_missing_folder_says_what_to_build(tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / "static" / "build" / "kept.txt").unlink()
    (tmp_path / "static" / "build").rmdir()
    with pytest.raises(ComposeBuildError, match=r"static/build does not exist.*make install"):
        app_files(tmp_path)


def test_dependencies_are_pyprojects_pinned_to_this_environment() -> None:
    requirements, pins = python_requirements()
    listed = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert requirements.splitlines() == listed["dependencies"]
    lines = pins.splitlines()
    assert lines == sorted(lines) and all("==" in line for line in lines)
    assert any(line.lower().startswith("flask==") for line in lines)
    assert not any(line.lower().startswith("hirebench") for line in lines)  # the editable one


def test_the_build_is_offline_only() -> None:
    refused = CliRunner().invoke(compose_group, ["build"])
    assert refused.exit_code == 2
    assert "docker compose build" in refused.output and "--offline" in refused.output


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "deploy/offline/app.Dockerfile"])
def test_app_images_make_each_mounted_folder_for_their_user(dockerfile: str) -> None:
    """A new named volume takes the owner of the image's folder; a folder missing from the
    image becomes root's, and the unprivileged web process could not write uploads."""
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    targets = {
        volume.split(":")[1]
        for name in ("web", "worker")
        for volume in services[name].get("volumes", [])
        if not volume.startswith("/")
    }
    text = (PROJECT_ROOT / dockerfile).read_text()
    assert targets == {"/var/lib/hirebench/uploads"}
    for target in targets:
        assert f"mkdir -p {target}" in text
    assert "chown -R hirebench:hirebench /var/lib/hirebench" in text
