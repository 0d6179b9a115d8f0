"""The judge: runs inside the sandbox as the `judge` user, a different user and process from
the candidate's kernel, which it drives with nbclient.

Protocol on stdin/stdout, one JSON object per line: the judge connects to the kernel and
prints {"ready": true}; the host sends the candidate's cells; the judge runs them and prints
{"executed": true}; only then does the host send the grader's setup and the tests; the judge
prints the report and exits. Test code thus arrives after the candidate's code has run, and
lives only in this process's memory: it is never written to the container's filesystem.
Tests run here, not in the kernel; every value they use from the candidate is fetched as
data (hbvalues), so the candidate's code never takes part in deciding a test."""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import json
import os
import queue
import secrets
import signal
import sys
import threading
import time
import traceback
from typing import Any

RUNNER_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, RUNNER_DIR)

import hbvalues  # noqa: E402

MAX_JOB_BYTES = 50_000_000
CELL_OUTPUT_LIMIT = 64_000
EXCERPT = 2_000
PROBE_REPLY_LIMIT = 20_000_000
INTERRUPT_GRACE = 10.0
CANDIDATE_UID = 10002


class TestTimeout(Exception):
    pass


class KernelGone(Exception):
    pass


def emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    sys.stdout.flush()


def strip_magics(source: str) -> str:
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def format_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:500]


def assertion_message(exc: AssertionError, source: str) -> str:
    """The assertion's own message, or else the failing line of the test."""
    if str(exc):
        return f"AssertionError: {exc}"[:500]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith("<test"):
            lines = source.splitlines()
            if frame.lineno and 0 < frame.lineno <= len(lines):
                return f"failed: {lines[frame.lineno - 1].strip()}"[:500]
    return "AssertionError"


class Kernel:
    """nbclient driving the already-running candidate kernel."""

    def __init__(self, connection: dict[str, Any]) -> None:
        import nbformat
        from jupyter_client import BlockingKernelClient
        from nbclient import NotebookClient
        from nbclient.exceptions import DeadKernelError

        self.nbformat = nbformat
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(connection)  # type: ignore[arg-type]
        self.kc.start_channels()
        self._wait_for_kernel(60)
        self.pid = find_kernel_pid()
        self.control = BlockingKernelClient()
        self.control.load_connection_info(connection)  # type: ignore[arg-type]
        self.control.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
        kernel = self

        class CappedClient(NotebookClient):
            async def _async_check_alive(self) -> None:
                # The heartbeat misses beats when the host is busy, which nbclient would take
                # for a dead kernel; the kernel's process is the ground truth.
                if not kernel.process_alive():
                    raise DeadKernelError("Kernel died")

            def output(self, outs: Any, msg: Any, display_id: Any, cell_index: int) -> Any:
                # Drop output past the budget: a print loop must not flood the judge's memory.
                size = len(json.dumps(msg.get("content", {}), default=str))
                kernel.output_used[cell_index] = kernel.output_used.get(cell_index, 0) + size
                if kernel.output_used[cell_index] > kernel.output_limit.get(cell_index, 0):
                    kernel.truncated.add(cell_index)
                    return None
                return super().output(outs, msg, display_id, cell_index)

        self.nb = nbformat.v4.new_notebook()
        self.client = CappedClient(
            self.nb,
            timeout=30,
            allow_errors=True,
            interrupt_on_timeout=False,
            kernel_name="python3",
        )
        self.client.kc = self.kc
        self.output_used: dict[int, int] = {}
        self.output_limit: dict[int, int] = {}
        self.truncated: set[int] = set()
        self.alive = True

    def process_alive(self) -> bool:
        if self.pid is None:
            return bool(self.kc.is_alive())
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # alive, and another user's: exactly what we expect
        return True

    def _wait_for_kernel(self, timeout: float) -> None:
        """The judge may start before the kernel has bound its ports; jupyter_client then
        reports a dead kernel at once, so keep asking until the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.kc.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def run(
        self,
        source: str,
        timeout: float,
        store_history: bool = True,
        output_limit: int = CELL_OUTPUT_LIMIT,
    ) -> tuple[Any, str]:
        """Execute code; returns (cell, status) with status ok, error or timeout.

        A watchdog thread interrupts the kernel at the deadline over its own control
        connection, so the cell ends normally with a KeyboardInterrupt. nbclient's own timeout
        is only a backstop: when it fires, the kernel ignored the interrupt and is written off
        (nbclient would otherwise leave a poller behind that eats later replies)."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if not self.alive:
            raise KernelGone("the candidate's kernel is no longer running")
        # from_dict, not new_code_cell: that validates every cell against the schema, which
        # costs more than the round trip to the kernel.
        cell = self.nbformat.from_dict(
            {
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
        )
        self.nb.cells.append(cell)
        index = len(self.nb.cells) - 1
        self.output_limit[index] = output_limit
        self.client.timeout = int(timeout + INTERRUPT_GRACE)
        watchdog = Watchdog(self.control, timeout)
        try:
            self.client.execute_cell(cell, index, store_history=store_history)
        except CellTimeoutError:
            self.alive = False
            return cell, "timeout"
        except DeadKernelError as exc:
            self.alive = False
            raise KernelGone("the candidate's kernel died") from exc
        except RuntimeError as exc:  # nbclient raises this when the kernel stops answering
            self.alive = False
            raise KernelGone(f"the candidate's kernel stopped answering: {exc}") from exc
        finally:
            watchdog.stop()
        if not self.process_alive():
            self.alive = False
        if watchdog.fired:
            return cell, "timeout"
        failed = any(o.get("output_type") == "error" for o in cell.outputs)
        return cell, "error" if failed else "ok"

    def probe(self, code: str, nonce: str, timeout: float) -> dict[str, Any]:
        cell, status = self.run(code, timeout, store_history=False, output_limit=PROBE_REPLY_LIMIT)
        if status == "timeout":
            raise TestTimeout()
        text = "".join(
            o.get("text", "")
            for o in cell.outputs
            if o.get("output_type") == "stream" and o.get("name") == "stdout"
        )
        for line in text.splitlines():
            if line.startswith(nonce):
                if len(line) > PROBE_REPLY_LIMIT:
                    raise hbvalues.UnsupportedValue("value too large to check")
                reply = json.loads(line[len(nonce) :])
                if type(reply) is not dict:
                    raise hbvalues.MalformedValue("bad probe reply")
                return reply
        if status == "error":
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            detail = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else ""
            raise RuntimeError(f"the candidate's kernel could not answer ({detail})"[:500])
        raise RuntimeError("the candidate's kernel did not answer")


class Watchdog:
    """Interrupts the kernel when a deadline passes, from a thread of its own."""

    def __init__(self, control: Any, timeout: float) -> None:
        self.control = control
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(timeout,), daemon=True)
        self._thread.start()

    def _watch(self, timeout: float) -> None:
        if self._done.wait(timeout):
            return
        self.fired = True
        # The judge may not signal the candidate's process; the kernel interrupts itself.
        self.control.control_channel.send(self.control.session.msg("interrupt_request", {}))
        with contextlib.suppress(queue.Empty):
            self.control.get_control_msg(timeout=5)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


