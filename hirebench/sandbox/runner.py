"""Host side of one sandbox: a container that serves exactly one submission and is destroyed.

The container runs the candidate's kernel as `candidate`; the judge is a `docker exec` as
`judge`, talking to the host over the exec's stdin/stdout. Nothing is bind-mounted, and the
Docker socket never enters the container. Every container carries a label with its owner (host,
pid and process start time: hirebench/sandbox/owner.py), so a restarted worker can find and
remove what a crashed one left behind, and never what a live one still uses. A worker that runs
in a container of the same engine (docker-compose's, with the host's socket) also labels its
sandboxes with that container, whose end any other worker on the engine can see."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import socket
import struct
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.types import LogConfig, Ulimit

from hirebench.sandbox.image import SANDBOX_LABEL, current_image_tag
from hirebench.sandbox.limits import SandboxLimits
from hirebench.sandbox.owner import owner_gone, owner_label, parse_owner

log = logging.getLogger(__name__)

OWNER_LABEL = "org.hirebench.owner"
#: The id of the container the owning process runs in, when it runs in one of the same engine.
OWNER_CONTAINER_LABEL = "org.hirebench.owner-container"
CANDIDATE_UID = 10002
JUDGE_UID = 10001
KERNEL_PORTS = {
    "shell_port": 50001,
    "iopub_port": 50002,
    "stdin_port": 50003,
    "control_port": 50004,
    "hb_port": 50005,
}
STDOUT, STDERR = 1, 2


class SandboxError(RuntimeError):
    """The sandbox could not be started or did not produce a report."""


class SandboxUnavailable(SandboxError):
    """The Docker engine does not answer. Nothing is known about the submission, so its job is
    retried once the engine is back instead of ending with an error result."""


class SandboxGone(SandboxError):
    """A sandbox failed before it accepted the job: no candidate code had run in it (a warm
    sandbox whose container died while it waited, as when its engine restarted)."""


def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except (DockerException, OSError) as exc:
        raise SandboxUnavailable(f"no Docker engine reachable: {exc}") from exc
    return client


def engine_answers(client: docker.DockerClient) -> bool:
    """Whether the engine behind `client` answers a ping now. requests' connection errors are
    OSErrors, not DockerExceptions."""
    try:
        return bool(client.ping())
    except (DockerException, OSError):
        return False


def _private_to(uid: int) -> str:
    return f"uid={uid},gid={uid},mode=0700,noexec,nosuid,nodev"


def container_options(
    image: str, limits: SandboxLimits, connection: dict[str, Any]
) -> dict[str, Any]:
    """The hardening flags of the threat model, in one place so a test can check them."""
    mb = 1024 * 1024
    return {
        "image": image,
        # PID 1 must outlive the kernel: when a namespace's init dies, every process in it is
        # killed, the judge included, and the judge must live to report a crashed kernel.
        # Init ignores signals it has no handler for, so the candidate cannot kill it.
        "command": [
            "sh",
            "-c",
            "python3 /opt/hirebench/runner/kernel_host.py; exec sleep infinity",
        ],
        "user": f"{CANDIDATE_UID}:{CANDIDATE_UID}",
        "working_dir": "/work",
        "environment": {
            "HB_CONNECTION": json.dumps(connection),
            "HOME": "/work",
            "IPYTHONDIR": "/work/.ipython",
            "JUPYTER_RUNTIME_DIR": "/work/.hb",
            "MPLCONFIGDIR": "/work/.mpl",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        },
        "network_mode": "none",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "read_only": True,
        "tmpfs": {
            "/work": f"size={limits.work_mb}m,{_private_to(CANDIDATE_UID)}",
            "/judge": f"size={limits.judge_mb}m,{_private_to(JUDGE_UID)}",
            # The grader's data files: written by the judge, readable (never writable) by the
            # candidate, whose working directory links to them.
            "/grader": f"size={limits.files_mb}m,uid={JUDGE_UID},gid={JUDGE_UID},mode=0755,"
            "noexec,nosuid,nodev",
            "/tmp": f"size={limits.tmp_mb}m,mode=1777,noexec,nosuid,nodev",  # noqa: S108
        },
        "mem_limit": limits.memory_mb * mb,
        "memswap_limit": limits.memory_mb * mb,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "ulimits": [
            Ulimit(name="fsize", soft=limits.file_size_mb * mb, hard=limits.file_size_mb * mb),
            Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "shm_size": 16 * mb,
        "ipc_mode": "none",  # no /dev/shm: one writable place fewer outside /work and /tmp
        # Whatever the candidate writes to the process's own stdout goes nowhere, so it cannot
        # fill the host's disk through the container log.
        "log_config": LogConfig(type="none"),
        "hostname": "sandbox",
        "labels": {SANDBOX_LABEL: "1", OWNER_LABEL: owner_label()},
        "detach": True,
    }


@dataclass
class _ExecStream:
    """Reads Docker's multiplexed exec stream with a deadline and size caps."""

    sock: Any
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)

    def _recv_exact(self, size: int, deadline: float) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            data = self.sock.recv(min(size - len(chunks), 1 << 20))
            if not data:
                raise EOFError
            chunks += data
        return bytes(chunks)

    def read_line(self, deadline: float, limit: int) -> bytes:
        while b"\n" not in self.stdout:
            header = self._recv_exact(8, deadline)
            stream, length = struct.unpack(">BxxxL", header)
            payload = self._recv_exact(length, deadline)
            if stream == STDOUT:
                self.stdout += payload
                if len(self.stdout) > limit:
                    raise OverflowError
            elif len(self.stderr) < 20_000:
                self.stderr += payload[: 20_000 - len(self.stderr)]
        line, _, rest = bytes(self.stdout).partition(b"\n")
        self.stdout = bytearray(rest)
        return line


