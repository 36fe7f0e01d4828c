"""The scheduler with a fake clock and a real SQLite store (no sleeping)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from rmmkit.plugin.manager import load_plugins
from rmmkit.schedules import scheduler as scheduler_module
from rmmkit.schedules.launch import run_entry
from rmmkit.schedules.scheduler import Scheduler
from rmmkit.store import open_store
from rmmkit.store.tables import runs as run_table

from .conftest import Project

Z = dt.UTC
T0 = dt.datetime(2026, 6, 1, 2, 0, tzinfo=Z)
EVERY_MINUTE = {
    "frequency": "daily",
    "start": {"date": "2026-01-01", "time": "00:00"},
    "recurrence": {"every": "1m"},
}
NIGHTLY = {"frequency": "daily", "start": {"date": "2026-01-01", "time": "02:00"}}


@pytest.fixture(scope="module")
def plugins():
    return load_plugins()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


class Recorder:
    """A launcher that records what it was asked to run (the real one is tested below)."""

    def __init__(self, status: str = "ok") -> None:
        self.calls: list[tuple[str, float]] = []
        self.status = status
        self.lock = threading.Lock()

    def __call__(self, entry, cancel) -> str:
        with self.lock:
            self.calls.append((entry.id, time.monotonic()))
        return self.status


def scheduler_for(project: Project, db_url: str, launcher, plugins, **kw) -> Scheduler:
    store = open_store(db_url, project.root)
    sched = Scheduler(
        store, launcher, [project.root / "playbooks"], project.root, plugins=plugins, **kw
    )
    sched.refresh()
    return sched


def settle(sched: Scheduler) -> None:
    for run in list(sched.active.values()):
        run.thread.join(5)
    sched._reap()


def statuses(sched: Scheduler, schedule_id: str) -> dict[dt.datetime, str]:
    return {r["due_at"]: r["status"] for r in sched.store.schedule_runs(schedule_id)}


def test_two_schedulers_start_each_run_exactly_once(project: Project, db_url: str, plugins) -> None:
    project.playbook("every", EVERY_MINUTE, sites=["lab"])
    recorder = Recorder()
    a = scheduler_for(project, db_url, recorder, plugins)
    b = scheduler_for(project, db_url, recorder, plugins)
    try:
        for second in range(0, 10 * 60, 7):  # ten minutes, ticking every 7 s, both racing
            now = T0 + dt.timedelta(seconds=second)
            threads = [threading.Thread(target=s.tick, args=(now,)) for s in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        settle(a), settle(b)
        ids = [c[0] for c in recorder.calls]
        assert ids == ["playbooks/every.yml"] * 10
        runs = statuses(a, "playbooks/every.yml")
        assert sorted(runs) == [T0 + dt.timedelta(minutes=m) for m in range(10)]
        assert set(runs.values()) == {"ok"}
    finally:
        a.store.close(), b.store.close()


def test_run_once_catches_up_a_missed_nightly_run_once(
    project: Project, db_url: str, plugins
) -> None:
    project.playbook("nightly", NIGHTLY, sites=["hq"])
    recorder = Recorder()
    sched = scheduler_for(project, db_url, recorder, plugins)
    try:
        sched.tick(T0 + dt.timedelta(seconds=3))  # on time
        settle(sched)
        sched2 = scheduler_for(project, db_url, recorder, plugins)  # "restarted" three days later
        later = T0 + dt.timedelta(days=3, hours=3)
        decisions = sched2.tick(later)
        settle(sched2)
        assert [(d.action, d.due, d.missed) for d in decisions] == [
            ("started", T0 + dt.timedelta(days=3), 2)
        ]  # the latest missed run; two older coalesced
        assert sched2.tick(later + dt.timedelta(minutes=5)) == []  # not again
        assert len(recorder.calls) == 2
        runs = statuses(sched2, "playbooks/nightly.yml")
        assert runs == {T0: "ok", T0 + dt.timedelta(days=3): "ok"}
        sched2.store.close()
    finally:
        sched.store.close()


@pytest.mark.parametrize(
    ("misfire", "expected"),
    [
        ({"policy": "skip"}, "skipped"),
        ({"policy": "run_once", "grace": "30m"}, "missed"),
        ({"policy": "run_once", "grace": "2h"}, "ok"),
    ],
)
def test_misfire_policy_is_followed(
    project: Project, db_url: str, plugins, misfire, expected
) -> None:
    project.playbook("nightly", {**NIGHTLY, "misfire": misfire}, sites=["hq"])
    recorder = Recorder()
    sched = scheduler_for(project, db_url, recorder, plugins)
    try:
        sched.tick(T0 - dt.timedelta(days=1) + dt.timedelta(seconds=1))  # yesterday's, on time
        settle(sched)
        sched._horizon.clear()  # forget memory: as after a restart
        sched.tick(T0 + dt.timedelta(hours=1))  # today's is an hour late
        settle(sched)
        assert statuses(sched, "playbooks/nightly.yml")[T0] == expected
        assert len(recorder.calls) == (2 if expected == "ok" else 1)
    finally:
        sched.store.close()


def test_a_new_schedule_does_not_replay_its_past(project: Project, db_url: str, plugins) -> None:
    project.playbook("nightly", NIGHTLY, sites=["hq"])
    recorder = Recorder()
    sched = scheduler_for(project, db_url, recorder, plugins)
    try:
        assert sched.tick(T0 + dt.timedelta(hours=5)) == []
        assert recorder.calls == []
    finally:
        sched.store.close()


def test_changed_yaml_is_picked_up_and_a_broken_edit_keeps_the_last_good(
    project: Project, db_url: str, plugins, caplog
) -> None:
    path = project.playbook("nightly", NIGHTLY, sites=["hq"])
    recorder = Recorder()
    sched = scheduler_for(project, db_url, recorder, plugins)
    try:
        assert sched.entries[path].schedule.start_time == dt.time(2, 0)
        path.write_text(path.read_text().replace("02:00", "03:15"))
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
        sched.refresh()
        assert sched.entries[path].schedule.start_time == dt.time(3, 15)
        path.write_text(path.read_text().replace("03:15", "27:00"))
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
        sched.refresh()
        assert sched.entries[path].schedule.start_time == dt.time(3, 15)
        assert f"{path}:" in caplog.text and "schedule.start.time" in caplog.text
        other = project.playbook("second", NIGHTLY, sites=["branch"])
        sched.refresh()
        assert other in sched.entries
        other.unlink()
        sched.refresh()
        assert other not in sched.entries
    finally:
        sched.store.close()


CLAIM_AND_DIE = """
import datetime as dt, os, signal, sys
from rmmkit.store import open_store
from rmmkit.store.tables import runs as run_table
store = open_store(sys.argv[1])
assert store.claim_schedule_run("playbooks/nightly.yml", dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_claim_of_a_killed_process_is_recorded_abandoned(
    project: Project, db_url: str, plugins
) -> None:
    project.playbook("nightly", NIGHTLY, sites=["hq"])
    dead = subprocess.run([sys.executable, "-c", CLAIM_AND_DIE, db_url], capture_output=True)
    assert dead.returncode == -9
    sched = scheduler_for(project, db_url, Recorder(), plugins)
    try:
        assert statuses(sched, "playbooks/nightly.yml") == {T0: "interrupted"}
        abandoned = sched.abandon_dead_claims()
        assert [r["due_at"] for r in abandoned] == [T0]
        assert statuses(sched, "playbooks/nightly.yml") == {T0: "abandoned"}
        assert sched.tick(T0 + dt.timedelta(minutes=1)) == []  # not run again
    finally:
        sched.store.close()


def test_shutdown_stops_running_runs_and_abandons_stuck_ones(
    project: Project, db_url: str, plugins, monkeypatch
) -> None:
    monkeypatch.setattr(scheduler_module, "STOP_WAIT", 0.3)
    project.playbook("polite", NIGHTLY, sites=["hq"])
    project.playbook("stuck", NIGHTLY, sites=["branch"])
    release = threading.Event()

    def launcher(entry, cancel) -> str:
        if entry.id.endswith("polite.yml"):
            cancel.wait(10)
            return "interrupted"
        release.wait(10)  # ignores cancel, like a task stuck in a library call
        return "ok"

    sched = scheduler_for(project, db_url, launcher, plugins)
    try:
        assert [d.action for d in sched.tick(T0 + dt.timedelta(seconds=1))] == [
            "started",
            "started",
        ]
        sched.stop()
        abandoned = sched.shutdown(drain=0.1)
        assert [a[0] for a in abandoned] == ["playbooks/stuck.yml"]
        assert statuses(sched, "playbooks/polite.yml") == {T0: "interrupted"}
        assert statuses(sched, "playbooks/stuck.yml") == {T0: "abandoned"}
        release.set()
        time.sleep(0.2)
        assert statuses(sched, "playbooks/stuck.yml") == {T0: "abandoned"}  # not overwritten
    finally:
        release.set()
        sched.store.close()


def test_a_schedule_still_running_is_not_started_twice(
    project: Project, db_url: str, plugins
) -> None:
    project.playbook("every", EVERY_MINUTE, sites=["lab"])
    release = threading.Event()
    sched = scheduler_for(
        project, db_url, lambda e, c: "ok" if release.wait(10) else "error", plugins
    )
    try:
        assert [d.action for d in sched.tick(T0 + dt.timedelta(seconds=1))] == ["started"]
        assert [d.action for d in sched.tick(T0 + dt.timedelta(seconds=61))] == ["busy"]
        release.set()
        settle(sched)
        assert statuses(sched, "playbooks/every.yml") == {
            T0: "ok",
            T0 + dt.timedelta(minutes=1): "busy",
        }
    finally:
        release.set()
        sched.store.close()


def test_the_real_runner_records_a_run_and_respects_the_site_lock(
    project: Project, db_url: str, plugins
) -> None:
    project.playbook("lab", EVERY_MINUTE, sites=["lab"])
    sched = scheduler_for(project, db_url, None, plugins)
    try:
        entry = next(e for e in sched.entries.values() if e is not None)
        assert run_entry(entry, threading.Event(), project_dir=project.root, db_url=db_url) == "ok"
        with sched.store.site_lock(["lab"], "a test holding the lab site"):
            status = run_entry(entry, threading.Event(), project_dir=project.root, db_url=db_url)
        assert status == "locked"
        runs = sched.store.select(sa.select(run_table.c.status, run_table.c.sites))
        assert runs == [{"status": "ok", "sites": ["lab"]}]
    finally:
        sched.store.close()
