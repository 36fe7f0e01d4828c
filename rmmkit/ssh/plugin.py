"""Built-in plugin of the SSH area: transport ``ssh`` and action ``collect_facts``.

Why a stand-in class for the transport: importing the plugin list must stay
cheap; paramiko is only imported when a session creates the transport.
"""

from __future__ import annotations

from typing import Any

from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.ssh.actions import CollectFactsAction
from rmmkit.transports.base import Transport


class _LazySsh(Transport):
    """Stands for :class:`rmmkit.ssh.transport.SshTransport` until a session needs it."""

    name = "ssh"
    description = "OpenSSH servers (Linux, macOS): commands, sudo, SFTP"

    def __new__(cls, session: Any) -> Any:  # type: ignore[misc]
        from rmmkit.ssh.transport import SshTransport

        return SshTransport(session)


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    register("ssh", _LazySsh)


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    register(CollectFactsAction.name, CollectFactsAction)
