"""A paramiko SSH server on loopback that records every authentication attempt it receives.

Why: "a changed host key sends no password" is only proven by a peer that
would have seen the password; this one records user, method and password of
every attempt (the positive control shows it does).
"""

from __future__ import annotations

import io
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def ed25519_key() -> paramiko.Ed25519Key:
    raw = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return paramiko.Ed25519Key.from_private_key(io.StringIO(raw.decode()))


@dataclass
class Recorder(paramiko.ServerInterface):
    password: str
    attempts: list[tuple[str, str, str]] = field(default_factory=list)  # (method, user, secret)

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey"

    def check_auth_none(self, username: str) -> int:
        self.attempts.append(("none", username, ""))
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username: str, password: str) -> int:
        self.attempts.append(("password", username, password))
        return paramiko.AUTH_SUCCESSFUL if password == self.password else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: Any) -> int:
        self.attempts.append(("publickey", username, key.get_base64()))
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED


class Peer:
    """Serve one host key on 127.0.0.1:<free port> until ``close``."""

    def __init__(self, key: paramiko.PKey, password: str) -> None:
        self.key = key
        self.recorder = Recorder(password)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.transports: list[paramiko.Transport] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            t = paramiko.Transport(conn)
            t.add_server_key(self.key)
            self.transports.append(t)
            try:
                t.start_server(server=self.recorder)
            except (paramiko.SSHException, EOFError, OSError):
                continue

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every server-side session has ended (the client hung up)."""
        for t in list(self.transports):
            t.join(timeout)

    def close(self) -> None:
        self.sock.close()
        for t in self.transports:
            t.close()
