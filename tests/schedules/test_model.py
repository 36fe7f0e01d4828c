"""Parsing and validating the schedule block: file:line errors, YAML 1.1 pitfalls."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from rmmkit.declared.schedule import format_interval, parse_interval, parse_schedule
from rmmkit.declared.schedule_block import read_schedule_block
from rmmkit.errors import DuplicateName, SchemaViolation

from .conftest import Project, daily


def test_unquoted_times_and_dates_keep_their_written_text(project: Project) -> None:
    path = project.playbook(
        "p",
        """\
        schedule:
          frequency: weekly
          days: [mon, fri]
          start: {date: 2026-03-02, time: 02:30, timezone: Europe/Berlin}
          recurrence: {custom: [02:30, 14:45]}
          until: 2026-12-31
        """,
        sites=["hq"],
    )
    raw, marks, where = read_schedule_block(path)
    schedule = parse_schedule(raw, schedule_id="p", location=where, marks=marks)
    assert schedule.start_time == dt.time(2, 30)
    assert schedule.custom == (dt.time(2, 30), dt.time(14, 45))
    assert schedule.days == (0, 4)
    assert schedule.until == dt.datetime(2026, 12, 31, 23, 59, 59)
    assert where.line == 1 + path.read_text().splitlines().index("schedule:")


def test_safe_load_dates_are_understood_but_base60_integers_are_refused() -> None:
    # yaml.safe_load reads 13:40 as the base-60 integer 820: a number is not a time.
    data = yaml.safe_load(
        "frequency: daily\nstart: {date: 2026-03-02, time: '13:40'}\n"
        "recurrence: {custom: ['01:15', '23:59']}\n"
    )
    schedule = parse_schedule(data, schedule_id="x")
    assert schedule.start_date == dt.date(2026, 3, 2)
    data["start"]["time"] = yaml.safe_load("13:40")
    assert data["start"]["time"] == 13 * 60 + 40
    with pytest.raises(SchemaViolation) as info:
        parse_schedule(data, schedule_id="x")
    assert "schedule.start.time" in str(info.value)
    assert info.value.expected == "a time HH:MM (24 h)"


def test_duplicate_schedule_keys_are_refused_with_their_line(project: Project) -> None:
    path = project.playbook(
        "dup",
        "schedule:\n  frequency: daily\n  frequency: weekly\n"
        "  start: {date: 2026-03-02, time: 01:00}\n",
        sites=["hq"],
    )
    first = path.read_text().splitlines().index("schedule:")
    with pytest.raises(DuplicateName) as info:
        read_schedule_block(path)
    assert str(info.value).startswith(f"{path}:{first + 3}:")


BLOCK = (
    "schedule:\n"
    "  frequency: daily\n"
    "  start: {date: 2026-03-02, time: 02:30, timezone: Europe/Berlin}\n"
    "  recurrence: {every: 2h}\n"
)


@pytest.mark.parametrize(
    ("old", "new", "needle", "block_line"),
    [
        ("Europe/Berlin", "Mars/Olympus", "unknown time zone", 3),
        ("2026-03-02", "2026-02-30", "not a calendar date", 3),
        ("time: 02:30", "time: 24:30", "HH:MM", 3),
        ("every: 2h", "every: 30h", "within a day", 4),
        ("every: 2h", "every: 2w", "weekly", 4),
        ("{every: 2h}", "{custom: ['01:00', '02:00', '03:00']}", "two", 4),
        ("{every: 2h}\n", "{every: 2h}\n  days: [mon]\n", "weekly", 5),
        ("{every: 2h}\n", "{every: 2h}\n  until: 2025-01-01\n", "before the start", 5),
        ("{every: 2h}\n", "{every: 2h}\n  misfire: {policy: later}\n", "run_once", 5),
        ("{every: 2h}\n", "{every: 2h}\n  colour: red\n", "only the keys", 1),
    ],
)
def test_errors_name_file_line_and_what_was_expected(
    project: Project, old: str, new: str, needle: str, block_line: int
) -> None:
    path = project.playbook("bad", BLOCK.replace(old, new), sites=["hq"])
    first = path.read_text().splitlines().index("schedule:")
    raw, marks, where = read_schedule_block(path)
    with pytest.raises(SchemaViolation) as info:
        parse_schedule(raw, schedule_id="bad", location=where, marks=marks)
    message = str(info.value)
    assert message.startswith(f"{path}:{first + block_line}:"), message
    assert needle in message
    assert "\n" not in message


def test_intervals_round_trip() -> None:
    for text in ("90s", "30m", "2h", "3d", "2w"):
        assert format_interval(parse_interval(text)) == text
    with pytest.raises(ValueError):
        parse_interval("2 hours")


def test_weekly_without_days_runs_on_the_start_weekday() -> None:
    schedule = parse_schedule(
        {"frequency": "weekly", "start": {"date": "2026-03-05", "time": "01:00"}}, schedule_id="w"
    )
    assert schedule.days == (dt.date(2026, 3, 5).weekday(),)


def test_describe_mentions_everything_a_table_needs() -> None:
    text = daily("02:00", "Europe/Berlin", recurrence={"every": "30m"}).describe()
    assert text == "daily 02:00 every 30m Europe/Berlin"
