"""Per-site locks: one run per site at a time, dead holders released.

Why a row per site rather than a database advisory lock: the row names its
holder (host, pid, run, since when) so a refused run can say who is in the
way, it works the same on SQLite and PostgreSQL, and it survives the
holder's connection dying — which is exactly when we need to look at it:
a holder whose process is gone (``kill -9``) is detected through its owner
token (see :mod:`rmmkit.store.owner`), its lock is taken over and its run
marked ``interrupted``.  Acquisition never waits, so a second run on a
locked site is refused at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from rmmkit.errors import LockedError, StoreError
from rmmkit.store.base import StoreBase
from rmmkit.store.owner import HEARTBEAT_SECONDS, owner_is_dead
from rmmkit.store.runs import INTERRUPTED, RUNNING, RunsMixin, public_run, upsert
from rmmkit.store.tables import runs, scans, site_locks

log = logging.getLogger("rmmkit.store")


@dataclass
class SiteLock:
    """What ``site_lock`` yields: the sites held and the dead runs it found in the way."""

    sites: list[str]
    holder: str
    interrupted: list[dict[str, Any]] = field(default_factory=list)


def describe_holder(row: Any, now: float) -> str:
    since = dt.datetime.fromtimestamp(row["since"], dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    run = f"run {row['run_id']} ({row['holder']})" if row["run_id"] else repr(row["holder"])
    return (
        f"site {row['site']!r} is locked by {run} on host {row['owner_host']} "
        f"pid {row['owner_pid']} since {since} (last heartbeat {now - row['heartbeat']:.0f} s"
        " ago)"
    )


class LocksMixin(RunsMixin, StoreBase):
    @contextmanager
    def site_lock(self, sites: list[str], holder: str) -> Iterator[SiteLock]:
        """Hold every site in ``sites`` or none; raise :class:`LockedError` naming the holder."""
        wanted = sorted(set(sites))
        lock = SiteLock(wanted, str(holder))
        lock.interrupted = self._acquire(wanted, lock.holder)
        for run in lock.interrupted:
            log.warning(
                "run %s (%s, sites %s) was interrupted: %s",
                run["run_id"],
                run["playbook"],
                ",".join(run["sites"]),
                run["interrupted_note"],
            )
        self._start_heartbeat()
        try:
            yield lock
        finally:
            self._release(wanted, lock.holder)

    def _acquire(self, sites: list[str], holder: str) -> list[dict[str, Any]]:
        owner, now = self.owner, self.now()
        with self.write() as conn:
            interrupted = self._reap_dead(conn)
            is_run = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == holder)).first()
            mine = {
                "holder": holder,
                "run_id": holder if is_run else None,
                "owner_host": owner.host,
                "owner_pid": owner.pid,
                "owner_token": owner.token,
                "since": now,
                "heartbeat": now,
            }
            for site in sites:
                dead_run_id = self._take(conn, site, mine, now)
                if dead_run_id and all(r["run_id"] != dead_run_id for r in interrupted):
                    dead_run = (
                        conn.execute(sa.select(runs).where(runs.c.run_id == dead_run_id))
                        .mappings()
                        .first()
                    )
                    if dead_run is not None and dead_run["status"] == INTERRUPTED:
                        interrupted.append(public_run(dead_run))
            return interrupted

    @staticmethod
    def _take(conn: sa.Connection, site: str, mine: dict[str, Any], now: float) -> str | None:
        """Lock one site (inside the caller's transaction); returns a dead holder's run id."""
        for _attempt in range(3):  # PostgreSQL: the holder may release between our statements
            inserted = conn.execute(
                upsert(conn, site_locks)
                .values(site=site, **mine)
                .on_conflict_do_nothing(index_elements=["site"])
                .returning(site_locks.c.site)
            ).first()
            if inserted is not None:
                return None
            stmt = sa.select(site_locks).where(site_locks.c.site == site)
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            row = conn.execute(stmt).mappings().first()
            if row is None:
                continue
            dead, why = owner_is_dead(row["owner_token"], row["heartbeat"], now)
            if not dead:  # the caller's transaction rolls back the sites taken so far
                raise LockedError(describe_holder(row, now))
            log.warning("taking over the lock of site %r from a dead holder: %s", site, why)
            took = conn.execute(
                site_locks.update()
                .where(site_locks.c.site == site, site_locks.c.owner_token == row["owner_token"])
                .values(**mine)
            )
            if took.rowcount == 1:
                return row["run_id"]
        raise LockedError(f"site {site!r}: the lock kept changing hands; try again")

    def _release(self, sites: list[str], holder: str) -> None:
        try:
            with self.write() as conn:
                conn.execute(
                    site_locks.delete().where(
                        site_locks.c.site.in_(sites),
                        site_locks.c.holder == holder,
                        site_locks.c.owner_token == self.owner.token,
                    )
                )
        except StoreError as exc:  # a dead holder is detected later anyway
            log.warning("could not release the site lock: %s", exc)

    def locks(self) -> list[dict[str, Any]]:
        """Held site locks, with whether each holder is still alive."""
        now, out = self.now(), []
        for row in self.select(sa.select(site_locks).order_by(site_locks.c.site)):
            dead, why = owner_is_dead(row.pop("owner_token"), row["heartbeat"], now)
            out.append({**row, "alive": not dead, "why_dead": why})
        return out

    def force_unlock(self, site: str) -> bool:
        """Drop a site's lock whatever its holder (``rmmkit db unlock``: the operator decides)."""
        with self.write() as conn:
            return conn.execute(site_locks.delete().where(site_locks.c.site == site)).rowcount > 0

    # -- heartbeat --------------------------------------------------------
    def _start_heartbeat(self) -> None:
        if getattr(self, "_heartbeat", None) is not None and self._heartbeat.is_alive():
            return
        self._heartbeat_stop = threading.Event()
        self._heartbeat = threading.Thread(
            target=self._beat, name="rmmkit-store-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def _stop_heartbeat(self) -> None:
        if getattr(self, "_heartbeat", None) is not None:
            self._heartbeat_stop.set()
            self._heartbeat.join()

    def _beat(self) -> None:
        """Refresh this process's runs, scans and locks so other machines see it alive."""
        while not self._heartbeat_stop.wait(HEARTBEAT_SECONDS):
            token, now = self.owner.token, self.now()
            try:
                with self.write() as conn:
                    conn.execute(
                        runs.update()
                        .where(runs.c.owner_token == token, runs.c.status == RUNNING)
                        .values(heartbeat=now)
                    )
                    conn.execute(
                        scans.update()
                        .where(scans.c.owner_token == token, scans.c.status == RUNNING)
                        .values(heartbeat=now)
                    )
                    conn.execute(
                        site_locks.update()
                        .where(site_locks.c.owner_token == token)
                        .values(heartbeat=now)
                    )
            except StoreError as exc:
                log.warning("store heartbeat failed: %s", exc)
