"""Where a webhook may go. An admin types a URL and the worker POSTs to it from inside our
network, so a URL that reaches loopback, private or link-local addresses (the database, the
cloud metadata service at 169.254.169.254) is refused unless an admin explicitly allowed it.

The host is resolved and every address checked when the endpoint is created and again at each
delivery, because DNS can change in between; the delivery then connects to the very address
that was checked (hirebench/outbox/http.py), so a second lookup cannot swap it."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _

from hirebench.services.errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ServiceError):
    """A webhook URL that is malformed, not http(s), unresolvable or pointing inside."""


@dataclass(frozen=True)
class Target:
    scheme: str  # "http" or "https"
    host: str
    port: int
    path: str  # path and query, at least "/"


def parse(url: str) -> Target:
    """The parts of an http(s) URL, or UnsafeURL saying what is wrong with it."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(_("The webhook URL is not valid: %(error)s", error=str(exc))) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsafeURL(_("A webhook URL must start with http:// or https://."))
    if not parts.hostname:
        raise UnsafeURL(_("The webhook URL has no host name."))
    if parts.username or parts.password:
        raise UnsafeURL(_("The webhook URL must not contain a user name or password."))
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def is_internal(address: IPAddress) -> bool:
    """Addresses a webhook must not reach without an admin's explicit permission."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_internal(address.ipv4_mapped)  # ::ffff:127.0.0.1 is loopback too
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global  # shared address space (100.64/10), documentation ranges...
    )


def resolve(target: Target, *, allow_private: bool) -> list[IPAddress]:
    """Every address the host resolves to, all of them checked: one internal address among
    public ones is refused too, since the connection could land on any of them."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(
            _("The host %(host)s cannot be resolved: %(error)s", host=target.host, error=str(exc))
        ) from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeURL(_("The host %(host)s has no address.", host=target.host))
    if not allow_private:
        for address in addresses:
            if is_internal(address):
                raise UnsafeURL(
                    _(
                        "%(host)s resolves to %(address)s, a loopback, private or link-local "
                        "address. Webhooks go there only if an admin explicitly allows private "
                        "addresses for this endpoint.",
                        host=target.host,
                        address=str(address),
                    )
                )
    return addresses


def check(url: str, *, allow_private: bool) -> tuple[Target, list[IPAddress]]:
    target = parse(url)
    return target, resolve(target, allow_private=allow_private)
