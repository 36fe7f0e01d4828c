"""TCP connect probes on the same event loop and packet budget as ICMP.

Why connect() instead of raw SYNs: it needs no privilege and the kernel does
the handshake; a refused connection (RST) proves the host is up just as well
as an open port.  Each probe is a non-blocking socket watched by ``add_writer``
(no coroutine per probe), closed at its deadline.
"""

from __future__ import annotations

import asyncio
import errno
import resource
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rmmkit.discovery.rate import TokenBucket

DEFAULT_PORTS: tuple[int, ...] = (22, 80, 135, 139, 443, 445, 3389)
_LINGER_RESET = struct.pack("ii", 1, 0)  # close() sends RST: no TIME_WAIT per probe
_ALIVE_ERRNOS = {0: "open", errno.ECONNREFUSED: "closed"}


def raise_fd_limit(wanted: int = 65536) -> int:
    """Lift the soft open-files limit toward the hard one; returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


@dataclass
class PortState:
    """What the connect probes learnt about one address."""

    open: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    error: str = ""

    @property
    def alive(self) -> bool:
        return bool(self.open or self.closed)


class TcpProber:
    """Connect to ``ports`` of addresses queued with :meth:`probe`; results in ``states``."""

    def __init__(
        self,
        ports: Sequence[int],
        *,
        bucket: TokenBucket,
        timeout: float = 1.0,
        max_sockets: int | None = None,
        check: Callable[[str], object] | None = None,
        stop_at_first: bool = True,
    ) -> None:
        self.ports = tuple(ports)
        self.stop_at_first = stop_at_first
        self.check = check
        self.bucket, self.timeout = bucket, float(timeout)
        limit = raise_fd_limit()
        self.max_sockets = max_sockets or max(64, limit - 256)
        self.states: dict[str, PortState] = {}
        self.sent = 0
        self._queue: deque[tuple[str, int, float]] = deque()  # (ip, port, deadline)
        self._open: dict[int, tuple[socket.socket, str, int, float]] = {}
        self._closing = False

    def probe(self, ip: str, deadline: float | None = None) -> None:
        """Queue every port of ``ip``; ``deadline`` is a ``time.monotonic()`` instant."""
        if self.check is not None:
            self.check(ip)  # raises ScopeError: never connect outside the scope
        end = deadline if deadline is not None else time.monotonic() + self.timeout
        self.states.setdefault(ip, PortState())
        for port in self.ports:
            self._queue.append((ip, port, end))

    def close_input(self) -> None:
        """No more :meth:`probe` calls will come; :meth:`run` returns once all are settled."""
        self._closing = True

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                now = time.monotonic()
                self._start_due(loop, now)
                self._expire(loop, now)
                if self._closing and not self._queue and not self._open:
                    return
                await asyncio.sleep(min(max(self.bucket.wait_time(), 0.001), 0.01))
        finally:
            for fd in list(self._open):
                self._finish(loop, fd, None)

    def _start_due(self, loop: asyncio.AbstractEventLoop, now: float) -> None:
        budget = self.bucket.available()
        while self._queue and budget > 0 and len(self._open) < self.max_sockets:
            ip, port, deadline = self._queue.popleft()
            state = self.states[ip]
            if state.alive and self.stop_at_first:
                continue  # one answer is enough: spare the other ports
            if deadline <= now:
                state.error = state.error or "tcp: no answer before the deadline"
                continue
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
            code = sock.connect_ex((ip, port))
            self.bucket.take()
            self.sent += 1
            budget -= 1
            if code not in (errno.EINPROGRESS, 0, errno.ECONNREFUSED):
                state.error = f"tcp/{port}: {errno.errorcode.get(code, code)}"
                sock.close()
                continue
            fd = sock.fileno()
            self._open[fd] = (sock, ip, port, deadline)
            loop.add_writer(fd, self._finish, loop, fd, "done")

    def _expire(self, loop: asyncio.AbstractEventLoop, now: float) -> None:
        for fd, (_sock, _ip, _port, deadline) in list(self._open.items()):
            if deadline <= now:
                self._finish(loop, fd, None)

    def _finish(self, loop: asyncio.AbstractEventLoop, fd: int, outcome: str | None) -> None:
        entry = self._open.pop(fd, None)
        if entry is None:
            return
        sock, ip, port, _deadline = entry
        loop.remove_writer(fd)
        state = self.states[ip]
        if outcome is None:
            state.error = state.error or f"tcp/{port}: timed out"
        else:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            kind = _ALIVE_ERRNOS.get(code)
            if kind == "open":
                state.open.append(port)
            elif kind == "closed":
                state.closed.append(port)
            else:
                state.error = f"tcp/{port}: {errno.errorcode.get(code, code)}"
        sock.close()  # SO_LINGER 0: an RST, no TIME_WAIT left behind