class RemoteFunction:
    """Stands in for a candidate function: arguments go over as data, the result comes back as
    data, so the test sees a plain value."""

    def __init__(self, judge: Judge, name: str) -> None:
        self._judge = judge
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        payload = json.dumps(
            {"args": hbvalues.encode(list(args)), "kwargs": hbvalues.encode(dict(kwargs))},
            allow_nan=False,
        )
        encoded = base64.b64encode(payload.encode()).decode()
        nonce = secrets.token_hex(16)
        code = f'__import__("hbprobe").call("{nonce}", {self._name!r}, "{encoded}")'
        reply = self._judge.kernel.probe(code, nonce, self._judge.remaining())
        return self._judge.value_from(reply, f"{self._name}(...)")

    def __repr__(self) -> str:
        return f"<candidate function {self._name}>"


class Judge:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.deadline = 0.0
        self.setup_namespace: dict[str, Any] = {"__name__": "__main__"}
        self.known_functions: set[str] = set()

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TestTimeout()
        return left

    def value_from(self, reply: dict[str, Any], what: str) -> Any:
        kind = reply.get("kind")
        if kind == "value":
            return hbvalues.decode(reply.get("value"))
        if kind == "function":
            return RemoteFunction(self, what)
        if kind == "raised":
            exc_type = getattr(builtins, str(reply.get("type")), None)
            message = str(reply.get("message", ""))[:500]
            if isinstance(exc_type, type) and issubclass(exc_type, Exception):
                raise exc_type(message)
            raise RuntimeError(f"{reply.get('type')}: {message}")
        if kind == "missing":
            raise NameError(f"name {what!r} is not defined")
        if kind == "unsupported":
            raise TypeError(f"{what}: {reply.get('message')}")
        raise hbvalues.MalformedValue("bad probe reply")

    def fetch(self, name: str) -> Any:
        if name in self.known_functions:
            return RemoteFunction(self, name)  # calls look the name up afresh anyway
        nonce = secrets.token_hex(16)
        reply = self.kernel.probe(
            f'__import__("hbprobe").fetch("{nonce}", {name!r})', nonce, self.remaining()
        )
        if reply.get("kind") == "module":
            import importlib

            return importlib.import_module(str(reply.get("name")))
        if reply.get("kind") == "function":
            self.known_functions.add(name)
        return self.value_from(reply, name)

    def run_setup(self, sources: list[str]) -> str | None:
        """The grader's setup runs here too, so tests see the grader's own objects."""
        for number, source in enumerate(sources, start=1):
            try:
                code = compile(strip_magics(source), f"<setup {number}>", "exec")
                exec(code, self.setup_namespace)  # noqa: S102 - grader code, trusted
            except Exception as exc:  # noqa: BLE001 - a broken grader is reported, not raised
                return f"setup cell {number} failed on the judge side: {format_error(exc)}"
        return None

    def run_test(self, test: dict[str, Any]) -> dict[str, Any]:
        source = strip_magics(str(test["source"]))
        started = time.monotonic()
        self.deadline = started + float(test["timeout"])
        result: dict[str, Any] = {"id": test["id"], "status": "passed", "message": ""}
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, float(test["timeout"]) + 2.0)
        try:
            code = compile(source, f"<test {test['id']}>", "exec")
            namespace = dict(self.setup_namespace)
            for name in sorted(free_names(source) - set(namespace) - set(dir(builtins))):
                # A name the candidate never defined stays unbound: the test then fails with a
                # NameError of its own.
                with contextlib.suppress(NameError):
                    namespace[name] = self.fetch(name)
            exec(code, namespace)  # noqa: S102 - grader code, trusted, in the judge's process
        except AssertionError as exc:
            result.update(status="failed", message=assertion_message(exc, source))
        except TestTimeout:
            result.update(
                status="timeout", message=f"the test took longer than {test['timeout']} s"
            )
        except KernelGone as exc:
            result.update(status="error", message=str(exc))
        except Exception as exc:  # noqa: BLE001 - every test failure becomes a result
            result.update(status="error", message=format_error(exc))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        result["seconds"] = round(time.monotonic() - started, 4)
        return result


