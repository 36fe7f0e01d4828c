"""A separate process that uses the store, for lock / kill -9 / claim tests.

Usage: ``python child.py URL MODE [ARGS]``; prints progress lines the test reads.

* ``hold SITE N`` — lock SITE, begin a run and a scan (3 rows), record N results (printing
  ``committed K`` after each is durable), print ``holding RUN_ID``, then
  keep recording results until killed.
* ``claim SCHEDULE DUE_EPOCH`` — wait for ``go`` on stdin, claim, print True/False.
* ``lock SITE`` — wait for ``go``, try the lock, print ``got`` or ``locked``, and
  keep it until stdin closes.
"""

from __future__ import annotations

import os
import sys
import time

from rmmkit.results import Status, TaskResult
from rmmkit.store import open_store


def hold(url: str, site: str, count: int) -> None:
    store = open_store(url)
    with store.site_lock([site], "run of playbooks/child.yml"):  # lock first, as the runner does
        run_id = store.begin_run("playbooks/child.yml", [site], False, count)
        scan_id = store.begin_scan(site, ["10.9.0.0/24"], [], run_id)
        store.add_scan_rows(scan_id, [{"ip": f"10.9.0.{i}"} for i in (1, 2, 3)])
        done = 0
        while True:
            now = time.time()
            store.record_task_result(
                run_id,
                TaskResult(
                    host=f"host{done:05d}",
                    task="noop",
                    action="noop",
                    status=Status.OK,
                    started=now,
                    ended=now,
                ),
            )
            done += 1
            print(f"committed {done}", flush=True)
            if done == count:
                print(f"holding {run_id}", flush=True)
            if done >= count:
                time.sleep(0.01)


def claim(url: str, schedule_id: str, due: float) -> None:
    store = open_store(url)
    sys.stdin.readline()
    print(store.claim_schedule_run(schedule_id, due), flush=True)
    store.close()


def lock(url: str, site: str) -> None:
    from rmmkit.errors import LockedError

    store = open_store(url)
    sys.stdin.readline()
    try:
        with store.site_lock([site], f"racer {os.getpid()}"):
            print("got", flush=True)
            sys.stdin.read()
    except LockedError:
        print("locked", flush=True)
    store.close()


if __name__ == "__main__":
    url, mode, *args = sys.argv[1:]
    if mode == "hold":
        hold(url, args[0], int(args[1]))
    elif mode == "claim":
        claim(url, args[0], float(args[1]))
    elif mode == "lock":
        lock(url, args[0])
