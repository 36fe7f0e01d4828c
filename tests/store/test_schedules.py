"""Schedule claims (exactly once across processes) and scope durations."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from rmmkit.errors import StoreError
from rmmkit.store import Store, owner
from rmmkit.store.tables import runs, scans, schedule_runs

CHILD = Path(__file__).with_name("child.py")
DUE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_claim_once_then_finish(store: Store) -> None:
    assert store.claim_schedule_run("nightly-acme", DUE) is True
    assert store.claim_schedule_run("nightly-acme", DUE) is False
    assert store.claim_schedule_run("nightly-acme", DUE + dt.timedelta(days=1)) is True
    assert store.claim_schedule_run("weekly-beta", DUE) is True
    store.finish_schedule_run("nightly-acme", DUE, "ok")
    listed = store.schedule_runs("nightly-acme")
    assert [(r["due_at"], r["status"]) for r in listed] == [
        (DUE + dt.timedelta(days=1), "claimed"),
        (DUE, "ok"),
    ]
    assert listed[1]["finished_at"] >= listed[1]["claimed_at"]
    assert len(store.schedule_runs()) == 3
    with pytest.raises(StoreError, match="no claimed run"):
        store.finish_schedule_run("nightly-acme", DUE - dt.timedelta(days=1), "ok")


def test_claim_is_exclusive_across_processes(db_url: str, store: Store) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), db_url, "claim", "race", str(DUE.timestamp())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for child in children:  # all are imported and connected: release them together
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    answers = [child.communicate(timeout=60)[0].strip() for child in children]
    assert sorted(answers) == ["False", "False", "False", "True"]
    assert store.claim_schedule_run("race", DUE) is False


def test_scope_duration_is_the_median_of_finished_work(store: Store) -> None:
    assert store.scope_duration("acme") is None
    with store.engine.begin() as conn:
        for i, took in enumerate((10.0, 30.0, 20.0)):
            conn.execute(
                scans.insert().values(
                    scan_id=f"s{i}",
                    site="acme",
                    scope_key="acme",
                    ranges=[],
                    excludes=[],
                    status="finished",
                    started=1000.0 * i,
                    ended=1000.0 * i + took,
                    owner_token="x",
                    heartbeat=0.0,
                )
            )
        conn.execute(
            scans.insert().values(  # interrupted work says nothing about duration
                scan_id="s9",
                site="acme",
                scope_key="acme",
                ranges=[],
                excludes=[],
                status="interrupted",
                started=9000.0,
                ended=9999.0,
                owner_token="x",
                heartbeat=0.0,
            )
        )
        conn.execute(
            runs.insert().values(
                run_id="r1",
                playbook="p",
                sites=["acme"],
                scope_key="acme",
                check_mode=False,
                hosts=1,
                status="ok",
                started=5000.0,
                ended=5100.0,
                owner_host="h",
                owner_pid=1,
                owner_token="x",
                heartbeat=0.0,
            )
        )
        conn.execute(
            schedule_runs.insert().values(
                schedule_id="nightly",
                due_at=0.0,
                status="ok",
                claimed_by="h:1",
                owner_token="x",
                claimed_at=100.0,
                finished_at=142.0,
            )
        )
    assert store.scope_duration("acme") == pytest.approx(25.0)  # median of 10, 20, 30, 100
    assert store.scope_duration("nightly") == pytest.approx(42.0)


def test_claim_of_a_dead_process_reads_interrupted(store: Store) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    token = f"{owner.machine_id()}/{owner.boot_id()}/{gone.pid}/1"
    with store.engine.begin() as conn:
        conn.execute(
            schedule_runs.insert().values(
                schedule_id="nightly",
                due_at=DUE.timestamp(),
                status="claimed",
                claimed_by=f"h:{gone.pid}",
                owner_token=token,
                claimed_at=store.now(),
            )
        )
    assert store.claim_schedule_run("nightly", DUE) is False  # still claimed exactly once
    assert [r["status"] for r in store.schedule_runs("nightly")] == ["interrupted"]
