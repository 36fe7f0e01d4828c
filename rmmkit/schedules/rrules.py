"""Run times of a schedule, from python-dateutil's rrule (no hand-written date math).

Why wall-clock first, zone second: a scan declared for 02:00 Europe/Berlin
runs at 02:00 on the wall clock in winter and in summer.  So the rrules run
on *naive local* datetimes, and each occurrence is then placed in the zone:

* **Nonexistent local times** (spring forward, e.g. 02:30 on 2026-03-29 in
  Berlin) run at the same distance past the gap's start as zoneinfo's
  ``fold=0`` reading gives them: 02:30 → 03:30 CEST.  If that instant is
  already a run of the schedule (``every: 30m`` reaches 03:30 anyway), it is
  run once, not twice.
* **Ambiguous local times** (fall back, e.g. 02:30 on 2026-10-25 in Berlin,
  which happens twice) run once, at the first occurrence (``fold=0``, still
  summer time).  An ``every`` schedule does not re-run the repeated hour.
* **Leap days** are ordinary days to rrule: a daily schedule runs on
  29 February, and a schedule starting on 29 February runs the next day.

Every instant returned is a timezone-aware datetime in the schedule's zone.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator

from dateutil import rrule

from rmmkit.declared.schedule import Schedule

UTC = dt.UTC
_MAX_OFFSET = dt.timedelta(hours=14)  # no zone is further than ±14 h from UTC


def times_of_day(schedule: Schedule) -> list[dt.time]:
    """The wall-clock times a run day has, in order."""
    if schedule.custom:
        return list(schedule.custom)
    if not schedule.intraday:
        return [schedule.start_time]
    assert schedule.every is not None
    times, step = [], int(schedule.every.total_seconds() // 60)
    minute = schedule.start_time.hour * 60 + schedule.start_time.minute
    while minute < 24 * 60:
        times.append(dt.time(minute // 60, minute % 60))
        minute += step
    return times


def time_groups(schedule: Schedule) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Times of day as ``(hours, minutes)`` groups whose cartesian product is exact.

    Why: rrule's ``byhour``/``byminute`` (and cron, and systemd ``OnCalendar``)
    take the product of hours and minutes; grouping hours that share the same
    minutes expresses any set of times with few rules.
    """
    minutes_by_hour: dict[int, set[int]] = {}
    for t in times_of_day(schedule):
        minutes_by_hour.setdefault(t.hour, set()).add(t.minute)
    hours_by_minutes: dict[tuple[int, ...], list[int]] = {}
    for hour, minutes in sorted(minutes_by_hour.items()):
        hours_by_minutes.setdefault(tuple(sorted(minutes)), []).append(hour)
    return [(tuple(hours), minutes) for minutes, hours in hours_by_minutes.items()]


def _period_days(schedule: Schedule) -> tuple[int, int]:
    """(rrule interval, days per interval): the phase a later dtstart must keep."""
    unit = 7 if schedule.frequency == "weekly" else 1
    interval = 1
    if schedule.every is not None and not schedule.intraday:
        interval = schedule.every.days // unit
    return interval, interval * unit


def build_ruleset(schedule: Schedule, from_date: dt.date | None = None) -> rrule.rruleset:
    """The schedule as a dateutil ``rruleset`` over naive local wall-clock datetimes.

    ``from_date`` moves dtstart forward by whole periods (same phase, same
    runs) so that asking for next week's runs of a schedule declared years
    ago does not make rrule walk every occurrence since then.
    """
    interval, period = _period_days(schedule)
    first_day = schedule.start_date
    if schedule.frequency == "weekly":
        first_day -= dt.timedelta(days=first_day.weekday())  # whole weeks keep the phase
    if from_date is not None and from_date > first_day:
        first_day += dt.timedelta(days=((from_date - first_day).days // period) * period)
    dtstart = dt.datetime.combine(max(first_day, schedule.start_date), dt.time(0, 0))
    first = dt.datetime.combine(schedule.start_date, schedule.start_time)
    ruleset = rrule.rruleset()
    for hours, minutes in time_groups(schedule):
        ruleset.rrule(
            rrule.rrule(
                rrule.WEEKLY if schedule.frequency == "weekly" else rrule.DAILY,
                dtstart=dtstart,
                interval=interval,
                byweekday=schedule.days or None,
                byhour=hours,
                byminute=minutes,
                bysecond=0,
                until=schedule.until,
                cache=False,
            )
        )
    # Runs before the declared start moment (earlier times on the start date) do not exist.
    if dtstart <= first:
        ruleset.exrule(
            rrule.rrule(rrule.MINUTELY, dtstart=dtstart, until=first - dt.timedelta(minutes=1))
        )
    return ruleset


def localize(naive: dt.datetime, schedule: Schedule) -> dt.datetime:
    """Place a wall-clock time in the zone (policy for gaps and folds: see module docstring)."""
    tz = schedule.tz
    aware = naive.replace(tzinfo=tz, fold=0)
    instant = aware.astimezone(UTC)
    # Nonexistent (in a gap): the round trip changes the wall time; keep the real instant.
    return instant.astimezone(tz)


def _instants(schedule: Schedule, naive_from: dt.datetime) -> Iterator[dt.datetime]:
    """Localized runs from ``naive_from`` on, in instant order, without duplicates."""
    heap: list[tuple[dt.datetime, dt.datetime]] = []
    last: dt.datetime | None = None
    ruleset = build_ruleset(schedule, naive_from.date())
    for naive in ruleset.xafter(naive_from, inc=True):
        local = localize(naive, schedule)
        heapq.heappush(heap, (local.astimezone(UTC), local))
        # A later wall time can never map before (its naive value - 14 h) read as UTC.
        safe = naive.replace(tzinfo=UTC) - _MAX_OFFSET
        while heap and heap[0][0] < safe:
            instant, value = heapq.heappop(heap)
            if instant != last:
                last = instant
                yield value
    while heap:
        instant, value = heapq.heappop(heap)
        if instant != last:
            last = instant
            yield value


def iter_runs(schedule: Schedule, after: dt.datetime) -> Iterator[dt.datetime]:
    """Every run strictly after the aware instant ``after``, in order (may be endless)."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    naive_from = after.astimezone(schedule.tz).replace(tzinfo=None) - dt.timedelta(days=1)
    for run in _instants(schedule, naive_from):
        if run > after:
            yield run


def next_runs(schedule: Schedule, after: dt.datetime, count: int = 5) -> list[dt.datetime]:
    """The next ``count`` runs strictly after ``after``."""
    out: list[dt.datetime] = []
    for run in iter_runs(schedule, after):
        out.append(run)
        if len(out) >= count:
            break
    return out


def runs_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every run in the half-open window ``(start, end]``."""
    out: list[dt.datetime] = []
    for run in iter_runs(schedule, start):
        if run > end:
            break
        out.append(run)
    return out
