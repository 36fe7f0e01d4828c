r"""MS-SCMR over ``\pipe\svcctl``: list and query services, run a command as a temporary service.

Why a temporary service: it is how an installer copied to ADMIN$ gets run
as LocalSystem when WMI is blocked (the seed's SMB method).  It is created
demand-start, started, waited for, and deleted in a ``finally`` so an
interrupted deployment leaves no service behind.  The SCM is opened
read-only for status queries: a non-administrator may still enumerate.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from rmmkit.errors import TransportError
from rmmkit.windows.errors import windows_error
from rmmkit.windows.smb import SmbSession

STATES = {1: "stopped", 2: "start_pending", 3: "stop_pending", 4: "running",
          5: "continue_pending", 6: "pause_pending", 7: "paused"}  # fmt: skip
START_TYPES = {0: "boot", 1: "system", 2: "auto", 3: "demand", 4: "disabled"}
SERVICE_SPECIFIC_ERROR = 1066
NOT_A_SERVICE = 1053  # ERROR_SERVICE_REQUEST_TIMEOUT: the program never called the dispatcher


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    display_name: str
    state: str  # stopped | running | … (STATES)
    start_type: str = ""  # auto | demand | disabled | … (only from query)
    binary_path: str = ""

    @property
    def active(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True)
class ServiceRun:
    """How a temporary service ended: ``rc`` is the program's exit code when the SCM knows it."""

    name: str
    rc: int
    state: str
    seconds: float
    note: str = ""


