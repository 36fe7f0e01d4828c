"""Runs and their per-host task results; detecting runs whose process died.

Why results are upserts on (run, host, task, action, started): a worker that
retries a write after a lost connection, or a resumed run that re-sends what
it already recorded, must not create a second row.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from rmmkit.errors import StoreError
from rmmkit.results import TaskResult
from rmmkit.store.base import StoreBase, TimeLike, matching
from rmmkit.store.ids import resolve_id
from rmmkit.store.owner import owner_is_dead
from rmmkit.store.tables import runs, scans, site_locks, task_results

RUNNING = "running"
INTERRUPTED = "interrupted"


def upsert(conn: sa.Connection | sa.Dialect, table: sa.Table) -> Any:
    """The dialect's ``INSERT … ON CONFLICT`` constructor for ``table``."""
    dialect = conn if isinstance(conn, sa.Dialect) else conn.dialect
    module = postgresql if dialect.name == "postgresql" else sqlite
    return module.insert(table)


def scope_of(sites: list[str]) -> str:
    return ",".join(sorted(sites))


class RunsMixin(StoreBase):
    def begin_run(
        self, playbook: str, sites: list[str], check: bool, hosts: int, *, run_id: str | None = None
    ) -> str:
        """Record a new run as ``running``, owned by this process; returns its id."""
        run_id = run_id or uuid.uuid4().hex
        owner, now = self.owner, self.now()
        with self.write() as conn:
            self._reap_dead(conn)
            conn.execute(
                runs.insert().values(
                    run_id=run_id,
                    playbook=str(playbook),
                    sites=list(sites),
                    scope_key=scope_of(sites),
                    check_mode=bool(check),
                    hosts=int(hosts),
                    status=RUNNING,
                    started=now,
                    owner_host=owner.host,
                    owner_pid=owner.pid,
                    owner_token=owner.token,
                    heartbeat=now,
                )
            )
            _link_locks(conn, list(sites), owner.token, run_id)
        self._start_heartbeat()
        return run_id

    def resume_run(self, run_id: str) -> set[tuple[str, str]]:
        """Take over an interrupted run; returns the (host, task) pairs it already recorded."""
        owner, now = self.owner, self.now()
        with self.write() as conn:
            self._reap_dead(conn)
            found = conn.execute(sa.select(runs.c.status).where(runs.c.run_id == run_id)).first()
            if found is None:
                raise StoreError(f"no run {run_id!r} in the store")
            if found.status != INTERRUPTED:
                raise StoreError(
                    f"run {run_id} is {found.status}, only an interrupted run can be resumed"
                )
            conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(
                    status=RUNNING,
                    ended=None,
                    owner_host=owner.host,
                    owner_pid=owner.pid,
                    owner_token=owner.token,
                    heartbeat=now,
                )
            )
            sites = conn.execute(sa.select(runs.c.sites).where(runs.c.run_id == run_id)).scalar()
            _link_locks(conn, list(sites or []), owner.token, run_id)
            done = conn.execute(
                sa.select(task_results.c.host, task_results.c.task).where(
                    task_results.c.run_id == run_id
                )
            )
            pairs = {(row.host, row.task) for row in done}
        self._start_heartbeat()
        return pairs

    def facts_recorded(self, run_id: str, actions: set[str]) -> dict[str, dict[str, Any]]:
        """Per host, the facts that ``actions`` (those that set facts) stored in ``run_id``.

        Why: a resumed run skips the tasks already recorded, so the variables
        they set must come back from the store, in the order they were set.
        """
        if not actions:
            return {}
        stmt = (
            sa.select(task_results.c.host, task_results.c.data)
            .where(
                task_results.c.run_id == run_id,
                task_results.c.action.in_(sorted(actions)),
                task_results.c.status.in_(("ok", "changed")),
            )
            .order_by(task_results.c.started)
        )
        facts: dict[str, dict[str, Any]] = {}
        for row in self.select(stmt):
            found = (row["data"] or {}).get("facts")
            if isinstance(found, dict):
                facts.setdefault(row["host"], {}).update(found)
        return facts

    def record_task_result(self, run_id: str, result: TaskResult) -> None:
        """Store one result durably (group-committed with other threads' results)."""
        self.record_task_results(run_id, [result])

    def record_task_results(self, run_id: str, results: list[TaskResult]) -> None:
        self.submit_rows(_upsert_results, [_result_row(run_id, r) for r in results])

    def finish_run(self, run_id: str, status: str, counts: dict[str, Any]) -> None:
        with self.write() as conn:
            done = conn.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(status=str(status), counts=dict(counts), ended=self.now())
            )
            if done.rowcount == 0:
                raise StoreError(f"no run {run_id!r} in the store")

    # -- queries ----------------------------------------------------------
    def runs(
        self, *, status: str | None = None, since: TimeLike = None, limit: int | None = 50
    ) -> list[dict[str, Any]]:
        """Past runs, newest first (dead ``running`` ones are marked interrupted first)."""
        self.reap_dead()
        stmt = (
            sa.select(runs)
            .order_by(runs.c.started.desc())
            .where(*matching(runs, time_column=runs.c.started, since=since, status=status or None))
        )
        if limit:
            stmt = stmt.limit(limit)
        return [public_run(r) for r in self.select(stmt)]

    def resolve_run_id(self, given: str) -> str:
        """The full id of the run ``given`` names: the id itself or a unique prefix (≥ 4)."""
        return resolve_id(self, runs.c.run_id, given, noun="run", hint="`rmmkit runs`")

    def run(self, run_id: str) -> dict[str, Any] | None:
        rows = self.select(sa.select(runs).where(runs.c.run_id == run_id))
        return public_run(rows[0]) if rows else None

    def interrupted_runs(self) -> list[dict[str, Any]]:
        """Runs whose process died mid-run, newest first, with how far they got."""
        self.reap_dead()
        counted = (
            sa.select(
                task_results.c.run_id,
                sa.func.count().label("results"),
                sa.func.count(sa.distinct(task_results.c.host)).label("hosts_done"),
            )
            .group_by(task_results.c.run_id)
            .subquery()
        )
        stmt = (
            sa.select(runs, counted.c.results, counted.c.hosts_done)
            .outerjoin(counted, counted.c.run_id == runs.c.run_id)
            .where(runs.c.status == INTERRUPTED)
            .order_by(runs.c.started.desc())
        )
        out = []
        for row in self.select(stmt):
            item = public_run(row)
            item["results"] = row["results"] or 0
            item["hosts_done"] = row["hosts_done"] or 0
            out.append(item)
        return out

    def task_results(self, run_id: str) -> list[dict[str, Any]]:
        stmt = (
            sa.select(task_results)
            .where(task_results.c.run_id == run_id)
            .order_by(task_results.c.host, task_results.c.started, task_results.c.id)
        )
        return [{k: v for k, v in row.items() if k != "id"} for row in self.select(stmt)]

    # -- dead owners ------------------------------------------------------
    def reap_dead(self) -> list[dict[str, Any]]:
        """Mark runs and scans of dead processes ``interrupted``; returns the runs marked."""
        with self.read() as conn:
            alive_check = conn.execute(
                sa.select(sa.func.count()).select_from(runs).where(runs.c.status == RUNNING)
            ).scalar_one()
            alive_check += conn.execute(
                sa.select(sa.func.count()).select_from(scans).where(scans.c.status == RUNNING)
            ).scalar_one()
        if not alive_check:
            return []
        with self.write() as conn:
            return self._reap_dead(conn)

    def _reap_dead(self, conn: sa.Connection) -> list[dict[str, Any]]:
        now, marked = self.now(), []
        for row in conn.execute(sa.select(runs).where(runs.c.status == RUNNING)).mappings():
            dead, why = owner_is_dead(row["owner_token"], row["heartbeat"], now)
            if not dead:
                continue
            note = f"{why} (host {row['owner_host']}, pid {row['owner_pid']})"
            conn.execute(
                runs.update()
                .where(runs.c.run_id == row["run_id"], runs.c.status == RUNNING)
                .values(status=INTERRUPTED, ended=row["heartbeat"], interrupted_note=note)
            )
            marked.append({**public_run(row), "status": INTERRUPTED, "interrupted_note": note})
        for row in conn.execute(sa.select(scans).where(scans.c.status == RUNNING)).mappings():
            if owner_is_dead(row["owner_token"], row["heartbeat"], now)[0]:
                conn.execute(
                    scans.update()
                    .where(scans.c.scan_id == row["scan_id"])
                    .values(status=INTERRUPTED, ended=row["heartbeat"])
                )
        return marked


