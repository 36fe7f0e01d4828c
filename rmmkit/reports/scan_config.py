"""Scan configuration (the seed's "RMM Scan Configuration"): every schedule by site.

Why a query over declared state, not the store: schedules live in git; the
report says what each site's playbooks will scan and when, and the file:line
that declares it (change it there).  Credential *names* only: the report is
shared with people who must not see secrets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rmmkit.reports.base import Column, Table
from rmmkit.schedules.catalog import Entry
from rmmkit.schedules.rrules import next_runs

NAME = "scan-config"
TITLE = "RMM Scan Configuration"

COLUMNS = (
    Column("site", "Site"),
    Column("schedule", "Schedule"),
    Column("ranges", "Ranges", kind="list"),
    Column("excludes", "Excludes", kind="list"),
    Column("credentials", "Credentials", kind="list"),
    Column("frequency", "Frequency"),
    Column("next_runs", "Next runs", kind="list"),
    Column("playbook", "Playbook", table=False),
    Column("misfire", "Misfire policy", table=False),
    Column("declared_at", "Declared at", table=False),
)


def scan_config_rows(
    entries: Sequence[Entry], now: dt.datetime, count: int = 3, sites: set[str] | None = None
) -> list[dict[str, Any]]:
    """One row per (site, schedule), sorted by site; a schedule of bare ranges has site ``-``."""
    rows = []
    for entry in entries:
        upcoming = [r.isoformat(timespec="minutes") for r in next_runs(entry.schedule, now, count)]
        common = {
            "schedule": entry.id,
            "playbook": entry.playbook.name,
            "frequency": entry.schedule.describe(),
            "misfire": entry.schedule.misfire_policy,
            "next_runs": upcoming,
            "declared_at": str(entry.schedule.location),
        }
        for site in entry.sites or (None,):
            name = site.name if site is not None else "-"
            if sites and name not in sites:
                continue
            ranges = list(site.ranges) if site is not None else []
            rows.append(
                {
                    "site": name,
                    **common,
                    "ranges": ranges + list(entry.playbook.targets.ranges),
                    "excludes": list(site.excludes) if site is not None else [],
                    "credentials": list(site.credentials) if site is not None else [],
                }
            )
    return sorted(rows, key=lambda r: (r["site"], r["schedule"]))


def query(
    entries: Sequence[Entry], now: dt.datetime, count: int = 3, sites: set[str] | None = None
) -> Table:
    """The schedules of ``entries`` (scheduled playbooks) by site, with ``count`` next runs."""
    rows = scan_config_rows(entries, now, count, sites)
    filters = {"site": sorted(sites or ()), "from": now.isoformat(timespec="minutes")}
    return Table(NAME, COLUMNS, rows, empty="no scheduled scans", filters=filters)
