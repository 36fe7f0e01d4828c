"""Schedule computations: next runs, a scheduler tick, and ``schedule check`` at scale.

Why: the scheduler ticks every few seconds over every declared schedule, and
``schedule check`` compares every pair over four weeks; both must stay cheap
for a few hundred schedules (an MSP with many client sites).

Usage: ``python bench/schedules.py [--schedules 200]``.
Last line: ``schedules: next-runs X us/schedule, tick-window Y us/schedule, check N pairs in Z s``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

import netaddr

from rmmkit.declared.schedule import parse_schedule
from rmmkit.schedules.conflicts import Planned, find_conflicts
from rmmkit.schedules.rrules import next_runs, runs_between

ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe")


def make(count: int, seed: int = 7) -> list[Planned]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        data: dict = {
            "frequency": rng.choice(["daily", "weekly"]),
            "start": {
                "date": "2020-01-01",
                "time": f"{rng.randrange(24):02d}:{rng.choice([0, 15, 30, 45]):02d}",
                "timezone": rng.choice(ZONES),
            },
        }
        if data["frequency"] == "weekly":
            data["days"] = rng.sample(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], 2)
        data["recurrence"] = (
            rng.choice([{"every": "30m"}, {"every": "4h"}, {"custom": ["01:00", "13:00"]}, {}])
            or None
        )
        if not data["recurrence"]:
            del data["recurrence"]
        schedule = parse_schedule(data, schedule_id=f"playbooks/p{i}.yml")
        block = rng.randrange(64)
        addresses = netaddr.IPSet([f"10.{block}.{rng.randrange(4)}.0/24"])
        out.append(
            Planned(schedule, schedule.id, addresses, dt.timedelta(minutes=rng.choice([5, 20, 60])))
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=200)
    args = parser.parse_args()
    planned = make(args.schedules)
    now = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)

    started = time.perf_counter()
    for p in planned:
        next_runs(p.schedule, now, 10)
    per_next = (time.perf_counter() - started) / len(planned) * 1e6

    started = time.perf_counter()
    for p in planned:  # what one scheduler tick computes per schedule
        runs_between(p.schedule, now - dt.timedelta(seconds=30), now)
    per_tick = (time.perf_counter() - started) / len(planned) * 1e6

    started = time.perf_counter()
    conflicts = find_conflicts(planned, now)
    check = time.perf_counter() - started
    pairs = len(planned) * (len(planned) - 1) // 2
    print(f"{len(conflicts)} conflicts among {len(planned)} schedules")
    print(
        f"schedules: next-runs {per_next:.0f} us/schedule, tick-window {per_tick:.0f} us/schedule, "
        f"check {pairs} pairs in {check:.2f} s"
    )


if __name__ == "__main__":
    main()