class Sandbox:
    """One container with a ready kernel and judge. Use once, then destroy()."""

    def __init__(
        self, client: docker.DockerClient, limits: SandboxLimits, image: str | None = None
    ):
        self.client = client
        self.limits = limits
        self.image = image or current_image_tag()
        self.container: Any = None
        self._stream: _ExecStream | None = None
        self.started_at = time.monotonic()

    def start(self) -> Sandbox:
        connection = {
            "transport": "tcp",
            "ip": "127.0.0.1",
            "key": secrets.token_hex(32),
            "signature_scheme": "hmac-sha256",
            "kernel_name": "python3",
            **KERNEL_PORTS,
        }
        options = container_options(self.image, self.limits, connection)
        options.pop("detach")
        if (container_id := own_container(self.client)) is not None:
            options["labels"][OWNER_CONTAINER_LABEL] = container_id
        try:
            # create + start, not run: run() would try to pull a missing image from a registry.
            self.container = self.client.containers.create(**options)
            self.container.start()
            exec_id = self.client.api.exec_create(
                self.container.id,
                ["python3", "/opt/hirebench/runner/judge.py"],
                stdin=True,
                stdout=True,
                stderr=True,
                tty=False,
                user=f"{JUDGE_UID}:{JUDGE_UID}",
                workdir="/judge",
                environment={
                    "HB_CONNECTION": json.dumps(connection),
                    "HOME": "/judge",
                    # The container's /work/.mpl is the candidate's, private to them.
                    "MPLCONFIGDIR": "/judge/.mpl",
                    "OPENBLAS_NUM_THREADS": "1",
                    "OMP_NUM_THREADS": "1",
                },
            )["Id"]
            raw = self.client.api.exec_start(exec_id, socket=True)
            self._stream = _ExecStream(getattr(raw, "_sock", raw))
            ready = self._read_message(self.limits.start_timeout)
        except ImageNotFound as exc:
            raise SandboxError(
                f"the sandbox image {self.image} is not built; run `hirebench sandbox build`"
            ) from exc
        except (DockerException, OSError) as exc:
            self.destroy()
            raise SandboxError(f"the sandbox did not start: {exc}") from exc
        except SandboxError:
            self.destroy()
            raise
        if ready.get("ready") is not True:
            self.destroy()
            raise SandboxError("the sandbox judge did not report ready")
        return self

    def _read_message(self, timeout: float, limit: int = 10_000) -> dict[str, Any]:
        assert self._stream is not None
        timeout = max(timeout, 0.001)
        try:
            line = self._stream.read_line(time.monotonic() + timeout, limit)
        except TimeoutError as exc:
            raise SandboxError(f"the sandbox did not answer within {timeout:.0f} s") from exc
        except EOFError as exc:
            detail = self._stream.stderr.decode(errors="replace")[-800:]
            raise SandboxError(f"the sandbox judge exited early: {detail}") from exc
        except OverflowError as exc:
            raise SandboxError("the sandbox report exceeded its size limit") from exc
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise SandboxError("the sandbox report was not valid JSON") from exc
        if type(message) is not dict:
            raise SandboxError("the sandbox report was not a JSON object")
        return message

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Run the job's steps one at a time and return the judge's report (not yet
        validated). Each step is sent only when the judge has finished the one before, so a
        test's code enters the sandbox only after the cells before it have run."""
        deadline = time.monotonic() + self.limits.wall_seconds
        try:
            self._send({key: job[key] for key in ("nonce", "cell_timeout", "files")})
            started = self._read_message(deadline - time.monotonic()).get("started")
        except SandboxError as exc:
            raise SandboxGone(str(exc)) from exc
        if started is not True:
            raise SandboxGone("the sandbox judge did not accept the job")
        cells: list[dict[str, Any]] = []
        tests: list[dict[str, Any]] = []
        for batch in _batches(job["steps"]):
            self._send({"steps": batch})
            answer = self._read_message(deadline - time.monotonic(), self.limits.report_bytes)
            results = answer.get("results")
            if type(results) is not list or len(results) != len(batch):
                raise SandboxError("the sandbox judge did not report the steps' results")
            for step, result in zip(batch, results, strict=True):
                if type(result) is not dict:
                    raise SandboxError("the sandbox judge did not report a step's result")
                (tests if step["kind"] == "test" else cells).append(result)
        self._send({"end": True})
        final = self._read_message(deadline - time.monotonic())
        seconds = [float(r.get("seconds") or 0) for r in cells]
        test_seconds = [float(r.get("seconds") or 0) for r in tests]
        return {
            "nonce": final.get("nonce"),
            "kernel_alive": final.get("kernel_alive"),
            "setup_error": final.get("setup_error"),
            "cells": cells,
            "tests": tests,
            "execute_seconds": round(sum(seconds), 4),
            "test_seconds": round(sum(test_seconds), 4),
        }

    def _send(self, message: dict[str, Any]) -> None:
        assert self._stream is not None
        try:
            self._stream.sock.settimeout(30)
            self._stream.sock.sendall(json.dumps(message).encode() + b"\n")
        except OSError as exc:
            raise SandboxError(f"could not send the job to the sandbox: {exc}") from exc

    def destroy(self) -> bool:
        """Remove the container. False when the engine did not answer: the container may
        still exist, and the caller should try again once the engine is back."""
        if self._stream is not None:
            with contextlib.suppress(OSError):
                self._stream.sock.close()
        if self.container is not None:
            try:
                self.container.remove(force=True)
            except NotFound:
                pass
            except APIError as exc:
                log.warning("could not remove sandbox %s: %s", self.container.short_id, exc)
            except (DockerException, OSError) as exc:
                log.warning("could not reach the engine to remove sandbox: %s", exc)
                return False
            self.container = None
        return True


