"""A session: everything one command invocation works with.

Why one object: actions, transports and outputs need the plugins, the
inventory, the store and the secrets; handing them one session (instead of
globals) lets tests and embedding programs build as many independent
sessions as they like.  Building one is cheap; the store is opened only when
asked for (``use_store`` or a ``db_url``).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmmkit.declared.models import Inventory, SecretRef
from rmmkit.plugin.manager import Plugins, load_plugins
from rmmkit.secrets.resolver import SecretResolver
from rmmkit.secrets.values import Secret

if TYPE_CHECKING:
    from rmmkit.actions.base import Action
    from rmmkit.store import Store
    from rmmkit.transports.base import Transport


def open_store(url: str | None, project_dir: Path) -> Store:
    """The state store (imported here, not at the top: a session without one stays light)."""
    from rmmkit.store import open_store as open_database

    return open_database(url, project_dir=project_dir)


@dataclass
class Session:
    """Plugins, declared state, store, secrets and settings of one invocation."""

    plugins: Plugins
    inventory: Inventory | None = None
    store: Store | None = None
    project_dir: Path = field(default_factory=Path.cwd)
    settings: dict[str, Any] = field(default_factory=dict)
    secrets: SecretResolver = field(init=False, repr=False)
    _transports: dict[str, Transport] = field(default_factory=dict, repr=False)
    _actions: dict[str, Action] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(
        cls,
        *,
        inventory: Inventory | None = None,
        plugins: Plugins | None = None,
        extra_plugins: list[Any] | None = None,
        db_url: str | None = None,
        use_store: bool = False,
        project_dir: Path | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Session:
        """Build a session; ``use_store`` (or a ``db_url``) opens the store, migrating it."""
        plugins = plugins or load_plugins(extra=extra_plugins)
        project_dir = project_dir or Path.cwd()
        store = open_store(db_url, project_dir) if (use_store or db_url) else None
        return cls(
            plugins=plugins,
            inventory=inventory,
            store=store,
            project_dir=project_dir,
            settings=dict(settings or {}),
        )

    def __post_init__(self) -> None:
        """The secret resolver; vault settings come from ``settings`` or the environment."""
        vault = {
            k: self.settings[k]
            for k in ("vault_path", "vault_password_file")
            if self.settings.get(k)
        }
        self.secrets = SecretResolver(
            self.plugins.secret_sources, base_dir=self.project_dir, **vault
        )

    def resolve_secret(self, ref: SecretRef) -> Secret:
        """The secret value behind ``ref`` (never logged: it is a masked :class:`Secret`)."""
        return self.secrets.resolve(ref)

    def transport(self, name: str) -> Transport:
        """The session's single instance of transport ``name`` (created on first use)."""
        inst = self._transports.get(name)
        if inst is None:
            with self._lock:
                inst = self._transports.get(name)
                if inst is None:
                    inst = self.plugins.transports.get(name)(self)
                    self._transports[name] = inst
        return inst

    def action(self, name: str) -> Action:
        """The session's single instance of action ``name`` (actions keep no per-host state)."""
        inst = self._actions.get(name)
        if inst is None:
            with self._lock:
                inst = self._actions.get(name)
                if inst is None:
                    inst = self.plugins.actions.get(name)()
                    self._actions[name] = inst
        return inst

    def close(self) -> None:
        for inst in self._transports.values():
            closer = getattr(inst, "close", None)
            if callable(closer):
                with contextlib.suppress(Exception):  # must not mask the run's outcome
                    closer()
        self._transports.clear()
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
