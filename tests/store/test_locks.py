"""Per-site locks against a real second process: refused while alive, taken over after kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rmmkit.errors import EXIT_LOCKED, LockedError
from rmmkit.store import SiteLock, Store

CHILD = Path(__file__).with_name("child.py")


class Holder:
    """A child process that holds a site lock and records results until killed."""

    def __init__(self, url: str, site: str, results: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), url, "hold", site, str(results)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.committed = 0
        self.run_id = ""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("committed "):
                self.committed = int(line.split()[1])
            elif line.startswith("holding "):
                self.run_id = line.split()[1]
                return
        raise AssertionError(f"child exited early with {self.proc.wait()}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()  # reaped: its pid no longer exists
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # results committed between 'holding' and the kill
            if line.startswith("committed "):
                self.committed = int(line.split()[1])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill9()


@pytest.fixture
def holder(db_url: str, store: Store) -> Iterator[Holder]:
    child = Holder(db_url, "acme", 20)
    try:
        yield child
    finally:
        child.stop()


def test_second_run_refused_fast_naming_holder(store: Store, holder: Holder) -> None:
    run_id = store.begin_run("playbooks/second.yml", ["acme"], False, 1)
    started = time.monotonic()
    with pytest.raises(LockedError) as refused, store.site_lock(["acme"], run_id):
        pass
    assert time.monotonic() - started < 1.0
    text = str(refused.value)
    assert holder.run_id in text and "run of playbooks/child.yml" in text
    assert f"pid {holder.proc.pid}" in text
    assert socket.gethostname() in text
    assert "since" in text
    assert refused.value.exit_code == EXIT_LOCKED


def test_lock_is_all_or_nothing(store: Store, holder: Holder) -> None:
    with pytest.raises(LockedError), store.site_lock(["zeta", "acme"], "mine"):
        pass
    # 'zeta' was not left locked by the refused attempt
    with store.site_lock(["zeta"], "other") as lock:
        assert lock.sites == ["zeta"]


@pytest.mark.parametrize("lock_first", [True, False], ids=["lock-then-run", "run-then-lock"])
def test_kill9_leaves_store_consistent_and_next_run_says_what_was_interrupted(
    store: Store, holder: Holder, lock_first: bool
) -> None:
    holder.kill9()
    assert holder.committed >= 20
    if lock_first:
        with store.site_lock(["acme"], "next run") as lock:
            run_id = store.begin_run("playbooks/next.yml", ["acme"], False, 1)
            check_takeover(store, holder, lock, run_id)
    else:
        run_id = store.begin_run("playbooks/next.yml", ["acme"], False, 1)
        with store.site_lock(["acme"], run_id) as lock:
            check_takeover(store, holder, lock, run_id)
    interrupted = store.interrupted_runs()
    assert [r["run_id"] for r in interrupted] == [holder.run_id]
    # every result the child saw committed is there, exactly once
    rows = store.task_results(holder.run_id)
    hosts = [r["host"] for r in rows]
    assert len(hosts) == len(set(hosts))
    assert len(rows) >= holder.committed
    assert interrupted[0]["results"] == len(rows)
    assert store.run(holder.run_id)["status"] == "interrupted"
    (scan,) = store.scans(site="acme")
    assert (scan["status"], scan["hosts"], scan["run_id"]) == ("interrupted", 3, holder.run_id)


def check_takeover(store: Store, holder: Holder, lock: SiteLock, run_id: str) -> None:
    assert [r["run_id"] for r in lock.interrupted] == [holder.run_id]
    assert f"process {holder.proc.pid} is gone" in lock.interrupted[0]["interrupted_note"]
    held = {row["site"]: row for row in store.locks()}
    assert held["acme"]["run_id"] == run_id
    assert held["acme"]["owner_pid"] == os.getpid()


def test_lock_released_on_exit_and_on_error(store: Store) -> None:
    with store.site_lock(["a", "b"], "first"):
        assert {row["site"] for row in store.locks()} == {"a", "b"}
    assert store.locks() == []
    with pytest.raises(RuntimeError), store.site_lock(["a"], "second"):
        raise RuntimeError("boom")
    assert store.locks() == []


def test_same_process_second_holder_refused(store: Store) -> None:
    with (
        store.site_lock(["a"], "first"),
        pytest.raises(LockedError, match=f"pid {os.getpid()}"),
        store.site_lock(["a"], "second"),
    ):
        pass


def test_racing_processes_get_the_lock_exactly_once(db_url: str, store: Store) -> None:
    racers = [
        subprocess.Popen(
            [sys.executable, str(CHILD), db_url, "lock", "acme"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write("go\n")
            racer.stdin.flush()
        answers = []
        for racer in racers:
            assert racer.stdout is not None
            answers.append(racer.stdout.readline().strip())
        assert sorted(answers) == ["got", "locked", "locked", "locked"]
        (held,) = store.locks()
        winner = racers[answers.index("got")]
        assert (held["owner_pid"], held["alive"]) == (winner.pid, True)
    finally:
        for racer in racers:
            racer.communicate(timeout=60)
    assert store.locks() == []
