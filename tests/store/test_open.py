"""Opening the store: where it lives, SQLite settings, migrations, bad URLs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rmmkit.errors import StoreError
from rmmkit.store import open_store
from rmmkit.store.engine import create_engine, current_revision, head_revision, resolve_url
from rmmkit.store.tables import metadata


def test_default_is_sqlite_in_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RMMKIT_DB", raising=False)
    with open_store(project_dir=tmp_path) as store:
        store.begin_run("p.yml", ["a"], False, 0)
    assert (tmp_path / ".rmmkit" / "rmmkit.db").is_file()


def test_url_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMMKIT_DB", f"sqlite:///{tmp_path}/env.db")
    assert resolve_url(None, tmp_path) == f"sqlite:///{tmp_path}/env.db"
    assert resolve_url("sqlite:///x.db", tmp_path) == "sqlite:///x.db"
    assert resolve_url(str(tmp_path / "plain.db")) == f"sqlite:///{tmp_path}/plain.db"
    assert resolve_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    monkeypatch.delenv("RMMKIT_DB")
    assert resolve_url(None, tmp_path) == f"sqlite:///{tmp_path}/.rmmkit/rmmkit.db"


def test_sqlite_is_wal_with_full_sync_and_busy_timeout(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/s.db") as store, store.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "busy_timeout": 30000,
        "foreign_keys": 1,
    }


def test_migrations_match_the_tables(db_url: str) -> None:
    with open_store(db_url) as store:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_concurrent_first_opens_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_store(db_url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = create_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
        assert versions == 1
    finally:
        engine.dispose()


def test_bad_urls_are_one_line_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://u@h/db")
    with pytest.raises(StoreError, match="invalid database URL"):
        open_store("postgresql+psycopg://u@h:notaport/db")
    secret_url = f"postgresql+psycopg://user:pw-s3cret@/nodb?host={tmp_path}&port=1"
    with pytest.raises(StoreError) as failed:
        open_store(secret_url)
    assert "pw-s3cret" not in str(failed.value)
    assert "\n" not in str(failed.value)


def test_downgrade_to_base_and_back(db_url: str) -> None:
    from alembic import command

    from rmmkit.store.engine import _alembic_config, migrate, write_transaction

    engine = create_engine(db_url)
    try:
        assert migrate(engine) == head_revision()
        with write_transaction(engine) as conn:
            command.downgrade(_alembic_config(conn), "base")
        assert current_revision(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        assert migrate(engine) == head_revision()
        assert set(sa.inspect(engine).get_table_names()) >= {t.name for t in metadata.sorted_tables}
    finally:
        engine.dispose()
