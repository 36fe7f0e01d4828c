"""Building the plugin manager and the registries of a session.

Why never at import: tests and embedding programs build as many sessions as
they like, each with its own plugins; nothing global is mutated on import.
Order: built-ins first, then the ``rmmkit`` entry-point group, minus the
names listed in ``RMMKIT_DISABLE_PLUGINS`` (comma separated).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any

import pluggy

from rmmkit import hookspecs
from rmmkit.errors import PluginError
from rmmkit.registry import Registry

ENTRY_POINT_GROUP = "rmmkit"
DISABLE_ENV = "RMMKIT_DISABLE_PLUGINS"

# Built-in plugins: modules with @hookimpl functions, registered under these names.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "rmmkit.actions.builtin",
    "rmmkit.transports.builtin",
    "rmmkit.outputs.builtin",
    "rmmkit.secrets.builtin",
    "rmmkit.policies",
    "rmmkit.actions.discover",
    "rmmkit.snmp.plugin",
    "rmmkit.ssh.plugin",
    "rmmkit.actions.agents",
    "rmmkit.windows.plugin",
)

REGISTRY_KINDS: dict[str, str] = {
    "actions": "rmmkit_register_actions",
    "transports": "rmmkit_register_transports",
    "outputs": "rmmkit_register_outputs",
    "secret_sources": "rmmkit_register_secret_sources",
    "inventory_sources": "rmmkit_register_inventory_sources",
    "policy_types": "rmmkit_register_policy_types",
}


def disabled_plugins(env: dict[str, str] | None = None) -> set[str]:
    raw = (env if env is not None else os.environ).get(DISABLE_ENV, "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def get_plugin_manager(
    *, extra: list[Any] | None = None, env: dict[str, str] | None = None, entry_points: bool = True
) -> pluggy.PluginManager:
    """A fresh plugin manager: built-ins, then entry points, then ``extra`` objects."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = disabled_plugins(env)
    for name in blocked:
        pm.set_blocked(name)
    for modname in BUILTIN_PLUGINS:
        if modname in blocked:
            continue
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:  # that area is not built yet
                continue
            raise
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
