"""The state store: runs, results, locks, scans, deployment events, facts, schedules.

Why one class built from mixins: callers (runner, scanner, reports, the
portal) hold one ``Store`` and see one API, while each concern lives in its
own small module.  :func:`open_store` picks the database, migrates it with
the Alembic scripts shipped in the package, and returns a ready ``Store``.
"""

from __future__ import annotations

from pathlib import Path

from rmmkit.store.deployments import DeploymentsMixin
from rmmkit.store.engine import create_engine, migrate, resolve_url
from rmmkit.store.facts import FactsMixin
from rmmkit.store.locks import LocksMixin, SiteLock
from rmmkit.store.scans import ScansMixin
from rmmkit.store.schedules import SchedulesMixin


class Store(LocksMixin, ScansMixin, DeploymentsMixin, FactsMixin, SchedulesMixin):
    """Thread-safe access to one database; close it (or use ``with``) when done."""

    def __enter__(self) -> Store:
        return self


def open_store(
    url: str | None = None, project_dir: Path | None = None, *, upgrade: bool = True
) -> Store:
    """Open (and by default migrate) the store.

    ``url`` → ``$RMMKIT_DB`` → SQLite ``<project_dir>/.rmmkit/rmmkit.db``
    (``project_dir`` defaults to the current directory).  A bare path is an
    SQLite file; ``postgresql://`` URLs use psycopg 3.
    """
    engine = create_engine(resolve_url(url, project_dir))
    if upgrade:
        try:
            migrate(engine)
        except Exception:
            engine.dispose()
            raise
    return Store(engine)


__all__ = ["SiteLock", "Store", "open_store"]
