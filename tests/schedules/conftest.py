"""Fixtures of the schedules tests: a throw-away project with an inventory and playbooks."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from rmmkit.declared.schedule import Schedule, parse_schedule
from rmmkit.lab.fixtures import lab  # noqa: F401  (the shared default lab, for the real-time test)

INVENTORY = """\
credentials:
  - name: hq-admin
    kind: password
    user: administrator
    secret: {source: env, key: RMMKIT_TEST_UNUSED}
sites:
  - name: hq
    ranges: [10.20.0.0/24]
    excludes: [10.20.0.7]
    credentials: [hq-admin]
  - name: branch
    ranges: [10.20.0.200-10.20.1.10]
  - name: lab
    ranges: [127.0.0.1-127.0.0.4]
hosts:
  - name: lo1
    address: 127.0.0.1
    site: lab
"""


def make_schedule(data: dict[str, Any], schedule_id: str = "s") -> Schedule:
    return parse_schedule(data, schedule_id=schedule_id)


def daily(time: str = "02:00", tz: str = "UTC", date: str = "2026-01-01", **extra: Any) -> Schedule:
    return make_schedule(
        {"frequency": "daily", "start": {"date": date, "time": time, "timezone": tz}, **extra}
    )


def aware(text: str, tz: str = "UTC") -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


class Project:
    """A project folder: ``inventories/inv.yml`` and playbooks written by the test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "inventories").mkdir()
        (root / "playbooks").mkdir()
        (root / "inventories" / "inv.yml").write_text(INVENTORY)

    def playbook(
        self,
        name: str,
        schedule: dict[str, Any] | str | None,
        *,
        sites: list[str] | None = None,
        ranges: list[str] | None = None,
        actions: tuple[str, ...] = ("noop",),
    ) -> Path:
        targets: dict[str, Any] = {}
        if sites:
            targets["sites"] = sites
        if ranges:
            targets["ranges"] = ranges
        doc: dict[str, Any] = {
            "name": name,
            "inventory": "../inventories/inv.yml",
            "targets": targets,
        }
        text = yaml.safe_dump(doc, sort_keys=False)
        if isinstance(schedule, str):
            text += textwrap.dedent(schedule)
        elif schedule is not None:
            text += yaml.safe_dump({"schedule": schedule}, sort_keys=False)
        text += "tasks:\n" + "".join(f"  - name: {a}\n    action: {a}\n" for a in actions)
        path = self.root / "playbooks" / f"{name}.yml"
        path.write_text(text)
        return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)
