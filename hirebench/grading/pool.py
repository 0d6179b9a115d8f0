"""The embedded grading pool: threads in this process that take doorbells from an in-memory
queue and run the jobs, and a sweeper thread. It is the default dispatch (no REDIS_URL); with
Redis, only its sweeper runs here. hirebench.grading.queue starts one per app and process."""

from __future__ import annotations

import logging
import os
import queue as stdlib_queue
import threading
import time
import weakref
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from hirebench.grading.claims import run_job

log = logging.getLogger(__name__)

#: Where an app keeps its pool (app.extensions).
EXTENSION_KEY = "hirebench.grading.pool"


def pool_of(app: Flask) -> EmbeddedPool | None:
    """The app's pool while it runs in this process (not one inherited across a fork)."""
    pool = app.extensions.get(EXTENSION_KEY)
    return pool if isinstance(pool, EmbeddedPool) and pool.alive else None


def detach(app: Flask) -> EmbeddedPool | None:
    """Take the app's pool away from it (to stop it)."""
    pool = app.extensions.pop(EXTENSION_KEY, None)
    return pool if isinstance(pool, EmbeddedPool) else None


class EmbeddedPool:
    """GRADING_WORKERS daemon threads that run jobs in this process, plus a sweeper thread that
    calls `sweep` every `sweep_interval` seconds. With REDIS_URL set the pool has no grading
    threads: only the sweeper runs here.

    Threads hold the app weakly, so a pool ends with its app (tests create many apps)."""

    def __init__(
        self, app: Flask, workers: int, sweep_interval: float, sweep: Callable[[], None]
    ) -> None:
        self._app = weakref.ref(app)
        self._sweep = sweep
        self.workers = workers
        self.sweep_interval = sweep_interval
        self.pid = os.getpid()
        self._doorbells: stdlib_queue.Queue[int] = stdlib_queue.Queue()
        self._pending: set[int] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._threads: dict[str, threading.Thread] = {}

    def start(self) -> EmbeddedPool:
        for number in range(1, self.workers + 1):
            self._spawn(f"hirebench-grading-{number}", self._work)
        self._spawn("hirebench-grading-sweeper", self._sweep_loop)
        return self

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads[name] = thread
        thread.start()

    def _respawn_dead(self) -> None:
        for name, thread in list(self._threads.items()):
            if name.endswith("sweeper") or thread.is_alive() or self._stopped.is_set():
                continue
            log.error("grading thread %s died; starting a new one", name)
            self._spawn(name, self._work)

    def ring(self, job_id: int) -> bool:
        with self._lock:
            if job_id in self._pending or self.workers == 0:
                return False
            self._pending.add(job_id)
        self._doorbells.put(job_id)
        return True

    def _work(self) -> None:
        while not self._stopped.is_set():
            try:
                job_id = self._doorbells.get(timeout=0.5)
            except stdlib_queue.Empty:
                if self._app() is None:
                    return
                continue
            with self._lock:
                self._pending.discard(job_id)
            app = self._app()
            if app is None:
                return
            try:
                with app.app_context():
                    # A job handed back here (this process is stopping) is rung by the next
                    # process's start-up sweep: this pool grades nothing more.
                    run_job(job_id)
            except SQLAlchemyError:
                log.exception("grading job %s: database error; a sweep will retry it", job_id)
            del app

    def _sweep_loop(self) -> None:
        while not self._stopped.wait(self.sweep_interval):
            app = self._app()
            if app is None:
                return
            try:
                with app.app_context():
                    self._sweep()
            except SQLAlchemyError:
                log.exception("grading sweep failed; trying again in %s s", self.sweep_interval)
            del app
            self._respawn_dead()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads.values():
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive(self) -> bool:
        return not self._stopped.is_set() and self.pid == os.getpid()
