"""Where the store lives, how to connect, and migrating on open.

Why one engine per store: SQLAlchemy pools connections for the runner's
worker threads.  SQLite gets WAL (readers never wait for the writer),
``synchronous=FULL`` (a committed row survives power loss or ``kill -9``) and
a busy timeout; writes begin with ``BEGIN IMMEDIATE`` so two writers queue
on the database lock instead of dead-locking on a read→write upgrade.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from rmmkit.errors import StoreError
from rmmkit.store.jsonsafe import dumps

ENV_VAR = "RMMKIT_DB"
DEFAULT_RELATIVE = Path(".rmmkit") / "rmmkit.db"
MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000
# PostgreSQL advisory lock key that serialises concurrent migrations ("rmmkit" in hex-ish)
PG_MIGRATION_LOCK = 0x726D6D6B6974


def resolve_url(url: str | None, project_dir: Path | None = None) -> str:
    """``url`` → ``$RMMKIT_DB`` → SQLite file ``<project_dir>/.rmmkit/rmmkit.db``."""
    url = url or os.environ.get(ENV_VAR) or None
    if url is None:
        path = (project_dir or Path.cwd()) / DEFAULT_RELATIVE
        return f"sqlite:///{path}"
    if "://" not in url:  # a bare path is an SQLite file
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def describe(url: sa.URL) -> str:
    """The URL without its password, for messages and logs."""
    return url.render_as_string(hide_password=True)


def create_engine(url: str) -> sa.Engine:
    """An engine tuned for the backend; SQLite files get their folder created."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(
            f"invalid database URL (expected sqlite:///PATH or "
            f"postgresql+psycopg://…): {type(exc).__name__}"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(
            f"unsupported database {parsed.get_backend_name()!r} (expected sqlite or postgresql)"
        )
    try:
        return sa.create_engine(
            parsed,
            json_serializer=dumps,
            json_deserializer=json.loads,
            pool_pre_ping=True,
            pool_size=8,
            max_overflow=16,
        )
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"PostgreSQL driver missing ({exc.name}): pip install 'rmmkit[postgres]'"
        ) from None


def _sqlite_engine(parsed: sa.URL) -> sa.Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        json_serializer=dumps,
        json_deserializer=json.loads,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("rmmkit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that takes the SQLite write lock up front (a plain one on PostgreSQL)."""
    with engine.connect() as conn:
        conn = conn.execution_options(rmmkit_write=True)
        with conn.begin():
            yield conn


def _alembic_config(conn: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: sa.Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; concurrent openers wait for each other.

    Returns the revision the database is at afterwards.
    """
    try:
        head = head_revision()
        if revision == "head" and current_revision(engine) == head:
            return head  # the common case: nothing to do, no write lock taken
        with write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            command.upgrade(_alembic_config(conn), revision)
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(
            f"cannot open the store at {describe(engine.url)}: {one_line(exc)}"
        ) from None


def one_line(exc: BaseException) -> str:
    """The driver's own message, first line only (never the SQL or its parameters)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0] if text else ''}"
