"""Scans of a site's ranges and the one row per address each scan saw.

Why rows merge on (scan, ip): discovery, SMB, SNMP and agent checks each
learn something about the same address at different moments; each adds
what it knows and the row keeps the union (``sources`` says which probe
found which fact).  A retried batch therefore never duplicates a row.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rmmkit.errors import StoreError
from rmmkit.store.addresses import canonical, ip_key
from rmmkit.store.base import StoreBase, TimeLike, matching
from rmmkit.store.ids import resolve_id
from rmmkit.store.jsonsafe import clean
from rmmkit.store.runs import upsert
from rmmkit.store.tables import scan_rows, scans

FINISHED = "finished"
ROW_FIELDS = (
    "hostname",
    "mac",
    "mac_vendor",
    "os",
    "agent_status",
    "agent",
    "agent_version",
    "resource_type",
    "machine_status",
    "description",
    "found_by",
)
MERGED_FIELDS = ("sources", "extra")


class ScansMixin(StoreBase):
    def begin_scan(
        self, site: str, ranges: list[str], excludes: list[str], run_id: str | None = None
    ) -> str:
        scan_id, now, owner = uuid.uuid4().hex, self.now(), self.owner
        with self.write() as conn:
            conn.execute(
                scans.insert().values(
                    scan_id=scan_id,
                    run_id=run_id,
                    site=site,
                    scope_key=site,
                    ranges=[str(r) for r in ranges],
                    excludes=[str(e) for e in excludes],
                    status="running",
                    started=now,
                    owner_token=owner.token,
                    heartbeat=now,
                )
            )
        self._start_heartbeat()
        return scan_id

    def add_scan_rows(self, scan_id: str, rows: list[dict[str, Any]]) -> None:
        """Add or merge rows (keyed by ip) into a scan; durable when this returns."""
        if not rows:
            return
        merged: dict[str, dict[str, Any]] = {}
        for raw in rows:
            row = _normalise(raw)
            merged[row["ip"]] = _merge(merged.get(row["ip"]), row)
        self.submit(lambda conn: self._write_rows(conn, scan_id, list(merged.values())))

    def _write_rows(self, conn: sa.Connection, scan_id: str, rows: list[dict[str, Any]]) -> None:
        site = conn.execute(sa.select(scans.c.site).where(scans.c.scan_id == scan_id)).scalar()
        if site is None:
            raise StoreError(f"no scan {scan_id!r} in the store")
        existing = {
            r["ip"]: dict(r)
            for r in conn.execute(
                sa.select(scan_rows).where(
                    scan_rows.c.scan_id == scan_id,
                    _one_of(conn, scan_rows.c.ip, [r["ip"] for r in rows]),
                )
            ).mappings()
        }
        now, values = self.now(), []
        for row in rows:
            old = existing.get(row["ip"])
            full = _merge(old, row)
            values.append(
                {
                    **{f: full.get(f) for f in (*ROW_FIELDS, *MERGED_FIELDS)},
                    "scan_id": scan_id,
                    "site": site,
                    "ip": row["ip"],
                    "ip_key": row["ip_key"],
                    "updated_at": now,
                    "seen_at": old["seen_at"] if old else now,
                }
            )
        stmt = upsert(conn, scan_rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["scan_id", "ip"],
            set_={c: stmt.excluded[c] for c in (*ROW_FIELDS, *MERGED_FIELDS, "updated_at")},
        )
        conn.execute(stmt, values)

    def finish_scan(self, scan_id: str, status: str = FINISHED) -> None:
        with self.write() as conn:
            done = conn.execute(
                scans.update()
                .where(scans.c.scan_id == scan_id)
                .values(status=str(status), ended=self.now())
            )
            if done.rowcount == 0:
                raise StoreError(f"no scan {scan_id!r} in the store")

    # -- queries ----------------------------------------------------------
    def resolve_scan_id(self, given: str) -> str:
        """The full id of the scan ``given`` names: the id itself or a unique prefix (≥ 4)."""
        hint = "`rmmkit report scan-details` or `rmmkit scan`"
        return resolve_id(self, scans.c.scan_id, given, noun="scan", hint=hint)

    def scans(
        self, site: str | None = None, since: TimeLike = None, until: TimeLike = None
    ) -> list[dict[str, Any]]:
        """Scans newest first, each with its row counts (``hosts``, ``online``)."""
        self.reap_dead()  # a scan whose process died reads "interrupted", not "running"
        online = sa.func.sum(sa.case((_online(), 1), else_=0))
        counts = (
            sa.select(scan_rows.c.scan_id, sa.func.count().label("hosts"), online.label("online"))
            .group_by(scan_rows.c.scan_id)
            .subquery()
        )
        stmt = (
            sa.select(scans, counts.c.hosts, counts.c.online)
            .outerjoin(counts, counts.c.scan_id == scans.c.scan_id)
            .order_by(scans.c.started.desc())
        )
        stmt = stmt.where(
            *matching(scans, time_column=scans.c.started, since=since, until=until, site=site)
        )
        out = []
        for row in self.select(stmt):
            row.pop("owner_token")
            row.pop("heartbeat")
            row["hosts"], row["online"] = row["hosts"] or 0, int(row["online"] or 0)
            out.append(row)
        return out

    def scan_rows(
        self,
        scan_id: str | None = None,
        *,
        site: str | None = None,
        resource_type: str | None = None,
        ip_range: str | list[str] | None = None,
        since: TimeLike = None,
        until: TimeLike = None,
    ) -> list[dict[str, Any]]:
        """Rows of one scan or of every scan matching the filters, by time then address."""
        stmt = (
            sa.select(scan_rows)
            .order_by(scan_rows.c.seen_at, scan_rows.c.ip_key)
            .where(
                *matching(
                    scan_rows,
                    ip_range=ip_range,
                    time_column=scan_rows.c.seen_at,
                    since=since,
                    until=until,
                    scan_id=scan_id,
                    site=site,
                    resource_type=resource_type,
                )
            )
        )
        return [_public_row(r) for r in self.select(stmt)]

    def latest_hosts(self, site: str) -> list[dict[str, Any]]:
        """Online rows of the site's most recent finished scan (no machine_status = online)."""
        latest = (
            sa.select(scans.c.scan_id)
            .where(scans.c.site == site, scans.c.status == FINISHED)
            .order_by(scans.c.started.desc())
            .limit(1)
            .scalar_subquery()
        )
        stmt = (
            sa.select(scan_rows)
            .where(scan_rows.c.scan_id == latest, _online())
            .order_by(scan_rows.c.ip_key)
        )
        return [_public_row(r) for r in self.select(stmt)]

    def latest_scan_rows(
        self,
        *,
        site: str | None = None,
        resource_type: str | None = None,
        ip_range: str | list[str] | None = None,
        since: TimeLike = None,
        until: TimeLike = None,
    ) -> list[dict[str, Any]]:
        """Rows of each site's newest finished scan (started within since/until), by site, ip."""
        rank = sa.func.row_number().over(
            partition_by=scans.c.site, order_by=(scans.c.started.desc(), scans.c.scan_id.desc())
        )
        ranked = (
            sa.select(scans.c.scan_id, rank.label("rank"))
            .where(
                scans.c.status == FINISHED,
                *matching(scans, time_column=scans.c.started, since=since, until=until, site=site),
            )
            .subquery()
        )
        newest = sa.select(ranked.c.scan_id).where(ranked.c.rank == 1)
        stmt = (
            sa.select(scan_rows)
            .where(
                scan_rows.c.scan_id.in_(newest),
                *matching(scan_rows, ip_range=ip_range, resource_type=resource_type),
            )
            .order_by(scan_rows.c.site, scan_rows.c.ip_key)
        )
        return [_public_row(r) for r in self.select(stmt)]

    def update_agent_status(
        self,
        site: str,
        ip: str,
        agent_status: str,
        agent: str | None = None,
        version: str | None = None,
        description: str | None = None,
    ) -> bool:
        """Set the agent status on the newest scan row of ``ip``; False if never scanned.

        ``description`` (the seed's column) is written when given: an install
        error's text, or ``""`` to clear it after a success; None leaves it.
        """
        key = ip_key(ip)
        newest = (
            sa.select(scan_rows.c.id)
            .join(scans, scans.c.scan_id == scan_rows.c.scan_id)
            .where(scan_rows.c.site == site, scan_rows.c.ip_key == key)
            .order_by(scans.c.started.desc(), scan_rows.c.id.desc())
            .limit(1)
        )
        changes: dict[str, Any] = {"agent_status": agent_status, "updated_at": self.now()}
        if agent is not None:
            changes["agent"] = agent
        if version is not None:
            changes["agent_version"] = version
        if description is not None:
            changes["description"] = description
        with self.write() as conn:
            row_id = conn.execute(newest).scalar()
            if row_id is None:
                return False
            conn.execute(scan_rows.update().where(scan_rows.c.id == row_id).values(**changes))
        return True


