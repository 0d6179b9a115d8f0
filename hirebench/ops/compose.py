"""The images docker-compose.yml runs, built offline from Debian packages the way the sandbox
image is (docs/operations.md, "docker-compose"): the app (web and worker), PostgreSQL and Redis.

No registry is assumed. Each image has three levels, each tagged with a hash of what determines
it and reused while that hash stands, so a second build takes seconds:

1. ``hirebench-debian:<hash>``: Debian bookworm minbase, debootstrapped from the host's mirror by
   deploy/offline/debian.sh; shared by the three images.
2. ``hirebench-<name>-base:<hash>``: a copy of it with the image's Debian packages
   (deploy/offline/<name>.packages) installed in a chroot by install.sh. The app's also holds a
   virtualenv of hirebench's dependencies: wheels that this environment's pip resolves, through
   the indexes, mirror and cache it is configured with, at the versions installed here.
3. ``hirebench-<name>:<hash>``: deploy/offline/<name>.Dockerfile on top. The app's context is a
   hirebench wheel built from the working tree and the folders the package reads beside it.

Each final image is also tagged ``hirebench-<name>:offline``, the name that
docker-compose.offline.yml gives docker-compose. A host that can pull from a registry uses
docker-compose.yml alone, with the root Dockerfile and the official postgres and redis images.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.images import Image

from hirebench.paths import PROJECT_ROOT
from hirebench.sandbox.image import (
    BuildStatus,
    SandboxBuildError,
    _context_tar,
    _mounts_under,
    _run_logged,
)

log = logging.getLogger(__name__)

DEPLOY_DIR = PROJECT_ROOT / "deploy" / "offline"
OFFLINE_TAG = "offline"
DEBIAN_REPO = "hirebench-debian"
LABEL = "org.hirebench.compose"
#: The images, in the order they are built: the app last, since its wheel changes most often.
IMAGES = ("postgres", "redis", "app")
#: What each image's Dockerfile COPYs besides what the app's context assembles.
_EXTRA_FILES = {"postgres": ("postgres-entrypoint.sh",), "redis": ("redis-entrypoint.sh",)}
#: What hirebench reads beside its package (hirebench/paths.py), relative to the checkout.
APP_TREES = (
    "templates",
    "static/build",
    "static/css",
    "static/js",
    "exams",
    "graders",
    "sandbox",
    "bench/resumes/corpus",
)
#: What the hirebench wheel is built from, besides the package itself.
WHEEL_FILES = ("pyproject.toml", "README.md")

# Part of every hash: bump it when the way this module assembles images changes.
_HASH_SCHEME = b"hirebench-compose-image/1"
# Importing a root filesystem and building on it outlast docker-py's 60 s default.
_DOCKER_TIMEOUT = 1800

Files = list[tuple[str, bytes]]


class ComposeBuildError(RuntimeError):
    """An image could not be built; the message says what to do."""


@dataclass(frozen=True)
class ImageBuild:
    name: str  # "app", "postgres" or "redis"
    tag: str  # hirebench-<name>:<hash>
    status: BuildStatus
    seconds: float
    size_bytes: int

    @property
    def offline_tag(self) -> str:
        return f"hirebench-{self.name}:{OFFLINE_TAG}"


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256(_HASH_SCHEME)
    for name, data in parts:
        # Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        for field in (name.encode(), data):
            h.update(len(field).to_bytes(8, "big"))
            h.update(field)
    return h.hexdigest()[:12]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ComposeBuildError(f"cannot read build input {path}: {exc}") from exc


def _tree(root: Path, relative: str) -> Files:
    """(path under the checkout, content) of every file below root/relative, sorted; bytecode
    and build metadata left out, so that running the code does not change the hash."""
    top = root / relative
    if not top.is_dir():
        raise ComposeBuildError(f"{top} does not exist: build the assets first (make install)")
    files = [p.relative_to(root) for p in top.rglob("*") if p.is_file() and p.suffix != ".pyc"]
    return sorted(
        (p.as_posix(), _read(root / p))
        for p in files
        if not any(part == "__pycache__" or part.endswith(".egg-info") for part in p.parts)
    )


def app_files(root: Path = PROJECT_ROOT) -> tuple[Files, Files]:
    """(the folders the app reads, the sources of its wheel), from the working tree."""
    trees = [f for relative in APP_TREES for f in _tree(root, relative)]
    sources = _tree(root, "hirebench") + [(name, _read(root / name)) for name in WHEEL_FILES]
    return trees, sources


def python_requirements(root: Path = PROJECT_ROOT) -> tuple[str, str]:
    """(hirebench's dependencies as pyproject.toml lists them, the pins of this environment):
    the app image gets the versions its tests ran with."""
    try:
        project = tomllib.loads(_read(root / "pyproject.toml").decode())["project"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise ComposeBuildError(f"cannot read the dependencies in pyproject.toml: {exc}") from exc
    frozen = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "freeze",
            "--exclude-editable",
            "--disable-pip-version-check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if frozen.returncode != 0:
        raise ComposeBuildError(f"pip freeze failed: {frozen.stderr.strip()}")
    # Only name==version lines: pip refuses constraints that are paths or URLs.
    pins = sorted(line for line in frozen.stdout.splitlines() if "==" in line)
    return "\n".join(project["dependencies"]) + "\n", "\n".join(pins) + "\n"


def _client() -> docker.DockerClient:
    try:
        return docker.from_env(timeout=_DOCKER_TIMEOUT)
    except docker.errors.DockerException as exc:
        raise ComposeBuildError(
            f"no Docker engine reachable ({exc}); start it (e.g. `dockerd &`) or set DOCKER_HOST"
        ) from exc


def _find(client: docker.DockerClient, tag: str) -> Image | None:
    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None


def _check_root() -> None:
    if os.geteuid() != 0:
        raise ComposeBuildError(
            "building the offline images needs root (debootstrap and chroot): run "
            "`sudo .venv/bin/hirebench compose build --offline`"
        )
    missing = [tool for tool in ("debootstrap", "chroot", "tar") if shutil.which(tool) is None]
    if missing:
        raise ComposeBuildError(
            f"the offline build needs {', '.join(missing)}: apt-get install debootstrap"
        )


@contextmanager
def _workdir() -> Iterator[Path]:
    # /var/tmp rather than /tmp: /tmp is often a small tmpfs or mounted nodev.
    work = Path(tempfile.mkdtemp(prefix="hirebench-compose-", dir="/var/tmp"))
    try:
        yield work
    finally:
        # A killed chroot step can leave /proc or /dev mounted inside; never delete through a
        # mount into the host's files.
        if mounted := _mounts_under(work):
            log.error("not removing %s: still mounted: %s", work, ", ".join(mounted))
        else:
            shutil.rmtree(work, ignore_errors=True)


def _import(client: docker.DockerClient, rootfs: Path, tag: str) -> None:
    """`docker import` of the root filesystem as `tag`, removing the image it replaces (a
    forced rebuild) unless something still uses it."""
    log.info("importing %s as %s", rootfs, tag)
    replaced = _find(client, tag)
    repo, _, name = tag.partition(":")
    with subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
    ) as tar:
        assert tar.stdout is not None
        stream = tar.stdout
        chunks: Iterator[bytes] = iter(lambda: stream.read(1 << 20), b"")
        try:
            client.api.import_image_from_stream(chunks, repository=repo, tag=name)
        except docker.errors.APIError as exc:
            raise ComposeBuildError(f"docker import of {rootfs} failed: {exc}") from exc
    if tar.returncode != 0:
        # The import may have taken a truncated stream; never cache that.
        client.images.remove(tag, force=True)
        raise ComposeBuildError(f"tar of {rootfs} exited with {tar.returncode}")
    if replaced is not None:
        try:
            client.images.remove(replaced.id)
        except docker.errors.APIError as exc:  # a child image or a container still uses it
            log.debug("keeping the replaced %s: %s", tag, exc)


def _export(client: docker.DockerClient, tag: str, rootfs: Path) -> None:
    """The image's root filesystem, unpacked into rootfs (owners and modes kept)."""
    container = client.containers.create(tag, command=["true"])
    try:
        rootfs.mkdir()
        with subprocess.Popen(
            ["tar", "-x", "--numeric-owner", "-C", str(rootfs)], stdin=subprocess.PIPE
        ) as tar:
            assert tar.stdin is not None
            for chunk in container.export():
                tar.stdin.write(chunk)
            tar.stdin.close()
        if tar.returncode != 0:
            raise ComposeBuildError(f"unpacking {tag} into {rootfs} failed ({tar.returncode})")
    finally:
        container.remove(force=True)
    # Left by the engine in every container; it is not part of the image.
    (rootfs / ".dockerenv").unlink(missing_ok=True)


def _debian(client: docker.DockerClient, force: bool) -> str:
    script = DEPLOY_DIR / "debian.sh"
    tag = f"{DEBIAN_REPO}:{_digest([(script.name, _read(script))])}"
    if force or _find(client, tag) is None:
        _check_root()
        with _workdir() as work:
            log.info("bootstrapping Debian for the compose images (a minute or two)")
            _run_logged(["sh", str(script), str(work / "rootfs")])
            _import(client, work / "rootfs", tag)
    return tag


def _base(
    client: docker.DockerClient,
    name: str,
    debian: str,
    force: bool,
    wheels: tuple[str, Callable[[Path, Path], None]] | None = None,
) -> str:
    """hirebench-<name>-base: Debian plus the image's packages and, given `wheels` (what pins
    them, and how to fetch them into a folder for a Python), a virtualenv of those wheels."""
    installer, packages = DEPLOY_DIR / "install.sh", DEPLOY_DIR / f"{name}.packages"
    venv = DEPLOY_DIR / "venv.sh"
    parts = [("from", debian.encode()), (installer.name, _read(installer))]
    parts += [(packages.name, _read(packages))]
    if wheels is not None:
        parts += [(venv.name, _read(venv)), ("wheels", wheels[0].encode())]
    tag = f"hirebench-{name}-base:{_digest(parts)}"
    if not force and _find(client, tag) is not None:
        return tag
    _check_root()
    with _workdir() as work:
        rootfs = work / "rootfs"
        log.info("installing the %s image's packages into a copy of %s", name, debian)
        _export(client, debian, rootfs)
        _run(["sh", str(installer), str(rootfs), str(packages)])
        if wheels is not None:
            wheels[1](work / "wheels", rootfs / "usr" / "bin" / "python3")
            _run(["sh", str(venv), str(rootfs), str(work / "wheels")])
        _import(client, rootfs, tag)
    return tag


def _docker_build(
    client: docker.DockerClient, name: str, base: str, tag: str, context: io.BytesIO, nocache: bool
) -> Image:
    labels = {LABEL: name, f"{LABEL}.hash": tag.partition(":")[2]}
    try:
        image, logs = client.images.build(
            fileobj=context,
            custom_context=True,
            tag=tag,
            labels=labels,
            buildargs={"BASE": base},
            rm=True,
            forcerm=True,
            pull=False,
            nocache=nocache,
        )
    except docker.errors.BuildError as exc:
        lines = [str(chunk.get("stream") or chunk.get("error") or "") for chunk in exc.build_log]
        raise ComposeBuildError(
            f"docker build of {tag} failed: {exc.msg}\n" + "".join(lines[-40:])
        ) from exc
    except docker.errors.APIError as exc:
        raise ComposeBuildError(f"docker build of {tag} failed: {exc}") from exc
    for chunk in logs:
        if line := str(chunk.get("stream", "")).rstrip():
            log.debug("%s", line)
    return image


def _prune(client: docker.DockerClient, name: str, current: Image) -> None:
    """Remove the final images this one supersedes: each edit of the working tree makes a new
    app image. A container still using one keeps it (the engine refuses), and the shared
    levels below stay, so the next build of any of them is quick."""
    for old in client.images.list(filters={"label": f"{LABEL}={name}"}):
        if old.id == current.id:
            continue
        for tag in old.tags:
            try:
                client.images.remove(tag)
            except docker.errors.APIError as exc:
                log.debug("keeping %s: %s", tag, exc)


def _final(
    client: docker.DockerClient,
    name: str,
    base: str,
    force: bool,
    hashed: Files,
    context: Callable[[], Files],
) -> ImageBuild:
    """hirebench-<name>:<hash of base, Dockerfile and `hashed`>, built from `context()` (the
    files its Dockerfile COPYs, made only when the image is missing) unless it exists."""
    started = time.monotonic()
    dockerfile = _read(DEPLOY_DIR / f"{name}.Dockerfile")
    content_hash = _digest([("from", base.encode()), ("Dockerfile", dockerfile), *hashed])
    tag = f"hirebench-{name}:{content_hash}"
    status: BuildStatus = "cached"
    image = None if force else _find(client, tag)
    if image is None:
        log.info("building %s on %s", tag, base)
        tar = _context_tar(dockerfile.decode(), context())
        image = _docker_build(client, name, base, tag, tar, nocache=force)
        status = "built"
        _prune(client, name, image)
    image.tag(f"hirebench-{name}", OFFLINE_TAG)
    return ImageBuild(
        name, tag, status, time.monotonic() - started, int(image.attrs.get("Size", 0))
    )


def _run(command: list[str]) -> None:
    try:
        _run_logged(command)
    except SandboxBuildError as exc:  # the sandbox builder's runner, with its message
        raise ComposeBuildError(str(exc)) from exc


def _pip(*args: str) -> None:
    """This environment's pip, with the indexes, mirror and cache it is configured with."""
    _run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"])


def _wheel_fetcher(requirements: str, pins: str) -> Callable[[Path, Path], None]:
    """Fetches hirebench's dependencies into a folder as wheels, pinned to this environment's
    versions, for the image's own Python: this pip runs under it (`pip --python`), so markers
    such as `python_full_version < "3.11.3"` are judged for the image, not for this host."""

    def fetch(folder: Path, python: Path) -> None:
        requirements_file, pins_file = folder.parent / "requirements.txt", folder.parent / "pins"
        requirements_file.write_text(requirements)
        pins_file.write_text(pins)
        log.info("fetching hirebench's dependencies as wheels for %s", python)
        _pip(
            "--python",
            str(python),
            "wheel",
            "-w",
            str(folder),
            "-r",
            str(requirements_file),
            "-c",
            str(pins_file),
        )

    return fetch


def _app_context(trees: Files, sources: Files) -> Files:
    """The app Dockerfile's context: app/ (the folders) and wheel/ (hirebench, built from a
    copy of the sources, so the build leaves nothing in the working tree)."""
    with tempfile.TemporaryDirectory(prefix="hirebench-wheel-", dir="/var/tmp") as tmp:
        source, dist = Path(tmp) / "src", Path(tmp) / "dist"
        for name, data in sources:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(data)
        log.info("building the hirebench wheel")
        _pip("wheel", "--no-deps", "--wheel-dir", str(dist), str(source))
        wheels = sorted(dist.glob("hirebench-*.whl"))
        if len(wheels) != 1:
            raise ComposeBuildError(f"expected one hirebench wheel, pip made {wheels}")
        wheel = (f"wheel/{wheels[0].name}", wheels[0].read_bytes())
    return [(f"app/{name}", data) for name, data in trees] + [wheel]


def build_offline(force: bool = False, root: Path = PROJECT_ROOT) -> list[ImageBuild]:
    """Builds (or finds) hirebench-postgres, hirebench-redis and hirebench-app for the working
    tree at `root`, tagging each `:offline`. `force` rebuilds every level."""
    client = _client()
    try:
        debian = _debian(client, force)
        built = []
        for name in ("postgres", "redis"):
            base = _base(client, name, debian, force)
            files = [(f, _read(DEPLOY_DIR / f)) for f in _EXTRA_FILES[name]]
            built.append(_final(client, name, base, force, files, files.copy))
        requirements, pins = python_requirements(root)
        wheels = (requirements + pins, _wheel_fetcher(requirements, pins))
        base = _base(client, "app", debian, force, wheels)
        trees, sources = app_files(root)
        hashed = [(f"app/{n}", d) for n, d in trees] + [(f"src/{n}", d) for n, d in sources]
        built.append(
            _final(client, "app", base, force, hashed, lambda: _app_context(trees, sources))
        )
    finally:
        client.close()
    return built
