"""Build and tag the Docker image that grading runs in (see docs/sandbox-image.md).

Offline path (default): sandbox/build_offline.sh debootstraps a Debian root filesystem
with the Python data stack, which is imported as ``hirebench-sandbox-base:<base hash>``;
the "final steps" part of sandbox/Dockerfile then runs on top of it. Dockerfile path
(``HIREBENCH_SANDBOX_BUILD=dockerfile``): sandbox/Dockerfile as a whole, for hosts
that can pull from a registry. Either way the result is ``hirebench-sandbox:<hash>``
plus ``hirebench-sandbox:latest``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import docker
import docker.errors
from docker.models.images import Image

log = logging.getLogger(__name__)

SANDBOX_IMAGE_REPO = "hirebench-sandbox"
SANDBOX_BASE_REPO = "hirebench-sandbox-base"
SANDBOX_LABEL = "org.hirebench.sandbox"
SANDBOX_DIR = Path(__file__).resolve().parents[2] / "sandbox"
# The library sets (docs/sandbox-image.md) live in the package, not in sandbox/, because
# `hirebench grader validate` reads them on hosts that have no checkout; the image gets a copy.
LIBRARIES_FILE = Path(__file__).resolve().with_name("libraries.json")

BUILDER_SCRIPT = "build_offline.sh"
DOCKERFILE = "Dockerfile"
FINAL_STEPS_MARKER = "# ---- final steps ----"
BUILD_ENV = "HIREBENCH_SANDBOX_BUILD"

# Part of every hash: bump it when the way this module assembles images changes,
# since that code is not among the hashed files.
_HASH_SCHEME = b"hirebench-sandbox-image/2"
# Importing a root filesystem and building on it outlast docker-py's 60 s default.
_DOCKER_TIMEOUT = 1800

BuildMethod = Literal["offline", "dockerfile"]
BuildStatus = Literal["cached", "built"]


class SandboxBuildError(RuntimeError):
    """The sandbox image could not be built; the message says what to do."""


@dataclass(frozen=True)
class BuildResult:
    tag: str
    image_id: str
    status: BuildStatus
    method: BuildMethod
    seconds: float
    size_bytes: int
    base_tag: str | None = None
    base_status: BuildStatus | None = None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SandboxBuildError(f"cannot read sandbox build input {path}: {exc}") from exc


def _tree_files(root: Path, what: str) -> list[tuple[str, bytes]]:
    """(posix path relative to root, content) of every file, sorted by path. Bytecode
    caches are left out: importing the code on the host (its tests do) must not change
    the hash, and the image compiles its own."""
    if not root.is_dir():
        raise SandboxBuildError(f"sandbox {what} directory {root} does not exist")
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.relative_to(root).parts and p.suffix != ".pyc"
    ]
    return sorted((p.relative_to(root).as_posix(), _read(p)) for p in files)


def _context_files(sandbox_dir: Path, runner_dir: Path) -> list[tuple[str, bytes]]:
    """Every file the Dockerfile's final steps COPY, under its path in the build context."""
    files = [(f"runner/{rel}", data) for rel, data in _tree_files(runner_dir, "runner")]
    files += [(f"lib/{rel}", data) for rel, data in _tree_files(sandbox_dir / "lib", "lib")]
    files.append((LIBRARIES_FILE.name, _read(LIBRARIES_FILE)))
    return files


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256(_HASH_SCHEME)
    for name, data in parts:
        # Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        for field in (name.encode(), data):
            h.update(len(field).to_bytes(8, "big"))
            h.update(field)
    return h.hexdigest()[:12]


def base_content_hash(sandbox_dir: Path = SANDBOX_DIR) -> str:
    """Hash of what determines the offline base: the builder script and its package list."""
    return _digest([(BUILDER_SCRIPT, _read(sandbox_dir / BUILDER_SCRIPT))])


def image_content_hash(sandbox_dir: Path = SANDBOX_DIR, runner_dir: Path | None = None) -> str:
    """First 12 hex digits of a sha256 over everything that determines the final image."""
    runner_dir = runner_dir if runner_dir is not None else sandbox_dir / "runner"
    parts = [
        (BUILDER_SCRIPT, _read(sandbox_dir / BUILDER_SCRIPT)),
        (DOCKERFILE, _read(sandbox_dir / DOCKERFILE)),
    ]
    parts += _context_files(sandbox_dir, runner_dir)
    return _digest(parts)


