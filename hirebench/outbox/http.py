"""One POST to a webhook endpoint, with the standard library's http.client: it never follows
redirects (a 3xx is just a failed attempt), and the connection goes to an address that
ssrf.resolve has just checked, so DNS cannot hand the socket an internal address afterwards."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from hirebench.outbox import ssrf

#: What is kept of an answer's body: enough to tell an error page apart, no more.
RESPONSE_EXCERPT = 500


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None when no HTTP answer came
    error: str  # empty on an answer; otherwise what went wrong
    duration_ms: int


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address we dialled.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str, body: bytes, headers: dict[str, str], *, allow_private: bool, timeout: float
) -> PostResult:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target, addresses = ssrf.check(url, allow_private=allow_private)
    except ssrf.UnsafeURL as exc:
        return PostResult(None, str(exc), elapsed())
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, str(addresses[0]), timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_EXCERPT)
        return PostResult(response.status, "", elapsed())
    except (OSError, http.client.HTTPException) as exc:
        return PostResult(None, f"{type(exc).__name__}: {exc}"[:1000], elapsed())
    finally:
        connection.close()
