"""The transport contract and the per-host connection cache.

Why a cache per host: a host's tasks run in order on one worker thread, and
opening an SSH or SMB session costs more than most tasks; the cache opens a
transport once and closes everything when the host is done.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from rmmkit.declared.models import ResolvedHost
    from rmmkit.run.session import Session


@dataclass(frozen=True)
class Notice:
    """Something a transport did on its own while connecting that the run must show and keep.

    Why: a host key recorded under a site's ``ssh_host_keys: accept_new`` changes
    what later runs trust; it belongs in the result of the task that connected
    (table, JSONL, store), not only in a log line.
    """

    kind: str  # e.g. "host_key_accepted"
    message: str  # one line, no secret
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, **self.data}


_SINK: contextvars.ContextVar[list[Notice] | None] = contextvars.ContextVar(
    "rmmkit_connection_notices", default=None
)


def notify(notice: Notice) -> bool:
    """Hand ``notice`` to the connection cache that is opening a connection in this thread.

    Returns False when no cache listens (a transport used outside a run); the
    caller should then log it.  It also reaches the task when ``open`` fails later.
    """
    sink = _SINK.get()
    if sink is None:
        return False
    sink.append(notice)
    return True


class Connection(Protocol):
    """What a transport's open connection must offer (besides its own methods)."""

    def close(self) -> None: ...


class Transport:
    """Base class: one instance per session, ``open`` called once per host (thread-safe)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, host: ResolvedHost, *, timeout: float) -> Connection:
        """Open a connection to ``host``; raise UnreachableError or AuthenticationError."""
        raise NotImplementedError


class ConnectionCache:
    """Per-host cache: ``get(name)`` opens on first use; ``close_all`` at the end of the host."""

    def __init__(
        self, host: ResolvedHost, opener: Any, *, timeout: float, default: str = ""
    ) -> None:
        self.host = host
        self._opener = opener  # callable(transport_name, host, timeout) -> Connection
        self._timeout = timeout
        self._default = default
        self._open: dict[str, Connection] = {}
        self.notices: list[Notice] = []  # from transports, until the runner takes them

    @property
    def default(self) -> str:
        """The transport ``get()`` opens when no name is given (the current task's)."""
        return self._default

    def get(self, name: str = "") -> Connection:
        key = name or self._default
        conn = self._open.get(key)
        if conn is None:
            token = _SINK.set(self.notices)
            try:
                conn = self._opener(key, self.host, self._timeout)
            finally:
                _SINK.reset(token)
            self._open[key] = conn
        return conn

    def take_notices(self) -> list[Notice]:
        """The notices collected since the last call (the runner adds them to a task result)."""
        taken, self.notices = self.notices, []
        return taken

    def close_all(self) -> None:
        for conn in self._open.values():
            # closing must never turn a good result into a failure
            with contextlib.suppress(Exception):
                conn.close()
        self._open.clear()

    def __contains__(self, name: object) -> bool:
        return name in self._open

    def opened(self) -> dict[str, Any]:
        return dict(self._open)