def _link_locks(conn: sa.Connection, sites: list[str], token: str, run_id: str) -> None:
    """Locks this process took before beginning (or resuming) the run now name the run."""
    conn.execute(
        site_locks.update()
        .where(
            site_locks.c.site.in_(sites),
            site_locks.c.owner_token == token,
            site_locks.c.run_id.is_(None),
        )
        .values(run_id=run_id)
    )


def _result_row(run_id: str, r: TaskResult) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "host": r.host,
        "task": r.task,
        "action": r.action,
        "status": getattr(r.status, "value", r.status),
        "msg": r.msg or "",
        "data": r.data or None,
        "diff": r.diff,
        "causes": list(r.causes) or None,
        "started": float(r.started),
        "ended": float(r.ended),
    }


def _upsert_results(dialect: sa.Dialect) -> Any:
    stmt = upsert(dialect, task_results)
    return stmt.on_conflict_do_update(
        index_elements=["run_id", "host", "task", "action", "started"],
        set_={c: stmt.excluded[c] for c in ("status", "msg", "data", "diff", "causes", "ended")},
    )


def public_run(row: Any) -> dict[str, Any]:
    keys = (
        "run_id",
        "playbook",
        "sites",
        "check_mode",
        "hosts",
        "status",
        "counts",
        "started",
        "ended",
        "owner_host",
        "owner_pid",
        "interrupted_note",
        "heartbeat",
    )
    item = {k: row[k] for k in keys}
    item["check"] = item.pop("check_mode")
    return item
