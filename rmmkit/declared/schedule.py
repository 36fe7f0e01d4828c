"""The declared schedule of a playbook, validated once into a frozen dataclass.

Why two passes: the JSON Schema (``schemas/schedule.json``) catches shape
errors and is what editors use; the checks here catch what a schema cannot
say (a real calendar date, a known IANA zone, ``every: 2d`` only for daily).
Both report file:line of the offending key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from rmmkit.declared.models import NOWHERE
from rmmkit.declared.schedule_block import Marks
from rmmkit.declared.schema import packaged_schema
from rmmkit.declared.schema_errors import listed
from rmmkit.errors import Location, SchemaViolation

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_INTERVAL = re.compile(r"^([1-9][0-9]*)([smhdw])$")


def parse_interval(text: str) -> dt.timedelta:
    """``30m``, ``2h``, ``1d``, ``1w``, ``90s`` → timedelta (raises ValueError otherwise)."""
    match = _INTERVAL.match(str(text).strip())
    if not match:
        raise ValueError(f"not an interval: {text!r}")
    return dt.timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def format_interval(delta: dt.timedelta) -> str:
    """The shortest interval text for ``delta`` (inverse of :func:`parse_interval`)."""
    seconds = int(delta.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def schedule_schema() -> dict[str, Any]:
    """The packaged ``schedule.json`` (also the ``schedule`` block of the playbook schema)."""
    return packaged_schema("schedule")


@dataclass(frozen=True)
class Schedule:
    """One validated schedule; all times are wall-clock times in ``timezone``."""

    id: str  # stable identity for the store: the playbook's project-relative path
    frequency: str  # daily | weekly
    start_date: dt.date
    start_time: dt.time
    timezone: str = "UTC"
    days: tuple[int, ...] = ()  # weekly: 0 = monday … 6 = sunday
    every: dt.timedelta | None = None
    custom: tuple[dt.time, ...] = ()
    until: dt.datetime | None = None  # naive, local wall clock, inclusive
    misfire_policy: str = "run_once"  # run_once | skip
    misfire_grace: dt.timedelta | None = None  # None: a missed run is caught up however late
    estimated_duration: dt.timedelta | None = None
    location: Location = NOWHERE
    marks: dict[tuple[Any, ...], Location] = field(default_factory=dict, compare=False, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def intraday(self) -> bool:
        """True when ``every`` repeats runs within a run day (less than a day)."""
        return self.every is not None and self.every < dt.timedelta(days=1)

    def where(self, *path: Any) -> Location:
        """The location of a key of this schedule (falls back to the ``schedule:`` line)."""
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, self.location)

    def describe(self) -> str:
        """One line for tables: ``weekly mon,wed 02:00 every 2h Europe/Berlin``."""
        parts = [self.frequency]
        if self.frequency == "weekly":
            parts.append(",".join(DAY_NAMES[d] for d in self.days))
        if self.custom:
            parts.append("at " + ",".join(t.strftime("%H:%M") for t in self.custom))
        else:
            parts.append(self.start_time.strftime("%H:%M"))
        if self.every is not None:
            parts.append(f"every {format_interval(self.every)}")
        parts.append(self.timezone)
        return " ".join(parts)


def _normalise(raw: Any) -> Any:
    """Dates that ``yaml.safe_load`` made objects back to text (for callers with plain dicts).

    Times need no such help: rmmkit's YAML reader keeps ``02:30`` as text, and
    an integer (what ``yaml.safe_load`` makes of it) is rejected by the schema.
    """
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y-%m-%dT%H:%M")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, dict):
        return {k: _normalise(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_normalise(v) for v in raw]
    return raw


def _expected(error: jsonschema.ValidationError) -> str | None:
    """What the user should have written, in words (``x-expected`` wins over generic text)."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if schema.get("x-expected"):
        return str(schema["x-expected"])
    parent = error.parent
    while parent is not None:  # inside anyOf/oneOf: the alternative's owner knows best
        if isinstance(parent.schema, dict) and parent.schema.get("x-expected"):
            return str(parent.schema["x-expected"])
        parent = parent.parent
    value = error.validator_value
    if error.validator == "additionalProperties":
        return "only the keys " + ", ".join(schema.get("properties", {}))
    if error.validator == "enum":
        return "one of " + ", ".join(map(str, listed(value)))
    if error.validator == "maxItems":
        return f"at most {value} items"
    if error.validator == "required":
        return "the keys " + ", ".join(map(str, listed(value)))
    if error.validator == "type":
        return f"a {value}"
    return None


