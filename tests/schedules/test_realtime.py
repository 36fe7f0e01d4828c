"""Real time, real processes: every-minute schedules, two schedulers, ``kill -9``, catch-up.

About two minutes: the one test of this area that waits for the wall clock.
The schedulers run in the lab's scanner namespace and the scheduled playbook
runs the real ``discover`` and ``noop`` actions on a site of lab hosts
(two ping-only hosts, two dead ones, two free addresses) through the real
runner and store.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from rmmkit.lab import Lab
from rmmkit.store import open_store
from rmmkit.store.tables import runs as run_table

from .conftest import Project

EVERY_MINUTE = {
    "frequency": "daily",
    "start": {"date": "2026-01-01", "time": "00:00"},
    "recurrence": {"every": "1m"},
    "misfire": {"policy": "run_once"},
}
SID = "playbooks/every.yml"
LAB_SITE = """\
  - name: netlab
    ranges: [10.77.1.40-10.77.1.45]
"""


def start_scheduler(project: Project, db_url: str, log: Path, lab: Lab) -> subprocess.Popen[bytes]:
    """A scheduler inside the scanner namespace (``ip netns exec`` execs: the PID is ours)."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                lab.scanner_ns,
                sys.executable,
                "-m",
                "rmmkit.cli.main",
                "scheduler",
                "run",
                "--tick",
                "1",
                "--db",
                db_url,
            ],
            cwd=project.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1"},
        )


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.lab
def test_every_minute_exactly_once_survives_kill_9_and_catches_up(
    project: Project, tmp_path: Path, lab: Lab
) -> None:
    inventory = project.root / "inventories" / "inv.yml"
    inventory.write_text(inventory.read_text().replace("hosts:\n", LAB_SITE + "hosts:\n", 1))
    live = {lab.host(name).address for name in ("ping-a", "ping-b")}
    assert live <= {f"10.77.1.{n}" for n in range(40, 46)}  # the site covers them
    project.playbook("every", EVERY_MINUTE, sites=["netlab"], actions=("discover", "noop"))
    db_url = f"sqlite:///{tmp_path / 'store.db'}"
    log = tmp_path / "scheduler.log"
    store = open_store(db_url, project.root)
    procs = [start_scheduler(project, db_url, log, lab) for _ in range(2)]
    try:

        def finished_claims() -> list[dict]:
            return [r for r in store.schedule_runs(SID) if r["status"] == "ok"]

        first = wait_for(finished_claims, 75, "the first scheduled run")[0]["due_at"]
        for proc in procs:  # both schedulers die without any chance to clean up
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        assert all(p.returncode == -9 for p in procs)
        missed = max(r["due_at"] for r in store.schedule_runs(SID)) + dt.timedelta(minutes=1)
        # Stay down until the next run is a misfire (later than the 30 s on-time tolerance).
        pause = (missed + dt.timedelta(seconds=35) - dt.datetime.now(dt.UTC)).total_seconds()
        time.sleep(max(0.0, pause))
        procs = [start_scheduler(project, db_url, log, lab)]

        def caught_up() -> dict | None:
            return next(
                (
                    r
                    for r in store.schedule_runs(SID)
                    if r["due_at"] == missed and r["status"] == "ok"
                ),
                None,
            )

        row = wait_for(caught_up, 20, "the catch-up run")
        assert row["claimed_at"] - missed.timestamp() >= 30  # started late, as a catch-up
        assert "catching up the run due" in log.read_text()
        procs[0].send_signal(signal.SIGTERM)
        assert procs[0].wait(20) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
    claims = store.schedule_runs(SID)
    dues = [r["due_at"] for r in claims]
    assert len(dues) == len(set(dues))  # one claim per due time
    assert first in dues and missed in dues
    assert {r["status"] for r in claims} <= {"ok", "abandoned"}  # nothing left "claimed"
    started = [r for r in claims if r["status"] == "ok"]
    recorded_runs = store.select(sa.select(run_table.c.run_id, run_table.c.status))
    # Exactly once: one runner run per started claim, none extra from the second scheduler.
    assert len([r for r in recorded_runs if r["status"] == "ok"]) == len(started)
    scans = [s for s in store.scans(site="netlab") if s["status"] == "finished"]
    assert len(scans) == len(started)  # each started run scanned the lab site once
    assert {h["ip"] for h in store.latest_hosts("netlab")} == live  # the dead stay out
    store.close()