def _batches(steps: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Steps in the order they are sent: consecutive cells together, consecutive tests
    together. A test's code still enters the sandbox only after every cell before it has run
    (cells are the candidate's, or the grader's read-only cells the candidate was given
    anyway); one exchange per run of steps instead of one per step saves the Docker daemons
    relaying each message, a large share of a submission's CPU."""
    batches: list[list[dict[str, Any]]] = []
    for step in steps:
        is_test = step["kind"] == "test"
        if batches and (batches[-1][-1]["kind"] == "test") == is_test:
            batches[-1].append(step)
        else:
            batches.append([step])
    return batches


def reap_orphans(client: docker.DockerClient) -> int:
    """Remove sandboxes whose owning process is provably gone: a crashed or killed worker on
    this host, or in a container of this engine that has ended. Another host's containers, and
    a live process's, are left alone."""
    removed = 0
    for container in _listed(client, [f"{SANDBOX_LABEL}=1"]):
        labels = container.attrs.get("Labels") or {}
        owner = parse_owner(labels.get(OWNER_LABEL))
        if owner is None:
            continue  # not started by a worker
        if not owner_gone(owner) and not _owner_container_gone(
            client, labels.get(OWNER_CONTAINER_LABEL), container.id
        ):
            continue  # another host's, or a live worker's
        removed += _remove(container)
    if removed:
        log.info("reaped %d orphaned sandbox containers", removed)
    return removed


# The bind mount docker makes of every container's own hostname file, as /proc/self/mountinfo
# shows it inside the container: "... /var/lib/docker/containers/<id>/hostname /etc/hostname ...".
_HOSTNAME_MOUNT = re.compile(
    r"^\S+ \S+ \S+ \S*/containers/([0-9a-f]{64})/hostname /etc/hostname ", re.M
)
_own_container: dict[int, str | None] = {}


def own_container(client: docker.DockerClient) -> str | None:
    """The id of the container this process runs in, when the engine behind `client` runs that
    container and gave it this hostname: a docker-compose worker using the host's socket. None
    on a host, or in another engine's container. Looked up once per process."""
    pid = os.getpid()  # a forked child looks again: cached per pid
    if pid in _own_container:
        return _own_container[pid]
    try:
        mounts = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        mounts = ""
    found = None
    for candidate in _HOSTNAME_MOUNT.findall(mounts):
        try:
            config = client.api.inspect_container(candidate).get("Config") or {}
        except NotFound:
            continue
        except (DockerException, OSError):
            return None  # the engine does not answer now: ask again next time
        if config.get("Hostname") == socket.gethostname():
            found = candidate
            break
    _own_container[pid] = found
    return found


def _owner_container_gone(client: docker.DockerClient, owner: str | None, sandbox: str) -> bool:
    """Whether the container the sandbox's owner ran in has ended, is gone, or has started
    again since the sandbox was made: the process that made the sandbox is gone with it. Any
    doubt (no such label, the engine not answering, a time it cannot read) keeps the sandbox."""
    if not owner:
        return False
    try:
        state = client.api.inspect_container(owner).get("State") or {}
    except NotFound:
        return True
    except (DockerException, OSError):
        return False
    if not state.get("Running") or state.get("Restarting"):
        return True
    try:
        created = client.api.inspect_container(sandbox).get("Created", "")
        return _docker_time(str(state.get("StartedAt", ""))) > _docker_time(str(created))
    except (DockerException, OSError, ValueError):
        return False


def _docker_time(text: str) -> datetime:
    """Docker's RFC 3339 times in UTC, with up to nine fractional digits ("...:56.123456789Z"),
    which datetime does not read as they are; microseconds are enough to order them."""
    head, _, fraction = text.removesuffix("Z").partition(".")
    moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    return moment + timedelta(microseconds=int((fraction + "000000")[:6]))


def remove_own(client: docker.DockerClient) -> int:
    """Remove every sandbox this process started: the last step of a clean shutdown, so no
    container outlives the process that would have used it."""
    labels = [f"{SANDBOX_LABEL}=1", f"{OWNER_LABEL}={owner_label()}"]
    removed = sum(_remove(container) for container in _listed(client, labels))
    if removed:
        log.info("removed %d sandbox containers of this process", removed)
    return removed


def _listed(client: docker.DockerClient, labels: list[str]) -> list[Any]:
    """Containers with these labels, as the list call returns them. Sparse: a full listing
    inspects each container afterwards, and one removed in between (by another process's
    reaper or its own shutdown) would fail the whole listing with NotFound."""
    return list(client.containers.list(all=True, sparse=True, filters={"label": labels}))


def _remove(container: Any) -> int:
    try:
        container.remove(force=True)
    except (NotFound, APIError) as exc:
        log.debug("sandbox %s already gone: %s", container.short_id, exc)
        return 0
    return 1
