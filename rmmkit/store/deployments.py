"""Deployment events: one install/update attempt of an agent on one host.

Why an ``event_key``: an event is often written twice — once when the
attempt starts, again when it ends — and a retried write must not add a
row.  The key hashes what identifies the attempt (run, site, host, ip,
agent, method, start time); later writes with the same key complete the
row instead of adding one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from rmmkit.errors import StoreError
from rmmkit.store.addresses import canonical
from rmmkit.store.base import StoreBase, TimeLike, matching, to_epoch
from rmmkit.store.runs import upsert
from rmmkit.store.tables import deployment_events

IDENTITY = ("run_id", "site", "host", "ip", "agent", "method", "started")
TEXT_FIELDS = (
    "run_id",
    "site",
    "host",
    "ip",
    "agent",
    "from_version",
    "to_version",
    "method",
    "result",
    "error",
)
UPDATABLE = ("ended", "result", "error", "causes", "from_version", "to_version")


def event_key(event: dict[str, Any]) -> str:
    identity = {k: event.get(k) for k in IDENTITY}
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


class DeploymentsMixin(StoreBase):
    def add_deployment_event(self, event: dict[str, Any]) -> None:
        """Record (or complete) one attempt; ``started`` defaults to now."""
        row = _normalise(event, self.now())
        self.submit(lambda conn: _upsert(conn, row))

    def deployment_events(
        self,
        *,
        site: str | None = None,
        host: str | None = None,
        ip_range: str | list[str] | None = None,
        since: TimeLike = None,
        until: TimeLike = None,
        run_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Events oldest first (the scan-history report's order)."""
        t = deployment_events
        stmt = (
            sa.select(t)
            .order_by(t.c.started, t.c.id)
            .where(
                *matching(
                    t,
                    ip_range=ip_range,
                    time_column=t.c.started,
                    since=since,
                    until=until,
                    site=site,
                    host=host,
                    run_id=run_id,
                )
            )
        )
        out = []
        for row in self.select(stmt):
            for private in ("id", "ip_key", "event_key"):
                row.pop(private)
            row["causes"] = row["causes"] or []
            out.append(row)
        return out


def _normalise(event: dict[str, Any], now: float) -> dict[str, Any]:
    unknown = set(event) - {*TEXT_FIELDS, "started", "ended", "causes"}
    if unknown:
        raise StoreError(
            f"deployment event has unknown keys {sorted(unknown)} "
            f"(expected {', '.join((*TEXT_FIELDS, 'started', 'ended', 'causes'))})"
        )
    row: dict[str, Any] = {
        k: (None if event.get(k) is None else str(event[k])) for k in TEXT_FIELDS
    }
    row["started"] = to_epoch(event.get("started")) or now
    row["ended"] = to_epoch(event.get("ended"))
    row["causes"] = [str(c) for c in event.get("causes") or ()] or None
    row["ip"], row["ip_key"] = canonical(row["ip"]) if row["ip"] else (None, None)
    row["event_key"] = event_key({**row})
    return row


def _upsert(conn: sa.Connection, row: dict[str, Any]) -> None:
    stmt = upsert(conn, deployment_events).values(**row)
    # a later write completes the row; it never blanks what an earlier one recorded
    stmt = stmt.on_conflict_do_update(
        index_elements=["event_key"],
        set_={c: sa.func.coalesce(stmt.excluded[c], deployment_events.c[c]) for c in UPDATABLE},
    )
    conn.execute(stmt)
