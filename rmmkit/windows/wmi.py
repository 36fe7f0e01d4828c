"""DCOM/WMI (TCP 135 + a dynamic port): queries, ``Win32_Process.Create``, ``Win32_Service``.

Why WMI at all: it is the seed's default deploy and status path — it starts
a process without creating a service.  impacket's DCOM client is used as
wmiexec uses it; credentials go in through :mod:`rmmkit.secrets.adapters`
only.  No open-source WMI server exists, so this module is proven at the
impacket API boundary (and its failure paths against Samba's endpoint
mapper, which answers on 135 but has no WMI).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from rmmkit.errors import TransportError
from rmmkit.secrets.adapters import impacket_credentials, impacket_server_name
from rmmkit.secrets.credentials import kerberos_tickets
from rmmkit.windows.errors import ErrorTable, windows_error

WMI_TIMEOUT_MS = 10_000


class Wmi:
    """A WMI connection to ``root/cimv2`` (or another namespace) of one host."""

    def __init__(
        self,
        host: str,
        address: str,
        material: Any,
        *,
        timeout: float = 10.0,
        namespace: str = "//./root/cimv2",
        table: ErrorTable | None = None,
    ) -> None:
        self.host, self.address, self.material = host, address, material
        self.timeout, self.namespace, self.table = timeout, namespace, table
        self._dcom: Any = None
        self._services: Any = None

    def _fail(self, exc: BaseException, step: str) -> TransportError:
        return windows_error(exc, step, self.host, context="wmi", port=135, table=self.table)

    def connect(self) -> Any:
        """Log in over DCOM and open the namespace (IWbemServices)."""
        if self._services is not None:
            return self._services
        from impacket.dcerpc.v5.dcom import wmi
        from impacket.dcerpc.v5.dcomrt import DCOMConnection
        from impacket.dcerpc.v5.dtypes import NULL

        kwargs: dict[str, Any]
        if self.material.kind == "kerberos":
            spn = str(self.material.options.get("spn", ""))
            # DCOM authenticates to host/NAME: a cifs/ ticket is no use there, the TGT asks.
            dcom_spn = spn if spn.lower().startswith(("host/", "rpcss/")) else ""
            tickets = kerberos_tickets(self.material, dcom_spn)
            kdc = self.material.options.get("kdc") or None
            kwargs = {"domain": self.material.domain, "doKerberos": True, "kdcHost": kdc, **tickets}
        else:
            kwargs = impacket_credentials(self.material)
        try:
            self._dcom = DCOMConnection(
                impacket_server_name(self.material, self.host, self.address),
                self.material.user,
                oxidResolver=True,
                remoteHost=self.address,
                **kwargs,
            )
            login = wmi.IWbemLevel1Login(
                self._dcom.CoCreateInstanceEx(wmi.CLSID_WbemLevel1Login, wmi.IID_IWbemLevel1Login)
            )
            self._services = login.NTLMLogin(self.namespace, NULL, NULL)
            login.RemRelease()
        except Exception as exc:
            self.close()
            raise self._fail(exc, "wmi") from None
        return self._services

    def query(self, wql: str, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Rows of a WQL query as plain dicts (property name → value)."""
        services = self.connect()
        rows: list[dict[str, Any]] = []
        try:
            enum = services.ExecQuery(wql)
            try:
                while len(rows) < limit:
                    try:
                        batch = enum.Next(0xFFFFFFFF, 1)
                    except Exception as exc:
                        if "S_FALSE" in str(exc) or "WBEM_S_FALSE" in str(exc):
                            break
                        raise
                    if not batch:
                        break
                    for obj in batch:
                        rows.append({k: v["value"] for k, v in obj.getProperties().items()})
            finally:
                enum.RemRelease()
        except TransportError:
            raise
        except Exception as exc:
            raise self._fail(exc, "wmi_query") from None
        return rows

    def process_create(self, command: str, *, cwd: str = "C:\\Windows\\Temp") -> int:
        """Start ``command`` with ``Win32_Process.Create``; returns the new process id."""
        services = self.connect()
        try:
            process, _ = services.GetObject("Win32_Process")
            out = process.Create(command, cwd, None)
        except Exception as exc:
            raise self._fail(exc, "wmi_process_create") from None
        rv = int(out.ReturnValue)
        if rv != 0:  # 2 access denied, 3 privilege, 8 unknown, 9 path not found, 21 bad parameter
            raise TransportError(
                f"{self.host}: Win32_Process.Create returned {rv}",
                host=self.host,
                code=f"wmi {rv}",
                causes=_CREATE_CAUSES.get(rv, ()),
            )
        return int(out.ProcessId)

    def wait_process(self, pid: int, *, timeout: float, poll: float = 1.0) -> bool:
        """True once process ``pid`` is gone (WMI has no exit code for it), False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.query(f"SELECT ProcessId FROM Win32_Process WHERE ProcessId = {int(pid)}"):
                return True
            time.sleep(poll)
        return False

    def services(self, name: str | None = None) -> list[dict[str, Any]]:
        where = f" WHERE Name = '{_quote(name)}'" if name else ""
        return self.query(
            f"SELECT Name, DisplayName, State, StartMode, PathName FROM Win32_Service{where}"
        )

    def close(self) -> None:
        if self._dcom is not None:
            with contextlib.suppress(Exception):  # closing must never turn a result into a failure
                self._dcom.disconnect()
        self._dcom = self._services = None


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


_CREATE_CAUSES: dict[int, tuple[str, ...]] = {
    2: (
        "The user name provided does not have sufficient access privileges "
        "to perform the operation.",
    ),
    3: ("The user lacks a privilege needed to start the process.",),
    9: ("If any file is missing from the deployment, this message appears (setup.exe).",),
    21: ("The command line is malformed.",),
}
