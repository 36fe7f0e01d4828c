"""Schedules that scan the same addresses at the same time, and free slots.

Why both address and time: two nightly scans of different sites may run
side by side; two scans of the same /24 (declared under two sites, or once
as a CIDR and once as a start-end range) fight over the hosts and the
per-site lock.  A conflict needs shared addresses (netaddr sets, excludes
already removed) *and* runs whose ``[start, start + estimated duration)``
intervals intersect within the checked horizon.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import netaddr
import yaml

from rmmkit.declared.schedule import Schedule, format_interval

from .rrules import localize, runs_between, times_of_day

DEFAULT_HORIZON = dt.timedelta(days=28)  # four weeks: every weekly pattern, most DST changes
DEFAULT_RATE = 10.0  # addresses per second a scan gets through when no history exists
MIN_DURATION = dt.timedelta(minutes=1)


@dataclass(frozen=True, eq=False)
class Planned:
    """A schedule with the addresses it scans and how long one run takes."""

    schedule: Schedule
    playbook: str
    addresses: netaddr.IPSet
    duration: dt.timedelta
    duration_source: str = "declared"  # declared | history | size
    sites: tuple[str, ...] = ()

    @property
    def start(self) -> dt.datetime:
        """The declared start moment as an aware instant."""
        naive = dt.datetime.combine(self.schedule.start_date, self.schedule.start_time)
        return localize(naive, self.schedule)


@dataclass(frozen=True, eq=False)
class Conflict:
    earlier: Planned
    later: Planned
    shared: netaddr.IPSet
    first: tuple[dt.datetime, dt.datetime]  # the first pair of overlapping runs (earlier, later)
    overlaps: int  # overlapping run pairs within the horizon


def history_keys(schedule: Schedule, sites: Sequence[str]) -> list[str]:
    """Store scopes whose past durations predict this schedule: itself, then its sites' runs."""
    keys = [schedule.id]
    if sites:
        keys.append(",".join(sorted(sites)))
    return keys


def estimate_duration(
    schedule: Schedule,
    addresses: netaddr.IPSet,
    store: object | None = None,
    *,
    sites: Sequence[str] = (),
    rate: float = DEFAULT_RATE,
) -> tuple[dt.timedelta, str]:
    """Declared estimate, else the store's median for this scope, else size / rate."""
    if schedule.estimated_duration is not None:
        return schedule.estimated_duration, "declared"
    if store is not None:
        for key in history_keys(schedule, sites):
            seconds = store.scope_duration(key)
            if seconds:
                return max(MIN_DURATION, dt.timedelta(seconds=float(seconds))), "history"
    return max(MIN_DURATION, dt.timedelta(seconds=addresses.size / rate)), "size"


