"""Schedule occurrences: claimed exactly once, across processes and machines.

Why the primary key does the work: several schedulers (cron on two boxes, a
restarted daemon) may all decide an occurrence is due.  Each inserts
``(schedule_id, due_at)``; the database lets exactly one insert through, so
exactly one claim returns True — no lock held, no clock comparison.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

import sqlalchemy as sa

from rmmkit.errors import StoreError
from rmmkit.store.base import StoreBase, matching
from rmmkit.store.owner import owner_is_dead
from rmmkit.store.runs import INTERRUPTED, RUNNING, upsert
from rmmkit.store.tables import runs, scans, schedule_runs

CLAIMED = "claimed"
DURATION_SAMPLES = 20  # the median of the last N finished runs/scans of a scope


def _due(due_at: dt.datetime | float) -> float:
    return float(due_at) if isinstance(due_at, int | float) else due_at.timestamp()


class SchedulesMixin(StoreBase):
    def claim_schedule_run(self, schedule_id: str, due_at: dt.datetime | float) -> bool:
        """True for exactly one caller per (schedule, due time), whatever the process."""
        owner = self.owner
        row = {
            "schedule_id": schedule_id,
            "due_at": _due(due_at),
            "status": CLAIMED,
            "claimed_by": f"{owner.host}:{owner.pid}",
            "owner_token": owner.token,
            "claimed_at": self.now(),
        }
        with self.write() as conn:
            stmt = (
                upsert(conn, schedule_runs)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["schedule_id", "due_at"])
                .returning(schedule_runs.c.status)
            )
            # RETURNING yields a row only when this insert won (rowcount is unreliable here)
            return conn.execute(stmt).first() is not None

    def finish_schedule_run(
        self, schedule_id: str, due_at: dt.datetime | float, status: str
    ) -> None:
        with self.write() as conn:
            done = conn.execute(
                schedule_runs.update()
                .where(
                    schedule_runs.c.schedule_id == schedule_id,
                    schedule_runs.c.due_at == _due(due_at),
                )
                .values(status=str(status), finished_at=self.now())
            )
            if done.rowcount == 0:
                raise StoreError(f"schedule {schedule_id!r} has no claimed run due at {due_at}")

    def schedule_runs(self, schedule_id: str | None = None) -> list[dict[str, Any]]:
        """Claimed occurrences, newest due first; a claim whose process died reads interrupted.

        ``due_at`` is a timezone-aware UTC datetime; the other times are epoch seconds.
        """
        stmt = (
            sa.select(schedule_runs)
            .order_by(schedule_runs.c.due_at.desc())
            .where(*matching(schedule_runs, schedule_id=schedule_id))
        )
        now, out = self.now(), []
        for row in self.select(stmt):
            token = row.pop("owner_token")
            if row["status"] == CLAIMED and owner_is_dead(token, row["claimed_at"], now)[0]:
                row["status"] = INTERRUPTED
            row["due_at"] = dt.datetime.fromtimestamp(row["due_at"], dt.UTC)
            out.append(row)
        return out

    def scope_duration(self, scope_key: str) -> float | None:
        """Median seconds of the last finished runs/scans/schedule runs of ``scope_key``.

        A scope is a site name (its scans), the comma-joined sorted sites of a
        run, or a schedule id.  None when nothing of that scope ever finished.
        """
        done = (RUNNING, INTERRUPTED)
        queries = [
            sa.select(
                (runs.c.ended - runs.c.started).label("took"), runs.c.started.label("at")
            ).where(
                runs.c.scope_key == scope_key, runs.c.ended.is_not(None), runs.c.status.not_in(done)
            ),
            sa.select(
                (scans.c.ended - scans.c.started).label("took"), scans.c.started.label("at")
            ).where(
                scans.c.scope_key == scope_key,
                scans.c.ended.is_not(None),
                scans.c.status.not_in(done),
            ),
            sa.select(
                (schedule_runs.c.finished_at - schedule_runs.c.claimed_at).label("took"),
                schedule_runs.c.claimed_at.label("at"),
            ).where(
                schedule_runs.c.schedule_id == scope_key, schedule_runs.c.finished_at.is_not(None)
            ),
        ]
        samples: list[tuple[float, float]] = []
        with self.read() as conn:
            for query in queries:
                stmt = query.order_by(sa.desc("at")).limit(DURATION_SAMPLES)
                samples += [(row.at, row.took) for row in conn.execute(stmt)]
        recent = sorted(samples, reverse=True)[:DURATION_SAMPLES]
        return statistics.median(took for _at, took in recent) if recent else None
