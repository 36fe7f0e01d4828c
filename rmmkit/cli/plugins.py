"""``rmmkit plugins list``: what every plugin registered, and which version provides it.

Why: when two plugins disagree or an action is missing, the first question
is "what is loaded, from which package, at which version"; this answers it
without reading entry points by hand.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
from tabulate import tabulate

from rmmkit import __version__
from rmmkit.cli.groups import cli

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins


def plugin_rows(plugins: Plugins) -> list[dict[str, str]]:
    """One row per registered name (and one per plugin that only implements hooks)."""
    versions: dict[str, str] = {}
    for plugin, dist in plugins.pm.list_plugin_distinfo():
        name = plugins.pm.get_name(plugin)
        if name:
            versions[name] = f"{dist.project_name} {dist.version}"
    rows: list[dict[str, str]] = []
    owners_seen: set[str] = set()
    for kind, registry in plugins.registries.items():
        for name, _item in registry.items():
            owner = registry.owner(name)
            owners_seen.add(owner)
            rows.append(
                {
                    "name": name,
                    "kind": kind.rstrip("s").replace("_", " "),
                    "plugin": owner,
                    "version": versions.get(owner, f"rmmkit {__version__}"),
                }
            )
    for name, plugin in plugins.pm.list_name_plugin():
        if plugin is None or name in owners_seen:
            continue
        hooks = sorted(h.name for h in plugins.pm.get_hookcallers(plugin) or ())
        rows.append(
            {
                "name": name,
                "kind": "hooks: " + ", ".join(h.removeprefix("rmmkit_") for h in hooks),
                "plugin": name,
                "version": versions.get(name, f"rmmkit {__version__}"),
            }
        )
    return rows


@cli.group("plugins")
def plugins_group() -> None:
    """Inspect the loaded plugins."""


@plugins_group.command("list")
@click.option("--kind", help="Only this kind (action, transport, output, secret source, …).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def plugins_list(kind: str | None, as_json: bool) -> None:
    """List every registered action, transport, output, … with its plugin and version."""
    from rmmkit.plugin.manager import load_plugins

    rows = plugin_rows(load_plugins())
    if kind:
        rows = [r for r in rows if r["kind"] == kind.replace("_", " ").rstrip("s")]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(
        tabulate([list(r.values()) for r in rows], headers=["name", "kind", "plugin", "version"])
    )
