"""Scan details (the seed's "RMM Scan Details"): every address of prior scans, filtered.

Why the same columns as ``rmmkit scan``: a technician reads a live scan and
last night's scan the same way; the report adds which site and scan a row
came from.  Filters: site, resource type, IP range, date range, one scan,
online only; ``latest`` keeps each site's newest finished scan (one row per
address and site) instead of the whole history.  ``verbose`` adds the probe
notes (``extra.notes``: what an identity probe could not learn) as a column;
JSON always carries them, inside ``extra``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from rmmkit.reports.base import Column, Table

if TYPE_CHECKING:
    from rmmkit.store import Store

NAME = "scan-details"
TITLE = "RMM Scan Details"

SCAN_COLUMNS = (
    Column("ip", "IP address"),
    Column("hostname", "Host name"),
    Column("mac", "MAC address"),
    Column("os", "Operating system"),
    Column("agent_status", "Agent status"),
    Column("resource_type", "Resource type"),
    Column("machine_status", "Machine status"),
    Column("description", "Description"),
    Column("mac_vendor", "MAC vendor"),
    Column("found_by", "Found by"),
)
SOURCES = Column("sources", "sources", kind="json", table=False)
NOTES = Column("notes", "Notes", kind="list")
COLUMNS = (*SCAN_COLUMNS, Column("site", "Site"), Column("scan_id", "Scan"), SOURCES)


def with_notes(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows with their probe notes (``extra.notes``) as a top-level ``notes`` cell."""
    for row in rows:
        yield {**row, "notes": (row.get("extra") or {}).get("notes") or []}


def scan_table(
    rows: Iterable[dict[str, Any]], *, online_only: bool = False, verbose: bool = False
) -> Table:
    """One scan's rows as ``rmmkit scan`` prints them (no site or scan column)."""
    if online_only:
        rows = (r for r in rows if r.get("machine_status") == "online")
    columns: tuple[Column, ...] = (*SCAN_COLUMNS, SOURCES)
    if verbose:
        rows, columns = with_notes(rows), (*columns, NOTES)
    return Table(NAME, columns, rows, empty="no address answered")


def query(
    store: Store,
    *,
    scan_id: str | None = None,
    site: str | None = None,
    resource: str | None = None,
    ip_range: str | None = None,
    since: float | None = None,
    until: float | None = None,
    online: bool = False,
    latest: bool = False,
    verbose: bool = False,
) -> Table:
    """Rows of prior scans, oldest scan first, by address within a scan.

    ``latest``: only each site's newest finished scan, by site then address.
    """
    if latest:
        rows = store.latest_scan_rows(
            site=site, resource_type=resource, ip_range=ip_range, since=since, until=until
        )
    else:
        rows = store.scan_rows(
            scan_id, site=site, resource_type=resource, ip_range=ip_range, since=since, until=until
        )
    if online:
        rows = [r for r in rows if r.get("machine_status") == "online"]
    filters = {"site": site, "resource": resource, "ip_range": ip_range, "since": since,
               "until": until, "scan": scan_id, "online": online, "latest": latest}  # fmt: skip
    columns: tuple[Column, ...] = COLUMNS
    if verbose:
        rows, columns = list(with_notes(rows)), (*COLUMNS, NOTES)
    return Table(NAME, columns, rows, empty="no scan rows match", filters=filters)