def overlapping_pairs(
    runs_a: Sequence[dt.datetime],
    dur_a: dt.timedelta,
    runs_b: Sequence[dt.datetime],
    dur_b: dt.timedelta,
    not_before: dt.datetime,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Pairs of runs whose intervals intersect somewhere after ``not_before``."""
    starts_b = sorted(runs_b)
    pairs = []
    for ra in sorted(runs_a):
        lo = bisect.bisect_right(starts_b, ra - dur_b)  # rb + dur_b > ra
        hi = bisect.bisect_left(starts_b, ra + dur_a)  # rb < ra + dur_a
        for rb in starts_b[lo:hi]:
            if min(ra + dur_a, rb + dur_b) > not_before:
                pairs.append((ra, rb))
    return pairs


def _pair_conflict(
    a: Planned, b: Planned, now: dt.datetime, horizon: dt.timedelta
) -> Conflict | None:
    shared = a.addresses & b.addresses
    if not shared:
        return None
    window_start = max(now, a.start, b.start)
    window_end = window_start + horizon
    runs_a = runs_between(a.schedule, window_start - a.duration, window_end)
    runs_b = runs_between(b.schedule, window_start - b.duration, window_end)
    pairs = overlapping_pairs(runs_a, a.duration, runs_b, b.duration, window_start)
    if not pairs:
        return None
    earlier, later = sorted((a, b), key=lambda p: (p.start, str(p.schedule.location)))
    first = pairs[0] if earlier is a else (pairs[0][1], pairs[0][0])
    return Conflict(earlier, later, shared, first, len(pairs))


def find_conflicts(
    planned: Sequence[Planned], now: dt.datetime, horizon: dt.timedelta = DEFAULT_HORIZON
) -> list[Conflict]:
    """Every conflicting pair, in declaration order of the earlier schedule."""
    out = []
    for i, a in enumerate(planned):
        for b in planned[i + 1 :]:
            conflict = _pair_conflict(a, b, now, horizon)
            if conflict is not None:
                out.append(conflict)
    return out


def shifted(schedule: Schedule, offset: dt.timedelta) -> Schedule | None:
    """The schedule moved by ``offset`` on the wall clock; None if a run would leave its day."""
    minutes = int(offset.total_seconds() // 60)

    def move(t: dt.time) -> dt.time | None:
        value = t.hour * 60 + t.minute + minutes
        return dt.time(value // 60, value % 60) if 0 <= value < 24 * 60 else None

    start = move(schedule.start_time)
    custom = tuple(move(t) for t in schedule.custom)
    if start is None or None in custom:
        return None
    raw = copy.deepcopy(schedule.raw)
    raw.setdefault("start", {})["time"] = start.strftime("%H:%M")
    if custom:
        raw["recurrence"]["custom"] = [t.strftime("%H:%M") for t in custom if t]
    moved = replace(schedule, start_time=start, custom=tuple(t for t in custom if t), raw=raw)
    if schedule.intraday and len(times_of_day(moved)) < len(times_of_day(schedule)):
        return None  # an every-schedule must keep its number of runs per day
    return moved


def suggest_slots(
    later: Planned,
    others: Sequence[Planned],
    now: dt.datetime,
    *,
    horizon: dt.timedelta = DEFAULT_HORIZON,
    step: dt.timedelta = dt.timedelta(minutes=15),
    count: int = 3,
) -> list[Schedule]:
    """Up to ``count`` shifted copies of ``later`` that conflict with none of ``others``."""
    rivals = [p for p in others if p is not later and (p.addresses & later.addresses)]
    found: list[Schedule] = []
    steps = int(dt.timedelta(days=1) / step)
    for k in range(1, steps):
        for offset in (k * step, -k * step):
            candidate = shifted(later.schedule, offset)
            if candidate is None:
                continue
            moved = replace(later, schedule=candidate)
            if all(_pair_conflict(moved, rival, now, horizon) is None for rival in rivals):
                found.append(candidate)
                if len(found) >= count:
                    return found
    return found


def as_yaml(schedule: Schedule) -> str:
    """The ``schedule:`` block as YAML that can be pasted into the playbook."""
    return yaml.safe_dump({"schedule": schedule.raw}, sort_keys=False, default_flow_style=False)


def describe_conflict(conflict: Conflict) -> str:
    """One paragraph naming both files and lines, the shared addresses and the first clash."""
    a, b = conflict.earlier, conflict.later
    shared = ", ".join(str(r) for r in conflict.shared.iter_ipranges())
    ra, rb = conflict.first
    return (
        f"{b.schedule.location}: schedule conflicts with {a.schedule.location}: "
        f"both scan {shared} ({conflict.shared.size} addresses); "
        f"{ra:%Y-%m-%d %H:%M %Z} (+{format_interval(a.duration)}, {a.duration_source}) overlaps "
        f"{rb:%Y-%m-%d %H:%M %Z} (+{format_interval(b.duration)}, {b.duration_source}); "
        f"{conflict.overlaps} overlapping runs in the horizon"
    )