def _schema_check(data: Any, marks: Marks, location: Location) -> None:
    validator = jsonschema.Draft202012Validator(schedule_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    path = tuple(error.absolute_path)
    where = marks.get(path) or location
    key = ".".join(str(p) for p in ("schedule", *path))
    message = error.message if len(error.message) <= 80 else error.message[:77] + "..."
    raise SchemaViolation(f"{key}: {message}", location=where, expected=_expected(error))


def parse_schedule(
    data: Any, *, schedule_id: str, location: Location = NOWHERE, marks: Marks | None = None
) -> Schedule:
    """Validate a raw ``schedule:`` mapping and build the :class:`Schedule` (file:line errors)."""
    marks = dict(marks or {})
    if isinstance(data, dict):
        data = _normalise(data)
    _schema_check(data, marks, location)

    def fail(message: str, path: tuple[Any, ...], expected: str) -> SchemaViolation:
        where = marks.get(path) or location
        return SchemaViolation(
            f"schedule.{'.'.join(map(str, path))}: {message}", location=where, expected=expected
        )

    start = data["start"]
    try:
        start_date = dt.date.fromisoformat(start["date"])
    except ValueError:
        raise fail(
            f"{start['date']!r} is not a calendar date", ("start", "date"), "YYYY-MM-DD"
        ) from None
    start_time = dt.time.fromisoformat(start["time"])
    timezone = start.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(
            f"unknown time zone {timezone!r}",
            ("start", "timezone"),
            "an IANA zone such as Europe/Berlin",
        ) from None

    frequency = data["frequency"]
    if "days" in data and frequency != "weekly":
        raise fail(
            "days only apply to a weekly schedule", ("days",), "frequency: weekly, or no days"
        )
    days = tuple(sorted(DAY_NAMES.index(d) for d in data.get("days", []))) or (
        (start_date.weekday(),) if frequency == "weekly" else ()
    )

    every: dt.timedelta | None = None
    custom: tuple[dt.time, ...] = ()
    recurrence = data.get("recurrence") or {}
    if "every" in recurrence:
        every = parse_interval(recurrence["every"])
        unit = recurrence["every"][-1]
        if unit in "mh" and every >= dt.timedelta(days=1):
            raise fail(
                f"{recurrence['every']} does not repeat within a day",
                ("recurrence", "every"),
                "less than 24h, or Nd / Nw",
            )
        if unit == "d" and frequency != "daily":
            raise fail(
                "every Nd needs frequency: daily",
                ("recurrence", "every"),
                "Nw for weekly schedules",
            )
        if unit == "w" and frequency != "weekly":
            raise fail(
                "every Nw needs frequency: weekly",
                ("recurrence", "every"),
                "Nd for daily schedules",
            )
    elif "custom" in recurrence:
        custom = tuple(sorted(dt.time.fromisoformat(t) for t in recurrence["custom"]))

    until: dt.datetime | None = None
    if data.get("until"):
        text = data["until"].replace(" ", "T")
        try:
            until = (
                dt.datetime.fromisoformat(text)
                if "T" in text
                else dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59))
            )
        except ValueError:
            raise fail(
                f"{data['until']!r} is not a calendar date", ("until",), "YYYY-MM-DD[THH:MM]"
            ) from None
        if until < dt.datetime.combine(start_date, start_time):
            raise fail(
                "until is before the start", ("until",), "a moment after start.date/start.time"
            )

    misfire = data.get("misfire") or {}
    grace = parse_interval(misfire["grace"]) if misfire.get("grace") else None
    estimate = (
        parse_interval(data["estimated_duration"]) if data.get("estimated_duration") else None
    )
    return Schedule(
        id=schedule_id,
        frequency=frequency,
        start_date=start_date,
        start_time=start_time,
        timezone=timezone,
        days=days,
        every=every,
        custom=custom,
        until=until,
        misfire_policy=misfire.get("policy", "run_once"),
        misfire_grace=grace,
        estimated_duration=estimate,
        location=location,
        marks=marks,
        raw=data,
    )
