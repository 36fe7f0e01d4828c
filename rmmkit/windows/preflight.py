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

import os
import socket
import struct
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rmmkit.errors import RmmkitError, TransportError
from rmmkit.windows.errors import ErrorTable, Failure, classify
from rmmkit.windows.rrp import Registry
from rmmkit.windows.scmr import ServiceManager
from rmmkit.windows.smb import SmbSession, tcp_open
from rmmkit.windows.wmi import Wmi

RUNGS = ("ping", "tcp445", "smb_login", "admin_share", "svcctl", "wmi", "winreg")
PROBE_KEY = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


@dataclass
class Step:
    name: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    detail: str = ""
    failure: Failure | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }
        if self.failure is not None:
            out.update(
                code=self.failure.code_text,
                message=self.failure.message,
                category=self.failure.category,
                causes=list(self.failure.causes),
            )
        return out


@dataclass
class Preflight:
    host: str
    address: str
    steps: list[Step] = field(default_factory=list)
    credential: str = ""
    verdict: str = ""
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def ok(self, name: str) -> bool:
        s = self.step(name)
        return s is not None and s.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "address": self.address,
            "credential": self.credential,
            "verdict": self.verdict,
            "summary": self.summary,
            "problems": self.problems,
            "methods": self.methods,
            "steps": [s.to_dict() for s in self.steps],
        }


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
        try:
            self.smb = SmbSession.login(
                self.host,
                self.address,
                self.materials,
                timeout=self.timeout,
                port=self.smb_port,
                table=self.table,
            )
        except TransportError:
            pass  # the next rung fails on the dead session and says so

    def _login(self) -> str:
        self.smb = SmbSession.login(
            self.host,
            self.address,
            self.materials,
            timeout=self.timeout,
            port=self.smb_port,
            table=self.table,
        )
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
        reg = Registry(self.smb)
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


VERDICTS = {
    "ready": "every rung answered: deploy can use {methods}",
    "partly_ready": "deploy can use {methods}; blocked: {problems}",
    "unreachable": "no answer to ping or TCP 445: the host is off, or a firewall drops everything",
    "firewall": "the host is up but TCP 445 is closed: a firewall blocks it or "
    "File and Printer sharing is off",
    "wrong_credentials": "the host refused the credential(s): fix the user name or secret",
    "not_administrator": "the account logs in but is not an administrator on the host",
    "host_config": "the credential works but the host's configuration blocks deployment: {problems}",
}
_PROBLEM_WORDS = {"admin_share": "ADMIN$ (missing share or no write access)",
                  "svcctl": "the service manager", "wmi": "WMI (TCP 135 / DCOM)",
                  "winreg": "the Remote Registry service"}  # fmt: skip


def problems(pf: Preflight) -> list[str]:
    """One code per failed rung above the login, e.g. ``admin_share_missing``, ``remote_registry_disabled``."""
    out = []
    for step in pf.steps:
        if step.status != "failed" or step.name not in _PROBLEM_WORDS:
            continue
        category = step.failure.category if step.failure else ""
        entry = step.failure.entry if step.failure else ""
        if category == "privileges":
            out.append(f"{_PROBLEM_CODES[step.name]}_denied")
        elif step.name == "admin_share" and entry == "bad_network_name":
            out.append("admin_share_missing")
        elif step.name == "winreg":
            out.append("remote_registry_disabled")
        elif step.name == "wmi":
            out.append("wmi_blocked")
        else:
            out.append(f"{_PROBLEM_CODES[step.name]}_unavailable")
    return out


_PROBLEM_CODES = {"admin_share": "admin_share", "svcctl": "service_manager", "wmi": "wmi",
                  "winreg": "remote_registry"}  # fmt: skip


def verdict(pf: Preflight) -> tuple[str, str]:
    """(verdict, one-line summary) from the recorded rungs."""

    def failed(name: str) -> Step | None:
        s = pf.step(name)
        return s if s is not None and s.status == "failed" else None

    tcp = failed("tcp445")
    if tcp:
        refused = bool(tcp.failure and str(tcp.failure.code).startswith("refused"))
        key = "firewall" if pf.ok("ping") or refused else "unreachable"
        return key, VERDICTS[key]
    login = failed("smb_login")
    if login:
        category = login.failure.category if login.failure else ""
        key = "wrong_credentials" if category == "credentials" else "host_config"
        return key, VERDICTS[key].format(problems=login.detail)
    problems = [n for n in ("admin_share", "svcctl", "wmi", "winreg") if failed(n)]
    words = ", ".join(_PROBLEM_WORDS[n] for n in problems)
    methods = ", ".join(pf.methods)
    if not problems:
        return "ready", VERDICTS["ready"].format(methods=methods)
    denied = [
        n for n in problems if (s := failed(n)) and s.failure and s.failure.category == "privileges"
    ]
    if pf.methods:
        return "partly_ready", VERDICTS["partly_ready"].format(methods=methods, problems=words)
    if denied and len(denied) == len([n for n in problems if n != "wmi"]):
        return "not_administrator", VERDICTS["not_administrator"]
    return "host_config", VERDICTS["host_config"].format(problems=words)


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
