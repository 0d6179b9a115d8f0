"""The judge: runs inside the sandbox as the `judge` user, a different user and process from
the candidate's kernel, which it drives over the Jupyter protocol.

Protocol on stdin and a private copy of stdout, one JSON object per line:
  judge -> {"ready": true}
  host  -> header {"nonce", "cell_timeout", "files"}      judge -> {"started": true}
  host  -> {"steps": [{"kind", "label", "source", ...}]}  judge -> {"results": [{...}]}
  ... in notebook order: consecutive cells together, consecutive tests together ...
  host  -> {"end": true}                                  judge -> {"nonce", "kernel_alive", ...}
A test's code arrives only once every cell before it has run, and test code lives only in this
process's memory: it never enters the candidate's kernel or the container's filesystem.

Candidate cells run in the kernel. Grader cells run there too (the candidate's cells depend on
them) and again here, so tests see the grader's own objects. Tests run only here, in a
namespace that reads candidate names from the kernel on demand (hbremote): data comes back as
exact built-in, numpy or pandas values; anything else as a reference whose comparisons and
truth value are refused, so the candidate's code never decides a test.

The protocol has a channel of its own: file descriptor 1 is pointed at /dev/null once a copy is
taken, and whatever grader code prints is captured as that step's output."""

from __future__ import annotations

import base64
import builtins
import contextlib
import gc
import importlib
import io
import json
import linecache
import os
import queue
import secrets
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

RUNNER_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, RUNNER_DIR)
# Start-up only creates objects that live as long as the process: collecting them is wasted
# work (about a tenth of the imports' CPU). main() freezes them and turns collection back on.
gc.disable()

import hbremote  # noqa: E402
import hbvalues  # noqa: E402
import hbwire  # noqa: E402
import zmq  # noqa: E402
from hbrefs import CALLBACK_PROMPT, COMM_TARGET, REQUEST_PROMPT  # noqa: E402

MAX_LINE_BYTES = 50_000_000
CELL_OUTPUT_LIMIT = 64_000
EXCERPT = 2_000
TEST_OUTPUT_LIMIT = 4_000
TRACEBACK_LIMIT = 8_000
CAPTURE_LIMIT = 100_000
PROBE_REPLY_LIMIT = 20_000_000
# A request up to this size travels inside the cell's code; a larger one over the stdin
# channel, which costs a round trip more but spares IPython scanning megabytes of source.
INLINE_REQUEST_LIMIT = 16_000
INTERRUPT_GRACE = 10.0
CANDIDATE_UID = 10002
FILES_DIR = "/grader"
BUILTIN_NAMES = frozenset(dir(builtins))


class TestTimeout(Exception):
    pass


class KernelGone(Exception):
    pass


class Channel:
    """The host's line-oriented channel: stdin, and a duplicate of the original stdout that
    nothing else in this process can write to once fd 1 points at /dev/null."""

    def __init__(self) -> None:
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        sys.stdout = OutputCapture(0)

    def emit(self, payload: dict[str, Any]) -> None:
        self.out.write(json.dumps(payload, allow_nan=False) + "\n")
        self.out.flush()

    def receive(self) -> dict[str, Any]:
        line = sys.stdin.buffer.readline(MAX_LINE_BYTES)
        if not line:
            raise EOFError("the host closed the channel")
        message = json.loads(line)
        if type(message) is not dict:
            raise ValueError("a message from the host must be a JSON object")
        return message


