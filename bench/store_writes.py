"""Store write throughput: task results from many worker threads, and scan rows.

Usage: ``python bench/store_writes.py [--db URL] [--results N] [--threads T]``
(default: a temporary SQLite file).  Last line:
``store_writes: <backend> results X/s (T threads), scan rows Y/s, lock refusal Z ms``.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from rmmkit.errors import LockedError
from rmmkit.results import Status, TaskResult
from rmmkit.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--results", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--rows", type=int, default=20_000)
    opts = parser.parse_args()
    url = opts.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    store = open_store(url)
    run_id = store.begin_run("bench.yml", ["bench"], False, opts.results)

    per_thread = opts.results // opts.threads

    def worker(n: int) -> None:
        for i in range(per_thread):
            now = time.time()
            store.record_task_result(
                run_id,
                TaskResult(
                    host=f"h{n}-{i}",
                    task="noop",
                    action="noop",
                    status=Status.OK,
                    data={"i": i},
                    started=now,
                    ended=now,
                ),
            )

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(opts.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results_rate = per_thread * opts.threads / (time.perf_counter() - started)

    scan_id = store.begin_scan("bench", ["10.0.0.0/8"], [])
    started = time.perf_counter()
    for chunk in range(0, opts.rows, 500):
        store.add_scan_rows(
            scan_id,
            [
                {
                    "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
                    "hostname": f"pc{i}",
                    "machine_status": "online",
                    "sources": {"machine_status": "icmp"},
                }
                for i in range(chunk, min(chunk + 500, opts.rows))
            ],
        )
    rows_rate = opts.rows / (time.perf_counter() - started)
    store.finish_scan(scan_id)

    with store.site_lock(["bench"], run_id):
        started = time.perf_counter()
        try:
            with open_store(url) as other, other.site_lock(["bench"], "second"):
                pass
        except LockedError:
            pass
        refusal_ms = (time.perf_counter() - started) * 1000
    store.finish_run(run_id, "ok", {"ok": per_thread * opts.threads})
    store.close()
    print(
        f"store_writes: {store.backend} results {results_rate:,.0f}/s ({opts.threads} threads),"
        f" scan rows {rows_rate:,.0f}/s, lock refusal {refusal_ms:.0f} ms (incl. open)"
    )


if __name__ == "__main__":
    main()
