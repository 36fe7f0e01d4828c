"""The ``smb`` transport: one SMB session per host, with SCMR, RRP and WMI opened on demand.

Why one connection object for four protocols: the service manager and the
registry ride on the SMB session, and WMI logs in with the credential the
SMB login proved, so the "additional credentials" are tried once per host.
``scmr``, ``winreg`` and ``wmi`` are registered as aliases so a playbook can
name the protocol it means; they all open the same connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmmkit.errors import AuthenticationError
from rmmkit.secrets.credentials import materialize
from rmmkit.transports.base import Transport
from rmmkit.windows.errors import ErrorTable, error_table
from rmmkit.windows.rrp import RemoteRegistry
from rmmkit.windows.scmr import ServiceManager
from rmmkit.windows.smb import SmbSession
from rmmkit.windows.wmi import Wmi

if TYPE_CHECKING:
    from rmmkit.declared.models import ResolvedHost
    from rmmkit.run.session import Session

WINDOWS_KINDS = ("password", "ntlm_hash", "kerberos")


def windows_materials(session: Session, host: ResolvedHost) -> list[Any]:
    """The host's Windows-capable credentials, materialized in declared order."""
    creds = [c for c in host.credentials if c.kind in WINDOWS_KINDS]
    if not creds:
        raise AuthenticationError(
            f"{host.name}: no Windows credential (password, ntlm_hash or "
            "kerberos) is declared for this host",
            host=host.name,
            code="no_credential",
        )
    return [materialize(c, session.secrets) for c in creds]


class WindowsConnection:
    """An open host: ``smb`` now; ``services``, ``registry`` and ``wmi`` on first use."""

    def __init__(self, smb: SmbSession, host: ResolvedHost, session: Session | None = None) -> None:
        self.smb = smb
        self.host = host
        self.session = session
        self._services: ServiceManager | None = None
        self._registry: RemoteRegistry | None = None
        self._wmi: Wmi | None = None

    @property
    def services(self) -> ServiceManager:
        if self._services is None:
            self._services = ServiceManager(self.smb)
        return self._services

    @property
    def registry(self) -> RemoteRegistry:
        if self._registry is None:
            self._registry = RemoteRegistry(self.smb)
        return self._registry

    @property
    def wmi(self) -> Wmi:
        if self._wmi is None:
            self._wmi = Wmi(
                self.smb.host,
                self.smb.address,
                self.smb.material,
                timeout=self.smb.timeout,
                table=self.smb.table,
            )
        return self._wmi

    def agent_target(self, method: str | None = None) -> Any:
        """The shared lifecycle's view of this host (see :mod:`rmmkit.windows.deploy`)."""
        from rmmkit.windows.deploy import WindowsTarget

        chosen = method or (self.host.vars.get("windows_deploy_method") if self.host else None)
        return WindowsTarget(self, chosen or "auto")

    def close(self) -> None:
        for part in (self._services, self._registry, self._wmi):
            if part is not None:
                part.close()
        self.smb.close()


class WindowsTransport(Transport):
    """SMB (445) login with the host's Windows credentials, tried in declared order."""

    name = "smb"
    description = "Windows over SMB: files, service manager (svcctl), registry (winreg), WMI"

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.table: ErrorTable = error_table(session.plugins.pm)

    def open(self, host: ResolvedHost, *, timeout: float) -> WindowsConnection:
        materials = windows_materials(self.session, host)
        port = int(host.vars.get("smb_port", 445))
        smb = SmbSession.login(
            host.name,
            host.address,
            materials,
            timeout=min(timeout, 30.0),
            port=port,
            table=self.table,
        )
        return WindowsConnection(smb, host, self.session)


class ScmrTransport(WindowsTransport):
    name = "scmr"
    description = "alias of smb: the service manager over \\pipe\\svcctl"


class WinregTransport(WindowsTransport):
    name = "winreg"
    description = "alias of smb: the remote registry over \\pipe\\winreg"


class WmiTransport(WindowsTransport):
    name = "wmi"
    description = "alias of smb whose deployments start installers with Win32_Process.Create"
