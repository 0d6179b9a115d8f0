"""A warm pool of ready sandboxes: container started, kernel up with pandas imported, judge
connected. A submission takes one, uses it once, and it is destroyed in the background, so
neither start-up nor teardown is on the submission's path."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable

import docker

from hirebench.sandbox.limits import SandboxLimits
from hirebench.sandbox.runner import Sandbox, SandboxError, docker_client, reap_orphans

log = logging.getLogger(__name__)


class WarmPool:
    def __init__(
        self,
        size: int,
        limits: SandboxLimits | None = None,
        *,
        image: str | None = None,
        client_factory: Callable[[], docker.DockerClient] = docker_client,
        max_idle_seconds: float = 600.0,
        starters: int = 2,
    ) -> None:
        self.size = size
        self.limits = limits or SandboxLimits()
        self.image = image
        self.max_idle_seconds = max_idle_seconds
        self.client = client_factory()
        self._ready: deque[Sandbox] = deque()
        self._starting = 0
        self._lock = threading.Condition()
        self._closed = False
        self._trash: queue.Queue[Sandbox | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self.starters = max(1, starters)
        self.failures = 0

    def start(self) -> WarmPool:
        reap_orphans(self.client)
        self._spawn(self._destroy_loop, "sandbox-destroyer")
        for n in range(self.starters if self.size else 0):
            self._spawn(self._fill_loop, f"sandbox-starter-{n}")
        return self

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _new_sandbox(self) -> Sandbox:
        return Sandbox(self.client, self.limits, self.image).start()

    def _fill_loop(self) -> None:
        while True:
            with self._lock:
                while not self._closed and len(self._ready) + self._starting >= self.size:
                    self._lock.wait(timeout=5)
                    self._recycle_stale()
                if self._closed:
                    return
                self._starting += 1
            try:
                sandbox = self._new_sandbox()
            except SandboxError as exc:
                self.failures += 1
                log.warning("could not start a warm sandbox: %s", exc)
                time.sleep(min(30, 2 ** min(self.failures, 5)))
                sandbox = None
            with self._lock:
                self._starting -= 1
                if sandbox is not None:
                    self.failures = 0
                    if self._closed:
                        self._trash.put(sandbox)
                    else:
                        self._ready.append(sandbox)
                self._lock.notify_all()

    def _recycle_stale(self) -> None:
        now = time.monotonic()
        while self._ready and now - self._ready[0].started_at > self.max_idle_seconds:
            self._trash.put(self._ready.popleft())

    def _destroy_loop(self) -> None:
        while True:
            sandbox = self._trash.get()
            if sandbox is None:
                return
            sandbox.destroy()

    def acquire(self, timeout: float = 60.0) -> Sandbox:
        """A ready sandbox: from the pool if one is ready or about to be, else started now."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._ready and self._starting and time.monotonic() < deadline:
                # One is on its way; waiting for it is faster than starting another.
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            if self._ready:
                sandbox = self._ready.popleft()
                self._lock.notify_all()
                return sandbox
        return self._new_sandbox()

    def release(self, sandbox: Sandbox) -> None:
        """Each sandbox serves one submission; then it is destroyed off the caller's path."""
        self._trash.put(sandbox)

    def ready_count(self) -> int:
        with self._lock:
            return len(self._ready)

    def wait_ready(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._ready) < count and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            return len(self._ready) >= count

    def close(self, timeout: float = 120.0) -> None:
        """Stop filling, then destroy every sandbox this pool still holds. Waits up to `timeout`
        seconds for sandboxes being started; a stopping process removes any it did not wait for
        by their owner label (runner.remove_own)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        destroyer = self._threads[0] if self._threads else None
        for thread in self._threads[1:]:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._lock:
            while self._ready:
                self._trash.put(self._ready.popleft())
        self._trash.put(None)
        if destroyer is not None:
            destroyer.join(timeout=max(0.0, deadline - time.monotonic()))
        else:
            self._destroy_loop()
