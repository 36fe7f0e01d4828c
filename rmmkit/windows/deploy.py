r"""The Windows backend of the shared agent lifecycle (:class:`rmmkit.agents.target.AgentTarget`).

Methods, as the seed names them: ``wmi`` (copy to ADMIN$, start with
``Win32_Process.Create``), ``service`` (copy, run as a temporary service:
create, start, wait, delete) and ``remote_registry`` (copy, then a RunOnce
value starts it at the next logon).  ``auto`` walks the ladder — WMI, then
the service manager, then the registry — and keeps the first that opens;
:attr:`WindowsTarget.method` is what the deployment event records.

The installer is staged in a fresh ``C:\Windows\Temp\rmmkit-<id>`` folder and
its sha256 is read back over SMB before anything runs it.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from rmmkit.agents.status import Probe
from rmmkit.declared.models import Agent
from rmmkit.errors import InputError, TransportError
from rmmkit.windows.rrp import RUN_ONCE, split_value
from rmmkit.windows.smb import unc_parts

METHODS = ("auto", "wmi", "service", "remote_registry")
ARCH_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
_ARCH = {"AMD64": "x86_64", "X86": "x86", "ARM64": "arm64", "IA64": "ia64"}


@dataclass(frozen=True)
class CommandResult:
    rc: int
    out: str = ""
    err: str = ""
    scheduled: bool = False  # RunOnce: set, runs at the next logon (the lifecycle waits for it)


class WindowsTarget:
    """Lifecycle operations over an open :class:`rmmkit.windows.transport.WindowsConnection`."""

    def __init__(self, conn: Any, method: str = "auto") -> None:
        if method not in METHODS:
            raise InputError(
                f"unknown Windows deploy method {method!r}", expected=", ".join(METHODS)
            )
        self.conn = conn
        self.requested = method
        self._method: str | None = None if method == "auto" else method
        self.tried: list[str] = []  # auto: the methods that did not open, in order
        self._agent = ""  # the agent being deployed (names the RunOnce value)

    @property
    def host(self) -> str:
        return str(self.conn.smb.host)

    @property
    def method(self) -> str:
        if self._method is None:
            self._method = self._choose()
        return self._method

    def _choose(self) -> str:
        for name, opener in (
            ("wmi", lambda: self.conn.wmi.connect()),
            ("service", lambda: self.conn.services.open(admin=True)),
            ("remote_registry", lambda: self.conn.registry.read(RUN_ONCE, "x")),
        ):
            try:
                opener()
            except TransportError:
                self.tried.append(name)
                continue
            return name
        raise TransportError(
            f"{self.host}: no deploy method opens (tried wmi, service, remote_registry)",
            host=self.host,
            code="no_method",
            causes=("run `rmmkit windows preflight` on the host for each rung's error",),
        )

    def platform(self) -> tuple[str, str]:
        try:
            raw = self.conn.registry.read(ARCH_KEY, "PROCESSOR_ARCHITECTURE")
        except TransportError:
            raw = None
        return "windows", _ARCH.get(str(raw or "AMD64").upper(), "x86_64")

    def probe(self, agent: Agent) -> Probe:
        detect = agent.detect
        service = file = registry_version = None
        if detect.get("service"):
            try:
                info = self.conn.services.query(str(detect["service"]))
                service = "inactive" if info is None else ("active" if info.active else "inactive")
            except TransportError:
                service = "unknown"
        if detect.get("file") and PureWindowsPath(str(detect["file"])).drive:
            # a POSIX path (the same agent's Linux detection) says nothing about Windows
            try:
                file = self.conn.smb.exists(*unc_parts(str(detect["file"])))
            except TransportError:
                file = None
        if detect.get("registry"):
            try:
                value = self.conn.registry.read(*split_value(str(detect["registry"])))
                registry_version = None if value is None else str(value)
            except TransportError:
                registry_version = None
        try:
            busy = self.conn.smb.exists("ADMIN$", _marker(agent))
        except TransportError:  # no ADMIN$ (or no access): no deployment of ours can run there
            busy = False
        if not busy:
            # a RunOnce of ours not yet run (no logon since): the deployment is still pending,
            # whatever method this run would use (an earlier run may have scheduled it)
            with contextlib.suppress(TransportError):
                busy = self.conn.registry.read(RUN_ONCE, run_once_name(agent.name)) is not None
        return Probe(
            file=file,
            service=service,
            registry_version=registry_version,
            in_progress=busy,
            os="windows",
        )

    def stage(self, local: Path, agent: Agent) -> str:
        folder = f"Temp\\rmmkit-{uuid.uuid4().hex[:12]}"
        self.conn.smb.mkdir("ADMIN$", folder)
        return self.conn.smb.put(local, "ADMIN$", f"{folder}\\{local.name}").remote

    def sha256(self, remote: str) -> str:
        return self.conn.smb.sha256(*unc_parts(remote))[1]

    def execute(self, command: str, timeout: float) -> CommandResult:
        method = self.method
        if method == "service":
            run = self.conn.services.run_temporary(command, timeout=timeout)
            return CommandResult(run.rc, err=run.note)
        if method == "wmi":
            pid = self.conn.wmi.process_create(command)
            if not self.conn.wmi.wait_process(pid, timeout=timeout):
                raise TransportError(
                    f"{self.host}: process {pid} still running after {timeout:g}s",
                    host=self.host,
                    code="timeout",
                )
            return CommandResult(0, out=f"process {pid} exited")
        name = run_once_name(self._agent or "agent")
        self.conn.registry.write(RUN_ONCE, name, command)
        return CommandResult(
            0, out=f"RunOnce value {name} set: runs at the next logon", scheduled=True
        )

    def mark(self, agent: Agent, busy: bool) -> None:
        self._agent = agent.name
        path = _marker(agent)
        if busy:
            import tempfile

            with tempfile.NamedTemporaryFile(prefix="rmmkit-mark-") as fh:
                fh.write(b"rmmkit deployment in progress\r\n")
                fh.flush()
                self.conn.smb.put(Path(fh.name), "ADMIN$", path)
        else:
            with contextlib.suppress(TransportError):
                self.conn.smb.delete("ADMIN$", path)

    def cleanup(self, remote: str) -> None:
        if self.method == "remote_registry":
            return  # RunOnce needs the file at the next logon
        share, path = unc_parts(remote)
        for op, target in (
            (self.conn.smb.delete, path),
            (self.conn.smb.rmdir, path.rpartition("\\")[0]),
        ):
            with contextlib.suppress(TransportError):
                op(share, target)


def run_once_name(agent: str) -> str:
    """The RunOnce value of one agent's pending deployment (one per agent: a retry replaces it)."""
    return f"rmmkit-{agent}"


def _marker(agent: Agent) -> str:
    return f"Temp\\rmmkit-{agent.name}.inprogress"
