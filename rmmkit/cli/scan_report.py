"""``rmmkit report scan-details``: prior scans' rows, filtered (the seed's Scan Details report).

Why on top of ``Store.scan_rows``: the filters (site, resource, IP range,
date range) are queries the store already answers; this module only parses
options and prints the same columns as ``rmmkit scan``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from dateutil import parser as dateparser

from rmmkit.cli.groups import report
from rmmkit.cli.scan_render import render_rows
from rmmkit.cli.store_cmd import db_option
from rmmkit.errors import InputError


def _when(value: str | None, option: str) -> float | None:
    if value is None:
        return None
    try:
        return dateparser.isoparse(value).timestamp()
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date",
                         expected="ISO 8601, e.g. 2026-01-31 or 2026-01-31T08:00") from None


@report.command("scan-details")
@click.option("--site", default=None)
@click.option("--resource", default=None, help="Resource type: desktop, server, printer, ups, …")
@click.option("--ip-range", default=None, metavar="RANGE", help="10.0.0.0/24 or 10.0.0.5-10.0.0.9")
@click.option("--since", default=None, metavar="DATE")
@click.option("--until", default=None, metavar="DATE")
@click.option("--scan", "scan_id", default=None, help="Only this scan.")
@click.option("--online", is_flag=True, help="Only rows of hosts that were online.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def scan_details(site: str | None, resource: str | None, ip_range: str | None, since: str | None,
                 until: str | None, scan_id: str | None, online: bool, fmt: str,
                 db_url: str | None, project_dir: Path | None) -> None:
    """Rows of prior scans, filterable by site, resource, IP range and date range."""
    from rmmkit.scope import parse_range
    from rmmkit.store import open_store

    if ip_range is not None:
        parse_range(ip_range)  # a clear one-line error before touching the store
    start, end = _when(since, "--since"), _when(until, "--until")
    store = open_store(db_url, project_dir)
    try:
        rows = store.scan_rows(scan_id, site=site, resource_type=resource, ip_range=ip_range,
                               since=start, until=end)
    finally:
        store.close()
    if online:
        rows = [r for r in rows if r.get("machine_status") == "online"]
    extra = (("site", "Site"), ("scan_id", "Scan"))
    render_rows(rows, fmt, sys.stdout, show_all=True, extra_columns=extra)
