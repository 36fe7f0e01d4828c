"""Who owns a run, a scan or a lock, and whether that owner is still alive.

Why a token and not just a pid: after ``kill -9`` the next run must tell a
dead holder from a live one without waiting.  On the same machine the pid
answers at once — and the process start time in the token catches a pid
that was reused by an unrelated process, the boot id catches a reboot.  An
owner on another machine (shared PostgreSQL) cannot be probed, so it keeps
a heartbeat and is declared dead when the lease expires.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HEARTBEAT_SECONDS = 10.0
LEASE_SECONDS = 60.0  # an owner on another machine silent this long is dead


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


@lru_cache(maxsize=1)
def machine_id() -> str:
    return _read("/etc/machine-id") or _read("/var/lib/dbus/machine-id") or socket.gethostname()


@lru_cache(maxsize=1)
def boot_id() -> str:
    return _read("/proc/sys/kernel/random/boot_id") or "-"


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot; None if it is gone or a zombie."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        if not Path("/proc/self/stat").exists():  # no procfs: fall back to a signal probe
            return "?" if _signal_alive(pid) else None
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    state, start = fields[0], fields[19]
    return None if state in ("Z", "X") else start


def _signal_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    token: str  # machine-id/boot-id/pid/start-time

    @classmethod
    def current(cls) -> Owner:
        pid = os.getpid()
        token = f"{machine_id()}/{boot_id()}/{pid}/{process_start(pid) or '?'}"
        return cls(socket.gethostname(), pid, token)


def owner_is_dead(token: str, heartbeat: float, now: float) -> tuple[bool, str]:
    """Whether the owner behind ``token`` is gone, and why (for the 'interrupted' note)."""
    try:
        mid, bid, pid_text, start = token.split("/", 3)
        pid = int(pid_text)
    except ValueError:
        return now - heartbeat > LEASE_SECONDS, "unreadable owner; heartbeat lease expired"
    if mid == machine_id():
        if bid != boot_id():
            return True, "the machine rebooted since"
        current = process_start(pid)
        if current is None:
            return True, f"process {pid} is gone"
        if start not in ("?", current) and current != "?":
            return True, f"process {pid} is gone (pid reused)"
        return False, ""
    silent = now - heartbeat
    if silent > LEASE_SECONDS:
        return True, f"no heartbeat for {silent:.0f} s from another machine"
    return False, ""
