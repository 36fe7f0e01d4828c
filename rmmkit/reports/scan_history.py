"""Scan history (the seed's "RMM Scan History"): every agent deployment event, oldest first.

Why versions as one column: "2.9.1 → 3.2.0" says install, update or
uninstall at a glance; the description and likely causes are the seed's
error table, so a technician knows what to fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmmkit.reports.base import Column, Table

if TYPE_CHECKING:
    from rmmkit.store import Store

NAME = "scan-history"
TITLE = "RMM Scan History"

COLUMNS = (
    Column("started", "Started", kind="time"),
    Column("ended", "Ended", kind="time", table=False),
    Column("site", "Site", table=False),
    Column("host", "Host"),
    Column("ip", "IP address"),
    Column("agent", "Agent"),
    Column("change", "From → to"),
    Column("method", "Method"),
    Column("result", "Result"),
    Column("error", "Description", max_width=70),
    Column("causes", "Likely causes", kind="list", max_width=60),
)


def history_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store events → report rows (versions joined as ``from → to``, ``-`` for none)."""
    rows = []
    for e in events:
        change = f"{e.get('from_version') or '-'} → {e.get('to_version') or '-'}"
        rows.append({**e, "change": change, "causes": list(e.get("causes") or [])})
    return rows


def query(
    store: Store,
    *,
    site: str | None = None,
    host: str | None = None,
    ip_range: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> Table:
    events = store.deployment_events(
        site=site, host=host, ip_range=ip_range, since=since, until=until
    )
    filters = {"site": site, "host": host, "ip_range": ip_range, "since": since, "until": until}
    return Table(NAME, COLUMNS, history_rows(events), empty="no deployment events", filters=filters)