class OutputCapture(io.TextIOBase):
    """A bounded stand-in for sys.stdout while grader code runs on the judge's side."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def write(self, text: str) -> int:
        if self.size < self.limit:
            kept = text[: self.limit - self.size]
            self.parts.append(kept)
            self.size += len(kept)
        if len(text) and self.size >= self.limit:
            self.truncated = self.truncated or self.size + len(text) > self.limit
        return len(text)

    def text(self) -> str:
        return "".join(self.parts) + ("\n[output truncated]" if self.truncated else "")


def strip_magics(source: str) -> str:
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def format_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:500]


class Kernel:
    """The already-running candidate kernel, driven over the Jupyter protocol (hbwire)."""

    def __init__(self, connection: dict[str, Any]) -> None:
        self.kc = hbwire.KernelClient(connection, ("shell", "iopub", "stdin"))
        # The judge may start before the kernel has bound its ports: it keeps asking.
        self.kc.wait_for_ready(60)
        self.pid = find_kernel_pid()
        self.control = hbwire.KernelClient(connection, ("control",))
        self.alive = True
        # An execution a test's deadline left running, and when to stop waiting for it.
        self.abandoned: tuple[str, float] | None = None
        self.remote: hbremote.Remote | None = None  # set by the judge; answers callbacks
        self.comm_id: str | None = None  # hbrefs' comm channel, once open
        self.poller = zmq.Poller()
        self.poller.register(self.kc.iopub_channel.socket, zmq.POLLIN)
        self.poller.register(self.kc.stdin_channel.socket, zmq.POLLIN)

    def process_alive(self) -> bool:
        if self.pid is None:
            return True  # not found at the start: the judge relies on the deadlines alone
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # alive, and another user's: exactly what we expect
        return True

    def run(
        self,
        source: str,
        timeout: float,
        output_limit: int = CELL_OUTPUT_LIMIT,
        store_history: bool = False,
        answer_input: Callable[[str], str] | None = None,
    ) -> Execution:
        """Execute code in the kernel and collect what it printed, up to a budget. With
        `answer_input`, the kernel's input requests are answered by it (the remote-reference
        protocol); without, the code runs with no stdin, as a notebook cell does in nbgrader.

        A watchdog interrupts the kernel at the deadline over its own control connection, so
        the cell ends normally with a KeyboardInterrupt; a kernel that ignores the interrupt
        for INTERRUPT_GRACE more seconds is written off."""
        self._ready_to_send()
        execution = Execution(output_limit)
        msg_id = self.kc.execute(
            source,
            silent=answer_input is not None,
            store_history=store_history,
            allow_stdin=answer_input is not None,
        )
        return self._collect(msg_id, execution, timeout, answer_input)

    def _collect(
        self,
        msg_id: str,
        execution: Execution,
        timeout: float,
        answer_input: Callable[[str], str] | None,
        answered: Callable[[Execution], bool] | None = None,
    ) -> Execution:
        """Gather what the kernel publishes for one shell request until it is idle again, or
        until `answered` says the reply is in (the kernel's closing status is then left to be
        skipped, as it belongs to a request no one waits for)."""
        watchdog = Watchdog(self.control, timeout)
        hard_deadline = time.monotonic() + timeout + INTERRUPT_GRACE
        try:
            while not execution.idle and not (answered is not None and answered(execution)):
                if time.monotonic() > hard_deadline:
                    self.alive = False
                    execution.status = "timeout"
                    return execution
                ready = dict(self.poller.poll(200))
                if not ready:
                    if not self.process_alive():
                        self.alive = False
                        raise KernelGone("the candidate's kernel died")
                    continue
                # A malformed message (the candidate's process holds the key too) is dropped.
                if self.kc.stdin_channel.socket in ready:
                    with contextlib.suppress(queue.Empty):
                        self._answer(self.kc.stdin_channel.get_msg(0), answer_input)
                if self.kc.iopub_channel.socket in ready:
                    with contextlib.suppress(queue.Empty):
                        message = self.kc.iopub_channel.get_msg(0)
                        if message.get("parent_header", {}).get("msg_id") == msg_id:
                            execution.take(message)
        except TestTimeout:
            # The test's own deadline passed while the kernel worked for it: stop that work,
            # or the next request would queue behind it.
            watchdog.interrupt()
            if not execution.idle:
                self.abandoned = (msg_id, time.monotonic() + INTERRUPT_GRACE)
            raise
        finally:
            watchdog.stop()
        if watchdog.fired:
            execution.status = "timeout"
        if not self.process_alive():
            self.alive = False
        return execution

    def _answer(self, message: dict[str, Any], answer_input: Callable[[str], str] | None) -> None:
        if message.get("msg_type") != "input_request":
            return
        prompt = str(message.get("content", {}).get("prompt", ""))
        self.kc.input(answer_input(prompt) if answer_input is not None else "")

    def _settle(self) -> None:
        """Waits for an execution a test's deadline abandoned (it has been interrupted) to end,
        so the next one does not queue behind it. A kernel still busy INTERRUPT_GRACE seconds
        later ignores interrupts and is written off, as it is for a cell; otherwise every later
        test would wait out its own timeout behind it."""
        if self.abandoned is None:
            return
        msg_id, give_up = self.abandoned
        while time.monotonic() < give_up:
            try:
                message = self.kc.iopub_channel.get_msg(0.2)
            except queue.Empty:
                if not self.process_alive():
                    break
                continue
            content = message.get("content", {})
            if (
                message.get("parent_header", {}).get("msg_id") == msg_id
                and message.get("msg_type") == "status"
                and content.get("execution_state") == "idle"
            ):
                self.abandoned = None
                return
        self.alive = False
        raise KernelGone("the candidate's kernel stopped answering interrupts")

    def open_channel(self) -> None:
        """Open hbrefs' comm channel, before any of the candidate's code runs. Requests then
        skip a cell's parsing; without the channel they still go as cells."""
        if self.run('__import__("hbrefs").open_channel()', 30).status != "ok":
            return
        comm_id = secrets.token_hex(16)
        message = self.kc.session.msg(
            "comm_open", {"comm_id": comm_id, "target_name": COMM_TARGET, "data": {}}
        )
        self.kc.shell_channel.send(message)
        self._collect(message["header"]["msg_id"], Execution(CELL_OUTPUT_LIMIT), 30, None)
        self.comm_id = comm_id

    def request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One remote-reference request (hbrefs in the kernel), as a comm message, or as a
        cell once the judge's functions are in play (only a cell may ask for input)."""
        nonce = secrets.token_hex(16)
        body = json.dumps(payload, allow_nan=False)
        # Once a test has handed the candidate's code a function of its own, any later request
        # may call it (a generator consumed later), so from then on every request is a cell.
        handed_out = self.remote is not None and self.remote.callbacks_given
        if self.comm_id is not None and not handed_out:
            return self._request_by_comm(nonce, body, timeout)
        return self._request_by_cell(nonce, body, timeout)

    def _request_by_comm(self, nonce: str, body: str, timeout: float) -> dict[str, Any]:
        self._ready_to_send()
        message = self.kc.session.msg(
            "comm_msg", {"comm_id": self.comm_id, "data": {"nonce": nonce, "request": body}}
        )
        self.kc.shell_channel.send(message)
        execution = self._collect(
            message["header"]["msg_id"],
            Execution(PROBE_REPLY_LIMIT),
            timeout,
            None,
            lambda execution: execution.comm_reply(nonce) is not None,
        )
        return _decoded_reply(execution, execution.comm_reply(nonce))

    def _request_by_cell(self, nonce: str, body: str, timeout: float) -> dict[str, Any]:
        """The kernel reads the request with an input request (or from the cell, when small)
        and answers on the cell's stdout after the nonce, so nothing else the candidate prints
        can pass for it."""

        def answer(prompt: str) -> str:
            if prompt == REQUEST_PROMPT + nonce:
                return body
            if prompt.startswith(CALLBACK_PROMPT + nonce) and self.remote is not None:
                return self.remote.answer_callback(prompt[len(CALLBACK_PROMPT + nonce) :])
            return ""  # the candidate's own input(): there is no one to type

        if len(body) <= INLINE_REQUEST_LIMIT:
            encoded = base64.b64encode(body.encode()).decode()
            code = f'__import__("hbrefs").serve("{nonce}", "{encoded}")'
        else:
            code = f'__import__("hbrefs").serve("{nonce}")'
        execution = self.run(code, timeout, output_limit=PROBE_REPLY_LIMIT, answer_input=answer)
        return _decoded_reply(execution, execution.stdout_reply(nonce))

    def _ready_to_send(self) -> None:
        if not self.alive:
            raise KernelGone("the candidate's kernel is no longer running")
        self._settle()


