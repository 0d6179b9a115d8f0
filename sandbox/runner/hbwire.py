"""The judge's client side of the Jupyter messaging protocol (version 5.3), on pyzmq alone.

jupyter_client's BlockingKernelClient did this before. Importing it costs the judge about
0.08 CPU-seconds in every sandbox (its package imports its asynchronous clients, traitlets
configuration and a heartbeat thread), close to a tenth of a submission's CPU on a busy
grading host, for the handful of messages the judge sends. The wire format is small and
fixed: https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import zmq

DELIMITER = b"<IDS|MSG>"
PROTOCOL_VERSION = "5.3"
#: How long the kernel gets to answer one kernel_info_request before it is asked again.
READY_PROBE_SECONDS = 1.0


class Session:
    """Builds, signs and checks messages with the connection's key."""

    def __init__(self, key: bytes, scheme: str = "hmac-sha256") -> None:
        algorithm = scheme.partition("-")[2] or "sha256"
        self.key = key
        self.digest = getattr(hashlib, algorithm)
        self.session = uuid.uuid4().hex
        self.identity = self.session.encode()

    def msg(self, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "judge",
            "session": self.session,
            "date": datetime.now(UTC).isoformat(),
            "version": PROTOCOL_VERSION,
        }
        return {
            "header": header,
            "msg_id": header["msg_id"],
            "msg_type": msg_type,
            "parent_header": {},
            "metadata": {},
            "content": content,
        }

    def _signature(self, parts: list[bytes]) -> bytes:
        if not self.key:
            return b""
        mac = hmac.new(self.key, digestmod=self.digest)
        for part in parts:
            mac.update(part)
        return mac.hexdigest().encode()

    def send(self, socket: zmq.Socket[bytes], message: dict[str, Any]) -> None:
        parts = [
            json.dumps(message[key]).encode()
            for key in ("header", "parent_header", "metadata", "content")
        ]
        socket.send_multipart([DELIMITER, self._signature(parts), *parts])

    def receive(self, socket: zmq.Socket[bytes]) -> dict[str, Any]:
        """One waiting message, checked and decoded; ValueError for a malformed one."""
        frames = socket.recv_multipart(zmq.NOBLOCK)
        try:
            start = frames.index(DELIMITER) + 1
        except ValueError:
            raise ValueError("a kernel message without its delimiter") from None
        if len(frames) < start + 5:
            raise ValueError("a kernel message with missing parts")
        signature, parts = frames[start], frames[start + 1 : start + 5]
        if not hmac.compare_digest(signature, self._signature(parts)):
            raise ValueError("a kernel message with a bad signature")
        header, parent, metadata, content = (json.loads(part) for part in parts)
        if not all(type(part) is dict for part in (header, parent, metadata, content)):
            raise ValueError("a kernel message whose parts are not objects")
        return {
            "header": header,
            "msg_id": header.get("msg_id"),
            "msg_type": header.get("msg_type"),
            "parent_header": parent,
            "metadata": metadata,
            "content": content,
            "buffers": frames[start + 5 :],
        }


class Channel:
    """One of the kernel's sockets, as the judge uses it."""

    def __init__(self, session: Session, socket: zmq.Socket[bytes]) -> None:
        self.session = session
        self.socket = socket

    def send(self, message: dict[str, Any]) -> None:
        self.session.send(self.socket, message)

    def get_msg(self, timeout: float) -> dict[str, Any]:
        """The next well-formed message within `timeout` seconds, else queue.Empty (as
        jupyter_client's channels). Malformed ones are dropped, and the wait goes on for the
        time that is left."""
        deadline = time.monotonic() + timeout
        while self.socket.poll(max(0, int((deadline - time.monotonic()) * 1000))):
            try:
                return self.session.receive(self.socket)
            except (ValueError, zmq.Again):
                continue
        raise queue.Empty


class KernelClient:
    """Shell, IOPub and stdin (or control alone) connections to a running kernel."""

    def __init__(self, connection: dict[str, Any], channels: tuple[str, ...]) -> None:
        self.session = Session(
            str(connection["key"]).encode(), str(connection.get("signature_scheme", ""))
        )
        self.context: zmq.Context[zmq.Socket[bytes]] = zmq.Context.instance()
        self.channels: dict[str, Channel] = {}
        kinds = {"shell": zmq.DEALER, "stdin": zmq.DEALER, "control": zmq.DEALER, "iopub": zmq.SUB}
        for name in channels:
            socket = self.context.socket(kinds[name])
            socket.linger = 0
            if kinds[name] == zmq.SUB:
                socket.setsockopt(zmq.SUBSCRIBE, b"")
            else:
                # The kernel sends an input request to the identity that asked for the
                # execution, so shell and stdin must share one.
                socket.setsockopt(zmq.IDENTITY, self.session.identity)
            socket.connect(f"tcp://{connection['ip']}:{int(connection[f'{name}_port'])}")
            self.channels[name] = Channel(self.session, socket)

    @property
    def shell_channel(self) -> Channel:
        return self.channels["shell"]

    @property
    def iopub_channel(self) -> Channel:
        return self.channels["iopub"]

    @property
    def stdin_channel(self) -> Channel:
        return self.channels["stdin"]

    @property
    def control_channel(self) -> Channel:
        return self.channels["control"]

    def wait_for_ready(self, timeout: float) -> None:
        """Ask for kernel_info until the kernel answers on shell and IOPub delivers, then drain
        IOPub: a subscription made before the kernel bound its port misses what the kernel
        publishes first, and executions would wait for a status that never comes."""
        deadline = time.monotonic() + timeout
        while True:
            request = self.session.msg("kernel_info_request", {})
            self.shell_channel.send(request)
            if self._replied(request["msg_id"], READY_PROBE_SECONDS):
                try:
                    self.iopub_channel.get_msg(0.2)
                    break
                except queue.Empty:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError("the kernel did not answer within the time allowed")
        while True:
            try:
                self.iopub_channel.get_msg(0.2)
            except queue.Empty:
                return

    def _replied(self, msg_id: str, timeout: float) -> bool:
        try:
            while True:
                reply = self.shell_channel.get_msg(timeout)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return True
        except queue.Empty:
            return False

    def execute(self, code: str, *, silent: bool, store_history: bool, allow_stdin: bool) -> str:
        message = self.session.msg(
            "execute_request",
            {
                "code": code,
                "silent": silent,
                "store_history": store_history,
                "user_expressions": {},
                "allow_stdin": allow_stdin,
                # Each step is its own request, sent once the one before is idle. With True, a
                # kernel that just raised discards requests arriving while it still aborts,
                # so the next cell would be skipped at random and counted as run (nbgrader's
                # executor sends False too).
                "stop_on_error": False,
            },
        )
        self.shell_channel.send(message)
        return str(message["msg_id"])

    def input(self, text: str) -> None:
        self.stdin_channel.send(self.session.msg("input_reply", {"value": text}))
