"""Built-in transports (``mock``, ``local``) and the generic error explanations.

Why the explanations live here: "no answer", "credentials refused" and
"timed out" are transport-level failures whatever the protocol; protocol
plugins (SMB, SSH, SNMP) add their own, more specific causes through the same
``rmmkit_explain_error`` hook.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from rmmkit.errors import AuthenticationError, ProtocolError, UnreachableError
from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.transports.base import Transport
from rmmkit.transports.mock import MockTransport

if TYPE_CHECKING:
    from rmmkit.declared.models import ResolvedHost


class LocalConnection:
    """Stands for "this machine": actions that need no remote peer still get a connection."""

    def __init__(self, host: ResolvedHost) -> None:
        self.host = host

    def close(self) -> None:
        """Nothing to release."""


class LocalTransport(Transport):
    """No connection at all: for actions that work on the controller (reports, set_fact, …)."""

    name = "local"
    description = "no connection; the action runs on the controller"

    def open(self, host: ResolvedHost, *, timeout: float) -> LocalConnection:
        return LocalConnection(host)


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    register(MockTransport.name, MockTransport)
    register(LocalTransport.name, LocalTransport)


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    causes: list[str] = []
    if isinstance(error, UnreachableError):
        causes += [
            "the host is switched off or not on the network",
            "a firewall drops the connection",
            "the address in the inventory or scan is wrong",
        ]
    elif isinstance(error, AuthenticationError):
        causes += [
            "incorrect login credentials are configured",
            "the user has insufficient access privileges",
        ]
    elif isinstance(error, ProtocolError):
        causes.append("the service on the host is not the one expected, or an unsupported version")
    elif isinstance(error, TimeoutError | socket.timeout):
        causes.append("the host or the network is too slow for the configured timeout")
    elif isinstance(error, ConnectionRefusedError):
        causes.append("nothing listens on that port (service stopped or blocked)")
    elif isinstance(error, PermissionError):
        causes.append("the controller lacks the privileges (root / CAP_NET_RAW) for this operation")
    return causes or None


@hookimpl
def rmmkit_select_transport(host: ResolvedHost, action: str) -> str | None:
    """Host var ``rmmkit_transport``: one transport for every action, or ``{action: transport}``."""
    chosen = host.vars.get("rmmkit_transport")
    if isinstance(chosen, dict):
        chosen = chosen.get(action)
    return chosen or None