def _decoded_reply(execution: Execution, reply: str | None) -> dict[str, Any]:
    """The kernel's reply to a request, found (by its nonce) in what the request produced."""
    if execution.status == "timeout":
        raise TestTimeout()
    if reply is None:
        detail = f" ({execution.error})" if execution.error else ""
        raise RuntimeError(f"the candidate's kernel could not answer{detail}"[:500])
    decoded = json.loads(reply)
    if type(decoded) is not dict:
        raise hbvalues.MalformedValue("bad reply from the kernel")
    return decoded


class Execution:
    """What one execute request produced, as its IOPub messages arrive."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.streams: list[tuple[str, str]] = []
        self.used = 0
        self.truncated = False
        self.error = ""
        self.comm_data: list[Any] = []
        self.status = "ok"
        self.idle = False

    def take(self, message: dict[str, Any]) -> None:
        kind = message.get("msg_type")
        content = message.get("content", {})
        if kind == "status":
            self.idle = content.get("execution_state") == "idle"
        elif kind == "stream":
            self._keep(str(content.get("name", "stdout")), str(content.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            text = content.get("data", {}).get("text/plain", "")
            self._keep("stdout", (text if isinstance(text, str) else "") + "\n")
        elif kind == "error":
            self.error = f"{content.get('ename')}: {content.get('evalue')}"[:500]
            if self.status == "ok":
                self.status = "error"
        elif kind == "comm_msg":
            self.comm_data.append(content.get("data"))

    def _keep(self, name: str, text: str) -> None:
        if self.used + len(text) > self.limit:
            self.truncated = True
            text = text[: max(0, self.limit - self.used)]
        self.used += len(text)
        if text:
            self.streams.append((name, text))

    def stdout_reply(self, nonce: str) -> str | None:
        """The reply hbrefs printed, after this nonce, for a request sent as a cell."""
        for line in self.stdout().splitlines():
            if line.startswith(nonce):
                return line[len(nonce) :]
        return None

    def comm_reply(self, nonce: str) -> str | None:
        """The reply hbrefs sent on its comm channel for the request with this nonce."""
        for data in self.comm_data:
            if isinstance(data, dict) and data.get("nonce") == nonce:
                return str(data.get("reply"))
        return None

    def stdout(self) -> str:
        return "".join(text for name, text in self.streams if name == "stdout")

    def output(self) -> str:
        text = "".join(text for _, text in self.streams)
        return text + ("\n[output truncated]" if self.truncated else "")


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
        self.interrupt()
        with contextlib.suppress(queue.Empty):
            self.control.control_channel.get_msg(5)

    def interrupt(self) -> None:
        # The judge may not signal the candidate's process; the kernel interrupts itself.
        self.control.control_channel.send(self.control.session.msg("interrupt_request", {}))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def display(*objects: Any, **_options: Any) -> None:
    """IPython's display() for grader code on the judge's side: prints each object."""
    for obj in objects:
        print(repr(obj))


class GraderNamespace(dict[str, Any]):
    """The judge's namespace, in which grader code reads names as nbgrader's single namespace
    would give them, without trusting the candidate.

    Lookup order: a name the grader's reference solution wrote last comes from the kernel; a
    name grader code bound comes from here; built-ins are the judge's own (a candidate's `len`
    never shadows them); anything else comes from the kernel. Rebinding or deleting a kernel
    name with a reference is forwarded, so `del squares` and its restore behave as in one
    namespace."""

    def __init__(self, judge: Judge) -> None:
        super().__init__({"__name__": "__main__", "display": display})
        self.judge = judge
        self.prefer_candidate: frozenset[str] = frozenset()
        self.kernel_names: set[str] = set()
        # Names the running test binds that the grader's own solution reads: written into the
        # kernel as they are bound, since a solution function reads its globals when a test
        # calls it (`K = 3; assert f() == 6`), as in nbgrader's single namespace.
        self.write_through: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> Any:
        if name in self.prefer_candidate:
            with contextlib.suppress(NameError):
                return self._from_kernel(name)
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        if name in BUILTIN_NAMES or name.startswith("__"):
            raise KeyError(name)
        try:
            return self._from_kernel(name)
        except NameError:
            raise KeyError(name) from None

    def _from_kernel(self, name: str) -> Any:
        value = self.judge.remote.lookup(name)
        self.kernel_names.add(name)
        if isinstance(value, hbremote.Ref) and hbremote.type_name(value) == "builtins.module":
            return self._own_module(value)
        return value

    def _own_module(self, module: hbremote.Ref) -> Any:
        """The judge's own import of a module the candidate imported: the same library, but
        not the candidate's copy, whose functions the candidate may have patched."""
        name = module._hb_data("getattr", str, name="__name__")
        try:
            own = importlib.import_module(name) if isinstance(name, str) else None
        except Exception:  # noqa: BLE001 - a module the judge lacks (the candidate's own file)
            own = None
        return module if own is None else self._viewed(own)

    def _viewed(self, value: Any) -> Any:
        if isinstance(value, types.ModuleType) and value.__name__ == "matplotlib.pyplot":
            # Grader code's `plt.gca()` must see the candidate's figure, not the judge's.
            return hbremote.PyplotView(self.judge.remote, value)
        return value

    def __setitem__(self, name: str, value: Any) -> None:
        # What grader code binds is the grader's from here on, within this step too: a test
        # that imports Counter itself must read its own Counter on the next line, not the
        # candidate's because the reference solution also bound one.
        self.prefer_candidate = self.prefer_candidate - {name}
        value = self._viewed(value)
        dict.__setitem__(self, name, value)
        if isinstance(value, hbremote.Ref) and name in self.kernel_names:
            self.judge.remote.set_name(name, value)
        elif name in self.write_through:
            try:
                self.judge.remote.set_name(name, value)
            except (TestTimeout, KernelGone):
                raise
            except Exception:  # noqa: BLE001, S110 - a value that cannot cross stays here
                pass

    def __delitem__(self, name: str) -> None:
        found = dict.__contains__(self, name)
        if found:
            dict.__delitem__(self, name)
        if not found or name in self.kernel_names:
            try:
                self.judge.remote.del_name(name)
                self.kernel_names.add(name)
            except NameError:
                if not found:
                    raise KeyError(name) from None


