"""cron and systemd exports, checked against systemd's own calendar parser."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rmmkit.declared.schedule import Schedule
from rmmkit.schedules.export import cron_lines, export_systemd, on_calendar
from rmmkit.schedules.rrules import next_runs

from .conftest import make_schedule

needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
BASE = dt.datetime(2026, 4, 6, 12, 0, tzinfo=dt.UTC)

SCHEDULES = [
    {
        "frequency": "daily",
        "start": {"date": "2026-01-01", "time": "02:00", "timezone": "Europe/Berlin"},
    },
    {
        "frequency": "weekly",
        "days": ["mon", "thu"],
        "start": {"date": "2026-01-01", "time": "02:30", "timezone": "Europe/Berlin"},
        "recurrence": {"custom": ["02:30", "14:10"]},
    },
    {
        "frequency": "daily",
        "start": {"date": "2026-01-01", "time": "00:15", "timezone": "America/New_York"},
        "recurrence": {"every": "45m"},
    },
    {
        "frequency": "weekly",
        "days": ["sat", "sun"],
        "start": {"date": "2026-01-01", "time": "06:00", "timezone": "UTC"},
        "recurrence": {"every": "5h"},
    },
]


def systemd_elapses(expressions: list[str], base: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` elapses of all expressions together, as systemd computes them."""
    found: list[dt.datetime] = []
    for expr in expressions:
        out = subprocess.run(
            [
                "systemd-analyze",
                "calendar",
                f"--iterations={count}",
                f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC",
                expr,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": "UTC", "LANG": "C"},
        ).stdout
        for stamp in re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", out):
            found.append(dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.UTC))
    return sorted(found)[:count]


@needs_systemd
@pytest.mark.parametrize("data", SCHEDULES)
def test_systemd_oncalendar_fires_exactly_at_our_runs(data: dict) -> None:
    schedule = make_schedule(data)
    ours = [r.astimezone(dt.UTC) for r in next_runs(schedule, BASE, 12)]
    assert systemd_elapses(on_calendar(schedule), BASE, 12) == ours


@needs_systemd
def test_systemd_skips_a_nonexistent_time_where_the_daemon_shifts_it() -> None:
    # Documented difference (docs/schedules.md): 02:30 on 2026-03-29 does not exist in Berlin.
    schedule = make_schedule(
        {
            "frequency": "daily",
            "start": {"date": "2026-01-01", "time": "02:30", "timezone": "Europe/Berlin"},
        }
    )
    base = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)
    ours = [r.astimezone(dt.UTC) for r in next_runs(schedule, base, 2)]
    theirs = systemd_elapses(on_calendar(schedule), base, 1)
    assert ours[0] == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)  # 03:30 CEST
    assert theirs == [ours[1]]


@needs_systemd
def test_exported_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    schedules = [make_schedule(d, f"playbooks/p{i}.yml") for i, d in enumerate(SCHEDULES)]
    units = export_systemd(schedules, tmp_path, executable="/bin/true")
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    paths = sorted(str(p) for p in tmp_path.iterdir())
    good = subprocess.run(["systemd-analyze", "verify", *paths], capture_output=True, text=True)
    assert good.returncode == 0 and "Failed" not in good.stderr, good.stderr
    assert any("Persistent=true" in t for t in units.values())
    broken = tmp_path / "rmmkit-broken.timer"
    broken.write_text(
        units[next(n for n in units if n.endswith(".timer"))].replace(
            "OnCalendar=", "OnCalendar=not-a-time ", 1
        )
    )
    bad = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, text=True)
    assert bad.returncode != 0 and "Failed to parse calendar" in bad.stderr  # the check can fail


def cron_matches(line: str, schedule: Schedule, start: dt.datetime, days: int) -> list[dt.datetime]:
    """Every minute a crontab line fires, evaluated in the schedule's zone (minute by minute)."""
    minute, hour, _dom, _mon, dow = line.split()[:5]
    allowed = {
        f: set(map(int, v.split(","))) if v != "*" else None
        for f, v in (("m", minute), ("h", hour), ("d", dow))
    }
    zone, out = ZoneInfo(schedule.timezone), []
    t = start
    while t < start + dt.timedelta(days=days):
        local = t.astimezone(zone)
        if (
            local.minute in allowed["m"]
            and local.hour in allowed["h"]
            and (allowed["d"] is None or (local.isoweekday() % 7) in allowed["d"])
        ):
            out.append(t)
        t += dt.timedelta(minutes=1)
    return out


@pytest.mark.parametrize("data", SCHEDULES)
def test_cron_lines_fire_at_our_runs(tmp_path: Path, data: dict) -> None:
    schedule = make_schedule(data, "playbooks/x.yml")
    lines = cron_lines(schedule, tmp_path, executable="rmmkit")
    assert lines[1] == f"CRON_TZ={schedule.timezone}"
    assert all("--once --only playbooks/x.yml" in line for line in lines[2:])
    fired = sorted(t for line in lines[2:] for t in cron_matches(line, schedule, BASE, 7))
    ours = [r.astimezone(dt.UTC) for r in next_runs(schedule, BASE - dt.timedelta(seconds=1), 500)]
    assert fired == [r for r in ours if r < BASE + dt.timedelta(days=7)]
