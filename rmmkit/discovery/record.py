"""Writing a scan to the store: one row per address, in batches.

Why batches: a /16 is 65,536 rows; one transaction per row would take
minutes, one giant transaction would hold them all in memory twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rmmkit.store import Store

BATCH = 2000


def record_scan(
    store: Store,
    site: str,
    ranges: list[str],
    excludes: list[str],
    rows: Iterable[dict[str, Any]],
    *,
    run_id: str | None = None,
) -> str:
    """Store every row under a new scan of ``site``; returns the scan id."""
    scan_id = store.begin_scan(site, ranges, excludes, run_id=run_id)
    batch: list[dict[str, Any]] = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                store.add_scan_rows(scan_id, batch)
                batch = []
        store.add_scan_rows(scan_id, batch)
    except BaseException:
        store.finish_scan(scan_id, "failed")
        raise
    store.finish_scan(scan_id, "finished")
    return scan_id
