"""Resolving secret references to values, once per session.

Why one resolver per session: the vault is opened (and its Argon2id cost
paid) once, each value is fetched once and cached, and every failure is
turned into one :class:`SecretError` that names the credential, the source
and the key (``credential 'hq-admin': env source: environment variable
HQ_PW is not set``), never the value, even when a plugin's source raised
something else.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rmmkit.declared.models import NOWHERE, Credential, SecretRef
from rmmkit.errors import RmmkitError, SecretError, UnknownReference
from rmmkit.secrets.sources import SecretSource, SourceContext
from rmmkit.secrets.values import Secret

log = logging.getLogger("rmmkit.secrets")

VAULT_ENV = "RMMKIT_VAULT"
VAULT_PASSWORD_FILE_ENV = "RMMKIT_VAULT_PASSWORD_FILE"


def read_password_file(path: str | os.PathLike[str]) -> Secret:
    """The first line of ``path`` (trailing newline removed) as the vault passphrase."""
    try:
        data = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretError(f"vault password file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise SecretError(f"vault password file {path} cannot be read ({reason})") from None
    lines = data.splitlines()
    if not lines or not lines[0]:
        raise SecretError(f"vault password file {path} is empty")
    return Secret(lines[0])


def as_ref(value: Any) -> SecretRef | None:
    """A :class:`SecretRef` from a ref or a ``{source, key, …options}`` mapping; else ``None``."""
    if isinstance(value, SecretRef):
        return value
    if isinstance(value, Mapping) and "source" in value and "key" in value:
        options = {k: v for k, v in value.items() if k not in ("source", "key", "options")}
        options.update(value.get("options") or {})
        return SecretRef(str(value["source"]), str(value["key"]), options)
    return None


class SecretResolver:
    """``resolve(ref)`` → :class:`Secret`, with per-session caching and named errors."""

    def __init__(
        self,
        sources: Any,
        *,
        vault_path: str | os.PathLike[str] | None = None,
        vault_password_file: str | os.PathLike[str] | None = None,
        vault_password: Secret | None = None,
        prompt: Callable[[], Secret] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        project_dir: str | os.PathLike[str] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """``settings`` (the session's) may carry ``vault`` and ``vault_password_file``;
        explicit arguments win, then settings, then ``$RMMKIT_VAULT`` /
        ``$RMMKIT_VAULT_PASSWORD_FILE``.  Relative paths are under ``project_dir``."""
        settings = settings or {}
        self._sources = sources  # a Registry (or mapping) name → SecretSource class
        self._env = env if env is not None else os.environ
        self.vault_path = vault_path or settings.get("vault") or self._env.get(VAULT_ENV) or None
        self.vault_password_file = (
            vault_password_file
            or settings.get("vault_password_file")
            or self._env.get(VAULT_PASSWORD_FILE_ENV)
        )
        base_dir = base_dir or project_dir
        self._password = vault_password
        self._prompt = prompt
        self._lock = threading.RLock()
        self._vault: Any = None
        self._instances: dict[str, SecretSource] = {}
        self._cache: dict[tuple[str, str, str], Secret] = {}
        self.context = SourceContext(
            base_dir=Path(base_dir) if base_dir else Path.cwd(),
            env=self._env,
            vault=self.vault,
            vault_passphrase=self.vault_passphrase,
        )

    # -- vault ------------------------------------------------------------
    def vault_passphrase(self) -> Secret:
        with self._lock:
            if self._password is None:
                if self.vault_password_file:
                    pw_path = Path(self.vault_password_file)
                    if not pw_path.is_absolute():
                        pw_path = self.context.base_dir / pw_path
                    self._password = read_password_file(pw_path)
                elif self._prompt is not None:
                    self._password = self._prompt()
                else:
                    raise SecretError(
                        "the vault needs a passphrase: use --vault-password-file "
                        f"or {VAULT_PASSWORD_FILE_ENV}"
                    )
            return self._password

    def vault(self) -> Any:
        from rmmkit.secrets.vault import Vault

        with self._lock:
            if self._vault is None:
                if not self.vault_path:
                    raise SecretError(f"no vault file configured (use --vault or {VAULT_ENV})")
                path = Path(self.vault_path)
                if not path.is_absolute():
                    path = self.context.base_dir / path
                self._vault = Vault.open(path, self.vault_passphrase())
                log.debug("opened vault %s (%d records)", self.vault_path, len(self._vault))
            return self._vault

    # -- resolving --------------------------------------------------------
    def _source(self, name: str) -> SecretSource:
        inst = self._instances.get(name)
        if inst is None:
            if name not in self._sources:
                raise KeyError(name)
            cls = self._sources.get(name)
            inst = self._instances[name] = cls(self.context)
        return inst

    def resolve(self, ref: SecretRef, *, credential: Credential | str | None = None) -> Secret:
        """The value ``ref`` points at; errors name the credential, source and key only."""
        cache_key = (ref.source, ref.key, repr(sorted(ref.options.items())))
        with self._lock:
            cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        prefix = _prefix(credential)
        try:
            source = self._source(ref.source)
        except (KeyError, UnknownReference):
            known = ", ".join(sorted(self._sources)) or "none"
            raise UnknownReference(
                f"{prefix}unknown secret source {ref.source!r}", expected=f"one of: {known}"
            ) from None
        try:
            value = source.fetch(ref)
        except RmmkitError as exc:
            raise _renamed(exc, f"{prefix}{ref.source} source: {exc.message}") from None
        except Exception as exc:  # a plugin's own error text might quote the value: drop it
            raise SecretError(
                f"{prefix}{ref.source} source failed on key {ref.key!r} ({type(exc).__name__})"
            ) from None
        if not isinstance(value, Secret):
            raise SecretError(f"{prefix}{ref.source} source returned a bare value, not a Secret")
        with self._lock:
            self._cache[cache_key] = value
        log.debug("%sresolved from the %s source (key %s)", prefix, ref.source, ref.key)
        return value

    def credential_secrets(self, cred: Credential) -> dict[str, Secret]:
        """Every secret of ``cred``: ``secret`` plus each ``extra`` entry that is a reference."""
        out: dict[str, Secret] = {}
        if cred.secret is not None:
            out["secret"] = self.resolve(cred.secret, credential=cred)
        for role, value in sorted(cred.extra.items()):
            ref = as_ref(value)
            if ref is not None:
                out[role] = self.resolve(ref, credential=cred)
        return out

    def clear(self) -> None:
        """Forget cached values and the opened vault (end of a session)."""
        with self._lock:
            self._cache.clear()
            self._vault = None


def _prefix(credential: Credential | str | None) -> str:
    if credential is None:
        return ""
    if isinstance(credential, str):
        return f"credential {credential!r}: "
    where = "" if credential.location.file == NOWHERE.file else f"{credential.location}: "
    return f"{where}credential {credential.name!r}: "


def _renamed(exc: RmmkitError, message: str) -> RmmkitError:
    """The same kind of error with the credential named in front (SecretError if that fails)."""
    try:
        new = type(exc)(message)
    except Exception:
        new = SecretError(message)
    new.causes = exc.causes
    return new
