r"""SMB to a Windows host: login (password, NTLM hash, Kerberos cache), shares, checked copies.

Why one session object: the service manager, the registry and file copies
all ride on the same SMB session (``\pipe\svcctl`` and ``\pipe\winreg`` are
files on IPC$), so a host costs one TCP connection and one login.  Secrets
are handed to impacket by :mod:`rmmkit.secrets.adapters` and nowhere else.
Copies are proven by reading the file back: size and sha256 must match.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from rmmkit.errors import AuthenticationError, TransportError
from rmmkit.secrets.adapters import impacket_login, impacket_server_name
from rmmkit.windows.errors import ErrorTable, windows_error

CHUNK = 1 << 16


@dataclass(frozen=True)
class Share:
    name: str
    type: int
    remark: str


@dataclass(frozen=True)
class CopyResult:
    """A file copied and read back; ``remote`` is the Windows path the host sees."""

    share: str
    path: str
    remote: str
    size: int
    sha256: str
    seconds: float


def unc_parts(windows_path: str) -> tuple[str, str]:
    r"""``C:\Windows\Temp\x`` → (``ADMIN$``, ``Temp\x``); ``D:\x`` → (``D$``, ``x``)."""
    p = PureWindowsPath(windows_path)
    if not p.drive or len(p.drive) != 2:
        raise ValueError(f"not a drive path: {windows_path}")
    parts = p.parts[1:]
    if p.drive.upper() == "C:" and parts and parts[0].lower() == "windows":
        return "ADMIN$", "\\".join(parts[1:])
    return f"{p.drive[0].upper()}$", "\\".join(parts)


def windows_path(share: str, path: str) -> str:
    """The inverse of :func:`unc_parts` for the administrative shares."""
    if share.upper() == "ADMIN$":
        return "C:\\Windows\\" + path
    return f"{share[0].upper()}:\\{path}"


class SmbSession:
    """A logged-in SMB connection; ``credential`` names which declared credential worked."""

    def __init__(
        self,
        host: str,
        address: str,
        conn: Any,
        credential: str,
        material: Any,
        table: ErrorTable | None = None,
        *,
        port: int = 445,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.address, self.conn = host, address, conn
        self.credential = credential
        self.material = material  # kept masked: WMI and the RPC pipes log in with it too
        self.table = table
        self.port = port
        self.timeout = timeout

    # --- opening -------------------------------------------------------------------
    @classmethod
    def login(
        cls,
        host: str,
        address: str,
        materials: Sequence[Any],
        *,
        timeout: float = 10.0,
        port: int = 445,
        table: ErrorTable | None = None,
    ) -> SmbSession:
        """Try each credential in declared order; the first that logs in wins.

        A refused credential moves on to the next; anything else (no answer,
        share-level refusal) stops at once: another password cannot fix it.
        """
        from impacket.smbconnection import SMBConnection

        if not materials:
            raise AuthenticationError(
                f"{host}: no Windows credential is declared for this host",
                host=host,
                code="no_credential",
                causes=(
                    "declare a password, ntlm_hash or kerberos credential for the host's site",
                ),
            )
        refused: list[str] = []
        last: TransportError | None = None
        for material in materials:
            try:
                name = impacket_server_name(material, host, address)
                conn = SMBConnection(name, address, sess_port=port, timeout=timeout)
            except Exception as exc:
                raise windows_error(exc, "tcp445", host, port=port, table=table) from None
            try:
                impacket_login(conn, material)
            except Exception as exc:
                err = windows_error(exc, "smb_login", host, port=port, table=table)
                _close_quietly(conn)
                if not isinstance(err, AuthenticationError):
                    raise err from None
                refused.append(material.credential)
                last = err
                continue
            return cls(
                host,
                address,
                conn,
                material.credential,
                material,
                table,
                port=port,
                timeout=timeout,
            )
        assert last is not None
        last.message = f"{last.message}; refused credentials: {', '.join(refused)}"
        last.args = (last.message,)
        raise last

    def close(self) -> None:
        _close_quietly(self.conn)

    # --- shares and files ------------------------------------------------------------
    def shares(self) -> list[Share]:
        try:
            raw = self.conn.listShares()
        except Exception as exc:
            raise windows_error(exc, "list_shares", self.host, table=self.table) from None
        return [
            Share(
                str(s["shi1_netname"]).rstrip("\x00"),
                int(s["shi1_type"]),
                str(s["shi1_remark"]).rstrip("\x00"),
            )
            for s in raw
        ]

    def mkdir(self, share: str, path: str) -> None:
        try:
            self.conn.createDirectory(share, path)
        except Exception as exc:
            raise windows_error(exc, "mkdir", self.host, context=share, table=self.table) from None

    def put(self, local: Path, share: str, path: str) -> CopyResult:
        """Copy ``local`` to ``\\\\host\\share\\path``, then read it back and compare."""
        started = time.monotonic()
        digest, size = hashlib.sha256(), 0
        with open(local, "rb") as fh:

            def reader(n: int) -> bytes:
                nonlocal size
                data = fh.read(n)
                digest.update(data)
                size += len(data)
                return data

            try:
                self.conn.putFile(share, path, reader)
            except Exception as exc:
                raise windows_error(
                    exc, "copy", self.host, context=share, table=self.table
                ) from None
        got_size, got_sha = self.sha256(share, path)
        if (got_size, got_sha) != (size, digest.hexdigest()):
            raise TransportError(
                f"{self.host}: copy to {share}\\{path} read back {got_size} bytes sha256 "
                f"{got_sha[:12]}…, sent {size} bytes {digest.hexdigest()[:12]}…",
                host=self.host,
                code="checksum_mismatch",
                causes=("the copy was altered in transit or on the target's disk",),
            )
        return CopyResult(
            share, path, windows_path(share, path), size, got_sha, time.monotonic() - started
        )

    def sha256(self, share: str, path: str) -> tuple[int, str]:
        """(size, sha256) of a remote file, read over SMB."""
        digest, size = hashlib.sha256(), 0

        def sink(data: bytes) -> None:
            nonlocal size
            digest.update(data)
            size += len(data)

        try:
            self.conn.getFile(share, path, sink)
        except Exception as exc:
            raise windows_error(
                exc, "read_back", self.host, context=share, table=self.table
            ) from None
        return size, digest.hexdigest()

    def exists(self, share: str, path: str) -> bool:
        try:
            self.conn.listPath(share, path)
        except Exception as exc:
            from impacket.smbconnection import SessionError

            if isinstance(exc, SessionError) and exc.getErrorCode() in _NOT_FOUND:
                return False
            raise windows_error(exc, "stat", self.host, context=share, table=self.table) from None
        return True

    def delete(self, share: str, path: str) -> None:
        try:
            self.conn.deleteFile(share, path)
        except Exception as exc:
            raise windows_error(exc, "delete", self.host, context=share, table=self.table) from None

    def rmdir(self, share: str, path: str) -> None:
        try:
            self.conn.deleteDirectory(share, path)
        except Exception as exc:
            raise windows_error(exc, "rmdir", self.host, context=share, table=self.table) from None

    # --- RPC over named pipes --------------------------------------------------------
    def pipe(self, name: str, uuid: bytes) -> Any:
        r"""A bound DCE/RPC handle over ``\pipe\<name>`` of this session."""
        from impacket.dcerpc.v5 import transport

        rpc = transport.SMBTransport(
            self.address, self.port, filename=f"\\{name}", smb_connection=self.conn
        )
        dce = rpc.get_dce_rpc()
        try:
            dce.connect()
            dce.bind(uuid)
        except Exception as exc:
            _close_quietly(dce, "disconnect")
            raise windows_error(exc, name, self.host, context=name, table=self.table) from None
        return dce


_NOT_FOUND = {0xC0000034, 0xC000003A, 0xC000000F}


def _close_quietly(obj: Any, method: str = "close") -> None:
    with contextlib.suppress(Exception):  # closing must never turn a result into a failure
        getattr(obj, method)()


def tcp_open(address: str, port: int, timeout: float) -> float:
    """Seconds a TCP connect took; raises the socket error (classified by the caller)."""
    started = time.monotonic()
    with socket.create_connection((address, port), timeout=timeout):
        return time.monotonic() - started
