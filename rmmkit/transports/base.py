"""The transport contract and the per-host connection cache.

Why a cache per host: a host's tasks run in order on one worker thread, and
opening an SSH or SMB session costs more than most tasks; the cache opens a
transport once and closes everything when the host is done.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from rmmkit.declared.models import ResolvedHost
    from rmmkit.run.session import Session


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

    @property
    def default(self) -> str:
        """The transport ``get()`` opens when no name is given (the current task's)."""
        return self._default

    def get(self, name: str = "") -> Connection:
        key = name or self._default
        conn = self._open.get(key)
        if conn is None:
            conn = self._opener(key, self.host, self._timeout)
            self._open[key] = conn
        return conn

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
