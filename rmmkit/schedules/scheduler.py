"""The long-running scheduler: start due scans exactly once, catch up, stop cleanly.

Why the store decides, not memory: several schedulers (a daemon, a cron
``--once``, a restarted process after ``kill -9``) may all think a run is
due; ``claim_schedule_run(schedule_id, due_at)`` lets exactly one of them
start it.  Per tick, for each schedule:

1. runs due in ``(horizon, now]`` are found with :func:`rrules.runs_between`;
   the horizon is the last due time this schedule handled (from the store
   after a restart; ``now - tolerance`` for a schedule never run);
2. only the latest of them matters (missed runs are coalesced): on time if
   it is at most ``tolerance`` late, else a *misfire*, handled per the
   declared policy: ``run_once`` runs it once (within ``grace``, if set),
   ``skip`` records it as ``skipped``;
3. a claimed run starts in a thread; the runner takes the per-site lock
   (``locked`` is recorded if another run holds it); its end is recorded
   with :meth:`finish_schedule_run`.

Claims left ``claimed`` by a process that died are recorded ``abandoned``
at start-up.  On SIGTERM the loop stops starting runs, lets running ones
finish for ``drain`` seconds, then asks them to stop, and records whatever
still runs as ``abandoned``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmmkit.errors import RmmkitError

from .catalog import Entry, find_playbooks, load_entry
from .rrules import runs_between

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins
    from rmmkit.store import Store

log = logging.getLogger("rmmkit.scheduler")

Launcher = Callable[[Entry, threading.Event], str]
LOOKBACK = dt.timedelta(days=31)  # older missed runs are not worth a catch-up decision
STOP_WAIT = 10.0  # seconds a stopped run gets to finish its running tasks


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _file_key(path: Path, entry: Entry | None) -> tuple[int, ...]:
    """mtime and size of a playbook and of the inventory its schedule read (change detection)."""
    key: tuple[int, ...] = ()
    for file in (path, entry.inventory_file if entry is not None else None):
        if file is not None:
            try:
                stat = file.stat()
            except OSError:
                continue
            key += (stat.st_mtime_ns, stat.st_size)
    return key


@dataclass
class ActiveRun:
    entry: Entry
    due: dt.datetime
    cancel: threading.Event
    thread: threading.Thread
    status: str | None = None


@dataclass
class Decision:
    """What one tick decided for one schedule (returned for logs and tests)."""

    schedule_id: str
    due: dt.datetime
    action: str  # started | skipped | missed | busy | claimed-elsewhere
    missed: int = 0  # earlier due times coalesced into this one


@dataclass
class Scheduler:
    store: Store
    launcher: Launcher
    paths: Sequence[Path]
    project_dir: Path
    plugins: Plugins | None = None
    inventory_path: Path | None = None
    tick_seconds: float = 5.0
    only: frozenset[str] = frozenset()
    clock: Callable[[], dt.datetime] = utcnow
    entries: dict[Path, Entry | None] = field(default_factory=dict)
    active: dict[tuple[str, dt.datetime], ActiveRun] = field(default_factory=dict)
    _seen: dict[Path, tuple[int, ...]] = field(default_factory=dict)
    _horizon: dict[str, dt.datetime] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _hurry: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tolerance(self) -> dt.timedelta:
        """How late a run may start and still count as on time (not a misfire)."""
        return dt.timedelta(seconds=max(30.0, 3 * self.tick_seconds))

    # -- declared state ---------------------------------------------------------------
    def refresh(self) -> None:
        """Reload playbooks whose mtime or size changed; forget deleted ones."""
        current = set()
        for path in find_playbooks(self.paths):
            current.add(path)
            key = _file_key(path, self.entries.get(path))
            if self._seen.get(path) == key:
                continue
            self._seen[path] = key
            try:
                entry = load_entry(path, self.project_dir, self.plugins, self.inventory_path)
            except RmmkitError as exc:  # keep the last good version running
                log.error("%s (keeping the previous schedule of this file, if any)", exc)
                continue
            if entry is not None and self.only and entry.id not in self.only:
                entry = None
            if self.entries.get(path) is not None or entry is not None:
                log.info("schedule of %s %s", path, "loaded" if entry else "removed")
            self.entries[path] = entry
            self._seen[path] = _file_key(path, entry)
        for gone in set(self.entries) - current:
            log.info("schedule of %s removed (file deleted)", gone)
            self.entries.pop(gone)
            self._seen.pop(gone, None)

    # -- start-up ---------------------------------------------------------------------
    def abandon_dead_claims(self) -> list[dict[str, Any]]:
        """Record runs claimed by a process that died (``kill -9``) as ``abandoned``."""
        out = []
        for row in self.store.schedule_runs():
            if row["status"] == "interrupted" and row.get("finished_at") is None:
                self.store.finish_schedule_run(row["schedule_id"], row["due_at"], "abandoned")
                log.warning(
                    "schedule %s: run due %s was abandoned by %s",
                    row["schedule_id"],
                    row["due_at"].isoformat(),
                    row.get("claimed_by", "?"),
                )
                out.append(row)
        return out

    def _horizon_of(self, entry: Entry, now: dt.datetime) -> dt.datetime:
        """The last due time handled: memory, else the store (once), else ``now - tolerance``."""
        horizon = self._horizon.get(entry.id)
        if horizon is None:
            past = self.store.schedule_runs(entry.id)
            horizon = past[0]["due_at"] if past else now - self.tolerance
            self._horizon[entry.id] = horizon
        return max(horizon, now - LOOKBACK)

    # -- one tick ---------------------------------------------------------------------
    def tick(self, now: dt.datetime | None = None) -> list[Decision]:
        """Start whatever is due at ``now``; returns what was decided."""
        now = now or self.clock()
        self._reap()
        decisions = []
        for entry in [e for e in self.entries.values() if e is not None]:
            due = runs_between(entry.schedule, self._horizon_of(entry, now), now)
            if not due:
                continue
            latest, missed = due[-1], len(due) - 1
            self._horizon[entry.id] = latest
            decisions.append(self._decide(entry, latest, missed, now))
        return decisions

    def _decide(self, entry: Entry, due: dt.datetime, missed: int, now: dt.datetime) -> Decision:
        schedule, late = entry.schedule, now - due
        action, note = "started", ""
        if late > self.tolerance:
            if schedule.misfire_policy == "skip":
                action = "skipped"
            elif schedule.misfire_grace is not None and late > schedule.misfire_grace:
                action = "missed"
            else:
                note = f"catching up the run due {due.isoformat()} ({late} late)"
        if missed:
            note = (
                note or f"run due {due.isoformat()}"
            ) + f"; {missed} earlier missed runs coalesced"
        if not self.store.claim_schedule_run(entry.id, due):
            return Decision(entry.id, due, "claimed-elsewhere", missed)
        if note:
            log.warning("schedule %s: %s", entry.id, note)
        if action == "started" and any(run.entry.id == entry.id for run in self.active.values()):
            action = "busy"  # the previous run of this schedule is still going
        if action != "started":
            self.store.finish_schedule_run(entry.id, due, action)
            log.warning("schedule %s: run due %s recorded %s", entry.id, due.isoformat(), action)
            return Decision(entry.id, due, action, missed)
        self._start(entry, due)
        return Decision(entry.id, due, action, missed)

    def _start(self, entry: Entry, due: dt.datetime) -> None:
        cancel = threading.Event()
        run = ActiveRun(entry, due, cancel, threading.Thread())

        def work() -> None:
            try:
                run.status = self.launcher(entry, cancel)
            except Exception as exc:  # a bug in a run must not kill the scheduler
                log.error("schedule %s: run crashed: %s: %s", entry.id, type(exc).__name__, exc)
                run.status = "error"
            with self._lock:
                if (entry.id, due) in self.active:
                    self.store.finish_schedule_run(entry.id, due, run.status or "error")

        run.thread = threading.Thread(target=work, name=f"rmmkit-schedule-{entry.id}", daemon=True)
        self.active[(entry.id, due)] = run
        log.info("schedule %s: starting the run due %s", entry.id, due.isoformat())
        run.thread.start()

    def _reap(self) -> None:
        with self._lock:
            for key, run in list(self.active.items()):
                if not run.thread.is_alive():
                    self.active.pop(key)

    # -- the loop ---------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to end; a second call stops waiting for running runs (signal handlers)."""
        if self._stop.is_set():
            self._hurry.set()
        self._stop.set()

    def _wait_runs(self, seconds: float | None) -> None:
        """Wait for running runs, at most ``seconds`` (None: until the loop is told to stop)."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while any(r.thread.is_alive() for r in list(self.active.values())):
            if self._hurry.is_set() or (deadline is None and self._stop.is_set()):
                return
            if deadline is not None and time.monotonic() >= deadline:
                return
            time.sleep(0.1)

    def run_forever(
        self, *, once: bool = False, drain: float = 30.0
    ) -> list[tuple[str, dt.datetime]]:
        """Tick until stopped (``once``: one tick, then wait for its runs); returns abandoned."""
        self.abandon_dead_claims()
        self.refresh()
        known = {e.id for e in self.entries.values() if e is not None}
        for wanted in sorted(self.only - known):
            log.warning(
                "--only %s: no playbook declares that schedule (ids: %s)",
                wanted,
                ", ".join(sorted(known)) or "none",
            )
        while True:
            self.refresh()
            self.tick()
            if once or self._stop.wait(self.tick_seconds):
                break
        if once:
            self._wait_runs(None)
        return self.shutdown(drain)

    def shutdown(self, drain: float = 30.0) -> list[tuple[str, dt.datetime]]:
        """Let running runs finish for ``drain`` s, then stop them; the rest are ``abandoned``."""
        self._wait_runs(drain)
        for run in list(self.active.values()):
            if run.thread.is_alive():
                run.cancel.set()  # the runner finishes running tasks and skips the rest
        self._wait_runs(0.0 if self._hurry.is_set() else STOP_WAIT)
        abandoned = []
        with self._lock:
            for key, run in list(self.active.items()):
                if run.thread.is_alive():
                    self.store.finish_schedule_run(run.entry.id, run.due, "abandoned")
                    log.warning(
                        "schedule %s: run due %s abandoned at shutdown", key[0], key[1].isoformat()
                    )
                    abandoned.append(key)
                self.active.pop(key)
        return abandoned