class Judge:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.deadline = 0.0
        self.remote = hbremote.Remote(self._transport)
        kernel.remote = self.remote
        self.namespace = GraderNamespace(self)
        self.setup_error: str | None = None

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TestTimeout()
        return left

    def _transport(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.kernel.request(request, self.remaining())

    # steps --------------------------------------------------------------------------------

    def run_step(self, step: dict[str, Any], cell_timeout: float) -> dict[str, Any]:
        kind = step.get("kind")
        if kind == "test":
            return self.run_test(step)
        result = self.run_cell(str(step["label"]), str(step["source"]), cell_timeout)
        if kind in ("grader", "context") and result["status"] == "ok":
            error = self.run_here(step, cell_timeout)
            if error and kind == "grader" and self.setup_error is None:
                self.setup_error = f"{step['label']} failed on the judge side: {error}"
            if error:
                result["judge_error"] = error
        return result

    def run_cell(self, label: str, source: str, timeout: float) -> dict[str, Any]:
        started = time.monotonic()
        if not self.kernel.alive:
            return {"label": label, "status": "skipped", "error": "", "output": "", "seconds": 0}
        try:
            execution = self.kernel.run(source, timeout, store_history=True)
        except KernelGone as exc:
            return {
                "label": label,
                "status": "error",
                "error": str(exc),
                "output": "",
                "seconds": round(time.monotonic() - started, 4),
            }
        return {
            "label": label,
            "status": execution.status,
            "error": execution.error,
            "output": execution.output()[:EXCERPT],
            "seconds": round(time.monotonic() - started, 4),
        }

    def run_here(self, step: dict[str, Any], timeout: float) -> str | None:
        """A grader cell, again on the judge's side; its error, if any, for staff."""
        outcome = self._execute(step, timeout, f"<{step['label']}>")
        return None if outcome.error is None else format_error(outcome.error)

    def run_test(self, step: dict[str, Any]) -> dict[str, Any]:
        test_id = str(step["id"])
        started = time.monotonic()
        result: dict[str, Any] = {"id": test_id, "status": "passed", "message": ""}
        if self.setup_error:
            result.update(status="error", message=self.setup_error)
        else:
            outcome = self._execute(step, float(step["timeout"]), f"<test {test_id}>")
            result.update(outcome.as_test_result(float(step["timeout"])))
            if step.get("capture") and outcome.error is None:
                result["captured"] = capture_of(self.namespace)
            self.export(step.get("export") or [])
        result["seconds"] = round(time.monotonic() - started, 4)
        return result

    def _execute(self, step: dict[str, Any], timeout: float, filename: str) -> Outcome:
        source = strip_magics(str(step["source"]))
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        self.namespace.prefer_candidate = frozenset(step.get("prefer_candidate") or ())
        self.namespace.write_through = frozenset(step.get("export") or ())
        self.deadline = time.monotonic() + timeout
        capture = OutputCapture(TEST_OUTPUT_LIMIT)
        outcome = Outcome(source, filename, capture)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout + 2.0)
        try:
            with contextlib.redirect_stdout(capture), contextlib.redirect_stderr(capture):
                exec(compile(source, filename, "exec"), self.namespace)  # noqa: S102 - grader code
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a result
            if isinstance(exc, (SystemExit, KeyboardInterrupt)) and not isinstance(
                exc, TestTimeout
            ):
                exc = RuntimeError(f"grader code raised {type(exc).__name__}")
            outcome.error = exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return outcome

    def export(self, names: list[str]) -> None:
        """Send names a test defined into the kernel, for later cells that read them."""
        self.deadline = time.monotonic() + 30
        for name in names:
            if not dict.__contains__(self.namespace, name):
                continue
            with contextlib.suppress(Exception):
                self.remote.set_name(str(name), dict.__getitem__(self.namespace, name))


