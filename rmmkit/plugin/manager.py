"""The plugin manager of a session and the name → class registries it fills.

Why never at import: tests and embedding programs build as many sessions as
they like, each with its own plugins; nothing global is mutated on import.
Order: built-ins first, then the ``rmmkit`` entry-point group, minus the
names listed in ``RMMKIT_DISABLE_PLUGINS`` (comma separated).  A built-in
that fails to import is a broken installation and an error, never skipped.

Why registries reject duplicates: two plugins claiming one name is an error
the user must see at start-up, not a silent override.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pluggy

from rmmkit.errors import PluginError, UnknownReference
from rmmkit.plugin import spec

ENTRY_POINT_GROUP = "rmmkit"
DISABLE_ENV = "RMMKIT_DISABLE_PLUGINS"

# Built-in plugins: modules with @hookimpl functions, registered under these names.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "rmmkit.actions.builtin",
    "rmmkit.transports.builtin",
    "rmmkit.outputs.builtin",
    "rmmkit.secrets.builtin",
    "rmmkit.declared.policies",
    "rmmkit.discovery.plugin",
    "rmmkit.snmp.plugin",
    "rmmkit.ssh.plugin",
    "rmmkit.agents.plugin",
    "rmmkit.windows.plugin",
)

REGISTRY_KINDS: dict[str, str] = {
    "actions": "rmmkit_register_actions",
    "transports": "rmmkit_register_transports",
    "outputs": "rmmkit_register_outputs",
    "secret_sources": "rmmkit_register_secret_sources",
    "policy_types": "rmmkit_register_policy_types",
}

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to classes of one kind; rejects duplicates."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._owners: dict[str, str] = {}

    def register(self, name: str, item: T, *, owner: str = "") -> None:
        if not name or not isinstance(name, str):
            raise PluginError(
                f"{self.kind}: a name must be a non-empty string (from {owner or '?'})"
            )
        if name in self._items:
            raise PluginError(
                f"{self.kind} {name!r} is registered twice: by {self._owners[name] or '?'} "
                f"and by {owner or '?'}"
            )
        self._items[name] = item
        self._owners[name] = owner

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownReference(
                f"unknown {self.kind} {name!r}", expected=f"one of: {known}"
            ) from None

    def owner(self, name: str) -> str:
        return self._owners.get(name, "")

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())


def disabled_plugins(env: dict[str, str] | None = None) -> set[str]:
    raw = (env if env is not None else os.environ).get(DISABLE_ENV, "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def get_plugin_manager(
    *, extra: list[Any] | None = None, env: dict[str, str] | None = None, entry_points: bool = True
) -> pluggy.PluginManager:
    """A fresh plugin manager: built-ins, then entry points, then ``extra`` objects."""
    pm = pluggy.PluginManager(spec.PROJECT)
    pm.add_hookspecs(spec)
    blocked = disabled_plugins(env)
    for name in blocked:
        pm.set_blocked(name)
    for modname in BUILTIN_PLUGINS:
        if modname in blocked:
            continue
        try:
            module = importlib.import_module(modname)
        except ImportError as exc:
            raise PluginError(
                f"built-in plugin {modname} cannot be imported ({exc}): "
                "the installation is incomplete; reinstall rmmkit"
            ) from exc
        pm.register(module, name=modname)
    if entry_points:
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        except Exception as exc:  # a broken third-party plugin must not crash with a traceback
            raise PluginError(
                f"a plugin of entry-point group {ENTRY_POINT_GROUP!r} failed to load: {exc}"
            ) from exc
    for obj in extra or []:
        pm.register(obj)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin validation failed: {exc}") from exc
    return pm


@dataclass
class Plugins:
    """The plugin manager plus one registry per kind, filled by the registration hooks."""

    pm: pluggy.PluginManager
    registries: dict[str, Registry[Any]] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def registry(self, kind: str) -> Registry[Any]:
        return self.registries[kind]

    @property
    def actions(self) -> Registry[Any]:
        return self.registries["actions"]

    @property
    def transports(self) -> Registry[Any]:
        return self.registries["transports"]

    @property
    def outputs(self) -> Registry[Any]:
        return self.registries["outputs"]

    @property
    def secret_sources(self) -> Registry[Any]:
        return self.registries["secret_sources"]

    @property
    def policy_types(self) -> Registry[Any]:
        return self.registries["policy_types"]


def load_plugins(
    *, extra: list[Any] | None = None, env: dict[str, str] | None = None, entry_points: bool = True
) -> Plugins:
    """Build the plugin manager and fill every registry (call once per session)."""
    pm = get_plugin_manager(extra=extra, env=env, entry_points=entry_points)
    plugins = Plugins(pm)
    for kind, hookname in REGISTRY_KINDS.items():
        registry: Registry[Any] = Registry(kind.rstrip("s").replace("_", " "))
        plugins.registries[kind] = registry
        hook = getattr(pm.hook, hookname)
        for impl in hook.get_hookimpls():  # registration order: built-ins first
            owner = impl.plugin_name

            def register(
                name: str, item: Any, _owner: str = owner, _reg: Registry[Any] = registry
            ) -> None:
                _reg.register(name, item, owner=_owner)

            impl.function(register=register)
    return plugins
