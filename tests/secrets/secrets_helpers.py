"""Shared helpers of the secrets tests (a uniquely named module: no clash with other areas).

``FAST_KDF`` is the documented low-cost Argon2id parameter set, used only by
tests that open thousands of tampered vaults (see docs/vault.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from rmmkit.secrets.vault_format import KdfParams

FAST_KDF = KdfParams(memory_kib=8, time_cost=1, parallelism=1)


def openssh_key(passphrase: str | None, kind: str = "ed25519") -> str:
    key = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else rsa.generate_private_key(65537, 2048)
    )
    fmt = (
        serialization.PrivateFormat.OpenSSH
        if kind == "ed25519"
        else serialization.PrivateFormat.PKCS8
    )
    enc = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc).decode()


class MemoryKeyring:
    """A real keyring backend (keyring's own base class) kept in memory."""

    @staticmethod
    def make():
        keyring = pytest.importorskip("keyring")
        from keyring.backend import KeyringBackend

        class Memory(KeyringBackend):
            priority = 1
            store: dict = {}

            def get_password(self, service, username):
                return self.store.get((service, username))

            def set_password(self, service, username, password):
                self.store[(service, username)] = password

            def delete_password(self, service, username):
                self.store.pop((service, username), None)

        return keyring, Memory()


def run_cli(args, *, stdin: str = "", env_extra=None):
    env = {**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def exception_texts(exc: BaseException) -> str:
    """Everything an exception can show: str, repr, args and the formatted traceback."""
    return "\n".join([str(exc), repr(exc), repr(exc.args), *traceback.format_exception(exc)])
