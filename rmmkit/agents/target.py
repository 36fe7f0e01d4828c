"""What the lifecycle needs from a host, whatever the transport.

Why a Protocol: :mod:`rmmkit.agents.deploy` is written once; SSH supplies
:class:`rmmkit.agents.posix.PosixTarget`, the Windows transports supply
their own (SMB copy, ``certutil`` hash, SCMR/WMI execution).  A connection
offers its target through an ``agent_target()`` method, or is an
:class:`rmmkit.ssh.SshConnection`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from rmmkit.agents.status import Probe
from rmmkit.declared.models import Agent


class AgentTarget(Protocol):
    method: str  # how deployments reach the host: ssh, smb, wmi, winreg …

    def platform(self) -> tuple[str, str]:
        """(os, arch): ``linux``/``macos``/``windows`` and ``x86_64``/``arm64``/``x86``."""
        ...

    def probe(self, agent: Agent) -> Probe:
        """Observe the agent (one round trip where the transport allows it)."""
        ...

    def stage(self, local: Path, agent: Agent) -> str:
        """Copy the installer to a fresh private folder; returns its remote path.

        Raises :class:`~rmmkit.agents.errors.AgentError` ``disk_full`` or ``copy_failed``.
        """
        ...

    def sha256(self, remote: str) -> str:
        """The sha256 of the staged file, computed ON the target (lowercase hex)."""
        ...

    def execute(self, command: str, timeout: float) -> Any:
        """Run ``command`` with administrative rights; returns ``.rc``, ``.out``, ``.err``.

        A result with a true ``.scheduled`` says the command was only arranged
        to run later (Windows RunOnce at the next logon): the lifecycle then
        records a pending ``scheduled`` attempt instead of checking the agent.
        """
        ...

    def mark(self, agent: Agent, busy: bool) -> None:
        """Create (busy) or remove the in-progress marker other runs' probes see."""
        ...

    def cleanup(self, remote: str) -> None:
        """Remove the staging folder of ``remote`` (never raises)."""
        ...


def target_for(connection: Any) -> AgentTarget:
    """The lifecycle view of an open connection."""
    maker = getattr(connection, "agent_target", None)
    if callable(maker):
        return maker()  # type: ignore[no-any-return]
    from rmmkit.agents.posix import PosixTarget

    return PosixTarget(connection)