def find_kernel_pid() -> int | None:
    """The kernel's pid, found once before any candidate code runs (so no decoy can exist)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
            owner = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        argv = command.split(b"\0")
        # argv, not a substring: PID 1's `sh -c "python3 .../kernel_host.py; ..."` must not match.
        if owner == CANDIDATE_UID and len(argv) > 1 and argv[1].endswith(b"/kernel_host.py"):
            return int(entry)
    return None


def _alarm(_signum: int, _frame: Any) -> None:
    raise TestTimeout()


def free_names(source: str) -> set[str]:
    """Names the test reads but never assigns: those may come from the candidate. Skipping the
    test's own variables saves a round trip to the kernel for each."""
    tree = ast.parse(source)
    loaded: set[str] = set()
    stored: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return loaded - stored


def cell_report(
    kernel: Kernel, cell: Any, label: str, status: str, seconds: float
) -> dict[str, Any]:
    text = ""
    error = ""
    for output in cell.outputs:
        if output.get("output_type") == "stream":
            text += output.get("text", "")
        elif output.get("output_type") == "error":
            error = f"{output.get('ename')}: {output.get('evalue')}"[:500]
    index = kernel.nb.cells.index(cell)
    if index in kernel.truncated:
        text += "\n[output truncated]"
    return {
        "label": label,
        "status": status,
        "error": error,
        "output": text[:EXCERPT],
        "seconds": round(seconds, 4),
    }


def main() -> None:
    os.chdir(os.environ.get("HOME", "/judge"))
    kernel = Kernel(json.loads(os.environ["HB_CONNECTION"]))
    import numpy  # noqa: F401 - warm: decoding and grader setup need them
    import pandas  # noqa: F401

    emit({"ready": True})
    job = json.loads(sys.stdin.buffer.readline(MAX_JOB_BYTES))
    judge = Judge(kernel)
    report: dict[str, Any] = {"nonce": job["nonce"], "cells": [], "tests": [], "setup_error": None}
    started = time.monotonic()
    for planned in job["cells"]:
        if not kernel.alive:
            report["cells"].append(
                {
                    "label": planned["label"],
                    "status": "skipped",
                    "error": "",
                    "output": "",
                    "seconds": 0,
                }
            )
            continue
        t0 = time.monotonic()
        try:
            cell, status = kernel.run(planned["source"], float(job["cell_timeout"]))
            report["cells"].append(
                cell_report(kernel, cell, planned["label"], status, time.monotonic() - t0)
            )
        except KernelGone as exc:
            report["cells"].append(
                {
                    "label": planned["label"],
                    "status": "error",
                    "error": str(exc),
                    "output": "",
                    "seconds": round(time.monotonic() - t0, 4),
                }
            )
    report["execute_seconds"] = round(time.monotonic() - started, 4)
    # Only now, with the candidate's code run, do the setup and the tests come in.
    emit({"executed": True})
    job.update(json.loads(sys.stdin.buffer.readline(MAX_JOB_BYTES)))
    report["setup_error"] = judge.run_setup(list(job["setup"]))
    started = time.monotonic()
    for test in job["tests"]:
        if report["setup_error"]:
            report["tests"].append(
                {
                    "id": test["id"],
                    "status": "error",
                    "message": report["setup_error"],
                    "seconds": 0,
                }
            )
        else:
            report["tests"].append(judge.run_test(test))
    report["test_seconds"] = round(time.monotonic() - started, 4)
    report["kernel_alive"] = kernel.alive
    emit(report)


if __name__ == "__main__":
    main()
