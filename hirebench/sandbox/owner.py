"""Who owns a sandbox container or a grading claim: one id per process start.

The id is `host:pid:start.ns`. `start` is the process's start time in clock ticks since boot
(/proc/<pid>/stat, field 22) and `ns` the inode of its PID namespace. A pid alone is not
enough: a restarted container's server often gets the same pid back, pids are reused, and two
containers may share a hostname while each has its own pid 1. With the start time and the
namespace, a process is provably gone when it ran on this host, in this PID namespace, and its
pid is now free or belongs to a process that started at another time. Any other owner is never
provably gone from here: its heartbeat decides."""

from __future__ import annotations

import functools
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    start: int | None  # None: an id written before start times were recorded
    namespace: int | None = None

    def __str__(self) -> str:
        if self.start is None:
            return self.host_pid
        return f"{self.host_pid}:{self.start}.{self.namespace or 0}"

    @property
    def host_pid(self) -> str:
        return f"{self.host}:{self.pid}"


def start_ticks(pid: int) -> int | None:
    """The process's start time since boot, or None if there is no such process (or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    fields = stat.rpartition(")")[2].split()
    try:
        return int(fields[19])  # field 22 overall; fields[0] is field 3
    except (IndexError, ValueError):
        return None


@functools.cache
def _this_process(pid: int) -> Owner:
    # Cached per pid, so a forked child computes its own id.
    try:
        namespace: int | None = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        namespace = None
    return Owner(socket.gethostname(), pid, start_ticks(pid), namespace)


def this_process() -> Owner:
    return _this_process(os.getpid())


def owner_label() -> str:
    """The owner id written on containers and grading claims of this process."""
    return str(this_process())


def parse_owner(text: str | None) -> Owner | None:
    """`host:pid[:start.ns[:anything]]` -> Owner; None when it is not one (a label from
    something else, an empty worker column). A third part that is not `start.ns` (the thread
    name of an older worker id) leaves the start unknown."""
    parts = (text or "").split(":")
    if len(parts) < 2 or not parts[0] or not parts[1].isdigit():
        return None
    start = namespace = None
    if len(parts) > 2:
        ticks, dot, inode = parts[2].partition(".")
        if ticks.isdigit() and dot and inode.isdigit():
            start, namespace = int(ticks), int(inode)
    return Owner(parts[0], int(parts[1]), start, namespace or None)


def owner_gone(owner: Owner) -> bool:
    """True only when the owner is provably no longer running: same host and PID namespace, and
    its pid is free or belongs to a process with another start time. Ids without a start time
    (older ones) count as gone only when the pid is free."""
    me = this_process()
    if owner.host != me.host:
        return False
    if owner.namespace is not None and owner.namespace != me.namespace:
        return False  # another container's pids mean nothing here
    if owner.pid == me.pid:
        # Our own pid: ours if the start time matches; an id without one predates this code.
        return owner.start != me.start and me.start is not None
    if not _pid_exists(owner.pid):
        return True
    if owner.start is None:
        return False  # cannot tell a reused pid from the same process
    current = start_ticks(owner.pid)
    return current is not None and current != owner.start


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
