"""Next runs: DST gaps and folds, leap days, intervals, and a brute-force oracle.

Expected instants come from the zones' published rules (Europe/Berlin
switches at 01:00 UTC on the last Sundays of March and October; New York at
02:00 local on the second Sunday of March and the first of November).
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from rmmkit.declared.schedule import Schedule
from rmmkit.schedules.rrules import next_runs, runs_between

from .conftest import aware, daily, make_schedule

Z = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=Z)


def utc_of(runs: list[dt.datetime]) -> list[dt.datetime]:
    return [r.astimezone(Z) for r in runs]


def test_berlin_spring_forward_runs_a_nonexistent_time_once_after_the_gap() -> None:
    s = daily("02:30", "Europe/Berlin", date="2026-03-01")
    runs = next_runs(s, utc("2026-03-27T12:00"), 3)
    assert utc_of(runs) == [
        utc("2026-03-28T01:30"),
        utc("2026-03-29T01:30"),
        utc("2026-03-30T00:30"),
    ]
    assert runs[1].strftime("%H:%M %Z") == "03:30 CEST"


def test_berlin_fall_back_runs_an_ambiguous_time_once_at_its_first_occurrence() -> None:
    s = daily("02:30", "Europe/Berlin", date="2026-10-01")
    runs = next_runs(s, utc("2026-10-23T12:00"), 3)
    assert utc_of(runs) == [
        utc("2026-10-24T00:30"),
        utc("2026-10-25T00:30"),
        utc("2026-10-26T01:30"),
    ]


def _day(schedule: Schedule, day: str, tz: str) -> list[dt.datetime]:
    start = aware(f"{day}T00:00", tz) - dt.timedelta(seconds=1)
    return runs_between(schedule, start, start + dt.timedelta(days=1))


def test_every_30m_across_the_spring_gap_keeps_30_minutes_of_real_time() -> None:
    s = daily("01:00", "Europe/Berlin", date="2026-03-01", recurrence={"every": "30m"})
    runs = _day(s, "2026-03-29", "Europe/Berlin")
    # 01:00 … 23:30 is 46 wall times; 02:00 and 02:30 do not exist and land on 03:00/03:30.
    assert len(runs) == 44 and len(set(runs)) == 44
    gaps = {b.astimezone(Z) - a.astimezone(Z) for a, b in itertools.pairwise(runs)}
    assert gaps == {dt.timedelta(minutes=30)}


def test_every_30m_across_the_fall_fold_does_not_repeat_the_hour() -> None:
    s = daily("01:00", "Europe/Berlin", date="2026-10-01", recurrence={"every": "30m"})
    runs = _day(s, "2026-10-25", "Europe/Berlin")
    assert len(runs) == 46
    gaps = [b.astimezone(Z) - a.astimezone(Z) for a, b in itertools.pairwise(runs)]
    assert gaps.count(dt.timedelta(minutes=90)) == 1  # 02:30 CEST → 03:00 CET
    assert set(gaps) == {dt.timedelta(minutes=30), dt.timedelta(minutes=90)}


def test_new_york_spring_and_fall() -> None:
    spring = daily("02:30", "America/New_York", date="2026-03-01")
    assert utc_of(next_runs(spring, utc("2026-03-07T12:00"), 2)) == [
        utc("2026-03-08T07:30"),  # 02:30 does not exist: 03:30 EDT
        utc("2026-03-09T06:30"),
    ]
    fall = daily("01:30", "America/New_York", date="2026-10-01")
    assert utc_of(next_runs(fall, utc("2026-10-31T12:00"), 2)) == [
        utc("2026-11-01T05:30"),  # first 01:30 (EDT), not the second (EST)
        utc("2026-11-02T06:30"),
    ]


def test_weekly_days_keep_wall_clock_time_across_dst() -> None:
    s = make_schedule(
        {
            "frequency": "weekly",
            "days": ["sun"],
            "start": {"date": "2026-03-01", "time": "09:00", "timezone": "Europe/Berlin"},
        }
    )
    runs = next_runs(s, utc("2026-03-20T00:00"), 2)
    assert [r.strftime("%Y-%m-%d %H:%M") for r in runs] == ["2026-03-22 09:00", "2026-03-29 09:00"]
    assert utc_of(runs) == [utc("2026-03-22T08:00"), utc("2026-03-29T07:00")]


def test_leap_day_is_an_ordinary_day() -> None:
    s = daily("06:00", date="2028-02-27")
    assert [r.date() for r in next_runs(s, utc("2028-02-26T00:00"), 4)] == [
        dt.date(2028, 2, 27),
        dt.date(2028, 2, 28),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 1),
    ]
    every2 = daily("06:00", date="2028-02-27", recurrence={"every": "2d"})
    assert [r.date() for r in next_runs(every2, utc("2028-02-26T00:00"), 3)] == [
        dt.date(2028, 2, 27),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 2),
    ]
    non_leap = daily("06:00", date="2027-02-27")
    assert [r.date() for r in next_runs(non_leap, utc("2027-02-27T12:00"), 2)] == [
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 1),
    ]


def test_a_schedule_starting_on_a_leap_day_continues_weekly() -> None:
    s = make_schedule({"frequency": "weekly", "start": {"date": "2028-02-29", "time": "23:30"}})
    runs = next_runs(s, utc("2028-01-01T00:00"), 3)
    assert [r.date() for r in runs] == [
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 7),
        dt.date(2028, 3, 14),
    ]


def test_until_is_inclusive_and_ends_the_schedule() -> None:
    s = daily("22:00", date="2026-01-01", until="2026-01-03")
    assert [r.day for r in next_runs(s, utc("2025-12-31T00:00"), 10)] == [1, 2, 3]


def test_no_run_before_the_start_moment() -> None:
    s = daily("09:00", date="2026-01-10", recurrence={"custom": ["08:00", "18:00"]})
    assert utc_of(next_runs(s, utc("2026-01-01T00:00"), 2)) == [
        utc("2026-01-10T18:00"),
        utc("2026-01-11T08:00"),
    ]


# -- an independent oracle: plain date arithmetic in UTC --------------------------------------


def brute_runs(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every run in (start, end] by walking day by day (UTC schedules only)."""
    out = []
    first_moment = dt.datetime.combine(schedule.start_date, schedule.start_time, Z)
    day = schedule.start_date
    while day <= end.date():
        offset = (day - schedule.start_date).days
        if schedule.frequency == "daily":
            step = schedule.every.days if schedule.every and not schedule.intraday else 1
            runs_today = offset % step == 0
        else:
            weeks = schedule.every.days // 7 if schedule.every and not schedule.intraday else 1
            monday0 = schedule.start_date - dt.timedelta(days=schedule.start_date.weekday())
            week_index = (day - monday0).days // 7
            runs_today = day.weekday() in schedule.days and week_index % weeks == 0
        if runs_today:
            if schedule.custom:
                times = list(schedule.custom)
            elif schedule.intraday:
                assert schedule.every is not None
                times, t = [], dt.datetime.combine(day, schedule.start_time, Z)
                while t.date() == day:
                    times.append(t.time())
                    t += schedule.every
            else:
                times = [schedule.start_time]
            for t in times:
                moment = dt.datetime.combine(day, t, Z)
                if (
                    moment >= first_moment
                    and start < moment <= end
                    and (schedule.until is None or moment.replace(tzinfo=None) <= schedule.until)
                ):
                    out.append(moment)
        day += dt.timedelta(days=1)
    return sorted(out)


