"""The store's tables, in SQLAlchemy Core.

Why Core and not the ORM: every access is a bulk insert or a report query;
rows travel as plain dicts to outputs and the portal, and the same
statements run on SQLite and PostgreSQL.

Conventions:

* Times are ``Float`` seconds since the epoch (UTC), like
  :class:`rmmkit.results.TaskResult`; they compare and sort the same on both
  backends and never meet a naive/aware datetime mix-up.
* Every table that a worker may write twice (a retry after a crash, a
  resumed run) has a natural unique key, and writes are upserts on it: a
  retried write never duplicates a row.
* ``ip_key`` is the address as 32 hex digits (IPv4 mapped into IPv6), so an
  IP range filter is an indexed ``BETWEEN`` on text for both families.
* Variable data (task data, causes, scan sources) lives in JSON columns
  (JSONB on PostgreSQL) to keep rows compact.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# none_as_null: Python None is SQL NULL (so COALESCE and IS NULL work), not JSON "null"
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
Time = sa.Float(precision=53)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column("playbook", sa.Text, nullable=False),
    sa.Column("sites", JSON, nullable=False),
    sa.Column("scope_key", sa.Text, nullable=False),
    sa.Column("check_mode", sa.Boolean, nullable=False, default=False),
    sa.Column("hosts", sa.Integer, nullable=False, default=0),
    # running | ok | failed | interrupted | aborted | ...
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("counts", JSON, nullable=True),
    sa.Column("started", Time, nullable=False),
    sa.Column("ended", Time, nullable=True),
    # who runs it: a dead owner (pid gone on its host) makes the run interrupted
    sa.Column("owner_host", sa.Text, nullable=False),
    sa.Column("owner_pid", sa.Integer, nullable=False),
    sa.Column("owner_token", sa.Text, nullable=False),
    sa.Column("heartbeat", Time, nullable=False),
    sa.Column("interrupted_note", sa.Text, nullable=True),
    sa.Index(None, "status", "started"),
    sa.Index(None, "scope_key", "started"),
)

task_results = sa.Table(
    "task_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("task", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("msg", sa.Text, nullable=False, default=""),
    sa.Column("data", JSON, nullable=True),
    sa.Column("diff", JSON, nullable=True),
    sa.Column("causes", JSON, nullable=True),
    sa.Column("started", Time, nullable=False),
    sa.Column("ended", Time, nullable=False),
    sa.UniqueConstraint("run_id", "host", "task", "action", "started"),
    sa.Index(None, "host", "started"),
)

site_locks = sa.Table(
    "site_locks",
    metadata,
    sa.Column("site", sa.Text, primary_key=True),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("owner_host", sa.Text, nullable=False),
    sa.Column("owner_pid", sa.Integer, nullable=False),
    sa.Column("owner_token", sa.Text, nullable=False),
    sa.Column("since", Time, nullable=False),
    sa.Column("heartbeat", Time, nullable=False),
)

scans = sa.Table(
    "scans",
    metadata,
    sa.Column("scan_id", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("scope_key", sa.Text, nullable=False),
    sa.Column("ranges", JSON, nullable=False),
    sa.Column("excludes", JSON, nullable=False),
    sa.Column("status", sa.String(24), nullable=False),  # running | finished | failed | interrupted
    sa.Column("started", Time, nullable=False),
    sa.Column("ended", Time, nullable=True),
    sa.Column("owner_token", sa.Text, nullable=False),
    sa.Column("heartbeat", Time, nullable=False),
    sa.Index(None, "site", "started"),
)

scan_rows = sa.Table(
    "scan_rows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "scan_id", sa.String(32), sa.ForeignKey("scans.scan_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("ip", sa.String(45), nullable=False),
    sa.Column("ip_key", sa.String(32), nullable=False),
    sa.Column("hostname", sa.Text, nullable=True),
    sa.Column("mac", sa.String(32), nullable=True),
    sa.Column("mac_vendor", sa.Text, nullable=True),
    sa.Column("os", sa.Text, nullable=True),
    sa.Column("agent_status", sa.String(24), nullable=True),
    sa.Column("agent", sa.Text, nullable=True),
    sa.Column("agent_version", sa.Text, nullable=True),
    sa.Column("resource_type", sa.String(32), nullable=True),
    sa.Column("machine_status", sa.String(16), nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("found_by", sa.Text, nullable=True),
    sa.Column("sources", JSON, nullable=True),
    sa.Column("extra", JSON, nullable=True),
    sa.Column("seen_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.UniqueConstraint("scan_id", "ip"),
    sa.Index(None, "site", "ip_key"),
)

deployment_events = sa.Table(
    "deployment_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # sha256 of the event's identity (run, site, host, ip, agent, method, started)
    sa.Column("event_key", sa.String(64), nullable=False, unique=True),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("site", sa.Text, nullable=True),
    sa.Column("host", sa.Text, nullable=True),
    sa.Column("ip", sa.String(45), nullable=True),
    sa.Column("ip_key", sa.String(32), nullable=True),
    sa.Column("agent", sa.Text, nullable=True),
    sa.Column("from_version", sa.Text, nullable=True),
    sa.Column("to_version", sa.Text, nullable=True),
    sa.Column("method", sa.Text, nullable=True),
    sa.Column("started", Time, nullable=False),
    sa.Column("ended", Time, nullable=True),
    sa.Column("result", sa.String(24), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("causes", JSON, nullable=True),
    sa.Index(None, "site", "started"),
    sa.Index(None, "host", "started"),
)

facts = sa.Table(
    "facts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("data", JSON, nullable=False),
    sa.Column("collected_at", Time, nullable=False),
    sa.UniqueConstraint("host", "site", "kind", "collected_at"),
    sa.Index(None, "kind", "site", "host"),
)

schedule_runs = sa.Table(
    "schedule_runs",
    metadata,
    sa.Column("schedule_id", sa.Text, primary_key=True),
    sa.Column("due_at", Time, primary_key=True),
    sa.Column("status", sa.String(24), nullable=False),  # claimed | ok | failed | ...
    sa.Column("claimed_by", sa.Text, nullable=False),
    sa.Column("owner_token", sa.Text, nullable=False),
    sa.Column("claimed_at", Time, nullable=False),
    sa.Column("finished_at", Time, nullable=True),
)

ALL_TABLES = (
    runs,
    task_results,
    site_locks,
    scans,
    scan_rows,
    deployment_events,
    facts,
    schedule_runs,
)
