"""The store's core: one engine, serialised writes, group commit, row helpers.

Why group commit: the runner's worker threads each record a result and
expect it to be durable when the call returns.  One commit per result costs
an fsync each; instead, callers hand their write to one writer thread that
commits everything queued so far in one transaction and then wakes them
all.  A lone caller pays one commit; fifty concurrent callers share one.
If a batch fails, its writes are retried one by one so a single bad row
fails only its own caller.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from rmmkit.errors import StoreError
from rmmkit.store.addresses import range_filter
from rmmkit.store.engine import describe, one_line, write_transaction
from rmmkit.store.owner import Owner

log = logging.getLogger("rmmkit.store")

Write = Callable[[sa.Connection], Any]
TimeLike = float | int | dt.datetime | dt.date | str | None


def to_epoch(value: TimeLike) -> float | None:
    """Seconds since the epoch from a float, a datetime (naive = local time), a date or ISO text."""
    if value is None or isinstance(value, float | int):
        return None if value is None else float(value)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(
                f"bad time {value!r} (expected ISO 8601, e.g. 2026-01-31T08:00)"
            ) from None
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return dt.datetime(value.year, value.month, value.day).timestamp()


def matching(
    table: sa.Table,
    *,
    ip_range: str | list[str] | None = None,
    time_column: sa.Column[Any] | None = None,
    since: TimeLike = None,
    until: TimeLike = None,
    **equal: Any,
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses for the filters every report query takes; a ``None`` filter means "any".

    Why one function: scans, deployments, facts and runs must read ``--site``,
    ``--range`` and ``--since/--until`` the same way (inclusive bounds).
    """
    clauses = [table.c[name] == value for name, value in equal.items() if value is not None]
    if ip_range:
        clauses.append(range_filter(table.c.ip_key, ip_range))
    if time_column is not None and since is not None:
        clauses.append(time_column >= to_epoch(since))
    if time_column is not None and until is not None:
        clauses.append(time_column <= to_epoch(until))
    return clauses


StatementBuilder = Callable[[sa.Dialect], Any]


class _Pending:
    __slots__ = ("builder", "done", "error", "result", "rows", "write")

    def __init__(
        self,
        write: Write | None,
        builder: StatementBuilder | None = None,
        rows: list[dict[str, Any]] | None = None,
    ) -> None:
        self.write = write
        self.builder = builder
        self.rows = rows
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class StoreBase:
    """Engine, write serialisation and the group-commit writer thread."""

    BATCH_MAX = 2000

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.url = describe(engine.url)
        self.backend = engine.dialect.name
        # SQLite has one writer at a time anyway: queue in-process writers here
        # rather than spinning on the database's busy handler.
        self._write_lock = threading.RLock()
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._writer_guard = threading.Lock()
        self._owner_cache: Owner | None = None
        self._closed = False

    # -- identity ---------------------------------------------------------
    @property
    def owner(self) -> Owner:
        if self._owner_cache is None or self._owner_cache.pid != os.getpid():
            self._owner_cache = Owner.current()
        return self._owner_cache

    @staticmethod
    def now() -> float:
        return time.time()

    # -- provided by the mixins that own them (runs.py, locks.py) ----------
    def reap_dead(self) -> list[dict[str, Any]]:
        return []

    def _start_heartbeat(self) -> None:
        pass

    # -- transactions -----------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction, committed on exit; database errors become StoreError."""
        with self._write_lock, self._errors(), write_transaction(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self._errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"store {self.url}: {one_line(exc)}") from None

    def select(self, stmt: sa.Select[Any]) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(row) for row in conn.execute(stmt).mappings()]

    # -- group commit -----------------------------------------------------
    def submit(self, write: Write) -> Any:
        """Run ``write(conn)`` in the next group commit; returns once it is durable."""
        return self._submit(_Pending(write))

    def submit_rows(self, builder: StatementBuilder, rows: list[dict[str, Any]]) -> None:
        """Execute ``builder(dialect)`` with ``rows`` in the next group commit.

        Rows of every caller queued with the same builder go into one
        executemany, and the statement is built once per dialect.
        """
        if rows:
            self._submit(_Pending(None, builder, rows))

    def _statement(self, builder: StatementBuilder) -> Any:
        cache = self.__dict__.setdefault("_statements", {})
        if builder not in cache:
            cache[builder] = builder(self.engine.dialect)
        return cache[builder]

    def _submit(self, item: _Pending) -> Any:
        if self._closed:
            raise StoreError(f"store {self.url} is closed")
        self._ensure_writer()
        self._queue.put(item)
        item.done.wait()
        if item.error is not None:
            if isinstance(item.error, StoreError):
                raise StoreError(item.error.message) from None
            raise item.error
        return item.result

    def _ensure_writer(self) -> None:
        with self._writer_guard:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._writer_loop, name="rmmkit-store-writer", daemon=True
                )
                self._writer.start()

    def _writer_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.BATCH_MAX:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            self._commit_batch(batch)

    def _commit_batch(self, batch: list[_Pending]) -> None:
        try:
            with self.write() as conn:
                grouped: dict[StatementBuilder, list[dict[str, Any]]] = {}
                for item in batch:
                    if item.write is not None:
                        item.result = item.write(conn)
                    else:
                        grouped.setdefault(item.builder, []).extend(item.rows)  # type: ignore[arg-type]
                for builder, rows in grouped.items():
                    conn.execute(self._statement(builder), rows)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:  # find the culprit: retry each on its own
                for item in batch:
                    self._commit_batch([item])
                return
        for item in batch:
            item.done.set()

    def close(self) -> None:
        """Finish queued writes, stop the writer thread, dispose of the pool."""
        if self._closed:
            return
        self._closed = True
        stop = getattr(self, "_stop_heartbeat", None)
        if stop is not None:
            stop()
        with self._writer_guard:
            if self._writer is not None and self._writer.is_alive():
                self._queue.put(None)
                self._writer.join()
        self.engine.dispose()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
