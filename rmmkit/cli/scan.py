"""``rmmkit scan RANGE…`` (ad-hoc discovery) and ``rmmkit scan diff``.

Why a group that also takes ranges: ``rmmkit scan 10.0.0.0/24`` is the
command people type; ``rmmkit scan diff`` is its sibling.  Anything that is
not a subcommand name is handed to the hidden ``run`` subcommand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from rmmkit.cli.groups import cli
from rmmkit.cli.runs import db_option
from rmmkit.cli.scan_events import ScanEvents
from rmmkit.errors import InputError


class _ScanGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@cli.group("scan", cls=_ScanGroup)
def scan_group() -> None:
    """Discover hosts: rmmkit scan RANGE… [--exclude R] [--site S] [options]; or scan diff.

    RANGE is 10.0.0.5, 10.0.0.10-10.0.0.200 or 10.0.0.0/24.  Every address
    gets one row (online/offline) in the store; see `rmmkit scan run --help`.
    """


@scan_group.command("run", hidden=False)
@click.argument("ranges", nargs=-1)
@click.option("--exclude", "excludes", multiple=True, metavar="RANGE", help="Never touch these.")
@click.option("--site", default=None, help="Declared site: its ranges, excludes, SNMP communities.")
@click.option(
    "-i",
    "--inventory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="RMMKIT_INVENTORY",
    help="Inventory file declaring --site.",
)
@click.option(
    "--ports",
    default=None,
    metavar="P,P…",
    help="TCP ports probed when ICMP stays silent ('none': ICMP only).",
)
@click.option(
    "--max-rate",
    type=click.FloatRange(min=1),
    default=5000.0,
    show_default=True,
    help="Packets per second, all probes together.",
)
@click.option("--retries", type=click.IntRange(0, 10), default=1, show_default=True)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds an address has to answer after its first packet.",
)
@click.option("--ping-only", is_flag=True, help="Liveness only, no identity (like nmap -sn).")
@click.option(
    "--dns",
    "dns_servers",
    multiple=True,
    metavar="IP",
    help="Resolver for reverse DNS (default: the site's dns, else the system's).",
)
@click.option("--no-dns", is_flag=True, help="No reverse DNS.")
@click.option("-v", "--verbose", is_flag=True, help="Table/CSV: add the probe notes column.")
@click.option("--list", "list_only", is_flag=True, help="Print the exact targets; send nothing.")
@click.option("--all", "show_all", is_flag=True, help="Table: show offline addresses too.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--no-store", is_flag=True, help="Do not record the scan in the store.")
@db_option
def scan_run(
    ranges: tuple[str, ...],
    excludes: tuple[str, ...],
    site: str | None,
    inventory: Path | None,
    ports: str | None,
    max_rate: float,
    retries: int,
    timeout: float,
    ping_only: bool,
    dns_servers: tuple[str, ...],
    no_dns: bool,
    verbose: bool,
    list_only: bool,
    show_all: bool,
    fmt: str,
    no_store: bool,
    db_url: str | None,
    project_dir: Path | None,
) -> None:
    """Scan RANGE… (or the ranges of --site) and print one row per address."""
    from rmmkit.discovery.api import ScanRequest, execute

    declared, secrets = None, None
    if site and inventory is not None:  # the site's SNMP credentials need the secret sources
        from rmmkit.declared.loader import load_inventory
        from rmmkit.run.session import Session

        declared = load_inventory(inventory)
        secrets = Session.create(inventory=declared).secrets
    request = ScanRequest(
        ranges=list(ranges),
        excludes=list(excludes),
        site=site,
        inventory=declared,
        secrets=secrets,
        ports=ports,
        max_rate=max_rate,
        retries=retries,
        timeout=timeout,
        ping_only=ping_only,
        dns_servers=list(dns_servers) if dns_servers else None,
        rdns=not no_dns,
    )
    scope, site_name, prepared = request.prepare()
    if list_only:
        if prepared.resolvers.servers:  # not targets, but touched (port 53): say so
            click.echo(f"note: {prepared.resolvers.describe()}, port 53 only", err=True)
        targets = list(scope)
        if fmt == "json":
            click.echo(json.dumps(targets))
        else:
            click.echo("\n".join(targets))
        return
    events = ScanEvents(sys.stdout if fmt == "jsonl" else None, progress=fmt != "jsonl")
    store = None
    if not no_store:
        from rmmkit.store import open_store

        store = open_store(db_url, project_dir)
    try:
        outcome = execute(prepared, scope, events.emit, store=store, site=site_name)
    finally:
        events.close()
        if store is not None:
            store.close()
    if fmt == "jsonl":
        for row in outcome.rows():
            events.host(row)
    else:
        from rmmkit.reports.render import render
        from rmmkit.reports.scan_details import scan_table

        table = scan_table(
            outcome.rows(), online_only=fmt == "table" and not show_all, verbose=verbose
        )
        render(table, fmt, sys.stdout)
    if fmt == "jsonl":
        events.emit(outcome.finish_event(site_name, prepared.notes))
    if fmt != "jsonl":  # a one-line summary on stderr; jsonl has it as the scan_finish event
        sys.stdout.flush()
        for note in outcome.finish_event(site_name, prepared.notes)["notes"]:
            click.echo(f"note: {note}", err=True)
        for server, names in outcome.result.resolvers.items():
            click.echo(f"note: reverse dns: {server} gave {names} names", err=True)
        took = outcome.result.ended - outcome.result.started
        click.echo(
            f"{outcome.alive_count} online of {len(outcome.targets)} addresses in "
            f"{took:.2f} s ({outcome.result.sweep.packets} packets)"
            + (f"; scan {outcome.scan_id}" if outcome.scan_id else ""),
            err=True,
        )


@scan_group.command("diff")
@click.option("--site", default=None, help="Site whose two latest finished scans are compared.")
@click.argument("scans", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
def scan_diff(
    site: str | None, scans: tuple[str, ...], fmt: str, db_url: str | None, project_dir: Path | None
) -> None:
    """New / gone / changed hosts between SCAN_A and SCAN_B (default: the site's last two)."""
    from rmmkit.discovery.diff import diff_scans, pick_scans
    from rmmkit.store import open_store

    if len(scans) not in (0, 2):
        raise InputError(
            f"scan diff takes two scan ids, got {len(scans)}",
            expected="SCAN_A SCAN_B, or --site S for its two latest scans",
        )
    store = open_store(db_url, project_dir)
    try:
        older, newer = pick_scans(store, site, scans)
        changes = diff_scans(store.scan_rows(older), store.scan_rows(newer))
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps({"from": older, "to": newer, **changes}, indent=2, default=str))
        return
    _print_diff(older, newer, changes)


def _print_diff(older: str, newer: str, changes: dict[str, Any]) -> None:
    from tabulate import tabulate

    click.echo(
        f"scan {older} → {newer}: {len(changes['new'])} new, {len(changes['gone'])} gone, "
        f"{len(changes['changed'])} changed"
    )
    table = [
        ["new", r["ip"], r.get("hostname", ""), r.get("resource_type", "")] for r in changes["new"]
    ]
    table += [
        ["gone", r["ip"], r.get("hostname", ""), r.get("resource_type", "")]
        for r in changes["gone"]
    ]
    table += [
        [
            "changed",
            c["ip"],
            ", ".join(f"{k}: {v[0]!r} → {v[1]!r}" for k, v in c["fields"].items()),
            "",
        ]
        for c in changes["changed"]
    ]
    if table:
        click.echo(tabulate(table, headers=["change", "ip", "what", "type"]))
