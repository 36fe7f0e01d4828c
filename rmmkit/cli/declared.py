"""``rmmkit validate``, ``rmmkit schema`` and ``rmmkit inventory list|show``.

Why thin: loading, checking and resolving live in :mod:`rmmkit.declared.loader` and
:mod:`rmmkit.declared.resolve`; these commands only parse options and render, so the
portal and tests get the same answers through the Python API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from rmmkit.cli.groups import cli
from rmmkit.declared.models import Inventory, Playbook, ResolvedHost
from rmmkit.errors import EXIT_INVALID_INPUT, InputError

FORMATS = click.Choice(["table", "json"])


def _extra_vars(values: tuple[str, ...]) -> dict[str, Any]:
    from rmmkit.declared.marked_yaml import load_yaml
    from rmmkit.declared.yaml_limits import decode_yaml
    from rmmkit.run.options import parse_extra_vars

    def read(path: str) -> Any:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(
                f"-e @{path}: {exc.strerror}", expected="a readable YAML file"
            ) from None
        return load_yaml(decode_yaml(data, path), path)

    return parse_extra_vars(values, read)


def _expand(paths: tuple[str, ...]) -> list[str]:
    """Files as given; a directory stands for every ``*.yml`` / ``*.yaml`` below it."""
    out: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            out += sorted(str(p) for p in Path(path).rglob("*") if p.suffix in (".yml", ".yaml"))
        else:
            out.append(path)
    return out


def _summary(item: Inventory | Playbook) -> str:
    if isinstance(item, Playbook):
        return f"playbook {item.name!r}: {len(item.tasks)} task(s), {len(item.outputs)} output(s)"
    return (
        f"inventory: {len(item.sites)} site(s), {len(item.hosts)} host(s), "
        f"{len(item.credentials)} credential(s), {len(item.agents)} agent(s), "
        f"{len(item.policies)} policy(ies), {len(item.packages)} package(s)"
    )


@cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(dir_okay=False),
    help="Also check playbooks' targets and references against this inventory.",
)
@click.option("-e", "--extra-vars", multiple=True, help="key=value or @vars.yml, as for run.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.pass_context
def validate_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    inventory_path: str | None,
    extra_vars: tuple[str, ...],
    quiet: bool,
) -> None:
    """Check inventories and playbooks: YAML, schema, references, templates (exit 3 on error)."""
    from rmmkit.declared.loader import load_file, load_inventory
    from rmmkit.plugin.manager import load_plugins

    plugins = load_plugins()
    variables = _extra_vars(extra_vars)
    failed = 0
    inventory = None
    if inventory_path:
        try:
            inventory = load_inventory(inventory_path, plugins)
        except InputError as exc:
            click.echo(f"rmmkit: error: {exc}", err=True)
            ctx.exit(EXIT_INVALID_INPUT)
    for path in _expand(paths):
        try:
            item = load_file(path, plugins, variables, inventory=inventory)
        except InputError as exc:
            failed += 1
            click.echo(f"rmmkit: error: {exc}", err=True)
            continue
        if not quiet:
            click.echo(f"ok: {path}: {_summary(item)}")
    if failed:
        ctx.exit(EXIT_INVALID_INPUT)


@cli.command("schema")
@click.argument("kind", type=click.Choice(["inventory", "playbook", "all"]), default="all")
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema (with every installed plugin's fragments) for editors."""
    from rmmkit.declared.schema import all_schemas, merged_schema
    from rmmkit.plugin.manager import load_plugins

    plugins = load_plugins()
    data = all_schemas(plugins) if kind == "all" else merged_schema(kind, plugins)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@cli.group("inventory")
def inventory_group() -> None:
    """Inspect an inventory: its sites and hosts, and what each host inherits."""


def _inventory_option(func: Any) -> Any:
    return click.option(
        "-i",
        "--inventory",
        "inventory_path",
        envvar="RMMKIT_INVENTORY",
        required=True,
        type=click.Path(dir_okay=False),
        help="Inventory file (or RMMKIT_INVENTORY).",
    )(func)


def _load(path: str) -> Inventory:
    from rmmkit.declared.loader import load_inventory

    return load_inventory(path)


@inventory_group.command("list")
@_inventory_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def inventory_list(inventory_path: str, fmt: str) -> None:
    """List the sites (ranges, size, credentials, packages) and the static hosts."""
    from rmmkit.declared.resolve import resolve_host, site_scope, site_view

    inventory = _load(inventory_path)
    sites = []
    for site in inventory.sites.values():
        view = site_view(inventory, site.name)
        sites.append(
            {
                "site": site.name,
                "ranges": list(site.ranges),
                "excludes": list(site.excludes),
                "addresses": site_scope(site).size,
                "credentials": list(site.credentials),
                "packages": view.packages,
            }
        )
    hosts = []
    for name in inventory.hosts:
        host = resolve_host(inventory, name)
        hosts.append(
            {
                "host": host.name,
                "address": host.address,
                "site": host.site,
                "groups": list(host.groups),
                "packages": list(host.packages),
            }
        )
    if fmt == "json":
        click.echo(json.dumps({"sites": sites, "hosts": hosts}, indent=2))
        return

    def cell(value: Any) -> Any:
        return ", ".join(map(str, value)) if isinstance(value, list) else value

    click.echo(tabulate([{k: cell(v) for k, v in row.items()} for row in sites], headers="keys"))
    if hosts:
        click.echo("")
        click.echo(
            tabulate([{k: cell(v) for k, v in row.items()} for row in hosts], headers="keys")
        )