class ServiceManager:
    """The SCM of one host over the session's ``\\pipe\\svcctl``."""

    def __init__(self, smb: SmbSession) -> None:
        self.smb = smb
        self._dce: Any = None
        self._handles: dict[str, Any] = {}

    def _bound(self) -> Any:
        if self._dce is None:
            from impacket.dcerpc.v5 import scmr

            self._dce = self.smb.pipe("svcctl", scmr.MSRPC_UUID_SCMR)
        return self._dce

    def _call(self, step: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except TransportError:
            raise
        except Exception as exc:
            raise windows_error(
                exc, step, self.smb.host, context="svcctl", table=self.smb.table
            ) from None

    def _scm(self, admin: bool) -> Any:
        from impacket.dcerpc.v5 import scmr

        key = "admin" if admin else "read"
        if key not in self._handles:
            access = scmr.SC_MANAGER_CONNECT | scmr.SC_MANAGER_ENUMERATE_SERVICE
            if admin:
                access |= scmr.SC_MANAGER_CREATE_SERVICE
            self._handles[key] = self._call(
                "svcctl_open", lambda: scmr.hROpenSCManagerW(self._bound(), dwDesiredAccess=access)
            )["lpScHandle"]
        return self._handles[key]

    def open(self, admin: bool = False) -> None:
        """Open the SCM (read-only, or with the right to create services)."""
        self._scm(admin)

    def services(self) -> list[ServiceInfo]:
        from impacket.dcerpc.v5 import scmr

        rows = self._call(
            "svcctl_enum", lambda: scmr.hREnumServicesStatusW(self._bound(), self._scm(False))
        )
        return [
            ServiceInfo(
                str(r["lpServiceName"]).rstrip("\x00"),
                str(r["lpDisplayName"]).rstrip("\x00"),
                STATES.get(int(r["ServiceStatus"]["dwCurrentState"]), "unknown"),
            )
            for r in rows
        ]

    def query(self, name: str) -> ServiceInfo | None:
        """State, start type and binary path of one service, or None when it does not exist."""
        from impacket.dcerpc.v5 import scmr

        def go() -> ServiceInfo | None:
            try:
                handle = scmr.hROpenServiceW(
                    self._bound(),
                    self._scm(False),
                    name + "\x00",
                    scmr.SERVICE_QUERY_STATUS | scmr.SERVICE_QUERY_CONFIG,
                )["lpServiceHandle"]
            except scmr.DCERPCSessionError as exc:
                if exc.get_error_code() == 1060:  # ERROR_SERVICE_DOES_NOT_EXIST
                    return None
                raise
            try:
                status = scmr.hRQueryServiceStatus(self._bound(), handle)["lpServiceStatus"]
                try:
                    cfg = scmr.hRQueryServiceConfigW(self._bound(), handle)["lpServiceConfig"]
                    display, start, path = (
                        str(cfg["lpDisplayName"]).rstrip("\x00"),
                        START_TYPES.get(int(cfg["dwStartType"]), ""),
                        str(cfg["lpBinaryPathName"]).rstrip("\x00"),
                    )
                except scmr.DCERPCSessionError:  # some peers answer status but not config
                    display, start, path = name, "", ""
            finally:
                scmr.hRCloseServiceHandle(self._bound(), handle)
            return ServiceInfo(
                name, display, STATES.get(int(status["dwCurrentState"]), "unknown"), start, path
            )

        return self._call("svcctl_query", go)  # type: ignore[no-any-return]

    def run_temporary(
        self, command: str, *, timeout: float, name: str = "", poll: float = 0.2
    ) -> ServiceRun:
        """Create a demand-start service running ``command``, start it, wait, delete it."""
        from impacket.dcerpc.v5 import scmr

        name = name or f"rmmkit-{uuid.uuid4().hex[:12]}"
        started = time.monotonic()
        scm = self._scm(True)
        handle = self._call(
            "svcctl_create",
            lambda: scmr.hRCreateServiceW(
                self._bound(),
                scm,
                name + "\x00",
                name + "\x00",
                lpBinaryPathName=command + "\x00",
                dwStartType=scmr.SERVICE_DEMAND_START,
            ),
        )["lpServiceHandle"]
        note = ""
        try:
            try:
                self._call("svcctl_start", lambda: scmr.hRStartServiceW(self._bound(), handle))
            except TransportError as exc:
                failure = getattr(exc, "failure", None)
                if failure is None or failure.code != NOT_A_SERVICE:
                    raise
                note = "the program is not a service program; waited for it to exit"
            state, rc = self._wait(handle, started + timeout, poll)
        finally:
            self._call("svcctl_delete", lambda: self._delete(handle))
        if state != "stopped":
            raise TransportError(
                f"{self.smb.host}: temporary service {name} still {state} after "
                f"{timeout:g}s (deleted)",
                host=self.smb.host,
                code="timeout",
                causes=("the installer waits for input or runs longer than the timeout",),
            )
        return ServiceRun(name, rc, state, time.monotonic() - started, note)

    def _wait(self, handle: Any, deadline: float, poll: float) -> tuple[str, int]:
        from impacket.dcerpc.v5 import scmr

        while True:
            status = self._call(
                "svcctl_status", lambda: scmr.hRQueryServiceStatus(self._bound(), handle)
            )
            st = status["lpServiceStatus"]
            state = STATES.get(int(st["dwCurrentState"]), "unknown")
            if state == "stopped":
                win32 = int(st["dwWin32ExitCode"])
                rc = (
                    int(st["dwServiceSpecificExitCode"])
                    if win32 == SERVICE_SPECIFIC_ERROR
                    else win32
                )
                return state, rc
            if time.monotonic() >= deadline:
                return state, -1
            time.sleep(poll)

    def _delete(self, handle: Any) -> None:
        from impacket.dcerpc.v5 import scmr

        with contextlib.suppress(Exception):  # already stopped: the usual case
            scmr.hRControlService(self._bound(), handle, scmr.SERVICE_CONTROL_STOP)
        scmr.hRDeleteService(self._bound(), handle)
        scmr.hRCloseServiceHandle(self._bound(), handle)

    def close(self) -> None:
        if self._dce is not None:
            with contextlib.suppress(Exception):  # closing must never turn a result into a failure
                self._dce.disconnect()
            self._dce = None
            self._handles.clear()
