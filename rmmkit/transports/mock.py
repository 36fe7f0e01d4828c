"""A transport that talks to nobody, configurable per host.

Why: the runner's logic (unreachable → skip the rest, auth failures, timeouts,
per-host connection reuse) and plugin authors' actions must be testable
without a network; real protocols are proven in the lab against real peers.

Per-host behaviour comes from a shared :class:`MockBehaviour` table (set by
tests through :attr:`MockTransport.behaviours` or the ``mock_transport``
fixture) and, for YAML-driven runs, from host vars ``mock_unreachable``,
``mock_auth_failure``, ``mock_latency`` and ``mock_commands``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rmmkit.errors import AuthenticationError, UnreachableError
from rmmkit.transports.base import Transport

if TYPE_CHECKING:
    from rmmkit.declared.models import ResolvedHost


@dataclass
class MockBehaviour:
    """How one host behaves: unreachable, refusing credentials, slow, canned command answers."""

    unreachable: bool = False
    auth_failure: bool = False
    latency: float = 0.0  # seconds slept on open and on every command
    commands: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # cmd → (rc, out, err)
    default_command: tuple[int, str, str] = (0, "", "")


@dataclass
class MockCall:
    host: str
    op: str  # open | run | close
    arg: str = ""


class MockConnection:
    """An open mock connection: ``run(cmd)`` returns ``(rc, stdout, stderr)``."""

    def __init__(
        self, transport: MockTransport, host: ResolvedHost, behaviour: MockBehaviour
    ) -> None:
        self.transport = transport
        self.host = host
        self.behaviour = behaviour
        self.closed = False

    def run(self, cmd: str) -> tuple[int, str, str]:
        self.transport.record(self.host.name, "run", cmd)
        if self.behaviour.latency:
            time.sleep(self.behaviour.latency)
        return self.behaviour.commands.get(cmd, self.behaviour.default_command)

    def close(self) -> None:
        self.closed = True
        self.transport.record(self.host.name, "close")


class MockTransport(Transport):
    """See the module docstring; ``calls`` records every open/run/close when ``record_calls``."""

    name = "mock"
    description = "no network: per-host canned behaviour for tests and benchmarks"

    # Shared by every instance so a test can configure hosts before the session exists.
    behaviours: dict[str, MockBehaviour] = {}
    record_calls: bool = True

    def __init__(self, session: Any = None) -> None:
        super().__init__(session)
        self.calls: list[MockCall] = []
        self._lock = threading.Lock()
        MockTransport.last = self

    def record(self, host: str, op: str, arg: str = "") -> None:
        if self.record_calls:
            with self._lock:
                self.calls.append(MockCall(host, op, arg))

    def behaviour_for(self, host: ResolvedHost) -> MockBehaviour:
        configured = self.behaviours.get(host.name)
        if configured is not None:
            return configured
        v = host.vars
        if not any(k.startswith("mock_") for k in v):
            return _DEFAULT
        commands = {cmd: tuple(answer) for cmd, answer in (v.get("mock_commands") or {}).items()}
        return MockBehaviour(
            unreachable=bool(v.get("mock_unreachable", False)),
            auth_failure=bool(v.get("mock_auth_failure", False)),
            latency=float(v.get("mock_latency", 0.0)),
            commands=commands,  # type: ignore[arg-type]
        )

    def open(self, host: ResolvedHost, *, timeout: float) -> MockConnection:
        behaviour = self.behaviour_for(host)
        self.record(host.name, "open")
        if behaviour.latency:
            time.sleep(min(behaviour.latency, timeout))
        if behaviour.unreachable:
            raise UnreachableError(
                f"{host.name} ({host.address}): no answer (mock)", host=host.name, code="timeout"
            )
        if behaviour.auth_failure:
            raise AuthenticationError(
                f"{host.name}: credentials refused (mock)", host=host.name, code="access_denied"
            )
        return MockConnection(self, host, behaviour)


MockTransport.last: MockTransport | None = None  # type: ignore[misc]
_DEFAULT = MockBehaviour()