def effective_rows(host: ResolvedHost) -> list[dict[str, Any]]:
    """``key, value, origin`` rows for ``inventory show`` (secret sources, never values)."""
    from rmmkit.declared.resolve import effective_settings

    origin = host.origins.get
    rows = [
        {
            "key": "address",
            "value": host.address,
            "origin": "declared" if not host.discovered else "a device at this address",
        },
        {"key": "site", "value": host.site or "-", "origin": origin("site", "")},
        {"key": "groups", "value": list(host.groups), "origin": "group membership"},
    ]
    rows += [
        {"key": f"vars.{k}", "value": v, "origin": origin(f"vars.{k}", "")}
        for k, v in sorted(host.vars.items())
    ]
    for index, cred in enumerate(host.credentials, 1):
        source = f"{cred.secret.source}:{cred.secret.key}" if cred.secret else "-"
        user = f"{cred.domain}\\{cred.user}" if cred.domain else cred.user
        rows.append(
            {
                "key": f"credentials[{index}]",
                "value": f"{cred.name} ({cred.kind}, user {user or '-'}, secret from {source})",
                "origin": origin(f"credentials.{cred.name}", ""),
            }
        )
    rows += [
        {"key": f"packages.{p}", "value": "assigned", "origin": origin(f"packages.{p}", "")}
        for p in host.packages
    ]
    rows += [
        {"key": k, "value": "blocked", "origin": v}
        for k, v in host.origins.items()
        if k.startswith("blocked.")
    ]
    rows += [
        {
            "key": f"policies.{p.policy.name}",
            "value": f"{p.policy.category}/{p.policy.type}",
            "origin": origin(f"policies.{p.policy.name}", ""),
        }
        for p in host.policies
    ]
    rows += [
        {"key": f"settings.{t}", "value": s, "origin": "effective (later packages win)"}
        for t, s in effective_settings(host).items()
    ]
    return rows


def _latest_scan_row(db_url: str | None, host: ResolvedHost) -> dict[str, Any] | None:
    """The newest scan row of the host's address in its site (``None``: no store, never seen)."""
    from rmmkit.cli.schedule_options import history_store

    store = history_store(db_url, Path.cwd())
    if store is None:
        return None
    try:
        rows = store.scan_rows(site=host.site, ip_range=host.address)
    finally:
        store.close()
    return rows[-1] if rows else None  # ordered by time seen: the last is the newest


def route_rows(host: ResolvedHost) -> list[dict[str, Any]]:
    """What the scan saw (for a discovered host) and the transport each agent action would use."""
    from rmmkit.agents.routing import AGENT_ACTIONS, agent_route

    rows: list[dict[str, Any]] = []
    seen = host.observed
    if seen is not None:
        where = host.origins.get("observed", "a scan")
        facts = {
            "os": seen.os,
            "resource_type": seen.resource_type,
            "open_ports": list(seen.open_ports),
            "ttl": seen.ttl,
            "ssh_banner": seen.ssh_banner,
            "smb": seen.smb,
            "netbios": seen.netbios,
            "snmp": seen.snmp,
        }
        rows += [
            {"key": f"observed.{k}", "value": v, "origin": where}
            for k, v in facts.items()
            if v not in ("", None, False, [])
        ]
    routes = {action: agent_route(host, action) for action in AGENT_ACTIONS}
    distinct = {(r.transport, r.reason) for r in routes.values()}
    for action, route in routes.items() if len(distinct) > 1 else [("", routes[AGENT_ACTIONS[0]])]:
        value = route.transport or ("invalid" if route.invalid else "none: skipped")
        key = "agent_transport" + (f".{action}" if action else "")
        rows.append({"key": key, "value": value, "origin": route.reason})
    return rows


@inventory_group.command("show")
@click.argument("host")
@_inventory_option
@click.option(
    "--db",
    "db_url",
    envvar="RMMKIT_DB",
    metavar="URL",
    default=None,
    help="Store whose newest scan row of HOST's address is the agent routing's evidence "
    "[env RMMKIT_DB; default .rmmkit/rmmkit.db when it exists].",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def inventory_show(host: str, inventory_path: str, db_url: str | None, fmt: str) -> None:
    """Show what applies to HOST (a name or an address), where from, and its agent transport."""
    from rmmkit.declared.resolve import resolve_discovered
    from rmmkit.declared.selection import resolve_address

    inventory = _load(inventory_path)
    resolved = resolve_address(inventory, host)
    if resolved.discovered:  # a device at an address: the scan's evidence, when there is one
        row = _latest_scan_row(db_url, resolved)
        if row is not None:
            resolved = resolve_discovered(inventory, resolved.site, row)
    rows = effective_rows(resolved) + route_rows(resolved)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"host": resolved.name, "discovered": resolved.discovered, "effective": rows},
                indent=2,
                default=str,
            )
        )
        return
    click.echo(
        f"host {resolved.name}" + (" (as a discovered device)" if resolved.discovered else "")
    )
    click.echo(
        tabulate(
            [[r["key"], _text(r["value"]), r["origin"]] for r in rows],
            headers=["key", "value", "origin"],
        )
    )


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)
