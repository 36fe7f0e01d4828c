"""``rmmkit report …``: every report of :mod:`rmmkit.reports`, rendered for the terminal.

Why one module: each command only parses its filters, asks the report's
query for a :class:`~rmmkit.reports.base.Table` and renders it; the rows
and columns are the report layer's, shared with every other front end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from dateutil import parser as dateparser

from rmmkit.cli.groups import report
from rmmkit.cli.runs import db_option
from rmmkit.cli.schedule_options import declared_options, load_entries, parse_from, project_of
from rmmkit.errors import InputError
from rmmkit.reports.base import Table
from rmmkit.reports.network_devices import KINDS

FORMATS = ("table", "json", "csv", "jsonl")
format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)


def parse_when(value: str | None, option: str) -> float | None:
    """``--since``/``--until`` as seconds since the epoch (ISO 8601; naive means local time)."""
    if value is None:
        return None
    try:
        return dateparser.isoparse(value).timestamp()
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not a date",
            expected="ISO 8601, e.g. 2026-01-31 or 2026-01-31T08:00",
        ) from None


def checked_range(ip_range: str | None) -> str | None:
    """A clear one-line error for a bad ``--ip-range`` before the store is touched."""
    if ip_range is not None:
        from rmmkit.declared.scope import parse_range

        parse_range(ip_range)
    return ip_range


def show(table: Table, fmt: str) -> None:
    from rmmkit.reports.render import render

    render(table, fmt, sys.stdout)
    sys.stdout.flush()
    for note in table.notes:
        click.echo(f"note: {note}", err=True)


@report.command("scan-details")
@click.option("--site", default=None)
@click.option("--resource", default=None, help="Resource type: desktop, server, printer, ups, …")
@click.option("--ip-range", default=None, metavar="RANGE", help="10.0.0.0/24 or 10.0.0.5-10.0.0.9")
@click.option("--since", default=None, metavar="DATE")
@click.option("--until", default=None, metavar="DATE")
@click.option("--scan", "scan_id", default=None, help="Only this scan (id or unique prefix).")
@click.option("--online", is_flag=True, help="Only rows of hosts that were online.")
@click.option(
    "--latest", is_flag=True, help="Only each site's newest finished scan (one row per address)."
)
@click.option("-v", "--verbose", is_flag=True, help="Table/CSV: add the probe notes column.")
@format_option
@db_option
def scan_details(
    site: str | None,
    resource: str | None,
    ip_range: str | None,
    since: str | None,
    until: str | None,
    scan_id: str | None,
    online: bool,
    latest: bool,
    verbose: bool,
    fmt: str,
    db_url: str | None,
    project_dir: Path | None,
) -> None:
    """Rows of prior scans, filterable by site, resource, IP range and date range."""
    if latest and scan_id:
        raise InputError(
            "--latest and --scan both pick the scans to show",
            expected="one of --latest (each site's newest scan) or --scan ID",
        )
    from rmmkit.reports import scan_details as details
    from rmmkit.store import open_store

    filters = {"site": site, "resource": resource, "ip_range": checked_range(ip_range),
               "since": parse_when(since, "--since"), "until": parse_when(until, "--until"),
               "scan_id": scan_id, "online": online, "latest": latest,
               "verbose": verbose}  # fmt: skip
    with open_store(db_url, project_dir) as store:
        if scan_id:  # a unique prefix (≥ 4 characters) names the scan, as in git
            filters["scan_id"] = store.resolve_scan_id(scan_id)
        table = details.query(store, **filters)  # type: ignore[arg-type]
    show(table, fmt)


@report.command("scan-history")
@click.option("--site", default=None)
@click.option("--host", default=None, help="Host name.")
@click.option("--ip-range", default=None, metavar="RANGE", help="10.0.0.0/24 or 10.0.0.5-10.0.0.9")
@click.option("--since", default=None, metavar="DATE")
@click.option("--until", default=None, metavar="DATE")
@format_option
@db_option
def scan_history(
    site: str | None,
    host: str | None,
    ip_range: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    db_url: str | None,
    project_dir: Path | None,
) -> None:
    """Agent deployment events (install, update, uninstall attempts), oldest first."""
    from rmmkit.reports import scan_history as history
    from rmmkit.store import open_store

    checked_range(ip_range)
    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    with open_store(db_url, project_dir) as store:
        table = history.query(
            store, site=site, host=host, ip_range=ip_range, since=start, until=end
        )
    show(table, fmt)


@report.command("scan-config")
@declared_options
@click.option("--site", "sites", multiple=True, help="Only these sites (repeatable).")
@click.option(
    "-n",
    "--count",
    type=click.IntRange(1, 100),
    default=3,
    show_default=True,
    help="Next runs shown per schedule.",
)
@click.option("--from", "start", metavar="ISO", help="Next runs after this moment (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@format_option
def scan_config(
    project_dir: Path | None,
    playbook_paths: tuple[Path, ...],
    inventory: Path | None,
    sites: tuple[str, ...],
    count: int,
    start: str | None,
    as_json: bool,
    fmt: str,
) -> None:
    """Every schedule by site: ranges, excludes, credential names, frequency, next runs."""
    from rmmkit.reports import scan_config as config

    project, now = project_of(project_dir), parse_from(start)
    entries = load_entries(project, playbook_paths, inventory)
    show(config.query(entries, now, count, set(sites)), "json" if as_json else fmt)


@report.command("network-devices")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="The network-device tab.")
@click.option("--site", default=None)
@format_option
@db_option
def network_devices(
    kind: str, site: str | None, fmt: str, db_url: str | None, project_dir: Path | None
) -> None:
    """Network devices of one kind (UPS, printer, firewall, router, switch, Linux, ICMP, SNMP)."""
    from rmmkit.reports import network_devices as devices
    from rmmkit.store import open_store

    with open_store(db_url, project_dir) as store:
        table = devices.query(store, kind, site=site)
    show(table, fmt)