class Outcome:
    def __init__(self, source: str, filename: str, capture: OutputCapture) -> None:
        self.source = source
        self.filename = filename
        self.capture = capture
        self.error: BaseException | None = None

    def as_test_result(self, timeout: float) -> dict[str, Any]:
        fields: dict[str, Any] = {"output": self.capture.text()[:TEST_OUTPUT_LIMIT]}
        exc = self.error
        if exc is None:
            return fields
        fields["traceback"] = staff_traceback(exc)
        if isinstance(exc, AssertionError):
            fields.update(status="failed", message=self.assertion_message(exc))
        elif isinstance(exc, TestTimeout):
            fields.update(status="timeout", message=f"the test took longer than {timeout:g} s")
        elif isinstance(exc, KernelGone):
            fields.update(status="error", message=str(exc))
        else:
            fields.update(status="error", message=format_error(exc))
        return fields

    def assertion_message(self, exc: AssertionError) -> str:
        """The assertion's own message, or else the failing line of the test."""
        if str(exc):
            return f"AssertionError: {exc}"[:500]
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename == self.filename and frame.line:
                return f"failed: {frame.line.strip()}"[:500]
        return "AssertionError"


def staff_traceback(exc: BaseException) -> str:
    """The traceback for staff: grader frames with their lines, the judge's own frames left out
    (they say nothing about the grader or the candidate)."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(RUNNER_DIR)
    ]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(exc), exc)
    text = "".join(lines)
    return text if len(text) <= TRACEBACK_LIMIT else "...\n" + text[-TRACEBACK_LIMIT:]


def capture_of(namespace: GraderNamespace) -> Any:
    value = dict.get(namespace, "__capture__")
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return {"error": "__capture__ is not plain JSON"}
    if len(text) > CAPTURE_LIMIT:
        return {"error": f"__capture__ is over {CAPTURE_LIMIT} bytes"}
    return value


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


def install_files(files: list[dict[str, Any]], kernel: Kernel) -> str | None:
    """Write the grader's files into a read-only folder and link each top-level entry into the
    candidate's working directory; the judge works in that folder too."""
    if not files or not os.path.isdir(FILES_DIR):
        return None
    top: set[str] = set()
    for entry in files:
        path = os.path.normpath(str(entry["path"]))
        if path.startswith(("/", "..")) or "\0" in path:
            return f"grader file {path!r} is outside the grader's folder"
        target = os.path.join(FILES_DIR, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(base64.b64decode(str(entry["data"])))
        os.chmod(target, 0o444)
        top.add(path.split("/", 1)[0])
    for root, dirs, _ in os.walk(FILES_DIR):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o555)  # noqa: S103 - the candidate reads these, never writes
    os.chdir(FILES_DIR)
    link = (
        "import os as _os\n"
        f"for _name in {sorted(top)!r}:\n"
        f"    if not _os.path.lexists(_name): _os.symlink({FILES_DIR!r} + '/' + _name, _name)\n"
        "del _os, _name\n"
    )
    execution = kernel.run(link, 30)
    if execution.status != "ok":
        return f"could not link the grader's files: {execution.error}"
    return None


def main() -> None:
    channel = Channel()
    os.chdir(os.environ.get("HOME", "/judge"))
    kernel = Kernel(json.loads(os.environ["HB_CONNECTION"]))
    import numpy  # noqa: F401 - warm: decoding and grader setup need them
    import pandas  # noqa: F401

    kernel.open_channel()  # while warm, before the candidate's code can touch hbrefs
    gc.freeze()
    gc.enable()
    channel.emit({"ready": True})
    header = channel.receive()
    judge = Judge(kernel)
    judge.setup_error = install_files(list(header.get("files") or []), kernel)
    channel.emit({"started": True})
    cell_timeout = float(header["cell_timeout"])
    while True:
        message = channel.receive()
        if message.get("end"):
            break
        steps = list(message["steps"])
        channel.emit({"results": [judge.run_step(step, cell_timeout) for step in steps]})
    channel.emit(
        {
            "nonce": header["nonce"],
            "kernel_alive": kernel.alive,
            "setup_error": judge.setup_error,
        }
    )


if __name__ == "__main__":
    main()
