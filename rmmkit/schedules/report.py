"""The scan configuration report: every schedule by site (the seed's "RMM Scan Configuration").

Why credential *names* only: the report is shared with people who must not
see secrets; the inventory holds names, and the values never leave their
source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .catalog import Entry
from .rrules import next_runs


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