hhmm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


@st.composite
def utc_schedules(draw: st.DrawFn) -> Schedule:
    frequency = draw(st.sampled_from(["daily", "weekly"]))
    start_day = dt.date(2027, 12, 20) + dt.timedelta(days=draw(st.integers(0, 90)))
    data: dict = {
        "frequency": frequency,
        "start": {"date": start_day.isoformat(), "time": draw(hhmm), "timezone": "UTC"},
    }
    if frequency == "weekly":
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        data["days"] = draw(st.lists(st.sampled_from(days), min_size=1, max_size=3, unique=True))
    kind = draw(st.sampled_from(["none", "intraday", "days", "custom"]))
    if kind == "intraday":
        data["recurrence"] = {"every": draw(st.sampled_from(["45m", "90m", "2h", "7h", "5m"]))}
    elif kind == "days":
        data["recurrence"] = {
            "every": f"{draw(st.integers(1, 3))}{'d' if frequency == 'daily' else 'w'}"
        }
    elif kind == "custom":
        data["recurrence"] = {"custom": draw(st.lists(hhmm, min_size=1, max_size=2, unique=True))}
    if draw(st.booleans()):
        data["until"] = (start_day + dt.timedelta(days=draw(st.integers(0, 40)))).isoformat()
    return make_schedule(data)


@settings(max_examples=60, deadline=None)
@given(utc_schedules(), st.integers(-3, 30), st.integers(0, 23))
def test_rrule_runs_agree_with_day_by_day_arithmetic(
    schedule: Schedule, days: int, hours: int
) -> None:
    origin = dt.datetime.combine(schedule.start_date, dt.time(0), Z)
    start = origin + dt.timedelta(days=days, hours=hours)
    end = start + dt.timedelta(days=9)
    assert runs_between(schedule, start, end) == brute_runs(schedule, start, end)
