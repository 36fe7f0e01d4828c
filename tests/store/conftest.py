"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL 15.

The PostgreSQL server is started once per test session (see ``store_pg.py``)
and stopped by PID at the end; each test gets a fresh empty database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rmmkit.store import Store, open_store

from . import store_pg as pgserver

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    if not pgserver.available():
        pytest.skip(
            f"PostgreSQL 15 binaries not found in {pgserver.PG_BIN} "
            "(scripts/bootstrap.sh installs postgresql-15)"
        )
    with pgserver.running_server() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL to a fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('store') / 'rmmkit.db'}"
    server: pgserver.PgServer = request.getfixturevalue("pg_server")
    return server.new_database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()