def current_image_tag(sandbox_dir: Path = SANDBOX_DIR, runner_dir: Path | None = None) -> str:
    """``hirebench-sandbox:<hash>`` for the current sources, built or not."""
    return f"{SANDBOX_IMAGE_REPO}:{image_content_hash(sandbox_dir, runner_dir)}"


def _final_steps(dockerfile: bytes) -> str:
    text = dockerfile.decode()
    _, marker, tail = text.partition(FINAL_STEPS_MARKER)
    if not marker:
        raise SandboxBuildError(f"sandbox/{DOCKERFILE} lacks the line {FINAL_STEPS_MARKER!r}")
    return marker + tail


def _context_tar(dockerfile: str, files: list[tuple[str, bytes]]) -> io.BytesIO:
    """A build context holding only the Dockerfile and `files`, as hashed."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dirs: set[str] = set()

        def add(name: str, data: bytes) -> None:
            parents = Path(name).parents
            for parent in reversed([p.as_posix() for p in parents if p.as_posix() != "."]):
                if parent not in dirs:
                    dirs.add(parent)
                    dir_info = tarfile.TarInfo(parent)
                    dir_info.type, dir_info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(dir_info)
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

        add("Dockerfile", dockerfile.encode())
        for name, data in files:
            add(name, data)
    buf.seek(0)
    return buf


def _docker_client() -> docker.DockerClient:
    try:
        return docker.from_env(timeout=_DOCKER_TIMEOUT)
    except docker.errors.DockerException as exc:
        raise SandboxBuildError(
            f"no Docker engine reachable ({exc}); start it (e.g. `dockerd &`) or set DOCKER_HOST"
        ) from exc


def _find_image(client: docker.DockerClient, tag: str) -> Image | None:
    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None


def _check_can_bootstrap() -> None:
    if os.geteuid() != 0:
        raise SandboxBuildError(
            "building the offline sandbox base needs root (debootstrap and chroot): run "
            "`sudo .venv/bin/hirebench sandbox build`, or on a host that can pull from a "
            f"registry set {BUILD_ENV}=dockerfile"
        )
    missing = [tool for tool in ("debootstrap", "chroot", "tar") if shutil.which(tool) is None]
    if missing:
        raise SandboxBuildError(
            f"offline sandbox build needs {', '.join(missing)}: apt-get install debootstrap"
        )


def _run_logged(cmd: list[str]) -> None:
    """Runs cmd, sending its output to the debug log; failures carry the last lines."""
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip())
            log.debug("%s", line.rstrip())
    if proc.returncode != 0:
        raise SandboxBuildError(
            f"{' '.join(cmd)} exited with {proc.returncode}; last output:\n" + "\n".join(tail)
        )


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    with open("/proc/self/mounts") as mounts:
        return [m for line in mounts if (m := line.split()[1]).startswith(prefix)]


def _build_base(client: docker.DockerClient, sandbox_dir: Path, base_tag: str) -> None:
    _check_can_bootstrap()
    # /var/tmp rather than /tmp: /tmp is often a small tmpfs or mounted nodev, and
    # debootstrap needs about 1 GB and device nodes.
    workdir = Path(tempfile.mkdtemp(prefix="hirebench-rootfs-", dir="/var/tmp"))
    rootfs = workdir / "rootfs"
    try:
        log.info("bootstrapping the sandbox root filesystem in %s (a minute or two)", rootfs)
        _run_logged(["sh", str(sandbox_dir / BUILDER_SCRIPT), str(rootfs)])
        log.info("importing it as %s", base_tag)
        repo, _, tag = base_tag.partition(":")
        with subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
        ) as tar:
            assert tar.stdout is not None
            stream = tar.stdout
            chunks: Iterator[bytes] = iter(lambda: stream.read(1 << 20), b"")
            try:
                client.api.import_image_from_stream(chunks, repository=repo, tag=tag)
            except docker.errors.APIError as exc:
                raise SandboxBuildError(f"docker import of {rootfs} failed: {exc}") from exc
        if tar.returncode != 0:
            # The import may have taken a truncated stream; never cache that.
            client.images.remove(base_tag, force=True)
            raise SandboxBuildError(f"tar of {rootfs} exited with {tar.returncode}")
    finally:
        # A killed debootstrap can leave /proc or /dev mounted inside; never delete
        # through a mount into the host's files.
        if mounted := _mounts_under(workdir):
            log.error("not removing %s: still mounted: %s", workdir, ", ".join(mounted))
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _docker_build(
    client: docker.DockerClient,
    context: io.BytesIO,
    tag: str,
    labels: dict[str, str],
    pull: bool,
    nocache: bool,
) -> Image:
    try:
        image, logs = client.images.build(
            fileobj=context,
            custom_context=True,
            tag=tag,
            labels=labels,
            rm=True,
            forcerm=True,
            pull=pull,
            nocache=nocache,
        )
    except docker.errors.BuildError as exc:
        lines = [str(chunk.get("stream") or chunk.get("error") or "") for chunk in exc.build_log]
        raise SandboxBuildError(
            f"docker build of {tag} failed: {exc.msg}\n" + "".join(lines[-40:])
        ) from exc
    except docker.errors.APIError as exc:
        raise SandboxBuildError(f"docker build of {tag} failed: {exc}") from exc
    for chunk in logs:
        if line := str(chunk.get("stream", "")).rstrip():
            log.debug("%s", line)
    return image


def _default_offline() -> bool:
    # No registry is assumed reachable: probing one could hang or pull unpinned content.
    choice = os.environ.get(BUILD_ENV, "offline").strip().lower()
    if choice not in ("offline", "dockerfile"):
        raise SandboxBuildError(f"{BUILD_ENV} must be 'offline' or 'dockerfile', not {choice!r}")
    return choice == "offline"


def build_image(
    offline: bool | None = None,
    force: bool = False,
    *,
    sandbox_dir: Path = SANDBOX_DIR,
    runner_dir: Path | None = None,
    tag_latest: bool = True,
) -> BuildResult:
    """Builds ``hirebench-sandbox:<hash>`` unless it exists; ``force`` rebuilds everything.

    ``offline=None`` follows ``$HIREBENCH_SANDBOX_BUILD`` (default ``offline``).
    """
    started = time.monotonic()
    if offline is None:
        offline = _default_offline()
    method: BuildMethod = "offline" if offline else "dockerfile"
    runner_dir = runner_dir if runner_dir is not None else sandbox_dir / "runner"
    content_hash = image_content_hash(sandbox_dir, runner_dir)
    tag = f"{SANDBOX_IMAGE_REPO}:{content_hash}"
    client = _docker_client()

    def result(
        image: Image,
        status: BuildStatus,
        base_tag: str | None = None,
        base_status: BuildStatus | None = None,
    ) -> BuildResult:
        if tag_latest:
            image.tag(SANDBOX_IMAGE_REPO, "latest")
        built_by = image.labels.get(f"{SANDBOX_LABEL}.build", method)
        return BuildResult(
            tag=tag,
            image_id=image.id or "",
            status=status,
            method="dockerfile" if built_by == "dockerfile" else "offline",
            seconds=time.monotonic() - started,
            size_bytes=int(image.attrs.get("Size", 0)),
            base_tag=base_tag,
            base_status=base_status,
        )

    if not force and (existing := _find_image(client, tag)) is not None:
        log.debug("sandbox image %s already built", tag)
        return result(existing, "cached")

    labels = {
        SANDBOX_LABEL: "1",
        f"{SANDBOX_LABEL}.hash": content_hash,
        f"{SANDBOX_LABEL}.build": method,
    }
    dockerfile = _read(sandbox_dir / DOCKERFILE)
    if method == "dockerfile":
        log.info("building %s from sandbox/%s", tag, DOCKERFILE)
        context = _context_tar(dockerfile.decode(), _context_files(sandbox_dir, runner_dir))
        image = _docker_build(client, context, tag, labels, pull=force, nocache=force)
        return result(image, "built")

    base_tag = f"{SANDBOX_BASE_REPO}:{base_content_hash(sandbox_dir)}"
    base_status: BuildStatus = "cached"
    if force or _find_image(client, base_tag) is None:
        _build_base(client, sandbox_dir, base_tag)
        base_status = "built"
    log.info("building %s on %s", tag, base_tag)
    generated = f"FROM {base_tag}\n{_final_steps(dockerfile)}"
    context = _context_tar(generated, _context_files(sandbox_dir, runner_dir))
    image = _docker_build(client, context, tag, labels, pull=False, nocache=force)
    return result(image, "built", base_tag, base_status)
