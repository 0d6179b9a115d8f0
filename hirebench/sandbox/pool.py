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
from hirebench.sandbox.runner import (
    Sandbox,
    SandboxError,
    docker_client,
    engine_answers,
    reap_orphans,
)

log = logging.getLogger(__name__)

# While the engine does not answer, sandboxes that could not be removed are tried again this
# often, so none outlives an engine outage by much.
DESTROY_RETRY_SECONDS = 5.0


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
        sandbox = Sandbox(self.client, self.limits, self.image)
        try:
            return sandbox.start()
        except SandboxError:
            if sandbox.container is not None:  # the engine went away mid-start: remove later
                self._trash.put(sandbox)
            raise

    def _fill_loop(self) -> None:
        while True:
            with self._lock:
                while not self._closed and len(self._ready) + self._starting >= self.size:
                    self._lock.wait(timeout=5)
                    self._recycle_stale()
                if self._closed:
                    return
                self._starting += 1
            failure: SandboxError | None = None
            try:
                sandbox: Sandbox | None = self._new_sandbox()
            except SandboxError as exc:
                sandbox, failure = None, exc
            with self._lock:
                self._starting -= 1
                if sandbox is not None:
                    self.failures = 0
                    if self._closed:
                        self._trash.put(sandbox)
                    else:
                        self._ready.append(sandbox)
                self._lock.notify_all()
            if failure is not None:
                # Back off outside the count of sandboxes starting, so that `acquire` starts
                # one itself instead of waiting for this one (the engine may be back sooner).
                self.failures += 1
                log.warning("could not start a warm sandbox: %s", failure)
                time.sleep(min(30, 2 ** min(self.failures, 5)))

    def _recycle_stale(self) -> None:
        now = time.monotonic()
        while self._ready and now - self._ready[0].started_at > self.max_idle_seconds:
            self._trash.put(self._ready.popleft())

    def _destroy_loop(self) -> None:
        leftovers: list[Sandbox] = []  # their engine did not answer; tried again later
        while True:
            try:
                sandbox = self._trash.get(timeout=DESTROY_RETRY_SECONDS if leftovers else None)
            except queue.Empty:
                sandbox = leftovers.pop(0)  # try again: has the engine come back?
            if sandbox is None:
                # Closing: a last try; a stopping process removes the rest by their label.
                for kept in leftovers:
                    kept.destroy()
                return
            if not sandbox.destroy():
                leftovers.append(sandbox)
            elif leftovers:  # the engine answers again
                leftovers = [kept for kept in leftovers if not kept.destroy()]

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

    def fresh(self) -> Sandbox:
        """A sandbox started now, never one that waited in the pool."""
        return self._new_sandbox()

    def flush(self) -> int:
        """Destroy every ready sandbox: after the engine went away their connections are dead
        (and after a restart of the engine, their containers too). Returns how many."""
        with self._lock:
            stale = list(self._ready)
            self._ready.clear()
            self._lock.notify_all()
        for sandbox in stale:
            self._trash.put(sandbox)
        return len(stale)

    def engine_answers(self) -> bool:
        return engine_answers(self.client)

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
