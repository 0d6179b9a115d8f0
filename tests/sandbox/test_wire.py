"""The judge's Jupyter wire client (sandbox/runner/hbwire.py) on real zmq sockets: what it
sends is signed as a kernel checks it, and what it receives must carry the key's signature.
The candidate's kernel holds the key too, so a bad message is dropped, never trusted or fatal.
Every sandbox test drives it against the real kernel in the image."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import sys
import threading
from collections.abc import Iterator

import pytest
import zmq

from hirebench.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "sandbox" / "runner"))
import hbwire

KEY = b"0123456789abcdef"


@pytest.fixture
def pair() -> Iterator[tuple[zmq.Socket[bytes], zmq.Socket[bytes]]]:
    context = zmq.Context()
    left, right = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
    port = left.bind_to_random_port("tcp://127.0.0.1")
    right.connect(f"tcp://127.0.0.1:{port}")
    yield left, right
    left.close(0)
    right.close(0)
    context.term()


def frames_from(session: hbwire.Session, msg_type: str, content: dict[str, object]) -> list[bytes]:
    message = session.msg(msg_type, content)
    parts = [
        json.dumps(message[key]).encode()
        for key in ("header", "parent_header", "metadata", "content")
    ]
    signature = hmac.new(KEY, b"".join(parts), hashlib.sha256).hexdigest().encode()
    return [b"routing-id", hbwire.DELIMITER, signature, *parts]


def test_sent_messages_carry_the_signature_a_kernel_checks(
    pair: tuple[zmq.Socket[bytes], zmq.Socket[bytes]],
) -> None:
    sender, kernel = pair
    session = hbwire.Session(KEY)
    request = session.msg("execute_request", {"code": "1 + 1"})
    session.send(sender, request)

    frames = kernel.recv_multipart()
    assert frames[0] == hbwire.DELIMITER
    expected = hmac.new(KEY, b"".join(frames[2:6]), hashlib.sha256).hexdigest().encode()
    assert frames[1] == expected
    header = json.loads(frames[2])
    assert header["msg_type"] == "execute_request"
    assert header["msg_id"] == request["msg_id"]
    assert header["version"] == hbwire.PROTOCOL_VERSION
    assert json.loads(frames[5]) == {"code": "1 + 1"}


def test_received_messages_are_decoded_after_routing_ids(
    pair: tuple[zmq.Socket[bytes], zmq.Socket[bytes]],
) -> None:
    judge_side, kernel = pair
    kernel.send_multipart(frames_from(hbwire.Session(KEY), "stream", {"text": "hi"}))

    message = hbwire.Channel(hbwire.Session(KEY), judge_side).get_msg(2)
    assert message["msg_type"] == "stream"
    assert message["content"] == {"text": "hi"}
    assert message["buffers"] == []


def test_forged_and_malformed_messages_are_dropped(
    pair: tuple[zmq.Socket[bytes], zmq.Socket[bytes]],
) -> None:
    judge_side, kernel = pair
    forged = frames_from(hbwire.Session(b"another key"), "stream", {"text": "forged"})
    forged[2] = hmac.new(b"another key", b"".join(forged[3:7]), hashlib.sha256).hexdigest().encode()
    kernel.send_multipart(forged)
    kernel.send_multipart([b"no delimiter at all"])
    not_objects = frames_from(hbwire.Session(KEY), "stream", {})
    not_objects[6] = b"[1, 2]"
    not_objects[2] = hmac.new(KEY, b"".join(not_objects[3:7]), hashlib.sha256).hexdigest().encode()
    kernel.send_multipart(not_objects)
    kernel.send_multipart(frames_from(hbwire.Session(KEY), "stream", {"text": "genuine"}))

    channel = hbwire.Channel(hbwire.Session(KEY), judge_side)
    assert channel.get_msg(2)["content"] == {"text": "genuine"}
    with pytest.raises(queue.Empty):
        channel.get_msg(0.05)


def test_dropping_a_bad_message_does_not_cut_the_wait_short(
    pair: tuple[zmq.Socket[bytes], zmq.Socket[bytes]],
) -> None:
    judge_side, kernel = pair
    kernel.send_multipart([b"no delimiter at all"])
    genuine = frames_from(hbwire.Session(KEY), "stream", {"text": "later"})
    # zmq sockets are not thread-safe: the timer only sends after the reader has moved on to
    # waiting, and the reader never touches `kernel`.
    timer = threading.Timer(0.3, kernel.send_multipart, args=(genuine,))
    timer.start()
    try:
        message = hbwire.Channel(hbwire.Session(KEY), judge_side).get_msg(3)
    finally:
        timer.join()
    assert message["content"] == {"text": "later"}
