r"""The preflight ladder of one Windows host, every rung recorded, ending in a verdict.

Rungs: ping → TCP 445 → SMB login → write to ADMIN$ → open the service
manager (``\pipe\svcctl``) → WMI (TCP 135, DCOM) → remote registry
(``\pipe\winreg``).  Why keep climbing after a failure: a missing ADMIN$ or a
stopped Remote Registry only rules out some deploy methods; the verdict lists
every problem and the methods that remain.  Only "cannot reach" and "cannot
log in" stop the climb: nothing above them can be tested.

The verdict separates *the credential is wrong* (fix the inventory) from
*the host is configured against us* (firewall, file and printer sharing
off, ADMIN$ removed, WMI blocked, Remote Registry disabled): they go to
different people.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from rmmkit.errors import RmmkitError, TransportError
from rmmkit.windows.errors import ErrorTable, Failure, classify
from rmmkit.windows.rrp import RemoteRegistry
from rmmkit.windows.scmr import ServiceManager
from rmmkit.windows.smb import SmbSession, tcp_open
from rmmkit.windows.verdict import Preflight, Step, problems, verdict
from rmmkit.windows.wmi import Wmi

RUNGS = ("ping", "tcp445", "smb_login", "admin_share", "svcctl", "wmi", "winreg")
PROBE_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def ping(address: str, timeout: float) -> bool:
    """One ICMP echo (unprivileged ping socket, raw socket as root); True on a reply."""
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
        raw = False
    except OSError:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        raw = True
    ident = os.getpid() & 0xFFFF
    body = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"rmmkit-preflight"
    total = sum(struct.unpack(f"!{len(body) // 2}H", body))
    total = (total >> 16) + (total & 0xFFFF)
    checksum = ~(total + (total >> 16)) & 0xFFFF
    packet = body[:2] + struct.pack("!H", checksum) + body[4:]
    deadline = time.monotonic() + timeout
    with sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (address, 0))
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, peer = sock.recvfrom(2048)
            except (TimeoutError, OSError):
                return False
            offset = (data[0] & 0x0F) * 4 if raw else 0
            if peer[0] == address and len(data) > offset and data[offset] == 0:
                return True
    return False


class Ladder:
    """Runs the rungs for one host; ``materials`` are tried in declared order at SMB login."""

    def __init__(
        self,
        host: str,
        address: str,
        materials: Sequence[Any],
        *,
        timeout: float = 5.0,
        table: ErrorTable | None = None,
        smb_port: int = 445,
        rpc_port: int = 135,
    ) -> None:
        self.host, self.address, self.materials = host, address, materials
        self.timeout, self.table = timeout, table
        self.smb_port, self.rpc_port = smb_port, rpc_port
        self.result = Preflight(host, address)
        self.smb: SmbSession | None = None

    def _run(self, name: str, fn: Callable[[], str], *, context: str = "", port: int = 0) -> bool:
        started = time.monotonic()
        try:
            detail = fn()
        except Exception as exc:
            failure = getattr(exc, "failure", None)
            if not isinstance(failure, Failure):
                if isinstance(exc, RmmkitError) and not isinstance(exc, TransportError):
                    raise
                failure = classify(exc, name, context=context, port=port, table=self.table)
            self.result.steps.append(
                Step(
                    name,
                    "failed",
                    time.monotonic() - started,
                    str(exc) if isinstance(exc, RmmkitError) else failure.message,
                    failure,
                )
            )
            return False
        self.result.steps.append(Step(name, "ok", time.monotonic() - started, detail))
        return True

    def _skip(self, names: Sequence[str], why: str) -> None:
        for name in names:
            self.result.steps.append(Step(name, "skipped", detail=why))

    def run(self) -> Preflight:
        """Climb the ladder; the SMB session stays open in ``self.smb`` for the caller."""
        self._run(
            "ping",
            lambda: (
                "echo reply"
                if ping(self.address, min(self.timeout, 2.0))
                else _raise(TimeoutError("no echo reply"))
            ),
        )
        if not self._run(
            "tcp445",
            lambda: f"connected in {tcp_open(self.address, self.smb_port, self.timeout):.3f}s",
            port=self.smb_port,
        ):
            self._skip(RUNGS[2:], "TCP 445 is closed")
            return self._finish()
        if not self._run("smb_login", self._login):
            self._skip(RUNGS[3:], "no SMB session")
            return self._finish()
        assert self.smb is not None
        for name, fn, context, port in (
            ("admin_share", self._admin_share, "ADMIN$", 0),
            ("svcctl", self._svcctl, "svcctl", 0),
            ("wmi", self._wmi, "wmi", self.rpc_port),
            ("winreg", self._winreg, "winreg", 0),
        ):
            if not self._run(name, fn, context=context, port=port):
                self._recover()
        return self._finish()

    def _recover(self) -> None:
        """After a rung broke the connection (timeout, reset), log in again for the next rung."""
        last = self.result.steps[-1]
        if last.failure is None or last.failure.kind != "net" or last.name == "wmi":
            return
        assert self.smb is not None
        self.smb.close()
        with contextlib.suppress(TransportError):  # else the next rung fails on the dead session
            self.smb = self._new_session()

    def _new_session(self) -> SmbSession:
        """An SMB session to this host with the first credential that logs in."""
        return SmbSession.login(
            self.host,
            self.address,
            self.materials,
            timeout=self.timeout,
            port=self.smb_port,
            table=self.table,
        )

    def _login(self) -> str:
        self.smb = self._new_session()
        self.result.credential = self.smb.credential
        return f"logged in with credential {self.smb.credential!r}"

    def _admin_share(self) -> str:
        assert self.smb is not None
        name = f"Temp\\rmmkit-preflight-{uuid.uuid4().hex[:8]}.txt"
        path = _scratch(b"rmmkit preflight write test\r\n")
        try:
            copy = self.smb.put(path, "ADMIN$", name)
        finally:
            os.unlink(path)
        self.smb.delete("ADMIN$", name)
        return f"wrote, read back and deleted {copy.remote} ({copy.size} bytes, sha256 ok)"

    def _svcctl(self) -> str:
        assert self.smb is not None
        scm = ServiceManager(self.smb)
        try:
            scm.open(admin=False)
            try:
                listed = f"{len(scm.services())} services"
            except TransportError as exc:  # some peers answer queries but not enumeration
                listed = f"no service list ({_why(exc)})"
            try:
                scm.open(admin=True)
            except TransportError as exc:
                return f"{listed}; may NOT create services ({_why(exc)})"
        finally:
            scm.close()
        if self.result.ok("admin_share"):
            self.result.methods.append("service")
        return f"{listed}; may create services"

    def _wmi(self) -> str:
        assert self.smb is not None
        tcp_open(self.address, self.rpc_port, self.timeout)
        wmi = Wmi(
            self.host, self.address, self.smb.material, timeout=self.timeout, table=self.table
        )
        try:
            rows = wmi.query("SELECT Caption, BuildNumber FROM Win32_OperatingSystem")
        finally:
            wmi.close()
        if self.result.ok("admin_share"):
            self.result.methods.insert(0, "wmi")
        caption = rows[0].get("Caption", "?") if rows else "?"
        return f"WMI answers: {caption}"

    def _winreg(self) -> str:
        assert self.smb is not None
        reg = RemoteRegistry(self.smb)
        try:
            version = reg.read(PROBE_KEY, "CurrentVersion")
        finally:
            reg.close()
        if self.result.ok("admin_share"):
            self.result.methods.append("remote_registry")
        return f"remote registry answers (CurrentVersion {version})"

    def _finish(self) -> Preflight:
        self.result.problems = problems(self.result)
        self.result.verdict, self.result.summary = verdict(self.result)
        return self.result

    def close(self) -> None:
        if self.smb is not None:
            self.smb.close()
            self.smb = None


def _why(exc: BaseException) -> str:
    failure = getattr(exc, "failure", None)
    return failure.message if isinstance(failure, Failure) else str(exc)


def _raise(exc: BaseException) -> str:
    raise exc


def _scratch(data: bytes) -> str:
    import tempfile

    fd, path = tempfile.mkstemp(prefix="rmmkit-preflight-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def preflight(
    host: str,
    address: str,
    materials: Sequence[Any],
    *,
    timeout: float = 5.0,
    table: ErrorTable | None = None,
) -> Preflight:
    """Run the whole ladder and close everything it opened."""
    ladder = Ladder(host, address, materials, timeout=timeout, table=table)
    try:
        return ladder.run()
    finally:
        ladder.close()
