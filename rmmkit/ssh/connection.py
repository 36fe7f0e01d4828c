"""An open SSH session to one host: commands (optionally under sudo), SFTP, platform.

Why sudo is wrapped the way it is: the password goes on the stdin of
``sudo -S`` (never in argv, where ``ps`` shows it, nor in the environment),
and the command itself gets ``/dev/null`` as stdin so it can never read the
password line; a marker printed by the shell *after* sudo succeeded tells a
refused sudo apart from a failing command.
"""

from __future__ import annotations

import select
import shlex
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any

import paramiko

from rmmkit.errors import TransportError, UnreachableError
from rmmkit.ssh.errors import SudoError

SUDO_MARK = "__rmmkit_sudo_ok__"
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64",
         "i686": "x86", "i386": "x86"}  # fmt: skip
_OS = {"Linux": "linux", "Darwin": "macos"}


@dataclass(frozen=True)
class CommandResult:
    """Exit code and decoded output of one remote command."""

    rc: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


@dataclass(frozen=True)
class Login:
    """Which declared credential logged in (names only; ``material`` keeps its secrets masked)."""

    credential: str
    user: str
    method: str  # password | publickey | agent
    material: Any = None  # rmmkit.secrets.credentials.Material, for the sudo password


def sudo_refusal_causes(err: str, has_password: bool) -> tuple[str, ...]:
    text = err.lower()
    if "not in the sudoers" in text or "is not allowed to" in text or "may not run sudo" in text:
        return ("the user is not allowed to use sudo on this host (not in the sudoers file)",)
    if "incorrect password" in text or "sorry, try again" in text:
        return ("the sudo password differs from the login password",)
    if "password is required" in text or "no tty present" in text:
        if has_password:
            return ("sudo asks for a password the credential does not provide",)
        return (
            "sudo needs a password but the credential is a key without one",
            "allow NOPASSWD for the deploy user, or use a password credential",
        )
    if "command not found" in text or "not found" in text:
        return ("sudo is not installed on the host",)
    return ("sudo refused to run the command as root",)


def platform_of(uname: str) -> tuple[str, str]:
    """``Linux x86_64`` → (``linux``, ``x86_64``); ``Darwin arm64`` → (``macos``, ``arm64``)."""
    parts = uname.split()
    if len(parts) < 2:
        return "unknown", "unknown"
    return _OS.get(parts[0], parts[0].lower()), _ARCH.get(parts[1], parts[1])


class SshConnection:
    """What :meth:`rmmkit.ssh.SshTransport.open` returns; close it (the connection cache does)."""

    def __init__(
        self, transport: paramiko.Transport, host: Any, login: Login, timeout: float
    ) -> None:
        self.transport = transport
        self.host = host
        self.login = login
        self.timeout = timeout
        self.method = "ssh"
        self._sftp: paramiko.SFTPClient | None = None
        self._platform: tuple[str, str] | None = None

    # --- commands --------------------------------------------------------------------
    def run(
        self,
        command: str,
        *,
        sudo: bool = False,
        timeout: float | None = None,
        input: str | bytes | None = None,
    ) -> CommandResult:
        """Run ``command`` through the login shell; with ``sudo`` as root (stdin is /dev/null)."""
        limit = timeout or self.timeout
        password_line: bytes | None = None
        if sudo and self.login.user != "root":
            if input is not None:
                raise ValueError("a command run under sudo gets no stdin")
            inner = shlex.quote(f"echo {SUDO_MARK} >&2; exec </dev/null; {command}")
            material = self.login.material
            if material is not None and material.password is not None:
                command = f"sudo -S -p '' -- sh -c {inner}"
                password_line = material.password.reveal_str().encode() + b"\n"  # stdin only
            else:
                command = f"sudo -n -- sh -c {inner}"
        data = input.encode() if isinstance(input, str) else input
        rc, out, err = self._exec(command, limit, password_line or data)
        if sudo and self.login.user != "root":
            head, mark, tail = err.partition(SUDO_MARK + "\n")
            if not mark:
                has_pw = password_line is not None
                first = next((ln for ln in err.splitlines() if ln.strip()), "no message")
                raise SudoError(
                    f"{self.host.name}: sudo refused for user {self.login.user!r}: "
                    f"{first.strip()[:200]}",
                    host=self.host.name,
                    code="sudo_refused",
                    causes=sudo_refusal_causes(err, has_pw),
                )
            err = head + tail
        return CommandResult(rc, out, err)

    def _exec(self, command: str, timeout: float, stdin: bytes | None) -> tuple[int, str, str]:
        try:
            chan = self.transport.open_session(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise UnreachableError(
                f"{self.host.name}: SSH session closed: {exc}",
                host=self.host.name,
                code="connection_lost",
            ) from None
        try:
            chan.settimeout(timeout)
            chan.exec_command(command)
            if stdin:
                chan.sendall(stdin)
            chan.shutdown_write()
            return self._collect(chan, timeout)
        except TimeoutError:
            raise TransportError(
                f"{self.host.name}: command timed out after {timeout:g}s",
                host=self.host.name,
                code="timeout",
            ) from None
        finally:
            chan.close()

    @staticmethod
    def _collect(chan: paramiko.Channel, timeout: float) -> tuple[int, str, str]:
        out: list[bytes] = []
        err: list[bytes] = []
        deadline = monotonic() + timeout
        poller = select.poll()
        poller.register(chan.fileno(), select.POLLIN)
        while True:
            while chan.recv_ready():
                out.append(chan.recv(65536))
            while chan.recv_stderr_ready():
                err.append(chan.recv_stderr(65536))
            if chan.closed or (chan.eof_received and chan.exit_status_ready()):
                if not (chan.recv_ready() or chan.recv_stderr_ready()):
                    break
                continue
            left = deadline - monotonic()
            if left <= 0:
                raise TimeoutError
            poller.poll(min(left, 1.0) * 1000)  # wakes on data, EOF or close
        rc = chan.recv_exit_status()
        return rc, b"".join(out).decode(errors="replace"), b"".join(err).decode(errors="replace")

    # --- files -------------------------------------------------------------------------
    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            self._sftp = self.transport.open_sftp_client()
        return self._sftp

    def put(self, local: Path, remote: str) -> int:
        """Copy ``local`` to ``remote`` by SFTP; returns the size the server confirmed."""
        with open(local, "rb") as fh:
            return int(self.sftp().putfo(fh, remote, confirm=True).st_size or 0)

    def platform(self) -> tuple[str, str]:
        """(os, arch) of the host: ``linux``/``macos`` and ``x86_64``/``arm64``."""
        if self._platform is None:
            self._platform = platform_of(self.run("uname -sm").out)
        return self._platform

    def set_platform(self, uname: str) -> None:
        """Record ``uname -sm`` output another command already fetched (saves a round trip)."""
        self._platform = platform_of(uname)

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
        self.transport.close()
