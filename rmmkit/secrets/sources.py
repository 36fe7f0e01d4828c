"""The built-in secret sources: vault, env, file, keyring.

Why classes behind a registry: a credential names its source (``source:
env``), and plugins register more (a password manager, a cloud secret
store) through ``rmmkit_register_secret_sources`` without touching the
resolver.  A source returns a :class:`Secret` and raises :class:`SecretError`
whose text names the key (variable name, path, record), never the value.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rmmkit.declared.models import SecretRef
from rmmkit.errors import SecretError
from rmmkit.logs import register_sensitive
from rmmkit.secrets.values import Secret


@dataclass
class SourceContext:
    """What a source may use: set by the resolver once per session."""

    base_dir: Path = field(default_factory=Path.cwd)
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    vault: Callable[[], Any] | None = None  # opens (once) and returns the session's Vault
    vault_passphrase: Callable[[], Secret] | None = None  # for inline encrypted strings


_remembered_lock = threading.Lock()
_remembered_digests: set[bytes] = set()  # sha256 of every value a source returned
_used_env_names: set[str] = set()  # variables the env source read


def _digest(value: str | bytes) -> bytes:
    return hashlib.sha256(value.encode("utf-8") if isinstance(value, str) else value).digest()


def remember(value: str | bytes) -> Secret:
    """Wrap a raw value and tell the log filter to mask it, whatever code logs it later."""
    with _remembered_lock:
        _remembered_digests.add(_digest(value))
    text = value.decode("utf-8", "ignore") if isinstance(value, bytes) else value
    register_sensitive(text)
    for line in text.splitlines():  # multi-line values (keys) are masked line by line too
        register_sensitive(line.strip())
    return Secret(value)


class SecretSource:
    """Base class: subclasses set ``name`` and implement :meth:`fetch`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, context: SourceContext) -> None:
        self.context = context

    def fetch(self, ref: SecretRef) -> Secret:
        raise NotImplementedError


class EnvSource(SecretSource):
    """``key`` is an environment variable of this process (never passed on to children)."""

    name = "env"
    description = "an environment variable of the rmmkit process"

    def fetch(self, ref: SecretRef) -> Secret:
        value = self.context.env.get(ref.key)
        if value is None:
            raise SecretError(f"environment variable {ref.key} is not set")
        if value == "" and not ref.options.get("allow_empty"):
            raise SecretError(f"environment variable {ref.key} is empty")
        with _remembered_lock:
            _used_env_names.add(ref.key)
        return remember(value)


class FileSource(SecretSource):
    """``key`` is a path (relative to the inventory); options: ``binary``, ``strip`` (default true).

    Files readable by group or others are refused unless ``options.allow_shared``
    is true: a secret file that anyone can read is a leak already.
    """

    name = "file"
    description = "the content of a file (mode 0600 expected)"

    def fetch(self, ref: SecretRef) -> Secret:
        path = Path(os.path.expanduser(ref.key))
        if not path.is_absolute():
            path = self.context.base_dir / path
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except FileNotFoundError:
            raise SecretError(f"secret file {path} does not exist") from None
        except OSError as exc:
            raise SecretError(f"secret file {path} cannot be read ({exc.strerror})") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO) and not ref.options.get("allow_shared"):
            raise SecretError(
                f"secret file {path} is readable by group or others "
                f"(mode {stat.S_IMODE(mode):04o}; expected 0600, or allow_shared: true)"
            )
        if ref.options.get("binary"):
            return remember(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretError(f"secret file {path} is not UTF-8 text (set binary: true)") from None
        if ref.options.get("strip", True):
            text = text.rstrip("\r\n")
        if not text:
            raise SecretError(f"secret file {path} is empty")
        return remember(text)


class VaultSource(SecretSource):
    """``key`` is a vault record; ``options.ciphertext`` is an inline encrypted string instead."""

    name = "vault"
    description = "a record of the encrypted vault file, or an inline encrypted string"

    def fetch(self, ref: SecretRef) -> Secret:
        from rmmkit.secrets.vault import decrypt_string

        token = ref.options.get("ciphertext")
        if token:
            if self.context.vault_passphrase is None:
                raise SecretError("no vault passphrase available (use --vault-password-file)")
            value = decrypt_string(ref.key, str(token), self.context.vault_passphrase())
        else:
            if self.context.vault is None:
                raise SecretError("no vault file configured (use --vault or RMMKIT_VAULT)")
            value = self.context.vault().get(ref.key)
        return remember(value.reveal())


class KeyringSource(SecretSource):
    """``key`` is the user name, ``options.service`` the service (default ``rmmkit``).

    Uses the optional ``keyring`` package (``pip install 'rmmkit[keyring]'``);
    without it, or without a usable backend, the error says so.
    """

    name = "keyring"
    description = "the operating system keyring (optional 'keyring' package)"

    def fetch(self, ref: SecretRef) -> Secret:
        service = str(ref.options.get("service", "rmmkit"))
        try:
            import keyring
            import keyring.errors
        except ImportError:
            raise SecretError(
                "the keyring source is unavailable: the 'keyring' package is not installed "
                "(pip install 'rmmkit[keyring]')"
            ) from None
        try:
            value = keyring.get_password(service, ref.key)
        except keyring.errors.KeyringError as exc:
            raise SecretError(
                f"keyring entry {service}/{ref.key}: no usable keyring backend "
                f"({type(exc).__name__})"
            ) from None
        if value is None:
            raise SecretError(f"keyring entry {service}/{ref.key} does not exist")
        return remember(value)


BUILTIN_SOURCES: tuple[type[SecretSource], ...] = (
    VaultSource,
    EnvSource,
    FileSource,
    KeyringSource,
)


def child_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment for a child process, minus every variable a secret came from.

    Why: a value the env source read is in this process's environment; a
    child (``$EDITOR``, ``ssh``, a lab daemon) must not inherit it.
    """
    env = dict(os.environ if base is None else base)
    with _remembered_lock:
        names, digests = set(_used_env_names), set(_remembered_digests)
    return {
        k: v
        for k, v in env.items()
        if k not in names and _digest(v) not in digests and not k.startswith("RMMKIT_VAULT_PASS")
    }
