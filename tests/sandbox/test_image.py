"""The sandbox image: content hash, build cache, and the contract inside the container.

Docker tests build the image on first use (about 100 s cold, as root) and leave it in
the engine for everyone else; later runs find it cached.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from hirebench.sandbox import image as sandbox_image
from hirebench.sandbox.image import (
    SANDBOX_DIR,
    SANDBOX_IMAGE_REPO,
    BuildResult,
    base_content_hash,
    build_image,
    current_image_tag,
    image_content_hash,
)
from tests.conftest import require_service

# Whichever Docker test runs first may trigger a cold build of several minutes.
pytestmark = pytest.mark.timeout(1800)

NOTEBOOK_SCRIPT = """
import nbclient, nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import pandas as pd\\nprint(pd.Series([1, None, 2]).fillna(0).sum())")])
nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
print(nb.cells[0].outputs[0]["text"].strip())
"""


@pytest.fixture
def sandbox_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "sandbox"
    shutil.copytree(SANDBOX_DIR, copy)
    return copy


def test_hash_is_stable_and_covers_runner_files(sandbox_copy: Path) -> None:
    original = image_content_hash()
    assert len(original) == 12 and int(original, 16) >= 0
    assert image_content_hash() == original
    assert image_content_hash(sandbox_copy) == original
    assert current_image_tag() == f"{SANDBOX_IMAGE_REPO}:{original}"

    added = sandbox_copy / "runner" / "pkg" / "judge.py"
    added.parent.mkdir()
    added.write_text("VERSION = 1\n")
    with_file = image_content_hash(sandbox_copy)
    assert with_file != original

    added.write_text("VERSION = 2\n")
    assert image_content_hash(sandbox_copy) not in (original, with_file)

    added.unlink()
    added.parent.rmdir()
    assert image_content_hash(sandbox_copy) == original


def test_runner_dir_is_a_parameter(sandbox_copy: Path, tmp_path: Path) -> None:
    other_runner = tmp_path / "runner"
    other_runner.mkdir()
    (other_runner / "run.py").write_text("pass\n")
    assert image_content_hash(SANDBOX_DIR, other_runner) != image_content_hash()
    assert image_content_hash(sandbox_copy, other_runner) == image_content_hash(
        SANDBOX_DIR, other_runner
    )


def test_hash_covers_lib_and_the_library_sets(
    sandbox_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = image_content_hash(sandbox_copy)
    shim = sandbox_copy / "lib" / "nose" / "tools.py"
    shim.write_text(shim.read_text() + "\n# changed\n")
    assert image_content_hash(sandbox_copy) != original
    shim.write_text((SANDBOX_DIR / "lib" / "nose" / "tools.py").read_text())
    assert image_content_hash(sandbox_copy) == original

    sets = tmp_path / "libraries.json"
    sets.write_text(sandbox_image.LIBRARIES_FILE.read_text().replace("2026.12", "2027.01"))
    monkeypatch.setattr(sandbox_image, "LIBRARIES_FILE", sets)
    assert image_content_hash(sandbox_copy) != original


def test_hash_ignores_bytecode_caches(sandbox_copy: Path) -> None:
    """Host tests import runner/ and lib/ code; the caches that leaves must not move the tag."""
    original = image_content_hash(sandbox_copy)
    for folder in ("runner", "lib/nose"):
        cache = sandbox_copy / folder / "__pycache__"
        cache.mkdir(exist_ok=True)
        (cache / "judge.cpython-311.pyc").write_bytes(b"\x00compiled")
    (sandbox_copy / "lib" / "stray.pyc").write_bytes(b"\x00")
    assert image_content_hash(sandbox_copy) == original


def test_build_context_holds_exactly_the_hashed_files(sandbox_copy: Path) -> None:
    files = sandbox_image._context_files(sandbox_copy, sandbox_copy / "runner")
    context = sandbox_image._context_tar("FROM scratch\n", files)
    with tarfile.open(fileobj=io.BytesIO(context.getvalue())) as tar:
        members = {m.name: m for m in tar.getmembers()}
        regular = {name for name, m in members.items() if m.isfile()}
        assert regular == {"Dockerfile"} | {name for name, _ in files}
        assert {"runner/judge.py", "lib/nose/tools.py", "lib/sitecustomize.py"} <= regular
        assert "libraries.json" in regular
        for name in regular:  # every parent is an explicit directory entry
            parent = name.rpartition("/")[0]
            assert not parent or members[parent].isdir(), name
        lib_json = tar.extractfile("libraries.json")
        assert lib_json is not None
        assert lib_json.read() == sandbox_image.LIBRARIES_FILE.read_bytes()


def test_base_hash_ignores_runner_but_not_builder(sandbox_copy: Path) -> None:
    base = base_content_hash()
    (sandbox_copy / "runner" / "new.py").write_text("pass\n")
    assert base_content_hash(sandbox_copy) == base

    builder = sandbox_copy / "build_offline.sh"
    builder.write_text(builder.read_text() + "\n# changed\n")
    assert base_content_hash(sandbox_copy) != base
    assert image_content_hash(sandbox_copy) != image_content_hash()


def test_dockerfile_has_final_steps_marker() -> None:
    steps = sandbox_image._final_steps((SANDBOX_DIR / "Dockerfile").read_bytes())
    assert not any(line.startswith("FROM") for line in steps.splitlines())
    assert "USER candidate" in steps


# --- tests that need a Docker engine -------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException as exc:
        require_service("Docker", f"no engine reachable: {exc}")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def built(client: docker.DockerClient) -> BuildResult:
    return build_image()


def run(client: docker.DockerClient, command: list[str], **options: object) -> str:
    output = client.containers.run(
        current_image_tag(), command, network_mode="none", remove=True, **options
    )
    return bytes(output).decode().strip()


@pytest.mark.docker
def test_image_is_built_and_tagged(client: docker.DockerClient, built: BuildResult) -> None:
    assert built.tag == current_image_tag()
    image = client.images.get(built.tag)
    assert image.id == built.image_id
    assert image.labels["org.hirebench.sandbox"] == "1"
    assert image.labels["org.hirebench.sandbox.hash"] == image_content_hash()
    assert client.images.get(f"{SANDBOX_IMAGE_REPO}:latest").id == image.id
    config = image.attrs["Config"]
    assert config["User"] == "candidate"
    assert config["WorkingDir"] == "/work"
    assert {"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"} <= set(config["Env"])
    assert {"MPLBACKEND=Agg", "PYTHONPATH=/opt/hirebench/lib"} <= set(config["Env"])


@pytest.mark.docker
def test_second_build_is_cached_and_fast(built: BuildResult) -> None:
    started = time.monotonic()
    again = build_image()
    assert time.monotonic() - started < 1.0
    assert again.status == "cached"
    assert again.image_id == built.image_id


@pytest.mark.docker
def test_runs_as_candidate_and_imports_work(
    client: docker.DockerClient, built: BuildResult
) -> None:
    assert run(client, ["id", "-un"]) == "candidate"
    assert run(client, ["id", "-u"]) == "10002"
    judge = run(client, ["getent", "passwd", "judge"])
    assert judge == "judge:x:10001:10001::/work:/usr/sbin/nologin"
    code = "import pandas, numpy, sklearn, nbclient, ipykernel, scipy, matplotlib; print('ok')"
    assert run(client, ["python3", "-c", code]) == "ok"


@pytest.mark.docker
def test_runner_is_root_owned_and_not_writable(
    client: docker.DockerClient, built: BuildResult
) -> None:
    assert run(client, ["stat", "-c", "%U %a", "/opt/hirebench/runner"]) == "root 755"
    listing = run(client, ["stat", "-c", "%U %a %n", "/opt/hirebench/lib/nose/tools.py"])
    assert listing == "root 644 /opt/hirebench/lib/nose/tools.py"
    with pytest.raises(docker.errors.ContainerError, match="Permission denied"):
        run(client, ["touch", "/opt/hirebench/runner/x"], stderr=True)


@pytest.mark.docker
def test_root_filesystem_is_read_only(client: docker.DockerClient, built: BuildResult) -> None:
    # As root, so that only the read-only mount can refuse the writes.
    paths = ("/work/x", "/tmp/x", "/opt/hirebench/runner/x", "/usr/lib/x")  # noqa: S108
    for path in paths:
        with pytest.raises(docker.errors.ContainerError, match="Read-only file system"):
            run(client, ["touch", path], read_only=True, user="root", stderr=True)


@pytest.mark.docker
def test_notebook_runs_under_run_time_limits(
    client: docker.DockerClient, built: BuildResult
) -> None:
    """The flags the grader will use still leave nbclient a working kernel."""
    output = run(
        client,
        ["python3", "-c", NOTEBOOK_SCRIPT],
        read_only=True,
        tmpfs={
            "/work": "rw,nosuid,nodev,size=64m,uid=10002,gid=10002,mode=0700",
            "/tmp": "rw,nosuid,nodev,size=16m",  # noqa: S108 (inside the container)
        },
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        pids_limit=128,
        mem_limit="1g",
    )
    assert output == "3.0"


@pytest.mark.docker
@pytest.mark.slow
def test_runner_change_reuses_base(
    client: docker.DockerClient, built: BuildResult, sandbox_copy: Path
) -> None:
    (sandbox_copy / "runner" / "extra.py").write_text("EXTRA = True\n")
    result = build_image(sandbox_dir=sandbox_copy, tag_latest=False)
    try:
        assert result.status == "built"
        assert result.base_status == "cached"
        assert result.base_tag == f"hirebench-sandbox-base:{base_content_hash()}"
        assert result.seconds < 60
        assert client.images.get(f"{SANDBOX_IMAGE_REPO}:latest").id == built.image_id
        listing = client.containers.run(
            result.tag, ["ls", "/opt/hirebench/runner"], network_mode="none", remove=True
        )
        assert b"extra.py" in listing
    finally:
        client.images.remove(result.tag)