def _one_of(conn: sa.Connection, column: Any, values: list[str]) -> sa.ColumnElement[bool]:
    """``column IN (…)``; one array parameter on PostgreSQL (thousands of binds plan slowly)."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.literal(values, postgresql.ARRAY(sa.String)))
    return column.in_(values)


def _online() -> sa.ColumnElement[bool]:
    return sa.or_(scan_rows.c.machine_status.is_(None), scan_rows.c.machine_status == "online")


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Known keys to columns, unknown keys into ``extra``; statuses lower-case."""
    if not raw.get("ip"):
        raise StoreError(f"scan row without an ip: keys {sorted(raw)}")
    text, key = canonical(raw["ip"])
    row: dict[str, Any] = {"ip": text, "ip_key": key}
    extra = dict(raw.get("extra") or {})
    for key, value in raw.items():
        if key in ROW_FIELDS:
            row[key] = None if value is None else str(value)
        elif key not in ("ip", "extra", "sources", "ip_key", "scan_id", "site"):
            extra[key] = value
    for key in ("machine_status", "agent_status"):
        if row.get(key):
            row[key] = row[key].strip().lower()
    row["sources"] = clean(raw.get("sources") or {})
    row["extra"] = clean(extra)
    return row


def _merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """New non-empty values win; ``sources``/``extra`` are merged key by key."""
    if old is None:
        return dict(new)
    out = dict(old)
    for key in ROW_FIELDS:
        if new.get(key) not in (None, ""):
            out[key] = new[key]
    for key in MERGED_FIELDS:
        out[key] = {**(old.get(key) or {}), **(new.get(key) or {})}
    return out


def _public_row(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("id", None)
    row.pop("ip_key", None)
    return row
